"""Which option or barring each part of a sentence names, and in which direction; the plan
list with each plan's allowances."""

from __future__ import annotations

from typing import Any

import pytest

from actions.catalog_text import (
    BARRING_SYNONYMS,
    OPTION_SYNONYMS,
    barring_directions,
    find_codes,
    option_directions,
)
from actions.faq import ActionAnswerFaq
from tests.actions.support import make_tracker, plain, responses
from tests.actions.test_fleet_line_operations import EUROPE_PLUS, OPTIONS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the verb of each clause, even where the next clause's verb is nearer to the name
        ("retire le roaming europe+ et mets le pack roaming monde a la place",
         {"roam_eu_plus_10gb": False, "roam_world_1gb": True}),
        ("add the data booster and remove the international minutes",
         {"data_boost_5gb": True, "intl_calls_100": False}),
        # set20 nl-2036: the separable "op te zeggen" and the elided "d'ajouter" were no verbs
        ("wij wensen de Databoost 5 GB op te zeggen en het wereldpakket toe te voegen",
         {"data_boost_5gb": False, "roam_world_1gb": True}),
        ("merci de résilier la recharge data et d'ajouter le pack roaming monde",
         {"data_boost_5gb": False, "roam_world_1gb": True}),
        ("please terminate the data booster and add the world roaming pack",
         {"data_boost_5gb": False, "roam_world_1gb": True}),
        # Dutch verbs at the end of their clause
        ("kunt ge de roaming europa verwijderen en de databoost toevoegen",
         {"roam_eu_plus_10gb": False, "data_boost_5gb": True}),
        ("voeg de databoost en roaming wereld toe",
         {"data_boost_5gb": True, "roam_world_1gb": True}),
        # taking back a part of the request
        ("Ah non, laissez tomber les minutes internationales, elle appellera via Teams.",
         {"intl_calls_100": False}),
        ("forget the international minutes, just the world roaming",
         {"intl_calls_100": False, "roam_world_1gb": True}),
        ("remove only the data booster", {"data_boost_5gb": False}),
        # options in people's words (sizes, "second SIM", "Europa-roaming"), remove and add
        ("vire la recharge 5 giga et ajoute le pack monde 1go, il part aux US",
         {"data_boost_5gb": False, "roam_world_1gb": True}),
        ("retirer l'option roaming Europe+ et ajouter une carte SIM supplémentaire ainsi que la "
         "recharge de 5 Go", {"roam_eu_plus_10gb": False, "multisim": True,
                               "data_boost_5gb": True}),
        ("extra simkaart mag eraf en zet Europa roaming 10gb erop aub",
         {"multisim": False, "roam_eu_plus_10gb": True}),
        ("mag de Europa-roaming eraf, en ik zou graag die 100 minuten internationaal bellen "
         "erbij nemen", {"roam_eu_plus_10gb": False, "intl_calls_100": True}),
        ("take off the EU roaming bundle, he's not travelling anymore, and add a second SIM",
         {"roam_eu_plus_10gb": False, "multisim": True}),
        ("drop his international minutes and give him the 5GB data booster",
         {"intl_calls_100": False, "data_boost_5gb": True}),
        # texting abbreviations of the minutes (fr-1732)
        ("pr thomas: enlever les 100 min internationales et mettre le roaming europe+ 10go a la "
         "place", {"intl_calls_100": False, "roam_eu_plus_10gb": True}),
        ("haal de 100 min eraf en zet roaming europa+ erop", {"intl_calls_100": False,
                                                              "roam_eu_plus_10gb": True}),
        ("remove the 100 mins and add europe+ roaming",
         {"intl_calls_100": False, "roam_eu_plus_10gb": True}),
        # plurals
        ("verwijder de extra simkaarten", {"multisim": False}),
        ("supprime les sims supplementaires", {"multisim": False}),
        # "X instead of Y": Y goes the other way
        ("doe toch maar het wereldpakket van 1 GB in plaats van Europa+",
         {"roam_world_1gb": None, "roam_eu_plus_10gb": False}),
        ("mets plutôt le pack monde au lieu du roaming europe+",
         {"roam_world_1gb": True, "roam_eu_plus_10gb": False}),
        ("give him the world pack instead of the Europe+ roaming",
         {"roam_world_1gb": True, "roam_eu_plus_10gb": False}),
    ],
)  # fmt: skip
def test_option_directions_follow_each_clause(text: str, expected: dict[str, bool]) -> None:
    reading = option_directions(text, find_codes(text, [], OPTION_SYNONYMS))
    assert reading == (expected, frozenset())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bloque le roaming et les numeros surtaxes stp",
         {"roaming": True, "premium_numbers": True}),
        ("debloque les appels internationaux mais bloque les numeros 0900",
         {"international_calls": False, "premium_numbers": True}),
        # calling abroad is international calls; being abroad is roaming
        ("Wouter moet vanaf nu naar het buitenland kunnen bellen, hef die blokkering op. En "
         "blokkeer meteen de 0900-nummers bij hem.",
         {"international_calls": False, "premium_numbers": True}),
        ("block roaming, he's abroad next month", {"roaming": True}),
        # beside "only", a name without its own verb is context, not a change
        ("actually only the premium numbers, he does need to call abroad sometimes",
         {"premium_numbers": True}),
        # an "only" that names nothing is not a correction: the whole list is barred
        ("His phone is only for calls on site. Please block mobile data, premium numbers and "
         "roaming on it.", {"mobile_data": True, "premium_numbers": True, "roaming": True}),
        ("Son GSM sert uniquement sur chantier. Bloque les données, les numéros surtaxés et le "
         "roaming.", {"mobile_data": True, "premium_numbers": True, "roaming": True}),
        # a list before a verb at its end takes that verb, not the previous clause's
        ("graag de blokkering op betaalnummers opheffen, en tegelijk internationale oproepen "
         "en roaming blokkeren",
         {"premium_numbers": False, "international_calls": True, "roaming": True}),
        ("blokkeer roaming en betaalnummers, internationale oproepen mogen weer",
         {"roaming": True, "premium_numbers": True, "international_calls": False}),
        # "mag dicht" bars; going abroad is roaming, not calls abroad
        ("kunt ge de betaalnummers deblokkeren? En roaming mag dicht, hij gaat nooit naar het "
         "buitenland.", {"premium_numbers": False, "roaming": True}),
        ("unblock premium numbers and shut off roaming", {"premium_numbers": False,
                                                          "roaming": True}),
        ("débloque les numéros surtaxés et désactive le roaming",
         {"premium_numbers": False, "roaming": True}),
        # set23 fr-009: someone who calls abroad all the time calls foreign numbers
        ("tim appelle tt le temps a l'etranger avec son gsm pro, tu peux bloquer ca?",
         {"international_calls": True}),
        ("he calls abroad a lot, block that", {"international_calls": True}),
    ],
)  # fmt: skip
def test_barring_directions_follow_each_clause(text: str, expected: dict[str, bool]) -> None:
    reading = barring_directions(text, find_codes(text, [], BARRING_SYNONYMS))
    assert reading == (expected, frozenset())


