"""Whose each device of a request is (en-007, en-041).

"I'd like to order two phones: one Samsung Galaxy S25 … for Thomas Willems and one iPhone 16 …
for Karim El Amrani" ordered 2 S25 and 2 iPhones: the "two phones" taken for the S25's count,
the line asked although each device had its person, and the answer "Samsung for Thomas
Willems (0470 00 00 05), iPhone for Karim El Amrani (0470 00 00 09)" split over the iPhone.
"Ines Vermeulen, 0470 00 00 14" (a name and her number) was "two lines" for 4 S25.
"""

from __future__ import annotations

from typing import Any

import pytest

from actions.api.backend import Device
from actions.shop import ValidateShopItemForm, item_words, own_part
from tests.actions.support import entity, line, make_tracker, responses
from tests.actions.test_shop import (
    DOMAIN,
    IPHONE,
    MANY,
    S25,
    form_turn,
    many,
    next_device,
    slots_of,
)

THOMAS = line(5, "+32470000005", user_name="Thomas Willems", label="Thomas Willems")
KARIM = line(9, "+32470000009", user_name="Karim El Amrani", label="Karim El Amrani")
INES = line(14, "+32470000014", user_name="Ines Vermeulen", label="Ines Vermeulen")


def fleet(backend: Any) -> Any:
    return many(backend).on("GET", "/api/v1/lines", [THOMAS, KARIM, INES])


OPENINGS = [
    ("Hi, I'd like to order two phones: one Samsung Galaxy S25 in Silver Shadow 256GB for Thomas "
     "Willems and one iPhone 16 black 128GB for Karim El Amrani. Both to the office please.", "en"),
    ("Bonjour, je voudrais commander deux téléphones : un Samsung Galaxy S25 Silver Shadow 256 Go "
     "pour Thomas Willems et un iPhone 16 noir 128 Go pour Karim El Amrani. Les deux au bureau.",
     "fr"),
    ("Hallo, ik wil twee toestellen bestellen: een Samsung Galaxy S25 in Silver Shadow 256 GB voor "
     "Thomas Willems en een iPhone 16 zwart 128 GB voor Karim El Amrani. Allebei naar kantoor.",
     "nl"),
]  # fmt: skip


@pytest.mark.parametrize(("opening", "language"), OPENINGS)
async def test_each_device_of_the_opening_is_one_for_its_person(
    backend, dispatcher, opening, language
):
    fleet(backend)
    first = await form_turn(backend, dispatcher, opening, {"language": language}, "search_device")
    s25 = [first[s] for s in ("shop_device_id", "shop_colour", "shop_storage_gb", "shop_quantity")]
    assert s25 == ["4", "Silver Shadow", 256.0, 1.0]  # "two phones" is both of them
    assert first["shop_for_line_id"] == "5"  # Thomas: not asked
    assert responses(dispatcher) == []

    iphone = await next_device(
        backend, dispatcher, opening, {**first, "requested_slot": None}, "search_device"
    )
    details = [iphone[s] for s in ("shop_device_id", "shop_colour", "shop_storage_gb")]
    assert details == ["1", "Black", 128.0]
    assert iphone["shop_quantity"] == 1.0
    assert iphone["shop_for_line_id"] == "9"  # Karim
    assert responses(dispatcher) == ["utter_cart_item_added"]  # no "for which line?"


def test_a_total_before_the_list_is_no_count_of_each_device():
    catalogue = [Device.model_validate(d) for d in MANY]
    words = [w for _, w in item_words(OPENINGS[0][0], catalogue)]
    assert "two" not in words[0].split() and "two" not in words[1].split()
    assert [w for _, w in item_words("2 iPhone 16e and a Fairphone 5, both black", catalogue)] == [
        "both black, 2 iPhone 16e",
        "both black, a Fairphone 5",
    ]


ANSWERS = [
    ("Samsung for Thomas Willems (0470 00 00 05), iPhone for Karim El Amrani (0470 00 00 09)",
     "en"),
    ("le Samsung pour Thomas Willems (0470 00 00 05), l'iPhone pour Karim El Amrani "
     "(0470 00 00 09)", "fr"),
    ("de Samsung voor Thomas Willems (0470 00 00 05), de iPhone voor Karim El Amrani "
     "(0470 00 00 09)", "nl"),
]  # fmt: skip
NUMBERS = [entity("phone_number", "0470 00 00 05"), entity("phone_number", "0470 00 00 09")]


async def answer_for_line(
    backend: Any, dispatcher: Any, text: str, slots: dict[str, Any]
) -> dict[str, Any]:
    asked = {**slots, "requested_slot": "shop_for_line_id"}
    tracker = make_tracker(text, intent="inform", entities=NUMBERS, slots=asked)
    events = await ValidateShopItemForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    return {**asked, **slots_of(events)}


