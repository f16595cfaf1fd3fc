"""replace_sim: a new physical SIM from the company's stock, or an eSIM mailed to the user."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from backend.core.errors import FieldError
from backend.core.models import Language
from backend.esim import service as esim
from backend.fleet.inventory import check_sim_available, mark_sim
from backend.fleet.models import Line, LineStatus, SimStatus, SimType
from backend.fleet.validation import checked
from backend.operations.handlers.base import (
    OpContext,
    OperationHandler,
    Params,
    money,
    require_not_deactivated,
)
from backend.operations.models import OperationType
from validation import check_email

# A lost or stolen SIM is replaced for a fee; a broken one or a switch of SIM type is free.
REPLACEMENT_FEES = {
    "lost": Decimal("15.00"),
    "stolen": Decimal("15.00"),
    "broken": Decimal("0.00"),
    "switch": Decimal("0.00"),
}


class ReplaceSimParams(Params):
    reason: Literal["lost", "stolen", "broken", "switch"]
    sim_type: SimType
    iccid: str | None = None
    email: str | None = None
    end_user_language: Language | None = None


def _new_sim(ctx: OpContext, params: ReplaceSimParams) -> dict[str, Any]:
    if params.sim_type == SimType.physical:
        if not params.iccid:
            raise FieldError("iccid_required", "The new SIM card number is needed.", field="iccid")
        card = check_sim_available(ctx.session, company_id=ctx.company.id, raw_iccid=params.iccid)
        return {"iccid": card.iccid}
    if not params.email:
        raise FieldError(
            "email_required", "The end user's e-mail address is needed.", field="email"
        )
    return {"email": checked(check_email, params.email, field="email")}


class ReplaceSim(OperationHandler[ReplaceSimParams]):
    op_type = OperationType.replace_sim
    params_model = ReplaceSimParams
    fleet_manager_only = False

    def prepare(
        self, ctx: OpContext, line: Line | None, params: ReplaceSimParams
    ) -> dict[str, Any]:
        line = require_not_deactivated(line)
        return {
            "msisdn": line.msisdn,
            "old_sim_type": line.sim_type.value,
            "old_iccid": line.iccid,
            "new_sim_type": params.sim_type.value,
            **_new_sim(ctx, params),
            "esim_confirmation_required": params.sim_type == SimType.esim,
            "fee": money(REPLACEMENT_FEES[params.reason]),
        }

    def execute(
        self, ctx: OpContext, line: Line | None, params: ReplaceSimParams, summary: dict[str, Any]
    ) -> dict[str, Any]:
        line = require_not_deactivated(line)
        new = _new_sim(ctx, params)  # the SIM may have been used meanwhile
        mark_sim(ctx.session, iccid=line.iccid, status=SimStatus.blocked)
        if params.sim_type == SimType.physical:
            mark_sim(ctx.session, iccid=new["iccid"], status=SimStatus.in_use)
            esim.cancel_pending(ctx.session, line)
            line.iccid = new["iccid"]
            line.sim_type = SimType.physical
            line.status = LineStatus.active  # a suspended (blocked) line works again
        else:
            language = params.end_user_language or (
                line.user_account.language if line.user_account else ctx.company.language
            )
            iccid = esim.new_esim_iccid(ctx.session)
            line.iccid = iccid
            line.sim_type = SimType.esim
            # The manual: the end user confirms by e-mail before the number is active.
            line.status = LineStatus.pending_activation
            ctx.session.flush()
            esim.issue_profile(
                ctx.session,
                settings=ctx.settings,
                line=line,
                iccid=iccid,
                email=new["email"],
                language=language,
            )
        return {"line_id": line.id, "status": line.status.value, "sim_type": line.sim_type.value}
