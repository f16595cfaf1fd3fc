"""An order of new devices read as a repair request: the repair form hands it to the shop.

"on a besoin de 2 Galaxy XCover7 Pro … A livrer au depot: …" classified ``request_repair`` asked
"For which line?" and "What is the device's IMEI?": the repair form now ends at once and the
shop's device search reads the same message, as if ``search_device`` had been predicted; the
item form then takes the device, colour, capacity, count and delivery the opening says. A
repair that names a model, or an order verb about devices already there, stays a repair.
"""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet

from actions.repairs import ValidateRepairForm, orders_devices
from actions.shop import ActionSearchDevices, ValidateShopItemForm
from tests.actions.support import (
    FakeBackend,
    company,
    line,
    make_tracker,
    me_end_user,
    me_fleet_manager,
    responses,
)
from tests.actions.test_repairs import DOMAIN as REPAIR_DOMAIN
from tests.actions.test_shop import DOMAIN as SHOP_DOMAIN

# The repair form and the shop's item form, as in their own tests.
DOMAIN: dict[str, Any] = {"forms": {**REPAIR_DOMAIN["forms"], **SHOP_DOMAIN["forms"]}}


def variant(colour: str, storage: int, price: str, stock: int = 5) -> dict[str, Any]:
    return {"colour": colour, "storage_gb": storage, "price_excl_vat": price, "stock": stock}


XCOVER = {"id": 5, "brand": "Samsung", "model": "Galaxy XCover7 Pro",
          "name": "Samsung Galaxy XCover7 Pro", "rugged": True,
          "variants": [variant("Black", 128, "539.00")]}  # fmt: skip
IPHONE_16E = {"id": 6, "brand": "Apple", "model": "iPhone 16e", "name": "Apple iPhone 16e",
              "variants": [variant("Black", 128, "579.00", 9),
                           variant("White", 256, "699.00", 3)]}  # fmt: skip
PIXEL = {"id": 8, "brand": "Google", "model": "Pixel 9", "name": "Google Pixel 9",
         "variants": [variant("Obsidian", 128, "739.00"),
                      variant("Porcelain", 256, "839.00")]}  # fmt: skip
A56 = {"id": 10, "brand": "Samsung", "model": "Galaxy A56 5G", "name": "Samsung Galaxy A56 5G",
       "variants": [variant("Awesome Graphite", 128, "379.00", 20),
                    variant("Awesome Olive", 256, "429.00", 8)]}  # fmt: skip
FAIRPHONE = {"id": 11, "brand": "Fairphone", "model": "Fairphone 5", "name": "Fairphone 5",
             "variants": [variant("Matte Black", 256, "569.00", 7),
                          variant("Sky Blue", 256, "569.00", 0)]}  # fmt: skip
CROSSCALL = {"id": 12, "brand": "Crosscall", "model": "Core-Z5", "name": "Crosscall Core-Z5",
             "rugged": True, "variants": [variant("Black", 128, "649.00")]}  # fmt: skip
S25 = {"id": 4, "brand": "Samsung", "model": "Galaxy S25", "name": "Samsung Galaxy S25",
       "variants": [variant("Navy", 128, "899.00"), variant("Icyblue", 256, "959.00")]}  # fmt: skip
CATALOGUE = [XCOVER, IPHONE_16E, PIXEL, A56, FAIRPHONE, CROSSCALL, S25]
HEAD_OFFICE = company(street="Rue de la Loi 16", postal_code="1000", city="Bruxelles")


def address(street: str, postal_code: str, city: str) -> dict[str, str]:
    return {"street": street, "postal_code": postal_code, "city": city}


def to(street: str, postal_code: str, city: str) -> dict[str, Any]:
    return {"delivery": "other_address", "address": address(street, postal_code, city)}


TO_COMPANY = {"delivery": "company", "address": None}


