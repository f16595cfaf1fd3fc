"""A form opened on a request that belongs to another one hands it over (``FollowupAction``):
that form reads the same message and finds the line and what is asked in it.

- the SIM replacement form, on an option of the catalogue (multi-SIM, data boost…) with nothing
  that happened to the card → the options form;
- the options form, on a plan the line is to be put on, with no option asked → the plan form;
- the activation form, for an end user speaking of their own SIM → the SIM replacement form.
"""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import ActiveLoop

from actions.activation import ValidateActivationForm
from actions.options import ValidateChangeOptionsForm
from actions.plans import ValidateChangePlanForm
from actions.sim_replacement import ValidateSimReplacementForm
from tests.actions.support import (
    FakeBackend,
    entity,
    json_response,
    line,
    make_tracker,
    me_end_user,
    me_fleet_manager,
    responses,
)

DOMAIN: dict[str, Any] = {
    "forms": {
        "activation_form": {"required_slots": ["sim_type", "new_iccid", "end_user_name"]},
        "sim_replacement_form": {
            "required_slots": ["target_line_id", "replacement_reason", "sim_type", "new_iccid"]
        },
        "change_plan_form": {"required_slots": ["target_line_id", "plan_code"]},
        "change_options_form": {"required_slots": ["target_line_id", "option_changes"]},
    }
}
GOOD_ICCID = "8932030000000000125"


def names(fr: str, nl: str, en: str) -> dict[str, str]:
    return {"fr": fr, "nl": nl, "en": en}


def item(code: str, price: str, fr: str, nl: str, en: str) -> dict[str, Any]:
    return {"code": code, "name": en, "names": names(fr, nl, en), "monthly_price": price}


PLANS = [
    item("pro_start", "15.00", "Pro Start", "Pro Start", "Pro Start"),
    item("pro_smart", "25.00", "Pro Smart", "Pro Smart", "Pro Smart"),
    item("pro_unlimited", "40.00", "Pro Unlimited", "Pro Unlimited", "Pro Unlimited"),
]
OPTIONS = [
    item("data_boost_5gb", "7.50", "Recharge data 5 Go", "Databoost 5 GB", "Data booster 5 GB"),
    item("roam_eu_plus_10gb", "12.00", "Roaming Europe+ 10 Go", "Roaming Europa+ 10 GB",
         "Europe+ roaming 10 GB"),
    item("roam_world_1gb", "10.00", "Pack roaming Monde 1 Go", "Roamingpakket Wereld 1 GB",
         "World roaming pack 1 GB"),
    item("multisim", "5.00", "Multi-SIM (carte SIM supplémentaire)",
         "Multi-sim (extra simkaart)", "Multi-SIM (extra SIM card)"),
]  # fmt: skip
OPTION = {option["code"]: option for option in OPTIONS}
PRO_START = {"code": "pro_start", "name": "Pro Start", "monthly_price": "15.00"}
PRO_UNLIMITED = {"code": "pro_unlimited", "name": "Pro Unlimited", "monthly_price": "40.00"}

KEVIN = line(15, "+32470000015", user_name="Kevin Hermans", label="Kevin Hermans",
             plan=PRO_START, options=[OPTION["data_boost_5gb"]])  # fmt: skip
SARAH = line(16, "+32470000016", user_name="Sarah Michiels", label="Sarah Michiels",
             plan=PRO_UNLIMITED, options=[OPTION["roam_eu_plus_10gb"]])  # fmt: skip
CHARLOTTE = line(20, "+32470000020", user_name="Charlotte Leroy", label="Charlotte Leroy",
                 options=[OPTION["multisim"]])  # fmt: skip


def fleet(backend: FakeBackend) -> FakeBackend:
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("GET", "/api/v1/lines", [KEVIN, SARAH, CHARLOTTE])
    for each in (KEVIN, SARAH, CHARLOTTE):
        backend.on("GET", f"/api/v1/lines/{each['id']}", each)
    backend.on("GET", "/api/v1/plans", PLANS)
    backend.on("GET", "/api/v1/options", OPTIONS)
    backend.on("GET", "/api/v1/sims/check", json_response(200, {"valid": True}))
    return backend


