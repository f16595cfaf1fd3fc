"""Contesting an invoice or a charge opens a billing ticket (set11 fr-1134).

"… on me compte des appels internationaux alors que j'en ai jamais fait. je voudrais contester"
got the invoice's explanation and nothing else. The explanation may come first; the ticket form
then starts on the same message, subject billing, the message as the description.
"""

from __future__ import annotations

from typing import Any

import pytest

from actions.billing import ActionCheckInvoicePaid, ActionExplainInvoice, ActionShowInvoices
from actions.tickets import ValidateTicketForm, disputes_a_charge
from tests.actions.support import FakeBackend, make_tracker, me_end_user, responses

API = "/api/v1"
DOMAIN: dict[str, Any] = {
    "forms": {
        "ticket_form": {
            "required_slots": ["ticket_subject", "ticket_description", "ticket_contact_number"]
        },
        "ticket_comment_form": {"required_slots": ["ticket_reference", "ticket_comment"]},
    }
}
SUBJECTS = [
    {"code": "plans_and_options", "names": {"fr": "Plans et options", "nl": "Abonnementen en "
                                            "opties", "en": "Plans and options"}},
    {"code": "billing", "names": {"fr": "Facturation", "nl": "Facturatie", "en": "Billing"}},
    {"code": "other", "names": {"fr": "Autre", "nl": "Andere", "en": "Other"}},
]  # fmt: skip
INVOICE = {
    "id": 7, "number": "F2026-000106", "period": "2026-11", "issue_date": "2026-12-01",
    "due_date": "2026-12-31", "amount_excl_vat": "13.61", "vat": "2.86",
    "amount_incl_vat": "16.47", "status": "open", "paid_at": None,
    "structured_reference": "+++123/4567/89002+++", "payment_method_on_invoice": "transfer",
    "scope": "employee",
    "lines": [{"msisdn": "+32470000002", "user_name": "Julie Dubois", "plan": "Pro Smart",
               "plan_amount": "0.00", "options": [], "one_off": [], "usage_amount": "13.61",
               "total": "13.61"}],
}  # fmt: skip


def billing(backend: FakeBackend) -> FakeBackend:
    backend.on("GET", f"{API}/me", me_end_user())
    backend.on("GET", f"{API}/tickets/subjects", SUBJECTS)
    backend.on("GET", f"{API}/invoices", [INVOICE]).on("GET", f"{API}/invoices/7", INVOICE)
    return backend


def slots_of(events: list[Any]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def followups(events: list[Any]) -> list[str]:
    return [e["name"] for e in events if e.get("event") == "followup"]


DISPUTES = [
    ("fr", "Ma facture de novembre compte des SMS surtaxés que je n'ai jamais envoyés, je conteste "
           "ces frais."),
    ("fr", "je voudrais faire une réclamation : 12 € de roaming facturés alors que je ne suis "
           "pas sorti du pays"),
    ("nl", "Op mijn factuur staan betalende nummers die ik nooit gebeld heb, ik wil dat "
           "betwisten."),
    ("nl", "ik heb een klacht over mijn rekening, er staat een toestel op dat ik niet besteld heb"),
    ("en", "There's a 9.99 content subscription on my bill I never signed up for, I want to "
           "dispute it."),
    ("en", "that's wrong, I never made any calls to Morocco, take them off my invoice"),
]  # fmt: skip


@pytest.mark.parametrize(("language", "text"), DISPUTES)
async def test_a_disputed_invoice_is_explained_then_the_billing_ticket_starts(
    backend, dispatcher, language, text
):
    billing(backend)
    tracker = make_tracker(text, intent="explain_invoice", slots={"language": language})

    events = await ActionExplainInvoice(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher)[0] == "utter_invoice_explain"
    assert responses(dispatcher)[-1] == "utter_invoice_dispute_ticket"
    assert followups(events) == ["ticket_form"]

    # The ticket form reads the same message (still classified as the invoice question).
    filled = slots_of(await ValidateTicketForm(backend.client()).run(dispatcher, tracker, DOMAIN))
    assert filled["ticket_subject"] == "billing"
    assert filled["ticket_description"] == text
    assert filled["ticket_contact_number"] is None  # asked next, the caller's GSM as a button


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "je conteste ma facture"),
        ("nl", "ik wil dit bedrag betwisten"),
        ("en", "I want to contest this charge"),
    ],
)
async def test_a_short_dispute_opens_a_billing_ticket_and_asks_what_is_wrong(
    backend, dispatcher, language, text
):
    billing(backend)
    tracker = make_tracker(text, intent="explain_invoice", slots={"language": language})

    filled = slots_of(await ValidateTicketForm(backend.client()).run(dispatcher, tracker, DOMAIN))

    assert filled["ticket_subject"] == "billing"
    assert filled["ticket_description"] is None  # "what is the problem?" is asked


