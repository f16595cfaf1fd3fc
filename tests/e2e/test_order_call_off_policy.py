"""Calling the order off at its question reaches the order's own action (en-041), whatever
intent the classifier gave it: it ends the order and says what becomes of the cart
(tests/actions/test_order_call_off.py), instead of "I didn't catch what to change" for ever."""

from __future__ import annotations

import json

import pytest

from tests.e2e.test_answer_policy import ORDER, ORDER_START, PROBE
from tests.stack_fixtures import rasa_probe

CASES = [
    ("actually, hold off, the budget isn't approved yet. Cancel that please.", "stop", ORDER_START),
    ("actually, hold off, the budget isn't approved yet. Cancel that please.", "inform", ORDER),
    ("laisse tomber, le budget n'est pas validé", "deny", ORDER_START),
    ("pas maintenant", "deny", ORDER_START),
    ("annuleer maar, het budget is er nog niet", "stop", ORDER),
    ("nog niet", "deny", ORDER_START),
]


@pytest.fixture(scope="module")
def predictions() -> list[str | None]:
    cases = [{"text": text, "intent": intent, "slots": slots} for text, intent, slots in CASES]
    result: list[str | None] = rasa_probe(PROBE, json.dumps(cases))
    return result


@pytest.mark.parametrize(("index", "case"), list(enumerate(CASES)), ids=[c[0] for c in CASES])
def test_calling_the_order_off_reaches_the_order_s_action(
    predictions: list[str | None], index: int, case: tuple[object, ...]
) -> None:
    assert predictions[index] == "action_confirm_operation"
