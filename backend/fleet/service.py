"""Fleet queries, always scoped to what the principal may see."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from backend.accounts.models import Role
from backend.core.models import Language
from backend.core.phone import normalize_msisdn
from backend.esim.models import ESimProfile, ESimStatus
from backend.fleet.exceptions import ConsumptionNotFound, LineNotFound, PortingRequestNotFound
from backend.fleet.models import (
    BarrableService,
    Consumption,
    ConsumptionPart,
    Line,
    LineStatus,
    Option,
    Plan,
    PortingRequest,
)
from backend.fleet.schemas import (
    ActivationPublic,
    BarringPublic,
    ConsumptionPublic,
    ConsumptionTotals,
    FleetConsumptionPublic,
    LinePublic,
    Names,
    OptionPublic,
    PlanPublic,
    PlanRef,
    PortingRequestPublic,
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


# Words that say "whose phone" rather than who: dropped from a search unless nothing else is left.
_SEARCH_STOPWORDS = frozenset(
    {
        "s",
        "the",
        "my",
        "of",
        "phone",
        "gsm",
        "mobile",
        "line",
        "number",
        "sim",
        "card",
        "tablet",
        "router",
        "le",
        "la",
        "les",
        "de",
        "du",
        "des",
        "d",
        "l",
        "mon",
        "ma",
        "telephone",
        "portable",
        "ligne",
        "numero",
        "carte",
        "het",
        "een",
        "van",
        "mijn",
        "telefoon",
        "lijn",
        "nummer",
        "kaart",
    }
)


def fold(text: str) -> str:
    """Lower case without accents: "Clément" and "clement" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", fold(text).replace("’", "'").replace("'s ", " "))


def _whole_word(token: str, words: list[str]) -> bool:
    return token in words


def _word_prefix(token: str, words: list[str]) -> bool:
    return any(word.startswith(token) for word in words)


def _substring(token: str, words: list[str]) -> bool:
    return token in " ".join(words)


def search_lines(lines: list[Line], q: str) -> list[Line]:
    """Lines matching free text: names/labels (accent- and case-insensitive) or last digits.

    "Jan", "jan's phone", "de gsm van Jan" find Jan Peeters; "3456" finds numbers ending so.
    Whole-word matches win over prefix matches, which win over substring matches.
    """
    compact = re.sub(r"[\s./-]", "", q)
    if compact.lstrip("+").isdigit():
        digits = compact.lstrip("+")
        if len(digits) >= 9:
            normalized = normalize_msisdn(compact)
            if normalized is not None:
                return [line for line in lines if line.msisdn == normalized]
        return [line for line in lines if line.msisdn.endswith(digits)]
    tokens = _words(q + " ")
    meaningful = [t for t in tokens if t not in _SEARCH_STOPWORDS] or tokens
    if not meaningful:
        return []
    indexed = [(line, _words(f"{line.user_name} {line.label} ")) for line in lines]
    for matches in (_whole_word, _word_prefix, _substring):
        found = [line for line, words in indexed if all(matches(t, words) for t in meaningful)]
        if found:
            return found
    return []


def list_lines(
    session: Session, *, principal: Principal, msisdn: str | None = None, q: str | None = None
) -> list[Line]:
    """Visible lines, filtered by exact E.164 number and/or free text (name, label, digits)."""
    query = _visible_lines(principal)
    if msisdn is not None:
        query = query.where(Line.msisdn == msisdn)
    lines = list(session.scalars(query.order_by(Line.msisdn)))
    if q and q.strip():
        # A company has at most a few hundred lines: matching in Python keeps accent folding
        # identical on PostgreSQL and SQLite.
        lines = search_lines(lines, q.strip())
    return lines


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


def list_options(session: Session, *, language: Language) -> list[OptionPublic]:
    """The option catalog."""
    options = session.scalars(select(Option).order_by(Option.monthly_price, Option.code))
    return [
        OptionPublic(
            code=o.code,
            name=o.name_in(language),
            names=Names(**o.names()),
            monthly_price=o.monthly_price,
        )
        for o in options
    ]


def list_barrable_services(session: Session, *, language: Language) -> list[BarringPublic]:
    """Services that can be barred per line."""
    services = session.scalars(select(BarrableService).order_by(BarrableService.code))
    return [
        BarringPublic(code=s.code, name=s.name_in(language), names=Names(**s.names()))
        for s in services
    ]


def porting_public(request: PortingRequest) -> PortingRequestPublic:
    return PortingRequestPublic(
        id=request.id,
        line_id=request.line_id,
        msisdn=request.msisdn,
        number_type=request.number_type,
        status=request.status,
        requested_at=request.requested_at,
        expected_date=request.expected_date,
    )


def list_porting_requests(session: Session, *, principal: Principal) -> list[PortingRequestPublic]:
    """The company's porting requests, newest first."""
    assert principal.company is not None
    requests = session.scalars(
        select(PortingRequest)
        .where(PortingRequest.company_id == principal.company.id)
        .order_by(PortingRequest.id.desc())
    )
    return [porting_public(r) for r in requests]


def get_porting_request(
    session: Session, *, principal: Principal, request_id: int
) -> PortingRequestPublic:
    """One porting request of the company, else 404."""
    assert principal.company is not None
    request = session.scalar(
        select(PortingRequest).where(
            PortingRequest.id == request_id, PortingRequest.company_id == principal.company.id
        )
    )
    if request is None:
        raise PortingRequestNotFound
    return porting_public(request)


def list_activations(session: Session, *, principal: Principal) -> list[ActivationPublic]:
    """Lines of the company waiting for eSIM confirmation or porting."""
    assert principal.company is not None
    lines = session.scalars(
        select(Line)
        .where(
            Line.company_id == principal.company.id,
            Line.status == LineStatus.pending_activation,
        )
        .order_by(Line.id)
    )
    answer = []
    for line in lines:
        porting = session.scalar(
            select(PortingRequest)
            .where(PortingRequest.line_id == line.id)
            .order_by(PortingRequest.id.desc())
        )
        esim_pending = session.scalar(
            select(ESimProfile.id).where(
                ESimProfile.line_id == line.id, ESimProfile.status == ESimStatus.pending
            )
        )
        answer.append(
            ActivationPublic(
                line_id=line.id,
                msisdn=line.msisdn,
                user_name=line.user_name,
                status=line.status,
                sim_type=line.sim_type,
                created_at=line.created_at,
                esim_pending=esim_pending is not None,
                porting_request=porting_public(porting) if porting else None,
            )
        )
    return answer
