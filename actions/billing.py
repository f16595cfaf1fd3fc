"""Invoices by chat: list, explain, download (PDF link), pay online (payment-page link), paid?

The manual's "Facturation" chapter: an overview of every invoice, consult one, pay it with the
payment button ("notre système associe immédiatement le paiement à la facture"). The bot never
asks for card data: it hands out the backend's single-user payment-page link. Scoping is the
backend's: a fleet manager gets the company's invoices (employer part of split-bill lines), an
end user only their own split-bill part (``scope: employee``); the bot shows what it gets and
says which part it is.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api.backend import (
    BackendClient,
    BackendError,
    ChatIdentity,
    ConflictError,
    Invoice,
    InvoiceLine,
    NotFoundError,
)
from actions.common import (
    BackendAction,
    conversation_language,
    entity_values,
    idempotency_key,
    latest_text,
    require_identity,
)
from actions.formatting import DEFAULT_LANGUAGE, format_day, format_month
from actions.labels import NOTHING, label
from actions.operation_text import money
from actions.operations import (
    PENDING_ID_SLOT,
    PENDING_TYPE_SLOT,
    START_PREFIX,
    register_cancel_followup,
    utter_backend_error,
)
from actions.periods import Month, parse_period, today_in_brussels
from actions.phone import format_national
from actions.tickets import TICKET_FORM, disputes_a_charge, ticket_handover

logger = logging.getLogger(__name__)

MAX_LISTED_INVOICES = 6
OPEN_STATUSES = frozenset({"open", "overdue"})
INVOICE_NUMBER = re.compile(r"\bF\d{4}-\d{6}\b", re.IGNORECASE)
# "unpaid invoices", "factures impayées / ouvertes", "openstaande / onbetaalde facturen".
_ONLY_OPEN = re.compile(
    r"\b(?:unpaid|outstanding|open|overdue|not (?:yet )?paid|impay[ée]e?s?|ouvertes?|"
    r"non pay[ée]e?s?|pas (?:encore )?pay[ée]e?s?|[àa] payer|openstaande?|onbetaalde?|"
    r"(?:nog )?niet betaalde?|te betalen|vervallen)\b",
    re.IGNORECASE,
)
# Said beside an "unpaid" word, these ask for every invoice: "betaald en onbetaald", "payées et
# impayées", "paid or not", "all of them", "les deux", "allemaal".
_PAID_TOO = re.compile(
    r"\b(?:paid|settled|pay(?:é|ée|és|ées|ee|ees)|r[ée]gl[ée]e?s?|betaalde?|voldaan|"
    r"all of them|both|every one|les deux|toutes confondues|sans exception|ou non|ou pas|"
    r"allemaal|allebei|beide|of niet)\b",
    re.IGNORECASE,
)

INVOICE_STATUS: dict[str, dict[str, str]] = {
    "open": {"fr": "à payer", "nl": "te betalen", "en": "open"},
    "overdue": {"fr": "en retard", "nl": "vervallen", "en": "overdue"},
    "paid": {"fr": "payée", "nl": "betaald", "en": "paid"},
}
_DUE = {"fr": "échéance", "nl": "vervaldag", "en": "due"}


def status_word(status: str, language: str) -> str:
    """The invoice status in the conversation language."""
    words = INVOICE_STATUS.get(status, {})
    return words.get(language) or words.get(DEFAULT_LANGUAGE) or status


def invoice_row(invoice: Invoice, language: str) -> str:
    """``F2026-000123 · octobre 2026 · 42,35 € · échéance 15 novembre 2026 · à payer · +++…+++``."""
    parts = [
        invoice.number,
        format_month(invoice.period, language),
        money(invoice.amount_incl_vat, language),
    ]
    if invoice.due_date:
        parts.append(f"{_DUE.get(language, _DUE['en'])} {format_day(invoice.due_date, language)}")
    parts.append(status_word(invoice.status, language))
    if invoice.status in OPEN_STATUSES and invoice.structured_reference:
        parts.append(invoice.structured_reference)
    return "- " + " · ".join(parts)


def priced_items(items: list[dict[str, Any]], name_key: str, language: str) -> str:
    """``Databoost 5 GB (5,00 €), …`` — or "none" in the conversation language."""
    if not items:
        return label(NOTHING, language)
    return ", ".join(
        f"{item.get(name_key) or item.get('name') or '—'} ({money(item.get('amount'), language)})"
        for item in items
    )


def invoice_line_vars(line: InvoiceLine, language: str) -> dict[str, Any]:
    """Variables of ``utter_invoice_line_detail``."""
    return {
        "msisdn": format_national(line.msisdn),
        "user_name": line.user_name or "—",
        "plan": line.plan or "—",
        "plan_amount": money(line.plan_amount, language),
        "options": priced_items(line.options, "name", language),
        "one_off": priced_items(line.one_off, "label", language),
        "usage": money(line.usage_amount, language),
        "total": money(line.total, language),
    }


def requested_invoice_number(tracker: Tracker) -> str | None:
    """The invoice number named in the latest message (entity, else the text), upper-cased."""
    for value in [*entity_values(tracker, "invoice_number"), latest_text(tracker)]:
        match = INVOICE_NUMBER.search(value)
        if match:
            return match.group(0).upper()
    return None


def utter_already_paid(dispatcher: CollectingDispatcher, invoice: Invoice, language: str) -> None:
    """ "Invoice F… (October 2026) is already paid: nothing to do." """
    dispatcher.utter_message(
        response="utter_invoice_already_paid",
        number=invoice.number,
        period=format_month(invoice.period, language),
    )


def wants_only_open(tracker: Tracker) -> bool:
    """Whether the user asked for the unpaid invoices only (not "paid and unpaid")."""
    text = latest_text(tracker)
    if not _ONLY_OPEN.search(text):
        return False
    # The "paid" of "not paid" / "non payées" is part of the unpaid words: look past them.
    return not _PAID_TOO.search(_ONLY_OPEN.sub(" ", text))


def requested_month(tracker: Tracker, today: date) -> Month | None:
    """The billing month named in the latest message ("d'octobre", "vorige maand"), if any."""
    text = latest_text(tracker)
    for number in entity_values(tracker, "phone_number"):  # "0470 10/2026…" is no month
        text = text.replace(number, " ")
    return parse_period(entity_values(tracker, "period"), text, today)


def invoice_of_month(invoices: list[Invoice], month: Month) -> Invoice | None:
    """The invoice covering ``month``; else the one issued in it ("this month's invoice" is the
    one that came this month): the period wins, as invoices are listed by period."""
    for invoice in invoices:
        if invoice.period == month.iso:
            return invoice
    for invoice in invoices:
        if invoice.issue_date and invoice.issue_date[:7] == month.iso:
            return invoice
    return None


def dispute_handover(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """A message contesting the invoice ("je voudrais contester", "ik wil dit betwisten") goes
    on to a helpdesk ticket once the invoice is shown: the ticket form reads the same message
    (subject billing, the message as description). Not in the middle of another form."""
    if tracker.active_loop.get("name") or not disputes_a_charge(latest_text(tracker)):
        return []
    dispatcher.utter_message(response="utter_invoice_dispute_ticket")
    return [FollowupAction(TICKET_FORM)]


class _InvoiceAction(BackendAction):
    """Shared lookup: the invoice named in the message (by number, else by the month it covers),
    else a default chosen by the action."""

    def __init__(
        self,
        backend: BackendClient | None = None,
        today: Callable[[], date] = today_in_brussels,
    ) -> None:
        super().__init__(backend)
        self._today = today

    def requested_month(self, tracker: Tracker) -> Month | None:
        """The month named in the message, unless an invoice number says which one."""
        if requested_invoice_number(tracker) is not None:
            return None
        return requested_month(tracker, self._today())

    async def find_invoice(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, number: str | None
    ) -> Invoice | None:
        """The caller's invoice ``number``, else the one of the month named, else the latest;
        says so when the one asked for is not among the caller's invoices."""
        invoices = await self.backend.list_invoices(require_identity(tracker))
        return self.pick_invoice(dispatcher, tracker, number, invoices)

    def pick_invoice(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        number: str | None,
        invoices: list[Invoice],
    ) -> Invoice | None:
        """``find_invoice`` among ``invoices`` already read."""
        if number is not None:
            for invoice in invoices:
                if invoice.number.upper() == number:
                    return invoice
            dispatcher.utter_message(response="utter_invoice_not_found", number=number)
            return None
        month = self.requested_month(tracker)
        if month is not None:
            found = invoice_of_month(invoices, month)
            if found is None:
                dispatcher.utter_message(
                    response="utter_invoice_not_found_for_month",
                    period=format_month(month.iso, conversation_language(tracker)),
                )
            return found
        if not invoices:
            dispatcher.utter_message(response="utter_invoices_none")
            return None
        return invoices[0]


