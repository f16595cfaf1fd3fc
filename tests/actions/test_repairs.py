"""Repairs: own line for an end user, IMEI checks with where to find it, pickup, operation."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from actions.operations import ActionConfirmOperation
from actions.repairs import (
    ActionPrepareRepair,
    ActionShowRepairs,
    ValidateRepairForm,
    pickup_in,
    required_repair_slots,
)
from actions.validators import InvalidValue
from tests.actions.support import (
    FakeBackend,
    entity,
    error,
    json_response,
    line,
    make_tracker,
    me_end_user,
    me_fleet_manager,
    responses,
)
from validation import check_imei

DOMAIN: dict[str, Any] = {
    "forms": {
        "repair_form": {
            "required_slots": [
                "target_line_id", "repair_imei", "repair_problem", "repair_pickup",
                "repair_address",
            ]
        }
    }
}  # fmt: skip
IMEI = "490154203237518"  # valid Luhn
FILLED = {"target_line_id": "12", "repair_imei": IMEI, "repair_problem": "cracked screen",
          "repair_pickup": "workplace"}  # fmt: skip


def slots_of(events: list[Any]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def operation(**overrides: Any) -> dict[str, Any]:
    return {
        "id": "op-r1", "type": "request_repair", "status": "pending", "line_id": 12,
        "msisdn": "+32470123456",
        "summary": {"msisdn": "+32470123456", "imei_masked": "•••••••••••7518",
                    "problem": "cracked screen", "pickup": "workplace"},
        **overrides,
    }  # fmt: skip


def test_imei_checks_length_digits_and_luhn():
    assert check_imei("49 015420 323751 8") == IMEI
    with pytest.raises(InvalidValue) as short:
        check_imei("49015420323751")
    assert short.value.code == "imei_invalid_length" and short.value.details["length"] == 14
    with pytest.raises(InvalidValue) as digit:
        check_imei("490154203237519")
    assert digit.value.code == "imei_check_digit"
    with pytest.raises(InvalidValue) as letters:
        check_imei("49015420323751A")
    assert letters.value.code == "imei_not_numeric"


def test_pickup_words_and_address_only_for_another_address():
    assert pickup_in("au travail") == "workplace"
    assert pickup_in("op het werk") == "workplace"
    assert pickup_in("un coursier svp") == "workplace"  # the courier comes to the company
    assert pickup_in("bij het bedrijf ophalen") == "workplace"
    assert pickup_in("at another address") == "other_address"
    assert pickup_in("bof") is None
    assert pickup_in("ik breng hem zelf binnen") == "drop_off"
    assert pickup_in("I'll drop it off myself") == "drop_off"
    assert pickup_in("je le dépose en magasin") == "drop_off"
    assert pickup_in("au magasin") == "drop_off"
    assert "repair_address" not in required_repair_slots({"repair_pickup": "workplace"})
    assert required_repair_slots({"repair_pickup": "other_address"})[-1] == "repair_address"


async def test_end_user_repair_is_for_their_own_line_and_imei_taken_at_once(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_end_user())
    backend.on("GET", "/api/v1/lines", [line()])
    tracker = make_tracker(f"my phone is broken, IMEI {IMEI}", intent="request_repair")
    events = await ValidateRepairForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    values = slots_of(events)
    assert values["target_line_id"] == "12"
    assert values["repair_imei"] == IMEI
    assert values["requested_slot"] == "repair_problem"


@pytest.mark.parametrize(
    ("typed", "described"),
    [
        (f"Le haut-parleur de Jan ne marche plus, personne ne l'entend. IMEI {IMEI}", True),
        (f"De gsm van Jan valt steeds uit, moet binnen voor herstelling. IMEI {IMEI}", True),
        (f"Jan's phone speaker doesn't work anymore, nobody can hear him. IMEI {IMEI}", True),
        (f"une réparation pour le GSM de Jan svp, IMEI {IMEI}", False),
        (f"Jan zijn gsm is kapot, IMEI {IMEI}", False),  # says nothing a technician can use
    ],
)
async def test_an_opening_that_names_the_symptom_is_the_problem(
    backend, dispatcher, typed, described
):
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("GET", "/api/v1/lines", [line()])
    tracker = make_tracker(typed, intent="request_repair")

    events = await ValidateRepairForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    values = slots_of(events)
    assert values.get("repair_problem") == (typed if described else None)
    assert values["requested_slot"] == ("repair_pickup" if described else "repair_problem")


@pytest.mark.parametrize(
    ("typed", "response"),
    [
        ("4901542032375", "utter_invalid_imei_invalid_length"),
        ("490154203237519", "utter_invalid_imei_check_digit"),
        ("no idea", "utter_invalid_imei_not_numeric"),
    ],
)
async def test_wrong_imei_is_re_asked_saying_why(backend, dispatcher, typed, response):
    backend.on("GET", "/api/v1/me", me_end_user())
    backend.on("GET", "/api/v1/lines/12", line())
    asked = {"requested_slot": "repair_imei", "target_line_id": "12"}
    tracker = make_tracker(typed, intent="inform", slots=asked)
    events = await ValidateRepairForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == [response]
    assert slots_of(events)["requested_slot"] == "repair_imei"


async def test_other_address_asks_the_address(backend, dispatcher):
    backend.on("GET", "/api/v1/lines/12", line())
    asked = {**FILLED, "repair_pickup": None, "requested_slot": "repair_pickup"}
    tracker = make_tracker(
        '/inform{"repair_pickup": "other_address"}',
        intent="inform",
        entities=[entity("repair_pickup", "other_address")],
        slots=asked,
    )
    events = await ValidateRepairForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert slots_of(events)["requested_slot"] == "repair_address"
    address = {**FILLED, "repair_pickup": "other_address", "requested_slot": "repair_address"}
    tracker = make_tracker("Kerkstraat 12, 9000 Gent", intent="inform", slots=address)
    events = await ValidateRepairForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert slots_of(events)["repair_address"] == {
        "street": "Kerkstraat 12", "postal_code": "9000", "city": "Gent"
    }  # fmt: skip


async def test_prepare_sends_the_operation_and_confirm_gives_the_repair_number(backend, dispatcher):
    posted: list[httpx.Request] = []

    def prepare(request: httpx.Request) -> httpx.Response:
        posted.append(request)
        return json_response(201, operation())

    backend.on("POST", "/api/v1/operations", prepare)
    tracker = make_tracker("workplace", intent="inform", slots=FILLED)
    events = await ActionPrepareRepair(backend.client()).run(dispatcher, tracker, DOMAIN)
    await ActionPrepareRepair(backend.client()).run(dispatcher, tracker, DOMAIN)  # retried
    assert json.loads(posted[0].content) == {
        "type": "request_repair",
        "line_id": 12,
        "params": {"imei": IMEI, "problem": "cracked screen", "pickup": "workplace"},
    }
    assert posted[0].headers["Idempotency-Key"] == posted[1].headers["Idempotency-Key"]
    assert responses(dispatcher)[:2] == [
        "utter_summary_request_repair_workplace",
        "utter_ask_confirm_operation",
    ]
    assert dispatcher.messages[0]["imei"].endswith("7518")
    assert slots_of(events)["pending_operation_id"] == "op-r1"

    done = operation(status="done", result={"repair_id": 3, "number": "R2026-000003"})
    backend.on("POST", "/api/v1/operations/op-r1/confirm", json_response(200, done))
    yes = make_tracker("yes", intent="affirm", slots={"pending_operation_id": "op-r1"})
    await ActionConfirmOperation(backend.client()).run(dispatcher, yes, DOMAIN)
    assert dispatcher.messages[-1]["response"] == "utter_operation_done_request_repair"
    assert dispatcher.messages[-1]["number"] == "R2026-000003"


@pytest.mark.parametrize(
    ("language", "typed", "intent"),
    [
        ("fr", "attendez, je me suis trompé de boîte, le bon IMEI c'est 35391805-123456-1. "
               "Corrigez svp.", "affirm"),
        ("nl", "wacht, verkeerd toestel: het juiste IMEI is 353918 05 123456 1", "request_repair"),
        ("en", "hold on, wrong box, the right IMEI is 353918051234561 — please fix that",
               "inform"),
    ],
)  # fmt: skip
async def test_a_corrected_imei_at_the_repair_summary_reopens_the_form_and_never_confirms(
    backend, dispatcher, language, typed, intent
):
    """The summary keeps the form's slots: the correction changes the IMEI only, then a new
    summary is read back; nothing is confirmed on the way."""
    backend.on("POST", "/api/v1/operations", json_response(201, operation()))
    filled = make_tracker("x", intent="inform", slots=FILLED)
    events = await ActionPrepareRepair(backend.client()).run(dispatcher, filled, DOMAIN)
    assert "repair_imei" not in slots_of(events)  # kept while the summary waits
    waiting = {**FILLED, "language": language, "pending_operation_id": "op-r1",
               "pending_operation_type": "request_repair"}  # fmt: skip
    tracker = make_tracker(typed, intent=intent, slots=waiting)
    events = await ActionConfirmOperation(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert [e["name"] for e in events if e["event"] == "followup"] == ["repair_form"]
    assert not [p for p in backend.paths() if p.endswith("/confirm")]

    backend.on("GET", "/api/v1/operations/op-r1", json_response(200, operation()))
    backend.on(
        "POST", "/api/v1/operations/op-r1/cancel", json_response(200, operation(status="cancelled"))
    )
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("GET", "/api/v1/lines/12", line())
    backend.on("GET", "/api/v1/lines", [line()])
    reopened = make_tracker(typed, intent=intent, slots={**waiting, "requested_slot": None})
    events = await ValidateRepairForm(backend.client()).run(dispatcher, reopened, DOMAIN)
    values = slots_of(events)
    assert values["repair_imei"] == "353918051234561"
    assert values.get("repair_problem", "cracked screen") == "cracked screen"
    assert values["requested_slot"] is None  # complete: the new summary is prepared next


async def test_backend_refusing_the_imei_and_backend_down(backend, dispatcher):
    backend.on("POST", "/api/v1/operations", error(422, "imei_check_digit"))
    tracker = make_tracker("x", intent="inform", slots=FILLED)
    await ActionPrepareRepair(backend.client()).run(dispatcher, tracker, DOMAIN)
    backend.on("POST", "/api/v1/operations", error(503, "down"))
    await ActionPrepareRepair(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_invalid_imei_check_digit", "utter_backend_unavailable"]


async def test_fleet_manager_repair_on_another_companys_line_is_not_found(backend, dispatcher):
    backend.on("POST", "/api/v1/operations", error(404, "line_not_found"))
    tracker = make_tracker("x", intent="inform", slots={**FILLED, "target_line_id": "99"})
    await ActionPrepareRepair(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_operation_line_not_found"]


async def test_repair_status(backend: FakeBackend, dispatcher):
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on(
        "GET",
        "/api/v1/repairs",
        [{"id": 3, "number": "R2026-000003", "status": "in_repair", "imei_masked": "…7518",
          "problem": "screen", "pickup": "workplace", "created_at": "2026-11-20T09:00:00Z",
          "msisdn": "+32470123456"}],
    )  # fmt: skip
    await ActionShowRepairs(backend.client()).run(
        dispatcher, make_tracker("where is my repair", intent="ask_repair_status"), DOMAIN
    )
    await ActionShowRepairs(backend.client()).run(
        dispatcher, make_tracker("status of R2026-000009", intent="ask_repair_status"), DOMAIN
    )
    assert responses(dispatcher) == ["utter_repair_status_in_repair", "utter_repair_not_found"]
    assert dispatcher.messages[0]["msisdn"] == "0470 12 34 56"


async def test_pickup_answer_taken_for_small_talk_is_still_an_answer(backend, dispatcher):
    backend.on("GET", "/api/v1/lines/12", line())
    asked = {**FILLED, "repair_pickup": None, "requested_slot": "repair_pickup"}
    tracker = make_tracker("au travail", intent="goodbye", slots=asked)
    events = await ValidateRepairForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert slots_of(events)["repair_pickup"] == "workplace"
    # a real goodbye, or stop, still interrupts the form
    bye = make_tracker("salut", intent="goodbye", slots=asked)
    assert await ValidateRepairForm(backend.client()).run(dispatcher, bye, DOMAIN) == []
    stop = make_tracker("au travail, non stop", intent="stop", slots=asked)
    assert await ValidateRepairForm(backend.client()).run(dispatcher, stop, DOMAIN) == []


async def test_a_problem_read_as_stop_is_still_the_problem(backend, dispatcher):
    backend.on("GET", "/api/v1/lines/12", line())
    asked = {**FILLED, "repair_problem": None, "requested_slot": "repair_problem"}
    said = make_tracker("valt constant uit, herstart vanzelf", intent="stop", slots=asked)
    events = await ValidateRepairForm(backend.client()).run(dispatcher, said, DOMAIN)
    assert slots_of(events)["repair_problem"] == "valt constant uit, herstart vanzelf"
    # saying only "stop" still stops
    stop = make_tracker("laat maar", intent="stop", slots=asked)
    assert await ValidateRepairForm(backend.client()).run(dispatcher, stop, DOMAIN) == []


async def test_a_drop_off_said_at_the_opening_is_no_courier(backend, dispatcher):
    # "Je peux le déposer moi-même, pas besoin de coursier": the form insisted on a pickup.
    backend.on("GET", "/api/v1/me", me_end_user())
    backend.on("GET", "/api/v1/lines", [line()])
    opening = "le GSM ne charge plus, IMEI 490154203237518. Je peux le déposer moi-même"
    events = await ValidateRepairForm(backend.client()).run(
        dispatcher, make_tracker(opening, intent="request_repair"), DOMAIN
    )
    assert slots_of(events)["repair_pickup"] == "drop_off"
    # a phone that fell in water is a problem, not a drop-off
    events = await ValidateRepairForm(backend.client()).run(
        dispatcher, make_tracker("my phone dropped in the water", intent="request_repair"), DOMAIN
    )
    assert "repair_pickup" not in slots_of(events)


async def test_a_drop_off_repair_has_its_summary_and_its_own_status_words(backend, dispatcher):
    posted: list[httpx.Request] = []

    def prepare(request: httpx.Request) -> httpx.Response:
        posted.append(request)
        return json_response(201, operation())

    backend.on("POST", "/api/v1/operations", prepare)
    slots = {**FILLED, "repair_pickup": "drop_off"}
    tracker = make_tracker("in de winkel", intent="inform", slots=slots)
    await ActionPrepareRepair(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert json.loads(posted[0].content)["params"]["pickup"] == "drop_off"
    assert "address" not in json.loads(posted[0].content)["params"]
    assert responses(dispatcher)[0] == "utter_summary_request_repair_drop_off"

    dispatcher.messages.clear()
    repair = {"id": 3, "number": "R2026-000003", "imei_masked": "…7518", "pickup": "drop_off",
              "created_at": "2026-11-20T09:00:00Z", "msisdn": "+32470123456"}  # fmt: skip
    backend.on(
        "GET", "/api/v1/repairs", [{**repair, "status": s} for s in ("picked_up", "in_repair")]
    )
    await ActionShowRepairs(backend.client()).run(
        dispatcher, make_tracker("where is my repair", intent="ask_repair_status"), DOMAIN
    )
    assert responses(dispatcher) == [
        "utter_repair_status_picked_up_drop_off",
        "utter_repair_status_in_repair",
    ]


async def test_a_drop_off_read_as_stop_is_still_the_answer(backend, dispatcher):
    backend.on("GET", "/api/v1/lines/12", line())
    slots = {**FILLED, "repair_pickup": None, "requested_slot": "repair_pickup"}
    tracker = make_tracker("I'll drop it off myself", intent="stop", slots=slots)
    events = await ValidateRepairForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert slots_of(events)["repair_pickup"] == "drop_off"


@pytest.mark.parametrize(
    ("typed", "pickup"),
    [
        # a courier asked for with no place: the company ("Where should we pick it up?" → "yes")
        ("oui qu'on vienne le chercher", "workplace"),
        ("venez le récupérer svp", "workplace"),
        ("ja, laat het ophalen", "workplace"),
        ("ophalen aub", "workplace"),
        ("yes, pickup", "workplace"),
        ("pick it up from the office", "workplace"),
        ("at the office", "workplace"),
        ("au bureau, Kolvestraat 12, 8000 Brugge", "workplace"),
        ("je le dépose moi-même", "drop_off"),
        ("pas besoin de coursier", "drop_off"),
        ("ik breng het zelf binnen", "drop_off"),
        ("I'll drop it off", "drop_off"),
    ],
)
async def test_pickup_answers_in_everyday_words(backend, dispatcher, typed, pickup):
    # The pickup question was asked three times to "ja, laat het ophalen" / "yes, pickup".
    backend.on("GET", "/api/v1/lines/12", line())
    asked = {**FILLED, "repair_pickup": None, "requested_slot": "repair_pickup"}
    tracker = make_tracker(typed, intent="inform", slots=asked)
    events = await ValidateRepairForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert slots_of(events)["repair_pickup"] == pickup
    assert responses(dispatcher) == []


@pytest.mark.parametrize(
    "typed",
    ["Kerkstraat 12, 9000 Gent", "chez moi : Kerkstraat 12 à 9000 Gent",
     "pick it up at Kerkstraat 12, 9000 Gent please"],
)  # fmt: skip
async def test_an_address_given_for_the_pickup_is_another_address(backend, dispatcher, typed):
    backend.on("GET", "/api/v1/lines/12", line())
    asked = {**FILLED, "repair_pickup": None, "requested_slot": "repair_pickup"}
    tracker = make_tracker(typed, intent="inform", slots=asked)
    events = await ValidateRepairForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    values = slots_of(events)
    assert values["repair_pickup"] == "other_address"
    assert values["repair_address"] == {
        "street": "Kerkstraat 12", "postal_code": "9000", "city": "Gent"
    }  # fmt: skip
    assert values["requested_slot"] is None


@pytest.mark.parametrize(
    ("opening", "pickup", "address"),
    [
        ("Pouvez-vous organiser un enlèvement par coursier à nos bureaux, Kolvestraat 12 à 8000 "
         "Brugge ? IMEI 490154203237518", "workplace", None),
        ("imei 490154203237518, enlevement au bureau Noorderlaan 120 a Anvers", "workplace", None),
        ("luidspreker werkt niet, IMEI 490154203237518. Laat het maar ophalen op kantoor.",
         "workplace", None),
        ("IMEI 490 154 203 237 518, courier pickup at our office please.", "workplace", None),
        ("IMEI 490154203237518, graag laten ophalen bij mij thuis, Kerkstraat 12 te 9000 Gent",
         "other_address", {"street": "Kerkstraat 12", "postal_code": "9000", "city": "Gent"}),
        # a bare street is no address: the question is asked
        ("imei 490154203237518, ophalen op Noorderlaan 120 Antwerpen", None, None),
        # "werkt niet" is no "werk", and a courier word is needed
        ("mijn gsm werkt niet meer, IMEI 490154203237518", None, None),
        ("the screen broke at the office, IMEI 490154203237518", None, None),
    ],
)  # fmt: skip
async def test_the_pickup_said_at_the_opening_is_not_asked_again(
    backend, dispatcher, opening, pickup, address
):
    backend.on("GET", "/api/v1/me", me_end_user())
    backend.on("GET", "/api/v1/lines", [line()])
    events = await ValidateRepairForm(backend.client()).run(
        dispatcher, make_tracker(opening, intent="request_repair"), DOMAIN
    )
    values = slots_of(events)
    assert values["repair_imei"] == IMEI  # also written in groups of 3
    assert values.get("repair_pickup") == pickup
    assert values.get("repair_address") == address


async def test_let_it_be_fetched_read_as_stop_is_still_the_answer(backend, dispatcher):
    # "laat het ophalen" holds the "laat" of "laat maar" (stop)
    backend.on("GET", "/api/v1/lines/12", line())
    asked = {**FILLED, "repair_pickup": None, "requested_slot": "repair_pickup"}
    tracker = make_tracker("ja, laat het ophalen", intent="stop", slots=asked)
    events = await ValidateRepairForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert slots_of(events)["repair_pickup"] == "workplace"


async def test_a_new_repair_request_does_not_reuse_a_dropped_summarys_answers(backend, dispatcher):
    """The summary keeps the form's slots; left for another request and never answered, they
    must not fill the next repair (its pickup, its problem)."""
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("GET", "/api/v1/lines", [line()])
    backend.on("GET", "/api/v1/lines/12", line())
    dropped = {**FILLED, "repair_pickup": "drop_off", "requested_slot": None}
    tracker = make_tracker(f"Jan's screen is cracked, IMEI {IMEI}", intent="request_repair",
                           slots=dropped)  # fmt: skip

    events = await ValidateRepairForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    values = slots_of(events)
    assert values["repair_problem"] == f"Jan's screen is cracked, IMEI {IMEI}"
    assert values["repair_pickup"] is None
    assert values["requested_slot"] == "repair_pickup"


@pytest.mark.parametrize(
    "typed",
    [
        "Hoi, mijn touchscreen reageert soms niet meer en de gsm loopt vast. Kan ik daar een "
        "ticket voor maken?",
        "mon écran tactile se bloque tout le temps, vous pouvez ouvrir un ticket ?",
        "my touchscreen keeps freezing, can you open a ticket for that?",
    ],
)
async def test_a_ticket_asked_for_about_a_device_fault_opens_the_ticket(backend, dispatcher, typed):
    tracker = make_tracker(typed, intent="request_repair")

    events = await ValidateRepairForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert [e["name"] for e in events if e.get("event") == "followup"] == ["ticket_form"]
    assert backend.requests == []


@pytest.mark.parametrize(
    ("typed", "iccid", "handed_over"),
    [
        ("Hoi, mijn simkaart is kapot (gebroken bij het uithalen). Ik heb al een nieuwe "
         "gekregen: 8932031100000000098. Kunt ge die activeren op mijn nummer?",
         "8932031100000000098", True),
        ("ma carte SIM est cassée, il m'en faut une autre", None, True),
        ("I lost my SIM card, can you help?", None, True),
        ("my SIM card is broken, I need a new one", None, True),
        # a device that no longer reads its card is the device's fault: a repair
        (f"since I dropped it my phone no longer reads its SIM card, IMEI {IMEI}", None, False),
    ],
)  # fmt: skip
async def test_a_repair_asked_for_a_sim_card_goes_to_the_replacement(
    backend, dispatcher, typed, iccid, handed_over
):
    backend.on("GET", "/api/v1/me", me_end_user())
    backend.on("GET", "/api/v1/lines", [line()])
    found = [entity("iccid", iccid)] if iccid else []
    tracker = make_tracker(typed, intent="request_repair", entities=found)

    events = await ValidateRepairForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    followups = [e["name"] for e in events if e.get("event") == "followup"]
    assert followups == (["sim_replacement_form"] if handed_over else [])


@pytest.mark.parametrize(
    ("typed", "answers"),
    [
        # set23 nl-026: "laat … maar" read as stop; the repair was dropped
        ("laat de koerier het maar ophalen", True),
        ("laat maar", False),
        ("stop", False),
    ],
)
async def test_a_stop_in_no_explicit_words_is_tried_as_an_answer(
    backend, dispatcher, typed, answers
):
    backend.on("GET", "/api/v1/lines/12", line())
    slots = {**FILLED, "repair_pickup": None, "requested_slot": "repair_pickup"}
    tracker = make_tracker(typed, intent="stop", slots=slots)

    events = await ValidateRepairForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    if answers:
        assert slots_of(events)["repair_pickup"] == "workplace"
    else:
        assert events == []  # rejected: the stop rule ends the form
