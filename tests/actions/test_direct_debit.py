"""Direct debit set-up: the account holder as people say it, the opening's details, corrections
at the summary that change only what they say, and a stop request handed to the stop flow."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet

from actions.direct_debit import (
    ActionPrepareDirectDebit,
    ValidateDirectDebitForm,
    asks_to_stop_direct_debit,
)
from actions.operations import ActionConfirmOperation
from tests.actions.support import (
    error,
    json_response,
    make_tracker,
    me_fleet_manager,
    responses,
)
from tests.actions.test_billing import API, DOMAIN

IBAN = "direct_debit_iban"
HOLDER = "direct_debit_holder"
ASKED_HOLDER = {IBAN: "BE46001399238336", "requested_slot": HOLDER}
ROOT = Path(__file__).resolve().parents[2]
# The caller of me_fleet_manager(): Sofie Peeters of the company "Acme".
OWN_NAME = "Sofie Peeters"
COMPANY_NAME = "Acme"


def slot_values(events: list[Any], name: str) -> list[Any]:
    """Every value the events give the slot ``name``."""
    return [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == name]


async def validate(backend: Any, dispatcher: Any, text: str, **kwargs: Any) -> list[Any]:
    tracker = make_tracker(text, **{"intent": "inform", **kwargs})
    return list(await ValidateDirectDebitForm(backend.client()).run(dispatcher, tracker, DOMAIN))


# --- the holder's name, not the words around it -----------------------------------------------


@pytest.mark.parametrize(
    ("typed", "holder"),
    [
        ("c'est mon compte à moi, Sofie Janssens", "Sofie Janssens"),
        ("la société, Acme Logistics", "Acme Logistics"),
        ("le titulaire est Acme Logistics NV", "Acme Logistics NV"),
        ("pas la société, c'est Sofie Janssens", "Sofie Janssens"),
        ("Sofie Janssens (moi-même)", "Sofie Janssens"),
        ("au nom de la société Acme Logistics", "Acme Logistics"),
        ("da's mijn eigen rekening, Sofie Janssens", "Sofie Janssens"),
        ("het bedrijf, Acme Logistics NV", "Acme Logistics NV"),
        ("niet de firma maar Sofie Janssens", "Sofie Janssens"),
        ("op naam van Janssens & Zonen BV", "Janssens & Zonen BV"),
        ("the company, Acme Logistics", "Acme Logistics"),
        ("my own account, Sofie Janssens", "Sofie Janssens"),
        ("not the company, it's Sofie Janssens", "Sofie Janssens"),
        ("it's in the name of Acme Logistics NV, thanks", "Acme Logistics NV"),
        ("J. Janssens. Thanks!", "J. Janssens"),
        ("Dhr. Peeters", "Dhr. Peeters"),
    ],
)
async def test_the_holder_is_the_name_in_the_answer(backend, dispatcher, typed, holder):
    events = await validate(backend, dispatcher, typed, slots=ASKED_HOLDER)
    assert slot_values(events, HOLDER) == [holder]
    assert backend.requests == []  # a name given needs no lookup


@pytest.mark.parametrize(
    ("typed", "holder"),
    [
        ("la société", COMPANY_NAME),
        ("c'est au nom de notre entreprise", COMPANY_NAME),
        ("c'est mon compte à moi", OWN_NAME),
        ("moi-même", OWN_NAME),
        ("de firma", COMPANY_NAME),
        ("op naam van het bedrijf", COMPANY_NAME),
        ("da's mijn eigen rekening", OWN_NAME),
        ("ikzelf", OWN_NAME),
        ("the company", COMPANY_NAME),
        ("our company's account", COMPANY_NAME),
        ("my own account", OWN_NAME),
        ("myself", OWN_NAME),
        ("c'est le mien", OWN_NAME),
        ("die van de firma", COMPANY_NAME),
    ],
)
async def test_the_company_or_the_caller_without_a_name_is_read_from_me(
    backend, dispatcher, typed, holder
):
    backend.on("GET", f"{API}/me", me_fleet_manager())
    events = await validate(backend, dispatcher, typed, slots=ASKED_HOLDER)
    assert slot_values(events, HOLDER) == [holder]


async def test_without_me_the_holder_is_asked_by_name(backend, dispatcher):
    backend.on("GET", f"{API}/me", error(503, "unavailable"))
    events = await validate(backend, dispatcher, "de firma", slots=ASKED_HOLDER)
    assert slot_values(events, HOLDER) == []
    assert responses(dispatcher) == ["utter_invalid_direct_debit_holder"]


@pytest.mark.parametrize(
    "typed", ["c'est quoi le titulaire ?", "geen idee eigenlijk", "I don't know"]
)
async def test_no_name_in_the_answer_is_no_holder(backend, dispatcher, typed):
    events = await validate(backend, dispatcher, typed, slots=ASKED_HOLDER)
    assert slot_values(events, HOLDER) == []
    assert responses(dispatcher) == ["utter_invalid_direct_debit_holder"]


# --- the opening says it all --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "iban", "holder"),
    [
        (
            "Bonjour, merci de mettre en place la domiciliation pour Acme Logistics NV avec "
            "l'IBAN BE21 0689 9428 6403.",
            "BE21068994286403",
            "Acme Logistics NV",
        ),
        (
            "Je souhaite une domiciliation au nom de Sofie Janssens sur be46 0013 9923 8336",
            "BE46001399238336",
            "Sofie Janssens",
        ),
        (
            "domiciliation sur mon compte BE46 0013 9923 8336 (au nom de Julie Dubois), merci",
            "BE46001399238336",
            "Julie Dubois",
        ),
        (
            "Kunnen jullie een domiciliëring zetten op BE 46 0013 9923 8336? Rekeninghouder is "
            "Sofie Janssens.",
            "BE46001399238336",
            "Sofie Janssens",
        ),
        (
            "Graag domiciliëring, houder Acme Logistics, IBAN be21 0689 9428 6403",
            "BE21068994286403",
            "Acme Logistics",
        ),
        (
            "Please set up direct debit, account holder: Acme Logistics NV, IBAN BE46 0013 9923 "
            "8336",
            "BE46001399238336",
            "Acme Logistics NV",
        ),
        (
            "direct debit for Acme Logistics from account be21 0689 9428 6403 please",
            "BE21068994286403",
            "Acme Logistics",
        ),
    ],
)
async def test_the_opening_gives_iban_and_holder(backend, dispatcher, typed, iban, holder):
    events = await validate(backend, dispatcher, typed, intent="setup_direct_debit")
    assert slot_values(events, IBAN) == [iban]
    assert slot_values(events, HOLDER) == [holder]
    assert responses(dispatcher) == []


@pytest.mark.parametrize(
    "typed",
    [
        "Bjr, je veux mettre en place une domiciliation sur le compte BE 46 0013 9923 8336 svp",
        "domiciliëring op be46 0013 9923 8336 graag",
        "set up direct debit from BE 46 0013 9923 8336",
    ],
)
async def test_an_iban_typed_with_spaces_or_in_lower_case_is_taken(backend, dispatcher, typed):
    events = await validate(backend, dispatcher, typed, intent="setup_direct_debit")
    assert slot_values(events, IBAN) == ["BE46001399238336"]
    assert slot_values(events, HOLDER) == []  # only the holder is asked


@pytest.mark.parametrize(
    "typed",
    [
        "je voudrais payer par domiciliation pour nos factures de mars",
        "domiciliëring voor onze facturen graag",
        "who should be the account holder? I want direct debit",
        "direct debit for November onwards please",
    ],
)
async def test_an_opening_without_a_holder_names_none(backend, dispatcher, typed):
    events = await validate(backend, dispatcher, typed, intent="setup_direct_debit")
    assert slot_values(events, HOLDER) == []
    assert responses(dispatcher) == []  # nor an IBAN: no "invalid IBAN" either


# --- corrections at the summary change only what they say ----------------------------------------


def summary(holder: str) -> dict[str, Any]:
    return {
        "iban_masked": "BE46 **** **** 8336",
        "holder": holder,
        "bank_name": "BNP Paribas Fortis",
        "current_open_invoice": None,
    }


async def test_the_summary_keeps_the_forms_slots_while_it_waits(backend, dispatcher):
    prepared = {"id": "op_dd", "type": "setup_direct_debit", "status": "pending"}
    backend.on("POST", f"{API}/operations", json_response(201, {**prepared, "summary": {}}))
    slots = {IBAN: "BE46001399238336", HOLDER: "Acme Logistics"}
    tracker = make_tracker("Acme Logistics", intent="inform", slots=slots)
    events = await ActionPrepareDirectDebit(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert SlotSet("pending_operation_id", "op_dd") in events
    assert slot_values(events, IBAN) == [] and slot_values(events, HOLDER) == []


async def test_without_a_summary_the_forms_slots_are_cleared(backend, dispatcher):
    backend.on("POST", f"{API}/operations", error(503, "unavailable"))
    slots = {IBAN: "BE46001399238336", HOLDER: "Acme Logistics"}
    tracker = make_tracker("Acme Logistics", intent="inform", slots=slots)
    events = await ActionPrepareDirectDebit(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert SlotSet(IBAN, None) in events and SlotSet(HOLDER, None) in events


def at_the_summary(backend: Any, holder: str) -> dict[str, Any]:
    """A mandate waits for "yes"; the form's slots are still filled (see the test above)."""
    pending = {
        "id": "op_dd",
        "type": "setup_direct_debit",
        "status": "pending",
        "summary": summary(holder),
    }
    backend.on("GET", f"{API}/operations/op_dd", pending)
    backend.on("POST", f"{API}/operations/op_dd/cancel", {**pending, "status": "cancelled"})
    return {
        "pending_operation_id": "op_dd",
        "pending_operation_type": "setup_direct_debit",
        IBAN: "BE46001399238336",
        HOLDER: holder,
    }


