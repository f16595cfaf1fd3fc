"""change_plan: another tariff plan, applied at once ("in a few moments")."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from backend.core.errors import FieldError
from backend.fleet.models import Line
from backend.operations.handlers.base import (
    OpContext,
    OperationHandler,
    Params,
    get_plan,
    money,
    plan_ref,
    require_not_deactivated,
)
from backend.operations.models import OperationType


class ChangePlanParams(Params):
    plan_code: str = Field(min_length=1, max_length=40)


class ChangePlan(OperationHandler[ChangePlanParams]):
    op_type = OperationType.change_plan
    params_model = ChangePlanParams

    def prepare(
        self, ctx: OpContext, line: Line | None, params: ChangePlanParams
    ) -> dict[str, Any]:
        line = require_not_deactivated(line)
        plan = get_plan(ctx.session, params.plan_code)
        if plan.id == line.plan_id:
            raise FieldError("plan_unchanged", "The line already has this plan.", field="plan_code")
        return {
            "msisdn": line.msisdn,
            "current_plan": plan_ref(line.plan),
            "new_plan": plan_ref(plan),
            "monthly_difference": money(plan.monthly_price - line.plan.monthly_price),
        }

    def execute(
        self, ctx: OpContext, line: Line | None, params: ChangePlanParams, summary: dict[str, Any]
    ) -> dict[str, Any]:
        line = require_not_deactivated(line)
        self.prepare(ctx, line, params)  # still valid?
        line.plan = get_plan(ctx.session, params.plan_code)
        return {"line_id": line.id, "plan": plan_ref(line.plan)}
