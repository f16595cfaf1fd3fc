"""Orders are the fleet manager's (design.md §2): an end user asking for a device, in French,
Dutch or English, is told to ask their fleet manager; no cart, no operation."""

from __future__ import annotations

import pytest
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet

from actions.shop import ActionSearchDevices, ValidateOrderDeliveryForm, ValidateShopItemForm
from tests.actions.support import FakeBackend, make_tracker, me_end_user, responses
from tests.actions.test_shop import CART, DOMAIN, many, slots_of

ASKING = [
    ("fr", "je voudrais commander un Fairphone 5"),
    ("nl", "ik wil een nieuwe gsm bestellen"),
    ("en", "I'd like to order an iPhone 16"),
]


def end_user(backend: FakeBackend, language: str) -> FakeBackend:
    """The shop's catalogue and a cart that would take anything, seen by an end user."""
    many(backend).on("GET", "/api/v1/me", me_end_user(language=language))
    backend.on("GET", "/api/v1/cart", CART)
    return backend


def nothing_ordered(backend: FakeBackend) -> None:
    """Neither the cart nor an operation was read or written."""
    assert [r for r in backend.requests if r.method != "GET"] == []
    assert not [p for p in backend.paths() if "/cart" in p or "/operations" in p]


@pytest.mark.parametrize(("language", "text"), ASKING)
async def test_the_search_of_an_end_user_who_orders_ends_at_the_fleet_manager(
    backend, dispatcher, language: str, text: str
):
    end_user(backend, language)
    tracker = make_tracker(text, intent="search_device", slots={"language": language})

    events = await ActionSearchDevices(backend.client()).run(dispatcher, tracker, DOMAIN)
    if FollowupAction("shop_item_form") in events:  # a device was named: the form takes it
        tracker.slots.update(slots_of(events))
        events = await ValidateShopItemForm(backend.client()).run(dispatcher, tracker, DOMAIN)
        assert ActiveLoop(None) in events

    assert responses(dispatcher) == ["utter_fleet_manager_required"]  # no list of devices
    nothing_ordered(backend)


@pytest.mark.parametrize(("language", "text"), ASKING)
async def test_the_item_form_refuses_an_end_user_at_once(
    backend, dispatcher, language: str, text: str
):
    end_user(backend, language)
    tracker = make_tracker(text, intent="inform", slots={"language": language})

    events = await ValidateShopItemForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_fleet_manager_required"]
    assert ActiveLoop(None) in events
    assert not slots_of(events).get("shop_for_line_id")  # not the end user's own line either
    nothing_ordered(backend)


@pytest.mark.parametrize(
    ("language", "text"),
    [("fr", "passe la commande stp"), ("nl", "plaats de bestelling"), ("en", "place the order")],
)
async def test_an_end_user_placing_an_order_is_not_told_about_an_empty_cart(
    backend, dispatcher, language: str, text: str
):
    end_user(backend, language)
    tracker = make_tracker(text, intent="place_order", slots={"language": language})

    events = await ValidateOrderDeliveryForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_fleet_manager_required"]
    assert ActiveLoop(None) in events
    nothing_ordered(backend)


async def test_a_fleet_manager_saying_the_same_orders(backend, dispatcher):
    many(backend)
    tracker = make_tracker(ASKING[1][1], intent="search_device", slots={"language": "nl"})

    events = await ActionSearchDevices(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_devices_found"]
    assert events == [FollowupAction("shop_item_form")]
    named = make_tracker(ASKING[2][1], intent="inform")
    events = await ValidateShopItemForm(backend.client()).run(dispatcher, named, DOMAIN)
    assert SlotSet("shop_device_id", "1") in events and ActiveLoop(None) not in events
