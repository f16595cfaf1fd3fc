"""Insert the demo data; every row is looked up by its natural key first (idempotent)."""

from __future__ import annotations

import calendar
import logging
import random
import secrets
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.accounts.models import Account, AccountStatus, RegistrationToken
from backend.accounts.service import REGISTRATION_TOKEN_LIFETIME
from backend.companies.models import Company
from backend.core.security import hash_password, hash_secret
from backend.esim.models import ESimProfile, ESimStatus
from backend.esim.service import CONFIRMATION_LIFETIME, SMDP_ADDRESS, new_matching_id
from backend.fleet.models import (
    BarrableService,
    Consumption,
    ConsumptionPart,
    Line,
    LineStatus,
    Option,
    Plan,
    PortingRequest,
    SimCard,
    SimStatus,
)
from backend.models import Base
from backend.seed.data import (
    ACCOUNTS,
    BARRABLE_SERVICES,
    COMPANIES,
    FLEETS,
    INSTALLED_ESIMS,
    INVITED_ACCOUNTS,
    OPTIONS,
    PENDING_ESIMS,
    PLANS,
    PORTING_REQUESTS,
    SIM_STOCK,
    AccountSeed,
    CatalogItem,
    CompanySeed,
    InvitedSeed,
    LineSeed,
)
from backend.seed.invoices import seed_invoices
from backend.shop.seed import seed_shop
from validation import OUR_ICCID_PREFIX, complete_iccid

logger = logging.getLogger(__name__)

CatalogModel = TypeVar("CatalogModel", Plan, Option, BarrableService)

CONSUMPTION_MONTHS = 3  # the current month and the two before it
_CENT = Decimal("0.01")
_ROAMING_PER_MB = Decimal("0.012")
_ROAMING_PER_MINUTE = Decimal("0.35")
_VOICE_OVER_BUNDLE_PER_MINUTE = Decimal("0.12")
_PRIVATE_PER_MINUTE = Decimal("0.05")
_PRIVATE_PER_MB = Decimal("0.002")


def iccid_for(msisdn: str) -> str:
    """A 19-digit ICCID with the operator prefix 893203 and a Luhn check digit."""
    return complete_iccid(f"{OUR_ICCID_PREFIX}20{msisdn[-10:].rjust(10, '0')}")


def stock_iccid(company_digit: str, serial: int) -> str:
    """ICCID of a SIM card in a company's stock (19 digits, Luhn)."""
    return complete_iccid(f"{OUR_ICCID_PREFIX}1{company_digit}{serial:010d}")


def commitment_end(today: date, months: int) -> date:
    """Last day of the month ``months`` months after ``today``'s."""
    index = today.year * 12 + today.month - 1 + months
    year, month = index // 12, index % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def month_back(today: date, offset: int) -> str:
    """YYYY-MM of the month ``offset`` months before ``today``'s."""
    index = today.year * 12 + today.month - 1 - offset
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def seed_demo(session: Session, *, today: date) -> dict[str, int]:
    """Create whatever demo data is missing and commit; returns row counts per table."""
    plans = {item.code: _catalog(session, Plan, item) for item in PLANS}
    options = {item.code: _catalog(session, Option, item) for item in OPTIONS}
    barrings = {item.code: _catalog(session, BarrableService, item) for item in BARRABLE_SERVICES}
    companies = {seed.customer_number: _company(session, seed) for seed in COMPANIES}
    accounts = {seed.gsm: _account(session, seed, companies) for seed in ACCOUNTS}
    for invited in INVITED_ACCOUNTS:
        accounts[invited.gsm] = _invited_account(session, invited, companies, today=today)
    session.flush()
    for fleet in FLEETS:
        company = companies[fleet.customer_number]
        for line_seed in fleet.lines:
            line = session.scalar(select(Line).where(Line.msisdn == line_seed.msisdn))
            if line is None:
                line = Line(
                    company_id=company.id,
                    user_account_id=(
                        accounts[line_seed.account_gsm].id if line_seed.account_gsm else None
                    ),
                    msisdn=line_seed.msisdn,
                    label=line_seed.label or line_seed.user_name,
                    user_name=line_seed.user_name,
                    status=line_seed.status,
                    sim_type=line_seed.sim_type,
                    iccid=iccid_for(line_seed.msisdn),
                    split_bill=line_seed.split_bill,
                    plan=plans[line_seed.plan],
                    options=[options[code] for code in line_seed.options],
                    barrings=[barrings[code] for code in line_seed.barrings],
                )
                session.add(line)
                session.flush()
            if line.user_account_id is None and line_seed.account_gsm:
                line.user_account_id = accounts[line_seed.account_gsm].id
            if line.commitment_end is None and line_seed.commitment_months is not None:
                line.commitment_end = commitment_end(today, line_seed.commitment_months)
            _consumption(session, line, line_seed, today=today)
    _sim_stock(session, companies)
    _esim_profiles(session, today=today)
    _porting_requests(session, today=today)
    session.flush()
    line_seeds = {line.msisdn: line for fleet in FLEETS for line in fleet.lines}
    seed_invoices(session, today=today, seeds=line_seeds, usage_rows=_usage_rows)
    seed_shop(session)
    session.commit()
    counts = table_counts(session)
    logger.info("Demo seed done: %s", counts)
    return counts


