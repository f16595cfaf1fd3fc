"""A new device ordered because the old one is failing is an order, not a repair (en-010).

"Ines Vermeulen's phone is on its last legs, so we'd like to get her a Samsung Galaxy A56 in
the olive colour, 256 GB. One unit, shipped to our office." (an e-mail with a PS about an
invoice and a signature) asked for the IMEI: a fault named anywhere kept it a repair. A
catalogue model got for someone, or wanted with its colour, capacity or count, is ordered even
when the old device is broken; asking to repair it keeps the repair.
"""

from __future__ import annotations

import pytest
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet

from actions.repairs import ValidateRepairForm, orders_devices
from actions.shop import ActionSearchDevices, ValidateShopItemForm
from tests.actions.support import line, make_tracker, me_fleet_manager, responses
from tests.actions.test_repair_orders import DOMAIN, TO_COMPANY, followups, shop, slots_of

OPENINGS = [
    ("Hi there,\n\nInes Vermeulen's phone is on its last legs, so we'd like to get her a Samsung "
     "Galaxy A56 in the olive colour, 256 GB. One unit, shipped to our office.\n(Separately, I "
     "noticed our November invoice is still open, I'll pay it later this week.)\n\nThanks,\n"
     "Sofie Janssens | Acme Logistics\n", "en"),
    ("Bonjour,\n\nLe téléphone d'Ines Vermeulen rend l'âme, on voudrait donc lui prendre un "
     "Samsung Galaxy A56 vert olive, 256 Go. Un seul exemplaire, livré à notre bureau.\n(Par "
     "ailleurs, notre facture de novembre est encore ouverte, je la paierai cette semaine.)\n\n"
     "Merci,\nSofie Janssens | Acme Logistics\n", "fr"),
    ("Hallo,\n\nDe gsm van Ines Vermeulen is op zijn laatste benen, dus we willen voor haar een "
     "Samsung Galaxy A56 in olijfgroen nemen, 256 GB. Eén stuk, te leveren op kantoor.\n(Los "
     "daarvan: onze factuur van november staat nog open, ik betaal ze deze week.)\n\nGroeten,\n"
     "Sofie Janssens | Acme Logistics\n", "nl"),
    ("Ines' phone died, please order her a Galaxy A56 in olive, 256 GB, delivered to the office",
     "en"),
    ("Le GSM de Ines est cassé, il faut lui commander un Galaxy A56 vert olive en 256 Go, "
     "livraison au bureau", "fr"),
    ("De gsm van Ines is kapot, we willen een Galaxy A56 in olijfgroen van 256 GB bestellen, "
     "leveren op kantoor", "nl"),
]  # fmt: skip


@pytest.mark.parametrize(("opening", "language"), OPENINGS)
async def test_a_new_model_for_a_failing_phone_is_ordered(backend, dispatcher, opening, language):
    shop(backend)
    slots = {"language": language}
    tracker = make_tracker(opening, intent="request_repair", slots=slots)

    events = await ValidateRepairForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert followups(events) == ["action_search_devices"]  # no IMEI asked
    assert ActiveLoop(None) in events
    events = await ActionSearchDevices(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert SlotSet("shop_device_id", "10") in events
    assert FollowupAction("shop_item_form") in events

    # The signature and the PS change nothing of what the shop reads.
    start = make_tracker(opening, intent="request_repair", slots={**slots, "shop_device_id": "10"})
    values = slots_of(await ValidateShopItemForm(backend.client()).run(dispatcher, start, DOMAIN))
    assert (values["shop_colour"], values["shop_storage_gb"]) == ("Awesome Olive", 256.0)
    assert values["shop_quantity"] == 1.0
    assert values["shop_delivery"] == TO_COMPANY
    assert responses(dispatcher) == []


REPAIRS = [
    # the broken device is to be repaired, whatever is said of a new one
    "Ines's phone died, can you repair it? Otherwise we'd like to get her a Galaxy A56",
    "Le Galaxy A56 d'Ines est cassé, pouvez-vous le réparer ? Sinon on lui prendra un nouveau",
    "De Galaxy A56 van Ines is kapot, kan die hersteld worden? Anders bestellen we een nieuwe",
    # the model named is the broken one
    "My Galaxy A56 256 GB is broken, the screen is cracked and we need it back quickly",
    "Mon iPhone 16e noir est cassé, l'écran est fissuré, il me le faut vite",
    "Mijn iPhone 16e zwart 128 GB is kapot, het scherm is gebarsten, graag laten ophalen",
    # a part of it replaced is a repair
    "The iPhone 16 of Jan has a cracked screen, can you replace the screen with a new one?",
    "L'iPhone 16 de Jan a l'écran fissuré, pouvez-vous remplacer l'écran par un neuf ?",
    "De iPhone 16 van Jan heeft een gebarsten scherm, kan het scherm vervangen worden door een "
    "nieuw?",
]


@pytest.mark.parametrize(
    "opening",
    [
        "Jan's phone died, we'd like to replace it with a Galaxy A56 in olive",
        "Le téléphone de Jan est mort, on veut le remplacer par un Galaxy A56 vert olive",
        "De gsm van Jan is kapot, we willen hem graag vervangen door een Galaxy A56 in olijfgroen",
    ],
)
def test_the_broken_phone_replaced_with_a_model_is_an_order(opening):
    assert orders_devices(opening)


@pytest.mark.parametrize("opening", REPAIRS)
async def test_a_broken_device_to_repair_stays_a_repair(backend, dispatcher, opening):
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("GET", "/api/v1/lines", [line()])
    tracker = make_tracker(opening, intent="request_repair")

    events = await ValidateRepairForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert followups(events) == []
    assert not orders_devices(opening)
