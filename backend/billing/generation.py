"""The monthly billing run: one invoice per company (and per split-bill end user) and period.

Amounts come from what the backend knows at run time: each line's plan and options, its usage
for the period (the consumption rows, which include the plan and options of the employer part),
and the one-off costs of the operations done in the period (a lost/stolen SIM replacement fee,
a termination fee). VAT 21 %; a Belgian structured reference (stdnum be.ogm_vcs); due 30 days
after issue; the delivery method and — when a direct debit mandate is active at run time — the
mandate are taken from the billing settings. Running a period twice creates nothing new.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.accounts.models import Account, Role
from backend.billing.models import (
    BillingSettings,
    DeliveryMethod,
    Invoice,
    InvoiceScope,
    InvoiceStatus,
    PaymentMethod,
)
from backend.billing.service import mandate_for_invoice, money, structured_reference, vat_of
from backend.companies.models import Company
from backend.core.errors import FieldError
from backend.core.models import Language
from backend.core.settings import Settings
from backend.fleet.models import Consumption, ConsumptionPart, Line, LineStatus
from backend.mail.service import Mail, send_mail
from backend.mail.templates import render_email
from backend.operations.models import Operation, OperationStatus, OperationType

logger = logging.getLogger(__name__)

PAYMENT_TERM = timedelta(days=30)
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_ZERO = Decimal("0")
# Lines that are billed their plan and options for the period.
_BILLED_STATUSES = (LineStatus.active, LineStatus.suspended)
# One-off costs: which done operation charges what (the key of the amount in its summary).
_ONE_OFF_OPERATIONS = {
    OperationType.replace_sim: "fee",
    OperationType.deactivate_line: "termination_fee",
}
_ONE_OFF_LABELS = {
    OperationType.replace_sim: {
        "fr": "Remplacement de carte SIM (perte/vol)",
        "nl": "Vervanging simkaart (verlies/diefstal)",
        "en": "SIM card replacement (lost/stolen)",
    },
    OperationType.deactivate_line: {
        "fr": "Frais de résiliation",
        "nl": "Opzegkosten",
        "en": "Termination fee",
    },
}


@dataclass
class RunResult:
    """What one billing run did for one period."""

    period: str
    created: list[str] = field(default_factory=list)  # invoice numbers
    skipped: int = 0  # invoices of the period that already existed


def parse_period(period: str, *, today: date) -> tuple[date, date]:
    """First day of ``period`` (YYYY-MM) and of the month after; a future month is refused."""
    match = _PERIOD.match(period)
    if match is None:
        raise FieldError("period_invalid", "The period must be YYYY-MM.", field="period")
    start = date(int(match.group(1)), int(match.group(2)), 1)
    if start > today:
        raise FieldError("period_in_future", "This month has not started yet.", field="period")
    after = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start, after


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=timezone.utc)


def next_invoice_number(session: Session, year: int) -> tuple[str, int]:
    """The next invoice number ``F<year>-<serial>`` and the base of its structured reference."""
    count = session.scalar(select(func.count()).select_from(Invoice)) or 0
    serial = 100 + count + 1
    return f"F{year}-{serial:06d}", year % 100 * 10**8 + serial


def line_detail(
    line: Line,
    rows: list[Consumption],
    part: ConsumptionPart,
    one_offs: list[dict[str, str]],
    language: Language,
) -> dict[str, Any]:
    """One invoice line: plan, options, usage and one-off costs of a line for one payer part.

    The employer (or whole) part's consumption cost includes the plan and the options, so the
    usage is what is left above them; the employee part is usage only (the employer pays the
    subscription).
    """
    cost = sum((r.cost for r in rows if r.part == part), _ZERO)
    if part == ConsumptionPart.employee:
        plan_amount = _ZERO
        options: list[dict[str, str]] = []
        usage = cost
    else:
        plan_amount = line.plan.monthly_price
        options = [
            {"name": o.name_in(language), "amount": money(o.monthly_price)} for o in line.options
        ]
        fixed = plan_amount + sum((o.monthly_price for o in line.options), _ZERO)
        # Without usage rows (nothing used yet) the subscription is still due.
        usage = max(cost - fixed, _ZERO) if rows else _ZERO
        cost = fixed + usage
    total = cost + sum((Decimal(c["amount"]) for c in one_offs), _ZERO)
    return {
        "msisdn": line.msisdn,
        "user_name": line.user_name,
        "plan": line.plan.name_in(language),
        "plan_amount": money(plan_amount),
        "options": options,
        "one_off": one_offs,
        "usage_amount": money(usage),
        "total": money(total),
    }


def _ended_line_detail(
    line: Line, one_offs: list[dict[str, str]], language: Language
) -> dict[str, Any]:
    """A line that ended (deactivated) in the period: only its one-off costs are billed."""
    return {
        "msisdn": line.msisdn,
        "user_name": line.user_name,
        "plan": line.plan.name_in(language),
        "plan_amount": money(_ZERO),
        "options": [],
        "one_off": one_offs,
        "usage_amount": money(_ZERO),
        "total": money(sum((Decimal(c["amount"]) for c in one_offs), _ZERO)),
    }


def _one_off_costs(
    session: Session, company: Company, start: date, after: date
) -> dict[int, list[tuple[OperationType, Decimal]]]:
    """Per line: the fees of the operations done in the period."""
    costs: dict[int, list[tuple[OperationType, Decimal]]] = {}
    operations = session.scalars(
        select(Operation)
        .where(
            Operation.company_id == company.id,
            Operation.status == OperationStatus.done,
            Operation.type.in_(list(_ONE_OFF_OPERATIONS)),
            Operation.done_at >= _midnight(start),
            Operation.done_at < _midnight(after),
            Operation.line_id.is_not(None),
        )
        .order_by(Operation.done_at)
    )
    for operation in operations:
        amount = Decimal(str((operation.summary or {}).get(_ONE_OFF_OPERATIONS[operation.type], 0)))
        if amount > 0 and operation.line_id is not None:
            costs.setdefault(operation.line_id, []).append((operation.type, amount))
    return costs


def _settings_row(
    session: Session, company_id: int, account_id: int | None
) -> BillingSettings | None:
    return session.scalar(
        select(BillingSettings).where(
            BillingSettings.company_id == company_id,
            BillingSettings.account_id.is_(None)
            if account_id is None
            else BillingSettings.account_id == account_id,
        )
    )


def _exists(session: Session, company_id: int, account_id: int | None, period: str) -> bool:
    return (
        session.scalar(
            select(Invoice.id).where(
                Invoice.company_id == company_id,
                Invoice.period == period,
                Invoice.account_id.is_(None)
                if account_id is None
                else Invoice.account_id == account_id,
            )
        )
        is not None
    )


def issue_invoice(
    session: Session,
    *,
    company: Company,
    account_id: int | None,
    period: str,
    details: list[dict[str, Any]],
    settings_row: BillingSettings | None,
    issued: datetime,
) -> Invoice:
    """Create one open invoice (numbered, with its structured reference, mandate and delivery)."""
    excl = sum((Decimal(d["total"]) for d in details), _ZERO)
    vat = vat_of(excl)
    number, reference_base = next_invoice_number(session, issued.year)
    mandate = mandate_for_invoice(settings_row, issued)
    invoice = Invoice(
        number=number,
        company_id=company.id,
        account_id=account_id,
        scope=InvoiceScope.company if account_id is None else InvoiceScope.employee,
        period=period,
        issue_date=issued.date(),
        due_date=issued.date() + PAYMENT_TERM,
        amount_excl_vat=excl,
        vat=vat,
        amount_incl_vat=excl + vat,
        status=InvoiceStatus.open,
        paid_at=None,
        structured_reference=structured_reference(reference_base),
        payment_method=PaymentMethod.direct_debit if mandate else PaymentMethod.transfer,
        mandate=mandate,
        delivery_method=settings_row.delivery_method if settings_row else DeliveryMethod.post,
        lines=details,
    )
    session.add(invoice)
    session.flush()
    return invoice


def _company_recipients(
    session: Session, company: Company, settings_row: BillingSettings | None
) -> list[str]:
    """The billing e-mail address, else the company's fleet managers."""
    if settings_row is not None and settings_row.delivery_email:
        return [settings_row.delivery_email]
    managers = session.scalars(
        select(Account.email)
        .where(Account.company_id == company.id, Account.role == Role.fleet_manager)
        .order_by(Account.id)
    )
    return [email for email in managers if email]