class ActionShowInvoices(_InvoiceAction):
    """Lists the invoices (or only the unpaid ones), newest first."""

    def name(self) -> str:
        return "action_show_invoices"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if handover := ticket_handover(tracker):
            return handover  # a ticket about the invoices, asked for in so many words
        language = conversation_language(tracker)
        only_open = wants_only_open(tracker)
        try:
            identity = require_identity(tracker)
            invoices = await self.backend.list_invoices(identity)
        except BackendError as exc:
            logger.info("Listing invoices failed: %r", exc)
            utter_backend_error(dispatcher, exc)
            return []
        if only_open:
            # Filtered here, not with ?status=open: "open" in the API excludes "overdue".
            invoices = [invoice for invoice in invoices if invoice.status in OPEN_STATUSES]
        if not invoices:
            response = "utter_invoices_all_paid" if only_open else "utter_invoices_none"
            dispatcher.utter_message(response=response)
            return []
        rows = "\n".join(invoice_row(i, language) for i in invoices[:MAX_LISTED_INVOICES])
        employee = any(invoice.scope == "employee" for invoice in invoices)
        dispatcher.utter_message(
            response="utter_invoices_list_employee" if employee else "utter_invoices_list",
            count=len(invoices),
            invoices=rows,
        )
        if len(invoices) > MAX_LISTED_INVOICES:
            dispatcher.utter_message(
                response="utter_invoices_more", remaining=len(invoices) - MAX_LISTED_INVOICES
            )
        return dispute_handover(dispatcher, tracker)


