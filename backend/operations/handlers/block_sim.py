"""block_sim: lost or stolen SIM, all outgoing usage blocked until a replacement SIM;
unblock_sim: the SIM was found again, the line works as before."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.fleet.inventory import mark_sim, sim_status
from backend.fleet.models import Line, LineStatus, SimStatus
from backend.operations.exceptions import LineStateConflict
from backend.operations.handlers.base import OpContext, OperationHandler, Params
from backend.operations.models import Operation, OperationStatus, OperationType


class BlockSimParams(Params):
    pass


class BlockSim(OperationHandler[BlockSimParams]):
    op_type = OperationType.block_sim
    params_model = BlockSimParams
    fleet_manager_only = False

    def prepare(self, ctx: OpContext, line: Line | None, params: BlockSimParams) -> dict[str, Any]:
        assert line is not None
        if line.status != LineStatus.active:
            raise LineStateConflict("Only the SIM of an active line can be blocked.")
        return {"msisdn": line.msisdn, "iccid": line.iccid}

    def execute(
        self, ctx: OpContext, line: Line | None, params: BlockSimParams, summary: dict[str, Any]
    ) -> dict[str, Any]:
        assert line is not None
        self.prepare(ctx, line, params)
        line.status = LineStatus.suspended
        mark_sim(ctx.session, iccid=line.iccid, status=SimStatus.blocked)
        return {"line_id": line.id, "status": line.status.value}


def _sim_blocked(session: Session, line: Line) -> bool:
    """Whether the line's current SIM is blocked (by ``block_sim``), not suspended otherwise.

    The stock knows the SIM cards it holds. Seeded lines' SIMs and eSIMs are in no stock
    (``mark_sim`` leaves them alone), so for them the line's last block or unblock is the
    record: a done ``block_sim`` of this very SIM, not undone since.
    """
    status = sim_status(session, iccid=line.iccid)
    if status is not None:
        return status == SimStatus.blocked
    last = session.scalar(
        select(Operation)
        .where(
            Operation.line_id == line.id,
            Operation.status == OperationStatus.done,
            Operation.type.in_((OperationType.block_sim, OperationType.unblock_sim)),
        )
        .order_by(Operation.done_at.desc())
        .limit(1)
    )
    return (
        last is not None
        and last.type == OperationType.block_sim
        and last.summary.get("iccid") == line.iccid
    )


class UnblockSimParams(Params):
    pass


class UnblockSim(OperationHandler[UnblockSimParams]):
    """The reverse of ``block_sim``, for the same callers (an end user for their own line).

    A ``replace_sim`` still pending for the line is left alone: it does not need the line to be
    suspended, and confirming it afterwards still blocks the old SIM and moves the line to the
    new one, which is what its caller asked for. The other way round, a replacement confirmed
    before the unblock makes the unblock's re-check refuse (the line is active again).
    """

    op_type = OperationType.unblock_sim
    params_model = UnblockSimParams
    fleet_manager_only = False

    def prepare(
        self, ctx: OpContext, line: Line | None, params: UnblockSimParams
    ) -> dict[str, Any]:
        assert line is not None
        if line.status != LineStatus.suspended:
            raise LineStateConflict(
                "Only a suspended line whose SIM was blocked can be unblocked; "
                f"this line is {line.status.value}.",
                details={"reason": "line_not_suspended", "line_status": line.status.value},
            )
        if not _sim_blocked(ctx.session, line):
            # A suspension the bot did not make (e.g. by the operator): lifting it is support's.
            raise LineStateConflict(
                "This line is suspended for another reason than a blocked SIM; "
                "only support can lift it.",
                details={"reason": "sim_not_blocked", "line_status": line.status.value},
            )
        return {"msisdn": line.msisdn, "iccid": line.iccid}

    def execute(
        self, ctx: OpContext, line: Line | None, params: UnblockSimParams, summary: dict[str, Any]
    ) -> dict[str, Any]:
        assert line is not None
        self.prepare(ctx, line, params)
        line.status = LineStatus.active
        mark_sim(ctx.session, iccid=line.iccid, status=SimStatus.in_use)
        return {"line_id": line.id, "status": line.status.value}