def _sim_stock(session: Session, companies: dict[str, Company]) -> None:
    for stock in SIM_STOCK:
        company = companies[stock.customer_number]
        for serial in range(1, stock.in_stock + stock.blocked + 1):
            iccid = stock_iccid(stock.company_digit, serial)
            if session.scalar(select(SimCard.id).where(SimCard.iccid == iccid)) is None:
                status = SimStatus.in_stock if serial <= stock.in_stock else SimStatus.blocked
                session.add(SimCard(iccid=iccid, company_id=company.id, status=status))


def _at(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=timezone.utc)


def _esim_profiles(session: Session, *, today: date) -> None:
    """Pending profiles already mailed once (nobody knows their confirmation token: resend makes
    one), and the installed profiles of the active eSIM lines (confirmed a month ago)."""
    seeds = [(seed, ESimStatus.pending, 1) for seed in PENDING_ESIMS]
    seeds += [(seed, ESimStatus.confirmed, 30) for seed in INSTALLED_ESIMS]
    for seed, status, days_ago in seeds:
        line = session.scalar(select(Line).where(Line.msisdn == seed.msisdn))
        assert line is not None
        if session.scalar(select(ESimProfile.id).where(ESimProfile.line_id == line.id)):
            continue
        created = _at(today - timedelta(days=days_ago))
        session.add(
            ESimProfile(
                line_id=line.id,
                iccid=line.iccid,
                matching_id=new_matching_id(),
                smdp_address=SMDP_ADDRESS,
                email=seed.email,
                language=seed.language,
                confirmation_token_hash=hash_secret(secrets.token_urlsafe(32)),
                token_expires_at=created + timedelta(days=1) + CONFIRMATION_LIFETIME,
                status=status,
                sent_count=1,
                created_at=created,
                confirmed_at=(
                    created + timedelta(hours=2) if status == ESimStatus.confirmed else None
                ),
            )
        )


def _porting_requests(session: Session, *, today: date) -> None:
    for seed in PORTING_REQUESTS:
        line = session.scalar(select(Line).where(Line.msisdn == seed.msisdn))
        assert line is not None
        if session.scalar(select(PortingRequest.id).where(PortingRequest.line_id == line.id)):
            continue
        session.add(
            PortingRequest(
                company_id=line.company_id,
                line_id=line.id,
                msisdn=line.msisdn,
                number_type=seed.number_type,
                current_sim_number=seed.current_sim_number,
                current_customer_number=seed.current_customer_number,
                status=seed.status,
                requested_at=_at(today - timedelta(days=seed.requested_days_ago)),
                expected_date=today + timedelta(days=seed.expected_in_days),
            )
        )


def table_counts(session: Session) -> dict[str, int]:
    """Row count of every table."""
    return {
        table.name: session.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }


def _catalog(session: Session, model: type[CatalogModel], item: CatalogItem) -> CatalogModel:
    existing = session.scalar(select(model).where(model.code == item.code))
    if existing is not None:
        return existing
    entry = model(code=item.code, name_fr=item.fr, name_nl=item.nl, name_en=item.en)
    if isinstance(entry, (Plan, Option)):
        entry.monthly_price = item.monthly_price
    if isinstance(entry, Plan):
        entry.data_gb = item.data_gb
        entry.voice_minutes = item.voice_minutes
        entry.sms = item.sms
    session.add(entry)
    return entry


def _company(session: Session, seed: CompanySeed) -> Company:
    company = session.scalar(select(Company).where(Company.customer_number == seed.customer_number))
    if company is None:
        company = Company(
            name=seed.name,
            customer_number=seed.customer_number,
            vat_number=seed.vat_number,
            street=seed.street,
            postal_code=seed.postal_code,
            city=seed.city,
            language=seed.language,
        )
        session.add(company)
    return company


def _account(session: Session, seed: AccountSeed, companies: dict[str, Company]) -> Account:
    account = session.scalar(select(Account).where(Account.gsm == seed.gsm))
    if account is None:
        account = Account(
            gsm=seed.gsm,
            first_name=seed.first_name,
            last_name=seed.last_name,
            email=seed.email,
            language=seed.language,
            role=seed.role,
            active_role=seed.role,
            status=AccountStatus.active,
            password_hash=hash_password(seed.password),
            company=companies[seed.company_customer_number]
            if seed.company_customer_number
            else None,
        )
        session.add(account)
    return account


