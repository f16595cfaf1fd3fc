"""Words that keep a service or an option as it is ("laissez-les bloqués", "mag geblokkeerd
blijven", "keep … barred", "garde la recharge") never put it in the change list."""

from __future__ import annotations

from typing import Any

import pytest

from actions.barring import ValidateChangeBarringsForm
from actions.catalog_text import (
    BARRING_SYNONYMS,
    OPTION_SYNONYMS,
    barring_directions,
    find_codes,
    option_directions,
)
from actions.options import ValidateChangeOptionsForm
from tests.actions.support import FakeBackend, line, make_tracker, me_fleet_manager, responses

DOMAIN: dict[str, Any] = {
    "forms": {
        "change_options_form": {"required_slots": ["target_line_id", "option_changes"]},
        "change_barrings_form": {"required_slots": ["target_line_id", "barring_changes"]},
    }
}


@pytest.mark.parametrize(
    ("text", "changes", "kept"),
    [
        # a dislocated name, kept by the next clause
        ("débloquez le roaming sur sa ligne svp. Les numéros surtaxés, laissez-les bloqués.",
         {"roaming": False}, {"premium_numbers"}),
        ("débloque le roaming, mais les numéros surtaxés restent bloqués",
         {"roaming": False}, {"premium_numbers"}),
        ("débloque le roaming et ne touchez pas aux numéros surtaxés",
         {"roaming": False}, {"premium_numbers"}),
        ("deblokkeer roaming voor Emma, de betaalnummers mogen geblokkeerd blijven",
         {"roaming": False}, {"premium_numbers"}),
        ("zet roaming open maar laat de betaalnummers geblokkeerd",
         {"roaming": False}, {"premium_numbers"}),
        ("Roaming deblokkeren aub. De 0900-nummers, die laat ge dicht.",
         {"roaming": False}, {"premium_numbers"}),
        ("unblock roaming for Emma but keep premium numbers barred",
         {"roaming": False}, {"premium_numbers"}),
        ("unblock roaming, leave premium-rate numbers blocked",
         {"roaming": False}, {"premium_numbers"}),
        ("lift the roaming block; the premium numbers stay blocked",
         {"roaming": False}, {"premium_numbers"}),
        # "laat … blokkeren" has it done; a negated keep is the other way
        ("laat de betaalnummers maar blokkeren", {"premium_numbers": True}, set()),
        ("kunt ge de roaming laten deblokkeren", {"roaming": False}, set()),
        ("ne laissez pas le roaming bloqué", {"roaming": False}, set()),
        ("the roaming doesn't need to stay blocked", {"roaming": False}, set()),
        # what somebody keeps doing keeps nothing
        ("he keeps using roaming, block it", {"roaming": True}, set()),
        ("bloquez le roaming, il reste des heures sur les numéros surtaxés",
         {"roaming": True, "premium_numbers": True}, set()),
        ("hij blijft maar naar betaalnummers bellen, blokkeer die", {"premium_numbers": True},
         set()),
    ],
)  # fmt: skip
def test_a_kept_service_is_never_barred_or_unbarred(
    text: str, changes: dict[str, bool], kept: set[str]
) -> None:
    reading = barring_directions(text, find_codes(text, [], BARRING_SYNONYMS))
    assert reading == (changes, kept)


@pytest.mark.parametrize(
    ("text", "changes", "kept"),
    [
        ("retire le pack monde mais garde la recharge data",
         {"roam_world_1gb": False}, {"data_boost_5gb"}),
        ("ajoute le pack monde, laisse la recharge data active",
         {"roam_world_1gb": True}, {"data_boost_5gb"}),
        ("hij mag de databoost houden, maar de wereldroaming mag eraf",
         {"roam_world_1gb": False}, {"data_boost_5gb"}),
        ("laat de databoost staan en verwijder de wereldroaming",
         {"roam_world_1gb": False}, {"data_boost_5gb"}),
        ("keep the data booster and remove world roaming",
         {"roam_world_1gb": False}, {"data_boost_5gb"}),
        # a phrase that drops something, or has it done, keeps nothing
        ("laissez tomber la recharge data", {"data_boost_5gb": False}, set()),
        ("leave out the data boost", {"data_boost_5gb": False}, set()),
        ("laat de databoost verwijderen", {"data_boost_5gb": False}, set()),
        ("ne gardez pas la recharge data", {"data_boost_5gb": False}, set()),
    ],
)  # fmt: skip
def test_a_kept_option_is_never_added_or_removed(
    text: str, changes: dict[str, bool], kept: set[str]
) -> None:
    reading = option_directions(text, find_codes(text, [], OPTION_SYNONYMS))
    assert reading == (changes, kept)


