"""Billing response schemas (money as decimal strings)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from backend.billing.models import (
    DeliveryMethod,
    InvoiceScope,
    InvoiceStatus,
    PaymentChannel,
    PaymentMethod,
)


class InvoicePublic(BaseModel):
    id: int
    number: str
    period: str
    issue_date: date
    due_date: date
    amount_excl_vat: str
    vat: str
    amount_incl_vat: str
    status: InvoiceStatus
    paid_at: datetime | None
    structured_reference: str
    payment_method_on_invoice: PaymentMethod
    mandate: dict[str, Any] | None
    delivery_method: DeliveryMethod | None
    scope: InvoiceScope


class InvoiceDetail(InvoicePublic):
    lines: list[dict[str, Any]]


class LinkCreated(BaseModel):
    url: str
    expires_at: datetime


class PaymentLinkCreated(LinkCreated):
    amount_incl_vat: str


class PaymentPublic(BaseModel):
    id: int
    invoice_id: int
    invoice_number: str
    amount: str
    paid_at: datetime
    method: PaymentChannel


class MandatePublic(BaseModel):
    iban_masked: str
    holder: str
    bank_name: str | None
    active_from_invoice: str = "next"
    created_at: datetime


class BillingSettingsPublic(BaseModel):
    scope: InvoiceScope
    payment_method: PaymentMethod
    mandate: MandatePublic | None
    delivery_method: DeliveryMethod
    delivery_email: str | None
    delivery_address: dict[str, str] | None
