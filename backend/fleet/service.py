"""Fleet queries, always scoped to what the principal may see."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from backend.accounts.models import Role
from backend.core.models import Language
from backend.fleet.exceptions import ConsumptionNotFound, LineNotFound
from backend.fleet.models import Consumption, ConsumptionPart, Line, Plan
from backend.fleet.schemas import (
    BarringPublic,
    ConsumptionPublic,
    ConsumptionTotals,
    FleetConsumptionPublic,
    LinePublic,
    Names,
    OptionPublic,
    PlanPublic,
    PlanRef,
)
from backend.principal import Principal


def current_month(today: date | None = None) -> str:
    """The month of ``today`` as YYYY-MM."""
    return (today or date.today()).strftime("%Y-%m")


def _visible_lines(principal: Principal) -> Select[tuple[Line]]:
    """Lines of the caller's company; an end user only sees the line they use."""
    assert principal.company is not None
    query = select(Line).where(Line.company_id == principal.company.id)
    if principal.role != Role.fleet_manager:
        query = query.where(Line.user_account_id == principal.account.id)
    return query


def list_lines(
    session: Session, *, principal: Principal, msisdn: str | None = None, q: str | None = None
) -> list[Line]:
    """Visible lines, filtered by exact E.164 number and/or free text (name, label, digits)."""
    query = _visible_lines(principal)
    if msisdn is not None:
        query = query.where(Line.msisdn == msisdn)
    if q:
        text = q.strip().lower()
        digits = "".join(ch for ch in text if ch.isdigit())
        conditions = [
            func.lower(Line.user_name).contains(text, autoescape=True),
            func.lower(Line.label).contains(text, autoescape=True),
        ]
        if digits and len(digits) == len(text.replace(" ", "")):
            conditions.append(Line.msisdn.endswith(digits, autoescape=True))
        query = query.where(or_(*conditions))
    return list(session.scalars(query.order_by(Line.msisdn)))


def get_line(session: Session, *, principal: Principal, line_id: int) -> Line:
    """A visible line; another company's line is indistinguishable from a missing one."""
    line = session.scalar(_visible_lines(principal).where(Line.id == line_id))
    if line is None:
        raise LineNotFound
    return line


def _visible_part(principal: Principal, line: Line) -> ConsumptionPart:
    """Which consumption row the caller may see for ``line`` (split bill: never the other part)."""
    if not line.split_bill:
        return ConsumptionPart.full
    if principal.role == Role.fleet_manager:
        return ConsumptionPart.employer
    return ConsumptionPart.employee


def get_line_consumption(
    session: Session, *, principal: Principal, line: Line, month: str
) -> ConsumptionPublic:
    """The caller's part of ``line``'s consumption in ``month``."""
    row = session.scalar(
        select(Consumption).where(
            Consumption.line_id == line.id,
            Consumption.month == month,
            Consumption.part == _visible_part(principal, line),
        )
    )
    if row is None:
        raise ConsumptionNotFound
    return consumption_public(row, line)


def get_fleet_consumption(
    session: Session, *, principal: Principal, month: str, top: int
) -> FleetConsumptionPublic:
    """Employer-side consumption of every company line in ``month``, totals and top consumers."""
    assert principal.company is not None
    rows = session.execute(
        select(Consumption, Line)
        .join(Line, Consumption.line_id == Line.id)
        .where(
            Line.company_id == principal.company.id,
            Consumption.month == month,
            # Only the company's side: employee rows of split-bill lines never leave the backend.
            Consumption.part.in_([ConsumptionPart.employer, ConsumptionPart.full]),
        )
        .order_by(Line.msisdn)
    ).all()
    lines = [consumption_public(row, line) for row, line in rows]
    totals = ConsumptionTotals(
        line_count=len(lines),
        voice_minutes=sum(item.voice_minutes for item in lines),
        sms=sum(item.sms for item in lines),
        data_mb=sum(item.data_mb for item in lines),
        roaming_mb=sum(item.roaming_mb for item in lines),
        roaming_minutes=sum(item.roaming_minutes for item in lines),
        cost=sum((item.cost for item in lines), Decimal("0.00")),
    )
    top_consumers = sorted(lines, key=lambda item: (-item.cost, item.msisdn))[:top]
    return FleetConsumptionPublic(
        month=month, lines=lines, totals=totals, top_consumers=top_consumers
    )


def list_plans(session: Session, *, language: Language) -> list[PlanPublic]:
    """The tariff plan catalog, cheapest first."""
    plans = session.scalars(select(Plan).order_by(Plan.monthly_price, Plan.code))
    return [
        PlanPublic(
            code=plan.code,
            name=plan.name_in(language),
            names=Names(**plan.names()),
            monthly_price=plan.monthly_price,
            data_gb=plan.data_gb,
            voice_minutes=plan.voice_minutes,
            sms=plan.sms,
        )
        for plan in plans
    ]


def line_public(line: Line, *, language: Language) -> LinePublic:
    """The API view of a line, catalog names in ``language`` (and all three in ``names``)."""
    return LinePublic(
        id=line.id,
        msisdn=line.msisdn,
        label=line.label,
        user_name=line.user_name,
        status=line.status,
        sim_type=line.sim_type,
        iccid=line.iccid,
        split_bill=line.split_bill,
        plan=PlanRef(
            code=line.plan.code,
            name=line.plan.name_in(language),
            names=Names(**line.plan.names()),
            monthly_price=line.plan.monthly_price,
        ),
        options=[
            OptionPublic(
                code=option.code,
                name=option.name_in(language),
                names=Names(**option.names()),
                monthly_price=option.monthly_price,
            )
            for option in line.options
        ],
        barrings=[
            BarringPublic(
                code=service.code, name=service.name_in(language), names=Names(**service.names())
            )
            for service in line.barrings
        ],
    )


def consumption_public(row: Consumption, line: Line) -> ConsumptionPublic:
    """The API view of one consumption row."""
    return ConsumptionPublic(
        line_id=line.id,
        msisdn=line.msisdn,
        user_name=line.user_name,
        month=row.month,
        voice_minutes=row.voice_minutes,
        sms=row.sms,
        data_mb=row.data_mb,
        roaming_mb=row.roaming_mb,
        roaming_minutes=row.roaming_minutes,
        cost=row.cost,
        split_bill=line.split_bill,
        part=row.part,
    )