def catalogue_plan(
    code: str, name: str, price: str, data: int | None, voice: int | None, sms: int | None
) -> dict[str, Any]:
    names = {"fr": name, "nl": name, "en": name}
    return {"code": code, "name": name, "names": names, "monthly_price": price,
            "data_gb": data, "voice_minutes": voice, "sms": sms}  # fmt: skip


# The demo catalogue: null is unlimited, 0 is none.
CATALOGUE = [
    catalogue_plan("pro_start", "Pro Start", "15.00", 5, 300, 300),
    catalogue_plan("pro_smart", "Pro Smart", "25.00", 20, None, None),
    catalogue_plan("pro_unlimited", "Pro Unlimited", "40.00", None, None, None),
    catalogue_plan("data_only_50gb", "Data Only 50 GB", "20.00", 50, 0, 0),
]
FAQ_DOMAIN = {"responses": {"utter_faq_plan_prices": [], "utter_plan_details": []}}


async def ask_plans(backend, dispatcher, text: str, language: str) -> list[dict[str, Any]]:
    backend.on("GET", "/api/v1/plans", CATALOGUE)
    tracker = make_tracker(text, intent="faq_plan_prices", slots={"language": language})
    await ActionAnswerFaq(backend.client()).run(dispatcher, tracker, FAQ_DOMAIN)
    return dispatcher.messages


