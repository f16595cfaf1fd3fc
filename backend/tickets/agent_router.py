"""Routes for the operator's helpdesk agents (Bearer, role helpdesk_agent): every company's
tickets, and their answers as comments the customer reads in the ticket status."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from backend.core.db import SessionDep
from backend.core.idempotency import IdempotencyDep, run_idempotent
from backend.principal import HelpdeskAgentDep
from backend.tickets import service
from backend.tickets.models import TicketStatus
from backend.tickets.schemas import CommentCreate, CommentPublic, TicketPublic

router = APIRouter(prefix="/agent", tags=["agent"])


@router.get("/tickets")
def list_tickets(
    agent: HelpdeskAgentDep, session: SessionDep, status: TicketStatus | None = None
) -> list[TicketPublic]:
    """Every company's tickets, newest first."""
    return service.agent_list_tickets(session, status=status)


@router.get("/tickets/{ticket_id}")
def read_ticket(ticket_id: int, agent: HelpdeskAgentDep, session: SessionDep) -> TicketPublic:
    """One ticket of any company, with its comments."""
    return service.agent_get_ticket(session, ticket_id=ticket_id)


@router.post("/tickets/{ticket_id}/comments", status_code=201, response_model=CommentPublic)
def add_comment(
    ticket_id: int,
    body: CommentCreate,
    agent: HelpdeskAgentDep,
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """Answer on a ticket (an open ticket becomes in progress)."""
    return run_idempotent(
        session,
        account_id=agent.account.id,
        request=idempotency,
        status_code=201,
        action=lambda: service.agent_add_comment(
            session, principal=agent, ticket_id=ticket_id, body=body
        ),
    )
