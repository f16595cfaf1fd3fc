"""Repairs by chat against the real services: IMEI re-asked and repair created (FR end user);
repair status as the workshop moves the repair along (NL/EN fleet manager)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Chat
from tests.e2e.operator import advance, line_about, request_repair


def repairs(chat: Chat) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = chat.api("/repairs")
    return result


def test_french_broken_phone_wrong_imei_re_asked_then_repair_registered(
    acme_end_user: Chat,
) -> None:
    chat = acme_end_user
    asked = chat.say("mon téléphone est cassé")
    assert "*#06#" in asked
    wrong = chat.say("49015420323751")
    assert "15 chiffres" in wrong
    chat.say("490154203237518")
    chat.say("l'écran est fissuré et le tactile ne répond plus")
    summary = chat.say("au travail")
    assert "Récapitulatif de la réparation" in summary and "au travail" in summary
    assert repairs(chat) == []

    done = chat.say("oui")

    [repair] = repairs(chat)
    assert repair["number"] in done
    assert repair["status"] == "requested"
    assert repair["pickup"] == "workplace"
    assert repair["msisdn"] == "+32470000002"

    status = chat.say("où en est ma réparation ?")
    assert repair["number"] in status


@pytest.mark.parametrize(
    ("switch", "question", "steps", "said"),
    [
        ("in het Nederlands aub", "wat is de status van mijn herstelling", 2, "in herstelling"),
        ("in English please", "what is the status of my repair", 3, "ready to be returned"),
    ],
)
def test_repair_status_follows_the_workshop_in_dutch_and_english(
    acme_fleet_manager: Chat, switch: str, question: str, steps: int, said: str
) -> None:
    repair = request_repair(acme_fleet_manager)
    acme_fleet_manager.say(switch)
    before = line_about(acme_fleet_manager.say(question), repair["number"])

    advance(acme_fleet_manager.stack, "repairs", repair["id"], times=steps)

    after = line_about(acme_fleet_manager.say(question), repair["number"])
    assert said not in before and said in after
