"""Helpdesk tickets by chat against the real services: created, listed, commented (FR/EN);
a helpdesk agent's answer read back in the ticket status (NL).

Each test checks the backend state through the portal API of the same account.
"""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Chat
from tests.e2e.operator import agent_headers, open_ticket, post

DESCRIPTION_FR = (
    "Depuis lundi, mon GSM n'a plus de réseau au bureau de Gand, les appels coupent après 10 s."
)


def tickets(chat: Chat, **params: str) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = chat.api("/tickets", **params)
    return result


def test_french_ticket_short_description_re_asked_then_created(acme_end_user: Chat) -> None:
    chat = acme_end_user
    before = len(tickets(chat))
    chat.say("je veux ouvrir un ticket")
    chat.say('/inform{"ticket_subject": "network_coverage"}')
    short = chat.say("pas de réseau")
    assert "détaillée" in short
    asked = chat.say(DESCRIPTION_FR)
    assert "numéro" in asked
    bad = chat.say("12345")
    assert "12345" in bad
    summary = chat.say("+33 6 12 34 56 78")
    assert "Récapitulatif" in summary and "+33 6 12 34 56 78" in summary
    assert len(tickets(chat)) == before  # nothing before "oui"

    done = chat.say("oui")

    created = tickets(chat)
    assert len(created) == before + 1
    ticket = created[0]
    assert ticket["number"] in done
    assert ticket["subject_code"] == "network_coverage"
    assert ticket["description"] == DESCRIPTION_FR
    assert ticket["contact_number"] == "+33612345678"


def test_english_open_tickets_listed_and_comment_added(acme_fleet_manager: Chat) -> None:
    chat = acme_fleet_manager
    chat.say("in English please")
    chat.say("I want to open a ticket")
    chat.say('/inform{"ticket_subject": "billing"}')
    chat.say("The October invoice charges roaming in Spain although nobody travelled there.")
    chat.say("0470 00 00 01")
    done = chat.say("yes")
    number = tickets(chat, status="open")[0]["number"]
    assert number in done

    listed = chat.say("show my open tickets")
    assert number in listed

    chat.say(f"add a comment to ticket {number}")
    added = chat.say("The same happened on the September invoice.")
    assert number in added
    ticket = next(t for t in tickets(chat) if t["number"] == number)
    assert [c["body"] for c in ticket["comments"]] == [
        "The same happened on the September invoice."
    ]


def test_dutch_ticket_status_gives_the_helpdesk_agents_answer(acme_fleet_manager: Chat) -> None:
    chat = acme_fleet_manager
    ticket = open_ticket(
        chat, "De factuur van oktober rekent roaming aan in Spanje, niemand reisde."
    )
    answer = "We hebben een creditnota aangemaakt voor de roaming in oktober."
    post(chat.stack, agent_headers(chat.stack), f"/agent/tickets/{ticket['id']}/comments",
         {"body": answer})  # fmt: skip
    chat.say("in het Nederlands aub")

    status = chat.say(f"status van ticket {ticket['number']}")

    assert f"Ticket {ticket['number']}" in status and "wordt behandeld" in status
    assert "Antwoord van de support" in status and answer in status
    [comment] = chat.api(f"/tickets/{ticket['id']}")["comments"]
    assert comment["author_role"] == "agent"
