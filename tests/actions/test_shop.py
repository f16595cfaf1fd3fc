"""Hardware shop: search, variant form, cart add/remove, out-of-stock alternatives, order."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet

from actions.api.backend import Device
from actions.cart_changes import order_waits as cart_order_waits
from actions.cart_changes import says_cart_change
from actions.operations import ActionConfirmOperation
from actions.shop import (
    ActionAddToCart,
    ActionAskOrderDelivery,
    ActionAskShopColour,
    ActionAskShopDeviceId,
    ActionAskShopStorageGb,
    ActionPrepareOrder,
    ActionRemoveCartItem,
    ActionSearchDevices,
    ActionShowCart,
    ActionShowOrders,
    ValidateOrderDeliveryForm,
    ValidateShopItemForm,
    address_in,
    colour_in,
    delivery_in,
    device_mentions,
    for_someone,
    item_words,
    opening_quantity,
    quantity_in,
    search_words,
    storage_in,
)
from tests.actions.support import (
    FakeBackend,
    company,
    entity,
    error,
    json_response,
    line,
    make_tracker,
    me_fleet_manager,
    responses,
)

ROOT = Path(__file__).resolve().parents[2]
DOMAIN: dict[str, Any] = {
    "forms": {
        "shop_item_form": {
            "required_slots": [
                "shop_device_id",
                "shop_colour",
                "shop_storage_gb",
                "shop_quantity",
                "shop_for_line_id",
            ]
        }
    }
}


def variant(colour: str, storage: int, price: str, stock: int = 5) -> dict[str, Any]:
    return {"colour": colour, "storage_gb": storage, "price_excl_vat": price, "stock": stock}


IPHONE = {"id": 1, "brand": "Apple", "model": "iPhone 16", "name": "Apple iPhone 16",
          "rugged": False, "min_price": "829.00",
          "variants": [variant("Black", 128, "829.00"), variant("Black", 256, "949.00", 0),
                       variant("White", 128, "829.00", 2)]}  # fmt: skip
GALAXY = {"id": 2, "brand": "Samsung", "model": "Galaxy A55", "name": "Samsung Galaxy A55",
          "rugged": False, "min_price": "399.00",
          "variants": [variant("Navy", 256, "399.00", 8)]}  # fmt: skip
SOLD_OUT = {"id": 3, "brand": "Nokia", "model": "3210 4G", "name": "Nokia 3210 4G",
            "rugged": False, "min_price": "79.00",
            "variants": [variant("Grunge Black", 128, "79.00", 0)]}  # fmt: skip
ITEM = {"id": 31, "device_id": 1, "name": "Apple iPhone 16", "colour": "Black", "storage_gb": 128,
        "quantity": 2, "unit_price": "829.00"}  # fmt: skip
CART = {"items": [ITEM], "total_excl_vat": "1658.00", "total_incl_vat": "2006.18"}
EMPTY = {"items": [], "total_excl_vat": "0", "total_incl_vat": "0"}
CHOSEN = {"shop_device_id": "1", "shop_colour": "Black", "shop_storage_gb": 256.0,
          "shop_quantity": 2.0}  # fmt: skip


def shop(backend: FakeBackend) -> FakeBackend:
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("GET", "/api/v1/catalog/devices/1", IPHONE)
    backend.on("GET", "/api/v1/catalog/devices/2", GALAXY)
    backend.on("GET", "/api/v1/catalog/devices/3", SOLD_OUT)
    return backend


TO_COMPANY = {"order_delivery": "company"}


def slots_of(events: list[Any]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_capacity_and_quantity_from_what_people_type():
    assert storage_in("the 256 GB one", [128, 256]) == 256
    assert storage_in("256go", [128, 256]) == 256
    assert storage_in("512", [128, 256]) is None
    assert quantity_in("3 please") == 3
    assert quantity_in("twee") == 2
    assert quantity_in("some") is None


async def test_search_sends_the_words_and_lists_matches_with_buttons(backend, dispatcher):
    shop(backend).on("GET", "/api/v1/catalog/devices", [IPHONE, GALAXY])
    tracker = make_tracker("a cheap Samsung", intent="search_device")
    await ActionSearchDevices(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert backend.requests[0].url.params["q"] == "cheap Samsung"
    [message] = dispatcher.messages
    assert message["response"] == "utter_devices_found"
    assert "Apple iPhone 16" in message["devices"] and "Black, White" in message["devices"]
    assert "128/256 GB" in message["devices"]
    assert message["buttons"][1]["payload"] == '/inform{"shop_device_id": "2"}'


async def test_search_without_match_and_backend_down(backend, dispatcher):
    shop(backend).on("GET", "/api/v1/catalog/devices", [])
    tracker = make_tracker("a banana phone", intent="search_device")
    await ActionSearchDevices(backend.client()).run(dispatcher, tracker, DOMAIN)
    backend.on("GET", "/api/v1/catalog/devices", error(502, "bad_gateway"))
    await ActionSearchDevices(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_no_devices_found", "utter_backend_unavailable"]


async def test_single_colour_and_capacity_are_filled_and_only_quantity_is_asked(
    backend, dispatcher
):
    shop(backend)
    tracker = make_tracker(
        '/inform{"shop_device_id": "2"}',
        intent="inform",
        entities=[entity("shop_device_id", "2")],
    )
    events = await ValidateShopItemForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    values = slots_of(events)
    assert values["shop_device_id"] == "2"
    assert values["shop_colour"] == "Navy" and values["shop_storage_gb"] == 256.0


async def test_unknown_colour_is_re_asked_with_the_choices(backend, dispatcher):
    shop(backend)
    asked = {"shop_device_id": "1", "requested_slot": "shop_colour"}
    tracker = make_tracker("pink", intent="inform", slots=asked)
    events = await ValidateShopItemForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_invalid_shop_colour"]
    assert dispatcher.messages[0]["colours"] == "Black, White"
    assert "shop_colour" not in slots_of(events)
    tracker = make_tracker("white please", intent="inform", slots=asked)
    events = await ValidateShopItemForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert slots_of(events)["shop_colour"] == "White"


async def test_capacity_buttons_show_price_and_stock_of_the_chosen_colour(backend, dispatcher):
    shop(backend)
    tracker = make_tracker("black", slots={"shop_device_id": "1", "shop_colour": "Black"})
    await ActionAskShopStorageGb(backend.client()).run(dispatcher, tracker, DOMAIN)
    buttons = dispatcher.messages[0]["buttons"]
    assert [b["payload"] for b in buttons] == [
        '/inform{"shop_storage_gb": "128"}',
        '/inform{"shop_storage_gb": "256"}',
    ]
    assert "(0)" in buttons[1]["title"]


async def test_add_to_cart_body_and_stable_key(backend, dispatcher):
    shop(backend)
    posted: list[httpx.Request] = []

    def add(request: httpx.Request) -> httpx.Response:
        posted.append(request)
        return json_response(201, CART)

    backend.on("POST", "/api/v1/cart/items", add)
    tracker = make_tracker("2", intent="inform", slots={**CHOSEN, "shop_storage_gb": 128.0})
    await ActionAddToCart(backend.client()).run(dispatcher, tracker, DOMAIN)
    await ActionAddToCart(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert json.loads(posted[0].content) == {
        "device_id": "1", "colour": "Black", "storage_gb": 128, "quantity": 2
    }  # fmt: skip
    assert posted[0].headers["Idempotency-Key"] == posted[1].headers["Idempotency-Key"]
    assert dispatcher.messages[0]["response"] == "utter_cart_item_added"
    assert dispatcher.messages[0]["items"] == (
        "• 2 × Apple iPhone 16 (Black, 128 GB) · €829.00 each excl. VAT"
    )


async def test_a_sold_out_variant_asks_another_colour_keeping_the_rest(backend, dispatcher):
    # "un iPhone 16 blanc": white was sold out; the bot listed other phones and asked nothing.
    shop(backend).on("POST", "/api/v1/cart/items", error(409, "out_of_stock"))
    chosen = {**CHOSEN, "shop_for_line_id": "none", "shop_more_items": ["1 galaxy a55"]}
    tracker = make_tracker("no specific line", intent="inform", slots=chosen)

    events = await ActionAddToCart(backend.client()).run(dispatcher, tracker, DOMAIN)

    [message] = dispatcher.messages
    assert message["response"] == "utter_variant_out_of_stock"
    assert (message["device"], message["variant"]) == ("Apple iPhone 16", "Black, 256 GB")
    assert slots_of(events) == {"shop_colour": None, "shop_storage_gb": None, "shop_item_text": ""}
    assert FollowupAction("shop_item_form") in events  # quantity, line and next device kept

    dispatcher.messages.clear()
    tracker = make_tracker("no specific line", slots={**chosen, **slots_of(events)})
    await ActionAskShopColour(backend.client()).run(dispatcher, tracker, DOMAIN)
    titles = [b["title"] for b in dispatcher.messages[0]["buttons"]]
    assert titles == ["Black", "White"]
    tracker.slots["shop_device_id"] = "3"
    await ActionAskShopColour(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert [b["title"] for b in dispatcher.messages[1]["buttons"]] == ["Grunge Black"]


async def test_a_sold_out_device_offers_the_backends_alternatives(backend, dispatcher):
    shop(backend)
    body = {
        "error": {"code": "out_of_stock", "message": "x", "details": {"alternatives": [GALAXY]}}
    }
    backend.on("POST", "/api/v1/cart/items", json_response(409, body))
    tracker = make_tracker(
        "2", intent="inform", slots={**CHOSEN, "shop_device_id": "3", "shop_colour": "Grunge Black"}
    )
    events = await ActionAddToCart(backend.client()).run(dispatcher, tracker, DOMAIN)
    [message] = dispatcher.messages
    assert message["response"] == "utter_out_of_stock_alternatives"
    assert "Samsung Galaxy A55" in message["devices"]
    assert message["buttons"] == [
        {"title": "Samsung Galaxy A55", "payload": '/inform{"shop_device_id": "2"}'}
    ]
    assert slots_of(events)["shop_device_id"] is None
    assert "shop_quantity" not in slots_of(events)  # "how many" is not asked again
    assert FollowupAction("shop_item_form") in events


async def test_more_than_any_version_has_asks_how_many_again(backend, dispatcher):
    # set21 fr-013: 7 XCover7 Pro (6 in stock) offered other phones, then the same refusal for
    # the XCover again and again; the count is what to change.
    shop(backend).on("POST", "/api/v1/cart/items", error(409, "out_of_stock"))
    tracker = make_tracker("no specific line", slots={**CHOSEN, "shop_quantity": 12.0})

    events = await ActionAddToCart(backend.client()).run(dispatcher, tracker, DOMAIN)

    [message] = dispatcher.messages
    assert message["response"] == "utter_quantity_above_stock"
    assert (message["device"], message["most"]) == ("Apple iPhone 16", 5)
    assert slots_of(events) == {"shop_quantity": None}  # device, colour and capacity kept
    assert FollowupAction("shop_item_form") in events


async def test_out_of_stock_without_alternatives_and_unknown_variant(backend, dispatcher):
    shop(backend)
    backend.on("POST", "/api/v1/cart/items", error(409, "out_of_stock"))
    tracker = make_tracker("2", intent="inform", slots={**CHOSEN, "shop_device_id": "3"})
    await ActionAddToCart(backend.client()).run(dispatcher, tracker, DOMAIN)
    backend.on("POST", "/api/v1/cart/items", error(422, "variant_unknown"))
    await ActionAddToCart(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_out_of_stock", "utter_variant_unknown"]


async def test_cart_shown_with_remove_buttons_and_item_removed(backend, dispatcher):
    shop(backend).on("GET", "/api/v1/cart", CART)
    backend.on("DELETE", "/api/v1/cart/items/31", EMPTY)
    await ActionShowCart(backend.client()).run(
        dispatcher, make_tracker("my cart", intent="show_cart"), DOMAIN
    )
    assert dispatcher.messages[0]["buttons"][0]["payload"] == (
        '/remove_cart_item{"cart_item_id": "31"}'
    )
    remove = make_tracker(
        '/remove_cart_item{"cart_item_id": "31"}',
        intent="remove_cart_item",
        entities=[entity("cart_item_id", "31")],
    )
    await ActionRemoveCartItem(backend.client()).run(dispatcher, remove, DOMAIN)
    assert backend.requests[-1].method == "DELETE"
    assert backend.requests[-1].headers["Idempotency-Key"]
    assert responses(dispatcher) == ["utter_cart", "utter_cart_item_removed_empty"]


async def test_remove_by_name_and_empty_cart(backend, dispatcher):
    shop(backend).on("GET", "/api/v1/cart", CART)
    backend.on("DELETE", "/api/v1/cart/items/31", EMPTY)
    tracker = make_tracker("remove the apple iphone 16", intent="remove_cart_item")
    await ActionRemoveCartItem(backend.client()).run(dispatcher, tracker, DOMAIN)
    backend.on("GET", "/api/v1/cart", EMPTY)
    await ActionPrepareOrder(backend.client()).run(
        dispatcher, make_tracker("order", intent="place_order", slots=TO_COMPANY), DOMAIN
    )
    assert responses(dispatcher) == ["utter_cart_item_removed_empty", "utter_cart_empty"]
    assert "/api/v1/operations" not in backend.paths()


async def test_order_prepared_with_company_address_then_confirmed(backend, dispatcher):
    shop(backend).on("GET", "/api/v1/cart", CART)
    posted: list[httpx.Request] = []
    operation = {
        "id": "op-o1", "type": "place_order", "status": "pending",
        "summary": {"items": [ITEM], "total_incl_vat": "2006.18",
                    "delivery_address": {"street": "Rue de la Loi 16", "postal_code": "1000",
                                         "city": "Bruxelles"}},
    }  # fmt: skip

    def prepare(request: httpx.Request) -> httpx.Response:
        posted.append(request)
        return json_response(201, operation)

    backend.on("POST", "/api/v1/operations", prepare)
    await ActionPrepareOrder(backend.client()).run(
        dispatcher, make_tracker("order", intent="place_order", slots=TO_COMPANY), DOMAIN
    )
    assert json.loads(posted[0].content) == {
        "type": "place_order", "line_id": None, "params": {"delivery_address": None}
    }  # fmt: skip
    summary = dispatcher.messages[0]
    assert summary["response"] == "utter_summary_place_order"
    assert summary["address"] == "Rue de la Loi 16, 1000 Bruxelles"
    done = {**operation, "status": "done", "result": {"order_id": 4, "number": "O2026-000004"}}
    backend.on("POST", "/api/v1/operations/op-o1/confirm", json_response(200, done))
    yes = make_tracker("yes", intent="affirm", slots={"pending_operation_id": "op-o1"})
    await ActionConfirmOperation(backend.client()).run(dispatcher, yes, DOMAIN)
    assert dispatcher.messages[-1]["response"] == "utter_operation_done_place_order"
    assert dispatcher.messages[-1]["number"] == "O2026-000004"


async def test_where_is_my_order(backend, dispatcher):
    shop(backend).on(
        "GET",
        "/api/v1/orders",
        [{"id": 4, "number": "O2026-000004", "status": "shipped", "items": [],
          "total_incl_vat": "2006.18", "tracking": "BPOST-123"}],
    )  # fmt: skip
    await ActionShowOrders(backend.client()).run(
        dispatcher, make_tracker("where is my order", intent="ask_order_status"), DOMAIN
    )
    assert responses(dispatcher) == ["utter_order_status_shipped"]
    assert dispatcher.messages[0]["tracking"] == "BPOST-123"
    backend.on("GET", "/api/v1/orders", error(403, "forbidden"))
    await ActionShowOrders(backend.client()).run(
        dispatcher, make_tracker("where is my order", intent="ask_order_status"), DOMAIN
    )
    assert responses(dispatcher)[-1] == "utter_fleet_manager_required"


async def test_for_which_line_by_name_or_none(backend, dispatcher):
    shop(backend)
    backend.on("GET", "/api/v1/lines", [line(4, "+32470000004", user_name="Lotte Maes")])
    asked = {**CHOSEN, "requested_slot": "shop_for_line_id"}
    named = make_tracker("for Lotte", intent="inform", slots=asked)
    events = await ValidateShopItemForm(backend.client()).run(dispatcher, named, DOMAIN)
    assert slots_of(events)["shop_for_line_id"] == "4"
    none = make_tracker(
        '/inform{"shop_for_line_id": "none"}',
        intent="inform",
        entities=[entity("shop_for_line_id", "none")],
        slots=asked,
    )
    events = await ValidateShopItemForm(backend.client()).run(dispatcher, none, DOMAIN)
    assert slots_of(events)["shop_for_line_id"] == "none"
    unknown = make_tracker("for Zorro", intent="inform", slots=asked)
    await ValidateShopItemForm(backend.client()).run(dispatcher, unknown, DOMAIN)
    assert responses(dispatcher)[-1] in (
        "utter_invalid_shop_for_line_id",
        "utter_line_reference_not_found",
    )


async def test_the_chosen_line_goes_into_the_cart_item(backend, dispatcher):
    shop(backend)
    posted: list[httpx.Request] = []

    def add(request: httpx.Request) -> httpx.Response:
        posted.append(request)
        return json_response(201, CART)

    backend.on("POST", "/api/v1/cart/items", add)
    tracker = make_tracker("x", intent="inform", slots={**CHOSEN, "shop_for_line_id": "4"})
    await ActionAddToCart(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert json.loads(posted[0].content)["for_line_id"] == 4


def test_search_words_drop_short_words_but_keep_numbers():
    assert search_words("I'm looking for a cheap Samsung") == "looking for cheap Samsung"
    assert search_words("un Samsung pas cher avec 256 Go") == "Samsung pas cher avec 256"
    assert search_words("iPhone 16e, S25 of 5G") == "iPhone 16e S25 5G"


async def test_stock_sold_meanwhile_is_said_at_order_time(backend, dispatcher):
    shop(backend).on("GET", "/api/v1/cart", CART)
    backend.on("POST", "/api/v1/operations", error(409, "out_of_stock"))
    await ActionPrepareOrder(backend.client()).run(
        dispatcher, make_tracker("order", intent="place_order", slots=TO_COMPANY), DOMAIN
    )
    backend.on("POST", "/api/v1/operations/op-o1/confirm", error(409, "out_of_stock"))
    yes = make_tracker("yes", intent="affirm", slots={"pending_operation_id": "op-o1"})
    await ActionConfirmOperation(backend.client()).run(dispatcher, yes, DOMAIN)
    assert responses(dispatcher) == ["utter_order_out_of_stock", "utter_order_out_of_stock"]


def test_delivery_choice_from_what_people_type():
    assert delivery_in("à l'adresse de l'entreprise") == "company"
    assert delivery_in("naar het bedrijf") == "company"
    assert delivery_in("another address please") == "other_address"
    assert delivery_in("ander adres") == "other_address"
    assert delivery_in("euh") is None


async def test_delivery_question_shows_the_company_address_from_me(backend, dispatcher):
    acme = company(street="Rue de la Loi 16", postal_code="1000", city="Bruxelles")
    backend.on("GET", "/api/v1/me", me_fleet_manager(company=acme))
    await ActionAskOrderDelivery(backend.client()).run(
        dispatcher, make_tracker("order", intent="place_order"), DOMAIN
    )
    [asked] = dispatcher.messages
    assert asked["response"] == "utter_ask_order_delivery"
    assert asked["address"] == "Rue de la Loi 16, 1000 Bruxelles"


async def test_delivery_form_asks_nothing_for_an_empty_cart(backend, dispatcher):
    shop(backend).on("GET", "/api/v1/cart", EMPTY)
    events = await ValidateOrderDeliveryForm(backend.client()).run(
        dispatcher, make_tracker("order", intent="place_order"), DOMAIN
    )
    assert responses(dispatcher) == ["utter_cart_empty"]
    assert {"event": "active_loop", "name": None} in [
        {"event": e["event"], "name": e.get("name")} for e in events if e["event"] == "active_loop"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Pourriez-vous commander 5 Galaxy A55 bleu marine pour l'équipe commerciale ?",
        "bestel 2 iphones 16 aub",
        "order three iphone 16 in black please",
    ],
)
async def test_an_order_of_named_devices_with_an_empty_cart_starts_the_item_form(
    backend, dispatcher, text: str
):
    shop(backend).on("GET", "/api/v1/cart", EMPTY)
    backend.on("GET", "/api/v1/catalog/devices", CATALOGUE)

    events = await ValidateOrderDeliveryForm(backend.client()).run(
        dispatcher, make_tracker(text, intent="place_order"), DOMAIN
    )

    assert responses(dispatcher) == []
    assert events[-1] == FollowupAction("shop_item_form")
    assert ActiveLoop(None) in events


async def test_company_address_chosen_then_form_done(backend, dispatcher):
    shop(backend).on("GET", "/api/v1/cart", CART)
    tracker = make_tracker(
        '/inform{"order_delivery": "company"}',
        intent="inform",
        entities=[entity("order_delivery", "company")],
        slots={"requested_slot": "order_delivery"},
    )
    events = await ValidateOrderDeliveryForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    values = slots_of(events)
    assert values["order_delivery"] == "company"
    assert values["requested_slot"] is None
    assert dispatcher.messages == []


async def test_another_address_asked_invalid_postal_code_re_asked_then_accepted(
    backend, dispatcher
):
    shop(backend).on("GET", "/api/v1/cart", CART)
    form = ValidateOrderDeliveryForm(backend.client())
    tracker = make_tracker(
        '/inform{"order_delivery": "other_address"}',
        intent="inform",
        entities=[entity("order_delivery", "other_address")],
        slots={"requested_slot": "order_delivery"},
    )
    values = slots_of(await form.run(dispatcher, tracker, DOMAIN))
    assert values["order_delivery"] == "other_address"
    assert values["requested_slot"] == "order_address"

    asked = {"order_delivery": "other_address", "requested_slot": "order_address"}
    bad = make_tracker("Kerkstraat 12, 900 Gent", intent="inform", slots=asked)
    values = slots_of(await form.run(dispatcher, bad, DOMAIN))
    assert responses(dispatcher) == ["utter_invalid_order_address"]
    assert values["requested_slot"] == "order_address"
    assert "order_address" not in values

    good = make_tracker("Kerkstraat 12, 9000 Gent", intent="inform", slots=asked)
    values = slots_of(await form.run(dispatcher, good, DOMAIN))
    assert values["order_address"] == {
        "street": "Kerkstraat 12", "postal_code": "9000", "city": "Gent"
    }  # fmt: skip
    assert values["requested_slot"] is None


async def test_order_to_another_address_sends_it_and_shows_it(backend, dispatcher):
    shop(backend).on("GET", "/api/v1/cart", CART)
    address = {"street": "Kerkstraat 12", "postal_code": "9000", "city": "Gent"}
    posted: list[httpx.Request] = []

    def prepare(request: httpx.Request) -> httpx.Response:
        posted.append(request)
        summary = {"items": [ITEM], "total_incl_vat": "2006.18", "delivery_address": address}
        return json_response(
            201, {"id": "op-o2", "type": "place_order", "status": "pending", "summary": summary}
        )

    backend.on("POST", "/api/v1/operations", prepare)
    slots = {"order_delivery": "other_address", "order_address": address}
    events = await ActionPrepareOrder(backend.client()).run(
        dispatcher, make_tracker("Kerkstraat 12, 9000 Gent", intent="inform", slots=slots), DOMAIN
    )
    assert json.loads(posted[0].content)["params"] == {"delivery_address": address}
    assert dispatcher.messages[0]["address"] == "Kerkstraat 12, 9000 Gent"
    values = slots_of(events)
    assert values["pending_operation_id"] == "op-o2"
    assert values["order_delivery"] is None and values["order_address"] is None


async def test_stopped_delivery_form_prepares_nothing(backend, dispatcher):
    shop(backend).on("GET", "/api/v1/cart", CART)
    await ActionPrepareOrder(backend.client()).run(
        dispatcher, make_tracker("stop", intent="stop"), DOMAIN
    )
    assert dispatcher.messages == []
    assert "/api/v1/operations" not in backend.paths()


async def test_a_device_typed_by_name_is_chosen_with_its_colour_in_french(backend, dispatcher):
    # "Typing Samsung Galaxy A56 5G fails": only a button could choose a device.
    shop(backend).on("GET", "/api/v1/catalog/devices", [IPHONE, GALAXY])
    asked = {"requested_slot": "shop_device_id"}
    tracker = make_tracker("l'iPhone 16 en noir", intent="inform", slots=asked)

    events = await ValidateShopItemForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    values = slots_of(events)
    assert values["shop_device_id"] == "1" and values["shop_colour"] == "Black"
    assert backend.requests[0].url.params["q"] == ""  # names matched on the whole catalogue
    assert "utter_invalid_shop_device_id" not in responses(dispatcher)


async def test_the_first_one_picks_the_first_device_shown(backend, dispatcher):
    shop(backend)
    tracker = make_tracker(
        "de eerste graag", intent="inform", slots={"requested_slot": "shop_device_id"}
    )
    shown = [
        {"title": "Samsung Galaxy A55", "payload": '/inform{"shop_device_id": "2"}'},
        {"title": "Apple iPhone 16", "payload": '/inform{"shop_device_id": "1"}'},
    ]
    tracker.events.insert(0, {"event": "bot", "text": "…", "data": {"buttons": shown}})

    events = await ValidateShopItemForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["shop_device_id"] == "2"


def test_colours_in_french_and_dutch_words():
    colours = ["Black", "Matte Black", "Sky Blue", "Awesome Olive"]
    assert colour_in("zwart", colours) == "Black"
    assert colour_in("noir mat", colours) == "Matte Black"
    assert colour_in("bleu ciel", colours) == "Sky Blue"
    assert colour_in("olijfgroen", colours) == "Awesome Olive"
    assert colour_in("rouge", colours) is None
    assert colour_in("deux iPhone noirs", colours) == "Black"  # plurals
    assert colour_in("bleues", ["Black", "Sky Blue"]) == "Sky Blue"


def test_a_plain_colour_finds_the_marketing_name():
    assert colour_in("the black ones", ["Obsidian", "Porcelain"]) == "Obsidian"
    assert colour_in("de witte", ["Obsidian", "Porcelain"]) == "Porcelain"
    assert colour_in("bleu", ["Black", "Pink", "Ultramarine", "White"]) == "Ultramarine"
    # a plain name that exists wins, and two candidates are no answer
    assert colour_in("black", ["Black", "Obsidian"]) == "Black"
    assert colour_in("grey", ["Graphite", "Silver"]) is None


async def test_after_the_cart_the_bot_offers_to_place_the_order(backend, dispatcher):
    # "order 2 Fairphone 5" ended at "added to the cart, say 'order'": nothing was ordered.
    shop(backend).on("POST", "/api/v1/cart/items", json_response(201, CART))
    tracker = make_tracker("2", intent="inform", slots={**CHOSEN, "shop_storage_gb": 128.0})

    events = await ActionAddToCart(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_cart_item_added", "utter_ask_place_order_now"]
    assert slots_of(events)["pending_operation_id"] == "start:order_delivery_form"


@pytest.mark.parametrize(
    "typed",
    [
        "pour aucune ligne en particulier",
        "not for a specific line, spare phones",
        "voor de voorraad",
        "no particular line",
    ],
)
async def test_no_specific_line_in_peoples_words(backend, dispatcher, typed):
    shop(backend)
    tracker = make_tracker(
        typed, intent="inform", slots={**CHOSEN, "requested_slot": "shop_for_line_id"}
    )

    events = await ValidateShopItemForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["shop_for_line_id"] == "none"
    assert "utter_invalid_shop_for_line_id" not in responses(dispatcher)


async def test_an_order_naming_one_device_goes_straight_to_its_details(backend, dispatcher):
    shop(backend).on("GET", "/api/v1/catalog/devices", [GALAXY])
    tracker = make_tracker(
        "Ik wil twee Samsung Galaxy A55 bestellen, 256 GB", intent="search_device"
    )

    events = await ActionSearchDevices(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert SlotSet("shop_device_id", "2") in events
    assert FollowupAction("shop_item_form") in events
    assert responses(dispatcher) == []


async def test_a_new_quantity_before_ordering_changes_the_cart(backend, dispatcher):
    patched: list[httpx.Request] = []

    def patch(request: httpx.Request) -> httpx.Response:
        patched.append(request)
        return json_response(200, {**CART, "items": [{**ITEM, "quantity": 1}]})

    shop(backend).on("GET", "/api/v1/cart", CART).on("PATCH", "/api/v1/cart/items/31", patch)
    backend.on("GET", "/api/v1/catalog/devices", [IPHONE, GALAXY])
    waiting = {"pending_operation_id": "start:order_delivery_form",
               "pending_operation_type": "start"}  # fmt: skip
    said = make_tracker("make it one, finance only approved one", intent="inform", slots=waiting)

    events = await ActionConfirmOperation(backend.client()).run(dispatcher, said, DOMAIN)

    assert [json.loads(r.content) for r in patched] == [{"quantity": 1}]
    assert responses(dispatcher) == ["utter_cart_updated", "utter_ask_place_order_now"]
    assert "1 × Apple iPhone 16 (Black, 128 GB)" in dispatcher.messages[0]["items"]
    assert events == []  # the question still waits: "yes" goes on to delivery


async def test_a_new_quantity_at_the_order_summary_prepares_it_again(backend, dispatcher):
    company = {"street": "Rue de la Loi 16", "postal_code": "1000", "city": "Bruxelles"}
    old = {"id": "op-o1", "type": "place_order", "status": "pending",
           "summary": {"items": [ITEM], "total_incl_vat": "2006.18",
                       "delivery_address": {"name": "Acme", **company}}}  # fmt: skip
    new = {**old, "id": "op-o2", "summary": {**old["summary"], "items": [{**ITEM, "quantity": 4}]}}
    prepared: list[httpx.Request] = []

    def prepare(request: httpx.Request) -> httpx.Response:
        prepared.append(request)
        return json_response(201, new)

    shop(backend).on("GET", "/api/v1/cart", CART).on("GET", "/api/v1/operations/op-o1", old)
    backend.on("PATCH", "/api/v1/cart/items/31", {**CART, "items": [{**ITEM, "quantity": 4}]})
    backend.on("POST", "/api/v1/operations/op-o1/cancel", {**old, "status": "cancelled"})
    backend.on("POST", "/api/v1/operations", prepare)
    backend.on("GET", "/api/v1/catalog/devices", [IPHONE, GALAXY])
    waiting = {"pending_operation_id": "op-o1", "pending_operation_type": "place_order"}
    said = make_tracker("en fait mets-en 4, on a un chauffeur de plus", intent="inform",
                        slots={**waiting, "language": "fr"})  # fmt: skip

    events = await ActionConfirmOperation(backend.client()).run(dispatcher, said, DOMAIN)

    assert "/api/v1/operations/op-o1/cancel" in backend.paths()
    assert "/api/v1/operations/op-o1/confirm" not in backend.paths()
    assert json.loads(prepared[0].content)["params"] == {"delivery_address": company}
    assert responses(dispatcher) == ["utter_summary_place_order", "utter_ask_confirm_operation"]
    assert slots_of(events)["pending_operation_id"] == "op-o2"


def test_how_many_is_the_count_before_the_device():
    galaxy = Device.model_validate(GALAXY)
    assert opening_quantity("Ik wil twee Samsung Galaxy A55 bestellen, 256 GB", galaxy) == 2
    assert opening_quantity("slt un iphone 16 blanc 128 go pour thomas", None) is None
    assert opening_quantity("I'd like a Galaxy A55 for Charlotte", galaxy) == 1
    assert opening_quantity("order two new phones for the reps", None) == 2
    assert opening_quantity("vijf toestellen voor de werf", None) == 5
    # capacities and model numbers are no count
    assert opening_quantity("Galaxy A55 256 GB", galaxy) is None
    assert opening_quantity("50 Galaxy A55", galaxy) is None  # more than the shop's limit


def test_several_devices_in_one_message_each_with_its_words():
    catalogue = [Device.model_validate(d) for d in (IPHONE, GALAXY, SOLD_OUT)]
    mentions = device_mentions(
        "Hi, we need 3 Samsung Galaxy A55 for the site workers and 2 iPhone 16 in white", catalogue
    )
    assert [(str(d.id), words) for d, words in mentions] == [
        ("2", "3 samsung galaxy a55 for the site workers and"),
        ("1", "2 iphone 16 in white"),
    ]
    # one device named twice (brand, then full name) is one mention; a brand alone names its
    # only device
    assert [d.id for d, _ in device_mentions("Samsung: de Galaxy A55", catalogue)] == [2]
    assert [d.id for d, _ in device_mentions("vijf Nokia in 't zwart", catalogue)] == [3]


async def test_an_opening_with_how_many_is_not_asked_again(backend, dispatcher):
    shop(backend).on("GET", "/api/v1/catalog/devices", [IPHONE, GALAXY])
    tracker = make_tracker("Ik wil twee Samsung Galaxy A55 bestellen", intent="inform")

    events = await ValidateShopItemForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["shop_quantity"] == 2.0
    assert slots_of(events)["shop_device_id"] == "2"


async def test_two_devices_in_one_message_are_both_added(backend, dispatcher):
    # "3 Crosscall for the site workers and 2 iPhone 16e": only 3 iPhones were ordered.
    shop(backend).on("GET", "/api/v1/catalog/devices", [IPHONE, GALAXY])
    opening = "we need 3 Galaxy A55 for the site and 2 iPhone 16 in white, 128 GB"
    tracker = make_tracker(opening, intent="inform")
    first = slots_of(await ValidateShopItemForm(backend.client()).run(dispatcher, tracker, DOMAIN))
    assert (first["shop_device_id"], first["shop_quantity"]) == ("2", 3.0)
    assert "shop_colour" in first and first["shop_colour"] == "Navy"  # not the iPhone's white
    assert first["shop_more_items"] == ["2 iPhone 16 in white, 128 GB"]

    backend.on("POST", "/api/v1/cart/items", json_response(201, CART))
    slots = {**first, "shop_storage_gb": 256.0, "shop_for_line_id": "none"}
    tracker = make_tracker("no particular line", intent="inform", slots=slots)
    events = await ActionAddToCart(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_cart_item_added"]  # not yet "order now?"
    assert FollowupAction("shop_item_form") in events
    after = {**slots, **slots_of(events)}
    assert after["shop_item_text"] == "2 iPhone 16 in white, 128 GB"
    assert after["shop_for_line_id"] == "none" and after["shop_more_items"] is None

    tracker = make_tracker("no particular line", intent="deny", slots=after)
    second = slots_of(await ValidateShopItemForm(backend.client()).run(dispatcher, tracker, DOMAIN))
    assert (second["shop_device_id"], second["shop_colour"]) == ("1", "White")
    assert (second["shop_storage_gb"], second["shop_quantity"]) == (128.0, 2.0)
    assert second["shop_item_text"] is None


@pytest.mark.parametrize("intent", ["stop", "request_agent"])
async def test_no_line_misread_is_still_the_answer(backend, dispatcher, intent):
    # "voor geen specifieke lijn, reservetoestellen" was read as a request for a human.
    shop(backend)
    tracker = make_tracker(
        "voor geen specifieke lijn, reservetoestellen",
        intent=intent,
        slots={**CHOSEN, "requested_slot": "shop_for_line_id"},
    )
    events = await ValidateShopItemForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert slots_of(events)["shop_for_line_id"] == "none"
    # asking for a person is not an answer
    human = make_tracker(
        "geen idee, een medewerker aub",
        intent="request_agent",
        slots={**CHOSEN, "requested_slot": "shop_for_line_id"},
    )
    assert await ValidateShopItemForm(backend.client()).run(dispatcher, human, DOMAIN) == []


async def test_a_phone_without_storage_choice_is_added_and_shown_by_colour(backend, dispatcher):
    # "vijf Nokia 3210 in 't zwart": the Nokia has no capacity (0) and nothing was added.
    shop(backend)
    nokia_item = {**ITEM, "device_id": 3, "name": "Nokia 3210 4G", "colour": "Grunge Black",
                  "storage_gb": 0, "quantity": 5}  # fmt: skip
    cart = {**CART, "items": [nokia_item]}
    backend.on("POST", "/api/v1/cart/items", json_response(201, cart))
    slots = {"shop_device_id": "3", "shop_colour": "Grunge Black", "shop_storage_gb": 0.0,
             "shop_quantity": 5.0, "shop_for_line_id": "none"}  # fmt: skip
    await ActionAddToCart(backend.client()).run(
        dispatcher, make_tracker("geen lijn", slots=slots), DOMAIN
    )
    assert responses(dispatcher) == ["utter_cart_item_added", "utter_ask_place_order_now"]
    backend.on("GET", "/api/v1/cart", cart)
    await ActionShowCart(backend.client()).run(dispatcher, make_tracker("cart"), DOMAIN)
    assert "(Grunge Black) ·" in dispatcher.messages[-1]["items"]


async def test_the_colour_that_comes_in_the_capacity_asked_and_an_unknown_pair_asked_again(
    backend, dispatcher
):
    s25 = {"id": 4, "brand": "Samsung", "model": "Galaxy S25", "name": "Samsung Galaxy S25",
           "rugged": False, "variants": [variant("Navy", 128, "749.00", 10),
                                         variant("Icyblue", 256, "809.00", 0),
                                         variant("Silver Shadow", 256, "809.00", 7)]}  # fmt: skip
    shop(backend).on("GET", "/api/v1/catalog/devices/4", s25)
    backend.on("GET", "/api/v1/catalog/devices", [s25])
    tracker = make_tracker(
        "the blue one with 256 GB", intent="inform", slots={"shop_device_id": "4"}
    )
    values = slots_of(await ValidateShopItemForm(backend.client()).run(dispatcher, tracker, DOMAIN))
    assert (values["shop_colour"], values["shop_storage_gb"]) == ("Icyblue", 256.0)

    backend.on("POST", "/api/v1/cart/items", error(422, "variant_unknown"))
    events = await ActionAddToCart(backend.client()).run(
        dispatcher, make_tracker("x", slots={**CHOSEN, "shop_device_id": "4"}), DOMAIN
    )
    assert responses(dispatcher)[-1] == "utter_variant_unknown"
    assert FollowupAction("shop_item_form") in events  # asked again, not a dead end
    assert slots_of(events)["shop_colour"] is None and "shop_device_id" not in slots_of(events)


async def test_devices_named_with_a_count_go_to_the_form_not_to_a_list(backend, dispatcher):
    shop(backend).on("GET", "/api/v1/catalog/devices", [IPHONE, GALAXY])
    tracker = make_tracker("we need 3 Galaxy A55 and 2 iPhone 16", intent="search_device")

    events = await ActionSearchDevices(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert SlotSet("shop_device_id", "2") in events
    assert FollowupAction("shop_item_form") in events


def test_part_of_a_model_name_with_its_number_names_it():
    xcover = Device.model_validate({"id": 5, "brand": "Samsung", "model": "Galaxy XCover7 Pro",
                                    "name": "Samsung Galaxy XCover7 Pro"})  # fmt: skip
    s25 = Device.model_validate({"id": 6, "brand": "Samsung", "model": "Galaxy S25",
                                 "name": "Samsung Galaxy S25"})  # fmt: skip
    ultra = Device.model_validate({"id": 7, "brand": "Samsung", "model": "Galaxy S25 Ultra",
                                   "name": "Samsung Galaxy S25 Ultra"})  # fmt: skip
    catalogue = [xcover, s25, ultra, Device.model_validate(GALAXY)]
    assert [d.id for d, _ in device_mentions("3 XCover7 Pro bestellen", catalogue)] == [5]
    assert [d.id for d, _ in device_mentions("een S25 aub", catalogue)] == [6]  # the plainest
    assert [d.id for d, _ in device_mentions("the S25 Ultra", catalogue)] == [7]
    assert [d.id for d, _ in device_mentions("a galaxy phone", catalogue)] == []  # no number


async def test_the_colour_that_comes_in_one_capacity_is_not_asked_its_capacity(backend, dispatcher):
    # "Order a Pixel 9 in white": Porcelain only comes in 256 GB, yet the capacity was asked.
    variants = [variant("Obsidian", 128, "739.00"), variant("Porcelain", 256, "839.00")]
    pixel = {"id": 8, "brand": "Google", "model": "Pixel 9", "name": "Google Pixel 9",
             "variants": variants}  # fmt: skip
    shop(backend).on("GET", "/api/v1/catalog/devices/8", pixel)
    backend.on("GET", "/api/v1/catalog/devices", [pixel])
    tracker = make_tracker("Order a Pixel 9 in white", intent="inform")
    values = slots_of(await ValidateShopItemForm(backend.client()).run(dispatcher, tracker, DOMAIN))
    assert (values["shop_colour"], values["shop_storage_gb"]) == ("Porcelain", 256.0)
    tracker = make_tracker("the 128 GB one", intent="inform", slots={"shop_device_id": "8"})
    values = slots_of(await ValidateShopItemForm(backend.client()).run(dispatcher, tracker, DOMAIN))
    assert (values["shop_colour"], values["shop_storage_gb"]) == ("Obsidian", 128.0)


async def test_an_order_without_a_device_name_lists_them_and_the_form_takes_the_choice(
    backend, dispatcher
):
    # "I need two rugged phones": a list, and then nothing read "the Samsung one".
    rugged = [IPHONE, GALAXY]
    shop(backend).on("GET", "/api/v1/catalog/devices", rugged)
    tracker = make_tracker("I need two rugged phones for the site guys", intent="search_device")
    events = await ActionSearchDevices(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_devices_found"]
    assert FollowupAction("shop_item_form") in events

    # the form's "which device?" is the list itself in this turn
    listed = {"event": "bot", "text": "…", "data": {"buttons": dispatcher.messages[0]["buttons"]}}
    tracker.events.append(listed)
    dispatcher.messages.clear()
    await ActionAskShopDeviceId(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert dispatcher.messages == []

    answer = make_tracker(
        "the Samsung one", intent="inform", slots={"requested_slot": "shop_device_id"}
    )
    answer.events.insert(0, listed)
    values = slots_of(await ValidateShopItemForm(backend.client()).run(dispatcher, answer, DOMAIN))
    assert values["shop_device_id"] == "2"


# --- changes of the cart while the order waits for "yes" ----------------------------------------

XCOVER = {"id": 5, "brand": "Samsung", "model": "Galaxy XCover7 Pro",
          "name": "Samsung Galaxy XCover7 Pro",
          "variants": [variant("Black", 128, "539.00")]}  # fmt: skip
NOKIA = {"id": 9, "brand": "Nokia", "model": "3210 4G", "name": "Nokia 3210 4G",
         "variants": [variant("Grunge Black", 0, "69.00", 15),
                      variant("Y2K Gold", 0, "69.00", 3)]}  # fmt: skip
IPHONE_16E = {"id": 6, "brand": "Apple", "model": "iPhone 16e", "name": "Apple iPhone 16e",
              "variants": [variant("Black", 128, "579.00", 9),
                           variant("White", 256, "699.00", 3)]}  # fmt: skip
IPHONE_PRO = {"id": 7, "brand": "Apple", "model": "iPhone 16 Pro", "name": "Apple iPhone 16 Pro",
              "variants": [variant("Black Titanium", 256, "1099.00"),
                           variant("Natural Titanium", 256, "1099.00", 0),
                           variant("Desert Titanium", 512, "1349.00", 2)]}  # fmt: skip
PIXEL = {"id": 8, "brand": "Google", "model": "Pixel 9", "name": "Google Pixel 9",
         "variants": [variant("Obsidian", 128, "739.00"),
                      variant("Porcelain", 256, "839.00")]}  # fmt: skip
CATALOGUE = [XCOVER, NOKIA, IPHONE_16E, IPHONE_PRO, PIXEL, IPHONE, GALAXY]


def cart_item(item_id: int, device: dict[str, Any], colour: str, quantity: int,
              for_line_id: int | None = None) -> dict[str, Any]:  # fmt: skip
    found = next(v for v in device["variants"] if v["colour"] == colour)
    return {"id": item_id, "device_id": device["id"], "name": device["name"], "colour": colour,
            "storage_gb": found["storage_gb"], "quantity": quantity,
            "unit_price": found["price_excl_vat"], "for_line_id": for_line_id}  # fmt: skip


def cart_of(*items: dict[str, Any]) -> dict[str, Any]:
    return {"items": list(items), "total_excl_vat": "1000.00", "total_incl_vat": "1210.00"}


# 3× XCover7 Pro Black + 2× Nokia 3210 Y2K Gold (en-504); 4× iPhone 16e Black 128 (nl-502);
# 1× iPhone 16 Pro Desert Titanium 512 for line 1 + 4× Nokia Grunge Black (fr-504).
XCOVERS_AND_GOLD = cart_of(cart_item(41, XCOVER, "Black", 3), cart_item(42, NOKIA, "Y2K Gold", 2))
BLACK_16E = cart_of(cart_item(51, IPHONE_16E, "Black", 4))
PRO_AND_NOKIAS = cart_of(
    cart_item(61, IPHONE_PRO, "Desert Titanium", 1, for_line_id=1),
    cart_item(62, NOKIA, "Grunge Black", 4),
)
PLACE_NOW = {"pending_operation_id": "start:order_delivery_form", "pending_operation_type": "start"}


def order_waits(backend: FakeBackend, cart: dict[str, Any]) -> list[httpx.Request]:
    """The cart ``cart`` waits to be ordered; returns the cart requests that change it."""
    changes: list[httpx.Request] = []

    def changed(request: httpx.Request) -> httpx.Response:
        changes.append(request)
        return json_response(200, cart)

    backend.on("GET", "/api/v1/cart", cart).on("GET", "/api/v1/catalog/devices", CATALOGUE)
    backend.on("POST", "/api/v1/cart/items", changed)
    for item in cart["items"]:
        backend.on("DELETE", f"/api/v1/cart/items/{item['id']}", changed)
        backend.on("PATCH", f"/api/v1/cart/items/{item['id']}", changed)
    return changes


def cart_requests(changes: list[httpx.Request]) -> list[tuple[str, str, Any]]:
    return [
        (r.method, r.url.path.removeprefix("/api/v1/cart/items"),
         json.loads(r.content) if r.content else None)
        for r in changes
    ]  # fmt: skip


async def confirm(backend: FakeBackend, dispatcher: Any, text: str, language: str,
                  pending: dict[str, Any] = PLACE_NOW) -> list[Any]:  # fmt: skip
    said = make_tracker(text, intent="inform", slots={**pending, "language": language})
    return list(await ActionConfirmOperation(backend.client()).run(dispatcher, said, DOMAIN))


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("On second thought, make the Nokias black instead, the gold is a bit much.", "en"),
        ("finalement mets les Nokia en noir plutôt, le doré c'est un peu trop", "fr"),
        ("Toch liever de Nokia's in het zwart, dat goud is wat veel", "nl"),
    ],
)
async def test_a_colour_switch_of_a_cart_item_at_place_the_order_now(
    backend, dispatcher, text, language
):
    # en-504: "make the Nokias black instead" started a device search; 6 XCovers were ordered.
    changes = order_waits(backend, XCOVERS_AND_GOLD)

    events = await confirm(backend, dispatcher, text, language)

    assert cart_requests(changes) == [
        ("POST", "", {"device_id": "9", "colour": "Grunge Black", "storage_gb": 0, "quantity": 2}),
        ("DELETE", "/42", None),
    ]
    assert responses(dispatcher) == ["utter_cart_updated", "utter_ask_place_order_now"]
    assert events == []  # the same question waits: "yes" goes on to delivery


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("doe er toch ook nog 2 witte van 256 GB bij, voor de directie", "nl"),
        ("ajoute aussi 2 blancs en 256 Go pour la direction", "fr"),
        ("also add 2 white ones with 256 GB for the board", "en"),
        ("plus 2 white 256GB please", "en"),
    ],
)
async def test_another_variant_of_a_device_in_the_cart_is_a_new_item(
    backend, dispatcher, text, language
):
    # nl-502: "doe er … bij" replaced the 4 black iPhones by 2 ("Aangepast: 2 × iPhone 16e").
    changes = order_waits(backend, BLACK_16E)

    await confirm(backend, dispatcher, text, language)

    assert cart_requests(changes) == [
        ("POST", "", {"device_id": "6", "colour": "White", "storage_gb": 256, "quantity": 2})
    ]
    assert responses(dispatcher) == ["utter_cart_updated", "utter_ask_place_order_now"]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "hmm 1349 euros c'est cher... prends plutot l'iPhone 16 Pro Black Titanium en 256 Go",
            "fr",
        ),
        ("that's pricey, take the iPhone 16 Pro in Black Titanium 256 GB instead", "en"),
        ("toch liever de iPhone 16 Pro in Black Titanium, 256 GB", "nl"),
    ],
)
async def test_a_variant_switch_names_its_device_among_several(backend, dispatcher, text, language):
    # fr-504: "prends plutôt l'iPhone 16 Pro Black Titanium en 256 Go" got "répondez non puis
    # refaites la demande"; the quantity and the line of the item stay.
    changes = order_waits(backend, PRO_AND_NOKIAS)

    await confirm(backend, dispatcher, text, language)

    assert cart_requests(changes) == [
        ("POST", "", {"device_id": "7", "colour": "Black Titanium", "storage_gb": 256,
                      "quantity": 1, "for_line_id": 1}),
        ("DELETE", "/61", None),
    ]  # fmt: skip
    assert responses(dispatcher) == ["utter_cart_updated", "utter_ask_place_order_now"]


async def test_a_variant_switch_at_the_order_summary_prepares_it_again(backend, dispatcher):
    summary = {"items": PRO_AND_NOKIAS["items"], "total_incl_vat": "1966.25",
               "delivery_address": {"street": "Noorderlaan 120", "postal_code": "2030",
                                    "city": "Antwerpen"}}  # fmt: skip
    old = {"id": "op-o1", "type": "place_order", "status": "pending", "summary": summary}
    changes = order_waits(backend, PRO_AND_NOKIAS)
    backend.on("GET", "/api/v1/operations/op-o1", old)
    backend.on("POST", "/api/v1/operations/op-o1/cancel", {**old, "status": "cancelled"})
    backend.on("POST", "/api/v1/operations", json_response(201, {**old, "id": "op-o2"}))
    pending = {"pending_operation_id": "op-o1", "pending_operation_type": "place_order"}

    events = await confirm(
        backend, dispatcher, "prends plutôt l'iPhone 16 Pro en Black Titanium", "fr", pending
    )

    assert [r[0] for r in cart_requests(changes)] == ["POST", "DELETE"]
    assert "/api/v1/operations/op-o1/cancel" in backend.paths()
    assert "/api/v1/operations/op-o1/confirm" not in backend.paths()
    assert responses(dispatcher) == ["utter_summary_place_order", "utter_ask_confirm_operation"]
    assert slots_of(events)["pending_operation_id"] == "op-o2"


@pytest.mark.parametrize(
    ("text", "language"),
    [("sans les Nokia", "fr"), ("zonder de Nokia's", "nl"), ("drop the Nokias", "en"),
     ("non, enlève les Nokia en fait", "fr")],
)  # fmt: skip
async def test_an_item_named_is_removed(backend, dispatcher, text, language):
    changes = order_waits(backend, XCOVERS_AND_GOLD)

    await confirm(backend, dispatcher, text, language)

    assert cart_requests(changes) == [("DELETE", "/42", None)]
    assert responses(dispatcher) == ["utter_cart_updated", "utter_ask_place_order_now"]


@pytest.mark.parametrize(
    ("text", "language", "quantity"),
    [("only 2 XCovers", "en", 2), ("maar 2 XCovers aub", "nl", 2),
     ("finalement 5 XCover au lieu de 3", "fr", 5), ("enlève 1 Nokia", "fr", 1)],
)  # fmt: skip
async def test_a_new_quantity_of_one_item_among_several(
    backend, dispatcher, text, language, quantity
):
    changes = order_waits(backend, XCOVERS_AND_GOLD)

    await confirm(backend, dispatcher, text, language)

    [(method, path, body)] = cart_requests(changes)
    assert method == "PATCH" and body == {"quantity": quantity}
    assert path == ("/42" if "Nokia" in text else "/41")


async def test_a_sold_out_variant_keeps_the_item_it_was_to_replace(backend, dispatcher):
    changes = order_waits(backend, PRO_AND_NOKIAS)
    backend.on("POST", "/api/v1/cart/items", error(409, "out_of_stock"))

    await confirm(backend, dispatcher, "take the iPhone 16 Pro in Black Titanium instead", "en")

    assert changes == []  # nothing removed
    assert responses(dispatcher) == ["utter_variant_out_of_stock", "utter_ask_place_order_now"]
    assert dispatcher.messages[0]["variant"] == "Black Titanium, 256 GB"


async def test_a_colour_the_device_does_not_come_in_is_said(backend, dispatcher):
    changes = order_waits(backend, XCOVERS_AND_GOLD)

    await confirm(backend, dispatcher, "make the Nokias pink instead", "en")

    assert changes == []
    assert responses(dispatcher) == ["utter_invalid_shop_colour", "utter_ask_place_order_now"]
    assert dispatcher.messages[0]["colours"] == "Grunge Black, Y2K Gold"


async def test_a_device_not_in_the_cart_goes_through_the_item_form(backend, dispatcher):
    order_waits(backend, XCOVERS_AND_GOLD)

    events = await confirm(backend, dispatcher, "also add 2 Pixel 9 for the office", "en")

    assert FollowupAction("shop_item_form") in events
    values = slots_of(events)
    assert values["shop_item_text"] == "2 pixel 9 for the office"
    assert values["pending_operation_id"] is None  # asked again once they are in the cart


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("toch maar niet", [FollowupAction("action_cancel_operation")]),
        ("finalement non", [FollowupAction("action_cancel_operation")]),
        ("oui, et envoyez aussi la facture à la compta", [FollowupAction("order_delivery_form")]),
    ],
)
async def test_a_yes_or_no_that_names_nothing_of_the_cart_stays_a_yes_or_no(
    backend, dispatcher, text, expected
):
    changes = order_waits(backend, XCOVERS_AND_GOLD)

    events = await confirm(backend, dispatcher, text, "fr")

    assert changes == []
    assert [e for e in events if e.get("event") == "followup"] == expected


async def test_a_change_nobody_can_place_reads_the_cart_back(backend, dispatcher):
    changes = order_waits(backend, XCOVERS_AND_GOLD)

    await confirm(backend, dispatcher, "make them white instead", "en")  # which ones?

    assert changes == []
    assert responses(dispatcher) == ["utter_cart_change_unclear", "utter_ask_place_order_now"]
    assert "2 × Nokia 3210 4G (Y2K Gold)" in dispatcher.messages[0]["items"]


@pytest.mark.parametrize(
    ("text", "change"),
    [
        ("On second thought, make the Nokias black instead, the gold is a bit much.", True),
        ("doe er toch ook nog 2 witte van 256 GB bij, voor de directie", True),
        ("hmm 1349 euros c'est cher... prends plutot l'iPhone 16 Pro Black Titanium", True),
        ("Toch liever de Nokia's in het zwart, dat goud is wat veel", True),
        ("sans les Nokia", True),
        ("zonder de Nokia's", True),
        ("drop the Nokias", True),
        ("could you make the Nokias black instead?", True),
        ("oui", False),
        ("Yes, please proceed.", False),
        ("in orde, plaats de bestelling", False),
        # not now: the order's own action says the cart is kept (test_order_call_off.py)
        ("pas encore", True),
        ("nog niet", True),
        ("krijg ik daar nog een bevestiging van per mail?", False),
        ("is de zwarte wat goedkoper?", False),
        ("Yes, deliver to her home: Avenue Louise 54, 1050 Ixelles", False),
        ("/affirm", False),
    ],
)
def test_a_change_of_the_cart_is_told_from_an_answer_by_its_words(text, change):
    # What bot/policies/answer.py reads to send the message to the confirm action.
    assert says_cart_change(text) is change


def test_the_order_questions_are_the_ones_a_cart_change_answers():
    assert cart_order_waits("start:order_delivery_form", "start")
    assert cart_order_waits("op-1", "place_order")
    assert not cart_order_waits("start:deactivation_form", "start")
    assert not cart_order_waits("op-2", "change_plan")


# --- where to deliver, in people's words --------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "au siege", "au siège social", "au bureau", "à la société", "à l'entreprise", "chez nous",
        "naar 't bedrijf", "naar het kantoor", "hoofdzetel", "maatschappelijke zetel",
        "op kantoor", "bij ons", "head office", "HQ", "the office", "company address",
        "our office", "same as usual", "comme d'habitude", "zoals gewoonlijk",
        "naar ons kantoor in de Kolvestraat", "Kolvestraat 12, 8000 Brugge",
    ],
)  # fmt: skip
def test_the_company_address_in_peoples_words(text):
    # fr-504: "au siege" was refused three times.
    assert delivery_in(text, "Kolvestraat 12") == "company"


@pytest.mark.parametrize(
    "text",
    ["ander adres", "autre adresse", "another address", "pas au siège, chez elle",
     "not the office", "Industrieweg 22, 9000 Gent, niet aan de hoofdzetel",
     "to her home: Avenue Louise 54, 1050 Ixelles"],
)  # fmt: skip
def test_another_address_in_peoples_words(text):
    assert delivery_in(text, "Kolvestraat 12") == "other_address"


def test_an_address_is_found_inside_a_sentence():
    assert address_in("to her home: Avenue Louise 54, 1050 Ixelles") == {
        "street": "Avenue Louise 54", "postal_code": "1050", "city": "Ixelles"
    }  # fmt: skip
    assert address_in("Leveren aan Industrieweg 22, 9000 Gent, niet aan de hoofdzetel") == {
        "street": "Industrieweg 22", "postal_code": "9000", "city": "Gent"
    }  # fmt: skip
    assert address_in("chez elle, 12 rue des Lilas, 4000 Liège")["street"] == "12 rue des Lilas"
    assert address_in("au siège") is None


@pytest.mark.parametrize(
    ("text", "street"),
    [
        ("Please ship them to our warehouse at Kanaaldok 50, 2030 Antwerpen", "Kanaaldok 50"),
        (
            "envoyez-les au chantier de Wavre chez Bati Sud, Rue au Bois 3, 1300 Wavre",
            "Rue au Bois 3",
        ),
        ("stuur ze naar het magazijn op Industrieweg 8, 9030 Gent", "Industrieweg 8"),
        (
            "livrez-les à notre dépôt au Quai des Péniches 12, 1000 Bruxelles",
            "Quai des Péniches 12",
        ),
        ("Rue au Bois 3, 1300 Wavre", "Rue au Bois 3"),
    ],
)
def test_the_street_starts_after_the_sentence_leading_to_it(text, street):
    assert address_in(text)["street"] == street


@pytest.mark.parametrize(
    ("text", "language"),
    [("au siege", "fr"), ("naar ons kantoor in de Kolvestraat", "nl"), ("head office", "en"),
     # set23 nl-024: a compound was no place
     ("op ons kantooradres", "nl"), ("naar het firma-adres", "nl")],
)  # fmt: skip
async def test_the_delivery_question_takes_the_company_in_words(
    backend, dispatcher, text, language
):
    kolvestraat = company(street="Kolvestraat 12", postal_code="8000", city="Brugge")
    shop(backend).on("GET", "/api/v1/cart", CART)
    backend.on("GET", "/api/v1/me", me_fleet_manager(company=kolvestraat))
    asked = {"requested_slot": "order_delivery", "language": language}
    tracker = make_tracker(text, intent="out_of_scope", slots=asked)

    values = slots_of(
        await ValidateOrderDeliveryForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    )

    assert values["order_delivery"] == "company"
    assert values["requested_slot"] is None
    assert "utter_invalid_order_delivery" not in responses(dispatcher)


async def test_another_address_given_with_the_choice_is_taken(backend, dispatcher):
    shop(backend).on("GET", "/api/v1/cart", CART)
    asked = {"requested_slot": "order_delivery"}
    tracker = make_tracker(
        "another address, to her home: Avenue Louise 54, 1050 Ixelles", intent="inform", slots=asked
    )

    values = slots_of(
        await ValidateOrderDeliveryForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    )

    assert values["order_delivery"] == "other_address"
    assert values["order_address"] == {
        "street": "Avenue Louise 54", "postal_code": "1050", "city": "Ixelles"
    }  # fmt: skip
    assert values["requested_slot"] is None  # the address is not asked again


# --- read-backs in excluding VAT (business customers think excluding VAT) -----------------------

THREE_XCOVERS = {**cart_of(cart_item(41, XCOVER, "Black", 3)),
                 "total_excl_vat": "1617.00", "total_incl_vat": "1956.57"}  # fmt: skip
READ_BACK = {
    "en": ("• 3 × Samsung Galaxy XCover7 Pro (Black, 128 GB) · €539.00 each excl. VAT",
           "€1,617.00", "€1,956.57"),
    "fr": ("• 3 × Samsung Galaxy XCover7 Pro (Black, 128 GB) · 539,00\xa0€ HTVA l'unité",
           "1\u202f617,00\xa0€", "1\u202f956,57\xa0€"),
    "nl": ("• 3 × Samsung Galaxy XCover7 Pro (Black, 128 GB) · €\xa0539,00 per stuk excl. btw",
           "€\xa01.617,00", "€\xa01.956,57"),
}  # fmt: skip


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
async def test_every_cart_read_back_shows_the_unit_price_and_both_totals(
    backend, dispatcher, language
):
    # "Added to the cart (3). Your cart: 3 device(s), €1,956.57 incl. VAT." — then "what's the
    # unit price excl. VAT?", "wat is de prijs per stuk, excl. btw?".
    row, excl, incl = READ_BACK[language]
    order_waits(backend, THREE_XCOVERS)
    shop(backend).on("POST", "/api/v1/cart/items", json_response(201, THREE_XCOVERS))
    added = {"shop_device_id": "5", "shop_colour": "Black", "shop_storage_gb": 128.0,
             "shop_quantity": 3.0, "shop_for_line_id": "none", "language": language}  # fmt: skip
    await ActionAddToCart(backend.client()).run(dispatcher, make_tracker("3", slots=added), DOMAIN)
    await confirm(backend, dispatcher, "ajoute encore 2 XCover7 Pro", language)  # cart updated
    await ActionShowCart(backend.client()).run(
        dispatcher, make_tracker("cart", slots={"language": language}), DOMAIN
    )
    summary = {"items": THREE_XCOVERS["items"], "total_excl_vat": "1617.00",
               "total_incl_vat": "1956.57", "delivery_address": None}  # fmt: skip
    operation = {"id": "op-o1", "type": "place_order", "status": "pending", "summary": summary}
    backend.on("POST", "/api/v1/operations", json_response(201, operation))
    await ActionPrepareOrder(backend.client()).run(
        dispatcher, make_tracker("yes", slots={**TO_COMPANY, "language": language}), DOMAIN
    )

    read_backs = [m for m in dispatcher.messages if "items" in m]
    assert [m["response"] for m in read_backs] == [
        "utter_cart_item_added", "utter_cart_updated", "utter_cart", "utter_summary_place_order"
    ]  # fmt: skip
    for message in read_backs:
        assert (message["items"], message["total_excl_vat"], message["total_incl_vat"]) == (
            row,
            excl,
            incl,
        )


def test_the_read_backs_say_the_total_excluding_and_including_vat_in_every_language():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for name in ("utter_cart_item_added", "utter_cart_updated", "utter_cart_item_removed",
                 "utter_cart", "utter_summary_place_order"):  # fmt: skip
        for variation in domain["responses"][name]:
            said = set(re.findall(r"\{(\w+)\}", variation["text"]))
            assert {"items", "total_excl_vat", "total_incl_vat"} <= said, (name, variation)


# --- a device not in the cart, named at "Shall I place the order now?" ----------------------------

A56 = {"id": 10, "brand": "Samsung", "model": "Galaxy A56", "name": "Samsung Galaxy A56",
       "variants": [variant("Awesome Graphite", 128, "379.00"),
                    variant("Awesome Olive", 256, "449.00")]}  # fmt: skip
THREE_A56 = cart_of(cart_item(71, A56, "Awesome Graphite", 3))


@pytest.mark.parametrize(
    ("text", "language", "words"),
    [
        ("ah et ajoute un Galaxy XCover7 Pro noir pour Bram au magasin, le sien est mort. "
         "Même livraison.", "fr", "un galaxy xcover7 pro noir"),
        ("o ja, doe er ook één Galaxy XCover7 Pro in het zwart bij voor Bram, de zijne is kapot",
         "nl", "een galaxy xcover7 pro in het zwart"),
        ("oh and add a Galaxy XCover7 Pro in black for Bram at the shop, his died", "en",
         "a galaxy xcover7 pro in black"),
    ],
)  # fmt: skip
async def test_a_new_device_sharing_a_word_with_the_cart_s_is_added_without_touching_it(
    backend, dispatcher, text, language, words
):
    # "ajoute un Galaxy XCover7 Pro" made the 3 Galaxy A56 four ("C'est modifié … 4 × Samsung
    # Galaxy A56"): "Galaxy" was read as the A56.
    changes = order_waits(backend, THREE_A56)
    backend.on("GET", "/api/v1/catalog/devices", [*CATALOGUE, A56])
    shop(backend).on("GET", "/api/v1/catalog/devices/5", XCOVER)

    events = await confirm(backend, dispatcher, text, language)

    assert changes == []  # the A56 item is as it was
    assert FollowupAction("shop_item_form") in events
    after = slots_of(events)
    assert after["shop_item_text"].startswith(words)  # "un", "één", "a": how many
    assert after["pending_operation_id"] is None

    form = make_tracker(text, intent="inform", slots={**after, "language": language})
    values = slots_of(await ValidateShopItemForm(backend.client()).run(dispatcher, form, DOMAIN))
    assert (values["shop_device_id"], values["shop_colour"]) == ("5", "Black")
    assert values["shop_quantity"] == 1.0


async def test_a_switch_to_a_new_device_still_replaces_the_one_of_the_same_make(
    backend, dispatcher
):
    changes = order_waits(backend, THREE_A56)
    backend.on("GET", "/api/v1/catalog/devices", [*CATALOGUE, A56])

    events = await confirm(backend, dispatcher, "prends plutôt des Galaxy XCover7 Pro", "fr")

    assert cart_requests(changes) == [
        ("POST", "", {"device_id": "5", "colour": "Black", "storage_gb": 128, "quantity": 3}),
        ("DELETE", "/71", None),
    ]
    assert events == []


# --- a colour answer naming the refused variant and the new choice --------------------------------

S25 = {"id": 4, "brand": "Samsung", "model": "Galaxy S25", "name": "Samsung Galaxy S25",
       "variants": [variant("Navy", 128, "749.00", 10), variant("Icyblue", 256, "809.00", 0),
                    variant("Silver Shadow", 256, "809.00", 7)]}  # fmt: skip
ICYBLUE = {"shop_device_id": "4", "shop_colour": "Icyblue", "shop_storage_gb": 256.0,
           "shop_quantity": 3.0, "shop_for_line_id": "none"}  # fmt: skip


async def refused_then(backend: FakeBackend, dispatcher: Any, text: str, language: str) -> Any:
    """The Icyblue S25 is refused (out of stock) and the form asks the colour; ``text`` answers."""
    shop(backend).on("GET", "/api/v1/catalog/devices/4", S25)
    backend.on("GET", "/api/v1/catalog/devices", [S25])
    backend.on("POST", "/api/v1/cart/items", error(409, "out_of_stock"))
    refusal = await ActionAddToCart(backend.client()).run(
        dispatcher, make_tracker("256", slots=ICYBLUE), DOMAIN
    )
    assert responses(dispatcher) == ["utter_variant_out_of_stock"]
    dispatcher.messages.clear()
    asked = {**ICYBLUE, **slots_of(refusal), "shop_item_text": None,
             "requested_slot": "shop_colour", "language": language}  # fmt: skip
    answer = make_tracker(text, intent="inform", slots=asked)
    answer.events[:0] = [SlotSet("shop_colour", "Icyblue"), *refusal]
    return answer


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("bon si l'Icyblue n'est pas dispo, prenez le Navy alors", "fr"),
        ("als de Icyblue niet beschikbaar is, neem dan maar de Navy", "nl"),
        ("ok if the Icyblue isn't available, go for the Navy then", "en"),
        ("le Navy au lieu de l'Icyblue", "fr"),
        ("liever Navy dan Icyblue", "nl"),
        ("Icyblue... hmm, Navy", "en"),  # the one just refused is not the choice
    ],
)
async def test_of_the_refused_colour_and_another_the_other_is_chosen(
    backend, dispatcher, text, language
):
    # "bon si l'Icyblue n'est pas dispo, prenez le Navy alors", three times: the same refusal.
    answer = await refused_then(backend, dispatcher, text, language)

    values = slots_of(await ValidateShopItemForm(backend.client()).run(dispatcher, answer, DOMAIN))

    assert (values["shop_colour"], values["shop_storage_gb"]) == ("Navy", 128.0)
    assert responses(dispatcher) == []


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("prenez le Navy en 256 alors", "fr"),
        ("neem dan de Navy in 256 GB", "nl"),
        ("take the Navy with 256 GB then", "en"),
    ],
)
async def test_a_colour_not_in_the_capacity_asked_is_said_and_its_capacity_offered(
    backend, dispatcher, text, language
):
    answer = await refused_then(backend, dispatcher, text, language)

    values = slots_of(await ValidateShopItemForm(backend.client()).run(dispatcher, answer, DOMAIN))

    assert values["shop_colour"] == "Navy" and "shop_storage_gb" not in values
    assert responses(dispatcher) == ["utter_colour_only_in_storage"]
    assert dispatcher.messages[0]["storages"] == "128 GB"
    asking = make_tracker(text, slots={**answer.slots, **values})
    await ActionAskShopStorageGb(backend.client()).run(dispatcher, asking, DOMAIN)
    assert [b["payload"] for b in dispatcher.messages[-1]["buttons"]] == [
        '/inform{"shop_storage_gb": "128"}'
    ]


async def test_a_colour_chosen_after_its_capacity_is_said_to_come_in_another(backend, dispatcher):
    # 256 GB chosen first, then "Navy": the backend refuses the pair; the bot said "doesn't
    # exist" and asked both again.
    shop(backend).on("GET", "/api/v1/catalog/devices/4", S25)
    backend.on("POST", "/api/v1/cart/items", error(422, "variant_unknown"))
    navy = {**ICYBLUE, "shop_colour": "Navy"}

    events = await ActionAddToCart(backend.client()).run(
        dispatcher, make_tracker("navy", slots=navy), DOMAIN
    )

    assert responses(dispatcher) == ["utter_colour_only_in_storage"]
    assert slots_of(events) == {"shop_storage_gb": None, "shop_item_text": ""}  # Navy kept
    assert FollowupAction("shop_item_form") in events
    again = make_tracker("navy", slots={**navy, **slots_of(events)})
    values = slots_of(await ValidateShopItemForm(backend.client()).run(dispatcher, again, DOMAIN))
    assert "shop_storage_gb" not in values  # offered with its button, not taken silently


# --- "for which line?": no particular line, in people's words -------------------------------------


@pytest.mark.parametrize("intent", ["request_agent", "stop", "inform"])
@pytest.mark.parametrize(
    "text",
    [
        "not tied to a specific line", "not linked to anyone yet, they'll get lines later",
        "none yet", "shared devices for the warehouse", "spares", "not tied to a specific person",
        "pas liée à une ligne", "aucune ligne", "pas encore de ligne, c'est de la réserve",
        "appareils partagés", "niet gekoppeld aan een lijn", "geen specifieke lijn",
        "nog geen lijn", "reservetoestellen", "gedeelde toestellen",
    ],
)  # fmt: skip
async def test_no_line_in_peoples_words_is_the_answer_whatever_the_intent(
    backend, dispatcher, text, intent
):
    # "not tied to a specific line" was read as a request for a human: the form stopped and a
    # handoff started.
    shop(backend)
    asked = {**CHOSEN, "requested_slot": "shop_for_line_id"}

    events = await ValidateShopItemForm(backend.client()).run(
        dispatcher, make_tracker(text, intent=intent, slots=asked), DOMAIN
    )

    assert slots_of(events)["shop_for_line_id"] == "none"
    assert responses(dispatcher) == []


@pytest.mark.parametrize(
    "text",
    ["aucune idée, je veux parler à un conseiller", "no idea, get me an agent",
     "geen lijn, geef me een medewerker"],
)  # fmt: skip
async def test_asking_for_a_person_at_for_which_line_is_no_answer(backend, dispatcher, text):
    shop(backend)
    asked = {**CHOSEN, "requested_slot": "shop_for_line_id"}
    human = make_tracker(text, intent="request_agent", slots=asked)
    assert await ValidateShopItemForm(backend.client()).run(dispatcher, human, DOMAIN) == []


# --- the delivery said in the message that starts the order ---------------------------------------

KOLVESTRAAT = company(street="Kolvestraat 12", postal_code="8000", city="Brugge")
INDUSTRIEWEG = {"street": "Industrieweg 22", "postal_code": "9000", "city": "Gent"}


@pytest.mark.parametrize(
    ("opening", "language", "said"),
    [
        ("Bonjour, 3 Galaxy XCover7 Pro noirs, livraison normale a la societe", "fr",
         {"delivery": "company", "address": None}),
        ("Ik wil 4 iPhone 16e bestellen. Alles naar ons kantoor in de Kolvestraat", "nl",
         {"delivery": "company", "address": None}),
        ("We need 2 Pixel 9 in white, delivered to the office please", "en",
         {"delivery": "company", "address": None}),
        ("Twee Pixel 9 aub. Leveren aan Industrieweg 22, 9000 Gent, niet aan de hoofdzetel", "nl",
         {"delivery": "other_address", "address": INDUSTRIEWEG}),
        ("2 Nokia 3210 in Grunge Black, à livrer chez elle", "fr",
         {"delivery": "other_address", "address": None}),
    ],
)  # fmt: skip
async def test_the_delivery_said_at_the_opening_is_not_asked_again(
    backend, dispatcher, opening, language, said
):
    # "livraison normale a la societe" in the opening, and "Where shall I deliver?" later.
    shop(backend).on("GET", "/api/v1/me", me_fleet_manager(company=KOLVESTRAAT))
    backend.on("GET", "/api/v1/catalog/devices", CATALOGUE).on("GET", "/api/v1/cart", CART)
    for device in CATALOGUE:
        backend.on("GET", f"/api/v1/catalog/devices/{device['id']}", device)
    start = make_tracker(opening, intent="search_device", slots={"language": language})
    values = slots_of(await ValidateShopItemForm(backend.client()).run(dispatcher, start, DOMAIN))
    assert values["shop_delivery"] == said

    # "Shall I place the order now?" — "yes": the delivery form asks only what was not said.
    yes = make_tracker("yes", intent="affirm", slots={**values, "language": language})
    delivery = slots_of(
        await ValidateOrderDeliveryForm(backend.client()).run(dispatcher, yes, DOMAIN)
    )
    assert delivery["order_delivery"] == said["delivery"]
    assert delivery["requested_slot"] == (None if said["address"] or said["delivery"] == "company"
                                          else "order_address")  # fmt: skip
    assert "utter_invalid_order_delivery" not in responses(dispatcher)


async def test_an_opening_without_a_delivery_asks_it_and_forgets_an_earlier_one(
    backend, dispatcher
):
    shop(backend).on("GET", "/api/v1/catalog/devices", CATALOGUE).on("GET", "/api/v1/cart", CART)
    backend.on("GET", "/api/v1/catalog/devices/8", PIXEL)
    earlier = {"shop_delivery": {"delivery": "other_address", "address": INDUSTRIEWEG}}
    # "pour le bureau" is where the phone is used, not where it goes
    start = make_tracker("un Pixel 9 pour le bureau", intent="search_device", slots=earlier)
    values = slots_of(await ValidateShopItemForm(backend.client()).run(dispatcher, start, DOMAIN))
    assert values["shop_delivery"] is None

    yes = make_tracker("oui", intent="affirm", slots=values)
    delivery = slots_of(
        await ValidateOrderDeliveryForm(backend.client()).run(dispatcher, yes, DOMAIN)
    )
    assert delivery["requested_slot"] == "order_delivery"


async def test_the_delivery_of_the_opening_holds_for_the_request_s_next_device(backend, dispatcher):
    # The next device of "3 XCover7 and 2 Pixel 9, delivered to the office" is read from its
    # own words: the delivery said at the start is kept, never re-read.
    shop(backend).on("GET", "/api/v1/catalog/devices", CATALOGUE)
    backend.on("GET", "/api/v1/catalog/devices/8", PIXEL)
    said = {"delivery": "company", "address": None}
    queued = {"shop_item_text": "2 pixel 9 in white", "shop_delivery": said,
              "shop_for_line_id": "none"}  # fmt: skip
    tracker = make_tracker("3 XCover7 and 2 Pixel 9, delivered to the office", slots=queued)
    values = slots_of(await ValidateShopItemForm(backend.client()).run(dispatcher, tracker, DOMAIN))
    assert "shop_delivery" not in values
    assert (values["shop_device_id"], values["shop_colour"]) == ("8", "Porcelain")


async def test_the_order_summary_shows_the_address_said_at_the_opening(backend, dispatcher):
    shop(backend).on("GET", "/api/v1/cart", CART)
    prepared: list[httpx.Request] = []
    summary = {"items": [ITEM], "total_excl_vat": "1658.00", "total_incl_vat": "2006.18",
               "delivery_address": {"name": "Acme", **INDUSTRIEWEG}}  # fmt: skip

    def prepare(request: httpx.Request) -> httpx.Response:
        prepared.append(request)
        return json_response(201, {"id": "op-o1", "type": "place_order", "status": "pending",
                                   "summary": summary})  # fmt: skip

    backend.on("POST", "/api/v1/operations", prepare)
    slots = {"order_delivery": "other_address", "order_address": INDUSTRIEWEG, "language": "nl"}
    await ActionPrepareOrder(backend.client()).run(dispatcher, make_tracker("ja", slots=slots),
                                                   DOMAIN)  # fmt: skip
    assert json.loads(prepared[0].content)["params"] == {"delivery_address": INDUSTRIEWEG}
    assert dispatcher.messages[0]["address"] == "Industrieweg 22, 9000 Gent"


@pytest.mark.parametrize(
    "opening",
    ["Un Galaxy XCover7 Pro noir, livraison au siège",
     "Een Galaxy XCover7 Pro, te leveren op kantoor",
     "A Galaxy XCover7 Pro, delivered to the office"],
)  # fmt: skip
async def test_an_opening_that_says_where_to_deliver_is_an_order(backend, dispatcher, opening):
    # Listed only, the device tapped next started the form without the words of the delivery.
    shop(backend).on("GET", "/api/v1/catalog/devices", CATALOGUE)

    events = await ActionSearchDevices(backend.client()).run(
        dispatcher, make_tracker(opening, intent="search_device"), DOMAIN
    )

    assert SlotSet("shop_device_id", "5") in events
    assert FollowupAction("shop_item_form") in events


# --- several devices in one request: each with its own words, answers about each ---------------

A56 = {"id": 10, "brand": "Samsung", "model": "Galaxy A56 5G", "name": "Samsung Galaxy A56 5G",
       "variants": [variant("Awesome Graphite", 128, "379.00", 20),
                    variant("Awesome Olive", 256, "429.00", 8)]}  # fmt: skip
FAIRPHONE = {"id": 11, "brand": "Fairphone", "model": "Fairphone 5", "name": "Fairphone 5",
             "variants": [variant("Matte Black", 256, "569.00", 7),
                          variant("Sky Blue", 256, "569.00", 0)]}  # fmt: skip
MANY = [*CATALOGUE, S25, A56, FAIRPHONE]


def many(backend: FakeBackend) -> FakeBackend:
    shop(backend).on("GET", "/api/v1/catalog/devices", MANY)
    for device in MANY:
        backend.on("GET", f"/api/v1/catalog/devices/{device['id']}", device)
    backend.on("POST", "/api/v1/cart/items", json_response(201, CART))
    return backend


async def form_turn(
    backend: FakeBackend, dispatcher: Any, text: str, slots: dict[str, Any], intent: str = "inform"
) -> dict[str, Any]:
    """The item form reads ``text``: the slots afterwards."""
    tracker = make_tracker(text, intent=intent, slots=slots)
    events = await ValidateShopItemForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    return {**slots, **slots_of(events)}


async def next_device(
    backend: FakeBackend, dispatcher: Any, text: str, slots: dict[str, Any], intent: str
) -> dict[str, Any]:
    """The item is added (``text`` completed it) and the form starts on the request's next
    device, reading its words, whatever intent ``text`` was given."""
    tracker = make_tracker(text, intent=intent, slots=slots)
    events = await ActionAddToCart(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert FollowupAction("shop_item_form") in events
    return await form_turn(
        backend, dispatcher, text, {**slots, **slots_of(events), "requested_slot": None}, intent
    )


@pytest.mark.parametrize("intent", ["request_agent", "stop", "inform"])
async def test_the_opening_s_next_device_is_taken_up_after_the_first(backend, dispatcher, intent):
    # "…plus 1 Fairphone 5 in matte black for our sustainability officer": after "not tied to a
    # specific line" (read as a request for a human) the iPhones were added, then "Which
    # device would you like?" — the Fairphone was forgotten.
    many(backend)
    opening = ("I'd like to order 2 iPhone 16e in white 256 GB, plus 1 Fairphone 5 in matte black "
               "for our sustainability officer. Delivery to our office please.")  # fmt: skip
    first = await form_turn(backend, dispatcher, opening, {}, "search_device")
    iphones = (first["shop_device_id"], first["shop_colour"], first["shop_quantity"])
    assert iphones == ("6", "White", 2.0)
    asked = {**first, "requested_slot": "shop_for_line_id"}
    answered = await form_turn(backend, dispatcher, "not tied to a specific line", asked, intent)
    assert answered["shop_for_line_id"] == "none"

    dispatcher.messages.clear()
    fairphone = await next_device(
        backend, dispatcher, "not tied to a specific line", answered, intent
    )
    assert (fairphone["shop_device_id"], fairphone["shop_colour"]) == ("11", "Matte Black")
    assert (fairphone["shop_storage_gb"], fairphone["shop_quantity"]) == (256.0, 1.0)
    # for someone: its line is asked, saying which device the question is about
    assert fairphone["shop_for_line_id"] is None
    assert responses(dispatcher) == ["utter_cart_item_added", "utter_shop_next_item"]
    assert dispatcher.messages[-1]["device"] == "Fairphone 5"


@pytest.mark.parametrize(
    "opening",
    [
        # set20 nl-2030: "for which line?" was asked for the drivers' Nokias, and the only
        # answer the user had was Elise's iPhone, three times
        "Hallo, ik had graag 3 Nokia 3210's in het goud besteld voor de chauffeurs",
        "il me faut 3 Nokia 3210 dorés pour les chauffeurs",
        "3 gold Nokia 3210 for the new drivers please",
        "3 Nokia 3210 en or pour le chantier",
    ],
)
async def test_devices_for_a_group_or_a_place_are_for_no_one_line(backend, dispatcher, opening):
    many(backend)
    filled = await form_turn(backend, dispatcher, opening, {}, "search_device")
    assert (filled["shop_device_id"], filled["shop_quantity"]) == ("9", 3.0)
    assert filled["shop_for_line_id"] == "none"


@pytest.mark.parametrize(
    ("opening", "language"),
    [
        ("Voor het nieuwe depot in Gent: 3 S25's van 256 GB en 2 A56's, ook 256 GB. Leveren aan "
         "Industrieweg 22, 9000 Gent", "nl"),
        ("Pour le nouveau dépôt de Gand : 3 Galaxy S25 en 256 Go et 2 Galaxy A56, aussi en "
         "256 Go. Livraison à Industrieweg 22, 9000 Gent", "fr"),
        ("For the new depot: 3 S25s with 256 GB and 2 A56s, 256 GB as well, delivered to "
         "Industrieweg 22, 9000 Gent", "en"),
    ],
)  # fmt: skip
async def test_each_count_of_an_opening_belongs_to_its_device(
    backend, dispatcher, opening, language
):
    # "3 S25's van 256 GB en 2 A56's": the order ended with 6 S25 and no A56.
    many(backend)
    first = await form_turn(backend, dispatcher, opening, {"language": language}, "search_device")
    assert (first["shop_device_id"], first["shop_quantity"]) == ("4", 3.0)
    assert first["shop_storage_gb"] == 256.0 and first["shop_delivery"]["address"] == INDUSTRIEWEG
    asked = {**first, "shop_colour": "Silver Shadow", "requested_slot": "shop_for_line_id"}
    answered = await form_turn(backend, dispatcher, "geen specifieke lijn", asked, "deny")

    a56 = await next_device(backend, dispatcher, "geen specifieke lijn", answered, "deny")
    assert (a56["shop_device_id"], a56["shop_quantity"]) == ("10", 2.0)
    assert a56["shop_storage_gb"] == 256.0
    assert a56["shop_colour"] == "Awesome Olive"  # the only one in 256 GB
    assert a56["shop_for_line_id"] == "none"  # "for the depot" is nobody's line


@pytest.mark.parametrize(
    ("devices", "colours", "counts", "language"),
    [
        ("iPhone 16e and Fairphone 5", "White for the iPhones, Matte Black for the Fairphone",
         "2 iPhones and 1 Fairphone", "en"),
        ("Samsung Galaxy S25 en Galaxy A56", "Silver Shadow voor de S25, olijfgroen (Awesome "
         "Olive) voor de A56", "3 S25 en 2 A56", "nl"),
        ("les Galaxy S25 et les Nokia 3210", "Silver Shadow pour les S25, noir pour les Nokia",
         "3 S25 et 2 Nokia", "fr"),
    ],
)  # fmt: skip
async def test_an_answer_about_several_devices_gives_each_its_own(
    backend, dispatcher, devices, colours, counts, language
):
    # "Which colour for the Apple iPhone 16e?" — "White for the iPhones, Matte Black for the
    # Fairphone": "That colour doesn't exist for this device", three times.
    many(backend)
    chosen = await form_turn(
        backend, dispatcher, devices, {"requested_slot": "shop_device_id", "language": language}
    )
    assert len(chosen["shop_more_items"]) == 1  # the second device waits its turn
    coloured = await form_turn(
        backend, dispatcher, colours, {**chosen, "requested_slot": "shop_colour"}
    )
    counted = await form_turn(
        backend, dispatcher, counts, {**coloured, "requested_slot": "shop_quantity"}
    )
    assert responses(dispatcher) == []  # nothing refused
    first = {"en": ("6", "White", 2.0), "nl": ("4", "Silver Shadow", 3.0),
             "fr": ("4", "Silver Shadow", 3.0)}[language]  # fmt: skip
    assert (counted["shop_device_id"], counted["shop_colour"], counted["shop_quantity"]) == first

    done = {**counted, "shop_for_line_id": "none", "requested_slot": None}
    second = await next_device(backend, dispatcher, "no particular line", done, "inform")
    expected = {"en": ("11", "Matte Black", 1.0), "nl": ("10", "Awesome Olive", 2.0),
                "fr": ("9", "Grunge Black", 2.0)}[language]  # fmt: skip
    assert (second["shop_device_id"], second["shop_colour"], second["shop_quantity"]) == expected
    assert second["shop_for_line_id"] == "none"  # asked nothing again


async def test_an_answer_about_the_next_device_only_is_kept_without_a_refusal(backend, dispatcher):
    many(backend)
    asked = {"shop_device_id": "6", "shop_more_items": ["1 Fairphone 5"],
             "requested_slot": "shop_colour"}  # fmt: skip
    after = await form_turn(backend, dispatcher, "Matte Black for the Fairphone", asked)
    assert responses(dispatcher) == []  # no "that colour doesn't exist" for the iPhone
    assert after.get("shop_colour") is None
    assert after["shop_more_items"] == ["1 Fairphone 5, Matte Black for the Fairphone"]


def test_the_words_of_each_device_of_a_request():
    catalogue = [Device.model_validate(d) for d in MANY]
    opening = "Hi! 2 iPhone 16e and a Fairphone 5, both in black. Delivery to the office"
    assert [(d.id, w) for d, w in item_words(opening, catalogue)] == [
        (6, "Hi, both in black, 2 iPhone 16e"),
        (11, "Hi, both in black, a Fairphone 5, Delivery to the office"),
    ]
    # a short name among the request's devices; a name of another device is not theirs
    request = [Device.model_validate(d) for d in (S25, NOKIA)]
    answer = "les S25 en Silver Shadow et les Nokia en noir"
    assert [w for _, w in item_words(answer, catalogue, request)] == [
        "les S25, Silver Shadow",
        "les Nokia, noir",
    ]


@pytest.mark.parametrize(
    ("words", "someone"),
    [
        ("1 Fairphone 5 in matte black for our sustainability officer", True),
        ("un iPhone 16e pour Marie", True),
        ("een A56 voor de nieuwe collega", True),
        ("2 A56's voor het depot", False),
        ("3 Crosscall for the site workers", False),
        ("2 Nokia pour les chauffeurs", False),
    ],
)
def test_a_device_for_one_person(words, someone):
    assert for_someone(words) is someone


def test_colour_words_that_mean_a_catalogue_colour():
    colours = ["Awesome Graphite", "Awesome Olive"]
    for said in ("olijfgroen", "vert olive", "olive green", "olijf"):
        assert colour_in(said, colours) == "Awesome Olive"
    assert colour_in("grafiet", colours) == "Awesome Graphite"
