"""How many, in people's words: colloquial quantities at "how many?" and in the opening, and a
new quantity of one cart item that leaves the others alone (actions/shop.py, cart_changes.py,
answers.py)."""

from __future__ import annotations

import pytest
from rasa_sdk.events import FollowupAction, SlotSet

from actions.answers import quantity_in
from actions.api.backend import Device
from actions.cart_changes import change_kinds, keeps, says_cart_change, stated_total
from actions.operations import ActionConfirmOperation
from actions.shop import ActionSearchDevices, ValidateShopItemForm, opening_quantity
from tests.actions.support import make_tracker, responses
from tests.actions.test_shop import (
    CATALOGUE,
    DOMAIN,
    IPHONE,
    IPHONE_16E,
    IPHONE_PRO,
    NOKIA,
    PLACE_NOW,
    XCOVER,
    cart_item,
    cart_of,
    cart_requests,
    confirm,
    form_turn,
    many,
    next_device,
    order_waits,
    shop,
    slots_of,
)

# --- at "how many?" ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "quantity"),
    [
        # one
        ("eentje", 1), ("eentje aub", 1), ("één", 1), ("un seul", 1), ("une seule", 1),
        ("juste un", 1), ("a single one", 1), ("just one", 1), ("only one please", 1),
        # two
        ("twee stuks", 2), ("a couple", 2), ("a pair of them", 2), ("une paire", 2),
        # six and twelve
        ("half a dozen", 6), ("une demi-douzaine", 6), ("een half dozijn", 6),
        ("een halve dozijn", 6), ("a dozen", 12), ("une douzaine", 12), ("een dozijn", 12),
        # eleven to twenty in words
        ("onze", 11), ("elf", 11), ("eleven", 11), ("quinze", 15), ("vijftien", 15),
        ("fifteen", 15), ("dix-sept", 17), ("zeventien", 17), ("seventeen", 17),
        ("vingt", 20), ("twintig", 20), ("twenty", 20),
        # beyond the shop's limit: read as said, so that it is refused, not misread as 20 or 2
        ("vingt-deux", 22), ("twenty-one", 21), ("deux douzaines", 24),
        # an article is the count only when no other count is said
        ("een stuk of drie", 3), ("il m'en faut une… disons 4", 4),
        # the count replaced is not the new one
        ("trois au lieu de deux", 3), ("drie in plaats van twee", 3), ("3 instead of 2", 3),
        ("from 2 to 3", 3), ("van 2 naar 4", 4),
    ],
)  # fmt: skip
def test_a_quantity_in_everyday_words(text, quantity):
    assert quantity_in(text) == quantity


@pytest.mark.parametrize(
    "text",
    [
        "a few", "quelques-uns", "een paar", "une dizaine", "some", "several", "plusieurs",
        "enkele", "a hundred",
        # Dutch "onze" is "our"; a capacity or a price is no count
        "onze iPhones", "onze gsm's", "128 Go", "256 GB",
    ],
)  # fmt: skip
def test_no_quantity_where_nobody_can_tell_how_many(text):
    assert quantity_in(text) is None


@pytest.mark.parametrize(
    ("text", "language", "quantity"),
    [("eentje", "nl", 1), ("une seule", "fr", 1), ("just one", "en", 1),
     ("een half dozijn", "nl", 6), ("une douzaine", "fr", 12), ("a couple", "en", 2)],
)  # fmt: skip
async def test_a_worded_quantity_answers_how_many(backend, dispatcher, text, language, quantity):
    # nl-909: "eentje" was refused three times ("Geef een aantal tussen 1 en 20").
    shop(backend)
    asked = {"requested_slot": "shop_quantity", "shop_device_id": "1", "shop_colour": "Black",
             "shop_storage_gb": 128.0, "language": language}  # fmt: skip
    tracker = make_tracker(text, intent="inform", slots=asked)

    events = await ValidateShopItemForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["shop_quantity"] == float(quantity)
    assert "utter_invalid_shop_quantity" not in responses(dispatcher)


