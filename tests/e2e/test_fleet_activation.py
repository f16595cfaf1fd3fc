"""Activating numbers by chat, end to end: real backend, action server and Rasa over HTTP.

Every assertion is on the backend's state (portal API, outbox) or on the language of the replies
(the opening words of domain.yml responses), never on figures written into the test: the SIM
cards come from Acme's stock as the seed made it, the plans from the catalogue.
"""

from __future__ import annotations

import io
import re
import secrets
import sqlite3
from typing import Any

import httpx
import pytest
import zxingcpp
from PIL import Image

from backend.seed.service import stock_iccid
from tests.e2e.conftest import Chat
from tests.e2e.operator import agent_headers

pytestmark = pytest.mark.e2e

ACME_STOCK_DIGIT = "1"  # backend/seed/data.py SIM_STOCK: Acme's ICCID series
# Opening words of the responses (domain.yml), per language: the reply's language and step.
ASK_ICCID = {"fr": "Quel est le numéro de la nouvelle carte SIM", "en": "What's the number of"}
ASK_END_USER = {"fr": "Quel est le nom de l'utilisateur final", "nl": "Wat is de naam van"}
ASK_NUMBER_MODE = {"fr": "Faut-il un nouveau numéro", "nl": "Wil je een nieuw nummer"}
ASK_SPLIT_BILL = {"fr": "Faut-il un split bill", "nl": "Wil je een split bill"}
ASK_PLAN = {"fr": "Quel plan tarifaire choisissez-vous", "nl": "Welk tariefplan kies je"}
SUMMARY = {"fr": "Voici l'activation que je vais faire", "nl": "Dit is de activatie die ik ga"}
ESIM_NOTE = {"nl": "Let op: dit is een eSIM"}
ASK_CONFIRM = {"fr": "Voulez-vous confirmer ?", "nl": "Wil je dit bevestigen?"}
DONE = {"fr": "C'est fait : le", "nl": "Gedaan: nummer"}
CHECK_DIGIT = {"en": "is a check digit and it doesn't match"}
STOPPED = {"en": "OK, I've stopped. Nothing was changed."}
NOT_FOUND = {"en": "I can't find"}
FLEET_MANAGER_ONLY = {
    "fr": "Désolé, seul un fleet manager peut faire cela",
    "nl": "Sorry, enkel een fleet manager kan dat doen",
    "en": "Sorry, only a fleet manager can do that",
}
NOTHING_TO_CONFIRM = (
    "Il n'y a rien à confirmer",
    "Er is momenteel niets te bevestigen",
    "There's nothing to confirm",
)


class Conversation:
    """A chat that keeps every reply, to check afterwards what the bot never said."""

    def __init__(self, chat: Chat) -> None:
        self.chat = chat
        self.replies: list[str] = []

    def say(self, message: str) -> str:
        reply = self.chat.say(message)
        self.replies.append(reply)
        return reply


def free_acme_iccid(chat: Chat, *, skip: int = 0) -> str:
    """An ICCID of Acme's stock that no line uses yet (``GET /sims/check`` says valid)."""
    free = []
    for serial in range(1, 30):
        iccid = stock_iccid(ACME_STOCK_DIGIT, serial)
        response = httpx.get(
            f"{chat.stack.backend_url}/api/v1/sims/check",
            params={"iccid": iccid},
            headers=chat.auth,
            timeout=10.0,
        )
        if response.status_code == 200:
            free.append(iccid)
            if len(free) > skip:
                return iccid
    pytest.fail("Acme has no free SIM card in stock any more")


def plan_named(chat: Chat, code: str) -> dict[str, Any]:
    plans: list[dict[str, Any]] = chat.api("/plans")
    return next(plan for plan in plans if plan["code"] == code)


def lines_by_id(chat: Chat) -> dict[int, dict[str, Any]]:
    return {line["id"]: line for line in chat.api("/lines")}


def outbox(chat: Chat) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{chat.stack.backend_url}/api/v1/dev/outbox",
        headers=agent_headers(chat.stack),
        timeout=10.0,
    )
    response.raise_for_status()
    return list(response.json())


