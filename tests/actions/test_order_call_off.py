"""Calling the order off at its question (en-041).

At "Shall I place the order now?", "actually, hold off, the budget isn't approved yet. Cancel
that please." got "I didn't catch what to change" three times. A cancel ends the order flow
and empties the cart; "not now" ends it and keeps the cart; either is said, never asked again.
"""

from __future__ import annotations

import pytest
import yaml

from actions.cart_changes import CANCEL_ORDER, PUT_OFF_ORDER, calls_off_order, says_cart_change
from tests.actions.test_shop import (
    PLACE_NOW,
    ROOT,
    XCOVERS_AND_GOLD,
    cart_requests,
    confirm,
    order_waits,
    responses,
    slots_of,
)

CANCELS = [
    ("actually, hold off, the budget isn't approved yet. Cancel that please.", "en"),
    ("never mind, we'll skip it", "en"),
    ("en fait non, annule tout, le budget n'est pas validé", "fr"),
    ("laisse tomber, on verra le mois prochain", "fr"),
    ("annuleer maar, het budget is nog niet goedgekeurd", "nl"),
    ("laat maar, we wachten op het budget", "nl"),
]
PUT_OFFS = [
    ("not now, the budget isn't approved yet", "en"),
    ("hold off for now please", "en"),
    ("pas maintenant, le budget n'est pas encore validé", "fr"),
    ("pas encore", "fr"),
    ("nog niet, het budget is er nog niet", "nl"),
    ("niet nu, ik wacht op de goedkeuring", "nl"),
]


def test_calling_the_order_off_in_people_s_words():
    for text, _ in CANCELS:
        assert calls_off_order(text) == CANCEL_ORDER, text
        assert says_cart_change(text), text  # the order's own action answers it
    for text, _ in PUT_OFFS:
        assert calls_off_order(text) == PUT_OFF_ORDER, text
    for text in ("oui", "yes, and send the address later", "oui, je vous donne l'adresse plus tard",
                 "can I cancel it later?", "kan ik later nog annuleren?", "make it 2"):  # fmt: skip
        assert calls_off_order(text) is None, text


@pytest.mark.parametrize(("text", "language"), CANCELS)
async def test_a_cancel_ends_the_order_and_empties_the_cart(backend, dispatcher, text, language):
    changes = order_waits(backend, XCOVERS_AND_GOLD)

    events = await confirm(backend, dispatcher, text, language)

    assert cart_requests(changes) == [("DELETE", "/41", None), ("DELETE", "/42", None)]
    assert responses(dispatcher) == ["utter_order_called_off"]
    assert slots_of(events)["pending_operation_id"] is None  # nothing waits: no loop


@pytest.mark.parametrize(("text", "language"), PUT_OFFS)
async def test_not_now_ends_the_order_and_keeps_the_cart(backend, dispatcher, text, language):
    changes = order_waits(backend, XCOVERS_AND_GOLD)

    events = await confirm(backend, dispatcher, text, language)

    assert changes == []
    assert responses(dispatcher) == ["utter_order_put_off"]
    assert slots_of(events)["pending_operation_id"] is None


@pytest.mark.parametrize(
    ("text", "language"),
    [("Cancel that please.", "en"), ("annule, merci", "fr"), ("annuleer maar", "nl")],
)
async def test_a_cancel_at_the_order_summary_drops_it_too(backend, dispatcher, text, language):
    changes = order_waits(backend, XCOVERS_AND_GOLD)
    summary = {"id": "op-o1", "type": "place_order", "status": "pending", "summary": {}}
    backend.on("POST", "/api/v1/operations/op-o1/cancel", {**summary, "status": "cancelled"})
    waiting = {"pending_operation_id": "op-o1", "pending_operation_type": "place_order"}

    events = await confirm(backend, dispatcher, text, language, waiting)

    assert "/api/v1/operations/op-o1/cancel" in backend.paths()
    assert "/api/v1/operations/op-o1/confirm" not in backend.paths()
    assert [method for method, _, _ in cart_requests(changes)] == ["DELETE", "DELETE"]
    assert responses(dispatcher) == ["utter_order_called_off"]
    assert slots_of(events)["pending_operation_id"] is None


@pytest.mark.parametrize(
    ("text", "language"),
    [("cancel the Nokias", "en"), ("annule les Nokia", "fr"), ("annuleer de Nokia's", "nl")],
)
async def test_cancelling_one_device_removes_only_that_one(backend, dispatcher, text, language):
    changes = order_waits(backend, XCOVERS_AND_GOLD)

    events = await confirm(backend, dispatcher, text, language, PLACE_NOW)

    assert cart_requests(changes) == [("DELETE", "/42", None)]
    assert responses(dispatcher) == ["utter_cart_updated", "utter_ask_place_order_now"]
    assert events == []  # the order's question still waits


def test_the_bot_texts_exist_in_every_language():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for name in ("utter_order_called_off", "utter_order_put_off"):
        languages = {v["condition"][0]["value"] for v in domain["responses"][name]}
        assert languages == {"fr", "nl", "en"}
