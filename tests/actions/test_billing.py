"""Billing: invoices (list, explain, PDF, payment link, paid?), direct debit, delivery method."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import httpx
import pytest
from rasa_sdk.events import FollowupAction, SlotSet

from actions.billing import (
    ActionCheckInvoicePaid,
    ActionDownloadInvoice,
    ActionExplainInvoice,
    ActionPayInvoice,
    ActionShowInvoices,
)
from actions.direct_debit import (
    ActionPrepareDeliveryMethod,
    ActionPrepareDirectDebit,
    ActionPrepareStopDirectDebit,
    ValidateDeliveryMethodForm,
    ValidateDirectDebitForm,
)
from actions.operations import ActionCancelOperation, ActionConfirmOperation
from tests.actions.support import (
    entity,
    error,
    json_response,
    make_tracker,
    me_end_user,
    me_fleet_manager,
    responses,
)
from validation import iban_bank

DOMAIN: dict[str, Any] = {
    "forms": {
        "direct_debit_form": {"required_slots": ["direct_debit_iban", "direct_debit_holder"]},
        "delivery_method_form": {"required_slots": ["delivery_method"]},
    }
}
API = "/api/v1"


def invoice(number: str = "F2026-000123", status: str = "open", **overrides: Any) -> dict[str, Any]:
    return {
        "id": 7, "number": number, "period": "2026-10", "issue_date": "2026-11-01",
        "due_date": "2026-11-30", "amount_excl_vat": "35.00", "vat": "7.35",
        "amount_incl_vat": "42.35", "status": status, "paid_at": None,
        "structured_reference": "+++123/4567/89002+++", "payment_method_on_invoice": "transfer",
        "scope": "company", **overrides,
    }  # fmt: skip


def settings(**overrides: Any) -> dict[str, Any]:
    return {
        "payment_method": "transfer", "mandate": None, "delivery_method": "email_sms",
        "delivery_email": "billing@acme.be", "delivery_address": None, **overrides,
    }  # fmt: skip


def operation(op_type: str, summary: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return {"id": "op-1", "type": op_type, "status": "pending", "summary": summary, **overrides}


def message(dispatcher: Any, index: int = 0) -> dict[str, Any]:
    return dict(dispatcher.messages[index])


# --- invoices ---------------------------------------------------------------------------------


async def test_invoice_list_formats_month_amount_and_due_date_per_locale(backend, dispatcher):
    paid = invoice("F2026-000110", "paid", period="2026-09", paid_at="2026-10-20")
    backend.on("GET", f"{API}/invoices", [invoice(), paid])
    for language, month, amount, due in [
        ("fr", "octobre 2026", "42,35\xa0€", "échéance 30 novembre 2026"),
        ("nl", "oktober 2026", "€\xa042,35", "vervaldag 30 november 2026"),
        ("en", "October 2026", "€42.35", "due 30 November 2026"),
    ]:
        dispatcher.messages.clear()
        tracker = make_tracker("my invoices", intent="show_invoices", slots={"language": language})
        await ActionShowInvoices(backend.client()).run(dispatcher, tracker, DOMAIN)
        sent = message(dispatcher)
        assert sent["response"] == "utter_invoices_list"
        assert sent["count"] == 2
        first, second = sent["invoices"].split("\n")
        assert month in first and amount in first and due in first
        assert "+++123/4567/89002+++" in first  # open: the structured reference
        assert "F2026-000110" in second and "+++" not in second  # paid: no reference


async def test_unpaid_invoices_only_open_and_overdue(backend, dispatcher):
    backend.on(
        "GET",
        f"{API}/invoices",
        [invoice(), invoice("F2026-000100", "overdue"), invoice("F2026-000090", "paid")],
    )
    tracker = make_tracker("factures impayées", intent="show_invoices", slots={"language": "fr"})
    await ActionShowInvoices(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert message(dispatcher)["count"] == 2
    assert "F2026-000090" not in message(dispatcher)["invoices"]
    assert "en retard" in message(dispatcher)["invoices"]


async def test_no_unpaid_invoices_says_all_paid(backend, dispatcher):
    backend.on("GET", f"{API}/invoices", [invoice(status="paid")])
    tracker = make_tracker("openstaande facturen", intent="show_invoices")
    await ActionShowInvoices(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_invoices_all_paid"]


async def test_end_user_split_bill_part_is_said_so(backend, dispatcher):
    backend.on("GET", f"{API}/invoices", [invoice(scope="employee")])
    tracker = make_tracker("my invoices", intent="show_invoices")
    await ActionShowInvoices(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_invoices_list_employee"]


async def test_explain_invoice_per_line_with_vat(backend, dispatcher):
    detail = invoice(
        lines=[
            {
                "msisdn": "+32470000003", "user_name": "Jan Peeters", "plan": "Pro Smart",
                "plan_amount": "25.00", "options": [{"name": "Databoost 5 GB", "amount": "7.50"}],
                "one_off": [{"label": "SIM card", "amount": "2.50"}], "usage_amount": "0.00",
                "total": "35.00",
            }
        ]
    )  # fmt: skip
    backend.on("GET", f"{API}/invoices", [invoice()]).on("GET", f"{API}/invoices/7", detail)
    tracker = make_tracker(
        "leg factuur F2026-000123 uit",
        intent="explain_invoice",
        entities=[entity("invoice_number", "F2026-000123")],
        slots={"language": "nl"},
    )
    await ActionExplainInvoice(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_invoice_explain", "utter_invoice_line_detail"]
    head, row = message(dispatcher, 0), message(dispatcher, 1)
    assert head["vat"] == "€\xa07,35" and head["amount_incl_vat"] == "€\xa042,35"
    assert head["period"] == "oktober 2026"
    assert row["options"] == "Databoost 5 GB (€\xa07,50)"
    assert row["one_off"] == "SIM card (€\xa02,50)"
    assert row["msisdn"] == "0470 00 00 03"


async def test_explained_invoice_collected_by_direct_debit_names_the_mandate(backend, dispatcher):
    mandate = {"iban_masked": "BE71 **** **** 6769", "holder": "Acme Logistics NV"}
    detail = invoice(payment_method_on_invoice="direct_debit", mandate=mandate, lines=[])
    backend.on("GET", f"{API}/invoices", [invoice()]).on("GET", f"{API}/invoices/7", detail)
    tracker = make_tracker("explique la facture F2026-000123", intent="explain_invoice")
    await ActionExplainInvoice(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_invoice_explain", "utter_invoice_paid_by_direct_debit"]
    assert message(dispatcher, 1)["iban"] == "BE71 **** **** 6769"
    assert message(dispatcher, 1)["holder"] == "Acme Logistics NV"


async def test_explained_invoice_without_mandate_says_nothing_of_direct_debit(backend, dispatcher):
    backend.on("GET", f"{API}/invoices", [invoice()]).on(
        "GET", f"{API}/invoices/7", invoice(mandate=None, lines=[])
    )
    tracker = make_tracker("explain invoice F2026-000123", intent="explain_invoice")
    await ActionExplainInvoice(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_invoice_explain"]


async def test_unknown_invoice_number_is_not_found(backend, dispatcher):
    backend.on("GET", f"{API}/invoices", [invoice()])
    tracker = make_tracker("explain invoice F2025-000001", intent="explain_invoice")
    await ActionExplainInvoice(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_invoice_not_found"]
    assert message(dispatcher)["number"] == "F2025-000001"


async def test_download_gives_the_single_user_pdf_link(backend, dispatcher):
    url = "http://127.0.0.1:8000/documents/invoices/tok"
    backend.on("GET", f"{API}/invoices", [invoice()]).on(
        "POST", f"{API}/invoices/7/download-links", json_response(201, {"url": url})
    )
    tracker = make_tracker("download my latest invoice", intent="download_invoice")
    await ActionDownloadInvoice(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert message(dispatcher)["response"] == "utter_invoice_download_link"
    assert message(dispatcher)["url"] == url
    assert backend.requests[-1].headers["Idempotency-Key"]


async def test_pay_the_only_open_invoice_gives_the_payment_page(backend, dispatcher):
    url = "http://127.0.0.1:8000/pay/tok"
    body = {"url": url, "amount_incl_vat": "42.35", "expires_at": None}
    backend.on("GET", f"{API}/invoices", [invoice(), invoice("F2026-000090", "paid")]).on(
        "POST", f"{API}/invoices/7/payment-links", json_response(201, body)
    )
    tracker = make_tracker("payer ma facture", intent="pay_invoice", slots={"language": "fr"})
    await ActionPayInvoice(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert message(dispatcher)["response"] == "utter_invoice_payment_link"
    assert message(dispatcher)["amount"] == "42,35\xa0€"
    assert message(dispatcher)["url"] == url


async def test_payment_link_key_is_stable_when_the_action_is_retried(backend, dispatcher):
    backend.on("GET", f"{API}/invoices", [invoice()]).on(
        "POST", f"{API}/invoices/7/payment-links", json_response(201, {"url": "u"})
    )
    tracker = make_tracker("pay my invoice", intent="pay_invoice")
    for _ in range(2):
        await ActionPayInvoice(backend.client()).run(dispatcher, tracker, DOMAIN)
    keys = [r.headers["Idempotency-Key"] for r in backend.requests if r.method == "POST"]
    assert len(keys) == 2 and keys[0] == keys[1]


async def test_several_open_invoices_offer_buttons(backend, dispatcher):
    backend.on("GET", f"{API}/invoices", [invoice(), invoice("F2026-000100", "overdue")])
    tracker = make_tracker("pay my invoice", intent="pay_invoice")
    await ActionPayInvoice(backend.client()).run(dispatcher, tracker, DOMAIN)
    buttons = message(dispatcher)["buttons"]
    assert [b["payload"] for b in buttons] == [
        '/pay_invoice{"invoice_number": "F2026-000123"}',
        '/pay_invoice{"invoice_number": "F2026-000100"}',
    ]
    assert "POST" not in [r.method for r in backend.requests]


async def test_already_paid_conflict_is_answered(backend, dispatcher):
    backend.on("GET", f"{API}/invoices", [invoice()]).on(
        "POST", f"{API}/invoices/7/payment-links", error(409, "invoice_already_paid")
    )
    tracker = make_tracker(
        "pay F2026-000123",
        intent="pay_invoice",
        entities=[entity("invoice_number", "F2026-000123")],
    )
    await ActionPayInvoice(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_invoice_already_paid"]


async def test_is_it_paid_answers_from_the_backend(backend, dispatcher):
    backend.on("GET", f"{API}/invoices", [invoice("F2026-000123", "paid", paid_at="2026-11-05")])
    tracker = make_tracker("is my invoice paid?", intent="ask_invoice_paid")
    await ActionCheckInvoicePaid(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert message(dispatcher)["response"] == "utter_invoice_is_paid"
    assert message(dispatcher)["paid_at"] == "5 November 2026"


async def test_open_invoice_is_not_paid_with_reference(backend, dispatcher):
    backend.on("GET", f"{API}/invoices", [invoice()])
    tracker = make_tracker("is mijn factuur betaald?", intent="ask_invoice_paid")
    await ActionCheckInvoicePaid(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert message(dispatcher)["response"] == "utter_invoice_is_open"
    assert message(dispatcher)["reference"] == "+++123/4567/89002+++"


async def test_backend_down_is_answered_politely(backend, dispatcher):
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    backend.on("GET", f"{API}/invoices", down)
    for action in (ActionShowInvoices, ActionPayInvoice, ActionCheckInvoicePaid):
        dispatcher.messages.clear()
        tracker = make_tracker("my invoices", intent="show_invoices")
        await action(backend.client()).run(dispatcher, tracker, DOMAIN)
        assert responses(dispatcher) == ["utter_backend_unavailable"]


async def test_forbidden_and_anonymous_are_answered(backend, dispatcher):
    backend.on("GET", f"{API}/invoices", error(403, "forbidden"))
    await ActionShowInvoices(backend.client()).run(
        dispatcher, make_tracker("my invoices", intent="show_invoices"), DOMAIN
    )
    assert responses(dispatcher) == ["utter_fleet_manager_required"]
    dispatcher.messages.clear()
    await ActionShowInvoices(backend.client()).run(
        dispatcher, make_tracker("my invoices", intent="show_invoices", channel=None), DOMAIN
    )
    assert responses(dispatcher) == ["utter_login_required"]


# --- direct debit -----------------------------------------------------------------------------


async def test_iban_and_holder_in_one_message_fill_both_slots(backend, dispatcher):
    text = "set up direct debit on BE71 0961 2345 6769 for Acme Logistics"
    tracker = make_tracker(
        text, intent="setup_direct_debit", entities=[entity("iban", "BE71 0961 2345 6769")]
    )
    events = await ValidateDirectDebitForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert SlotSet("direct_debit_iban", "BE71096123456769") in events
    assert SlotSet("direct_debit_holder", "Acme Logistics") in events
    assert backend.requests == []  # nothing asked of the backend before the summary


async def test_a_holder_written_like_an_email_stops_at_the_sign_off(backend, dispatcher):
    # The holder became ": Acme Logistics NV. Cordialement, Sofie Janssens".
    text = (
        "Bonjour, nous souhaiterions passer à la domiciliation. IBAN : BE62 5100 0754 7061, "
        "titulaire : Acme Logistics NV. Cordialement, Sofie Janssens"
    )
    tracker = make_tracker(text, intent="setup_direct_debit")
    events = await ValidateDirectDebitForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert SlotSet("direct_debit_iban", "BE62510007547061") in events
    assert SlotSet("direct_debit_holder", "Acme Logistics NV") in events


@pytest.mark.parametrize(
    "typed",
    [
        "direct debit please: BE46001399238336 (owner: Acme Logistics NV)",
        "domiciliëring op BE46 0013 9923 8336, rekeninghouder Acme Logistics NV",
        "la domiciliation sur BE46 0013 9923 8336 dont le titulaire est Acme Logistics NV",
        "Set up direct debit. IBAN: BE46 0013 9923 8336. Name on the account: Acme Logistics NV.",
        # "pour nos factures" before the IBAN is no holder; "du compte" is part of the label
        "Bonjour, nous voudrions passer à la domiciliation pour nos factures. IBAN BE46 0013 9923 "
        "8336, titulaire du compte : Acme Logistics NV.",
        "domiciliëring voor onze facturen op BE46 0013 9923 8336, houder van de rekening is Acme "
        "Logistics NV",
    ],
)
async def test_the_holder_named_after_the_iban_in_peoples_words(backend, dispatcher, typed):
    tracker = make_tracker(typed, intent="setup_direct_debit")
    events = await ValidateDirectDebitForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert SlotSet("direct_debit_holder", "Acme Logistics NV") in events


@pytest.mark.parametrize(
    "typed", ["it's Acme Logistics NV", "c'est au nom de Acme Logistics NV", "Acme Logistics NV."]
)
async def test_the_holder_answer_without_its_lead_in(backend, dispatcher, typed):
    asked = {"direct_debit_iban": "BE46001399238336", "requested_slot": "direct_debit_holder"}
    tracker = make_tracker(typed, intent="inform", slots=asked)
    events = await ValidateDirectDebitForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert SlotSet("direct_debit_holder", "Acme Logistics NV") in events


@pytest.mark.parametrize(
    "typed",
    [
        "Oups, je me suis trompée de compte : c'est le BE46 0013 9923 8336. Même titulaire.",
        "oei, verkeerde rekening. 't moet BE46 0013 9923 8336 zijn, zelfde naam",
        "sorry, wrong account, it's BE46 0013 9923 8336",
        "hold on, finance wants the other account: BE46 0013 9923 8336, same holder",
    ],
)
async def test_another_iban_at_the_summary_corrects_the_pending_mandate(backend, dispatcher, typed):
    summary = {"iban_masked": "BE62 **** **** 7061", "holder": "Acme Logistics NV"}
    pending = {"id": "op_dd", "type": "setup_direct_debit", "status": "pending", "summary": summary}
    backend.on("GET", "/api/v1/operations/op_dd", pending)
    backend.on("POST", "/api/v1/operations/op_dd/cancel", {**pending, "status": "cancelled"})
    slots = {"pending_operation_id": "op_dd", "pending_operation_type": "setup_direct_debit"}
    # The confirm action (where AnswerPolicy sends a correction naming an IBAN) re-opens the form
    tracker = make_tracker(
        typed, intent="nlu_fallback", entities=[entity("iban", "BE46 0013 9923 8336")], slots=slots
    )
    events = await ActionConfirmOperation(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert FollowupAction("direct_debit_form") in events
    assert "/api/v1/operations/op_dd/confirm" not in backend.paths()

    events = await ValidateDirectDebitForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert SlotSet("direct_debit_iban", "BE46001399238336") in events
    assert SlotSet("direct_debit_holder", "Acme Logistics NV") in events  # kept
    assert "/api/v1/operations/op_dd/cancel" in backend.paths()  # the old one never runs
    assert "utter_pending_operation_replaced" not in responses(dispatcher)


async def test_only_the_missing_holder_is_asked(backend, dispatcher):
    tracker = make_tracker(
        "domiciliation sur BE71 0961 2345 6769",
        intent="setup_direct_debit",
        entities=[entity("iban", "BE71 0961 2345 6769")],
    )
    events = await ValidateDirectDebitForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert SlotSet("direct_debit_iban", "BE71096123456769") in events
    assert not any(getattr(e, "get", dict().get)("name") == "direct_debit_holder" for e in events)


async def test_invalid_iban_is_re_asked_then_explained_after_two_failures(backend, dispatcher):
    slots = {"requested_slot": "direct_debit_iban"}
    tracker = make_tracker("BE71 0961 2345 6760", intent="inform", slots=slots)
    events = await ValidateDirectDebitForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_invalid_direct_debit_iban"]
    assert SlotSet("form_failed_attempts", 1.0) in events
    dispatcher.messages.clear()
    tracker = make_tracker(
        "BE00 1234", intent="inform", slots={**slots, "form_failed_attempts": 1.0}
    )
    await ValidateDirectDebitForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == [
        "utter_invalid_direct_debit_iban",
        "utter_explain_direct_debit_iban",
        "utter_form_stuck",
    ]


async def test_belgian_bank_is_recognised():
    assert iban_bank("BE71096123456769")["bank"] == "BELFIUS BANQUE"
    assert iban_bank("NL91ABNA0417164300") == {}


async def test_prepare_direct_debit_posts_operation_and_warns_about_current_invoice(
    backend, dispatcher
):
    summary = {
        "iban_masked": "BE71 **** **** 6769", "holder": "Acme Logistics",
        "bank_name": "Belfius", "active_from_invoice": "next",
        "current_open_invoice": {"number": "F2026-000123", "amount_incl_vat": "42.35",
                                 "structured_reference": "+++123/4567/89002+++"},
    }  # fmt: skip
    backend.on(
        "POST", f"{API}/operations", json_response(201, operation("setup_direct_debit", summary))
    )
    slots = {"direct_debit_iban": "BE71096123456769", "direct_debit_holder": "Acme Logistics"}
    tracker = make_tracker("Acme Logistics", intent="inform", slots={"language": "fr", **slots})
    events = await ActionPrepareDirectDebit(backend.client()).run(dispatcher, tracker, DOMAIN)
    body = json.loads(backend.requests[0].content)
    assert body == {
        "type": "setup_direct_debit",
        "line_id": None,
        "params": {"iban": "BE71096123456769", "holder": "Acme Logistics"},
    }
    assert responses(dispatcher) == [
        "utter_summary_setup_direct_debit",
        "utter_direct_debit_pay_current_by_transfer",
        "utter_ask_confirm_operation",
    ]
    assert message(dispatcher, 1)["amount"] == "42,35\xa0€"
    assert message(dispatcher, 1)["reference"] == "+++123/4567/89002+++"
    assert SlotSet("pending_operation_id", "op-1") in events


async def test_prepare_key_is_stable_on_retry(backend, dispatcher):
    backend.on("POST", f"{API}/operations", error(503, "unavailable"))
    slots = {"direct_debit_iban": "BE71096123456769", "direct_debit_holder": "Acme"}
    tracker = make_tracker("Acme", intent="inform", slots=slots)
    for _ in range(2):
        await ActionPrepareDirectDebit(backend.client()).run(dispatcher, tracker, DOMAIN)
    keys = {request.headers["Idempotency-Key"] for request in backend.requests}
    assert len(backend.requests) == 2 and len(keys) == 1
    assert "utter_backend_unavailable" in responses(dispatcher)


async def test_backend_422_iban_re_asks_only_the_iban(backend, dispatcher):
    refused = json_response(
        422, {"error": {"code": "iban_invalid", "message": "x", "field": "iban"}}
    )
    backend.on("POST", f"{API}/operations", refused)
    slots = {"direct_debit_iban": "BE71096123456769", "direct_debit_holder": "Acme"}
    tracker = make_tracker("Acme", intent="inform", slots=slots)
    events = await ActionPrepareDirectDebit(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_invalid_direct_debit_iban"]
    assert events == [SlotSet("direct_debit_iban", None), FollowupAction("direct_debit_form")]


async def test_confirm_direct_debit_says_it_starts_with_next_invoice(backend, dispatcher):
    done = operation("setup_direct_debit", {}, status="done", result={})
    backend.on("POST", f"{API}/operations/op-1/confirm", done)
    slots = {"pending_operation_id": "op-1", "pending_operation_type": "setup_direct_debit"}
    tracker = make_tracker("yes", intent="affirm", slots=slots)
    await ActionConfirmOperation(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_operation_done_setup_direct_debit"]
    assert backend.requests[0].headers["Idempotency-Key"] == "confirm:op-1"


async def test_stop_direct_debit_reads_the_mandate_back(backend, dispatcher):
    mandate = {"iban_masked": "BE71 **** **** 6769", "holder": "Acme Logistics"}
    backend.on(
        "GET", f"{API}/billing/settings", settings(payment_method="direct_debit", mandate=mandate)
    ).on("POST", f"{API}/operations", json_response(201, operation("stop_direct_debit", {})))
    tracker = make_tracker("stop de domiciliëring", intent="stop_direct_debit")
    await ActionPrepareStopDirectDebit(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == [
        "utter_summary_stop_direct_debit",
        "utter_ask_confirm_operation",
    ]
    assert message(dispatcher)["iban"] == "BE71 **** **** 6769"
    assert json.loads(backend.requests[-1].content)["type"] == "stop_direct_debit"


async def test_stop_without_mandate_prepares_nothing(backend, dispatcher):
    backend.on("GET", f"{API}/billing/settings", settings())
    tracker = make_tracker("stop the direct debit", intent="stop_direct_debit")
    await ActionPrepareStopDirectDebit(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_direct_debit_not_active"]
    assert backend.paths() == [f"{API}/billing/settings"]


# --- delivery method --------------------------------------------------------------------------


async def test_delivery_method_from_words_and_buttons(backend, dispatcher):
    for text, entities, expected in [
        ("je veux mes factures par la poste", [], "post"),
        ("stuur ze via e-mail", [], "email_sms"),
        ("/inform", [entity("delivery_method", "email_sms")], "email_sms"),
    ]:
        tracker = make_tracker(text, intent="change_delivery_method", entities=entities)
        events = await ValidateDeliveryMethodForm(backend.client()).run(dispatcher, tracker, DOMAIN)
        assert SlotSet("delivery_method", expected) in events


async def test_change_delivery_method_prepares_the_operation(backend, dispatcher):
    backend.on("GET", f"{API}/billing/settings", settings()).on(
        "POST",
        f"{API}/operations",
        json_response(201, operation("change_delivery_method", {"delivery_method": "post"})),
    )
    tracker = make_tracker("by post", intent="inform", slots={"delivery_method": "post"})
    events = await ActionPrepareDeliveryMethod(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert json.loads(backend.requests[-1].content)["params"] == {"delivery_method": "post"}
    assert responses(dispatcher) == [
        "utter_summary_change_delivery_method_post",
        "utter_ask_confirm_operation",
    ]
    assert SlotSet("pending_operation_type", "change_delivery_method") in events


async def test_same_delivery_method_changes_nothing(backend, dispatcher):
    backend.on("GET", f"{API}/billing/settings", settings(delivery_method="post"))
    tracker = make_tracker("by post", intent="inform", slots={"delivery_method": "post"})
    await ActionPrepareDeliveryMethod(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_delivery_method_already_post"]
    assert all(request.method == "GET" for request in backend.requests)


async def test_confirm_delivery_method_picks_the_variant(backend, dispatcher):
    done = operation(
        "change_delivery_method", {}, status="done", result={"delivery_method": "post"}
    )
    backend.on("POST", f"{API}/operations/op-1/confirm", done)
    slots = {"pending_operation_id": "op-1", "pending_operation_type": "change_delivery_method"}
    tracker = make_tracker("oui", intent="affirm", slots=slots)
    await ActionConfirmOperation(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_operation_done_change_delivery_method_post"]


# --- the invoice of a month ("ma facture d'octobre", "vorige maand", "October's invoice") ------

TODAY = date(2026, 12, 5)


def julies_invoices() -> list[dict[str, Any]]:
    """Newest first, like the backend; each one issued the month after the one it covers."""
    return [
        invoice("F2026-000106", id=106, period="2026-11", issue_date="2026-12-01"),
        invoice("F2026-000104", "paid", id=104, period="2026-10", issue_date="2026-11-01",
                paid_at="2026-11-20"),
        invoice("F2026-000102", "paid", id=102, period="2026-09", issue_date="2026-10-01",
                paid_at="2026-10-20"),
    ]  # fmt: skip


def today() -> date:
    return TODAY


@pytest.mark.parametrize(
    ("language", "text", "number", "period"),
    [
        ("fr", "est ce que ma facture d'octobre est bien payée ?", "F2026-000104", "octobre 2026"),
        ("nl", "is mijn factuur van oktober al betaald?", "F2026-000104", "oktober 2026"),
        ("en", "Is October's invoice paid?", "F2026-000104", "October 2026"),
        ("fr", "la facture de septembre est réglée ?", "F2026-000102", "septembre 2026"),
        ("nl", "is de factuur van vorige maand betaald?", "F2026-000106", "november 2026"),
        ("en", "was last month's invoice paid", "F2026-000106", "November 2026"),
    ],
)
async def test_is_it_paid_answers_about_the_month_named(
    backend, dispatcher, language, text, number, period
):
    # October's invoice is the one covering October (issued in November), not the latest one.
    backend.on("GET", f"{API}/invoices", julies_invoices())
    tracker = make_tracker(text, intent="ask_invoice_paid", slots={"language": language})
    await ActionCheckInvoicePaid(backend.client(), today=today).run(dispatcher, tracker, DOMAIN)
    assert message(dispatcher)["number"] == number
    assert message(dispatcher)["period"] == period


async def test_the_month_entity_is_used_too(backend, dispatcher):
    backend.on("GET", f"{API}/invoices", julies_invoices())
    tracker = make_tracker(
        "is the sept invoice paid?", intent="ask_invoice_paid", entities=[entity("period", "sept")]
    )
    await ActionCheckInvoicePaid(backend.client(), today=today).run(dispatcher, tracker, DOMAIN)
    assert message(dispatcher)["number"] == "F2026-000102"


@pytest.mark.parametrize(
    "text", ["ma facture de ce mois-ci est payée ?", "is de factuur van deze maand betaald?"]
)
async def test_this_months_invoice_is_the_one_issued_this_month(backend, dispatcher, text):
    backend.on("GET", f"{API}/invoices", julies_invoices())
    tracker = make_tracker(text, intent="ask_invoice_paid")
    await ActionCheckInvoicePaid(backend.client(), today=today).run(dispatcher, tracker, DOMAIN)
    assert message(dispatcher)["response"] == "utter_invoice_is_open"
    assert message(dispatcher)["number"] == "F2026-000106"


@pytest.mark.parametrize(
    ("language", "text", "period"),
    [
        ("fr", "la facture de juin est payée ?", "juin 2026"),
        ("nl", "is de factuur van juni betaald?", "juni 2026"),
        ("en", "is the June invoice paid?", "June 2026"),
    ],
)
async def test_a_month_without_invoice_is_said_so(backend, dispatcher, language, text, period):
    backend.on("GET", f"{API}/invoices", julies_invoices())
    tracker = make_tracker(text, intent="ask_invoice_paid", slots={"language": language})
    await ActionCheckInvoicePaid(backend.client(), today=today).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_invoice_not_found_for_month"]
    assert message(dispatcher)["period"] == period


async def test_an_invoice_number_wins_over_a_month(backend, dispatcher):
    backend.on("GET", f"{API}/invoices", julies_invoices())
    tracker = make_tracker("F2026-000106 (octobre) est payée ?", intent="ask_invoice_paid")
    await ActionCheckInvoicePaid(backend.client(), today=today).run(dispatcher, tracker, DOMAIN)
    assert message(dispatcher)["number"] == "F2026-000106"


@pytest.mark.parametrize(
    "text",
    [
        "explique-moi la facture de septembre",
        "leg de factuur van september eens uit",
        "walk me through the September invoice",
    ],
)
async def test_explain_the_invoice_of_the_month_named(backend, dispatcher, text):
    backend.on("GET", f"{API}/invoices", julies_invoices()).on(
        "GET", f"{API}/invoices/102", invoice("F2026-000102", "paid", id=102, period="2026-09")
    )
    tracker = make_tracker(text, intent="explain_invoice")
    await ActionExplainInvoice(backend.client(), today=today).run(dispatcher, tracker, DOMAIN)
    assert message(dispatcher)["number"] == "F2026-000102"


@pytest.mark.parametrize(
    "text",
    [
        "je voudrais le PDF de la facture d'octobre",
        "mag ik de pdf van de factuur van oktober?",
        "can I get October's invoice as a PDF",
    ],
)
async def test_download_the_invoice_of_the_month_named(backend, dispatcher, text):
    backend.on("GET", f"{API}/invoices", julies_invoices()).on(
        "POST", f"{API}/invoices/104/download-links", json_response(201, {"url": "u"})
    )
    tracker = make_tracker(text, intent="download_invoice")
    await ActionDownloadInvoice(backend.client(), today=today).run(dispatcher, tracker, DOMAIN)
    assert message(dispatcher)["number"] == "F2026-000104"


@pytest.mark.parametrize(
    ("language", "text", "period"),
    [
        ("fr", "je veux payer la facture de septembre", "septembre 2026"),
        ("nl", "ik wil de factuur van september betalen", "september 2026"),
        ("en", "pay the September invoice", "September 2026"),
    ],
)
async def test_paying_a_paid_month_says_it_is_paid_and_offers_the_open_one(
    backend, dispatcher, language, text, period
):
    # set27 fr-030: "ma part de la facture d'octobre" (paid) ended on "nothing to do" while
    # November's was due.
    backend.on("GET", f"{API}/invoices", julies_invoices())
    tracker = make_tracker(text, intent="pay_invoice", slots={"language": language})
    events = await ActionPayInvoice(backend.client(), today=today).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_invoice_already_paid", "utter_offer_pay_open_invoice"]
    assert dispatcher.messages[0]["number"] == "F2026-000102"
    assert dispatcher.messages[0]["period"] == period
    assert dispatcher.messages[1]["number"] == "F2026-000106"
    assert "POST" not in [r.method for r in backend.requests]
    assert backend.paths().count(f"{API}/invoices") == 1  # read once for both answers
    assert SlotSet("pending_operation_id", "start:action_pay_invoice") in events

    # "oui" pays the one offered: the confirmation runs this action again, on a plain yes.
    pending = {"language": language, "pending_operation_id": "start:action_pay_invoice",
               "pending_operation_type": "start"}  # fmt: skip
    yes = make_tracker("oui", intent="affirm", slots=pending)
    assert await ActionConfirmOperation(backend.client()).run(dispatcher, yes, DOMAIN) == [
        *[SlotSet(slot, None) for slot in ("pending_operation_id", "pending_operation_type")],
        FollowupAction("action_pay_invoice"),
    ]
    backend.on(
        "POST", f"{API}/invoices/106/payment-links", json_response(201, {"url": "http://p/106"})
    )
    await ActionPayInvoice(backend.client(), today=today).run(dispatcher, yes, DOMAIN)
    assert responses(dispatcher)[-1] == "utter_invoice_payment_link"
    assert dispatcher.messages[-1]["number"] == "F2026-000106"


@pytest.mark.parametrize(
    ("text", "redirected"),
    [
        # set27 fr-030: the change of mind at the offer was taken as a plain no
        ("non pardon, je voulais dire celle de novembre, celle d'octobre est déjà réglée", True),
        ("nee, die van november bedoelde ik", True),
        ("no, I meant F2026-000106", True),
        ("non merci, plus tard", False),
        ("nee laat maar", False),
    ],
)
async def test_a_no_to_the_offered_invoice_that_names_another_pays_that_one(
    backend, dispatcher, text, redirected
):
    pending = {"pending_operation_id": "start:action_pay_invoice",
               "pending_operation_type": "start"}  # fmt: skip
    tracker = make_tracker(text, intent="deny", slots=pending)
    events = await ActionCancelOperation(backend.client()).run(dispatcher, tracker, DOMAIN)
    cleared = [SlotSet(slot, None) for slot in ("pending_operation_id", "pending_operation_type")]
    assert events[:2] == cleared
    assert (FollowupAction("action_pay_invoice") in events) is redirected
    assert responses(dispatcher) == ([] if redirected else ["utter_start_declined"])


async def test_a_paid_invoice_offers_nothing_when_none_or_several_are_open(backend, dispatcher):
    backend.on("GET", f"{API}/invoices", [*julies_invoices(), invoice("F2026-000108", id=108)])
    tracker = make_tracker("pay the September invoice", intent="pay_invoice")
    events = await ActionPayInvoice(backend.client(), today=today).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_invoice_already_paid"]
    assert events == []


@pytest.mark.parametrize(
    "text",
    ["payer la facture du mois dernier", "de factuur van vorige maand betalen", "pay last month's"],
)
async def test_pay_the_invoice_of_the_month_named(backend, dispatcher, text):
    # Two open invoices: the month says which one, no buttons.
    overdue = invoice("F2026-000090", "overdue", id=90, period="2026-08", issue_date="2026-09-01")
    backend.on("GET", f"{API}/invoices", [*julies_invoices(), overdue]).on(
        "POST", f"{API}/invoices/106/payment-links", json_response(201, {"url": "u"})
    )
    tracker = make_tracker(text, intent="pay_invoice")
    await ActionPayInvoice(backend.client(), today=today).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_invoice_payment_link"]
    assert message(dispatcher)["number"] == "F2026-000106"


# --- every invoice, paid and unpaid ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Toon mij al onze facturen, betaald en onbetaald",
        "montrez-moi toutes nos factures, payées et impayées",
        "show me all our invoices, paid and unpaid",
        "les factures ouvertes et les payees aussi",
        "open invoices and the settled ones",
        "unpaid or not, all of them please",
        "openstaande en betaalde facturen, allemaal",
    ],
)
async def test_paid_and_unpaid_lists_every_invoice(backend, dispatcher, text):
    backend.on("GET", f"{API}/invoices", julies_invoices())
    tracker = make_tracker(text, intent="show_invoices")
    await ActionShowInvoices(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert message(dispatcher)["count"] == 3


@pytest.mark.parametrize(
    "text",
    [
        "nos factures non payées",
        "factures pas encore payées",
        "toutes mes factures impayées",
        "nog niet betaalde facturen",
        "alle openstaande facturen",
        "invoices not yet paid",
        "all unpaid invoices",
    ],
)
async def test_unpaid_alone_keeps_the_filter(backend, dispatcher, text):
    backend.on("GET", f"{API}/invoices", julies_invoices())
    tracker = make_tracker(text, intent="show_invoices")
    await ActionShowInvoices(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert message(dispatcher)["count"] == 1


# --- delivery method: the direction of the change --------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "On reçoit encore nos factures par la poste, c'est ridicule en 2026. "
        "Passez-nous à l'électronique svp.",
        "Please stop sending paper invoices to Noorderlaan, we'd like to get them electronically.",
        "plus de factures papier, on veut tout par mail",
        "je ne veux plus recevoir les factures par la poste",
        "factures dématérialisées / sans papier svp",
        "on aimerait passer au numérique pour les factures",
        "We krijgen onze facturen nog altijd per post, kan dat digitaal?",
        "geen papieren facturen meer aub",
        "kunnen we overschakelen naar elektronische facturen i.p.v. papier?",
        "graag voortaan zonder papier",
        "I don't want to receive invoices by post anymore",
        "can we go paperless? PDF by e-mail instead of the letter",
        "no more post, e-mail please",
        "we currently get them on paper, switch us to digital",
        # A negative question asks for the method: "can't we get them by e-mail?"
        "kunnen we de facturen niet gewoon per mail krijgen?",
        "on ne pourrait pas les recevoir par mail ?",
        "not by post but by e-mail",
    ],
)
async def test_leaving_paper_means_email(backend, dispatcher, text):
    tracker = make_tracker(text, intent="change_delivery_method")
    events = await ValidateDeliveryMethodForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert SlotSet("delivery_method", "email_sms") in events


@pytest.mark.parametrize(
    "text",
    [
        "arrêtez les mails avec les factures, on les veut en papier",
        "envoyez les factures par courrier plutôt que par e-mail",
        "stop de e-mails, we willen terug papieren facturen",
        "geen facturen per mail meer, liever per post",
        "stop e-mailing the invoices, we'd like paper again",
        "by post instead of e-mail please",
    ],
)
async def test_leaving_email_means_post(backend, dispatcher, text):
    tracker = make_tracker(text, intent="change_delivery_method")
    events = await ValidateDeliveryMethodForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert SlotSet("delivery_method", "post") in events


async def test_a_billing_address_is_not_read_as_by_post(backend, dispatcher):
    tracker = make_tracker("send them to post@acme.be", intent="change_delivery_method")
    events = await ValidateDeliveryMethodForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert SlotSet("delivery_method", "email_sms") in events


def me(email: str | None) -> dict[str, Any]:
    return {"id": 1, "first_name": "Sofie", "email": email, "role": "fleet_manager",
            "active_role": "fleet_manager"}  # fmt: skip


async def test_post_to_email_reads_back_the_address_it_goes_to(backend, dispatcher):
    # Acme gets paper today and has no billing e-mail: the backend sends to the caller's own.
    prepared = operation("change_delivery_method", {"delivery_method": "email_sms"})
    backend.on(
        "GET", f"{API}/billing/settings", settings(delivery_method="post", delivery_email=None)
    )
    backend.on("GET", f"{API}/me", me("sofie@acme.be"))
    backend.on("POST", f"{API}/operations", json_response(201, prepared))
    tracker = make_tracker(
        "electronically", intent="inform", slots={"delivery_method": "email_sms"}
    )
    await ActionPrepareDeliveryMethod(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == [
        "utter_summary_change_delivery_method_email_sms",
        "utter_ask_confirm_operation",
    ]
    assert message(dispatcher)["email"] == "sofie@acme.be"


async def test_the_billing_email_comes_first(backend, dispatcher):
    prepared = operation(
        "change_delivery_method",
        {"delivery_method": "email_sms", "delivery_email": "facturen@acme.be"},
    )
    backend.on("GET", f"{API}/billing/settings", settings(delivery_method="post"))
    backend.on("POST", f"{API}/operations", json_response(201, prepared))
    tracker = make_tracker("per mail", intent="inform", slots={"delivery_method": "email_sms"})
    await ActionPrepareDeliveryMethod(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert message(dispatcher)["email"] == "facturen@acme.be"
    assert f"{API}/me" not in backend.paths()


async def test_already_by_email_names_the_address(backend, dispatcher):
    backend.on("GET", f"{API}/billing/settings", settings())
    tracker = make_tracker("by e-mail", intent="inform", slots={"delivery_method": "email_sms"})
    await ActionPrepareDeliveryMethod(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_delivery_method_already_email_sms"]
    assert message(dispatcher)["email"] == "billing@acme.be"


async def test_done_by_email_names_the_address(backend, dispatcher):
    result = {"delivery_method": "email_sms", "delivery_email": "sofie@acme.be"}
    done = operation("change_delivery_method", {}, status="done", result=result)
    backend.on("POST", f"{API}/operations/op-1/confirm", done)
    slots = {"pending_operation_id": "op-1", "pending_operation_type": "change_delivery_method"}
    tracker = make_tracker("ja", intent="affirm", slots=slots)
    await ActionConfirmOperation(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_operation_done_change_delivery_method_email_sms"]
    assert message(dispatcher)["email"] == "sofie@acme.be"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Bonjour, la comptabilité voudrait que les factures de la société arrivent par mail et "
         "plus par courrier, vous pouvez changer ça ?", "fr"),
        ("kunnen de facturen van het bedrijf voortaan per mail komen?", "nl"),
        ("please send the company invoices by e-mail from now on", "en"),
    ],
)  # fmt: skip
async def test_an_end_user_asking_for_the_companys_delivery_is_sent_to_the_fleet_manager(
    backend, dispatcher, text, language
):
    # set20 fr-2041: her own part's delivery method was changed instead.
    backend.on("GET", "/api/v1/me", me_end_user())
    tracker = make_tracker(text, intent="change_delivery_method", slots={"language": language})

    events = await ValidateDeliveryMethodForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_company_delivery_fleet_manager"]
    assert SlotSet("delivery_method", "email_sms") not in events
    assert not [r for r in backend.requests if r.method == "POST"]


async def test_a_fleet_manager_asking_for_the_companys_delivery_gets_it(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    tracker = make_tracker(
        "please send the company invoices by e-mail from now on", intent="change_delivery_method"
    )

    events = await ValidateDeliveryMethodForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert SlotSet("delivery_method", "email_sms") in events
