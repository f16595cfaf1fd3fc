"""Routes: erase-my-data requests (the person, or a helpdesk agent) and the bot-side job's queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse

from backend.accounts.models import Account, Role
from backend.core.db import SessionDep
from backend.core.errors import Forbidden, NotFound
from backend.core.idempotency import IdempotencyDep, run_idempotent
from backend.principal import PrincipalDep, require_service_key
from backend.privacy import service
from backend.privacy.models import ErasureRequest
from backend.privacy.schemas import (
    MAX_ID,
    ErasureCreate,
    ErasurePublic,
    PendingErasure,
    Sender,
)

router = APIRouter(tags=["privacy"])
ServiceKeyDep = Annotated[None, Depends(require_service_key)]


def _public(request: ErasureRequest) -> ErasurePublic:
    return ErasurePublic(
        id=request.id,
        account_id=request.account_id,
        status=request.status.value,
        conversations=len(request.senders),
        backend_rows_deleted=request.backend_rows_deleted,
        created_at=request.created_at,
        completed_at=request.completed_at,
    )


@router.post("/privacy/erasure-requests", status_code=201, response_model=ErasurePublic)
def create_erasure_request(
    body: ErasureCreate,
    principal: PrincipalDep,
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """Erase an account's conversations: one's own (in person or from the chat), any for an agent.

    The backend's transcripts and handoffs go at once; the tracker events of the account's chat
    conversations are removed by the bot-side job (``status`` pending until then).
    """
    target: Account = principal.account
    if body.account_id is not None and body.account_id != principal.account.id:
        # Only an agent in person: the bot acts for the one person it talks to.
        if principal.via != "bearer" or principal.role != Role.helpdesk_agent:
            raise Forbidden("You can only erase your own data.")
        found = session.get(Account, body.account_id)
        if found is None:
            raise NotFound("No such account.")
        target = found
    return run_idempotent(
        session,
        account_id=principal.account.id,
        request=idempotency,
        action=lambda: _public(
            service.request_erasure(session, account=target, requested_by=principal.account)
        ),
        status_code=201,
    )


@router.get("/privacy/erasure-requests/pending")
def list_pending_erasures(_: ServiceKeyDep, session: SessionDep) -> list[PendingErasure]:
    """The bot-side job's queue (service key only): conversations whose events to remove."""
    return [
        PendingErasure(
            id=request.id,
            senders=[Sender(**sender) for sender in request.senders],
            created_at=request.created_at,
        )
        for request in service.pending_requests(session)
    ]


@router.post("/privacy/erasure-requests/{request_id}/complete")
def complete_erasure(
    request_id: Annotated[int, Path(ge=1, le=MAX_ID)], _: ServiceKeyDep, session: SessionDep
) -> ErasurePublic:
    """The bot-side job removed every conversation of the request (service key only)."""
    return _public(service.complete_request(session, request_id=request_id))
