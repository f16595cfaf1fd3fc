"""The repair workshop stand-in: requested → picked_up → in_repair → ready → returned.

A drop-off (``Pickup.drop_off``) goes through the same steps: its ``picked_up`` means the device
was received at the shop, and is worded so for the customer (no courier took it).

An operator (a helpdesk agent, ``POST /api/v1/agent/repairs/{id}/advance``) or this command moves
a repair one step; in the demo, ``due`` moves every repair whose status is older than a delay, so
the repair status the bot gives changes as time passes.

    python -m backend.repairs.workshop advance R2026-000001
    python -m backend.repairs.workshop due --older-than-minutes 2 [--loop 30]
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from backend.core.errors import AppError
from backend.core.status_flow import StatusFlow, run_cli
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


WORKSHOP = StatusFlow(
    model=Repair,
    status_column=Repair.status,
    number_column=Repair.number,
    id_column=Repair.id,
    flow=REPAIR_FLOW,
    finished=RepairAlreadyReturned,
    not_found=RepairNotFound,
    logger=logger,
)


def advance_repair(session: Session, repair: Repair, *, now: datetime) -> Repair:
    """Move ``repair`` one step forward; the caller commits."""
    return WORKSHOP.advance(session, repair, now=now)


def advance_due_repairs(session: Session, *, now: datetime, older_than: timedelta) -> list[Repair]:
    """The demo's passing time: every repair not yet returned whose status is older moves on."""
    return WORKSHOP.advance_due(session, now=now, older_than=older_than)


def repair_by_number(session: Session, number: str) -> Repair:
    """Any company's repair (the operator's side)."""
    return WORKSHOP.by_number(session, number)


def main(argv: list[str] | None = None) -> int:
    return run_cli(
        argv,
        description="Move repairs along (the workshop stand-in).",
        noun="repair",
        example="R2026-000001",
        advance_number=lambda session, number, now: advance_repair(
            session, repair_by_number(session, number), now=now
        ),
        advance_due=lambda session, now, older_than: advance_due_repairs(
            session, now=now, older_than=older_than
        ),
        describe=lambda repair: f"{repair.number}: {repair.status.value}",
    )


if __name__ == "__main__":
    raise SystemExit(main())