def names(fr: str, nl: str, en: str) -> dict[str, str]:
    return {"fr": fr, "nl": nl, "en": en}


PREMIUM = {"code": "premium_numbers", "name": "Premium-rate numbers",
           "names": names("Numéros surtaxés", "Betaalnummers", "Premium-rate numbers")}  # fmt: skip
ROAMING = {"code": "roaming", "name": "Roaming abroad",
           "names": names("Roaming (à l'étranger)", "Roaming (in het buitenland)",
                          "Roaming abroad")}  # fmt: skip
BOOST = {"code": "data_boost_5gb", "name": "Data booster 5 GB", "monthly_price": "7.50",
         "names": names("Recharge data 5 Go", "Databoost 5 GB", "Data booster 5 GB")}  # fmt: skip
EUROPE = {"code": "roam_eu_plus_10gb", "name": "Europe+ roaming 10 GB", "monthly_price": "12.00",
          "names": names("Roaming Europe+ 10 Go", "Roaming Europa+ 10 GB",
                         "Europe+ roaming 10 GB")}  # fmt: skip
EMMA = line(8, "+32470000008", user_name="Emma Wouters", label="Emma Wouters",
            barrings=[PREMIUM, ROAMING])  # fmt: skip
SARAH = line(16, "+32470000016", user_name="Sarah Michiels", label="Sarah Michiels",
             options=[EUROPE, BOOST])  # fmt: skip


def fleet(backend: FakeBackend) -> FakeBackend:
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("GET", "/api/v1/lines", [EMMA, SARAH])
    backend.on("GET", "/api/v1/lines/8", EMMA)
    backend.on("GET", "/api/v1/lines/16", SARAH)
    backend.on("GET", "/api/v1/barrable-services", [PREMIUM, ROAMING])
    backend.on("GET", "/api/v1/options", [BOOST, EUROPE])
    backend.on("GET", "/api/v1/plans", [])
    return backend


def slots_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {event["name"]: event["value"] for event in events if event.get("event") == "slot"}


@pytest.mark.parametrize(
    "text",
    [
        "Emma Wouters part à Lyon pour un salon : débloquez son roaming. Les numéros surtaxés, "
        "on les laisse bloqués.",
        "deblokkeer de roaming van Emma Wouters, maar de betaalnummers moeten geblokkeerd blijven",
        "Emma Wouters is off to a trade fair in Lyon: please unblock roaming, but keep the "
        "premium-rate numbers barred.",
    ],
)
async def test_unbarring_one_service_keeps_the_one_said_to_stay_barred(backend, dispatcher, text):
    fleet(backend)
    tracker = make_tracker(text, intent="change_barrings")

    events = await ValidateChangeBarringsForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["barring_changes"] == {"block": [], "unblock": ["roaming"]}
    assert responses(dispatcher) == []


@pytest.mark.parametrize(
    "text",
    [
        "retirez le roaming Europe+ de Sarah Michiels, la recharge data elle la garde",
        "haal de Europa-roaming van Sarah Michiels eraf, de databoost mag ze houden",
        "remove the Europe+ roaming from Sarah Michiels but leave her data booster",
    ],
)
async def test_removing_one_option_keeps_the_one_said_to_stay(backend, dispatcher, text):
    fleet(backend)
    tracker = make_tracker(text, intent="change_options")

    events = await ValidateChangeOptionsForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["option_changes"] == {"add": [], "remove": ["roam_eu_plus_10gb"]}
    assert responses(dispatcher) == []


@pytest.mark.parametrize(
    "text",
    [
        "attendez, les numéros surtaxés doivent rester bloqués",
        "wacht, de betaalnummers laat ge beter geblokkeerd",
        "wait, leave the premium numbers blocked after all",
    ],
)
async def test_a_service_kept_at_the_summary_is_taken_out_of_the_change(backend, dispatcher, text):
    fleet(backend)
    pending = {
        "id": "op_abc", "type": "change_barrings", "status": "pending", "line_id": 8,
        "msisdn": "+32470000008", "result": None, "expires_at": "2026-11-26T12:00:00Z",
        "summary": {"current_barrings": [PREMIUM, ROAMING], "block": [],
                    "unblock": [PREMIUM, ROAMING]},
    }  # fmt: skip
    backend.on("GET", "/api/v1/operations/op_abc", pending)
    backend.on("POST", "/api/v1/operations/op_abc/cancel", {**pending, "status": "cancelled"})
    tracker = make_tracker(
        text,
        intent="change_barrings",
        slots={"pending_operation_id": "op_abc", "pending_operation_type": "change_barrings"},
    )

    events = await ValidateChangeBarringsForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["barring_changes"] == {"block": [], "unblock": ["roaming"]}
    assert slots_of(events)["target_line_id"] == "8"