# --- in the opening ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "quantity"),
    [
        ("need half a dozen iPhone 16e, the black ones", 6),
        ("il me faut une demi-douzaine d'iPhone 16e noirs", 6),
        ("graag een half dozijn iPhone 16e in het zwart", 6),
        ("a dozen iPhone 16e for the sales team", 12),
        ("une douzaine d'iPhone 16e pour les commerciaux", 12),
        ("een dozijn iPhone 16e voor de verkopers", 12),
        ("a couple of iPhone 16e", 2), ("une paire d'iPhone 16e", 2), ("twee stuks iPhone 16e", 2),
        ("eentje iPhone 16e voor Marie", 1), ("un seul iPhone 16e", 1), ("just one iPhone 16e", 1),
        ("quinze iPhone 16e", 15), ("twaalf iPhone 16e", 12), ("fourteen iPhone 16e", 14),
        ("I need an iPhone 16e", 1),
    ],
)  # fmt: skip
def test_the_opening_count_in_everyday_words(text, quantity):
    assert opening_quantity(text, Device.model_validate(IPHONE_16E)) == quantity


@pytest.mark.parametrize(
    ("text", "device", "quantity"),
    [
        # set21 fr-012/fr-013: the 16 of "iPhone 16 Pro" and the 7 of "xcover 7 pro" were
        # ordered as 16 and 7 phones, more than in stock: "out of stock" for ever
        ("iphone 16 pro", IPHONE_PRO, None), ("un iphone 16 pro noir 256", IPHONE_PRO, 1),
        ("twee iPhone 16 Pro voor de sales", IPHONE_PRO, 2),
        ("samsung xcover 7 pro", XCOVER, None),
        ("bjr, deux xcover 7 pro pour le chantier", XCOVER, 2),
        ("3 XCover 7 Pro please", XCOVER, 3), ("need an xcover7 pro", XCOVER, 1),
    ],
)  # fmt: skip
def test_a_model_number_is_no_count(text, device, quantity):
    assert opening_quantity(text, Device.model_validate(device)) == quantity


@pytest.mark.parametrize(
    "text",
    [
        # en-912: "half a dozen" was read as the "a" of it, one phone ordered without asking
        "a few iPhone 16e", "quelques iPhone 16e", "een paar iPhone 16e", "some iPhone 16e",
        "two or three iPhone 16e", "deux ou trois iPhone 16e", "twee of drie iPhone 16e",
        "a hundred iPhone 16e", "vingt-cinq iPhone 16e", "une dizaine d'iPhone 16e",
        "onze iPhone 16e",  # "our iPhone 16e" in Dutch
    ],
)  # fmt: skip
def test_an_opening_count_nobody_can_tell_is_no_count(text):
    assert opening_quantity(text, Device.model_validate(IPHONE_16E)) is None


@pytest.mark.parametrize(
    ("opening", "language", "quantity"),
    [
        ("need half a dozen iPhone 16e, the black ones, for the new sales team", "en", 6),
        ("il nous faut une demi-douzaine d'iPhone 16e noirs pour l'équipe", "fr", 6),
        ("voor het nieuwe team een half dozijn iPhone 16e, de zwarte", "nl", 6),
        ("a few iPhone 16e in black for the new hires", "en", None),
        ("quelques iPhone 16e en noir pour les nouveaux", "fr", None),
        ("een paar iPhone 16e in het zwart voor de nieuwkomers", "nl", None),
    ],
)
async def test_the_opening_s_count_is_taken_or_asked_never_one(
    backend, dispatcher, opening, language, quantity
):
    shop(backend).on("GET", "/api/v1/catalog/devices", CATALOGUE)
    backend.on("GET", "/api/v1/catalog/devices/6", IPHONE_16E)
    tracker = make_tracker(opening, intent="search_device", slots={"language": language})

    values = slots_of(await ValidateShopItemForm(backend.client()).run(dispatcher, tracker, DOMAIN))

    assert values["shop_device_id"] == "6" and values["shop_colour"] == "Black"
    assert values.get("shop_quantity") == (float(quantity) if quantity else None)


