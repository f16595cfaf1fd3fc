"""change_options: add and remove add-ons ("in a few moments")."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import Field

from backend.core.errors import FieldError
from backend.fleet.models import Line
from backend.operations.handlers.base import (
    OpContext,
    OperationHandler,
    Params,
    get_options,
    money,
    option_ref,
    require_not_deactivated,
)
from backend.operations.models import OperationType


class ChangeOptionsParams(Params):
    add: list[str] = Field(default_factory=list, max_length=20)
    remove: list[str] = Field(default_factory=list, max_length=20)


class ChangeOptions(OperationHandler[ChangeOptionsParams]):
    op_type = OperationType.change_options
    params_model = ChangeOptionsParams

    def prepare(
        self, ctx: OpContext, line: Line | None, params: ChangeOptionsParams
    ) -> dict[str, Any]:
        line = require_not_deactivated(line)
        if not params.add and not params.remove:
            raise FieldError("nothing_to_change", "Give options to add or remove.", field="add")
        add = get_options(ctx.session, params.add, field="add")
        remove = get_options(ctx.session, params.remove, field="remove")
        active = {option.code for option in line.options}
        already = [o.code for o in add if o.code in active]
        if already:
            raise FieldError(
                "option_already_active",
                "This option is already active on the line.",
                field="add",
                details={"codes": already},
            )
        missing = [o.code for o in remove if o.code not in active]
        if missing:
            raise FieldError(
                "option_not_active",
                "This option is not active on the line.",
                field="remove",
                details={"codes": missing},
            )
        difference = sum((o.monthly_price for o in add), Decimal("0")) - sum(
            (o.monthly_price for o in remove), Decimal("0")
        )
        return {
            "msisdn": line.msisdn,
            "current_options": [option_ref(o) for o in line.options],
            "add": [option_ref(o) for o in add],
            "remove": [option_ref(o) for o in remove],
            "monthly_difference": money(difference),
        }

    def execute(
        self,
        ctx: OpContext,
        line: Line | None,
        params: ChangeOptionsParams,
        summary: dict[str, Any],
    ) -> dict[str, Any]:
        line = require_not_deactivated(line)
        self.prepare(ctx, line, params)
        removed = set(params.remove)
        kept = [o for o in line.options if o.code not in removed]
        line.options = kept + get_options(ctx.session, params.add, field="add")
        ctx.session.flush()
        return {"line_id": line.id, "options": [option_ref(o) for o in line.options]}