def _announce(
    session: Session,
    settings: Settings,
    invoice: Invoice,
    recipients: list[str],
    language: Language,
) -> None:
    """The e-mail of an invoice delivered by e-mail/SMS: amount, due date, how it is paid.

    No document link: links are for one account's portal session, so the mail says to log in.
    """
    if invoice.delivery_method != DeliveryMethod.email_sms:
        return
    subject, text, html = render_email(
        "invoice",
        language,
        number=invoice.number,
        period=invoice.period,
        amount=money(invoice.amount_incl_vat),
        due_date=invoice.due_date.isoformat(),
        reference=invoice.structured_reference,
        mandate=invoice.mandate,
    )
    for to in recipients:
        send_mail(
            session,
            settings=settings,
            mail=Mail(to=to, subject=subject, language=language, body_text=text, body_html=html),
        )


def run_billing(session: Session, *, settings: Settings, period: str, now: datetime) -> RunResult:
    """Invoice every company (and split-bill end user) for ``period``; the caller commits.

    Idempotent per company (or end user) and period: an invoice that exists is left alone.
    Invoices delivered by e-mail/SMS are announced by e-mail (the outbox in the demo); post is
    outside this system.
    """
    start, after = parse_period(period, today=now.date())
    result = RunResult(period=period)
    # Locking the company rows (PostgreSQL) serialises two runs of the same period, so the
    # second sees the first's invoices instead of issuing them again.
    for company in session.scalars(select(Company).order_by(Company.id).with_for_update()):
        one_offs = _one_off_costs(session, company, start, after)
        lines = [
            line
            for line in session.scalars(
                select(Line).where(Line.company_id == company.id).order_by(Line.msisdn)
            )
            if line.status in _BILLED_STATUSES or line.id in one_offs
        ]
        if not lines:
            continue
        usage = {
            line.id: list(
                session.scalars(
                    select(Consumption).where(
                        Consumption.line_id == line.id, Consumption.month == period
                    )
                )
            )
            for line in lines
        }
        if _exists(session, company.id, None, period):
            result.skipped += 1
        else:
            details = []
            for line in lines:
                part = ConsumptionPart.employer if line.split_bill else ConsumptionPart.full
                costs = [
                    {"label": _ONE_OFF_LABELS[kind][company.language.value], "amount": money(fee)}
                    for kind, fee in one_offs.get(line.id, [])
                ]
                if line.status in _BILLED_STATUSES:
                    details.append(line_detail(line, usage[line.id], part, costs, company.language))
                else:
                    details.append(_ended_line_detail(line, costs, company.language))
            settings_row = _settings_row(session, company.id, None)
            invoice = issue_invoice(
                session,
                company=company,
                account_id=None,
                period=period,
                details=details,
                settings_row=settings_row,
                issued=now,
            )
            result.created.append(invoice.number)
            recipients = _company_recipients(session, company, settings_row)
            _announce(session, settings, invoice, recipients, company.language)
        for line in lines:
            if not line.split_bill or line.user_account_id is None:
                continue
            account = session.get(Account, line.user_account_id)
            assert account is not None
            if _exists(session, company.id, account.id, period):
                result.skipped += 1
                continue
            detail = line_detail(
                line, usage[line.id], ConsumptionPart.employee, [], account.language
            )
            settings_row = _settings_row(session, company.id, account.id)
            invoice = issue_invoice(
                session,
                company=company,
                account_id=account.id,
                period=period,
                details=[detail],
                settings_row=settings_row,
                issued=now,
            )
            result.created.append(invoice.number)
            email = (settings_row.delivery_email if settings_row else None) or account.email
            _announce(session, settings, invoice, [email] if email else [], account.language)
    logger.info(
        "Billing run %s: %d invoices created, %d already there",
        period,
        len(result.created),
        result.skipped,
    )
    return result