def outbox_message(chat: Chat, email_id: int) -> dict[str, Any]:
    response = httpx.get(
        f"{chat.stack.backend_url}/api/v1/dev/outbox/{email_id}",
        headers=agent_headers(chat.stack),
        timeout=10.0,
    )
    response.raise_for_status()
    return dict(response.json())


def attachment_bytes(chat: Chat, email_id: int, filename: str) -> bytes:
    """No API serves attachments: read the stack's own SQLite database (the test made it)."""
    url = chat.stack.env["DATABASE_URL"]
    assert url.startswith("sqlite:///")
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        row = db.execute(
            "SELECT content FROM outbox_attachments WHERE email_id = ? AND filename = ?",
            (email_id, filename),
        ).fetchone()
    assert row is not None, f"no {filename} attached to e-mail {email_id}"
    return bytes(row[0])


def decode_qr(png: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(results) == 1
    return str(results[0].text)


def test_fleet_manager_activates_a_physical_sim_with_a_new_number_in_french(
    acme_fleet_manager: Chat,
) -> None:
    iccid = free_acme_iccid(acme_fleet_manager)
    plan = plan_named(acme_fleet_manager, "pro_smart")
    before = lines_by_id(acme_fleet_manager)
    chat = Conversation(acme_fleet_manager)

    assert ASK_ICCID["fr"] in chat.say("Je voudrais activer une nouvelle carte SIM physique")
    assert ASK_END_USER["fr"] in chat.say(iccid)
    assert ASK_NUMBER_MODE["fr"] in chat.say("Marie Dubois")
    assert ASK_SPLIT_BILL["fr"] in chat.say("un nouveau numéro")
    assert ASK_PLAN["fr"] in chat.say("non")
    summary = chat.say(f"le forfait {plan['names']['fr']}")
    assert SUMMARY["fr"] in summary
    assert iccid in summary
    assert ASK_CONFIRM["fr"] in summary
    # Nothing happens before the confirmation.
    assert lines_by_id(acme_fleet_manager).keys() == before.keys()

    done = chat.say("oui")

    assert DONE["fr"] in done
    new_lines = [
        line for line_id, line in lines_by_id(acme_fleet_manager).items() if line_id not in before
    ]
    assert len(new_lines) == 1
    [line] = new_lines
    assert line["iccid"] == iccid
    assert line["status"] == "active"
    assert line["sim_type"] == "physical"
    assert line["plan"]["code"] == plan["code"]
    assert line["user_name"] == "Marie Dubois"
    # The number read out is the one the backend gave the line (formatted 0470 12 34 56).
    national = "0" + line["msisdn"].removeprefix("+32")
    spaced = f"{national[:4]} {national[4:6]} {national[6:8]} {national[8:]}"
    assert spaced in done
    # The SIM card is now in use.
    with pytest.raises(httpx.HTTPStatusError):
        acme_fleet_manager.api("/sims/check", iccid=iccid)


def test_fleet_manager_activates_an_esim_in_dutch_and_the_user_confirms_from_the_mail(
    acme_fleet_manager: Chat,
) -> None:
    email = f"e2e-{secrets.token_hex(4)}@acme-logistics.example"
    plan = plan_named(acme_fleet_manager, "pro_start")
    before = lines_by_id(acme_fleet_manager)
    mails_before = {mail["id"] for mail in outbox(acme_fleet_manager)}
    chat = Conversation(acme_fleet_manager)

    assert ASK_END_USER["nl"] in chat.say(f"Ik wil een eSIM activeren voor {email}")
    assert ASK_NUMBER_MODE["nl"] in chat.say("Lotte Verstraete")
    assert ASK_SPLIT_BILL["nl"] in chat.say("een nieuw nummer")
    assert ASK_PLAN["nl"] in chat.say("nee")
    summary = chat.say(plan["names"]["nl"])
    assert SUMMARY["nl"] in summary
    assert ESIM_NOTE["nl"] in summary
    assert ASK_CONFIRM["nl"] in summary
    assert not [m for m in outbox(acme_fleet_manager) if m["id"] not in mails_before]

    assert DONE["nl"] in chat.say("ja")

    [line] = [line for i, line in lines_by_id(acme_fleet_manager).items() if i not in before]
    assert line["status"] == "pending_activation"
    assert line["sim_type"] == "esim"
    assert line["plan"]["code"] == plan["code"]
    [pending] = [a for a in acme_fleet_manager.api("/activations") if a["line_id"] == line["id"]]
    assert pending["esim_pending"] is True

    # One mail, to that address only, in Dutch, with the QR code attached.
    new_mails = [m for m in outbox(acme_fleet_manager) if m["id"] not in mails_before]
    assert [m["to"] for m in new_mails] == [email]
    [mail] = new_mails
    assert mail["language"] == "nl"
    assert mail["attachments"] == ["esim-qr.png"]
    code = decode_qr(attachment_bytes(acme_fleet_manager, mail["id"], "esim-qr.png"))
    assert code.startswith("LPA:1$")
    # The activation code is a bearer secret: never in the chat.
    for reply in chat.replies:
        assert "LPA:1" not in reply
        assert code not in reply
        assert code.split("$")[-1] not in reply  # the matching id alone neither

    # The end user follows the link in the mail and confirms: the line is active.
    body = outbox_message(acme_fleet_manager, mail["id"])["body_text"]
    match = re.search(r"https?://\S+/esim/confirm/[\w-]+", body)
    assert match, body
    link = match.group(0)
    page = httpx.get(link, timeout=10.0)
    assert page.status_code == 200
    assert lines_by_id(acme_fleet_manager)[line["id"]]["status"] == "pending_activation"
    confirmed = httpx.post(link, timeout=10.0)
    assert confirmed.status_code == 200
    assert lines_by_id(acme_fleet_manager)[line["id"]]["status"] == "active"
    assert all(a["line_id"] != line["id"] for a in acme_fleet_manager.api("/activations"))
    # Single use.
    assert httpx.post(link, timeout=10.0).status_code == 400


def test_a_mistyped_iccid_is_explained_then_stop_creates_nothing_in_english(
    acme_fleet_manager: Chat,
) -> None:
    iccid = free_acme_iccid(acme_fleet_manager)
    wrong_digit = str((int(iccid[-1]) + 1) % 10)
    mistyped = iccid[:-1] + wrong_digit
    before = lines_by_id(acme_fleet_manager)
    activations_before = acme_fleet_manager.api("/activations")

    assert ASK_ICCID["en"] in acme_fleet_manager.say("I would like to activate a physical SIM card")
    reply = acme_fleet_manager.say(f"the number is {mistyped}")
    assert CHECK_DIGIT["en"] in reply
    assert f"({wrong_digit})" in reply
    assert ASK_ICCID["en"] in reply  # asked again

    assert STOPPED["en"] in acme_fleet_manager.say("stop")

    assert lines_by_id(acme_fleet_manager) == before
    assert acme_fleet_manager.api("/activations") == activations_before
    acme_fleet_manager.api("/sims/check", iccid=iccid)  # still free (raises otherwise)


def test_another_companys_line_cannot_get_a_new_sim(
    acme_fleet_manager: Chat, brugge_fleet_manager: Chat
) -> None:
    brugge_before = lines_by_id(brugge_fleet_manager)
    [brugge_line] = [line for line in brugge_before.values() if line["status"] == "active"][:1]
    national = "0" + brugge_line["msisdn"].removeprefix("+32")
    acme_before = lines_by_id(acme_fleet_manager)

    reply = acme_fleet_manager.say(f"My colleague lost his phone, the number is {national}")

    assert NOT_FOUND["en"] in reply
    assert str(brugge_line["user_name"]) not in reply
    acme_fleet_manager.say("stop")
    assert lines_by_id(brugge_fleet_manager) == brugge_before
    assert lines_by_id(acme_fleet_manager) == acme_before


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "I would like to activate a new number for my colleague"),
        ("fr", "Je voudrais activer un nouveau numéro pour un collègue"),
    ],
)
def test_an_end_user_cannot_activate_a_number(
    acme_end_user: Chat, acme_fleet_manager: Chat, language: str, message: str
) -> None:
    before = lines_by_id(acme_fleet_manager)

    reply = acme_end_user.say(message)

    assert FLEET_MANAGER_ONLY[language] in reply
    assert lines_by_id(acme_fleet_manager) == before