class ActionExplainInvoice(_InvoiceAction):
    """One invoice line by line: plan, options, one-off costs, usage; VAT 21 % and totals."""

    def name(self) -> str:
        return "action_explain_invoice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if handover := ticket_handover(tracker):
            # "ma part me paraît trop élevée, je peux ouvrir un ticket ?": the ticket asked for.
            return handover
        language = conversation_language(tracker)
        try:
            found = await self.find_invoice(dispatcher, tracker, requested_invoice_number(tracker))
            if found is None:
                return dispute_handover(dispatcher, tracker)
            invoice = await self.backend.get_invoice(require_identity(tracker), found.id)
        except BackendError as exc:
            logger.info("Explaining an invoice failed: %r", exc)
            if isinstance(exc, NotFoundError):
                dispatcher.utter_message(response="utter_invoice_not_found", number="—")
            else:
                utter_backend_error(dispatcher, exc)
            return []
        dispatcher.utter_message(
            response="utter_invoice_explain",
            number=invoice.number,
            period=format_month(invoice.period, language),
            amount_excl_vat=money(invoice.amount_excl_vat, language),
            vat=money(invoice.vat, language),
            amount_incl_vat=money(invoice.amount_incl_vat, language),
            status=status_word(invoice.status, language),
        )
        for line in invoice.lines:
            dispatcher.utter_message(
                response="utter_invoice_line_detail", **invoice_line_vars(line, language)
            )
        if invoice.mandate:
            # Only invoices issued after the mandate was set up are collected with it.
            dispatcher.utter_message(
                response="utter_invoice_paid_by_direct_debit",
                iban=invoice.mandate.get("iban_masked") or "—",
                holder=invoice.mandate.get("holder") or "—",
            )
        if invoice.scope == "employee":
            dispatcher.utter_message(response="utter_invoice_split_bill_employee")
        return dispute_handover(dispatcher, tracker)


class ActionDownloadInvoice(_InvoiceAction):
    """A PDF link from the backend, valid for this account only and for a short time."""

    def name(self) -> str:
        return "action_download_invoice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            invoice = await self.find_invoice(
                dispatcher, tracker, requested_invoice_number(tracker)
            )
            if invoice is None:
                return []
            link = await self.backend.create_invoice_download_link(
                require_identity(tracker),
                invoice.id,
                idempotency_key=idempotency_key(tracker, f"download:{invoice.id}"),
            )
        except BackendError as exc:
            logger.info("Invoice download link failed: %r", exc)
            utter_backend_error(dispatcher, exc)
            return []
        dispatcher.utter_message(
            response="utter_invoice_download_link",
            number=invoice.number,
            period=format_month(invoice.period, conversation_language(tracker)),
            url=link.url,
        )
        return []


PAY_INVOICE_ACTION = "action_pay_invoice"


@register_cancel_followup(f"{START_PREFIX}{PAY_INVOICE_ACTION}")
async def _another_invoice_named(
    backend: BackendClient, dispatcher: CollectingDispatcher, tracker: Tracker, pending_id: str
) -> list[EventType] | None:
    """ "Non pardon, je voulais dire celle de novembre" to the open invoice offered: the invoice
    or month the no names is the one to pay (the action reads it from this message)."""
    named = requested_invoice_number(tracker) or requested_month(tracker, today_in_brussels())
    return [FollowupAction(PAY_INVOICE_ACTION)] if named else None