@pytest.mark.parametrize(
    "opening",
    ["need half a dozen iPhone 16e, the black ones", "une douzaine d'iPhone 16e noirs",
     "een half dozijn iPhone 16e, zwart"],
)  # fmt: skip
async def test_a_worded_count_in_the_opening_is_an_order(backend, dispatcher, opening):
    shop(backend).on("GET", "/api/v1/catalog/devices", CATALOGUE)
    tracker = make_tracker(opening, intent="search_device")

    events = await ActionSearchDevices(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert SlotSet("shop_device_id", "6") in events
    assert FollowupAction("shop_item_form") in events


@pytest.mark.parametrize(
    ("opening", "language"),
    [
        ("half a dozen Galaxy S25 in Navy and a couple of Fairphone 5, no specific line", "en"),
        ("une demi-douzaine de Galaxy S25 en Navy et une paire de Fairphone 5", "fr"),
        ("een half dozijn Galaxy S25 in Navy en twee stuks Fairphone 5", "nl"),
    ],
)
async def test_each_device_of_an_opening_gets_its_worded_count(
    backend, dispatcher, opening, language
):
    many(backend)
    first = await form_turn(backend, dispatcher, opening, {"language": language}, "search_device")
    assert (first["shop_device_id"], first["shop_quantity"]) == ("4", 6.0)
    asked = {**first, "requested_slot": "shop_for_line_id"}
    answered = await form_turn(backend, dispatcher, "no specific line", asked, "inform")

    fairphone = await next_device(backend, dispatcher, "no specific line", answered, "inform")
    assert (fairphone["shop_device_id"], fairphone["shop_quantity"]) == ("11", 2.0)


# --- a new quantity of one item keeps the others ----------------------------------------------

# 2× iPhone 16 Black 128 + 1× XCover7 Pro Black 128 (fr-908).
IPHONES_AND_XCOVER = cart_of(cart_item(71, IPHONE, "Black", 2), cart_item(72, XCOVER, "Black", 1))


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("ah attends, mets trois iPhone au lieu de deux, j'avais oublié le nouveau chauffeur. "
         "le XCover ça reste un", "fr"),
        ("en fait 3 iPhone, pas 2 ; on garde le XCover", "fr"),
        ("wacht, doe maar drie iPhones in plaats van twee, ik was de nieuwe chauffeur vergeten. "
         "De XCover blijft er één", "nl"),
        ("toch 3 iPhones ipv 2, de rest blijft zoals het is", "nl"),
        ("hold on, make it three iPhones instead of two, forgot the new driver. The XCover stays "
         "at one", "en"),
        ("actually 3 iPhones, keep the other one as it is", "en"),
        ("actually 3 iPhones rather than 2", "en"),
    ],
)  # fmt: skip
async def test_a_new_quantity_of_one_item_keeps_the_others(backend, dispatcher, text, language):
    # fr-908: "mets trois iPhone au lieu de deux … le XCover ça reste un" dropped the XCover
    # ("oublié le" read as a removal, carried over to the XCover's clause).
    changes = order_waits(backend, IPHONES_AND_XCOVER)

    events = await confirm(backend, dispatcher, text, language)

    assert cart_requests(changes) == [("PATCH", "/71", {"quantity": 3})]
    assert responses(dispatcher) == ["utter_cart_updated", "utter_ask_place_order_now"]
    assert events == []


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("finalement 3 iPhone et 2 XCover", "fr", [("PATCH", "/71", {"quantity": 3}),
                                       ("PATCH", "/72", {"quantity": 2})]),
        ("finalement une demi-douzaine d'iPhone, le XCover ne change pas", "fr",
         [("PATCH", "/71", {"quantity": 6})]),
        ("toch een half dozijn iPhones en maar eentje XCover", "nl",
         [("PATCH", "/71", {"quantity": 6})]),
        ("actually make the XCovers a couple, the iPhones stay", "en",
         [("PATCH", "/72", {"quantity": 2})]),
        ("sans les XCover, le reste ne change pas", "fr", [("DELETE", "/72", None)]),
    ],
)  # fmt: skip
async def test_each_item_of_a_change_gets_its_own_count(
    backend, dispatcher, text, language, expected
):
    changes = order_waits(backend, IPHONES_AND_XCOVER)

    await confirm(backend, dispatcher, text, language)

    assert cart_requests(changes) == expected