def shop(backend: FakeBackend, me: dict[str, Any] | None = None) -> FakeBackend:
    backend.on("GET", "/api/v1/me", me or me_fleet_manager(company=HEAD_OFFICE))
    backend.on("GET", "/api/v1/catalog/devices", CATALOGUE)
    for device in CATALOGUE:
        backend.on("GET", f"/api/v1/catalog/devices/{device['id']}", device)
    return backend


def slots_of(events: list[Any]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def followups(events: list[Any]) -> list[str]:
    return [str(e["name"]) for e in events if e.get("event") == "followup"]


# (opening, language, device id, colour, capacity, quantity, delivery said)
ORDERS = [
    # the failing dialogues (fr-002, en-005, en-006)
    ("Hello, on a besoin de 2 Galaxy XCover7 Pro pour les gars du depot, les telephones costauds "
     "la. A livrer au depot: Rue de l'Industrie 15, 1400 Nivelles", "fr",
     "5", "Black", 128.0, 2.0, to("Rue de l'Industrie 15", "1400", "Nivelles")),
    ("We need 3 rugged phones for the forklift drivers, the Samsung XCover7 Pro. Please ship "
     "them to our warehouse at Kanaaldok 50, 2030 Antwerpen, not to head office.", "en",
     "5", "Black", 128.0, 3.0, to("Kanaaldok 50", "2030", "Antwerpen")),
    ("Dear team, Following our internal sustainability policy, we would like to order five (5) "
     "Fairphone 5 devices, Matte Black, 256 GB. Delivery to our registered company address. Kind "
     "regards, Sofie Janssens, Fleet Manager, Acme Logistics", "en",
     "11", "Matte Black", 256.0, 5.0, TO_COMPANY),
    # French
    ("Bonjour, je voudrais commander 4 iPhone 16e blancs en 256 Go, livraison au siège", "fr",
     "6", "White", 256.0, 4.0, TO_COMPANY),
    ("Il nous faut trois Fairphone 5 en Matte Black pour l'équipe commerciale, à envoyer Rue "
     "Haute 8, 1000 Bruxelles", "fr", "11", "Matte Black", 256.0, 3.0,
     to("Rue Haute 8", "1000", "Bruxelles")),
    # Dutch
    ("We hebben 2 nieuwe Pixel 9 nodig voor de techniekers, in het Porcelain, graag leveren aan "
     "Industrieweg 22, 9000 Gent", "nl", "8", "Porcelain", 256.0, 2.0,
     to("Industrieweg 22", "9000", "Gent")),
    ("Ik wil 5 Galaxy A56 bestellen in Awesome Graphite, te leveren op kantoor", "nl",
     "10", "Awesome Graphite", 128.0, 5.0, TO_COMPANY),
    ("Kunnen jullie drie Crosscall Core-Z5 opsturen naar ons magazijn, Havenlaan 4, 8400 Oostende?",
     "nl", "12", "Black", 128.0, 3.0, to("Havenlaan 4", "8400", "Oostende")),
    # English
    ("Please order two Galaxy S25 in Navy for the sales team, delivered to the office", "en",
     "4", "Navy", 128.0, 2.0, TO_COMPANY),
    ("We need 4 rugged phones, water-resistant, for the yard: the Crosscall Core-Z5, shipped to "
     "Dokweg 7, 2030 Antwerpen", "en", "12", "Black", 128.0, 4.0,
     to("Dokweg 7", "2030", "Antwerpen")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("opening", "language", "device", "colour", "storage", "quantity", "delivery"), ORDERS
)
async def test_an_order_read_as_a_repair_is_handed_to_the_shop(
    backend, dispatcher, opening, language, device, colour, storage, quantity, delivery
):
    shop(backend)
    slots = {"language": language}
    tracker = make_tracker(opening, intent="request_repair", slots=slots)

    events = await ValidateRepairForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    # Ended at once, before "For which line?" or "What is the device's IMEI?".
    assert followups(events) == ["action_search_devices"]
    assert ActiveLoop(None) in events
    assert responses(dispatcher) == []
    assert backend.requests == []

    # The shop reads the same message as if the device had been asked for...
    search = make_tracker(opening, intent="request_repair", slots=slots)
    events = await ActionSearchDevices(backend.client()).run(dispatcher, search, DOMAIN)
    assert SlotSet("shop_device_id", device) in events
    assert FollowupAction("shop_item_form") in events

    # ...and its item form takes what the opening says: nothing of it is asked again.
    start = make_tracker(
        opening, intent="request_repair", slots={**slots, "shop_device_id": device}
    )
    events = await ValidateShopItemForm(backend.client()).run(dispatcher, start, DOMAIN)
    values = {"shop_device_id": device, **slots_of(events)}
    assert values["shop_device_id"] == device
    assert values["shop_colour"] == colour
    assert values["shop_storage_gb"] == storage
    assert values["shop_quantity"] == quantity
    assert values["shop_delivery"] == delivery
    assert responses(dispatcher) == []


async def test_an_end_user_ordering_through_the_repair_form_hears_the_shop_s_answer(
    backend, dispatcher
):
    # The shop answers as it would have: orders are the fleet manager's.
    shop(backend, me_end_user())
    opening = "We need 3 rugged phones for the forklift drivers, please ship them to the depot"
    tracker = make_tracker(opening, intent="request_repair")

    events = await ValidateRepairForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert followups(events) == ["action_search_devices"]

    events = await ActionSearchDevices(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_fleet_manager_required"]
    assert followups(events) == []


REPAIRS = [
    "mon XCover est tombé, l'écran est noir, il faut le réparer",
    "on a commandé 4 iPhone 16e le mois passé, celui de Jan ne s'allume plus",
    "il nous faut une réparation pour les 2 Galaxy XCover7 Pro du dépôt, ils sont cassés",
    "het scherm van de Galaxy S25 van Piet is gebarsten, graag ophalen op kantoor",
    "we hebben vorige maand 3 Galaxy XCover7 Pro besteld en eentje laadt niet meer op",
    "de 2 gsm's van het magazijn zijn kapot, kunnen jullie die komen halen?",
    "the Fairphone 5 of Jan doesn't charge anymore, can it be picked up at the depot?",
    "I ordered 2 Pixel 9 last week and one of them has a cracked screen",
    "Bram's XCover7 Pro died, please ship it back to the depot once repaired",
    "Can you send a courier to pick up the 2 XCovers at the depot, Rue de l'Industrie 15, 1400 "
    "Nivelles",
]


@pytest.mark.parametrize("opening", REPAIRS)
async def test_a_repair_that_names_a_model_stays_a_repair(backend, dispatcher, opening):
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("GET", "/api/v1/lines", [line()])
    tracker = make_tracker(opening, intent="request_repair")

    events = await ValidateRepairForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert followups(events) == []
    assert not orders_devices(opening)


async def test_a_correction_at_the_repair_summary_is_never_handed_over(backend, dispatcher):
    # The form re-opened by a correction of its waiting summary edits that repair.
    pending = {"id": "op-r1", "type": "request_repair", "status": "pending", "line_id": 12,
               "summary": {}}  # fmt: skip
    backend.on("GET", "/api/v1/operations/op-r1", pending)
    backend.on("POST", "/api/v1/operations/op-r1/cancel", {**pending, "status": "cancelled"})
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("GET", "/api/v1/lines", [line()])
    backend.on("GET", "/api/v1/lines/12", line())
    waiting = {
        "target_line_id": "12", "repair_imei": "490154203237518",
        "repair_problem": "cracked screen", "repair_pickup": "workplace",
        "pending_operation_id": "op-r1", "pending_operation_type": "request_repair",
    }  # fmt: skip
    correction = "non attendez, on a besoin de 2 XCover7 Pro, à livrer au dépôt"
    assert orders_devices(correction)  # an order, had it opened the conversation
    tracker = make_tracker(correction, intent="inform", slots=waiting)

    events = await ValidateRepairForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert followups(events) == []
    assert ActiveLoop(None) not in events