def slots_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {event["name"]: event["value"] for event in events if event.get("event") == "slot"}


def handed_over_to(events: list[dict[str, Any]]) -> str | None:
    """The form the events hand the request over to, after ending the current one."""
    follow = [event["name"] for event in events if event.get("event") == "followup"]
    if not follow:
        return None
    assert ActiveLoop(None) in events  # the current form ends first
    return str(follow[0])


def posts(backend: FakeBackend) -> list[str]:
    return [request.url.path for request in backend.requests if request.method == "POST"]


# --- SIM replacement form → options form ------------------------------------------------------

OPTION_REQUESTS = [
    # a second SIM on the same number, for another device
    ("Sarah Michiels aimerait une deuxième SIM pour sa tablette, avec le même numéro", "fr",
     "16", {"add": ["multisim"], "remove": []}),
    ("Kan Sarah Michiels een extra simkaart krijgen voor haar smartwatch?", "nl",
     "16", {"add": ["multisim"], "remove": []}),
    ("Sarah Michiels would like a SIM for her iPad on her own number", "en",
     "16", {"add": ["multisim"], "remove": []}),
    # the second SIM is not used any more
    ("Charlotte Leroy n'utilise plus sa carte SIM supplémentaire, supprimez le multi-SIM", "fr",
     "20", {"add": [], "remove": ["multisim"]}),
    ("de tweede simkaart van Charlotte Leroy mag weg, ze gebruikt die niet meer", "nl",
     "20", {"add": [], "remove": ["multisim"]}),
    ("Charlotte Leroy no longer needs her extra SIM card, please cancel it", "en",
     "20", {"add": [], "remove": ["multisim"]}),
    # another option said beside the SIM
    ("Sarah Michiels needs a data boost on her SIM this month", "en",
     "16", {"add": ["data_boost_5gb"], "remove": []}),
]  # fmt: skip


@pytest.mark.parametrize(("text", "language", "line_id", "changes"), OPTION_REQUESTS)
async def test_an_option_asked_in_the_replacement_form_is_handed_to_the_options_form(
    backend, dispatcher, text, language, line_id, changes
):
    fleet(backend)
    slots = {"language": language}
    tracker = make_tracker(text, intent="replace_sim", slots=slots)

    events = await ValidateSimReplacementForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert handed_over_to(events) == "change_options_form"
    assert responses(dispatcher) == []  # never "why does the SIM need replacing?"
    assert posts(backend) == []  # no old SIM blocked, nothing prepared

    # The options form reads the same message: the line, and what to add or remove.
    follow = make_tracker(text, intent="replace_sim", slots=slots)
    events = await ValidateChangeOptionsForm(backend.client()).run(dispatcher, follow, DOMAIN)

    filled = slots_of(events)
    assert filled["target_line_id"] == line_id
    assert filled["option_changes"] == changes
    assert responses(dispatcher) == []


@pytest.mark.parametrize(
    "text",
    [
        # something happened to the card: a replacement, whatever option is named
        "Sarah Michiels a perdu sa carte SIM en voyage, elle a le pack roaming monde",
        "de simkaart van Sarah Michiels is kapot, ze heeft nochtans de databoost",
        "Sarah Michiels' SIM stopped working abroad, she has the world roaming pack",
        # a new card, an option beside it
        "Sarah Michiels a besoin d'une nouvelle carte SIM, et ajoutez-lui une recharge data",
        "Sarah Michiels moet overschakelen naar een eSIM, en zet er ook een databoost bij",
        "please replace Sarah Michiels' SIM card and add the data boost",
    ],
)
async def test_a_card_that_must_change_stays_a_replacement(backend, dispatcher, text):
    fleet(backend)
    tracker = make_tracker(text, intent="replace_sim")

    events = await ValidateSimReplacementForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert handed_over_to(events) is None
    assert slots_of(events)["target_line_id"] == "16"


