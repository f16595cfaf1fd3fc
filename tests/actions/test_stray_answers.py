"""An answer with no question waiting (``inform`` outside any form, actions/stray_answers.py): a
device of the list shown earlier starts the item form, a line asks what to do for it, anything
else asks to rephrase — in every language, whatever the backend does."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import FollowupAction

from actions.stray_answers import ActionReadStrayAnswer
from tests.actions.support import FakeBackend, entity, error, make_tracker, responses
from tests.actions.test_fleet_line_operations import JAN, fleet
from tests.actions.test_shop import CATALOGUE

DOMAIN: dict[str, Any] = {}

DEVICE_LIST = {
    "event": "bot",
    "text": "…",
    "data": {
        "buttons": [
            {"title": "Samsung Galaxy A56 5G", "payload": '/inform{"shop_device_id": "2"}'},
            {"title": "Apple iPhone 16", "payload": '/inform{"shop_device_id": "1"}'},
        ]
    },
}


def answer(text: str, *, language: str = "en", shown: bool = True, **kwargs: Any) -> Any:
    """A tracker whose latest message ``text`` is an ``inform`` given after a device list (or
    not)."""
    tracker = make_tracker(text, intent="inform", slots={"language": language}, **kwargs)
    if shown:
        tracker.events.insert(0, DEVICE_LIST)
    return tracker


def fleet_and_shop(backend: FakeBackend) -> FakeBackend:
    """A fleet manager's lines and the shop's catalogue."""
    return fleet(backend).on("GET", "/api/v1/catalog/devices", CATALOGUE)


async def run(backend: FakeBackend, dispatcher: Any, tracker: Any) -> list[Any]:
    return list(await ActionReadStrayAnswer(backend.client()).run(dispatcher, tracker, DOMAIN))


@pytest.mark.parametrize(
    ("text", "language"),
    [("the second one", "en"), ("le deuxième", "fr"), ("de tweede", "nl"), ("de Samsung", "nl")],
)
async def test_a_device_of_the_list_shown_earlier_starts_the_item_form(
    backend, dispatcher, text: str, language: str
):
    fleet_and_shop(backend)

    events = await run(backend, dispatcher, answer(text, language=language))

    assert events == [FollowupAction("shop_item_form")]
    assert responses(dispatcher) == []


async def test_a_device_button_starts_the_item_form_without_a_list_in_view(backend, dispatcher):
    tracker = answer(
        '/inform{"shop_device_id": "2"}', shown=False, entities=[entity("shop_device_id", "2")]
    )

    assert await run(backend, dispatcher, tracker) == [FollowupAction("shop_item_form")]
    assert backend.requests == []


@pytest.mark.parametrize(
    "text",
    [
        "je voudrais commander trois Samsung Galaxy A55 bleu marine, livraison au siège",
        "een iPhone 16 voor mijn eigen lijn 0470 00 00 03 aub",
        "2 Pixel 9 in white please",
        "il me faut un iphone 16 pro noir 256 pour moi (ma ligne 0470 00 00 03)",
        "bjr, deux xcover 7 pro pour le chantier svp",
        "three iphone sixteen e's, black, 128 gig, for the warehouse team leads",
    ],
)
async def test_a_device_of_the_shop_named_starts_the_item_form(backend, dispatcher, text: str):
    fleet_and_shop(backend)
    entities = [entity("phone_number", "0470000003")] if "0470" in text else []

    events = await run(backend, dispatcher, answer(text, shown=False, entities=entities))

    assert events == [FollowupAction("shop_item_form")]
    assert responses(dispatcher) == []


@pytest.mark.parametrize(
    "text",
    [
        "il me faut un ifone 16 pro noir 256 pour moi, livré chez moi pas au bureau",
        "een nieuw toestel, leveren op het kantoor aub",
        "a new handset, deliver to our office please",
    ],
)
async def test_an_answer_that_says_where_to_deliver_starts_the_item_form(
    backend, dispatcher, text: str
):
    events = await run(backend, dispatcher, answer(text, shown=False))

    assert events == [FollowupAction("shop_item_form")]
    assert backend.requests == []


@pytest.mark.parametrize(
    "text",
    [
        "die van Jan Peeters",
        "la ligne de Jan Peeters",
        "0470 00 00 03",
        "the phone of Jan Peeters",
        "les appels de Jan Peeters",
    ],
)
async def test_a_line_asks_what_to_do_for_it(backend, dispatcher, text: str):
    fleet_and_shop(backend)
    entities = [entity("phone_number", "0470000003")] if text[0].isdigit() else []

    events = await run(backend, dispatcher, answer(text, shown=False, entities=entities))

    assert events == []
    assert responses(dispatcher) == ["utter_choose_line_without_operation"]


async def test_a_line_button_is_read_from_the_backend(backend, dispatcher):
    fleet_and_shop(backend)
    tracker = answer(
        f'/inform{{"line_id": "{JAN["id"]}"}}', shown=False, entities=[entity("line_id", "3")]
    )

    await run(backend, dispatcher, tracker)

    assert "/api/v1/lines/3" in backend.paths()
    assert responses(dispatcher) == ["utter_choose_line_without_operation"]


@pytest.mark.parametrize("text", ["black", "zwart", "256 GB", "Proximus"])
async def test_anything_else_asks_to_rephrase(backend, dispatcher, text: str):
    fleet_and_shop(backend)

    events = await run(backend, dispatcher, answer(text, shown=False))

    assert events == []
    assert responses(dispatcher) == ["utter_ask_rephrase"]


async def test_a_backend_down_is_said_politely(backend, dispatcher):
    backend.on("GET", "/api/v1/catalog/devices", error(503, "unavailable"))

    await run(backend, dispatcher, answer("die van Jan Peeters", shown=False))

    assert responses(dispatcher) == ["utter_backend_unavailable"]


async def test_someone_not_logged_in_is_asked_to_rephrase(backend, dispatcher):
    backend.on("GET", "/api/v1/catalog/devices", error(401, "chat_identity_unknown"))

    await run(backend, dispatcher, answer("0470 00 00 03", shown=False))

    assert responses(dispatcher) == ["utter_ask_rephrase"]
