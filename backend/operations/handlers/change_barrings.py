"""change_barrings: bar or unbar services per line ("in a few moments")."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from backend.core.errors import FieldError
from backend.fleet.models import Line
from backend.operations.handlers.base import (
    OpContext,
    OperationHandler,
    Params,
    barring_ref,
    get_barrings,
    require_not_deactivated,
)
from backend.operations.models import OperationType


class ChangeBarringsParams(Params):
    block: list[str] = Field(default_factory=list, max_length=20)
    unblock: list[str] = Field(default_factory=list, max_length=20)


class ChangeBarrings(OperationHandler[ChangeBarringsParams]):
    op_type = OperationType.change_barrings
    params_model = ChangeBarringsParams

    def prepare(
        self, ctx: OpContext, line: Line | None, params: ChangeBarringsParams
    ) -> dict[str, Any]:
        line = require_not_deactivated(line)
        if not params.block and not params.unblock:
            raise FieldError(
                "nothing_to_change", "Give services to block or unblock.", field="block"
            )
        block = get_barrings(ctx.session, params.block, field="block")
        unblock = get_barrings(ctx.session, params.unblock, field="unblock")
        active = {service.code for service in line.barrings}
        already = [s.code for s in block if s.code in active]
        if already:
            raise FieldError(
                "barring_already_active",
                "This service is already blocked on the line.",
                field="block",
                details={"codes": already},
            )
        missing = [s.code for s in unblock if s.code not in active]
        if missing:
            raise FieldError(
                "barring_not_active",
                "This service is not blocked on the line.",
                field="unblock",
                details={"codes": missing},
            )
        return {
            "msisdn": line.msisdn,
            "current_barrings": [barring_ref(s) for s in line.barrings],
            "block": [barring_ref(s) for s in block],
            "unblock": [barring_ref(s) for s in unblock],
        }

    def execute(
        self,
        ctx: OpContext,
        line: Line | None,
        params: ChangeBarringsParams,
        summary: dict[str, Any],
    ) -> dict[str, Any]:
        line = require_not_deactivated(line)
        self.prepare(ctx, line, params)
        unblocked = set(params.unblock)
        kept = [s for s in line.barrings if s.code not in unblocked]
        line.barrings = kept + get_barrings(ctx.session, params.block, field="block")
        ctx.session.flush()
        return {"line_id": line.id, "barrings": [barring_ref(s) for s in line.barrings]}
