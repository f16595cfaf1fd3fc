"""block_sim: lost or stolen SIM, all outgoing usage blocked until a replacement SIM."""

from __future__ import annotations

from typing import Any

from backend.fleet.inventory import mark_sim
from backend.fleet.models import Line, LineStatus, SimStatus
from backend.operations.exceptions import LineStateConflict
from backend.operations.handlers.base import OpContext, OperationHandler, Params
from backend.operations.models import OperationType


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
