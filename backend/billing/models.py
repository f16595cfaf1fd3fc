"""Invoices, payments, billing settings and the single-use links of the invoice pages."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.db import Base
from backend.core.models import UtcDateTime, str_enum, utcnow


class InvoiceScope(str, enum.Enum):
    company = "company"  # the company's invoice (employer part of split-bill lines)
    employee = "employee"  # an end user's own split-bill part


class InvoiceStatus(str, enum.Enum):
    open = "open"
    paid = "paid"
    overdue = "overdue"  # only ever computed (open and past the due date)


class PaymentMethod(str, enum.Enum):
    transfer = "transfer"
    direct_debit = "direct_debit"


class PaymentChannel(str, enum.Enum):
    online = "online"
    transfer = "transfer"
    direct_debit = "direct_debit"


class DeliveryMethod(str, enum.Enum):
    post = "post"
    email_sms = "email_sms"


class LinkKind(str, enum.Enum):
    download = "download"
    payment = "payment"


class Invoice(Base):
    """One monthly invoice of a company, or of an end user's split-bill part."""

    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("company_id", "account_id", "scope", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    # Set for employee invoices (the end user who pays that part); NULL for company invoices.
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[InvoiceScope] = mapped_column(str_enum(InvoiceScope, "invoice_scope"))
    period: Mapped[str] = mapped_column(String(7))
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    amount_excl_vat: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    vat: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    amount_incl_vat: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    status: Mapped[InvoiceStatus] = mapped_column(str_enum(InvoiceStatus, "invoice_status"))
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    structured_reference: Mapped[str] = mapped_column(String(24))
    payment_method: Mapped[PaymentMethod] = mapped_column(
        str_enum(PaymentMethod, "invoice_payment_method")
    )
    # The direct debit mandate the invoice is collected with (masked IBAN, holder, bank).
    mandate: Mapped[Any | None] = mapped_column(JSON)
    # How the invoice was sent (the billing settings at issue time); NULL on invoices from
    # before the monthly billing run recorded it.
    delivery_method: Mapped[DeliveryMethod | None] = mapped_column(
        str_enum(DeliveryMethod, "invoice_delivery_method")
    )
    lines: Mapped[Any] = mapped_column(JSON)

    def effective_status(self, today: date) -> InvoiceStatus:
        if self.status == InvoiceStatus.open and self.due_date < today:
            return InvoiceStatus.overdue
        return self.status


class Payment(Base):
    """Money received for an invoice."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    method: Mapped[PaymentChannel] = mapped_column(str_enum(PaymentChannel, "payment_channel"))
    paid_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    invoice: Mapped[Invoice] = relationship()


class BillingSettings(Base):
    """How a company (account_id NULL) or an end user's split-bill part is billed."""

    __tablename__ = "billing_settings"
    __table_args__ = (UniqueConstraint("company_id", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    payment_method: Mapped[PaymentMethod] = mapped_column(
        str_enum(PaymentMethod, "settings_payment_method")
    )
    mandate_iban: Mapped[str | None] = mapped_column(String(34))
    mandate_holder: Mapped[str | None] = mapped_column(String(200))
    mandate_bank_name: Mapped[str | None] = mapped_column(String(100))
    mandate_created_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    delivery_method: Mapped[DeliveryMethod] = mapped_column(
        str_enum(DeliveryMethod, "delivery_method")
    )
    delivery_email: Mapped[str | None] = mapped_column(String(254))


class InvoiceLink(Base):
    """A download or payment link: only the SHA-256 of its token is stored."""

    __tablename__ = "invoice_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[LinkKind] = mapped_column(str_enum(LinkKind, "invoice_link_kind"))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    invoice: Mapped[Invoice] = relationship()