class ActionPayInvoice(_InvoiceAction):
    """The payment-page link of the named invoice (number or month), else the only open one;
    never card data."""

    def name(self) -> str:
        return PAY_INVOICE_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = conversation_language(tracker)
        number = requested_invoice_number(tracker)
        invoice: Invoice | None = None
        try:
            identity = require_identity(tracker)
            if number is not None or self.requested_month(tracker) is not None:
                invoices = await self.backend.list_invoices(identity)
                invoice = self.pick_invoice(dispatcher, tracker, number, invoices)
                if invoice is None:
                    return []
                if invoice.status not in OPEN_STATUSES:
                    utter_already_paid(dispatcher, invoice, language)
                    return self._offer_the_open_one(dispatcher, invoices, language)
            else:
                invoice = await self._only_unpaid(dispatcher, identity, language)
                if invoice is None:
                    return []
            link = await self.backend.create_invoice_payment_link(
                identity,
                invoice.id,
                idempotency_key=idempotency_key(tracker, f"pay:{invoice.id}"),
            )
        except ConflictError:
            if invoice is not None:
                utter_already_paid(dispatcher, invoice, language)
            return []
        except BackendError as exc:
            logger.info("Payment link failed: %r", exc)
            utter_backend_error(dispatcher, exc)
            return []
        dispatcher.utter_message(
            response="utter_invoice_payment_link",
            number=invoice.number,
            period=format_month(invoice.period, language),
            amount=money(link.amount_incl_vat or invoice.amount_incl_vat, language),
            url=link.url,
        )
        return []

    def _offer_the_open_one(
        self, dispatcher: CollectingDispatcher, invoices: list[Invoice], language: str
    ) -> list[EventType]:
        """The invoice asked for is paid ("ma part d'octobre" when November's is the one due):
        the caller's only open invoice, if there is one, is offered; "yes" pays that one (this
        action again, on a message naming no invoice)."""
        unpaid = [i for i in invoices if i.status in OPEN_STATUSES]
        if len(unpaid) != 1:
            return []
        [invoice] = unpaid
        dispatcher.utter_message(
            response="utter_offer_pay_open_invoice",
            number=invoice.number,
            period=format_month(invoice.period, language),
            amount=money(invoice.amount_incl_vat, language),
        )
        return [
            SlotSet(PENDING_ID_SLOT, f"{START_PREFIX}{self.name()}"),
            SlotSet(PENDING_TYPE_SLOT, START_PREFIX.rstrip(":")),
        ]

    async def _only_unpaid(
        self, dispatcher: CollectingDispatcher, identity: ChatIdentity, language: str
    ) -> Invoice | None:
        """The one open invoice; with none or several, says so (buttons) and returns ``None``."""
        invoices = await self.backend.list_invoices(identity)
        unpaid = [i for i in invoices if i.status in OPEN_STATUSES]
        if not unpaid:
            dispatcher.utter_message(response="utter_invoices_all_paid")
            return None
        if len(unpaid) > 1:
            dispatcher.utter_message(
                response="utter_which_invoice_to_pay",
                buttons=[
                    {
                        "title": f"{i.number} · {format_month(i.period, language)} · "
                        f"{money(i.amount_incl_vat, language)}",
                        "payload": f'/pay_invoice{{"invoice_number": "{i.number}"}}',
                    }
                    for i in unpaid[:MAX_LISTED_INVOICES]
                ],
            )
            return None
        return unpaid[0]


class ActionCheckInvoicePaid(_InvoiceAction):
    """ "Is my invoice paid?": the named one (else the latest), as the backend knows it now."""

    def name(self) -> str:
        return "action_check_invoice_paid"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = conversation_language(tracker)
        try:
            invoice = await self.find_invoice(
                dispatcher, tracker, requested_invoice_number(tracker)
            )
        except BackendError as exc:
            logger.info("Checking an invoice failed: %r", exc)
            utter_backend_error(dispatcher, exc)
            return []
        if invoice is None:
            return []
        if invoice.status in OPEN_STATUSES:
            dispatcher.utter_message(
                response="utter_invoice_is_open",
                number=invoice.number,
                period=format_month(invoice.period, language),
                amount=money(invoice.amount_incl_vat, language),
                due_date=format_day(invoice.due_date, language) if invoice.due_date else "—",
                reference=invoice.structured_reference or "—",
            )
        else:
            dispatcher.utter_message(
                response="utter_invoice_is_paid",
                number=invoice.number,
                period=format_month(invoice.period, language),
                amount=money(invoice.amount_incl_vat, language),
                paid_at=format_day(invoice.paid_at, language) if invoice.paid_at else "—",
            )
        return dispute_handover(dispatcher, tracker)
