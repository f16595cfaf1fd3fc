"""Routes: helpdesk tickets, their subjects and comments."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from backend.core.db import SessionDep
from backend.core.idempotency import IdempotencyDep, run_idempotent
from backend.principal import CompanyPrincipalDep
from backend.tickets import service
from backend.tickets.models import TicketStatus
from backend.tickets.schemas import (
    CommentCreate,
    CommentPublic,
    SubjectPublic,
    TicketCreate,
    TicketCreated,
    TicketPublic,
)

router = APIRouter(tags=["tickets"])


@router.get("/tickets/subjects")
def list_subjects(principal: CompanyPrincipalDep) -> list[SubjectPublic]:
    """The ticket subjects with their names in French, Dutch and English."""
    return service.subjects()


@router.post("/tickets", status_code=201, response_model=TicketCreated)
def open_ticket(
    body: TicketCreate,
    principal: CompanyPrincipalDep,
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """Open a helpdesk ticket (subject from the list, description, contact number)."""
    return run_idempotent(
        session,
        account_id=principal.account.id,
        request=idempotency,
        status_code=201,
        action=lambda: service.create(session, principal=principal, body=body),
    )


@router.get("/tickets")
def list_tickets(
    principal: CompanyPrincipalDep, session: SessionDep, status: TicketStatus | None = None
) -> list[TicketPublic]:
    """The company's tickets (end user: own), newest first."""
    return service.list_tickets(session, principal=principal, status=status)


@router.get("/tickets/{ticket_id}")
def read_ticket(
    ticket_id: int, principal: CompanyPrincipalDep, session: SessionDep
) -> TicketPublic:
    """One ticket with its comments."""
    return service.get_ticket(session, principal=principal, ticket_id=ticket_id)


@router.post("/tickets/{ticket_id}/comments", status_code=201, response_model=CommentPublic)
def add_comment(
    ticket_id: int,
    body: CommentCreate,
    principal: CompanyPrincipalDep,
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """Add a comment to a ticket."""
    return run_idempotent(
        session,
        account_id=principal.account.id,
        request=idempotency,
        status_code=201,
        action=lambda: service.add_comment(
            session, principal=principal, ticket_id=ticket_id, body=body
        ),
    )