def _invited_account(
    session: Session, seed: InvitedSeed, companies: dict[str, Company], *, today: date
) -> Account:
    """A pending account with the registration link it was e-mailed (nobody knows that one)."""
    account = session.scalar(select(Account).where(Account.gsm == seed.gsm))
    if account is None:
        account = Account(
            gsm=seed.gsm,
            first_name=seed.first_name,
            last_name=seed.last_name,
            email=seed.email,
            language=seed.language,
            role=seed.role,
            active_role=seed.role,
            status=AccountStatus.pending,
            password_hash=None,
            company=companies[seed.company_customer_number],
        )
        session.add(account)
        session.flush()
    invited = session.scalar(
        select(RegistrationToken.id).where(RegistrationToken.account_id == account.id).limit(1)
    )
    if account.status == AccountStatus.pending and invited is None:
        session.add(
            RegistrationToken(
                account_id=account.id,
                token_hash=hash_secret(secrets.token_urlsafe(32)),
                expires_at=_at(today) + REGISTRATION_TOKEN_LIFETIME,
                created_at=_at(today - timedelta(days=1)),
            )
        )
    return account


def _consumption(session: Session, line: Line, seed: LineSeed, *, today: date) -> None:
    """Three months of usage; a line waiting for activation has none yet."""
    if line.status == LineStatus.pending_activation:
        return
    for offset in range(CONSUMPTION_MONTHS):
        month = month_back(today, offset)
        exists = session.scalar(
            select(Consumption.id).where(Consumption.line_id == line.id, Consumption.month == month)
        )
        if exists is None:
            session.add_all(_usage_rows(line, seed, month=month, offset=offset))


def _usage_rows(line: Line, seed: LineSeed, *, month: str, offset: int) -> list[Consumption]:
    """Plausible usage from an RNG seeded by (number, month offset): same input, same rows."""
    rng = random.Random(f"{seed.msisdn}:{offset}")  # noqa: S311 - demo data, not security
    # The current month is in progress: roughly half of a full month so far.
    scale = 0.5 if offset == 0 else 1.0
    plan = line.plan
    data_only = plan.voice_minutes == 0
    voice = 0 if data_only else int(rng.randint(60, 650) * scale)
    sms = 0 if data_only else int(rng.randint(5, 150) * scale)
    data_cap_mb = (plan.data_gb or 40) * 1024
    data_mb = int(rng.randint(data_cap_mb // 10, data_cap_mb * 9 // 10) * scale)
    travels = rng.random() < 0.3
    roaming_mb = int(rng.randint(50, 1500) * scale) if travels else 0
    roaming_minutes = int(rng.randint(5, 90) * scale) if travels and not data_only else 0
    fixed = plan.monthly_price + sum((o.monthly_price for o in line.options), Decimal("0"))

    def extras(voice_used: int, roam_mb: int, roam_min: int) -> Decimal:
        over_bundle = max(0, voice_used - (plan.voice_minutes or voice_used))
        return (
            over_bundle * _VOICE_OVER_BUNDLE_PER_MINUTE
            + roam_mb * _ROAMING_PER_MB
            + roam_min * _ROAMING_PER_MINUTE
        )

    if not line.split_bill:
        cost = fixed + extras(voice, roaming_mb, roaming_minutes)
        return [
            Consumption(
                line_id=line.id,
                month=month,
                part=ConsumptionPart.full,
                voice_minutes=voice,
                sms=sms,
                data_mb=data_mb,
                roaming_mb=roaming_mb,
                roaming_minutes=roaming_minutes,
                cost=cost.quantize(_CENT),
            )
        ]
    # Split bill: the employer pays the subscription and business use, the employee private use.
    share = rng.uniform(0.55, 0.8)
    business = {
        "voice_minutes": int(voice * share),
        "sms": int(sms * share),
        "data_mb": int(data_mb * share),
        "roaming_mb": int(roaming_mb * share),
        "roaming_minutes": int(roaming_minutes * share),
    }
    private = {
        "voice_minutes": voice - business["voice_minutes"],
        "sms": sms - business["sms"],
        "data_mb": data_mb - business["data_mb"],
        "roaming_mb": roaming_mb - business["roaming_mb"],
        "roaming_minutes": roaming_minutes - business["roaming_minutes"],
    }
    employer_cost = fixed + extras(
        business["voice_minutes"], business["roaming_mb"], business["roaming_minutes"]
    )
    employee_cost = (
        private["voice_minutes"] * _PRIVATE_PER_MINUTE
        + private["data_mb"] * _PRIVATE_PER_MB
        + private["roaming_mb"] * _ROAMING_PER_MB
        + private["roaming_minutes"] * _ROAMING_PER_MINUTE
    )
    return [
        Consumption(
            line_id=line.id,
            month=month,
            part=ConsumptionPart.employer,
            cost=employer_cost.quantize(_CENT),
            **business,
        ),
        Consumption(
            line_id=line.id,
            month=month,
            part=ConsumptionPart.employee,
            cost=employee_cost.quantize(_CENT),
            **private,
        ),
    ]
