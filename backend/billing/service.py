"""Invoices, links, the payment page, payments and billing settings, scoped to the caller.

A fleet manager sees the company's invoices (the employer part of split-bill lines); an end
user only the invoices of their own split-bill part. Anything else is "not found".
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session
from stdnum.be import ogm_vcs

from backend.accounts.models import Account, Role
from backend.billing.exceptions import BillingScopeMissing, InvoiceAlreadyPaid, InvoiceNotFound
from backend.billing.models import (
    BillingSettings,
    DeliveryMethod,
    Invoice,
    InvoiceLink,
    InvoiceScope,
    InvoiceStatus,
    LinkKind,
    Payment,
    PaymentChannel,
    PaymentMethod,
)
from backend.billing.schemas import (
    BillingSettingsPublic,
    InvoiceDetail,
    InvoicePublic,
    LinkCreated,
    MandatePublic,
    PaymentLinkCreated,
    PaymentPublic,
)
from backend.companies.models import Company
from backend.core import rate_limit
from backend.core.models import utcnow
from backend.core.security import hash_secret
from backend.core.settings import Settings
from backend.fleet.models import Line
from backend.principal import Principal
from validation import mask_iban

logger = logging.getLogger(__name__)

VAT_RATE = Decimal("0.21")
DOWNLOAD_LINK_LIFETIME = timedelta(minutes=15)
PAYMENT_LINK_LIFETIME = timedelta(minutes=30)
_CENT = Decimal("0.01")


def money(value: Decimal) -> str:
    return f"{value.quantize(_CENT, rounding=ROUND_HALF_UP):.2f}"


def vat_of(amount_excl_vat: Decimal) -> Decimal:
    """VAT 21 %, rounded to the cent."""
    return (amount_excl_vat * VAT_RATE).quantize(_CENT, rounding=ROUND_HALF_UP)


def structured_reference(base: int) -> str:
    """A Belgian structured payment reference ``+++123/4567/89012+++`` (stdnum be.ogm_vcs)."""
    digits = f"{base % 10**10:010d}"
    number = digits + ogm_vcs.calc_check_digits(digits)
    ogm_vcs.validate(number)
    return f"+++{ogm_vcs.format(number)}+++"


@dataclass(frozen=True)
class BillingScope:
    """Whose billing the caller sees: the company's, or one end user's split-bill part."""

    company_id: int
    scope: InvoiceScope
    account_id: int | None


def billing_scope(session: Session, principal: Principal) -> BillingScope:
    assert principal.company is not None
    if principal.role == Role.fleet_manager:
        return BillingScope(principal.company.id, InvoiceScope.company, None)
    return BillingScope(principal.company.id, InvoiceScope.employee, principal.account.id)


def has_own_billing(session: Session, principal: Principal) -> bool:
    """An end user pays part of their bill only with a split-bill line."""
    if principal.role == Role.fleet_manager:
        return True
    return (
        session.scalar(
            select(Line.id).where(
                Line.user_account_id == principal.account.id, Line.split_bill.is_(True)
            )
        )
        is not None
    )


def _visible(scope: BillingScope) -> Select[tuple[Invoice]]:
    query = select(Invoice).where(
        Invoice.company_id == scope.company_id, Invoice.scope == scope.scope
    )
    if scope.account_id is not None:
        query = query.where(Invoice.account_id == scope.account_id)
    return query


def invoice_public(invoice: Invoice) -> InvoicePublic:
    return InvoicePublic(**_invoice_fields(invoice))


def _invoice_fields(invoice: Invoice) -> dict[str, Any]:
    return {
        "id": invoice.id,
        "number": invoice.number,
        "period": invoice.period,
        "issue_date": invoice.issue_date,
        "due_date": invoice.due_date,
        "amount_excl_vat": money(invoice.amount_excl_vat),
        "vat": money(invoice.vat),
        "amount_incl_vat": money(invoice.amount_incl_vat),
        "status": invoice.effective_status(utcnow().date()),
        "paid_at": invoice.paid_at,
        "structured_reference": invoice.structured_reference,
        "payment_method_on_invoice": invoice.payment_method,
        "mandate": invoice.mandate,
        "delivery_method": invoice.delivery_method,
        "scope": invoice.scope,
    }


def invoice_detail(invoice: Invoice) -> InvoiceDetail:
    return InvoiceDetail(**_invoice_fields(invoice), lines=list(invoice.lines))


def list_invoices(
    session: Session, *, principal: Principal, status: InvoiceStatus | None
) -> list[InvoicePublic]:
    """Newest first; ``status=open`` includes overdue ones."""
    query = _visible(billing_scope(session, principal))
    if status == InvoiceStatus.paid:
        query = query.where(Invoice.status == InvoiceStatus.paid)
    elif status is not None:
        query = query.where(Invoice.status == InvoiceStatus.open)
    invoices = [
        invoice_public(i)
        for i in session.scalars(query.order_by(Invoice.period.desc(), Invoice.id.desc()))
    ]
    if status == InvoiceStatus.overdue:
        invoices = [i for i in invoices if i.status == InvoiceStatus.overdue]
    return invoices


def get_invoice(session: Session, *, principal: Principal, invoice_id: int) -> Invoice:
    """A visible invoice; another company's (or another person's) is not found."""
    invoice = session.scalar(
        _visible(billing_scope(session, principal)).where(Invoice.id == invoice_id)
    )
    if invoice is None:
        raise InvoiceNotFound
    return invoice


def current_open_invoice(session: Session, scope: BillingScope) -> Invoice | None:
    """The newest unpaid invoice of a billing scope."""
    return session.scalar(
        _visible(scope)
        .where(Invoice.status == InvoiceStatus.open)
        .order_by(Invoice.period.desc(), Invoice.id.desc())
    )


# --- links ---------------------------------------------------------------------------------


def _new_link(
    session: Session, *, principal: Principal, invoice: Invoice, kind: LinkKind, lifetime: timedelta
) -> tuple[str, InvoiceLink]:
    token = secrets.token_urlsafe(32)
    link = InvoiceLink(
        token_hash=hash_secret(token),
        kind=kind,
        invoice_id=invoice.id,
        company_id=invoice.company_id,
        account_id=principal.account.id,
        amount=invoice.amount_incl_vat,
        expires_at=utcnow() + lifetime,
        created_at=utcnow(),
    )
    session.add(link)
    session.flush()
    return token, link


def create_download_link(
    session: Session, *, settings: Settings, principal: Principal, invoice_id: int
) -> LinkCreated:
    """A 15-minute link to the invoice PDF for the calling account."""
    invoice = get_invoice(session, principal=principal, invoice_id=invoice_id)
    token, link = _new_link(
        session,
        principal=principal,
        invoice=invoice,
        kind=LinkKind.download,
        lifetime=DOWNLOAD_LINK_LIFETIME,
    )
    return LinkCreated(
        url=f"{settings.base_url}/documents/invoices/{token}", expires_at=link.expires_at
    )


def create_payment_link(
    session: Session, *, settings: Settings, principal: Principal, invoice_id: int
) -> PaymentLinkCreated:
    """A single-use, 30-minute link to the payment page of an unpaid invoice."""
    invoice = get_invoice(session, principal=principal, invoice_id=invoice_id)
    if invoice.status == InvoiceStatus.paid:
        raise InvoiceAlreadyPaid
    rate_limit.enforce(
        session, settings=settings, principal=principal, flow=rate_limit.Flow.payment_link
    )
    token, link = _new_link(
        session,
        principal=principal,
        invoice=invoice,
        kind=LinkKind.payment,
        lifetime=PAYMENT_LINK_LIFETIME,
    )
    return PaymentLinkCreated(
        url=f"{settings.base_url}/pay/{token}",
        amount_incl_vat=money(invoice.amount_incl_vat),
        expires_at=link.expires_at,
    )


def find_link(session: Session, *, token: str, kind: LinkKind) -> InvoiceLink | None:
    """A link that is still good for its invoice (unused payment link, same company and amount)."""
    if not token or len(token) > 200:
        return None
    link = session.scalar(
        select(InvoiceLink).where(
            InvoiceLink.token_hash == hash_secret(token), InvoiceLink.kind == kind
        )
    )
    if link is None or link.expires_at <= utcnow():
        return None
    invoice = link.invoice
    if invoice.company_id != link.company_id or invoice.amount_incl_vat != link.amount:
        return None
    account = session.get(Account, link.account_id)
    if account is None or account.company_id != link.company_id:
        return None
    if kind == LinkKind.payment and (
        link.used_at is not None or invoice.status == InvoiceStatus.paid
    ):
        return None
    return link


def pay(session: Session, *, token: str) -> Payment | None:
    """Pay the link's invoice at once (payment row, ``paid_at``); the link is used up."""
    link = find_link(session, token=token, kind=LinkKind.payment)
    if link is None:
        return None
    now = utcnow()
    # Claim the link (and the unpaid invoice) with conditional UPDATEs: a concurrent second POST
    # of the same link, or of another link of the same invoice, pays nothing.
    claimed = session.execute(
        update(InvoiceLink)
        .where(InvoiceLink.id == link.id, InvoiceLink.used_at.is_(None))
        .values(used_at=now)
    )
    invoice = link.invoice
    unpaid = session.execute(
        update(Invoice)
        .where(Invoice.id == invoice.id, Invoice.status == InvoiceStatus.open)
        .values(status=InvoiceStatus.paid, paid_at=now)
    )
    if _rowcount(claimed) != 1 or _rowcount(unpaid) != 1:
        return None
    session.refresh(link)
    session.refresh(invoice)
    payment = Payment(
        invoice_id=invoice.id,
        company_id=invoice.company_id,
        amount=invoice.amount_incl_vat,
        method=PaymentChannel.online,
        paid_at=now,
    )
    session.add(payment)
    session.flush()
    logger.info("Invoice %s paid online (payment %s)", invoice.number, payment.id)
    return payment


