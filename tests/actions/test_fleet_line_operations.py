"""Plan, options, barrings, deactivation: validators, prepare/confirm/cancel, failures, safety."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet

from actions.barring import ActionPrepareChangeBarrings, ValidateChangeBarringsForm
from actions.deactivation import ActionPrepareDeactivateLine, ValidateDeactivateLineForm
from actions.faq import ActionAnswerFaq
from actions.operation_forms import ActionAskTargetLineId
from actions.operations import ActionCancelOperation, ActionConfirmOperation
from actions.options import ActionAskOptionChanges, ValidateChangeOptionsForm
from actions.plans import ActionAskPlanCode, ActionPrepareChangePlan, ValidateChangePlanForm
from tests.actions.support import (
    FakeBackend,
    entity,
    error,
    json_response,
    line,
    make_tracker,
    me_end_user,
    me_fleet_manager,
    plain,
    responses,
)

DOMAIN: dict[str, Any] = {
    "forms": {
        "change_plan_form": {"required_slots": ["target_line_id", "plan_code"]},
        "change_options_form": {"required_slots": ["target_line_id", "option_changes"]},
        "change_barrings_form": {"required_slots": ["target_line_id", "barring_changes"]},
        "deactivate_line_form": {"required_slots": ["target_line_id", "keep_number"]},
    },
    "responses": {"utter_faq_termination_fee": [], "utter_faq_plan_prices": []},
}


def names(fr: str, nl: str, en: str) -> dict[str, str]:
    return {"fr": fr, "nl": nl, "en": en}


def plan(code: str, name: str, price: str) -> dict[str, Any]:
    return {"code": code, "name": name, "names": names(name, name, name), "monthly_price": price}


PLANS = [
    plan("pro_start", "Pro Start", "15.00"),
    plan("pro_smart", "Pro Smart", "25.00"),
    plan("pro_unlimited", "Pro Unlimited", "40.00"),
]
OPTIONS = [
    {"code": "data_boost_5gb", "name": "Databoost 5 GB", "monthly_price": "7.50",
     "names": names("Recharge data 5 Go", "Databoost 5 GB", "Data booster 5 GB")},
    {"code": "roam_world_1gb", "name": "Roamingpakket Wereld 1 GB", "monthly_price": "10.00",
     "names": names("Pack roaming Monde 1 Go", "Roamingpakket Wereld 1 GB",
                    "World roaming pack 1 GB")},
]  # fmt: skip
EUROPE_PLUS = {"code": "roam_eu_plus_10gb", "name": "Roaming Europa+ 10 GB",
               "monthly_price": "12.00",
               "names": names("Roaming Europe+ 10 Go", "Roaming Europa+ 10 GB",
                              "Europe+ roaming 10 GB")}  # fmt: skip
BARRABLE = [
    {"code": "premium_numbers", "name": "Betaalnummers",
     "names": names("Numéros surtaxés", "Betaalnummers", "Premium-rate numbers")},
    {"code": "roaming", "name": "Roaming", "names": names("Roaming", "Roaming", "Roaming abroad")},
]  # fmt: skip

LOTTE = line(4, "+32470000004", user_name="Lotte Maes", label="Lotte Maes",
             plan={"code": "pro_start", "name": "Pro Start", "monthly_price": "15.00"})  # fmt: skip
JAN = line(3, "+32470000003", user_name="Jan Peeters", label="Jan Peeters")
JAN_MAES = line(9, "+32470003456", user_name="Jan Maes", label="Jan Maes")
THOMAS = line(5, "+32470000005", user_name="Thomas Willems", label="Thomas Willems")


def fleet(backend: FakeBackend, *lines: dict[str, Any]) -> FakeBackend:
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("GET", "/api/v1/lines", list(lines) or [LOTTE, JAN, THOMAS])
    for item in lines or (LOTTE, JAN, THOMAS):
        backend.on("GET", f"/api/v1/lines/{item['id']}", item)
    backend.on("GET", "/api/v1/plans", PLANS)
    backend.on("GET", "/api/v1/options", OPTIONS)
    backend.on("GET", "/api/v1/barrable-services", BARRABLE)
    return backend


def operation(op_type: str, summary: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return {
        "id": "op_abc", "type": op_type, "status": "pending", "line_id": 4,
        "msisdn": "+32470000004", "summary": summary, "result": None,
        "expires_at": "2026-11-26T12:00:00Z", **overrides,
    }  # fmt: skip


def slots_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {event["name"]: event["value"] for event in events if event.get("event") == "slot"}


def body(request: httpx.Request) -> Any:
    return json.loads(request.content)


def posts(backend: FakeBackend) -> list[httpx.Request]:
    return [request for request in backend.requests if request.method == "POST"]


# --- change plan ------------------------------------------------------------------------------


async def test_plan_and_line_in_one_message_fill_both_slots(backend, dispatcher):
    fleet(backend)
    tracker = make_tracker(
        "switch Lotte's line to Pro Unlimited",
        intent="change_plan",
        entities=[entity("plan", "Pro Unlimited")],
    )

    events = await ValidateChangePlanForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events) == {
        "target_line_id": "4",
        "plan_code": "pro_unlimited",
        "form_failed_attempts": 0.0,
        # a new operation forgets any older summary, so "yes" cannot confirm that one
        "pending_operation_id": None,
        "pending_operation_type": None,
    }
    assert responses(dispatcher) == []


async def test_prepare_change_plan_posts_operation_and_reads_back_summary(backend, dispatcher):
    summary = {
        "current_plan": plan("pro_start", "Pro Start", "15.00"),
        "new_plan": plan("pro_unlimited", "Pro Unlimited", "40.00"),
        "monthly_difference": "25.00",
    }
    backend.on("POST", "/api/v1/operations", json_response(201, operation("change_plan", summary)))
    tracker = make_tracker(
        "Pro Unlimited",
        intent="inform",
        slots={"target_line_id": "4", "plan_code": "pro_unlimited"},
    )
    action = ActionPrepareChangePlan(backend.client())

    events = await action.run(dispatcher, tracker, DOMAIN)
    await action.run(dispatcher, tracker, DOMAIN)  # a retry of the same message

    first, retry = backend.requests
    assert body(first) == {
        "type": "change_plan",
        "line_id": 4,
        "params": {"plan_code": "pro_unlimited"},
    }
    assert first.headers["Idempotency-Key"]
    assert retry.headers["Idempotency-Key"] == first.headers["Idempotency-Key"]
    assert slots_of(events)["pending_operation_id"] == "op_abc"
    assert slots_of(events)["pending_operation_type"] == "change_plan"
    assert slots_of(events)["plan_code"] is None  # the form starts clean next time
    assert responses(dispatcher)[:2] == ["utter_summary_change_plan", "utter_ask_confirm_operation"]
    message = dispatcher.messages[0]
    assert message["msisdn"] == "0470 00 00 04"
    assert message["new_plan"] == "Pro Unlimited"
    assert plain(message["monthly_difference"]) == "+€25.00"


async def test_same_plan_as_now_is_refused_in_the_form(backend, dispatcher):
    fleet(backend)
    tracker = make_tracker(
        "Pro Start",
        intent="inform",
        entities=[entity("plan", "Pro Start")],
        slots={"target_line_id": "4", "requested_slot": "plan_code"},
    )

    events = await ValidateChangePlanForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["plan_code"] is None
    assert responses(dispatcher) == ["utter_plan_unchanged"]


async def test_backend_422_re_asks_the_plan(backend, dispatcher):
    backend.on("POST", "/api/v1/operations", error(422, "plan_unchanged"))
    tracker = make_tracker(
        "yes", intent="inform", slots={"target_line_id": "4", "plan_code": "pro_start"}
    )

    events = await ActionPrepareChangePlan(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_plan_unchanged_generic"]
    assert SlotSet("plan_code", None) in events
    assert FollowupAction("change_plan_form") in events
    assert "pending_operation_id" not in slots_of(events)


async def test_two_failed_answers_explain_and_offer_continue_cancel_agent(backend, dispatcher):
    fleet(backend)
    tracker = make_tracker(
        "the golden one",
        intent="inform",
        slots={"target_line_id": "4", "requested_slot": "plan_code", "form_failed_attempts": 1},
    )

    events = await ValidateChangePlanForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == [
        "utter_invalid_plan_code",
        "utter_explain_plan_code",
        "utter_form_stuck",
    ]
    assert slots_of(events) == {"form_failed_attempts": 0.0}


async def test_plan_buttons_show_the_other_plans_with_their_price(backend, dispatcher):
    fleet(backend)
    tracker = make_tracker("", intent="change_plan", slots={"target_line_id": "4"})

    await ActionAskPlanCode(backend.client()).run(dispatcher, tracker, DOMAIN)

    message = dispatcher.messages[0]
    assert message["response"] == "utter_ask_plan_code"
    assert [plain(button["title"]) for button in message["buttons"]] == [
        "Pro Smart · €25.00/month",
        "Pro Unlimited · €40.00/month",
    ]
    assert message["buttons"][1]["payload"] == '/inform{"plan": "pro_unlimited"}'


@pytest.mark.parametrize(
    ("language", "titles"),
    [
        ("fr", ["Pro Smart · 20 Go · appels et SMS illimités · 25,00 €/mois",
                "Pro Unlimited · data illimitées · appels et SMS illimités · 40,00 €/mois"]),
        ("nl", ["Pro Smart · 20 GB · onbeperkt bellen en sms'en · € 25,00/maand",
                "Pro Unlimited · onbeperkt data · onbeperkt bellen en sms'en · € 40,00/maand"]),
        ("en", ["Pro Smart · 20 GB · unlimited calls and texts · €25.00/month",
                "Pro Unlimited · unlimited data · unlimited calls and texts · €40.00/month"]),
    ],
)  # fmt: skip
async def test_plan_buttons_show_what_each_plan_includes(backend, dispatcher, language, titles):
    fleet(backend)
    allowances = {"pro_start": (5, 300, 300), "pro_smart": (20, None, None),
                  "pro_unlimited": (None, None, None)}  # fmt: skip
    catalogue = [
        {
            **item,
            **dict(zip(("data_gb", "voice_minutes", "sms"), allowances[item["code"]], strict=True)),
        }
        for item in PLANS
    ]
    backend.on("GET", "/api/v1/plans", catalogue)
    tracker = make_tracker(
        "", intent="change_plan", slots={"target_line_id": "4", "language": language}
    )

    await ActionAskPlanCode(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert [plain(b["title"]) for b in dispatcher.messages[0]["buttons"]] == titles


# --- options and barrings ---------------------------------------------------------------------


async def test_dutch_option_and_line_in_one_message(backend, dispatcher):
    fleet(backend)
    tracker = make_tracker(
        "zet de databoost 5 GB aan op de gsm van Lotte",
        intent="change_options",
        slots={"language": "nl"},
    )

    events = await ValidateChangeOptionsForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["target_line_id"] == "4"
    assert slots_of(events)["option_changes"] == {"add": ["data_boost_5gb"], "remove": []}


async def test_adding_an_active_option_is_explained(backend, dispatcher):
    lotte = {**LOTTE, "options": [OPTIONS[0]]}
    fleet(backend, lotte)
    tracker = make_tracker(
        "add the data booster",
        intent="inform",
        slots={"target_line_id": "4", "requested_slot": "option_changes"},
    )

    events = await ValidateChangeOptionsForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_option_changes_already_on"]
    assert "option_changes" not in slots_of(events)


async def test_option_buttons_toggle_by_current_state(backend, dispatcher):
    fleet(backend, {**LOTTE, "options": [OPTIONS[0]]})
    tracker = make_tracker("", intent="change_options", slots={"target_line_id": "4"})

    await ActionAskOptionChanges(backend.client()).run(dispatcher, tracker, DOMAIN)

    titles = [plain(button["title"]) for button in dispatcher.messages[0]["buttons"]]
    assert titles == ["Remove: Data booster 5 GB", "Add: World roaming pack 1 GB · €10.00/month"]


async def test_block_two_services_on_a_number_and_prepare(backend, dispatcher):
    fleet(backend, THOMAS)
    tracker = make_tracker(
        "block roaming and premium numbers on 0470 00 00 05",
        intent="change_barrings",
        entities=[entity("phone_number", "0470 00 00 05")],
    )

    events = await ValidateChangeBarringsForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    changes = slots_of(events)["barring_changes"]
    assert slots_of(events)["target_line_id"] == "5"
    assert sorted(changes["block"]) == ["premium_numbers", "roaming"]
    assert changes["unblock"] == []

    summary = {"current_barrings": [], "block": BARRABLE, "unblock": []}
    backend.on(
        "POST", "/api/v1/operations", json_response(201, operation("change_barrings", summary))
    )
    prepare_tracker = make_tracker(
        "", intent="change_barrings", slots={"target_line_id": "5", "barring_changes": changes}
    )
    await ActionPrepareChangeBarrings(backend.client()).run(dispatcher, prepare_tracker, DOMAIN)

    request = posts(backend)[-1]
    assert body(request)["type"] == "change_barrings"
    assert body(request)["line_id"] == 5
    assert sorted(body(request)["params"]["block"]) == ["premium_numbers", "roaming"]
    assert request.headers["Idempotency-Key"]
    summary_message = dispatcher.messages[-2]
    assert summary_message["turn_on"] == "Premium-rate numbers, Roaming abroad"
    assert summary_message["current"] == "none"


# --- deactivation -----------------------------------------------------------------------------


async def test_deactivation_reads_back_the_termination_fee(backend, dispatcher):
    summary = {
        "msisdn": "+32470000006", "user_name": "Nathalie Claes",
        "plan": {"code": "pro_start", "names": names(*["Pro Start"] * 3)},
        "termination_fee": "123.45", "commitment_end": "2027-03-31", "keep_number_note": True,
    }  # fmt: skip
    backend.on(
        "POST", "/api/v1/operations", json_response(201, operation("deactivate_line", summary))
    )
    tracker = make_tracker(
        "nee", intent="deny", slots={"target_line_id": "6", "keep_number": False, "language": "nl"}
    )

    events = await ActionPrepareDeactivateLine(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert body(backend.requests[0]) == {
        "type": "deactivate_line",
        "line_id": 6,
        "params": {"keep_number": False},
    }
    message = dispatcher.messages[0]
    assert message["response"] == "utter_summary_deactivate_line"
    assert plain(message["termination_fee"]) == "€ 123,45"
    assert message["commitment_end"] == "31 maart 2027"
    assert slots_of(events)["pending_operation_id"] == "op_abc"


async def test_keep_number_offers_a_prepaid_ticket_instead_of_deactivating(backend, dispatcher):
    fleet(backend, LOTTE)
    backend.on(
        "POST",
        "/api/v1/tickets",
        json_response(201, {"id": 7, "number": "T-2026-000007", "status": "open"}),
    )
    keep = make_tracker("yes", intent="affirm", slots={"target_line_id": "4", "keep_number": True})

    events = await ActionPrepareDeactivateLine(backend.client()).run(dispatcher, keep, DOMAIN)

    assert responses(dispatcher) == ["utter_keep_number_prepaid_offer"]
    assert posts(backend) == []  # nothing deactivated, nothing prepared
    pending = slots_of(events)
    confirm = make_tracker("yes", intent="affirm", slots=pending)
    await ActionConfirmOperation(backend.client()).run(dispatcher, confirm, DOMAIN)
    await ActionConfirmOperation(backend.client()).run(dispatcher, confirm, DOMAIN)  # retried

    first, retry = posts(backend)
    assert first.url.path == "/api/v1/tickets"
    assert body(first)["subject_code"] == "prepaid_conversion"
    assert body(first)["line_id"] == 4
    assert body(first)["contact_number"] == "+32470000001"
    assert retry.headers["Idempotency-Key"] == first.headers["Idempotency-Key"]
    assert responses(dispatcher)[-1] == "utter_prepaid_ticket_created"


async def test_keep_number_question_takes_yes_and_no(backend, dispatcher):
    fleet(backend, LOTTE)
    asked = {"target_line_id": "4", "requested_slot": "keep_number"}
    validator = ValidateDeactivateLineForm(backend.client())

    yes = await validator.run(dispatcher, make_tracker("ja", intent="affirm", slots=asked), DOMAIN)
    no = await validator.run(dispatcher, make_tracker("non", intent="deny", slots=asked), DOMAIN)

    assert slots_of(yes)["keep_number"] is True
    assert slots_of(no)["keep_number"] is False


async def test_keep_number_takes_a_worded_yes_whatever_the_intent(backend, dispatcher):
    # A long "yes" was read as deactivate_line and answered "reply yes or no"; "oui, on arrête"
    # as stop, which cancelled the form.
    fleet(backend, LOTTE)
    asked = {"target_line_id": "4", "requested_slot": "keep_number"}
    validator = ValidateDeactivateLineForm(backend.client())
    long_yes = make_tracker(
        "Oui, il tient à garder son numéro, c'est celui qu'il a depuis quinze ans",
        intent="deactivate_line",
        slots=asked,
    )
    stop_no = make_tracker("non, on arrête là pour le numéro", intent="stop", slots=asked)

    yes = await validator.run(dispatcher, long_yes, DOMAIN)
    no = await validator.run(dispatcher, stop_no, DOMAIN)

    assert slots_of(yes)["keep_number"] is True
    assert slots_of(no)["keep_number"] is False
    assert responses(dispatcher) == []


async def test_a_worded_yes_confirms_even_when_the_classifier_hesitates(backend, dispatcher):
    backend.on(
        "POST",
        "/api/v1/operations/op_abc/confirm",
        operation("change_plan", {"new_plan": PLANS[1]}, status="done"),
    )
    tracker = make_tracker("Oui, merci", intent="thank", slots=PENDING_PLAN)
    tracker.latest_message["intent"]["confidence"] = 0.45

    await ActionConfirmOperation(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert [r.url.path for r in posts(backend)] == ["/api/v1/operations/op_abc/confirm"]
    assert responses(dispatcher) == ["utter_operation_done_change_plan"]


# --- confirm / cancel / safety ----------------------------------------------------------------


async def test_confirm_without_an_answer_is_resent_with_the_same_key(backend, dispatcher):
    calls = {"n": 0}
    done = operation(
        "change_plan",
        {"new_plan": {"code": "pro_unlimited", "names": names(*["Pro Unlimited"] * 3)}},
        status="done",
        result={"plan": {"code": "pro_unlimited", "names": names(*["Pro Unlimited"] * 3)}},
    )

    def confirm(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:  # the backend may have committed, but the answer was lost
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return json_response(200, done)

    backend.on("POST", "/api/v1/operations/op_abc/confirm", confirm)
    tracker = make_tracker(
        "yes",
        intent="affirm",
        slots={"pending_operation_id": "op_abc", "pending_operation_type": "change_plan"},
    )

    events = await ActionConfirmOperation(backend.client()).run(dispatcher, tracker, DOMAIN)

    first, retry = backend.requests
    assert first.headers["Idempotency-Key"] == "confirm:op_abc"
    assert retry.headers["Idempotency-Key"] == "confirm:op_abc"
    assert responses(dispatcher) == ["utter_operation_done_change_plan"]
    assert dispatcher.messages[0]["plan"] == "Pro Unlimited"
    assert slots_of(events)["pending_operation_id"] is None


async def test_an_unsure_yes_asks_again_and_keeps_the_pending_operation(backend, dispatcher):
    tracker = make_tracker(
        "jjjjj kkkk",
        intent="affirm",
        slots={"pending_operation_id": "op_abc", "pending_operation_type": "change_plan"},
    )
    tracker.latest_message["intent"]["confidence"] = 0.5

    events = await ActionConfirmOperation(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert backend.requests == []
    assert responses(dispatcher) == ["utter_ask_confirm_operation"]
    assert events == []


async def test_typed_affirm_at_conversation_start_changes_nothing(backend, dispatcher):
    tracker = make_tracker("/affirm", intent="affirm")

    await ActionConfirmOperation(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert backend.requests == []
    assert responses(dispatcher) == ["utter_nothing_to_confirm"]


async def test_line_button_of_another_company_sets_nothing(backend, dispatcher):
    fleet(backend)  # line 999 is not routed: the backend answers 404 for it
    tracker = make_tracker(
        '/inform{"line_id":"999"}', intent="inform", entities=[entity("line_id", "999")]
    )

    events = await ValidateChangePlanForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert "target_line_id" not in slots_of(events)
    assert responses(dispatcher) == ["utter_line_reference_not_found"]
    assert posts(backend) == []


async def test_forged_pending_id_is_not_confirmed(backend, dispatcher):
    backend.on("POST", "/api/v1/operations/op_forged/confirm", error(404, "operation_not_found"))
    tracker = make_tracker(
        "yes",
        intent="affirm",
        slots={"pending_operation_id": "op_forged", "pending_operation_type": "x"},
    )

    await ActionConfirmOperation(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_nothing_to_confirm"]


async def test_expired_operation_is_explained(backend, dispatcher):
    backend.on("POST", "/api/v1/operations/op_abc/confirm", error(409, "operation_expired"))
    tracker = make_tracker("yes", intent="affirm", slots={"pending_operation_id": "op_abc"})

    await ActionConfirmOperation(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_operation_expired"]


async def test_cancel_drops_the_pending_operation(backend, dispatcher):
    backend.on(
        "POST", "/api/v1/operations/op_abc/cancel", operation("change_plan", {}, status="cancelled")
    )
    tracker = make_tracker("no", intent="deny", slots={"pending_operation_id": "op_abc"})

    events = await ActionCancelOperation(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert backend.paths() == ["/api/v1/operations/op_abc/cancel"]
    assert responses(dispatcher) == ["utter_operation_cancelled"]
    assert slots_of(events)["pending_operation_id"] is None


async def test_stop_without_pending_operation_sends_nothing(backend, dispatcher):
    tracker = make_tracker("stop", intent="stop")

    await ActionCancelOperation(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert backend.requests == []
    assert responses(dispatcher) == ["utter_form_cancelled"]


async def test_end_user_is_refused_politely_at_form_start(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_end_user())
    tracker = make_tracker("change the plan of 0470 00 00 05", intent="change_plan")

    events = await ValidateChangePlanForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_fleet_manager_required"]
    assert ActiveLoop(None) in events
    assert posts(backend) == []


async def test_backend_403_on_prepare_is_a_polite_refusal(backend, dispatcher):
    backend.on("POST", "/api/v1/operations", error(403, "fleet_manager_required"))
    tracker = make_tracker("", slots={"target_line_id": "4", "plan_code": "pro_smart"})

    events = await ActionPrepareChangePlan(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_fleet_manager_required"]
    assert slots_of(events)["pending_operation_id"] is None


async def test_unknown_number_is_not_found(backend, dispatcher):
    fleet(backend)
    backend.on("GET", "/api/v1/lines", [])
    tracker = make_tracker(
        "deactivate 0470 99 99 99",
        intent="deactivate_line",
        entities=[entity("phone_number", "0470 99 99 99")],
    )

    events = await ValidateDeactivateLineForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_line_reference_not_found"]
    assert dispatcher.messages[0]["reference"] == "0470 99 99 99"
    assert "target_line_id" not in slots_of(events)


async def test_ambiguous_name_offers_one_button_per_line(backend, dispatcher):
    fleet(backend, JAN, JAN_MAES, LOTTE)
    tracker = make_tracker("deactivate Jan's phone", intent="deactivate_line")

    events = await ValidateDeactivateLineForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_which_line"]
    payloads = [button["payload"] for button in dispatcher.messages[0]["buttons"]]
    assert payloads == ['/inform{"line_id": "3"}', '/inform{"line_id": "9"}']
    assert "target_line_id" not in slots_of(events)


async def test_last_digits_name_the_line(backend, dispatcher):
    fleet(backend, JAN, JAN_MAES, LOTTE)
    tracker = make_tracker("désactiver la ligne qui se termine par 3456", intent="deactivate_line")

    events = await ValidateDeactivateLineForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["target_line_id"] == "9"


async def test_backend_down_is_said_and_nothing_is_pending(backend, dispatcher):
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    backend.on("POST", "/api/v1/operations", down)
    tracker = make_tracker("", slots={"target_line_id": "4", "plan_code": "pro_smart"})

    events = await ActionPrepareChangePlan(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_backend_unavailable"]
    assert slots_of(events)["pending_operation_id"] is None


async def test_faq_interrupts_the_form_which_then_resumes(backend, dispatcher):
    fleet(backend)  # the form first tries the message as an answer to its question
    tracker = make_tracker(
        "what are termination fees?",
        intent="faq_termination_fee",
        slots={"target_line_id": "4", "requested_slot": "keep_number"},
    )

    events = await ValidateDeactivateLineForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    await ActionAnswerFaq(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert events == []  # the form is rejected, the FAQ rule answers, then the form resumes
    assert responses(dispatcher) == ["utter_faq_termination_fee"]
    assert posts(backend) == []


async def test_line_question_is_not_repeated_after_the_which_line_buttons(dispatcher):
    which = {
        "event": "bot",
        "text": "Several lines match.",
        "data": {"buttons": [{"title": "Jan", "payload": '/inform{"line_id": "3"}'}]},
    }
    tracker = make_tracker("deactivate Jan's phone", intent="deactivate_line")
    tracker.events.append(which)

    await ActionAskTargetLineId().run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == []

    await ActionAskTargetLineId().run(dispatcher, make_tracker("deactivate a line"), DOMAIN)
    assert responses(dispatcher) == ["utter_ask_target_line_id"]


# --- what is confirmed is what runs: corrections at a summary ---------------------------------

PENDING_PLAN = {"pending_operation_id": "op_abc", "pending_operation_type": "change_plan"}
UNLIMITED_FOR_LOTTE = {
    "current_plan": PLANS[0],
    "new_plan": PLANS[2],
    "monthly_difference": "25.00",
}


async def test_a_yes_that_names_another_plan_reopens_the_form_instead_of_confirming(
    backend, dispatcher
):
    tracker = make_tracker(
        "ok make it Smart instead", intent="affirm", slots=PENDING_PLAN, entities=[]
    )

    events = await ActionConfirmOperation(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert posts(backend) == []  # Unlimited, shown in the summary, is not executed
    assert events == [FollowupAction("change_plan_form")]


async def test_a_no_that_names_another_plan_reopens_the_form_instead_of_cancelling(
    backend, dispatcher
):
    tracker = make_tracker(
        "no wait, Pro Start",
        intent="deny",
        slots=PENDING_PLAN,
        entities=[entity("plan", "Pro Start")],
    )

    events = await ActionCancelOperation(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert posts(backend) == []
    assert events == [FollowupAction("change_plan_form")]


async def test_a_no_that_takes_back_an_option_by_name_reopens_the_form(backend, dispatcher):
    # The option's name followed by a comma was missed, and "no" cancelled everything.
    tracker = make_tracker(
        "Ah non, laissez tomber les minutes internationales, elle appellera via Teams.",
        intent="deny",
        slots={"pending_operation_id": "op_o", "pending_operation_type": "change_options"},
    )

    events = await ActionCancelOperation(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert posts(backend) == []
    assert events == [FollowupAction("change_options_form")]


async def test_the_reopened_plan_form_edits_the_pending_request_and_cancels_the_old_one(
    backend, dispatcher
):
    fleet(backend)
    backend.on("GET", "/api/v1/operations/op_abc", operation("change_plan", UNLIMITED_FOR_LOTTE))
    backend.on(
        "POST", "/api/v1/operations/op_abc/cancel", operation("change_plan", {}, status="cancelled")
    )
    tracker = make_tracker("ok make it Smart instead", intent="affirm", slots=PENDING_PLAN)

    events = await ValidateChangePlanForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    filled = slots_of(events)
    assert filled["target_line_id"] == "4" and filled["plan_code"] == "pro_smart"
    assert filled["pending_operation_id"] is None  # the next summary gets its own id
    assert [r.url.path for r in posts(backend)] == ["/api/v1/operations/op_abc/cancel"]
    assert responses(dispatcher) == []


@pytest.mark.parametrize(
    "text",
    [
        "oei sorry, ik bedoelde Thomas Willems, niet Lotte! Lotte blijft zoals ze is.",
        "ah pardon, je voulais dire Thomas, pas Lotte",
        "sorry, I meant Thomas Willems, not Lotte",
    ],
)
async def test_another_line_named_at_the_summary_moves_the_request_to_it(backend, dispatcher, text):
    fleet(backend)
    backend.on("GET", "/api/v1/operations/op_abc", operation("change_plan", UNLIMITED_FOR_LOTTE))
    backend.on(
        "POST", "/api/v1/operations/op_abc/cancel", operation("change_plan", {}, status="cancelled")
    )
    said = make_tracker(text, intent="nlu_fallback", slots=PENDING_PLAN)

    reopened = await ActionConfirmOperation(backend.client()).run(dispatcher, said, DOMAIN)
    assert FollowupAction("change_plan_form") in reopened

    lotte = {**PENDING_PLAN, "target_line_id": "4"}
    form = make_tracker(text, intent="nlu_fallback", slots=lotte)
    filled = slots_of(await ValidateChangePlanForm(backend.client()).run(dispatcher, form, DOMAIN))
    assert filled["target_line_id"] == "5"  # Thomas, with the plan of the pending request
    assert filled["plan_code"] == "pro_unlimited"
    assert "/api/v1/operations/op_abc/confirm" not in [r.url.path for r in posts(backend)]


async def test_a_barring_added_while_another_waits_keeps_both(backend, dispatcher):
    fleet(backend, THOMAS)
    pending = operation(
        "change_barrings",
        {"current_barrings": [], "block": [BARRABLE[1]], "unblock": []},
        line_id=5,
    )
    backend.on("GET", "/api/v1/operations/op_abc", pending)
    backend.on("POST", "/api/v1/operations/op_abc/cancel", {**pending, "status": "cancelled"})
    tracker = make_tracker(
        "and premium numbers too",
        intent="change_barrings",
        slots={"pending_operation_id": "op_abc", "pending_operation_type": "change_barrings"},
    )

    events = await ValidateChangeBarringsForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    changes = slots_of(events)["barring_changes"]
    assert sorted(changes["block"]) == ["premium_numbers", "roaming"]
    assert slots_of(events)["target_line_id"] == "5"


async def test_another_operation_started_at_a_summary_says_the_first_was_set_aside(
    backend, dispatcher
):
    fleet(backend)
    backend.on("GET", "/api/v1/operations/op_abc", operation("deactivate_line", {}))
    backend.on(
        "POST",
        "/api/v1/operations/op_abc/cancel",
        operation("deactivate_line", {}, status="cancelled"),
    )
    tracker = make_tracker(
        "switch Lotte's line to Pro Unlimited",
        intent="change_plan",
        entities=[entity("plan", "Pro Unlimited")],
        slots={"pending_operation_id": "op_abc", "pending_operation_type": "deactivate_line"},
    )

    events = await ValidateChangePlanForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_pending_operation_replaced"]
    assert [r.url.path for r in posts(backend)] == ["/api/v1/operations/op_abc/cancel"]
    assert slots_of(events)["plan_code"] == "pro_unlimited"


async def test_a_yes_with_details_at_a_summary_that_cannot_be_edited_runs_nothing(
    backend, dispatcher
):
    tracker = make_tracker(
        "yes but 0470 00 00 05",
        intent="affirm",
        entities=[entity("phone_number", "0470 00 00 05")],
        slots={"pending_operation_id": "op_abc", "pending_operation_type": "unblock_sim"},
    )

    events = await ActionConfirmOperation(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert backend.requests == []
    assert responses(dispatcher) == ["utter_correction_restart", "utter_ask_confirm_operation"]
    assert events == []


@pytest.mark.parametrize(
    "typed",
    [
        "attendez, je me suis trompé, corrigez svp",
        "wacht, dat is fout, verbeter dat",
        "oops, wrong one",
    ],
)
async def test_owning_a_mistake_at_a_summary_is_no_yes(backend, dispatcher, typed):
    """Even read as a confident "yes", a message that owns a mistake runs nothing."""
    tracker = make_tracker(
        typed,
        intent="affirm",
        slots={"pending_operation_id": "op_abc", "pending_operation_type": "unblock_sim"},
    )

    events = await ActionConfirmOperation(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert backend.requests == []
    assert responses(dispatcher) == ["utter_correction_restart", "utter_ask_confirm_operation"]
    assert events == []


async def test_from_one_plan_to_another_takes_the_plan_asked_for(backend, dispatcher):
    # "de Pro Start vers Pro Unlimited" took the first plan named, the current one, and
    # answered "the line already has this plan".
    fleet(backend)
    tracker = make_tracker(
        "pouvez-vous passer la ligne de Lotte de Pro Start vers Pro Unlimited ?",
        intent="change_plan",
        entities=[entity("plan", "Pro Start"), entity("plan", "Pro Unlimited")],
    )

    events = await ValidateChangePlanForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["plan_code"] == "pro_unlimited"
    assert responses(dispatcher) == []


async def test_a_plan_change_at_an_activation_summary_reopens_the_activation_form(
    backend, dispatcher
):
    tracker = make_tracker(
        "Apologies: could you make it Pro Unlimited instead?",
        intent="out_of_scope",
        entities=[entity("plan", "Pro Unlimited")],
        slots={"pending_operation_id": "op_abc", "pending_operation_type": "activate_line"},
    )

    backend.on("GET", "/api/v1/operations/op_abc", operation("activate_line", {}, line_id=None))

    events = await ActionConfirmOperation(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert posts(backend) == []
    assert events == [FollowupAction("activation_form")]


async def test_a_reopened_form_gets_the_pending_line_back(backend, dispatcher):
    # "nee wacht, doe direct Pro Unlimited" was answered "which line?": the form starts with
    # the pending operation's line, whatever happens to the take-over.
    backend.on("GET", "/api/v1/operations/op_abc", operation("change_plan", UNLIMITED_FOR_LOTTE))
    tracker = make_tracker(
        "nee wacht, doe direct Pro Unlimited",
        intent="deny",
        entities=[entity("plan", "Pro Unlimited")],
        slots=PENDING_PLAN,
    )

    events = await ActionCancelOperation(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert posts(backend) == []
    assert events == [SlotSet("target_line_id", "4"), FollowupAction("change_plan_form")]


async def test_an_unsure_deactivation_request_is_asked_back_before_any_question(
    backend, dispatcher
):
    fleet(backend)
    tracker = make_tracker("Lotte's phone, what about it", intent="deactivate_line")
    tracker.latest_message["intent"]["confidence"] = 0.55

    events = await ValidateDeactivateLineForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_ask_meant_deactivate_line_form"]
    filled = slots_of(events)
    assert filled["pending_operation_id"] == "start:deactivate_line_form"
    assert filled["target_line_id"] == "4"  # kept for the yes
    assert ActiveLoop(None) in events
    assert posts(backend) == []


async def test_yes_to_the_doubt_starts_the_deactivation_form_and_no_forgets_it(backend, dispatcher):
    asked = {
        "pending_operation_id": "start:deactivate_line_form",
        "pending_operation_type": "start",
    }

    yes = await ActionConfirmOperation(backend.client()).run(
        dispatcher, make_tracker("ja", intent="affirm", slots=asked), DOMAIN
    )
    no = await ActionCancelOperation(backend.client()).run(
        dispatcher, make_tracker("nee", intent="deny", slots=asked), DOMAIN
    )

    assert FollowupAction("deactivate_line_form") in yes
    assert slots_of(yes)["pending_operation_id"] is None
    assert slots_of(no)["pending_operation_id"] is None
    assert responses(dispatcher) == ["utter_start_declined"]
    assert backend.requests == []


async def test_a_confident_deactivation_request_starts_at_once(backend, dispatcher):
    fleet(backend)
    tracker = make_tracker("deactivate Lotte's line", intent="deactivate_line")

    events = await ValidateDeactivateLineForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["target_line_id"] == "4"
    assert "utter_ask_meant_deactivate_line_form" not in responses(dispatcher)


async def test_small_talk_that_answers_the_question_is_an_answer(backend, dispatcher):
    # "bon ben le bleu alors" was read as goodbye: the bot said goodbye and asked again.
    fleet(backend)
    tracker = make_tracker(
        "bon ben Pro Smart alors, au revoir",
        intent="goodbye",
        slots={"target_line_id": "4", "requested_slot": "plan_code"},
    )

    events = await ValidateChangePlanForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["plan_code"] == "pro_smart"
    assert responses(dispatcher) == []


async def test_stop_is_never_read_as_an_answer(backend, dispatcher):
    fleet(backend)
    tracker = make_tracker(
        "stop, forget Pro Smart",
        intent="stop",
        slots={"target_line_id": "4", "requested_slot": "plan_code"},
    )

    events = await ValidateChangePlanForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert events == []
    assert backend.requests == []


async def test_a_correction_that_withdraws_an_addition_keeps_the_rest(backend, dispatcher):
    # "Ah non, laissez tomber les minutes internationales… juste le roaming": the summary came
    # back unchanged and both options were added.
    fleet(backend, THOMAS)
    pending = operation(
        "change_options",
        {"current_options": [], "add": OPTIONS, "remove": []},
        line_id=5,
    )
    backend.on("GET", "/api/v1/operations/op_abc", pending)
    backend.on("POST", "/api/v1/operations/op_abc/cancel", {**pending, "status": "cancelled"})
    tracker = make_tracker(
        "ah non, retirez la recharge data finalement",
        intent="change_options",
        slots={"pending_operation_id": "op_abc", "pending_operation_type": "change_options"},
    )

    events = await ValidateChangeOptionsForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["option_changes"] == {"add": ["roam_world_1gb"], "remove": []}
    assert responses(dispatcher) == []


async def test_my_line_is_the_fleet_managers_own_line(backend, dispatcher):
    own = line(1, "+32470000001", user_name="Sofie Janssens", label="Sofie Janssens")
    fleet(backend, own, LOTTE)
    backend.on("GET", "/api/v1/me", {**me_fleet_manager(), "line_id": 1})
    tracker = make_tracker(
        "sur ma ligne vire le pack roaming monde",
        intent="change_options",
    )

    events = await ValidateChangeOptionsForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["target_line_id"] == "1"


async def test_0900_in_a_barring_request_is_a_service_not_a_line(backend, dispatcher):
    # "blokkeer de 0900-nummers" answered "0900 is not a valid Belgian mobile number".
    fleet(backend)
    tracker = make_tracker(
        "Lotte mag terug 0900-nummers bellen, maar blokkeer haar mobiele data",
        intent="change_barrings",
        entities=[entity("phone_number", "0900")],
    )

    events = await ValidateChangeBarringsForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert "utter_invalid_phone_number" not in responses(dispatcher)
    assert slots_of(events)["target_line_id"] == "4"


async def test_a_correction_read_as_a_question_still_edits_the_pending_request(backend, dispatcher):
    fleet(backend)
    backend.on("GET", "/api/v1/operations/op_abc", operation("change_plan", UNLIMITED_FOR_LOTTE))
    backend.on(
        "POST", "/api/v1/operations/op_abc/cancel", operation("change_plan", {}, status="cancelled")
    )
    tracker = make_tracker(
        "nee wacht, doe direct Pro Smart, ze zit vanaf januari veel in 't buitenland",
        intent="faq_plan_prices",
        slots={**PENDING_PLAN, "target_line_id": "4"},
    )

    events = await ValidateChangePlanForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    filled = slots_of(events)
    assert filled["plan_code"] == "pro_smart" and filled["target_line_id"] == "4"


async def test_an_addition_starting_with_and_keeps_the_removal_waiting(backend, dispatcher):
    # "toch" reads as "instead", but "ah en …" adds to what waits for "yes".
    lotte = {**LOTTE, "options": [{"code": "roam_eu_plus_10gb", "name": "Roaming Europe+"}]}
    fleet(backend, lotte)
    pending = operation(
        "change_options",
        {"current_options": [], "add": [], "remove": [{"code": "roam_eu_plus_10gb"}]},
    )
    backend.on("GET", "/api/v1/operations/op_abc", pending)
    backend.on("POST", "/api/v1/operations/op_abc/cancel", {**pending, "status": "cancelled"})
    tracker = make_tracker(
        "ah en zet er dan toch ne Databoost 5 GB op",
        intent="change_options",
        slots={"pending_operation_id": "op_abc", "pending_operation_type": "change_options"},
    )

    events = await ValidateChangeOptionsForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["option_changes"] == {
        "add": ["data_boost_5gb"],
        "remove": ["roam_eu_plus_10gb"],
    }


@pytest.mark.parametrize(
    "text",
    [
        "wacht, doe toch maar het wereldpakket in plaats van Europa+, ze moet naar Canada",
        "non, plutôt le pack monde au lieu du roaming Europe+",
        "actually, the world pack instead of the Europe+ roaming",
    ],
)
async def test_x_instead_of_y_at_the_summary_swaps_y_and_keeps_the_rest(backend, dispatcher, text):
    # "in plaats van Europa+" replaced the whole request and the multi-SIM removal was lost.
    lotte = {**LOTTE, "options": [{"code": "multisim", "name": "Multi-sim"}]}
    fleet(backend, lotte)
    backend.on("GET", "/api/v1/options", [*OPTIONS, EUROPE_PLUS])
    pending = operation(
        "change_options",
        {"current_options": [], "add": [EUROPE_PLUS], "remove": [{"code": "multisim"}]},
    )
    backend.on("GET", "/api/v1/operations/op_abc", pending)
    backend.on("POST", "/api/v1/operations/op_abc/cancel", {**pending, "status": "cancelled"})
    tracker = make_tracker(
        text,
        intent="change_options",
        slots={"pending_operation_id": "op_abc", "pending_operation_type": "change_options"},
    )

    events = await ValidateChangeOptionsForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["option_changes"] == {
        "add": ["roam_world_1gb"],
        "remove": ["multisim"],
    }


@pytest.mark.parametrize(
    "text",
    [
        # set21 fr-025 / set20 fr-2036: the refused option stayed, both were added
        "en fait non, pas la recharge data, mets plutôt le pack monde",
        "en fait pas la recharge data, juste le pack roaming monde",
        "nee wacht, niet de databoost, zet er liever het wereldpakket op",
        "actually not the data booster, put the world roaming pack instead",
    ],
)
async def test_not_x_at_the_summary_takes_x_back(backend, dispatcher, text):
    fleet(backend, LOTTE)
    pending = operation(
        "change_options",
        {"current_options": [], "add": [{"code": "data_boost_5gb"}], "remove": []},
    )
    if "juste" in text:
        pending["summary"]["add"].append({"code": "roam_world_1gb"})
    backend.on("GET", "/api/v1/operations/op_abc", pending)
    backend.on("POST", "/api/v1/operations/op_abc/cancel", {**pending, "status": "cancelled"})
    tracker = make_tracker(
        text,
        intent="change_options",
        slots={"pending_operation_id": "op_abc", "pending_operation_type": "change_options"},
    )

    events = await ValidateChangeOptionsForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["option_changes"] == {"add": ["roam_world_1gb"], "remove": []}


# --- barrings: both directions in one message, the premium service's names ---------------------

INTERNATIONAL = {"code": "international_calls", "name": "Internationale oproepen",
                 "names": names("Appels internationaux", "Internationale oproepen",
                                "International calls")}  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "Thomas Willems moet vanaf nu naar het buitenland kunnen bellen (nieuwe klanten in "
        "Frankrijk). Tegelijk moogt ge de betaalnummers bij hem blokkeren.",
        "Thomas Willems doit pouvoir appeler l'étranger dès lundi. Et bloquez-lui les numéros "
        "surtaxés.",
        "Thomas Willems must be able to call abroad from now on (new customers in France). "
        "Also block premium-rate numbers for him.",
    ],
)
async def test_a_service_that_must_work_again_is_unbarred_beside_another_barred(
    backend, dispatcher, text
):
    # "already blocked: international calls", and only the premium numbers were blocked.
    fleet(backend, {**THOMAS, "barrings": [INTERNATIONAL]})
    backend.on("GET", "/api/v1/barrable-services", [*BARRABLE, INTERNATIONAL])
    tracker = make_tracker(text, intent="change_barrings")

    events = await ValidateChangeBarringsForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["barring_changes"] == {
        "block": ["premium_numbers"],
        "unblock": ["international_calls"],
    }
    assert responses(dispatcher) == []


@pytest.mark.parametrize(
    "text",
    [
        "Please block roaming and premium-rate numbers on Thomas Willems' line",
        "bloquez le roaming et les numéros payants sur la ligne de Thomas Willems",
        "blokkeer roaming en de 0900-nummers op de lijn van Thomas Willems",
        "blokkeer roaming en premium sms bij Thomas Willems",
    ],
)
async def test_every_name_of_the_premium_numbers_is_barred_with_the_rest(backend, dispatcher, text):
    fleet(backend, THOMAS)
    tracker = make_tracker(text, intent="change_barrings")

    events = await ValidateChangeBarringsForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    changes = slots_of(events)["barring_changes"]
    assert sorted(changes["block"]) == ["premium_numbers", "roaming"]


@pytest.mark.parametrize(
    ("text", "blocked"),
    [
        ("Thomas Willems mag niet meer kunnen bellen naar het buitenland", True),
        ("Thomas Willems ne doit plus pouvoir appeler l'étranger", True),
        ("Thomas Willems should no longer be able to call abroad", True),
        ("please lift the block on international calls for Thomas Willems", False),
        ("levez le blocage des appels internationaux de Thomas Willems", False),
        ("hef de blokkering van internationaal bellen op voor Thomas Willems", False),
    ],
)
async def test_a_denied_ability_bars_and_a_lifted_block_unbars(backend, dispatcher, text, blocked):
    barred = [INTERNATIONAL] if not blocked else []
    fleet(backend, {**THOMAS, "barrings": barred})
    backend.on("GET", "/api/v1/barrable-services", [*BARRABLE, INTERNATIONAL])
    tracker = make_tracker(text, intent="change_barrings")

    events = await ValidateChangeBarringsForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    key, other = ("block", "unblock") if blocked else ("unblock", "block")
    changes = slots_of(events)["barring_changes"]
    assert changes[key] == ["international_calls"] and changes[other] == []


# --- deactivation: a correction at its summary moves it to the line meant -------------------------

ROUTER = line(6, "+32470000006", user_name=None, label="Router")
PENDING_DEACTIVATION = {
    "pending_operation_id": "op_abc",
    "pending_operation_type": "deactivate_line",
}
MOVE_DEACTIVATION = [
    ("wait, sorry, wrong one - the router stays. It's Thomas Willems' line that has to go. "
     "Same thing, no number to keep.", "deny"),
    ("wacht, sorry, verkeerde: de router blijft. Het is de lijn van Thomas Willems die weg moet. "
     "Zelfde verhaal, geen nummer te behouden.", "affirm"),
    ("pardon, je me suis trompé : le routeur reste. C'est la ligne de Thomas Willems qui doit "
     "partir. Pareil, pas de numéro à garder.", "deactivate_line"),
]  # fmt: skip


def pending_deactivation(backend: FakeBackend) -> None:
    fleet(backend, ROUTER, THOMAS, LOTTE)
    waiting = operation("deactivate_line", {"termination_fee": "0.00"}, line_id=6)
    backend.on("GET", "/api/v1/operations/op_abc", waiting)
    backend.on("POST", "/api/v1/operations/op_abc/cancel", {**waiting, "status": "cancelled"})


# A yes or a no that names another line comes here; a deactivate_line intent opens the form.
@pytest.mark.parametrize(("text", "intent"), MOVE_DEACTIVATION[:2])
async def test_another_line_named_at_the_deactivation_summary_reopens_the_form(
    backend, dispatcher, text, intent
):
    # "I haven't done anything yet… answer no", then "yes terminate it" deactivated the router.
    pending_deactivation(backend)
    said = make_tracker(text, intent=intent, slots=PENDING_DEACTIVATION)
    action = ActionCancelOperation if intent == "deny" else ActionConfirmOperation

    events = await action(backend.client()).run(dispatcher, said, DOMAIN)

    assert events == [SlotSet("target_line_id", "6"), FollowupAction("deactivate_line_form")]
    assert posts(backend) == []
    assert responses(dispatcher) == []


@pytest.mark.parametrize(("text", "intent"), MOVE_DEACTIVATION)
async def test_the_reopened_deactivation_reads_back_the_new_lines_summary(
    backend, dispatcher, text, intent
):
    pending_deactivation(backend)
    form = make_tracker(text, intent=intent, slots={**PENDING_DEACTIVATION, "target_line_id": "6"})
    form.latest_message["intent"]["confidence"] = 0.4  # no "do you really want…?" at a summary

    events = await ValidateDeactivateLineForm(backend.client()).run(dispatcher, form, DOMAIN)

    filled = slots_of(events)
    assert filled["target_line_id"] == "5" and filled["keep_number"] is False
    assert filled["pending_operation_id"] is None
    assert [r.url.path for r in posts(backend)] == ["/api/v1/operations/op_abc/cancel"]
    assert responses(dispatcher) == []

    summary = {"msisdn": "+32470000005", "user_name": "Thomas Willems",
               "termination_fee": "84.00", "commitment_end": "2027-06-30"}  # fmt: skip
    backend.on(
        "POST",
        "/api/v1/operations",
        json_response(201, operation("deactivate_line", summary, id="op_new", line_id=5)),
    )
    prepare = make_tracker("", intent=intent, slots={"target_line_id": "5", "keep_number": False})
    pending = slots_of(
        await ActionPrepareDeactivateLine(backend.client()).run(dispatcher, prepare, DOMAIN)
    )

    assert body(posts(backend)[-1])["line_id"] == 5
    assert responses(dispatcher) == ["utter_summary_deactivate_line", "utter_ask_confirm_operation"]
    assert plain(dispatcher.messages[0]["termination_fee"]) == "€84.00"
    assert pending["pending_operation_id"] == "op_new"
