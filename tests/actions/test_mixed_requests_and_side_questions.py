"""Each option takes its own verb in a mixed request; words that describe a line are no service
to bar; "can I unblock them myself?" at a barring summary is about the services (no reset
e-mail); a switch asked beside a how-to question or a greeting is done."""

from __future__ import annotations

from typing import Any

import pytest

from actions.barring import ValidateChangeBarringsForm
from actions.catalog_text import (
    barring_directions,
    find_barrings,
    find_options,
    option_directions,
)
from actions.faq import ActionAnswerFaq
from actions.greet import ActionGreet
from actions.options import ValidateChangeOptionsForm
from tests.actions.support import (
    entity,
    json_response,
    line,
    make_tracker,
    me_end_user,
    me_fleet_manager,
    responses,
)
from tests.actions.test_fleet_line_operations import (
    BARRABLE,
    DOMAIN,
    EUROPE_PLUS,
    OPTIONS,
    fleet,
    slots_of,
)

KEVIN = line(15, "+32470000015", user_name="Kevin Hermans", label="Kevin Hermans",
             options=[OPTIONS[0]])  # fmt: skip
BRAM = line(11, "+32470000011", user_name="Bram Jacobs", label="Bram Jacobs")
MOBILE_DATA = {"code": "mobile_data", "name": "Mobiele data",
               "names": {"fr": "Données mobiles", "nl": "Mobiele data",
                         "en": "Mobile data"}}  # fmt: skip
FAQ_DOMAIN: dict[str, Any] = {
    "responses": {
        "utter_faq_account_locked": [],
        "utter_faq_barring": [],
        "utter_faq_unblock_services": [],
        "utter_faq_keep_number_when_leaving": [],
        "utter_faq_porting": [],
        "utter_faq_termination_fee": [],
        "utter_faq_role_switch": [],
    }
}
PENDING = {"pending_operation_id": "op_abc", "pending_operation_type": "change_barrings"}


# --- fr-024: each option takes the verb of its own clause -------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Pour Kevin Hermans (0470 00 00 15): enlevez la recharge data 5 go, il l'utilise "
         "jamais, et mettez le roaming Europe+ 10 go a la place.", "fr"),
        ("Voor Kevin Hermans (0470 00 00 15): haal de databoost 5 GB weg, hij gebruikt hem "
         "nooit, en zet de roaming Europa+ 10 GB in de plaats.", "nl"),
        ("For Kevin Hermans (0470 00 00 15): remove the 5 GB data boost, he never uses it, and "
         "put the Europe+ 10 GB roaming on instead.", "en"),
    ],
)  # fmt: skip
async def test_a_removal_and_an_addition_each_keep_their_own_verb(
    backend, dispatcher, text, language
):
    fleet(backend, KEVIN)
    backend.on("GET", "/api/v1/options", [*OPTIONS, EUROPE_PLUS])
    tracker = make_tracker(text, intent="change_options", slots={"language": language})

    events = await ValidateChangeOptionsForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["target_line_id"] == "15"
    assert slots_of(events)["option_changes"] == {
        "add": ["roam_eu_plus_10gb"],
        "remove": ["data_boost_5gb"],
    }
    assert "utter_option_changes_already_off" not in responses(dispatcher)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an option named in a sentence that asks nothing is why, not what
        ("Kevin n'utilise jamais la recharge data. Ajoutez le roaming monde.",
         {"roam_world_1gb": True}),
        ("Kevin gebruikt de databoost nooit. Zet de wereldroaming erop.",
         {"roam_world_1gb": True}),
        ("Kevin never uses the data boost. Add the world roaming.", {"roam_world_1gb": True}),
        # unless the request takes it back
        ("Kevin n'utilise plus la recharge data. Vous pouvez la retirer et ajouter le roaming "
         "monde ?", {"data_boost_5gb": False, "roam_world_1gb": True}),
        ("Kevin gebruikt de databoost niet meer. Haal hem weg en zet de wereldroaming erop.",
         {"data_boost_5gb": False, "roam_world_1gb": True}),
        ("Kevin doesn't use the data boost anymore. Remove it and add the world roaming.",
         {"data_boost_5gb": False, "roam_world_1gb": True}),
    ],
)  # fmt: skip
def test_an_option_only_named_before_a_request_is_left_alone(
    text: str, expected: dict[str, bool]
) -> None:
    mentions = [(code, start) for code, start, _ in find_options(text, [])]

    assert option_directions(text, mentions).changes == expected