def _rowcount(result: Any) -> int:
    count: int = result.rowcount
    return count


# --- payments and settings -----------------------------------------------------------------


def list_payments(session: Session, *, principal: Principal) -> list[PaymentPublic]:
    scope = billing_scope(session, principal)
    visible_ids = _visible(scope).with_only_columns(Invoice.id)
    payments = session.scalars(
        select(Payment)
        .where(Payment.invoice_id.in_(visible_ids))
        .order_by(Payment.paid_at.desc(), Payment.id.desc())
    )
    return [
        PaymentPublic(
            id=p.id,
            invoice_id=p.invoice_id,
            invoice_number=p.invoice.number,
            amount=money(p.amount),
            paid_at=p.paid_at,
            method=p.method,
        )
        for p in payments
    ]


def settings_row(session: Session, scope: BillingScope) -> BillingSettings | None:
    return session.scalar(
        select(BillingSettings).where(
            BillingSettings.company_id == scope.company_id,
            BillingSettings.account_id.is_(None)
            if scope.account_id is None
            else BillingSettings.account_id == scope.account_id,
        )
    )


def settings_for_update(session: Session, principal: Principal) -> BillingSettings:
    """The caller's billing settings row (created with the defaults when missing)."""
    if not has_own_billing(session, principal):
        raise BillingScopeMissing
    scope = billing_scope(session, principal)
    row = settings_row(session, scope)
    if row is None:
        row = BillingSettings(
            company_id=scope.company_id,
            account_id=scope.account_id,
            payment_method=PaymentMethod.transfer,
            delivery_method=DeliveryMethod.post,
            delivery_email=principal.account.email,
        )
        session.add(row)
        session.flush()
    return row


