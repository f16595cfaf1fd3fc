"""The company's direct debit is the fleet manager's (design.md §2): an end user asking for direct
debit of the company's invoices, from its account or in its name, in French, Dutch or English, is
told so and offered their own split-bill part instead; nothing is prepared. Their own part still
goes through the form as before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet

from actions.direct_debit import (
    HOLDER_IS_COMPANY,
    ActionPrepareDirectDebit,
    ValidateDirectDebitForm,
    asks_for_the_company,
)
from actions.operations import ActionConfirmOperation
from tests.actions.support import (
    FakeBackend,
    company,
    json_response,
    make_tracker,
    me_end_user,
    me_fleet_manager,
    responses,
)
from tests.actions.test_billing import API, DOMAIN
from tests.actions.test_direct_debit import HOLDER, IBAN, at_the_summary, slot_values

ROOT = Path(__file__).resolve().parents[2]
COMPANY = "Acme Logistics"
REFUSAL = "utter_direct_debit_company_is_fleet_managers"
OFFER = "start:direct_debit_form"
OWN_IBAN = "BE46001399238336"


def end_user(backend: FakeBackend, language: str) -> FakeBackend:
    """An employee of Acme Logistics with a split-bill line."""
    me = me_end_user(language=language, company=company(name=COMPANY))
    return backend.on("GET", f"{API}/me", me)


async def validate(backend: FakeBackend, dispatcher: Any, text: str, **kwargs: Any) -> list[Any]:
    tracker = make_tracker(text, **{"intent": "setup_direct_debit", **kwargs})
    return list(await ValidateDirectDebitForm(backend.client()).run(dispatcher, tracker, DOMAIN))


def refused(events: list[Any], dispatcher: Any, backend: FakeBackend) -> None:
    """Told whose the company's invoices are, offered the own part; nothing prepared."""
    assert ActiveLoop(None) in events
    assert responses(dispatcher) == [REFUSAL]
    assert slot_values(events, "pending_operation_id")[-1] == OFFER
    assert set(slot_values(events, IBAN)) <= {None}
    assert not [r for r in backend.requests if r.method != "GET"]


COMPANY_OPENINGS = [
    (
        "fr",
        "Bonjour, pouvez-vous mettre les factures de la société en domiciliation ? Le compte de "
        "la société est BE46 0013 9923 8336.",
    ),
    ("fr", "je voudrais la domiciliation des factures d'Acme sur notre compte société"),
    ("fr", "domiciliation au nom de la société sur BE46 0013 9923 8336 svp"),
    (
        "nl",
        "Kunnen jullie de facturen van het bedrijf via domiciliëring laten betalen? De rekening "
        "van het bedrijf is BE46 0013 9923 8336.",
    ),
    ("nl", "domiciliëring voor de bedrijfsfacturen graag, op onze bedrijfsrekening"),
    ("nl", "graag een domiciliëring, rekeninghouder Acme Logistics NV, IBAN BE46 0013 9923 8336"),
    (
        "en",
        "Hi, could you set up direct debit for Acme's company invoices? Our company account is "
        "BE46 0013 9923 8336.",
    ),
    ("en", "please set up direct debit for the invoices of the company"),
    ("en", "direct debit for Acme Logistics from account be46 0013 9923 8336 please"),
]


def seen(language: str, **slots: Any) -> dict[str, Any]:
    """The slots of a conversation whose greeting cached the company's name."""
    return {"language": language, "company_name": COMPANY, **slots}


@pytest.mark.parametrize(("language", "text"), COMPANY_OPENINGS)
async def test_the_company_invoices_asked_by_an_end_user_go_to_the_fleet_manager(
    backend, dispatcher, language: str, text: str
):
    end_user(backend, language)
    events = await validate(backend, dispatcher, text, slots=seen(language))
    refused(events, dispatcher, backend)


@pytest.mark.parametrize(("language", "text"), COMPANY_OPENINGS[::3])
async def test_the_words_alone_are_enough_as_the_first_message(
    backend, dispatcher, language: str, text: str
):
    # No greeting before: the company's name is not cached yet (en-018).
    end_user(backend, language)
    events = await validate(backend, dispatcher, text, slots={"language": language})
    refused(events, dispatcher, backend)


@pytest.mark.parametrize(
    ("language", "answer"),
    [
        ("fr", "la société"),
        ("fr", "Acme Logistics SA"),
        ("nl", "de firma"),
        ("nl", "op naam van Acme Logistics NV"),
        ("en", "the company"),
        ("en", "Acme Logistics"),  # en-018's answer
    ],
)
async def test_the_company_as_holder_is_refused_too(backend, dispatcher, language, answer):
    end_user(backend, language)
    slots = seen(language, **{IBAN: OWN_IBAN, "requested_slot": HOLDER})
    events = await validate(backend, dispatcher, answer, intent="inform", slots=slots)
    refused(events, dispatcher, backend)
    assert slot_values(events, HOLDER) == [None]


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
async def test_the_company_again_after_the_offer_is_refused_without_a_second_offer(
    backend, dispatcher, language
):
    # en-018: "yes" to the offer, then the company's account and name again.
    end_user(backend, language)
    slots = seen(language, **{IBAN: OWN_IBAN, "requested_slot": HOLDER})
    tracker = make_tracker("Acme Logistics", intent="inform", slots=slots)
    tracker.events.insert(0, {"event": "bot", "text": "…", "metadata": {"utter_action": REFUSAL}})

    events = list(await ValidateDirectDebitForm(backend.client()).run(dispatcher, tracker, DOMAIN))

    assert ActiveLoop(None) in events
    assert responses(dispatcher) == ["utter_direct_debit_company_refused"]
    assert slot_values(events, "pending_operation_id")[-1] is None  # no offer waits for "yes"
    assert not [r for r in backend.requests if r.method != "GET"]


