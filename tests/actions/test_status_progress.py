"""Order, repair, ticket and eSIM answers for every status the backend moves them through,
rendered from the domain's FR/NL/EN texts with the values the actions pass (no placeholder
left)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.activation_status import ActionShowActivationStatus
from actions.esim import ActionResendEsim
from actions.repairs import ActionShowRepairs
from actions.shop import ActionShowOrders
from actions.tickets import ActionShowTickets
from tests.actions.support import (
    entity,
    json_response,
    line,
    make_tracker,
    me_fleet_manager,
    plain,
    responses,
)

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("fr", "nl", "en")


@cache
def _responses() -> dict[str, Any]:
    domain: dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    found: dict[str, Any] = domain["responses"]
    return found


def rendered(message: dict[str, Any], language: str) -> str:
    """The text the user reads: the response variant of ``language`` filled with the values."""
    [variant] = [
        v
        for v in _responses()[message["response"]]
        if any(c.get("value") == language for c in v.get("condition", []))
    ]
    text: str = variant["text"].format(**message)
    assert not re.search(r"\{\w+\}", text), text
    return text


ORDER_WORDS = {
    "received": ("reçue", "ontvangen", "received"),
    "processing": ("en préparation", "in voorbereiding", "being prepared"),
    "shipped": ("expédiée", "verzonden", "shipped"),
    "delivered": ("livrée", "geleverd", "delivered"),
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("status", list(ORDER_WORDS))
async def test_where_is_my_order_for_every_status(backend, dispatcher, status, language):
    tracking = "CD000000080BE" if status in ("shipped", "delivered") else None
    order = {"id": 8, "number": "O2026-000008", "status": status, "items": [],
             "total_incl_vat": "83.49", "tracking": tracking}  # fmt: skip
    backend.on("GET", "/api/v1/orders", [order])
    tracker = make_tracker(
        "where is my order", intent="ask_order_status", slots={"language": language}
    )

    await ActionShowOrders(backend.client()).run(dispatcher, tracker, {})

    assert responses(dispatcher) == [f"utter_order_status_{status}"]
    text = rendered(dispatcher.messages[0], language)
    assert "O2026-000008" in text
    assert ORDER_WORDS[status][LANGUAGES.index(language)] in text
    if status == "shipped":
        assert "CD000000080BE" in text


REPAIR_WORDS = {
    "requested": ("demandée", "aangevraagd", "requested"),
    "picked_up": ("enlevée", "opgehaald", "picked up"),
    "in_repair": ("en cours de réparation", "in herstelling", "being repaired"),
    "ready": ("prête", "klaar", "ready"),
    "returned": ("renvoyée", "teruggestuurd", "returned"),
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("status", list(REPAIR_WORDS))
async def test_repair_status_for_every_status(backend, dispatcher, status, language):
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    repair = {"id": 3, "number": "R2026-000003", "status": status, "imei_masked": "35209900****481",
              "problem": "screen", "pickup": "workplace", "created_at": "2026-11-20T09:00:00Z",
              "msisdn": "+32470000002"}  # fmt: skip
    backend.on("GET", "/api/v1/repairs", [repair])
    tracker = make_tracker(
        "where is my repair", intent="ask_repair_status", slots={"language": language}
    )

    await ActionShowRepairs(backend.client()).run(dispatcher, tracker, {})

    assert responses(dispatcher) == [f"utter_repair_status_{status}"]
    text = rendered(dispatcher.messages[0], language)
    assert "R2026-000003" in text and "35209900****481" in text
    assert REPAIR_WORDS[status][LANGUAGES.index(language)] in text


TICKET = {"id": 7, "number": "T-2026-000007", "status": "in_progress", "subject_code": "billing",
          "description": "x" * 40, "contact_number": "+32470000001",
          "created_at": "2026-11-20T09:00:00Z"}  # fmt: skip
SUBJECTS = [
    {"code": "billing", "names": {"fr": "Facturation", "nl": "Facturatie", "en": "Billing"}}
]
AGENT_ANSWER = {"author": "Hanne Helpdesk", "author_role": "agent", "body": "Credit note sent.",
                "created_at": "2026-11-21T10:00:00Z"}  # fmt: skip
CUSTOMER_REPLY = {"author": "Sofie Janssens", "author_role": "customer", "body": "Thanks!",
                  "created_at": "2026-11-22T10:00:00Z"}  # fmt: skip


def _ticket_status(backend, language: str, comments: list[dict[str, Any]]):
    backend.on("GET", "/api/v1/tickets/subjects", SUBJECTS)
    backend.on("GET", "/api/v1/tickets", [TICKET])
    backend.on("GET", "/api/v1/tickets/7", {**TICKET, "comments": comments})
    return make_tracker(
        "T-2026-000007",
        intent="ask_ticket_status",
        entities=[entity("ticket_number", "T-2026-000007")],
        slots={"language": language},
    )


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("fr", "Réponse du support (Hanne Helpdesk, le 21 novembre 2026) : « Credit note sent. »"),
        (
            "nl",
            "Antwoord van de support (Hanne Helpdesk, op 21 november 2026): 'Credit note sent.'",
        ),
        ("en", "Support answered (Hanne Helpdesk, on 21 November 2026): 'Credit note sent.'"),
    ],
)
async def test_ticket_status_gives_the_support_answer(backend, dispatcher, language, said):
    tracker = _ticket_status(backend, language, [AGENT_ANSWER])

    await ActionShowTickets(backend.client()).run(dispatcher, tracker, {})

    assert responses(dispatcher) == [
        "utter_ticket_status_in_progress",
        "utter_ticket_support_answer",
    ]
    assert rendered(dispatcher.messages[1], language) == said


async def test_a_customer_reply_after_the_answer_is_said_too(backend, dispatcher):
    tracker = _ticket_status(backend, "en", [AGENT_ANSWER, CUSTOMER_REPLY])

    await ActionShowTickets(backend.client()).run(dispatcher, tracker, {})

    assert responses(dispatcher) == [
        "utter_ticket_status_in_progress",
        "utter_ticket_support_answer",
        "utter_ticket_last_comment",
    ]
    assert "Thanks!" in rendered(dispatcher.messages[2], "en")


async def test_customer_comments_only_are_not_called_a_support_answer(backend, dispatcher):
    tracker = _ticket_status(backend, "nl", [CUSTOMER_REPLY])

    await ActionShowTickets(backend.client()).run(dispatcher, tracker, {})

    assert responses(dispatcher) == ["utter_ticket_status_in_progress", "utter_ticket_last_comment"]


# --- "is the eSIM active yet? if not, resend it": the state, then the resend ------------------

ARNE = line(31, "+32470000031", user_name="Arne De Clercq", label="Arne De Clercq",
            sim_type="esim", status="pending_activation")  # fmt: skip
ARNE_WAITING = {
    "line_id": 31, "msisdn": "+32470000031", "user_name": "Arne De Clercq",
    "status": "pending_activation", "sim_type": "esim", "created_at": "2026-11-26T09:00:00Z",
    "esim_pending": True, "porting_request": None,
}  # fmt: skip
STATE_QUESTIONS = {
    "fr": "L'eSIM d'Arne De Clercq est-elle toujours en attente ? Si oui renvoie-lui le mail",
    "nl": "Is de eSIM van Arne De Clercq al actief? Zo niet, stuur de activatiemail met de "
    "QR-code nog eens",
    "en": "Is Arne De Clercq's eSIM active yet? If not, resend the activation mail",
}
WAITING_WORDS = {
    "fr": ("n'est pas active", "en attente de confirmation", "depuis le 26 nov. 2026"),
    "nl": ("nog niet actief", "wacht op bevestiging", "sinds 26 nov 2026"),
    "en": ("isn't active", "waiting for the user's confirmation", "since 26 Nov 2026"),
}


def esim_backend(backend, arne: dict[str, Any]):
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("GET", "/api/v1/lines/31", arne)
    backend.on("GET", "/api/v1/activations", [ARNE_WAITING] if arne["status"] != "active" else [])
    backend.on(
        "POST", "/api/v1/lines/31/esim/resend", json_response(202, {"sent_to": "a***@acme.be"})
    )
    return backend


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_resend_asked_with_the_state_says_the_state_first(backend, dispatcher, language):
    esim_backend(backend, ARNE)
    tracker = make_tracker(
        STATE_QUESTIONS[language],
        intent="resend_esim",
        slots={"language": language, "target_line_id": "31"},
    )

    await ActionResendEsim(backend.client()).run(dispatcher, tracker, {})

    assert responses(dispatcher) == ["utter_esim_state_pending", "utter_esim_resent"]
    said = plain(rendered(dispatcher.messages[0], language))
    assert "Arne De Clercq" in said and "0470 00 00 31" in said
    for words in WAITING_WORDS[language]:
        assert words in said
    assert "/api/v1/lines/31/esim/resend" in backend.paths()


@pytest.mark.parametrize("language", LANGUAGES)
async def test_an_active_esim_is_not_resent_when_the_state_was_asked(backend, dispatcher, language):
    esim_backend(backend, {**ARNE, "status": "active"})
    tracker = make_tracker(
        STATE_QUESTIONS[language],
        intent="resend_esim",
        slots={"language": language, "target_line_id": "31"},
    )

    await ActionResendEsim(backend.client()).run(dispatcher, tracker, {})

    assert responses(dispatcher) == ["utter_esim_already_active"]
    assert "0470 00 00 31" in rendered(dispatcher.messages[0], language)
    assert "/api/v1/lines/31/esim/resend" not in backend.paths()


async def test_the_state_question_counts_when_the_line_was_asked_in_between(backend, dispatcher):
    esim_backend(backend, ARNE)
    tracker = make_tracker("Arne", intent="inform", slots={"target_line_id": "31"})
    tracker.events[:0] = [
        {"event": "user", "text": "is the esim active yet? otherwise resend the mail"},
        {"event": "active_loop", "name": "esim_resend_form"},
        {"event": "bot", "text": "Which line?"},
    ]

    await ActionResendEsim(backend.client()).run(dispatcher, tracker, {})

    assert responses(dispatcher) == ["utter_esim_state_pending", "utter_esim_resent"]


@pytest.mark.parametrize(
    "text",
    [
        "renvoie le mail d'activation de l'eSIM d'Arne",
        "stuur de activatiemail van Arne opnieuw",
        "resend Arne's eSIM activation e-mail",
    ],
)
async def test_a_plain_resend_does_not_read_the_state(backend, dispatcher, text):
    esim_backend(backend, ARNE)
    tracker = make_tracker(text, intent="resend_esim", slots={"target_line_id": "31"})

    await ActionResendEsim(backend.client()).run(dispatcher, tracker, {})

    assert responses(dispatcher) == ["utter_esim_resent"]
    assert "/api/v1/activations" not in backend.paths()


async def test_the_activation_list_says_since_when_an_esim_waits(backend, dispatcher):
    backend.on("GET", "/api/v1/activations", [ARNE_WAITING])
    tracker = make_tracker("status of the activations", intent="ask_activation_status")

    await ActionShowActivationStatus(backend.client()).run(dispatcher, tracker, {})

    assert plain(dispatcher.messages[0]["rows"]) == (
        "• 0470 00 00 31 · Arne De Clercq · eSIM sent, waiting for the user's confirmation "
        "since 26 Nov 2026"
    )
