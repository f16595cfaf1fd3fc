"""Order, repair and ticket answers for every status the backend moves them through, rendered
from the domain's FR/NL/EN texts with the values the actions pass (no placeholder left)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.repairs import ActionShowRepairs
from actions.shop import ActionShowOrders
from actions.tickets import ActionShowTickets
from tests.actions.support import entity, make_tracker, me_fleet_manager, responses

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