def mandate_public(row: BillingSettings) -> MandatePublic | None:
    if row.payment_method != PaymentMethod.direct_debit or not row.mandate_iban:
        return None
    assert row.mandate_created_at is not None
    return MandatePublic(
        iban_masked=mask_iban(row.mandate_iban),
        holder=row.mandate_holder or "",
        bank_name=row.mandate_bank_name,
        created_at=row.mandate_created_at,
    )


def get_billing_settings(session: Session, *, principal: Principal) -> BillingSettingsPublic:
    if not has_own_billing(session, principal):
        raise BillingScopeMissing
    scope = billing_scope(session, principal)
    row = settings_row(session, scope)
    company = session.get(Company, scope.company_id)
    assert company is not None
    address = {"street": company.street, "postal_code": company.postal_code, "city": company.city}
    if row is None:
        return BillingSettingsPublic(
            scope=scope.scope,
            payment_method=PaymentMethod.transfer,
            mandate=None,
            delivery_method=DeliveryMethod.post,
            delivery_email=principal.account.email,
            delivery_address=address,
        )
    return BillingSettingsPublic(
        scope=scope.scope,
        payment_method=row.payment_method,
        mandate=mandate_public(row),
        delivery_method=row.delivery_method,
        delivery_email=row.delivery_email,
        delivery_address=address,
    )


def mandate_for_invoice(row: BillingSettings | None, issued: datetime) -> dict[str, Any] | None:
    """The mandate an invoice issued at ``issued`` is collected with (only from the next one)."""
    if row is None or row.payment_method != PaymentMethod.direct_debit:
        return None
    if row.mandate_created_at is None or row.mandate_created_at >= issued:
        return None
    public = mandate_public(row)
    return public.model_dump(mode="json") if public else None


def link_account_id(session: Session, token: str) -> int | None:
    """The account that asked for a link (its language is the page's)."""
    return session.scalar(
        select(InvoiceLink.account_id).where(InvoiceLink.token_hash == hash_secret(token))
    )
