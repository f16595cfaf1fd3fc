"""Routes for the operator's helpdesk agents (Bearer, role helpdesk_agent): every company's
repairs, moved along by hand (the workshop stand-in, ``backend.repairs.workshop``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import select

from backend.core.db import SessionDep
from backend.core.idempotency import IdempotencyDep, run_idempotent
from backend.core.models import utcnow
from backend.principal import HelpdeskAgentDep
from backend.repairs.models import Repair, RepairStatus
from backend.repairs.service import RepairNotFound, public
from backend.repairs.workshop import advance_repair

router = APIRouter(prefix="/agent", tags=["agent"])


@router.get("/repairs")
def list_repairs(
    agent: HelpdeskAgentDep, session: SessionDep, status: RepairStatus | None = None
) -> list[dict[str, Any]]:
    """Every company's repairs, newest first."""
    query = select(Repair)
    if status is not None:
        query = query.where(Repair.status == status)
    return [public(r) for r in session.scalars(query.order_by(Repair.id.desc()))]


@router.post("/repairs/{repair_id}/advance")
def advance(
    repair_id: int, agent: HelpdeskAgentDep, session: SessionDep, idempotency: IdempotencyDep
) -> JSONResponse:
    """Move the repair one step (requested → picked_up → in_repair → ready → returned)."""

    def action() -> dict[str, Any]:
        repair = session.get(Repair, repair_id)
        if repair is None:
            raise RepairNotFound
        return public(advance_repair(session, repair, now=utcnow()))

    return run_idempotent(
        session, account_id=agent.account.id, request=idempotency, status_code=200, action=action
    )
