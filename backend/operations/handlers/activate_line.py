"""activate_line: a new line with a physical SIM or an eSIM, a new or a ported number."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from backend.core.errors import FieldError
from backend.core.models import Language
from backend.esim import service as esim
from backend.fleet.inventory import (
    NEW_NUMBER_PREFIX,
    allocate_number,
    check_sim_available,
    mark_sim,
)
from backend.fleet.models import (
    Line,
    LineStatus,
    NumberType,
    PortingRequest,
    PortingStatus,
    SimStatus,
    SimType,
)
from backend.fleet.validation import checked
from backend.operations.handlers.base import (
    OpContext,
    OperationHandler,
    Params,
    get_options,
    get_plan,
    money,
    option_ref,
    plan_ref,
)
from backend.operations.models import Operation, OperationStatus, OperationType
from validation import (
    check_be_mobile,
    check_customer_number,
    check_email,
    check_iban,
    check_other_sim_number,
    iban_bank,
    mask_iban,
)

PORTING_DAYS = 3  # a porting normally completes within a few working days


class NumberSpec(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    mode: Literal["new", "port"] = "new"
    msisdn: str | None = None
    number_type: NumberType | None = None
    current_sim_number: str | None = None
    current_customer_number: str | None = None


class BillingSpec(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    street: str = Field(min_length=1, max_length=200)
    postal_code: str = Field(min_length=4, max_length=10)
    city: str = Field(min_length=1, max_length=100)
    email: str
    iban: str | None = None


class ActivateLineParams(Params):
    sim_type: SimType
    iccid: str | None = None
    email: str | None = None
    end_user_name: str = Field(min_length=1, max_length=200)
    end_user_language: Language | None = None
    number: NumberSpec = Field(default_factory=NumberSpec)
    split_bill: bool = False
    billing: BillingSpec | None = None
    plan_code: str = Field(min_length=1, max_length=40)
    option_codes: list[str] = Field(default_factory=list, max_length=20)


def _reserved_numbers(ctx: OpContext) -> set[str]:
    """New numbers shown in other pending activation summaries (not handed out twice)."""
    pending = ctx.session.scalars(
        select(Operation).where(
            Operation.type == OperationType.activate_line,
            Operation.status == OperationStatus.pending,
            Operation.expires_at > ctx.now,
        )
    )
    return {
        op.summary["msisdn"]
        for op in pending
        if op.summary.get("number_mode") == "new" and op.summary.get("msisdn")
    }


def _ported_number(ctx: OpContext, spec: NumberSpec) -> dict[str, Any]:
    msisdn = checked(check_be_mobile, spec.msisdn or "", field="number.msisdn")
    ours = ctx.session.scalar(
        select(Line.id).where(Line.msisdn == msisdn, Line.status != LineStatus.deactivated)
    )
    if ours is not None or msisdn.startswith(NEW_NUMBER_PREFIX):
        raise FieldError(
            "msisdn_already_ours",
            "This number is already on our network; it cannot be ported in.",
            field="number.msisdn",
        )
    if spec.number_type is None:
        raise FieldError(
            "number_type_required",
            "Is it a residential or a professional number?",
            field="number.number_type",
        )
    if spec.number_type == NumberType.residential:
        sim_number = checked(
            check_other_sim_number,
            spec.current_sim_number or "",
            field="number.current_sim_number",
        )
        return {
            "msisdn": msisdn,
            "number_type": spec.number_type.value,
            "current_sim_number": sim_number,
        }
    customer_number = checked(
        check_customer_number,
        spec.current_customer_number or "",
        field="number.current_customer_number",
    )
    return {
        "msisdn": msisdn,
        "number_type": spec.number_type.value,
        "current_customer_number": customer_number,
    }


class ActivateLine(OperationHandler[ActivateLineParams]):
    op_type = OperationType.activate_line
    params_model = ActivateLineParams
    needs_line = False

    def _validate(self, ctx: OpContext, params: ActivateLineParams) -> dict[str, Any]:
        summary: dict[str, Any] = {"sim_type": params.sim_type.value}
        if params.sim_type == SimType.physical:
            if not params.iccid:
                raise FieldError("iccid_required", "The SIM card number is needed.", field="iccid")
            card = check_sim_available(
                ctx.session, company_id=ctx.company.id, raw_iccid=params.iccid
            )
            summary["iccid"] = card.iccid
        else:
            if not params.email:
                raise FieldError(
                    "email_required", "The end user's e-mail address is needed.", field="email"
                )
            summary["email"] = checked(check_email, params.email, field="email")
        summary["end_user_name"] = params.end_user_name
        summary["end_user_language"] = (params.end_user_language or ctx.company.language).value
        if params.number.mode == "new":
            summary["msisdn"] = allocate_number(ctx.session, reserved=_reserved_numbers(ctx))
            summary["number_mode"] = "new"
        else:
            summary.update(_ported_number(ctx, params.number))
            summary["number_mode"] = "port"
            summary["porting_note"] = (
                "The number moves once the current operator releases it "
                f"(usually within {PORTING_DAYS} working days)."
            )
        plan = get_plan(ctx.session, params.plan_code)
        options = get_options(ctx.session, params.option_codes, field="option_codes")
        summary["plan"] = plan_ref(plan)
        summary["options"] = [option_ref(o) for o in options]
        summary["monthly_total"] = money(
            plan.monthly_price + sum((o.monthly_price for o in options), Decimal("0"))
        )
        summary["split_bill"] = params.split_bill
        if params.split_bill:
            if params.billing is None:
                raise FieldError(
                    "billing_required",
                    "A split bill needs the end user's billing data.",
                    field="billing",
                )
            billing: dict[str, Any] = {
                "name": params.billing.name,
                "street": params.billing.street,
                "postal_code": params.billing.postal_code,
                "city": params.billing.city,
                "email": checked(check_email, params.billing.email, field="billing.email"),
                "iban": None,
            }
            if params.billing.iban:
                value = checked(check_iban, params.billing.iban, field="billing.iban")
                billing["iban"] = mask_iban(value)
                billing["bank"] = iban_bank(value).get("bank")
            summary["billing"] = billing
        summary["esim_confirmation_required"] = params.sim_type == SimType.esim
        return summary

    def prepare(
        self, ctx: OpContext, line: Line | None, params: ActivateLineParams
    ) -> dict[str, Any]:
        return self._validate(ctx, params)

    def execute(
        self,
        ctx: OpContext,
        line: Line | None,
        params: ActivateLineParams,
        summary: dict[str, Any],
    ) -> dict[str, Any]:
        checked = self._validate(ctx, params)  # stock and numbers may have changed meanwhile
        msisdn = checked["msisdn"]
        if checked["number_mode"] == "new" and summary.get("msisdn") not in (None, msisdn):
            taken = ctx.session.scalar(select(Line.id).where(Line.msisdn == summary["msisdn"]))
            msisdn = msisdn if taken else summary["msisdn"]
        porting = checked["number_mode"] == "port"
        esim_line = params.sim_type == SimType.esim
        iccid = esim.new_esim_iccid(ctx.session) if esim_line else checked["iccid"]
        new_line = Line(
            company_id=ctx.company.id,
            msisdn=msisdn,
            label=params.end_user_name,
            user_name=params.end_user_name,
            status=LineStatus.pending_activation if esim_line or porting else LineStatus.active,
            sim_type=params.sim_type,
            iccid=iccid,
            split_bill=params.split_bill,
            plan=get_plan(ctx.session, params.plan_code),
            options=get_options(ctx.session, params.option_codes, field="option_codes"),
        )
        ctx.session.add(new_line)
        ctx.session.flush()
        result: dict[str, Any] = {"line_id": new_line.id, "msisdn": msisdn}
        if not esim_line:
            mark_sim(ctx.session, iccid=iccid, status=SimStatus.in_use)
        if porting:
            request = PortingRequest(
                company_id=ctx.company.id,
                line_id=new_line.id,
                msisdn=msisdn,
                number_type=NumberType(checked["number_type"]),
                current_sim_number=checked.get("current_sim_number"),
                current_customer_number=checked.get("current_customer_number"),
                status=PortingStatus.requested,
                expected_date=ctx.today + timedelta(days=PORTING_DAYS + 2),
            )
            ctx.session.add(request)
            ctx.session.flush()
            result["porting_request_id"] = request.id
        if esim_line:
            esim.issue_profile(
                ctx.session,
                settings=ctx.settings,
                line=new_line,
                iccid=iccid,
                email=checked["email"],
                language=Language(checked["end_user_language"]),
            )
        if esim_line:
            result["status"] = "pending_esim_confirmation"
        elif porting:
            result["status"] = "pending_porting"
        else:
            result["status"] = "active"
        return result