# --- en-027: "data line", "4G router" say what the line is -----------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "The 4G router in the warehouse (Bram Jacobs' data line) should never roam. Please bar "
        "roaming on it.",
        "Le routeur 4G de l'entrepôt (la ligne data de Bram Jacobs) ne doit jamais être en "
        "roaming. Bloquez le roaming dessus.",
        "De 4G-router in het magazijn (de data-lijn van Bram Jacobs) mag nooit roamen. Blokkeer "
        "roaming erop.",
    ],
)
async def test_words_describing_the_line_are_no_service_to_bar(backend, dispatcher, text):
    fleet(backend, BRAM)
    backend.on("GET", "/api/v1/barrable-services", [*BARRABLE, MOBILE_DATA])
    tracker = make_tracker(text, intent="change_barrings")

    events = await ValidateChangeBarringsForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["target_line_id"] == "11"
    assert slots_of(events)["barring_changes"] == {"block": ["roaming"], "unblock": []}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the services of the request are still barred
        ("block data, premium and roaming on Bram's line",
         {"mobile_data": True, "premium_numbers": True, "roaming": True}),
        ("bloquez les données mobiles et le roaming sur la ligne de Bram",
         {"mobile_data": True, "roaming": True}),
        ("roaming en data blokkeren op de lijn van Bram", {"roaming": True, "mobile_data": True}),
        # named in a sentence that asks nothing, beside a request that names its own service
        ("Bram's phone uses a lot of data. Please bar roaming on it.", {"roaming": True}),
        ("Bram gebruikt veel data. Blokkeer roaming aub.", {"roaming": True}),
        ("Bram utilise beaucoup de données. Bloquez le roaming.", {"roaming": True}),
        # a later request that names nothing takes what was named before it
        ("Premium numbers on Bram's line? Block them please.", {"premium_numbers": True}),
    ],
)  # fmt: skip
def test_only_the_services_a_request_names_are_barred(text: str, expected: dict[str, bool]):
    mentions = [(code, start) for code, start, _ in find_barrings(text, [])]

    assert barring_directions(text, mentions).changes == expected


# --- en-028: unblocking services is no locked account -----------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "can I unblock them myself later in the portal if needed?",
        "est-ce que je pourrai les débloquer moi-même plus tard dans le portail ?",
        "kan ik ze later zelf deblokkeren in het portaal als het nodig is?",
    ],
)
@pytest.mark.parametrize("intent", ["faq_account_locked", "faq_barring"])
async def test_unblocking_services_later_is_explained_without_a_reset_mail(
    backend, dispatcher, text, intent
):
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    tracker = make_tracker(text, intent=intent, slots=PENDING)

    await ActionAnswerFaq(backend.client()).run(dispatcher, tracker, FAQ_DOMAIN)

    assert responses(dispatcher) == ["utter_faq_unblock_services"]
    assert [r for r in backend.requests if r.method == "POST"] == []


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # set25 fr-008 / en-005: read as keeping the number (the prepaid offer came instead of
        # the deactivation), or answered with the porting how-to
        ("petite question en passant : si un jour un employe veut garder son numero en "
         "partant, on fait comment ?", "faq_termination_fee"),
        ("quick q before you do: what would we have had to do if she'd wanted to keep her "
         "number?", "faq_porting"),
        ("en als hij zijn nummer had willen meenemen, hoe moet dat dan?", "faq_porting"),
    ],
)  # fmt: skip
async def test_keeping_the_number_asked_at_a_deactivation_is_the_prepaid_way(
    backend, dispatcher, text, intent
):
    slots = {"pending_operation_id": "op_1", "pending_operation_type": "deactivate_line"}
    tracker = make_tracker(text, intent=intent, slots=slots)

    await ActionAnswerFaq(backend.client()).run(dispatcher, tracker, FAQ_DOMAIN)

    assert responses(dispatcher) == ["utter_faq_keep_number_when_leaving"]


@pytest.mark.parametrize(
    "text",
    [
        # set23 fr-009: a service named with "block" got the unblocking answer
        "tim aerts appelle tt le temps a l'etranger avec son gsm pro, tu peux bloquer un truc?",
        "he keeps roaming abroad, what can I block?",
        "kan ik de internationale oproepen blokkeren?",
    ],
)
async def test_a_barring_question_naming_a_service_is_about_blocking(backend, dispatcher, text):
    tracker = make_tracker(text, intent="faq_barring")

    await ActionAnswerFaq(backend.client()).run(dispatcher, tracker, FAQ_DOMAIN)

    assert responses(dispatcher) == ["utter_faq_barring"]