async def test_a_correction_at_the_replacement_summary_is_never_handed_over(backend, dispatcher):
    fleet(backend)
    tracker = make_tracker(
        "wacht, ik bedoelde de extra simkaart van Sarah Michiels",
        intent="inform",
        slots={"pending_operation_id": "op_abc", "pending_operation_type": "replace_sim"},
    )

    events = await ValidateSimReplacementForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert handed_over_to(events) is None


# --- options form → plan form -----------------------------------------------------------------

PLAN_REQUESTS = [
    ("zet Kevin Hermans op Pro Smart, hij neemt elke maand een databoost bij", "nl"),
    ("Kevin Hermans koopt telkens ne databoost, zet hem maar op het Pro Smart abonnement", "nl"),
    ("passez Kevin Hermans en Pro Smart svp, il rachète une recharge data chaque mois", "fr"),
    ("mettez Kevin Hermans sur l'abonnement Pro Smart, il peut garder sa recharge data", "fr"),
    ("please move Kevin Hermans to Pro Smart, he buys a data booster every month", "en"),
    ("switch Kevin Hermans to Pro Smart instead of adding a data boost every month", "en"),
]


@pytest.mark.parametrize(("text", "language"), PLAN_REQUESTS)
async def test_a_plan_asked_in_the_options_form_is_handed_to_the_plan_form(
    backend, dispatcher, text, language
):
    fleet(backend)
    slots = {"language": language}
    tracker = make_tracker(text, intent="change_options", slots=slots)

    events = await ValidateChangeOptionsForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert handed_over_to(events) == "change_plan_form"
    assert responses(dispatcher) == []  # never "already on this line: Databoost 5 GB"

    follow = make_tracker(text, intent="change_options", slots=slots)
    events = await ValidateChangePlanForm(backend.client()).run(dispatcher, follow, DOMAIN)

    filled = slots_of(events)
    assert (filled["target_line_id"], filled["plan_code"]) == ("15", "pro_smart")
    assert responses(dispatcher) == []


@pytest.mark.parametrize(
    ("text", "changes"),
    [
        # the plan is said, the option is what is asked
        ("Kevin Hermans staat op Pro Start, verwijder zijn databoost",
         {"add": [], "remove": ["data_boost_5gb"]}),
        ("Kevin Hermans est en Pro Start, retirez-lui la recharge data",
         {"add": [], "remove": ["data_boost_5gb"]}),
        ("Kevin Hermans is on Pro Start, add the world roaming pack for his trip",
         {"add": ["roam_world_1gb"], "remove": []}),
    ],
)  # fmt: skip
async def test_an_option_asked_beside_a_plan_stays_an_option_change(
    backend, dispatcher, text, changes
):
    fleet(backend)
    tracker = make_tracker(text, intent="change_options")

    events = await ValidateChangeOptionsForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert handed_over_to(events) is None
    assert slots_of(events)["option_changes"] == changes


async def test_an_options_request_naming_no_plan_reads_the_options_once(backend, dispatcher):
    fleet(backend)
    tracker = make_tracker("add the world roaming pack for Kevin Hermans", intent="change_options")

    await ValidateChangeOptionsForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert backend.paths().count("/api/v1/options") == 1


# --- activation form → SIM replacement form, for an end user ----------------------------------

OWN = line(12, "+32470000002", user_name="Julie Dubois", label="Julie Dubois")


def end_user(backend: FakeBackend) -> FakeBackend:
    backend.on("GET", "/api/v1/me", me_end_user(line_id=12))
    backend.on("GET", "/api/v1/lines", [OWN])
    backend.on("GET", "/api/v1/lines/12", OWN)
    backend.on("GET", "/api/v1/sims/check", json_response(200, {"valid": True}))
    return backend


