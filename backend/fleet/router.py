"""Routes: lines, consumption and the plan catalog."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from backend.core.db import SessionDep
from backend.core.phone import normalize_msisdn
from backend.fleet import service
from backend.fleet.dependencies import VisibleLineDep
from backend.fleet.exceptions import InvalidMsisdn
from backend.fleet.schemas import ConsumptionPublic, FleetConsumptionPublic, LinePublic, PlanPublic
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