@pytest.mark.parametrize(
    ("typed", "holder"),
    [
        (
            "ah pardon, en fait le titulaire de ce compte c'est Sofie Janssens, pas la société. "
            "Corrigez svp",
            "Sofie Janssens",
        ),
        ("non attendez, pas la société, c'est Sofie Janssens", "Sofie Janssens"),
        (
            "Nee wacht, zet toch maar de firma als rekeninghouder: Acme Logistics. De rekening "
            "blijft dezelfde.",
            "Acme Logistics",
        ),
        ("oei, de rekeninghouder moet Sofie Janssens zijn", "Sofie Janssens"),
        ("sorry, the account holder is Sofie Janssens, not the company", "Sofie Janssens"),
        ("wait, make Sofie Janssens the account holder instead", "Sofie Janssens"),
    ],
)
@pytest.mark.parametrize("intent", ["inform", "request_agent"])  # fr-1106: "Corrigez svp"
async def test_a_corrected_holder_keeps_the_iban(backend, dispatcher, typed, holder, intent):
    slots = at_the_summary(backend, "la société, Acme Logistics")
    tracker = make_tracker(typed, intent=intent, slots=slots)
    events = await ActionConfirmOperation(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert FollowupAction("direct_debit_form") in events
    assert f"{API}/operations/op_dd/confirm" not in backend.paths()

    events = await validate(backend, dispatcher, typed, slots=slots, intent=intent)

    assert slot_values(events, HOLDER)[-1] == holder
    assert slot_values(events, IBAN) == []  # kept in its slot, never asked again
    assert f"{API}/operations/op_dd/cancel" in backend.paths()  # the old one never runs


@pytest.mark.parametrize(
    "typed",
    [
        "Ah non, je me suis trompée de compte : prenez plutôt BE15 3109 1306 5130. Le titulaire "
        "reste Acme Logistics NV.",
        "Oei, verkeerde rekening. Het moet BE15 3109 1306 5130 zijn, houder blijft Acme "
        "Logistics NV.",
        "sorry, wrong account: BE15 3109 1306 5130, the holder stays Acme Logistics NV",
        "hold on, finance wants be15 3109 1306 5130, same holder",
    ],
)
async def test_a_corrected_iban_keeps_the_holder(backend, dispatcher, typed):
    slots = at_the_summary(backend, "Acme Logistics NV")
    events = await validate(backend, dispatcher, typed, slots=slots)
    assert slot_values(events, IBAN) == ["BE15310913065130"]
    assert set(slot_values(events, HOLDER)) <= {"Acme Logistics NV"}  # never "reste Acme…"


async def test_the_company_named_as_holder_at_the_summary_is_read_from_me(backend, dispatcher):
    backend.on("GET", f"{API}/me", me_fleet_manager())
    slots = at_the_summary(backend, "Sofie Janssens")
    typed = "nee wacht, zet toch maar de firma als rekeninghouder"
    events = await validate(backend, dispatcher, typed, slots=slots)
    assert slot_values(events, HOLDER)[-1] == COMPANY_NAME
    assert slot_values(events, IBAN) == []


# --- "stop the direct debit" in the set-up form ------------------------------------------------


def with_a_mandate(backend: Any) -> None:
    mandate = {"iban_masked": "BE71 **** **** 6769", "holder": "Brugge Bouw BV"}
    backend.on(
        "GET",
        f"{API}/billing/settings",
        {"payment_method": "direct_debit", "mandate": mandate, "delivery_method": "post"},
    )
    prepared = {"id": "op_stop", "type": "stop_direct_debit", "status": "pending", "summary": {}}
    backend.on("POST", f"{API}/operations", json_response(201, prepared))


STOP_REQUESTS = [
    "Bonjour, on voudrait arrêter la domiciliation sur nos factures, on préfère repasser au "
    "virement.",
    "non non, c'est pour arrêter la domiciliation, pas pour en créer une",
    "je ne veux plus de prélèvement automatique",
    "we willen de domiciliëring stopzetten en terug via overschrijving betalen",
    "nee, ik wil onze domiciliëring juist opzeggen",
    "geen domiciliëring meer aub",
    "Hi, please cancel our direct debit, we'll pay by transfer again",
    "no, I want to stop the direct debit, not set one up",
    "we'd like to go back to paying by bank transfer",
]


@pytest.mark.parametrize("typed", STOP_REQUESTS)
@pytest.mark.parametrize("requested", [None, IBAN])
async def test_a_stop_request_hands_over_to_the_stop(backend, dispatcher, typed, requested):
    with_a_mandate(backend)
    slots = {"requested_slot": requested} if requested else {}
    events = await validate(backend, dispatcher, typed, intent="setup_direct_debit", slots=slots)
    assert ActiveLoop(None) in events  # the set-up form ends…
    assert responses(dispatcher) == [
        "utter_summary_stop_direct_debit",
        "utter_ask_confirm_operation",
    ]  # …and the stop is read back, waiting for "yes"
    assert json.loads(backend.requests[-1].content)["type"] == "stop_direct_debit"
    assert slot_values(events, "pending_operation_id")[-1] == "op_stop"
    assert slot_values(events, IBAN) == [None]


async def test_the_stop_intent_at_the_iban_question_hands_over_too(backend, dispatcher):
    with_a_mandate(backend)
    slots = {"requested_slot": IBAN}
    events = await validate(
        backend, dispatcher, "laat maar, ik wil ze net opzeggen", intent="stop_direct_debit",
        slots=slots,
    )  # fmt: skip
    assert ActiveLoop(None) in events
    assert "utter_summary_stop_direct_debit" in responses(dispatcher)


async def test_a_stop_without_a_mandate_says_there_is_none(backend, dispatcher):
    backend.on("GET", f"{API}/billing/settings", {"payment_method": "transfer", "mandate": None})
    events = await validate(
        backend, dispatcher, "arrêtez la domiciliation svp", intent="setup_direct_debit"
    )
    assert ActiveLoop(None) in events
    assert responses(dispatcher) == ["utter_direct_debit_not_active"]


@pytest.mark.parametrize(
    "typed",
    [
        "je voudrais arrêter de payer par virement et passer à la domiciliation",
        "on veut la domiciliation et arrêter les virements",
        "ik wil stoppen met overschrijvingen, doe maar domiciliëring",
        "overstappen van overschrijving naar domiciliëring graag",
        "stop paying by transfer, direct debit from now on",
        "switch from bank transfer to direct debit please",
        "c'est pour en créer une, pas pour arrêter la domiciliation",
    ],
)
def test_leaving_transfers_for_direct_debit_is_no_stop(typed):
    assert not asks_to_stop_direct_debit(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "oups, je me suis trompée, corrigez svp",
        "wacht, er klopt iets niet, pas dat aan",
        "hold on, that's not right, please fix it",
    ],
)
async def test_a_correction_naming_nothing_changes_nothing(backend, dispatcher, typed):
    slots = at_the_summary(backend, "Acme Logistics NV")
    events = await validate(backend, dispatcher, typed, slots=slots)
    assert set(slot_values(events, HOLDER)) <= {"Acme Logistics NV"}
    assert slot_values(events, IBAN) == []


# --- the how-to answer --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "asks"), [("fr", "Il me faut"), ("nl", "nodig"), ("en", "I need")]
)
def test_the_how_to_answer_asks_for_nothing(language, asks):
    # Inside the form the form's own question follows it; at a summary nothing is asked for.
    responses = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]
    [variant] = [
        variant
        for variant in responses["utter_faq_direct_debit"]
        if variant["condition"][0]["value"] == language
    ]
    assert asks not in variant["text"] and "IBAN" not in variant["text"]
