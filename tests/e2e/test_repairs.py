"""Repairs by chat against the real services (FR end user): IMEI re-asked, repair created."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Chat


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