async def test_a_disputed_option_is_a_billing_ticket_not_a_plan_one(backend, dispatcher):
    billing(backend)
    text = "on me facture l'option roaming alors que je ne l'ai jamais activée, c'est abusif"
    tracker = make_tracker(text, intent="explain_invoice", slots={"language": "fr"})

    filled = slots_of(await ValidateTicketForm(backend.client()).run(dispatcher, tracker, DOMAIN))

    assert filled["ticket_subject"] == "billing"


@pytest.mark.parametrize(
    ("action", "intent", "text"),
    [
        (ActionShowInvoices, "show_invoices", "mes factures, je conteste celle de novembre"),
        (ActionCheckInvoicePaid, "ask_invoice_paid",
         "ik heb al betaald maar hij staat nog open, dat klopt niet, ik wil een klacht indienen"),
    ],
)  # fmt: skip
async def test_other_invoice_answers_hand_a_dispute_over_too(
    backend, dispatcher, action, intent, text
):
    billing(backend)
    tracker = make_tracker(text, intent=intent)

    events = await action(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert followups(events) == ["ticket_form"]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "pouvez-vous m'expliquer ma facture de novembre ?"),
        ("fr", "c'est une erreur ? je n'ai jamais appelé l'étranger"),
        ("nl", "waarom is mijn factuur zo hoog, ik heb nooit gebeld naar het buitenland?"),
        ("en", "why am I charged for calls I never made?"),
        ("en", "walk me through the November invoice"),
    ],
)
async def test_an_explanation_asked_for_is_only_the_explanation(
    backend, dispatcher, language, text
):
    billing(backend)
    tracker = make_tracker(text, intent="explain_invoice", slots={"language": language})

    events = await ActionExplainInvoice(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert followups(events) == []
    assert "utter_invoice_dispute_ticket" not in responses(dispatcher)


async def test_a_dispute_asked_inside_another_form_is_only_answered(backend, dispatcher):
    """A side question in the middle of a form: the form resumes, no ticket takes over."""
    billing(backend)
    tracker = make_tracker("je conteste ce montant sur la facture", intent="explain_invoice")
    tracker.active_loop = {"name": "repair_form"}

    events = await ActionExplainInvoice(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert followups(events) == []


@pytest.mark.parametrize(
    ("text", "disputed"),
    [
        ("je ne suis pas d'accord avec ce montant", True),
        ("remboursez-moi ces appels, ils sont injustifiés", True),
        ("ik ben het niet eens met die kosten", True),
        ("ik weiger dit te betalen", True),
        ("I'd like a refund for the duplicate charge", True),
        ("I was overcharged for data", True),
        ("combien je dois payer ce mois-ci ?", False),
        ("wat staat er op mijn factuur?", False),
        ("show me the October invoice", False),
    ],
)
def test_disputes_in_the_three_languages(text: str, disputed: bool) -> None:
    assert disputes_a_charge(text) is disputed
