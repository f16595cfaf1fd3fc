"""Billing errors."""

from __future__ import annotations

from backend.core.errors import AppError


class InvoiceNotFound(AppError):
    status_code = 404
    code = "invoice_not_found"
    message = "No such invoice."


class InvoiceAlreadyPaid(AppError):
    status_code = 409
    code = "invoice_already_paid"
    message = "This invoice is already paid."


class BillingScopeMissing(AppError):
    status_code = 404
    code = "billing_not_found"
    message = "You have no billing of your own (no split-bill line)."


class DirectDebitNotActive(AppError):
    status_code = 409
    code = "direct_debit_not_active"
    message = "No direct debit mandate is active."


class DeliveryMethodUnchanged(AppError):
    status_code = 422
    code = "delivery_method_unchanged"
    message = "The invoices are already delivered this way."
    field = "delivery_method"