# 2× iPhone 16e Black + 1× iPhone 16e White + 2× Nokia Y2K Gold.
TWO_COLOURS_AND_NOKIAS = cart_of(
    cart_item(81, IPHONE_16E, "Black", 2),
    cart_item(82, IPHONE_16E, "White", 1),
    cart_item(83, NOKIA, "Y2K Gold", 2),
)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # the colour of the item that stays is no switch of the other
        ("actually 3 black ones, the white one stays", "en", [("PATCH", "/81", {"quantity": 3})]),
        ("finalement 3 noirs, le blanc reste", "fr", [("PATCH", "/81", {"quantity": 3})]),
        ("toch 3 zwarte, de witte blijft", "nl", [("PATCH", "/81", {"quantity": 3})]),
        ("drop the Nokias, keep the iPhones", "en", [("DELETE", "/83", None)]),
        ("zonder de Nokia's, de iPhones blijven", "nl", [("DELETE", "/83", None)]),
        # two changes in one message, each item with its own words
        ("finalement les Nokia en noir et 3 iPhone 16e noirs", "fr", [
            ("POST", "", {"device_id": "9", "colour": "Grunge Black", "storage_gb": 0,
                          "quantity": 2}),
            ("PATCH", "/81", {"quantity": 3}),
            ("DELETE", "/83", None),
        ]),
    ],
)  # fmt: skip
async def test_an_item_said_to_stay_is_left_alone(backend, dispatcher, text, language, expected):
    changes = order_waits(backend, TWO_COLOURS_AND_NOKIAS)

    await confirm(backend, dispatcher, text, language)

    assert cart_requests(changes) == expected


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("le XCover ça reste un", True), ("les Nokia restent comme avant", True),
        ("de XCover blijft er één", True), ("de rest blijft ongewijzigd", True),
        ("de iPhones blijven", True),
        ("the XCover stays", True), ("keep the other one", True),
        ("mets trois iPhone", False), ("drop the Nokias", False), ("maak ze zwart", False),
    ],
)  # fmt: skip
def test_a_clause_that_keeps_an_item(text, kept):
    assert keeps(text) is kept


@pytest.mark.parametrize(
    ("text", "removes"),
    [
        ("oublie les Nokia", True), ("oubliez la Nokia, finalement", True),
        ("j'avais oublié le nouveau chauffeur", False), ("j'ai oublié les chargeurs", False),
        ("on a oublié la directrice", False),
    ],
)  # fmt: skip
def test_forgotten_in_the_past_is_no_removal(text, removes):
    assert ("remove" in change_kinds(text)) is removes


def test_a_worded_quantity_change_is_a_change_of_the_cart():
    # what bot/policies/answer.py reads to send the message to the confirm action
    for text in (
        "plus une douzaine",
        "only a couple of XCovers",
        "nog een half dozijn erbij",
        "could you add a dozen?",
    ):
        assert says_cart_change(text), text


# --- a total said at the order's question sets the quantity; only "N more" adds ---------------

TEN_16E = cart_of(cart_item(51, IPHONE_16E, "Black", 10))


async def said_at_the_order(
    backend, dispatcher, text: str, language: str, intent: str = "activate_line", events=()
) -> list:
    """``text`` answers "place the order now?" (classified ``intent``): the events."""
    said = make_tracker(text, intent=intent, slots={**PLACE_NOW, "language": language})
    said.events[:0] = events  # before the message itself
    return list(await ActionConfirmOperation(backend.client()).run(dispatcher, said, DOMAIN))


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("ah nee, we hebben er 12 nodig, er zijn twee nieuwe chauffeurs bij", "nl"),
        ("we hebben er eigenlijk twaalf nodig", "nl"),
        ("maak er 12 van, er komen er twee bij", "nl"),
        ("12 in plaats van 10", "nl"),
        ("ah non, il nous en faut 12, il y a deux nouveaux chauffeurs en plus", "fr"),
        ("on a besoin de douze, deux chauffeurs arrivent aussi", "fr"),
        ("finalement 12", "fr"),
        ("12 au lieu de 10", "fr"),
        ("oh wait, we need 12, two new drivers joined as well", "en"),
        ("make it 12, we're adding two drivers", "en"),
        ("12 instead of 10", "en"),
        ("12 stuks", "nl"),
    ],
)
async def test_a_total_said_at_the_order_s_question_sets_the_quantity(
    backend, dispatcher, text, language
):
    # nl-007: "we hebben er 12 nodig, er zijn twee nieuwe chauffeurs bij" (read as activate_line)
    # added 12 to the 10 in the cart: 20 Galaxy A26 were ordered.
    changes = order_waits(backend, TEN_16E)

    events = await said_at_the_order(backend, dispatcher, text, language)

    assert cart_requests(changes) == [("PATCH", "/51", {"quantity": 12})]
    assert responses(dispatcher) == ["utter_cart_updated", "utter_ask_place_order_now"]
    assert events == []


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("nog 2 erbij", "nl"), ("we hebben er nog twee nodig", "nl"), ("2 extra graag", "nl"),
        ("encore deux", "fr"), ("il nous en faut deux de plus", "fr"), ("ajoutez-en 2", "fr"),
        ("we need 2 more", "en"), ("add two", "en"), ("two extra please", "en"),
    ],
)  # fmt: skip
async def test_only_n_more_adds_to_the_item(backend, dispatcher, text, language):
    changes = order_waits(backend, TEN_16E)

    await said_at_the_order(backend, dispatcher, text, language)

    assert cart_requests(changes) == [
        ("POST", "", {"device_id": "6", "colour": "Black", "storage_gb": 128, "quantity": 2})
    ]


