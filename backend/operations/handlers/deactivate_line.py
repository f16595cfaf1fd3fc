"""deactivate_line: end the subscription; termination fee inside the commitment period."""

from __future__ import annotations

from typing import Any

from backend.core.errors import FieldError
from backend.core.models import utcnow
from backend.esim import service as esim
from backend.fleet.inventory import mark_sim, termination_fee
from backend.fleet.models import Line, LineStatus, SimStatus
from backend.operations.handlers.base import (
    OpContext,
    OperationHandler,
    Params,
    money,
    plan_ref,
    require_not_deactivated,
)
from backend.operations.models import OperationType


class DeactivateParams(Params):
    keep_number: bool = False


class DeactivateLine(OperationHandler[DeactivateParams]):
    op_type = OperationType.deactivate_line
    params_model = DeactivateParams

    def prepare(
        self, ctx: OpContext, line: Line | None, params: DeactivateParams
    ) -> dict[str, Any]:
        line = require_not_deactivated(line)
        if params.keep_number:
            # The manual: keeping the number means converting it to prepaid, done by support.
            raise FieldError(
                "keep_number_requires_support",
                "To keep the number it must be converted to prepaid by support (open a ticket).",
                field="keep_number",
            )
        return {
            "msisdn": line.msisdn,
            "user_name": line.user_name,
            "plan": plan_ref(line.plan),
            "termination_fee": money(termination_fee(line, ctx.today)),
            "commitment_end": line.commitment_end.isoformat() if line.commitment_end else None,
            "keep_number_note": True,
        }

    def execute(
        self, ctx: OpContext, line: Line | None, params: DeactivateParams, summary: dict[str, Any]
    ) -> dict[str, Any]:
        line = require_not_deactivated(line)
        line.status = LineStatus.deactivated
        line.deactivated_at = utcnow()
        mark_sim(ctx.session, iccid=line.iccid, status=SimStatus.blocked)
        esim.cancel_pending(ctx.session, line)
        return {
            "line_id": line.id,
            "status": line.status.value,
            "termination_fee": summary["termination_fee"],
        }
