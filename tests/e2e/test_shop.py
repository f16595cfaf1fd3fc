"""Hardware shop by chat against the real services: search, out of stock, cart, order (EN/NL),
order status as the warehouse moves the order along (FR/NL/EN), and an end user's request for a
device sent to the fleet manager (orders are the fleet manager's, FR/NL/EN).

The backend state (cart, orders, stock) is checked through the portal API of the same account.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Chat
from tests.e2e.operator import advance, line_about, place_order


def device_id(chat: Chat, model: str) -> str:
    devices: list[dict[str, Any]] = chat.api("/catalog/devices", q=model)
    return str(next(d["id"] for d in devices if d["model"] == model))


def test_english_search_out_of_stock_alternatives_then_order(acme_fleet_manager: Chat) -> None:
    chat = acme_fleet_manager
    chat.say("in English please")
    found = chat.say("I'm looking for a cheap Samsung")
    assert "Galaxy A26 5G" in found
    a26 = device_id(chat, "Galaxy A26 5G")

    colour = chat.say(f'/inform{{"shop_device_id": "{a26}"}}')
    assert "colour" in colour
    chat.say('/inform{"shop_colour": "White"}')  # 128 GB is the only capacity
    chat.say("2")
    refused = chat.say('/inform{"shop_for_line_id": "none"}')
    # Sold out: the colour is asked again for the same phone, with only the colours in stock.
    assert "out of stock" in refused and "colour" in refused
    assert chat.api("/cart")["items"] == []

    added = chat.say("black")  # how many and for which line were kept
    assert "Added to the cart" in added
    [item] = chat.api("/cart")["items"]
    assert (item["colour"], item["storage_gb"], item["quantity"]) == ("Black", 128, 2)

    where = chat.say("place the order")
    acme = chat.api("/me")["company"]
    assert "company address" in where and acme["street"] in where and acme["city"] in where
    summary = chat.say('/inform{"order_delivery": "company"}')
    assert "Order summary" in summary and "Galaxy A26 5G" in summary
    assert acme["street"] in summary
    assert chat.api("/orders") == []  # nothing before "yes"
    done = chat.say("yes")
    [order] = chat.api("/orders")
    assert order["number"] in done
    assert chat.api("/cart")["items"] == []

    status = chat.say("where is my order?")
    assert order["number"] in status


def test_dutch_rugged_phone_for_an_employee_then_removed_from_the_cart(
    acme_fleet_manager: Chat,
) -> None:
    chat = acme_fleet_manager
    found = chat.say("ik zoek een robuuste gsm")
    assert "Galaxy XCover7 Pro" in found and "iPhone" not in found
    xcover = device_id(chat, "Galaxy XCover7 Pro")

    # one colour and one capacity: only the quantity and the line are asked
    quantity = chat.say(f'/inform{{"shop_device_id": "{xcover}"}}')
    assert "Hoeveel" in quantity
    chat.say("1")
    added = chat.say("voor Lotte Maes")
    assert "Toegevoegd" in added
    [item] = chat.api("/cart")["items"]
    assert item["for_msisdn"] == "+32470000004"

    cart = chat.say("toon mijn winkelmandje")
    assert "Galaxy XCover7 Pro" in cart
    removed = chat.say(f'/remove_cart_item{{"cart_item_id": "{item["id"]}"}}')
    assert "Verwijderd" in removed
    assert chat.api("/cart")["items"] == []


def test_dutch_order_delivered_to_another_address(acme_fleet_manager: Chat) -> None:
    chat = acme_fleet_manager
    xcover = device_id(chat, "Galaxy XCover7 Pro")
    chat.say(f'/inform{{"shop_device_id": "{xcover}"}}')
    chat.say("1")
    assert "Toegevoegd" in chat.say('/inform{"shop_for_line_id": "none"}')

    assert "ander adres" in chat.say("plaats de bestelling")
    assert "Op welk adres" in chat.say('/inform{"order_delivery": "other_address"}')
    assert "postcode van 4 cijfers" in chat.say("Kerkstraat 12, 900 Gent")
    summary = chat.say("Kerkstraat 12, 9000 Gent")
    assert "Levering: Kerkstraat 12, 9000 Gent" in summary
    done = chat.say("ja")
    [order] = [o for o in chat.api("/orders") if o["number"] in done]
    stored = chat.api(f"/orders/{order['id']}")["delivery_address"]
    assert (stored["street"], stored["postal_code"], stored["city"]) == (
        "Kerkstraat 12",
        "9000",
        "Gent",
    )
    assert chat.api("/cart")["items"] == []


def test_french_order_status_follows_the_warehouse(acme_fleet_manager: Chat) -> None:
    chat = acme_fleet_manager
    order = place_order(chat)
    chat.say("en français svp")

    received = line_about(chat.say("où est ma commande ?"), order["number"])
    advance(chat.stack, "orders", order["id"], times=2)
    shipped = line_about(chat.say("où est ma commande ?"), order["number"])
    advance(chat.stack, "orders", order["id"])
    delivered = line_about(chat.say("statut de ma commande"), order["number"])

    assert "reçue" in received
    tracking = chat.api(f"/orders/{order['id']}")["tracking"]
    assert "expédiée" in shipped and tracking in shipped
    assert "livrée" in delivered


@pytest.mark.parametrize(
    ("switch", "question", "said"),
    [
        ("in het Nederlands aub", "waar is mijn bestelling", "in voorbereiding"),
        ("in English please", "where is my order?", "being prepared"),
    ],
)
def test_order_being_prepared_in_dutch_and_english(
    acme_fleet_manager: Chat, switch: str, question: str, said: str
) -> None:
    order = place_order(acme_fleet_manager)
    advance(acme_fleet_manager.stack, "orders", order["id"])
    acme_fleet_manager.say(switch)

    assert said in line_about(acme_fleet_manager.say(question), order["number"])


FLEET_MANAGER_ONLY = {
    "fr": "Désolé, seul un fleet manager peut faire cela",
    "nl": "Sorry, enkel een fleet manager kan dat doen",
    "en": "Sorry, only a fleet manager can do that",
}


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("fr", "je voudrais commander un Fairphone 5"),
        ("nl", "ik wil een nieuwe gsm bestellen"),
        ("en", "I'd like to order an iPhone 16"),
    ],
)
def test_an_end_user_asking_for_a_device_is_sent_to_the_fleet_manager(
    acme_end_user: Chat, acme_fleet_manager: Chat, language: str, message: str
) -> None:
    orders_before = acme_fleet_manager.api("/orders")

    reply = acme_end_user.say(message)

    assert FLEET_MANAGER_ONLY[language] in reply
    assert acme_end_user.api("/cart")["items"] == []
    assert acme_end_user.api("/orders") == []
    assert acme_fleet_manager.api("/orders") == orders_before