@pytest.mark.parametrize(
    ("language", "question", "rows"),
    [
        ("fr", "quels sont vos abonnements ?", [
            "• Pro Start · 5 Go · 300 min · 300 SMS · 15,00 €",
            "• Pro Smart · 20 Go · appels et SMS illimités · 25,00 €",
            "• Pro Unlimited · data illimitées · appels et SMS illimités · 40,00 €",
            "• Data Only 50 GB · 50 Go · ni appels ni SMS · 20,00 €",
        ]),
        ("nl", "welke tariefplannen hebben jullie?", [
            "• Pro Start · 5 GB · 300 min · 300 SMS · € 15,00",
            "• Pro Smart · 20 GB · onbeperkt bellen en sms'en · € 25,00",
            "• Pro Unlimited · onbeperkt data · onbeperkt bellen en sms'en · € 40,00",
            "• Data Only 50 GB · 50 GB · geen bellen of sms · € 20,00",
        ]),
        ("en", "what plans do you have?", [
            "• Pro Start · 5 GB · 300 mins · 300 SMS · €15.00",
            "• Pro Smart · 20 GB · unlimited calls and texts · €25.00",
            "• Pro Unlimited · unlimited data · unlimited calls and texts · €40.00",
            "• Data Only 50 GB · 50 GB · no calls or texts · €20.00",
        ]),
    ],
)  # fmt: skip
async def test_the_plan_list_gives_each_plans_allowances_and_price(
    backend, dispatcher, language: str, question: str, rows: list[str]
) -> None:
    [message] = await ask_plans(backend, dispatcher, question, language)

    assert message["response"] == "utter_faq_plan_prices"
    assert plain(message["plans"]).splitlines() == rows


@pytest.mark.parametrize(
    ("language", "question", "plan"),
    [
        ("nl", "hoeveel data zit er eigenlijk in Pro Start?",
         "Pro Start · 5 GB · 300 min · 300 SMS · € 15,00"),
        ("fr", "c'est combien de Go le forfait pro smart ?",
         "Pro Smart · 20 Go · appels et SMS illimités · 25,00 €"),
        ("en", "does Data Only include any calls?",
         "Data Only 50 GB · 50 GB · no calls or texts · €20.00"),
    ],
)  # fmt: skip
async def test_a_question_about_one_plan_answers_that_plan_first(
    backend, dispatcher, language: str, question: str, plan: str
) -> None:
    [message] = await ask_plans(backend, dispatcher, question, language)

    assert message["response"] == "utter_plan_details"
    assert plain(message["plan"]) == plan
    others = plain(message["plans"]).splitlines()
    assert len(others) == 3 and not any(row.startswith(f"• {plan}") for row in others)


async def test_without_the_allowances_the_list_still_gives_the_prices(backend, dispatcher):
    bare = [{k: v for k, v in plan.items() if k in ("code", "name", "names", "monthly_price")}
            for plan in CATALOGUE[:2]]  # fmt: skip
    backend.on("GET", "/api/v1/plans", bare)
    tracker = make_tracker("plans?", intent="faq_plan_prices", slots={"language": "en"})

    await ActionAnswerFaq(backend.client()).run(dispatcher, tracker, FAQ_DOMAIN)

    assert responses(dispatcher) == ["utter_faq_plan_prices"]
    assert plain(dispatcher.messages[0]["plans"]).splitlines() == [
        "• Pro Start · €15.00",
        "• Pro Smart · €25.00",
    ]


@pytest.mark.parametrize(
    ("language", "question", "row"),
    [
        ("fr", "juste pour info, ca coute combien par mois le roaming europe+ ?",
         "• Roaming Europe+ 10 Go · 12,00 €"),
        ("nl", "wat kost die databoost eigenlijk per maand?", "• Databoost 5 GB · € 7,50"),
        ("en", "how much is the world roaming pack a month?", "• World roaming pack 1 GB · €10.00"),
    ],
)  # fmt: skip
async def test_a_price_question_about_an_option_gives_that_options_price(
    backend, dispatcher, language: str, question: str, row: str
) -> None:
    backend.on("GET", "/api/v1/options", [*OPTIONS, EUROPE_PLUS])

    [message] = await ask_plans(backend, dispatcher, question, language)

    assert message["response"] == "utter_option_prices"
    assert plain(message["options"]).splitlines() == [row]


@pytest.mark.parametrize(
    ("language", "question"),
    [
        ("fr", "quelles options existent et à quel prix ?"),
        ("nl", "Welke opties hebt ge allemaal, en wat kosten die?"),
        ("en", "what add-ons are there and how much are they?"),
    ],
)
async def test_a_price_question_about_options_in_general_lists_every_option(
    backend, dispatcher, language: str, question: str
) -> None:
    # nl-1735: the question got the plans' prices.
    backend.on("GET", "/api/v1/options", [*OPTIONS, EUROPE_PLUS])

    [message] = await ask_plans(backend, dispatcher, question, language)

    assert message["response"] == "utter_option_prices"
    assert len(plain(message["options"]).splitlines()) == 3


async def test_a_question_about_plans_and_options_gives_the_plans(backend, dispatcher) -> None:
    backend.on("GET", "/api/v1/options", [*OPTIONS, EUROPE_PLUS])

    [message] = await ask_plans(backend, dispatcher, "prix des abonnements et options ?", "fr")

    assert message["response"] == "utter_faq_plan_prices"