def test_a_typed_affirm_as_first_message_changes_nothing(acme_fleet_manager: Chat) -> None:
    before = lines_by_id(acme_fleet_manager)
    activations_before = acme_fleet_manager.api("/activations")

    reply = acme_fleet_manager.say("/affirm")

    assert any(opening in reply for opening in NOTHING_TO_CONFIRM)
    assert lines_by_id(acme_fleet_manager) == before
    assert acme_fleet_manager.api("/activations") == activations_before


def say_with_buttons(chat: Chat, message: str) -> tuple[str, list[dict[str, str]]]:
    """The replies' text and every button offered with them."""
    response = httpx.post(
        f"{chat.stack.rasa_url}/webhooks/rest/webhook",
        json={"sender": chat.sender_id, "message": message},
        timeout=30.0,
    )
    response.raise_for_status()
    replies = response.json()
    text = "\n".join(reply.get("text", "") for reply in replies)
    return text, [button for reply in replies for button in reply.get("buttons") or []]


PENDING_ESIM_QUESTION = {"en": "These lines are still waiting for their eSIM to be confirmed"}
ESIM_RESENT = {"en": "Done: the eSIM e-mail of"}


def test_resend_the_esim_offers_the_lines_waiting_for_confirmation(
    acme_fleet_manager: Chat,
) -> None:
    waiting = [a for a in acme_fleet_manager.api("/activations") if a["esim_pending"]]
    assert waiting, "the seed has a line waiting for its eSIM confirmation"
    mails_before = {mail["id"] for mail in outbox(acme_fleet_manager)}

    text, buttons = say_with_buttons(
        acme_fleet_manager, "The user didn't get the eSIM mail, please resend it"
    )

    assert PENDING_ESIM_QUESTION["en"] in text
    assert {button["payload"] for button in buttons} == {
        f'/inform{{"line_id": "{a["line_id"]}"}}' for a in waiting
    }
    chosen = waiting[0]
    [button] = [b for b in buttons if f'"{chosen["line_id"]}"' in b["payload"]]

    reply = acme_fleet_manager.say(button["payload"])

    assert ESIM_RESENT["en"] in reply
    new_mails = [m for m in outbox(acme_fleet_manager) if m["id"] not in mails_before]
    assert len(new_mails) == 1
    assert new_mails[0]["attachments"] == ["esim-qr.png"]
    assert new_mails[0]["to"] not in reply  # only the masked address is said
    assert "LPA:1" not in text + reply


