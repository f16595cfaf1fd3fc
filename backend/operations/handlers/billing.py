"""Billing operations: direct debit (set up / stop) and the invoice delivery method.

A fleet manager changes the company's billing; an end user with a split-bill line the billing of
their own part. A direct debit mandate only applies from the NEXT invoice: the current open one
must still be paid by transfer with its structured reference. An end user's mandate is never in
the company's name: the company's account pays the company's invoices (the fleet manager's).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from pydantic import Field

from backend.billing import service as billing
from backend.billing.exceptions import (
    BillingScopeMissing,
    DeliveryMethodUnchanged,
    DirectDebitNotActive,
)
from backend.billing.models import DeliveryMethod, InvoiceScope, PaymentMethod
from backend.fleet.models import Line
from backend.fleet.validation import checked
from backend.operations.handlers.base import OpContext, OperationHandler, Params
from backend.operations.models import OperationType
from validation import check_iban, check_own_part_holder, iban_bank, mask_iban


class SetupDirectDebitParams(Params):
    iban: str = Field(min_length=1, max_length=50)
    holder: str = Field(min_length=2, max_length=200)


class StopDirectDebitParams(Params):
    pass


class ChangeDeliveryMethodParams(Params):
    delivery_method: DeliveryMethod


def _require_own_billing(ctx: OpContext) -> billing.BillingScope:
    if not billing.has_own_billing(ctx.session, ctx.principal):
        raise BillingScopeMissing
    return billing.billing_scope(ctx.session, ctx.principal)


def _checked_holder(ctx: OpContext, scope: billing.BillingScope, holder: str) -> str:
    """The mandate's holder; for an end user's own part not the company (422
    ``direct_debit_holder_is_company``, as the bot refuses it), whoever calls the API."""
    if scope.scope != InvoiceScope.employee:
        return holder  # a fleet manager sets up the company's own mandate
    check = partial(check_own_part_holder, company_name=ctx.company.name)
    return checked(check, holder, field="holder")


def _open_invoice(ctx: OpContext, scope: billing.BillingScope) -> dict[str, Any] | None:
    invoice = billing.current_open_invoice(ctx.session, scope)
    if invoice is None:
        return None
    return {
        "id": invoice.id,
        "number": invoice.number,
        "amount_incl_vat": billing.money(invoice.amount_incl_vat),
        "due_date": invoice.due_date.isoformat(),
        "structured_reference": invoice.structured_reference,
    }


class SetupDirectDebit(OperationHandler[SetupDirectDebitParams]):
    op_type = OperationType.setup_direct_debit
    params_model = SetupDirectDebitParams
    fleet_manager_only = False
    needs_line = False

    def prepare(
        self, ctx: OpContext, line: Line | None, params: SetupDirectDebitParams
    ) -> dict[str, Any]:
        scope = _require_own_billing(ctx)
        iban = checked(check_iban, params.iban, field="iban")
        holder = _checked_holder(ctx, scope, params.holder)
        info = iban_bank(iban)
        return {
            "scope": scope.scope.value,
            "iban_masked": mask_iban(iban),
            "holder": holder,
            "bank_name": info.get("bank"),
            "bic": info.get("bic"),
            "starts_with": "next_invoice",
            "current_open_invoice": _open_invoice(ctx, scope),
            "current_invoice_payment": "transfer",
        }

    def execute(
        self,
        ctx: OpContext,
        line: Line | None,
        params: SetupDirectDebitParams,
        summary: dict[str, Any],
    ) -> dict[str, Any]:
        scope = _require_own_billing(ctx)
        iban = checked(check_iban, params.iban, field="iban")
        # Checked again: the API's confirm must not store what a prepare would refuse now.
        holder = _checked_holder(ctx, scope, params.holder)
        info = iban_bank(iban)
        row = billing.settings_for_update(ctx.session, ctx.principal)
        row.payment_method = PaymentMethod.direct_debit
        row.mandate_iban = iban
        row.mandate_holder = holder
        row.mandate_bank_name = info.get("bank")
        row.mandate_created_at = ctx.now
        ctx.session.flush()
        mandate = billing.mandate_public(row)
        assert mandate is not None
        return {
            "payment_method": "direct_debit",
            "mandate": mandate.model_dump(mode="json"),
            "current_open_invoice": summary.get("current_open_invoice"),
        }


class StopDirectDebit(OperationHandler[StopDirectDebitParams]):
    op_type = OperationType.stop_direct_debit
    params_model = StopDirectDebitParams
    fleet_manager_only = False
    needs_line = False

    def _active(self, ctx: OpContext) -> Any:
        scope = _require_own_billing(ctx)
        row = billing.settings_row(ctx.session, scope)
        if row is None or row.payment_method != PaymentMethod.direct_debit:
            raise DirectDebitNotActive
        return row

    def prepare(
        self, ctx: OpContext, line: Line | None, params: StopDirectDebitParams
    ) -> dict[str, Any]:
        row = self._active(ctx)
        mandate = billing.mandate_public(row)
        return {
            "mandate": mandate.model_dump(mode="json") if mandate else None,
            "new_payment_method": "transfer",
            "starts_with": "next_invoice",
        }

    def execute(
        self,
        ctx: OpContext,
        line: Line | None,
        params: StopDirectDebitParams,
        summary: dict[str, Any],
    ) -> dict[str, Any]:
        row = self._active(ctx)
        row.payment_method = PaymentMethod.transfer
        row.mandate_iban = None
        row.mandate_holder = None
        row.mandate_bank_name = None
        row.mandate_created_at = None
        ctx.session.flush()
        return {"payment_method": "transfer", "mandate": None}


class ChangeDeliveryMethod(OperationHandler[ChangeDeliveryMethodParams]):
    op_type = OperationType.change_delivery_method
    params_model = ChangeDeliveryMethodParams
    fleet_manager_only = False
    needs_line = False

    def prepare(
        self, ctx: OpContext, line: Line | None, params: ChangeDeliveryMethodParams
    ) -> dict[str, Any]:
        current = billing.get_billing_settings(ctx.session, principal=ctx.principal)
        if current.delivery_method == params.delivery_method:
            raise DeliveryMethodUnchanged
        return {
            "scope": current.scope.value,
            "current_delivery_method": current.delivery_method.value,
            "delivery_method": params.delivery_method.value,
            "delivery_email": current.delivery_email,
            "delivery_address": current.delivery_address,
            "starts_with": "next_invoice",
        }

    def execute(
        self,
        ctx: OpContext,
        line: Line | None,
        params: ChangeDeliveryMethodParams,
        summary: dict[str, Any],
    ) -> dict[str, Any]:
        self.prepare(ctx, line, params)
        row = billing.settings_for_update(ctx.session, ctx.principal)
        row.delivery_method = params.delivery_method
        if row.delivery_email is None and params.delivery_method == DeliveryMethod.email_sms:
            row.delivery_email = ctx.principal.account.email
        ctx.session.flush()
        return {"delivery_method": row.delivery_method.value, "delivery_email": row.delivery_email}
