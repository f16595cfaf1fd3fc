"""The warehouse stand-in: orders move received → processing → shipped → delivered.

An operator (a helpdesk agent, ``POST /api/v1/agent/orders/{id}/advance``) or this command moves
an order one step; in the demo, ``due`` moves every order whose status is older than a delay, so
"where is my order?" gets a different answer as time passes. Shipping gives the parcel a tracking
number in the UPU S10 format the Belgian post uses (``CD123456785BE``).

    python -m backend.shop.fulfilment advance O2026-000001
    python -m backend.shop.fulfilment due --older-than-minutes 2 [--loop 30]
"""

from __future__ import annotations

import argparse
import logging
import time
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.db import get_sessionmaker
from backend.core.errors import AppError
from backend.core.models import utcnow
from backend.core.settings import get_settings
from backend.core.status_flow import history, last_change, next_status
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


def advance_order(session: Session, order: Order, *, now: datetime) -> Order:
    """Move ``order`` one step forward (shipping sets its tracking number); the caller commits."""
    following = next_status(ORDER_FLOW, order.status)
    if following is None:
        raise OrderAlreadyDelivered
    steps = history(order.status_history, first=OrderStatus.received, created_at=order.created_at)
    order.status = following
    order.status_history = [*steps, {"status": following.value, "at": now.isoformat()}]
    if following == OrderStatus.shipped:
        order.tracking = tracking_number(order.id)
    session.flush()
    logger.info("Order %s is now %s", order.number, following.value)
    return order


def advance_due_orders(session: Session, *, now: datetime, older_than: timedelta) -> list[Order]:
    """The demo's passing time: every undelivered order whose status is older moves one step."""
    moved = []
    pending = session.scalars(
        select(Order).where(Order.status != OrderStatus.delivered).order_by(Order.id)
    )
    for order in pending:
        steps = history(
            order.status_history, first=OrderStatus.received, created_at=order.created_at
        )
        if now - last_change(steps) >= older_than:
            moved.append(advance_order(session, order, now=now))
    return moved


def order_by_number(session: Session, number: str) -> Order:
    """Any company's order (the operator's side)."""
    order = session.scalar(select(Order).where(Order.number == number.strip().upper()))
    if order is None:
        raise OrderNotFound
    return order


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Move orders along (the warehouse stand-in).")
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("advance", help="move one order one step")
    one.add_argument("number", help="order number, e.g. O2026-000001")
    due = commands.add_parser("due", help="move every order whose status is older than a delay")
    due.add_argument("--older-than-minutes", type=float, default=2.0)
    due.add_argument("--loop", type=float, default=0.0, help="repeat every N seconds")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    make_session = get_sessionmaker(get_settings().database_url)
    while True:
        with make_session() as session:
            try:
                if args.command == "advance":
                    order = order_by_number(session, args.number)
                    orders = [advance_order(session, order, now=utcnow())]
                else:
                    orders = advance_due_orders(
                        session,
                        now=utcnow(),
                        older_than=timedelta(minutes=args.older_than_minutes),
                    )
            except AppError as exc:
                print(f"error: {exc.message}")
                return 2
            session.commit()
            for order in orders:
                print(f"{order.number}: {order.status.value} {order.tracking or ''}".rstrip())
        if args.command == "advance" or args.loop <= 0:
            return 0
        time.sleep(args.loop)


if __name__ == "__main__":
    raise SystemExit(main())
