"""Open, read, list and comment tickets, scoped to the caller's company (end users: their own)."""

from __future__ import annotations

import logging

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from backend.accounts.models import Account, Role
from backend.core.errors import AppError, FieldError
from backend.core.models import utcnow
from backend.fleet import service as fleet
from backend.fleet.validation import checked
from backend.principal import Principal
from backend.tickets.models import Ticket, TicketComment, TicketStatus
from backend.tickets.schemas import (
    MIN_DESCRIPTION,
    CommentCreate,
    CommentPublic,
    SubjectPublic,
    TicketCreate,
    TicketCreated,
    TicketPublic,
)
from backend.tickets.subjects import SUBJECT_NAMES
from validation import check_phone_number

logger = logging.getLogger(__name__)


class TicketNotFound(AppError):
    status_code = 404
    code = "ticket_not_found"
    message = "No such ticket."


def subjects() -> list[SubjectPublic]:
    return [SubjectPublic(code=code, names=names) for code, names in SUBJECT_NAMES.items()]


def create(session: Session, *, principal: Principal, body: TicketCreate) -> TicketCreated:
    """A new open ticket numbered ``T-<year>-<id:06d>``; the line must be visible to the caller."""
    assert principal.company is not None
    description = body.description.strip()
    if len(description) < MIN_DESCRIPTION:
        raise FieldError(
            "description_too_short",
            f"Describe the problem in at least {MIN_DESCRIPTION} characters.",
            field="description",
            details={"min_length": MIN_DESCRIPTION, "length": len(description)},
        )
    contact = checked(check_phone_number, body.contact_number, field="contact_number")
    if body.line_id is not None:
        fleet.get_line(session, principal=principal, line_id=body.line_id)
    ticket = Ticket(
        company_id=principal.company.id,
        account_id=principal.account.id,
        line_id=body.line_id,
        subject_code=body.subject_code,
        description=description,
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


def _visible(principal: Principal) -> Select[tuple[Ticket]]:
    assert principal.company is not None
    query = select(Ticket).where(Ticket.company_id == principal.company.id)
    if principal.role != Role.fleet_manager:
        query = query.where(Ticket.account_id == principal.account.id)
    return query


def _comment_public(comment: TicketComment, role: Role | None) -> CommentPublic:
    return CommentPublic(
        author=comment.author,
        author_role="agent" if role == Role.helpdesk_agent else "customer",
        body=comment.body,
        created_at=comment.created_at,
    )


def _public(session: Session, ticket: Ticket) -> TicketPublic:
    comments = session.execute(
        select(TicketComment, Account.role)
        .outerjoin(Account, Account.id == TicketComment.account_id)
        .where(TicketComment.ticket_id == ticket.id)
        .order_by(TicketComment.created_at, TicketComment.id)
    ).all()
    return TicketPublic(
        id=ticket.id,
        number=ticket.number or "",
        status=ticket.status,
        subject_code=ticket.subject_code,
        subject_names=SUBJECT_NAMES[ticket.subject_code],
        description=ticket.description,
        contact_number=ticket.contact_number,
        line_id=ticket.line_id,
        created_at=ticket.created_at,
        comments=[_comment_public(comment, role) for comment, role in comments],
    )


def list_tickets(
    session: Session, *, principal: Principal, status: TicketStatus | None = None
) -> list[TicketPublic]:
    """The company's tickets for a fleet manager, the caller's own for an end user."""
    query = _visible(principal)
    if status is not None:
        query = query.where(Ticket.status == status)
    return [_public(session, t) for t in session.scalars(query.order_by(Ticket.id.desc()))]


def _get(session: Session, principal: Principal, ticket_id: int) -> Ticket:
    ticket = session.scalar(_visible(principal).where(Ticket.id == ticket_id))
    if ticket is None:
        raise TicketNotFound
    return ticket


def get_ticket(session: Session, *, principal: Principal, ticket_id: int) -> TicketPublic:
    return _public(session, _get(session, principal, ticket_id))


def add_comment(
    session: Session, *, principal: Principal, ticket_id: int, body: CommentCreate
) -> CommentPublic:
    return _comment(session, _get(session, principal, ticket_id), principal, body)


# --- the operator's helpdesk agents: every company's tickets -------------------------------


def agent_list_tickets(session: Session, *, status: TicketStatus | None) -> list[TicketPublic]:
    """Every company's tickets, newest first (only for helpdesk agents: see the router)."""
    query = select(Ticket)
    if status is not None:
        query = query.where(Ticket.status == status)
    return [_public(session, t) for t in session.scalars(query.order_by(Ticket.id.desc()))]


def _agent_get(session: Session, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise TicketNotFound
    return ticket


def agent_get_ticket(session: Session, *, ticket_id: int) -> TicketPublic:
    return _public(session, _agent_get(session, ticket_id))


def agent_add_comment(
    session: Session, *, principal: Principal, ticket_id: int, body: CommentCreate
) -> CommentPublic:
    """An agent's answer on a ticket; an open ticket is then being handled (in progress)."""
    ticket = _agent_get(session, ticket_id)
    if ticket.status == TicketStatus.open:
        ticket.status = TicketStatus.in_progress
    return _comment(session, ticket, principal, body)


def _comment(
    session: Session, ticket: Ticket, principal: Principal, body: CommentCreate
) -> CommentPublic:
    account = principal.account
    author = f"{account.first_name} {account.last_name}".strip() or account.gsm
    comment = TicketComment(
        ticket_id=ticket.id,
        account_id=account.id,
        author=author,
        body=body.body.strip(),
        created_at=utcnow(),
    )
    session.add(comment)
    session.flush()
    return _comment_public(comment, account.role)
