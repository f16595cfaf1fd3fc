"""request_repair: a device repair with its IMEI, picked up at work or at another address, or
dropped off by the customer at one of the operator's shops."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from backend.accounts.models import Role
from backend.core.errors import FieldError
from backend.fleet.models import Line, LineStatus
from backend.fleet.validation import checked
from backend.operations.handlers.base import OpContext, OperationHandler, Params
from backend.operations.models import OperationType
from backend.repairs import service as repairs
from backend.repairs.models import Pickup
from validation import check_imei


class Address(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    street: str = Field(min_length=2, max_length=200)
    postal_code: str = Field(pattern=r"^\d{4}$")
    city: str = Field(min_length=2, max_length=100)


class RequestRepairParams(Params):
    """``address`` is read for ``other_address`` only: ``workplace`` takes the company's address
    and ``drop_off`` has none (an address sent with them is ignored, as the summary shows)."""

    imei: str = Field(min_length=1, max_length=40)
    problem: str = Field(min_length=5, max_length=2000)
    pickup: Pickup = Pickup.workplace
    address: Address | None = None


def _address(ctx: OpContext, params: RequestRepairParams) -> dict[str, str] | None:
    if params.pickup == Pickup.drop_off:
        return None
    if params.pickup == Pickup.workplace:
        company = ctx.company
        return {"street": company.street, "postal_code": company.postal_code, "city": company.city}
    if params.address is None:
        raise FieldError("address_required", "The pickup address is needed.", field="address")
    return params.address.model_dump()


def _own_line(ctx: OpContext, line: Line | None) -> Line | None:
    """Without a line_id an end user's repair is for their own line (if they have one)."""
    if line is not None or ctx.principal.role != Role.end_user:
        return line
    return ctx.session.scalar(
        select(Line)
        .where(
            Line.user_account_id == ctx.principal.account.id,
            Line.status != LineStatus.deactivated,
        )
        .order_by(Line.id)
    )


class RequestRepair(OperationHandler[RequestRepairParams]):
    op_type = OperationType.request_repair
    params_model = RequestRepairParams
    fleet_manager_only = False
    needs_line = False
    line_optional = True

    def prepare(
        self, ctx: OpContext, line: Line | None, params: RequestRepairParams
    ) -> dict[str, Any]:
        imei = checked(check_imei, params.imei, field="imei")
        line = _own_line(ctx, line)
        return {
            "msisdn": line.msisdn if line else None,
            "imei_masked": repairs.mask_imei(imei),
            "problem": params.problem,
            "pickup": params.pickup.value,
            "address": _address(ctx, params),
            "confirmation_email": ctx.principal.account.email,
        }

    def execute(
        self,
        ctx: OpContext,
        line: Line | None,
        params: RequestRepairParams,
        summary: dict[str, Any],
    ) -> dict[str, Any]:
        line = _own_line(ctx, line)
        repair = repairs.create_repair(
            ctx.session,
            settings=ctx.settings,
            principal=ctx.principal,
            line=line,
            imei=checked(check_imei, params.imei, field="imei"),
            problem=params.problem,
            pickup=params.pickup,
            address=_address(ctx, params),
            now=ctx.now,
        )
        return {"repair_id": repair.id, "number": repair.number}