@pytest.mark.parametrize(
    ("text", "language"),
    [("we hebben er 25 nodig", "nl"), ("il nous en faut 25", "fr"), ("we need 25", "en")],
)
async def test_a_total_beyond_the_shop_s_limit_is_refused(backend, dispatcher, text, language):
    changes = order_waits(backend, TEN_16E)

    await said_at_the_order(backend, dispatcher, text, language)

    assert cart_requests(changes) == []
    assert responses(dispatcher) == ["utter_invalid_shop_quantity", "utter_ask_place_order_now"]


# 3× XCover7 Pro from an earlier request + the 10 iPhone 16e just asked for.
XCOVERS_THEN_16E = cart_of(
    cart_item(41, XCOVER, "Black", 3), cart_item(51, IPHONE_16E, "Black", 10)
)
JUST_ASKED = [
    {"event": "user", "text": "bestel 10 iPhone 16e zwart"},
    {"event": "slot", "name": "shop_device_id", "value": "6"},
    {"event": "slot", "name": "shop_device_id", "value": None},
]
# "3 XCover and 10 iPhone 16e": the iPhones were the request's next device.
BOTH_ASKED = [
    {"event": "user", "text": "3 XCover et 10 iPhone 16e"},
    {"event": "slot", "name": "shop_device_id", "value": "5"},
    {"event": "slot", "name": "shop_item_text", "value": "10 iphone 16e"},
    {"event": "slot", "name": "shop_device_id", "value": "6"},
    {"event": "slot", "name": "shop_item_text", "value": None},
]


@pytest.mark.parametrize(
    ("text", "language"),
    [("we hebben er 12 nodig", "nl"), ("il nous en faut 12", "fr"), ("we need 12", "en")],
)
async def test_a_total_is_for_the_device_just_asked_for(backend, dispatcher, text, language):
    changes = order_waits(backend, XCOVERS_THEN_16E)

    await said_at_the_order(backend, dispatcher, text, language, events=JUST_ASKED)

    assert cart_requests(changes) == [("PATCH", "/51", {"quantity": 12})]


@pytest.mark.parametrize(
    ("text", "language"),
    [("we hebben er 12 nodig", "nl"), ("il nous en faut 12", "fr"), ("we need 12", "en")],
)
async def test_a_total_after_a_request_for_several_devices_is_not_guessed(
    backend, dispatcher, text, language
):
    changes = order_waits(backend, XCOVERS_THEN_16E)

    await said_at_the_order(backend, dispatcher, text, language, events=BOTH_ASKED)

    assert cart_requests(changes) == []
    assert responses(dispatcher) == ["utter_cart_change_unclear", "utter_ask_place_order_now"]


@pytest.mark.parametrize(
    ("text", "total"),
    [
        ("ah nee, we hebben er 12 nodig, er zijn twee nieuwe chauffeurs bij", 12),
        ("il nous en faut 12", 12), ("on a besoin de douze", 12), ("finalement 12", 12),
        ("12 instead of 10", 12), ("make it 12", 12), ("we need twelve of them", 12),
        ("two new drivers joined, so we need 12 in total", 12), ("non, 12", 12),
        ("we need 2 more", None), ("nog 2 erbij", None), ("encore deux", None),
        ("il nous en faut deux de plus", None), ("we need the Fairphone 5 too", None),
        ("il nous les faut pour le 12", None), ("ja, naar Industrieweg 8, 9030 Gent", None),
        ("oui", None),
    ],
)  # fmt: skip
def test_a_total_said_as_what_is_needed(text, total):
    assert stated_total(text) == total


def test_a_total_or_more_is_a_change_of_the_cart_whatever_the_intent():
    # what bot/policies/answer.py reads to send the message to the confirm action
    for text in ("il nous en faut 12", "we need 12", "we hebben er 12 nodig", "finalement 12",
                 "il nous en faut deux de plus", "12 stuks"):  # fmt: skip
        assert says_cart_change(text), text
