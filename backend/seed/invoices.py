"""Demo invoices: three monthly invoices per company (and per split-bill end user with an account).

Amounts come from the same deterministic usage as the consumption rows (plan + options + usage)
plus a few one-off costs; VAT 21 %. The newest invoice is open, the two before it paid by
transfer. Every invoice has a structured payment reference (stdnum be.ogm_vcs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.billing.generation import line_detail, next_invoice_number
from backend.billing.models import (
    BillingSettings,
    DeliveryMethod,
    Invoice,
    InvoiceScope,
    InvoiceStatus,
    Payment,
    PaymentChannel,
    PaymentMethod,
)
from backend.billing.service import mandate_for_invoice, money, structured_reference, vat_of
from backend.companies.models import Company
from backend.fleet.models import Consumption, ConsumptionPart, Line, LineStatus
from backend.seed.data import BRUGGE, LineSeed

UsageRows = Callable[..., list[Consumption]]

INVOICE_MONTHS = (3, 2, 1)  # months before the seeding day's month; the newest one is open
_PAYMENT_TERM = timedelta(days=30)


@dataclass(frozen=True)
class OneOffSeed:
    msisdn: str
    months_back: int
    labels: dict[str, str]
    amount: Decimal


ONE_OFF_COSTS = (
    OneOffSeed(
        "+32470000024",
        1,
        {
            "fr": "Remplacement de carte SIM (perte/vol)",
            "nl": "Vervanging simkaart (verlies/diefstal)",
            "en": "SIM card replacement (lost/stolen)",
        },
        Decimal("15.00"),
    ),
    OneOffSeed(
        "+32470000012",
        2,
        {
            "fr": "Frais d'activation eSIM",
            "nl": "Activeringskosten eSIM",
            "en": "eSIM activation fee",
        },
        Decimal("10.00"),
    ),
    OneOffSeed(
        "+32470000055",
        1,
        {
            "fr": "Frais d'activation eSIM",
            "nl": "Activeringskosten eSIM",
            "en": "eSIM activation fee",
        },
        Decimal("10.00"),
    ),
)

# Brugge Bouw pays by direct debit since before the newest invoice; Acme by transfer.
DIRECT_DEBIT_SEED = {
    BRUGGE: ("BE71096123456769", "Brugge Bouw BV", 45),  # IBAN, holder, mandate age in days
}


def _month_of(today: date, back: int) -> tuple[str, date]:
    index = today.year * 12 + today.month - 1 - back
    period = f"{index // 12:04d}-{index % 12 + 1:02d}"
    nxt = index + 1
    return period, date(nxt // 12, nxt % 12 + 1, 1)


def _at(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=timezone.utc)


def _settings(session: Session, company: Company, today: date) -> BillingSettings:
    row = session.scalar(
        select(BillingSettings).where(
            BillingSettings.company_id == company.id, BillingSettings.account_id.is_(None)
        )
    )
    if row is None:
        row = BillingSettings(
            company_id=company.id,
            account_id=None,
            payment_method=PaymentMethod.transfer,
            delivery_method=DeliveryMethod.post,
            delivery_email=None,
        )
        debit = DIRECT_DEBIT_SEED.get(company.customer_number)
        if debit is not None:
            iban, holder, age = debit
            row.payment_method = PaymentMethod.direct_debit
            row.mandate_iban = iban
            row.mandate_holder = holder
            row.mandate_bank_name = "BELFIUS BANQUE"
            row.mandate_created_at = _at(today - timedelta(days=age))
            row.delivery_method = DeliveryMethod.email_sms
        session.add(row)
        session.flush()
    return row


def seed_invoices(
    session: Session,
    *,
    today: date,
    seeds: dict[str, LineSeed],
    usage_rows: UsageRows,
) -> None:
    """Create the missing demo invoices (idempotent per company, person and period)."""
    for company in session.scalars(select(Company).order_by(Company.id)):
        settings_row = _settings(session, company, today)
        lines = [
            line
            for line in session.scalars(
                select(Line).where(Line.company_id == company.id).order_by(Line.msisdn)
            )
            if line.status != LineStatus.pending_activation and line.msisdn in seeds
        ]
        for back in INVOICE_MONTHS:
            period, issue = _month_of(today, back)
            usage = {
                line.id: usage_rows(line, seeds[line.msisdn], month=period, offset=back)
                for line in lines
            }
            details = []
            for line in lines:
                part = ConsumptionPart.employer if line.split_bill else ConsumptionPart.full
                one_offs = [
                    {"label": c.labels[company.language.value], "amount": money(c.amount)}
                    for c in ONE_OFF_COSTS
                    if c.msisdn == line.msisdn and c.months_back == back
                ]
                details.append(line_detail(line, usage[line.id], part, one_offs, company.language))
            _invoice(session, company, None, period, issue, back, details, settings_row, today)
            for line in lines:
                if line.split_bill and line.user_account_id is not None:
                    account = line.user_account
                    assert account is not None
                    detail = line_detail(
                        line, usage[line.id], ConsumptionPart.employee, [], account.language
                    )
                    _invoice(
                        session, company, account.id, period, issue, back, [detail], None, today
                    )


def _invoice(
    session: Session,
    company: Company,
    account_id: int | None,
    period: str,
    issue: date,
    back: int,
    details: list[dict[str, Any]],
    settings_row: BillingSettings | None,
    today: date,
) -> None:
    scope = InvoiceScope.company if account_id is None else InvoiceScope.employee
    existing = session.scalar(
        select(Invoice.id).where(
            Invoice.company_id == company.id,
            Invoice.scope == scope,
            Invoice.period == period,
            Invoice.account_id.is_(None)
            if account_id is None
            else Invoice.account_id == account_id,
        )
    )
    if existing is not None:
        return
    excl = sum((Decimal(d["total"]) for d in details), Decimal("0"))
    vat = vat_of(excl)
    number, reference_base = next_invoice_number(session, issue.year)
    mandate = mandate_for_invoice(settings_row, _at(issue))
    paid = back != INVOICE_MONTHS[-1]
    invoice = Invoice(
        number=number,
        company_id=company.id,
        account_id=account_id,
        scope=scope,
        period=period,
        issue_date=issue,
        due_date=issue + _PAYMENT_TERM,
        amount_excl_vat=excl,
        vat=vat,
        amount_incl_vat=excl + vat,
        status=InvoiceStatus.paid if paid else InvoiceStatus.open,
        paid_at=_at(issue + timedelta(days=12)) if paid else None,
        structured_reference=structured_reference(reference_base),
        payment_method=PaymentMethod.direct_debit if mandate else PaymentMethod.transfer,
        mandate=mandate,
        delivery_method=settings_row.delivery_method if settings_row else DeliveryMethod.post,
        lines=details,
    )
    session.add(invoice)
    session.flush()
    if paid:
        assert invoice.paid_at is not None
        session.add(
            Payment(
                invoice_id=invoice.id,
                company_id=company.id,
                amount=invoice.amount_incl_vat,
                method=PaymentChannel.direct_debit if mandate else PaymentChannel.transfer,
                paid_at=invoice.paid_at,
            )
        )