@pytest.mark.parametrize(("answer", "language"), ANSWERS)
@pytest.mark.parametrize("quantity", [1.0, 2.0])
async def test_an_answer_mapping_devices_to_people_gives_this_device_its_own(
    backend, dispatcher, answer, language, quantity
):
    # At the iPhone's turn (the S25 in the cart already): Karim's line, never split.
    fleet(backend)
    iphone = {"shop_device_id": "1", "shop_colour": "Black", "shop_storage_gb": 128.0,
              "shop_quantity": quantity, "language": language}  # fmt: skip

    for _ in range(2):  # said again: the same
        dispatcher.messages.clear()
        values = await answer_for_line(backend, dispatcher, answer, iphone)

        assert values["shop_for_line_id"] == "9"
        assert responses(dispatcher) == []


@pytest.mark.parametrize(("answer", "language"), ANSWERS)
async def test_the_mapping_answered_for_the_first_device_serves_the_next(
    backend, dispatcher, answer, language
):
    fleet(backend)
    s25 = {"shop_device_id": "4", "shop_colour": "Silver Shadow", "shop_storage_gb": 256.0,
           "shop_quantity": 1.0, "language": language,
           "shop_more_items": ["one iPhone 16 black 128GB"]}  # fmt: skip
    first = await answer_for_line(backend, dispatcher, answer, s25)
    assert first["shop_for_line_id"] == "5"

    iphone = await next_device(
        backend, dispatcher, answer, {**first, "requested_slot": None}, "inform"
    )
    assert (iphone["shop_device_id"], iphone["shop_quantity"]) == ("1", 1.0)
    assert iphone["shop_for_line_id"] == "9"


def test_the_part_of_an_answer_about_one_device():
    catalogue = [Device.model_validate(d) for d in MANY]
    iphone, s25 = Device.model_validate(IPHONE), Device.model_validate(S25)
    answer = ANSWERS[0][0]
    assert own_part(answer, iphone, catalogue) == "iPhone for Karim El Amrani (0470 00 00 09)"
    assert own_part(answer, s25, catalogue) == "Samsung for Thomas Willems (0470 00 00 05)"
    # no other device named: the answer is read whole
    assert own_part("Lien Verhaeghe et Dries Desmet", iphone, catalogue) is None
    assert own_part("the iPhone for Karim, thanks", iphone, catalogue) is None


@pytest.mark.parametrize(
    ("answer", "language"),
    [("Ines Vermeulen, 0470 00 00 14", "en"), ("pour Ines Vermeulen, le 0470 00 00 14", "fr"),
     ("voor Ines Vermeulen, 0470 00 00 14", "nl"), ("0470 00 00 14, Ines", "en")],
)  # fmt: skip
async def test_a_name_and_that_person_s_number_are_one_line(backend, dispatcher, answer, language):
    # en-041: "I can't split the order that way between Ines Vermeulen, Ines Vermeulen".
    fleet(backend)
    four = {
        "shop_device_id": "4",
        "shop_colour": "Navy",
        "shop_storage_gb": 128.0,
        "shop_quantity": 4.0,
        "requested_slot": "shop_for_line_id",
        "language": language,
    }
    tracker = make_tracker(
        answer, intent="inform", entities=[entity("phone_number", "0470 00 00 14")], slots=four
    )  # fmt: skip

    events = await ValidateShopItemForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["shop_for_line_id"] == "14"
    assert responses(dispatcher) == []


@pytest.mark.parametrize(
    ("answer", "language"),
    [
        ("mettez la ligne de Ines Vermeulen, les autres suivront quand les numeros seront actifs",
         "fr"),
        ("zet die van Ines Vermeulen, de rest volgt wanneer de nieuwe nummers actief zijn", "nl"),
        ("put Ines Vermeulen's line, the others follow when their numbers are active", "en"),
    ],
)  # fmt: skip
async def test_a_when_clause_in_the_answer_is_no_side_question(
    backend, dispatcher, answer, language
):
    # set14 fr-006: read as an activation-status question ("quand … seront actifs"), the
    # answer was taken for a side question three times over.
    fleet(backend)
    asked = {
        "shop_device_id": "4",
        "shop_colour": "Navy",
        "shop_storage_gb": 128.0,
        "shop_quantity": 3.0,
        "requested_slot": "shop_for_line_id",
        "language": language,
    }
    tracker = make_tracker(answer, intent="ask_activation_status", slots=asked)

    events = await ValidateShopItemForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["shop_for_line_id"] == "14"