def test_a_stolen_sim_is_blocked_at_once_then_replaced_in_english(
    acme_fleet_manager: Chat,
) -> None:
    [line] = acme_fleet_manager.api("/lines", msisdn="+32470000017")
    iccid = free_acme_iccid(acme_fleet_manager)
    chat = Conversation(acme_fleet_manager)
    chat.say("in English please")

    chat.say("the SIM of 0470 00 00 17 was stolen")
    assert acme_fleet_manager.api(f"/lines/{line['id']}")["status"] == line["status"]
    chat.say("yes")  # block the stolen SIM at once
    assert acme_fleet_manager.api(f"/lines/{line['id']}")["status"] == "suspended"
    assert ASK_ICCID["en"] in chat.say("a physical SIM")
    chat.say(iccid)
    assert acme_fleet_manager.api(f"/lines/{line['id']}")["iccid"] == line["iccid"]
    chat.say("yes")

    replaced = acme_fleet_manager.api(f"/lines/{line['id']}")
    assert replaced["iccid"] == iccid
    assert replaced["sim_type"] == "physical"
    assert replaced["status"] == "active"


def test_the_porting_in_progress_can_be_asked_about(acme_fleet_manager: Chat) -> None:
    [porting] = acme_fleet_manager.api("/porting-requests")

    answer = acme_fleet_manager.say("waar zit mijn nummeroverdracht?")

    national = "0" + porting["msisdn"].removeprefix("+32")
    assert f"{national[:4]} {national[4:6]} {national[6:8]} {national[8:]}" in answer
