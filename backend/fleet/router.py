"""Routes: lines, consumption and the plan catalog."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from backend.core.db import SessionDep, SettingsDep
from backend.core.idempotency import IdempotencyDep, run_idempotent
from backend.core.phone import normalize_msisdn
from backend.esim import service as esim
from backend.fleet import service
from backend.fleet.dependencies import VisibleLineDep
from backend.fleet.exceptions import InvalidMsisdn
from backend.fleet.inventory import check_sim_available
from backend.fleet.schemas import (
    ActivationPublic,
    BarringPublic,
    ConsumptionPublic,
    ESimResent,
    FleetConsumptionPublic,
    LinePublic,
    OptionPublic,
    PlanPublic,
    PortingRequestPublic,
    SimCheck,
)
from backend.principal import CompanyPrincipalDep, FleetManagerDep, PrincipalDep

router = APIRouter(tags=["fleet"])

MonthQuery = Annotated[
    str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM, default current")
]


@router.get("/lines")
def list_lines(
    principal: CompanyPrincipalDep,
    session: SessionDep,
    msisdn: Annotated[str | None, Query(max_length=32, examples=["+32470000002"])] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> list[LinePublic]:
    """The company's lines for a fleet manager, the own line for an end user."""
    normalized = None
    if msisdn is not None:
        normalized = normalize_msisdn(msisdn)
        if normalized is None:
            raise InvalidMsisdn
    lines = service.list_lines(session, principal=principal, msisdn=normalized, q=q)
    return [service.line_public(line, language=principal.account.language) for line in lines]


@router.get("/lines/{line_id}")
def read_line(line: VisibleLineDep, principal: CompanyPrincipalDep) -> LinePublic:
    """One line in the caller's scope."""
    return service.line_public(line, language=principal.account.language)


@router.get("/lines/{line_id}/consumption")
def read_line_consumption(
    line: VisibleLineDep,
    principal: CompanyPrincipalDep,
    session: SessionDep,
    month: MonthQuery = None,
) -> ConsumptionPublic:
    """The caller's part of a line's consumption in a month."""
    return service.get_line_consumption(
        session, principal=principal, line=line, month=month or service.current_month()
    )


@router.get("/consumption")
def read_fleet_consumption(
    principal: FleetManagerDep,
    session: SessionDep,
    month: MonthQuery = None,
    top: Annotated[int, Query(ge=1, le=50)] = 5,
) -> FleetConsumptionPublic:
    """Company-wide consumption (employer part only), totals and top consumers."""
    return service.get_fleet_consumption(
        session, principal=principal, month=month or service.current_month(), top=top
    )


@router.get("/plans")
def list_plans(principal: PrincipalDep, session: SessionDep) -> list[PlanPublic]:
    """The tariff plan catalog."""
    return service.list_plans(session, language=principal.account.language)


@router.get("/options")
def list_options(principal: PrincipalDep, session: SessionDep) -> list[OptionPublic]:
    """The option catalog."""
    return service.list_options(session, language=principal.account.language)


@router.get("/barrable-services")
def list_barrable_services(principal: PrincipalDep, session: SessionDep) -> list[BarringPublic]:
    """The services that can be barred per line."""
    return service.list_barrable_services(session, language=principal.account.language)


@router.get("/sims/check")
def check_sim(
    principal: CompanyPrincipalDep,
    session: SessionDep,
    iccid: Annotated[str, Query(min_length=1, max_length=40)],
) -> SimCheck:
    """Whether a SIM card number can be used for an activation or replacement in this company."""
    assert principal.company is not None
    check_sim_available(session, company_id=principal.company.id, raw_iccid=iccid)
    return SimCheck(valid=True)


@router.post("/lines/{line_id}/esim/resend", status_code=202, response_model=ESimResent)
def resend_esim(
    line: VisibleLineDep,
    principal: CompanyPrincipalDep,
    session: SessionDep,
    settings: SettingsDep,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """Send the eSIM e-mail of a line waiting for its confirmation again."""

    def action() -> ESimResent:
        profile = esim.resend(session, settings=settings, line=line)
        return ESimResent(sent_to=esim.mask_email(profile.email))

    return run_idempotent(
        session,
        account_id=principal.account.id,
        request=idempotency,
        status_code=202,
        action=action,
    )


@router.get("/activations")
def list_activations(principal: FleetManagerDep, session: SessionDep) -> list[ActivationPublic]:
    """Lines waiting for an eSIM confirmation or a porting."""
    return service.list_activations(session, principal=principal)


@router.get("/porting-requests")
def list_porting_requests(
    principal: FleetManagerDep, session: SessionDep
) -> list[PortingRequestPublic]:
    """The company's porting requests."""
    return service.list_porting_requests(session, principal=principal)


@router.get("/porting-requests/{request_id}")
def read_porting_request(
    request_id: int, principal: FleetManagerDep, session: SessionDep
) -> PortingRequestPublic:
    """One porting request of the company."""
    return service.get_porting_request(session, principal=principal, request_id=request_id)
