"""One device per line named at "for which line?": "un pour Lien Verhaeghe et un pour Dries
Desmet" splits the item into one cart item per line when the counts make the quantity, and is
never asked again (fr-005: "Plusieurs lignes correspondent" three times, the form stuck)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from actions.shop import ActionAddToCart, ValidateShopItemForm, share_counts
from tests.actions.support import FakeBackend, json_response, line, make_tracker, responses
from tests.actions.test_shop import DOMAIN, FAIRPHONE, cart_item, cart_of, many, slots_of

LIEN = line(21, "+32470000021", user_name="Lien Verhaeghe", label="Lien Verhaeghe")
DRIES = line(22, "+32470000022", user_name="Dries Desmet", label="Dries Desmet")
JAN = line(23, "+32470000023", user_name="Jan Peeters", label="Jan Peeters")
# Two Fairphone 5 in Matte Black, 256 GB: for which line?
TWO_FAIRPHONES = {"shop_device_id": "11", "shop_colour": "Matte Black", "shop_storage_gb": 256.0,
                  "shop_quantity": 2.0, "requested_slot": "shop_for_line_id"}  # fmt: skip


def fleet(backend: FakeBackend) -> FakeBackend:
    return many(backend).on("GET", "/api/v1/lines", [LIEN, DRIES, JAN])


async def answered(
    backend: FakeBackend, dispatcher: Any, text: str, language: str, **slots: Any
) -> dict[str, Any]:
    asked = {**TWO_FAIRPHONES, "language": language, **slots}
    tracker = make_tracker(text, intent="inform", slots=asked)
    return slots_of(await ValidateShopItemForm(backend.client()).run(dispatcher, tracker, DOMAIN))


@pytest.mark.parametrize(
    ("text", "language", "shares"),
    [
        ("un pour Lien Verhaeghe et un pour Dries Desmet", "fr",
         "1 pour Lien Verhaeghe, 1 pour Dries Desmet"),
        ("Lien Verhaeghe et Dries Desmet", "fr", "1 pour Lien Verhaeghe, 1 pour Dries Desmet"),
        ("een voor Lien Verhaeghe en een voor Dries Desmet", "nl",
         "1 voor Lien Verhaeghe, 1 voor Dries Desmet"),
        ("1 voor Lien, 1 voor Dries", "nl", "1 voor Lien Verhaeghe, 1 voor Dries Desmet"),
        ("one for Lien and one for Dries", "en", "1 for Lien Verhaeghe, 1 for Dries Desmet"),
        ("one each for Lien Verhaeghe and Dries Desmet", "en",
         "1 for Lien Verhaeghe, 1 for Dries Desmet"),
    ],
)  # fmt: skip
async def test_one_unit_per_line_named_splits_the_item(backend, dispatcher, text, language, shares):
    fleet(backend)

    values = await answered(backend, dispatcher, text, language)

    assert values["shop_for_line_id"] == "21:1 22:1"
    assert responses(dispatcher) == ["utter_shop_lines_split"]
    assert dispatcher.messages[0]["shares"] == shares


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("deux pour Lien et un pour Dries", "fr"),
        ("twee voor Lien en een voor Dries", "nl"),
        ("two for Lien and one for Dries", "en"),
    ],
)
async def test_several_units_for_one_of_the_lines(backend, dispatcher, text, language):
    fleet(backend)

    values = await answered(backend, dispatcher, text, language, shop_quantity=3.0)

    assert values["shop_for_line_id"] == "21:2 22:1"


@pytest.mark.parametrize(
    ("text", "language", "quantity", "lines"),
    [
        # the counts do not make the quantity
        ("un pour Lien et un pour Dries", "fr", 3.0, "Lien Verhaeghe, Dries Desmet"),
        ("een voor Lien en een voor Dries", "nl", 3.0, "Lien Verhaeghe, Dries Desmet"),
        ("one for Lien and one for Dries", "en", 3.0, "Lien Verhaeghe, Dries Desmet"),
        # a line nobody can find
        ("un pour Lien et un pour Zorro", "fr", 2.0, "Lien Verhaeghe, Zorro"),
        ("een voor Lien en een voor Zorro", "nl", 2.0, "Lien Verhaeghe, Zorro"),
        ("one for Lien and one for Zorro", "en", 2.0, "Lien Verhaeghe, Zorro"),
        ("un pour Lien et un pour le nouveau chauffeur", "fr", 2.0,
         "Lien Verhaeghe, le nouveau chauffeur"),
        ("een voor Lien en een voor de nieuwe collega", "nl", 2.0,
         "Lien Verhaeghe, de nieuwe collega"),
        ("one for Lien and one for the new driver", "en", 2.0, "Lien Verhaeghe, the new driver"),
    ],
)  # fmt: skip
async def test_lines_that_cannot_take_the_units_are_said_and_no_line_taken(
    backend, dispatcher, text, language, quantity, lines
):
    fleet(backend)

    for _ in range(2):  # the same answer again: never "which one?" for ever
        dispatcher.messages.clear()
        values = await answered(backend, dispatcher, text, language, shop_quantity=quantity)

        assert values["shop_for_line_id"] == "none"
        assert responses(dispatcher) == ["utter_shop_lines_not_split"]
        assert dispatcher.messages[0]["lines"] == lines


@pytest.mark.parametrize(
    ("text", "language"),
    [("pour Lien Verhaeghe", "fr"), ("pour Lien, c'est pour elle", "fr"),
     ("voor Lien, de nieuwe", "nl"), ("voor Lien, bedankt voor de hulp", "nl"),
     ("Lien Verhaeghe", "en"), ("for Lien, thanks for asking", "en")],
)  # fmt: skip
async def test_one_line_named_takes_all_the_units(backend, dispatcher, text, language):
    fleet(backend)

    values = await answered(backend, dispatcher, text, language)

    assert values["shop_for_line_id"] == "21"
    assert responses(dispatcher) == []


@pytest.mark.parametrize(
    ("text", "language"),
    [("Lien ou Dries", "fr"), ("Lien et Dries", "fr"), ("Lien of Dries", "nl"),
     ("Lien en Dries", "nl"), ("Lien or Dries", "en"), ("Lien and Dries", "en")],
)  # fmt: skip
async def test_two_lines_for_one_unit_asks_which_one(backend, dispatcher, text, language):
    fleet(backend)

    values = await answered(backend, dispatcher, text, language, shop_quantity=1.0)

    assert "shop_for_line_id" not in values
    assert responses(dispatcher) == ["utter_which_line"]


@pytest.mark.parametrize(
    ("text", "language"),
    [("un pour Lien et un pour Dries", "fr"), ("een voor Lien en een voor Dries", "nl"),
     ("one for Lien and one for Dries", "en")],
)  # fmt: skip
async def test_a_unit_for_each_of_two_lines_of_one_is_said_not_asked_again(
    backend, dispatcher, text, language
):
    fleet(backend)

    values = await answered(backend, dispatcher, text, language, shop_quantity=1.0)

    assert values["shop_for_line_id"] == "none"
    assert responses(dispatcher) == ["utter_shop_lines_not_split"]


def test_the_units_each_part_gives_its_line():
    assert share_counts(["un pour Lien", "un pour Dries"], 2) == [1, 1]
    assert share_counts(["Lien", "Dries"], 4) == [2, 2]
    assert share_counts(["deux pour Lien", "Dries"], 3) == [2, 1]
    assert share_counts(["un pour le 0470 12 34 56", "un pour Dries"], 2) == [1, 1]
    assert share_counts(["un pour Lien", "un pour Dries"], 3) is None
    assert share_counts(["Lien", "Dries"], 3) is None


# --- the cart gets one item per line ----------------------------------------------------------

ALL_FOR_LIEN = cart_of(cart_item(91, FAIRPHONE, "Matte Black", 2, for_line_id=21))
ONE_EACH = cart_of(
    cart_item(91, FAIRPHONE, "Matte Black", 1, for_line_id=21),
    cart_item(92, FAIRPHONE, "Matte Black", 1, for_line_id=22),
)


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
async def test_a_split_item_is_one_cart_item_per_line(backend, dispatcher, language):
    many(backend)
    sent: list[httpx.Request] = []
    replies: dict[str, dict[str, Any]] = {}  # the backend replays the answer to a key

    def cart_change(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        key = request.headers["Idempotency-Key"]
        replies.setdefault(key, ALL_FOR_LIEN if not replies else ONE_EACH)
        return json_response(201, replies[key])

    backend.on("POST", "/api/v1/cart/items", cart_change)
    backend.on("PATCH", "/api/v1/cart/items/91", cart_change)
    slots = {**TWO_FAIRPHONES, "shop_for_line_id": "21:1 22:1", "language": language}
    tracker = make_tracker("one for Lien and one for Dries", intent="inform", slots=slots)

    events = await ActionAddToCart(backend.client()).run(dispatcher, tracker, DOMAIN)
    again = await ActionAddToCart(backend.client()).run(dispatcher, tracker, DOMAIN)

    # the whole quantity first (its stock checked at once), then each line its share
    assert [(r.method, r.url.path, json.loads(r.content)) for r in sent[:3]] == [
        ("POST", "/api/v1/cart/items", {"device_id": "11", "colour": "Matte Black",
                                        "storage_gb": 256, "quantity": 2, "for_line_id": 21}),
        ("PATCH", "/api/v1/cart/items/91", {"quantity": 1}),
        ("POST", "/api/v1/cart/items", {"device_id": "11", "colour": "Matte Black",
                                        "storage_gb": 256, "quantity": 1, "for_line_id": 22}),
    ]  # fmt: skip
    # a retry of the action sends the same requests with the same keys
    keys = [r.headers["Idempotency-Key"] for r in sent]
    assert keys[:3] == keys[3:] and len(set(keys)) == 3
    assert [json.loads(r.content) for r in sent[:3]] == [json.loads(r.content) for r in sent[3:]]
    assert responses(dispatcher)[:2] == ["utter_cart_item_added", "utter_ask_place_order_now"]
    assert dispatcher.messages[0]["quantity"] == 2
    assert dispatcher.messages[0]["items"].count("1 × Fairphone 5 (Matte Black, 256 GB)") == 2
    assert events == again