async def test_a_summary_turned_to_the_company_account_is_cancelled(backend, dispatcher):
    end_user(backend, "fr")
    slots = seen("fr", **at_the_summary(backend, "Jan Janssens"))
    text = "ah non, prenez plutôt le compte de la société"
    events = await validate(backend, dispatcher, text, intent="inform", slots=slots)
    assert responses(dispatcher) == [REFUSAL]
    assert f"{API}/operations/op_dd/cancel" in backend.paths()  # the mandate never runs
    assert slot_values(events, "pending_operation_id")[-1] == OFFER


OWN_PART = [
    ("fr", "je veux payer ma part par domiciliation sur BE46 0013 9923 8336", OWN_IBAN),
    ("fr", "je voudrais payer ma part des factures de la société par domiciliation", None),
    ("nl", "ik wil mijn deel via domiciliëring betalen, van BE46 0013 9923 8336", OWN_IBAN),
    ("nl", "domiciliëring voor mijn eigen deel graag", None),
    ("en", "I want to pay my part by direct debit", None),
    ("en", "my share of the company invoice by direct debit please, from BE46 0013 9923 8336",
     OWN_IBAN),
]  # fmt: skip


@pytest.mark.parametrize(("language", "text", "iban"), OWN_PART)
async def test_an_end_user_sets_up_direct_debit_of_their_own_part(
    backend, dispatcher, language: str, text: str, iban: str | None
):
    end_user(backend, language)
    events = await validate(backend, dispatcher, text, slots=seen(language))
    assert ActiveLoop(None) not in events  # the form goes on: the IBAN or the holder is asked
    assert responses(dispatcher) == []
    assert slot_values(events, IBAN) == ([iban] if iban else [])


@pytest.mark.parametrize(
    ("language", "answer"),
    [("fr", "c'est mon compte à moi"), ("nl", "Jan Janssens"), ("en", "myself")],
)
async def test_an_end_user_holding_the_account_is_the_holder(backend, dispatcher, language, answer):
    end_user(backend, language)
    slots = seen(language, **{IBAN: OWN_IBAN, "requested_slot": HOLDER})
    events = await validate(backend, dispatcher, answer, intent="inform", slots=slots)
    assert slot_values(events, HOLDER) == ["Jan Janssens"]
    assert responses(dispatcher) == []


@pytest.mark.parametrize(("language", "text"), COMPANY_OPENINGS[::3])
async def test_a_fleet_manager_sets_up_the_company_direct_debit(
    backend, dispatcher, language: str, text: str
):
    me = me_fleet_manager(language=language, company=company(name=COMPANY))
    backend.on("GET", f"{API}/me", me)
    events = await validate(backend, dispatcher, text, slots=seen(language))
    assert ActiveLoop(None) not in events
    assert REFUSAL not in responses(dispatcher)


@pytest.mark.parametrize(("language", "yes"), [("fr", "oui"), ("nl", "ja graag"), ("en", "yes")])
async def test_yes_to_the_offer_starts_the_own_part(backend, dispatcher, language, yes):
    end_user(backend, language)
    slots = {
        "language": language,
        "pending_operation_id": OFFER,
        "pending_operation_type": "start",
    }
    tracker = make_tracker(yes, intent="affirm", slots=slots)
    events = await ActionConfirmOperation(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert FollowupAction("direct_debit_form") in events

    events = await validate(backend, dispatcher, yes, intent="affirm", slots=seen(language))
    assert ActiveLoop(None) not in events and responses(dispatcher) == []  # the IBAN is asked
    assert not [r for r in backend.requests if r.method != "GET"]


@pytest.mark.parametrize(
    "text",
    [
        "not the company invoices, only mine",
        "ce n'est pas le compte de la société, c'est le mien",
        "je voudrais payer par domiciliation pour nos factures de mars",
    ],
)
def test_the_company_negated_or_unnamed_is_not_asked_for(text):
    assert not asks_for_the_company(text, COMPANY)


@pytest.mark.parametrize(
    ("language", "words"),
    [("fr", ("gestionnaire", "fleet manager")), ("nl", ("fleet manager", "beheerder")),
     ("en", ("fleet manager",))],
)  # fmt: skip
def test_the_refusal_names_the_fleet_manager(language, words):
    domain_responses = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]
    [variant] = [
        variant
        for variant in domain_responses[REFUSAL]
        if variant["condition"][0]["value"] == language
    ]
    assert all(word in variant["text"] for word in words)
    assert [button["payload"] for button in variant["buttons"]] == ["/affirm", "/deny"]


async def test_the_backend_refusing_the_company_as_holder_re_asks_the_holder(backend, dispatcher):
    """The company named before the bot knew its name (no cached ``company_name``): the
    backend's 422 is explained and only the holder asked again, the IBAN kept."""
    body = {"code": HOLDER_IS_COMPANY, "message": "x", "field": "holder"}
    backend.on("POST", f"{API}/operations", json_response(422, {"error": body}))
    slots = {IBAN: OWN_IBAN, HOLDER: "Acme"}
    tracker = make_tracker("Acme", intent="inform", slots=slots)
    events = await ActionPrepareDirectDebit(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_direct_debit_holder_is_company"]
    assert events == [SlotSet(HOLDER, None), FollowupAction("direct_debit_form")]


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
def test_the_backend_refusal_is_said_in_each_language(language):
    domain_responses = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]
    texts = [
        variant["text"]
        for variant in domain_responses["utter_direct_debit_holder_is_company"]
        if variant["condition"][0]["value"] == language
    ]
    assert len(texts) == 1 and "IBAN" in texts[0]
