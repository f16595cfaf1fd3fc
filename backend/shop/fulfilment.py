"""The warehouse stand-in: orders move received → processing → shipped → delivered.

An operator (a helpdesk agent, ``POST /api/v1/agent/orders/{id}/advance``) or this command moves
an order one step; in the demo, ``due`` moves every order whose status is older than a delay, so
"where is my order?" gets a different answer as time passes. Shipping gives the parcel a tracking
number in the UPU S10 format the Belgian post uses (``CD123456785BE``).

    python -m backend.shop.fulfilment advance O2026-000001
    python -m backend.shop.fulfilment due --older-than-minutes 2 [--loop 30]
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from backend.core.errors import AppError
from backend.core.status_flow import StatusFlow, run_cli
from backend.shop.models import Order, OrderStatus
from backend.shop.service import OrderNotFound

logger = logging.getLogger(__name__)

ORDER_FLOW = (
    OrderStatus.received,
    OrderStatus.processing,
    OrderStatus.shipped,
    OrderStatus.delivered,
)
_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


class OrderAlreadyDelivered(AppError):
    status_code = 409
    code = "order_delivered"
    message = "This order is already delivered."


def tracking_number(order_id: int) -> str:
    """A parcel number in the UPU S10 format: ``CD`` + 8 digits + check digit + ``BE``."""
    serial = f"{order_id % 10**8:08d}"
    check = 11 - sum(int(d) * w for d, w in zip(serial, _S10_WEIGHTS, strict=True)) % 11
    digit = {10: 0, 11: 5}.get(check, check)
    return f"CD{serial}{digit}BE"


def _ship(order: Order, status: OrderStatus) -> None:
    """Shipping gives the parcel its tracking number."""
    if status == OrderStatus.shipped:
        order.tracking = tracking_number(order.id)


FULFILMENT = StatusFlow(
    model=Order,
    status_column=Order.status,
    number_column=Order.number,
    id_column=Order.id,
    flow=ORDER_FLOW,
    finished=OrderAlreadyDelivered,
    not_found=OrderNotFound,
    logger=logger,
    on_step=_ship,
)


def advance_order(session: Session, order: Order, *, now: datetime) -> Order:
    """Move ``order`` one step forward (shipping sets its tracking number); the caller commits."""
    return FULFILMENT.advance(session, order, now=now)


def advance_due_orders(session: Session, *, now: datetime, older_than: timedelta) -> list[Order]:
    """The demo's passing time: every undelivered order whose status is older moves one step."""
    return FULFILMENT.advance_due(session, now=now, older_than=older_than)


def order_by_number(session: Session, number: str) -> Order:
    """Any company's order (the operator's side)."""
    return FULFILMENT.by_number(session, number)


def _describe(order: Order) -> str:
    return f"{order.number}: {order.status.value} {order.tracking or ''}".rstrip()


def main(argv: list[str] | None = None) -> int:
    return run_cli(
        argv,
        description="Move orders along (the warehouse stand-in).",
        noun="order",
        example="O2026-000001",
        advance_number=lambda session, number, now: advance_order(
            session, order_by_number(session, number), now=now
        ),
        advance_due=lambda session, now, older_than: advance_due_orders(
            session, now=now, older_than=older_than
        ),
        describe=_describe,
    )


if __name__ == "__main__":
    raise SystemExit(main())