@pytest.mark.parametrize(
    "text",
    [
        "le blocage dure combien de temps ?",
        "hoe lang duurt de blokkering?",
        "how long is it blocked?",
    ],
)
async def test_a_locked_question_not_about_the_account_sends_nothing(backend, dispatcher, text):
    backend.on("GET", "/api/v1/me", me_end_user())
    tracker = make_tracker(text, intent="faq_account_locked")

    await ActionAnswerFaq(backend.client()).run(dispatcher, tracker, FAQ_DOMAIN)

    assert responses(dispatcher) == ["utter_faq_account_locked"]
    assert [r for r in backend.requests if r.method == "POST"] == []


@pytest.mark.parametrize(
    "text",
    [
        "mon compte est bloqué, je n'arrive plus à me connecter",
        "ik kan niet meer inloggen, mijn wachtwoord wordt geweigerd",
        "I'm locked out of my account",
    ],
)
async def test_someone_who_cannot_log_in_still_gets_the_link(backend, dispatcher, text):
    backend.on("GET", "/api/v1/me", me_end_user())
    backend.on("GET", "/api/v1/lines", [line()])
    backend.on(
        "POST",
        "/api/v1/me/password-reset",
        json_response(202, {"sent_to": "j***@acme.be", "expires_in_minutes": 30}),
    )
    tracker = make_tracker(text, intent="faq_account_locked")

    await ActionAnswerFaq(backend.client()).run(dispatcher, tracker, FAQ_DOMAIN)

    assert responses(dispatcher) == ["utter_account_locked_explained", "utter_password_reset_sent"]


# --- en-039 / en-040: the switch asked beside a question or a greeting is done ----------------


def switching(backend) -> None:
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("PUT", "/api/v1/me/active-role", me_fleet_manager(active_role="end_user"))


def puts(backend) -> list[str]:
    return [r.url.path for r in backend.requests if r.method == "PUT"]


@pytest.mark.parametrize(
    "text",
    [
        "How do I get to the user portal? Can you switch me there, I want to see my own line only.",
        "Comment j'accède au portail utilisateur ? Vous pouvez me mettre dessus ? Je veux voir "
        "ma ligne.",
        "Hoe kom ik op het gebruikersportaal? Kun je me daar zetten, ik wil enkel mijn eigen "
        "lijn zien.",
    ],
)
async def test_a_switch_asked_beside_the_how_to_is_done(backend, dispatcher, text):
    switching(backend)
    tracker = make_tracker(
        text, intent="faq_role_switch", entities=[entity("portal_role", "end_user")]
    )

    await ActionAnswerFaq(backend.client()).run(dispatcher, tracker, FAQ_DOMAIN)

    assert puts(backend) == ["/api/v1/me/active-role"]
    assert responses(dispatcher) == ["utter_role_switched_end_user"]


@pytest.mark.parametrize(
    "text",
    [
        "how do I switch between the user portal and the fleet manager portal?",
        "comment passer au portail utilisateur ?",
        "hoe schakel ik naar het gebruikersportaal?",
    ],
)
async def test_the_how_to_alone_is_only_explained(backend, dispatcher, text):
    switching(backend)
    tracker = make_tracker(text, intent="faq_role_switch")

    await ActionAnswerFaq(backend.client()).run(dispatcher, tracker, FAQ_DOMAIN)

    assert puts(backend) == []
    assert responses(dispatcher) == ["utter_faq_role_switch"]


@pytest.mark.parametrize(
    "text",
    [
        "Hallo! Switch me to the employee view pls",
        "Bonjour ! Passe-moi en vue employé stp",
        "Hallo! Zet me op de werknemersweergave aub",
    ],
)
async def test_a_greeting_that_asks_for_the_other_portal_switches(backend, dispatcher, text):
    switching(backend)

    await ActionGreet(backend.client()).run(dispatcher, make_tracker(text, intent="greet"), {})

    assert puts(backend) == ["/api/v1/me/active-role"]
    assert responses(dispatcher) == ["utter_role_switched_end_user"]


@pytest.mark.parametrize(
    "text",
    [
        "Hello, I'm the fleet manager",
        "Bonjour, je voudrais passer une commande pour un nouvel utilisateur",
        "Hallo, hoe schakel ik naar het gebruikersportaal?",
    ],
)
async def test_a_greeting_without_a_switch_request_only_greets(backend, dispatcher, text):
    switching(backend)

    await ActionGreet(backend.client()).run(dispatcher, make_tracker(text, intent="greet"), {})

    assert puts(backend) == []
    assert responses(dispatcher) == ["utter_greet_fleet_manager"]