OWN_SIM_REQUESTS = [
    (f"mijn simkaart is stuk, Sofie gaf me al een nieuwe ({GOOD_ICCID}). Kunt ge die op mijn "
     "nummer zetten?", "nl", "broken"),
    (f"ma carte SIM ne fonctionne plus, j'ai reçu une nouvelle : {GOOD_ICCID}, vous pouvez "
     "l'activer sur mon numéro ?", "fr", "broken"),
    (f"I lost my phone yesterday. My fleet manager gave me a new SIM card, {GOOD_ICCID}, please "
     "activate it for my number", "en", "lost"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "language", "reason"), OWN_SIM_REQUESTS)
async def test_an_end_user_activating_a_new_card_for_their_number_replaces_their_sim(
    backend, dispatcher, text, language, reason
):
    end_user(backend)
    slots = {"language": language}
    found = [entity("iccid", GOOD_ICCID)]
    tracker = make_tracker(text, intent="activate_line", entities=found, slots=slots)

    events = await ValidateActivationForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert handed_over_to(events) == "sim_replacement_form"
    assert responses(dispatcher) == []  # no "only a fleet manager can do that"

    # The replacement form reads the same message: the own line, the new card, what happened.
    follow = make_tracker(text, intent="activate_line", entities=found, slots=slots)
    events = await ValidateSimReplacementForm(backend.client()).run(dispatcher, follow, DOMAIN)

    filled = slots_of(events)
    assert filled["target_line_id"] == "12"
    assert filled["replacement_reason"] == reason
    assert (filled["sim_type"], filled["new_iccid"]) == ("physical", GOOD_ICCID)
    assert responses(dispatcher) == []


@pytest.mark.parametrize(
    "text",
    [
        "je voudrais une deuxième ligne pour ma femme",
        "ik wil een nieuw nummer voor mijn zoon",
        "can you activate a new line with a new SIM card for my colleague?",
        "kunt ge mijn nummer van Proximus overzetten naar de firma?",
    ],
)
async def test_an_end_user_asking_for_a_new_line_is_still_refused(backend, dispatcher, text):
    end_user(backend)
    tracker = make_tracker(text, intent="activate_line")

    events = await ValidateActivationForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert handed_over_to(events) is None
    assert responses(dispatcher) == ["utter_fleet_manager_required"]


async def test_a_fleet_managers_activation_is_never_handed_over(backend, dispatcher):
    fleet(backend)
    tracker = make_tracker(
        f"activate a new SIM card for our new colleague Tom Claes: {GOOD_ICCID}",
        intent="activate_line",
        entities=[entity("iccid", GOOD_ICCID)],
    )

    events = await ValidateActivationForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert handed_over_to(events) is None
    assert slots_of(events)["new_iccid"] == GOOD_ICCID


@pytest.mark.parametrize(
    ("text", "language", "handed_over"),
    [
        (f"De simkaart van Kevin Hermans is gebroken, ik heb hier een nieuwe liggen: {GOOD_ICCID}."
         " Kunt u die activeren?", "nl", True),
        (f"Kevin Hermans a perdu son GSM, activez cette nouvelle carte sur sa ligne : {GOOD_ICCID}",
         "fr", True),
        (f"Sarah Michiels's SIM was stolen, please activate {GOOD_ICCID} for her", "en", True),
        # a new number asked for stays an activation, mishap or not
        (f"Kevin Hermans a perdu son GSM, activez une nouvelle ligne avec un nouveau numéro : "
         f"{GOOD_ICCID}", "fr", False),
        # a mishap of somebody who has no line in the fleet yet: a new line
        (f"the SIM of our new colleague Tom Claes is broken, activate {GOOD_ICCID}", "en", False),
    ],
)  # fmt: skip
async def test_a_fleet_managers_new_card_for_a_line_with_a_mishap_replaces_its_sim(
    backend, dispatcher, text, language, handed_over
):
    fleet(backend)
    found = [entity("iccid", GOOD_ICCID)]
    tracker = make_tracker(
        text, intent="activate_line", entities=found, slots={"language": language}
    )

    events = await ValidateActivationForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert handed_over_to(events) == ("sim_replacement_form" if handed_over else None)
