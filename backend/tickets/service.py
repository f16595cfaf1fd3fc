"""Open and list tickets, scoped to the caller's company (end users: their own)."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.accounts.models import Role
from backend.core.models import utcnow
from backend.fleet import service as fleet
from backend.fleet.validation import check_contact_number
from backend.principal import Principal
from backend.tickets.models import Ticket, TicketStatus
from backend.tickets.schemas import TicketCreate, TicketCreated, TicketPublic

logger = logging.getLogger(__name__)


def create(session: Session, *, principal: Principal, body: TicketCreate) -> TicketCreated:
    """A new open ticket numbered ``T-<year>-<id:06d>``; the line must be visible to the caller."""
    assert principal.company is not None
    contact = check_contact_number(body.contact_number)
    if body.line_id is not None:
        fleet.get_line(session, principal=principal, line_id=body.line_id)
    ticket = Ticket(
        company_id=principal.company.id,
        account_id=principal.account.id,
        line_id=body.line_id,
        subject_code=body.subject_code,
        description=body.description,
        contact_number=contact,
        status=TicketStatus.open,
        created_at=utcnow(),
    )
    session.add(ticket)
    session.flush()
    ticket.number = f"T-{ticket.created_at.year}-{ticket.id:06d}"
    session.flush()
    logger.info("Opened ticket %s", ticket.number)
    return TicketCreated(id=ticket.id, number=ticket.number, status=ticket.status)


def list_tickets(session: Session, *, principal: Principal) -> list[TicketPublic]:
    """The company's tickets for a fleet manager, the caller's own for an end user."""
    assert principal.company is not None
    query = select(Ticket).where(Ticket.company_id == principal.company.id)
    if principal.role != Role.fleet_manager:
        query = query.where(Ticket.account_id == principal.account.id)
    return [
        TicketPublic(
            id=t.id,
            number=t.number or "",
            status=t.status,
            subject_code=t.subject_code,
            description=t.description,
            contact_number=t.contact_number,
            line_id=t.line_id,
            created_at=t.created_at,
        )
        for t in session.scalars(query.order_by(Ticket.id.desc()))
    ]
