"""The repair workshop stand-in: requested → picked_up → in_repair → ready → returned.

An operator (a helpdesk agent, ``POST /api/v1/agent/repairs/{id}/advance``) or this command moves
a repair one step; in the demo, ``due`` moves every repair whose status is older than a delay, so
the repair status the bot gives changes as time passes.

    python -m backend.repairs.workshop advance R2026-000001
    python -m backend.repairs.workshop due --older-than-minutes 2 [--loop 30]
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
from backend.repairs.models import Repair, RepairStatus
from backend.repairs.service import RepairNotFound

logger = logging.getLogger(__name__)

REPAIR_FLOW = (
    RepairStatus.requested,
    RepairStatus.picked_up,
    RepairStatus.in_repair,
    RepairStatus.ready,
    RepairStatus.returned,
)


class RepairAlreadyReturned(AppError):
    status_code = 409
    code = "repair_returned"
    message = "This device is already back with its user."


def advance_repair(session: Session, repair: Repair, *, now: datetime) -> Repair:
    """Move ``repair`` one step forward; the caller commits."""
    following = next_status(REPAIR_FLOW, repair.status)
    if following is None:
        raise RepairAlreadyReturned
    steps = history(
        repair.status_history, first=RepairStatus.requested, created_at=repair.created_at
    )
    repair.status = following
    repair.status_history = [*steps, {"status": following.value, "at": now.isoformat()}]
    session.flush()
    logger.info("Repair %s is now %s", repair.number, following.value)
    return repair


def advance_due_repairs(session: Session, *, now: datetime, older_than: timedelta) -> list[Repair]:
    """The demo's passing time: every repair not yet returned whose status is older moves on."""
    moved = []
    pending = session.scalars(
        select(Repair).where(Repair.status != RepairStatus.returned).order_by(Repair.id)
    )
    for repair in pending:
        steps = history(
            repair.status_history, first=RepairStatus.requested, created_at=repair.created_at
        )
        if now - last_change(steps) >= older_than:
            moved.append(advance_repair(session, repair, now=now))
    return moved


def repair_by_number(session: Session, number: str) -> Repair:
    """Any company's repair (the operator's side)."""
    repair = session.scalar(select(Repair).where(Repair.number == number.strip().upper()))
    if repair is None:
        raise RepairNotFound
    return repair


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Move repairs along (the workshop stand-in).")
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("advance", help="move one repair one step")
    one.add_argument("number", help="repair number, e.g. R2026-000001")
    due = commands.add_parser("due", help="move every repair whose status is older than a delay")
    due.add_argument("--older-than-minutes", type=float, default=2.0)
    due.add_argument("--loop", type=float, default=0.0, help="repeat every N seconds")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    make_session = get_sessionmaker(get_settings().database_url)
    while True:
        with make_session() as session:
            try:
                if args.command == "advance":
                    repair = repair_by_number(session, args.number)
                    repairs = [advance_repair(session, repair, now=utcnow())]
                else:
                    repairs = advance_due_repairs(
                        session,
                        now=utcnow(),
                        older_than=timedelta(minutes=args.older_than_minutes),
                    )
            except AppError as exc:
                print(f"error: {exc.message}")
                return 2
            session.commit()
            for repair in repairs:
                print(f"{repair.number}: {repair.status.value}")
        if args.command == "advance" or args.loop <= 0:
            return 0
        time.sleep(args.loop)


if __name__ == "__main__":
    raise SystemExit(main())
