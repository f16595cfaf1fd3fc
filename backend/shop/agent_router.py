"""Routes for the operator's helpdesk agents (Bearer, role helpdesk_agent): every company's
orders, moved along by hand (the warehouse stand-in, ``backend.shop.fulfilment``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import select

from backend.core.db import SessionDep
from backend.core.idempotency import IdempotencyDep, run_idempotent
from backend.core.models import utcnow
from backend.principal import HelpdeskAgentDep
from backend.shop.fulfilment import advance_order
from backend.shop.models import Order, OrderStatus
from backend.shop.service import OrderNotFound, order_public

router = APIRouter(prefix="/agent", tags=["agent"])


@router.get("/orders")
def list_orders(
    agent: HelpdeskAgentDep, session: SessionDep, status: OrderStatus | None = None
) -> list[dict[str, Any]]:
    """Every company's orders, newest first."""
    query = select(Order)
    if status is not None:
        query = query.where(Order.status == status)
    return [order_public(o) for o in session.scalars(query.order_by(Order.id.desc()))]


@router.post("/orders/{order_id}/advance")
def advance(
    order_id: int, agent: HelpdeskAgentDep, session: SessionDep, idempotency: IdempotencyDep
) -> JSONResponse:
    """Move the order one step (received → processing → shipped with tracking → delivered)."""

    def action() -> dict[str, Any]:
        order = session.get(Order, order_id)
        if order is None:
            raise OrderNotFound
        return order_public(advance_order(session, order, now=utcnow()))

    return run_idempotent(
        session, account_id=agent.account.id, request=idempotency, status_code=200, action=action
    )
