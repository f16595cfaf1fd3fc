"""Routes: helpdesk tickets."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from backend.core.db import SessionDep
from backend.core.idempotency import IdempotencyDep, run_idempotent
from backend.principal import CompanyPrincipalDep
from backend.tickets import service
from backend.tickets.schemas import TicketCreate, TicketCreated, TicketPublic

router = APIRouter(tags=["tickets"])


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
def list_tickets(principal: CompanyPrincipalDep, session: SessionDep) -> list[TicketPublic]:
    """The company's tickets (end user: own)."""
    return service.list_tickets(session, principal=principal)
