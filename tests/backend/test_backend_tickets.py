"""Helpdesk tickets: subjects, the 30-character description rule, comments, scoping."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.tickets.models import Ticket, TicketComment
from tests.backend.conftest import ACME_FM, ACME_USER, AGENT, BRUGGE_FM, bearer
from tests.backend.ops_helpers import error_code, new_key

API = "/api/v1"
DESCRIPTION = "Mijn gsm vindt geen netwerk meer sinds gisteren in het magazijn van Antwerpen."


async def _open(
    client: httpx.AsyncClient, headers: dict[str, str], *, key: str | None = None, **extra: object
) -> httpx.Response:
    body = {
        "subject_code": "network_coverage",
        "description": DESCRIPTION,
        "contact_number": "0470 12 34 56",
        **extra,
    }
    return await client.post(
        f"{API}/tickets", json=body, headers={**headers, "Idempotency-Key": key or new_key()}
    )


async def test_subjects_have_three_languages(client: httpx.AsyncClient) -> None:
    headers = await bearer(client, *ACME_USER)
    subjects = (await client.get(f"{API}/tickets/subjects", headers=headers)).json()
    codes = [s["code"] for s in subjects]
    assert "prepaid_conversion" in codes and "billing" in codes and "device_or_repair" in codes
    billing = next(s for s in subjects if s["code"] == "billing")
    assert billing["names"] == {"fr": "Facturation", "nl": "Facturatie", "en": "Billing"}


async def test_description_must_be_detailed(client: httpx.AsyncClient) -> None:
    headers = await bearer(client, *ACME_FM)
    response = await _open(client, headers, description="Geen netwerk, help aub.")
    assert response.status_code == 422
    assert error_code(response) == "description_too_short"
    assert response.json()["error"]["field"] == "description"
    bad_number = await _open(client, headers, contact_number="12")
    assert error_code(bad_number) == "contact_number_invalid"


async def test_open_replay_comment_and_filter(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    headers = await bearer(client, *ACME_USER)
    key = new_key()
    first = await _open(client, headers, key=key)
    assert first.status_code == 201, first.text
    replay = await _open(client, headers, key=key)
    assert replay.json() == first.json()
    ticket_id = first.json()["id"]
    assert len(db_session.scalars(select(Ticket).where(Ticket.id == ticket_id)).all()) == 1
    comment_key = new_key()
    comment = await client.post(
        f"{API}/tickets/{ticket_id}/comments",
        json={"body": "Het probleem is er ook op de parking."},
        headers={**headers, "Idempotency-Key": comment_key},
    )
    assert comment.status_code == 201
    assert comment.json()["author"] == "Julie Dubois"
    again = await client.post(
        f"{API}/tickets/{ticket_id}/comments",
        json={"body": "Het probleem is er ook op de parking."},
        headers={**headers, "Idempotency-Key": comment_key},
    )
    assert again.json() == comment.json()
    rows = db_session.scalars(
        select(TicketComment).where(TicketComment.ticket_id == ticket_id)
    ).all()
    assert len(rows) == 1
    detail = (await client.get(f"{API}/tickets/{ticket_id}", headers=headers)).json()
    assert detail["number"].startswith("T-")
    assert [c["body"] for c in detail["comments"]] == ["Het probleem is er ook op de parking."]
    assert detail["subject_names"]["fr"] == "Réseau et couverture"
    open_ones = (await client.get(f"{API}/tickets?status=open", headers=headers)).json()
    assert ticket_id in [t["id"] for t in open_ones]
    closed = (await client.get(f"{API}/tickets?status=closed", headers=headers)).json()
    assert ticket_id not in [t["id"] for t in closed]
    # The fleet manager of the company sees it; the other company and other users do not.
    fm = await bearer(client, *ACME_FM)
    assert (await client.get(f"{API}/tickets/{ticket_id}", headers=fm)).status_code == 200
    brugge = await bearer(client, *BRUGGE_FM)
    response = await client.get(f"{API}/tickets/{ticket_id}", headers=brugge)
    assert response.status_code == 404 and error_code(response) == "ticket_not_found"
    response = await client.post(
        f"{API}/tickets/{ticket_id}/comments",
        json={"body": "not mine"},
        headers={**brugge, "Idempotency-Key": new_key()},
    )
    assert response.status_code == 404


async def test_end_user_does_not_see_the_fleet_managers_tickets(
    client: httpx.AsyncClient,
) -> None:
    fm = await bearer(client, *ACME_FM)
    ticket_id = (await _open(client, fm)).json()["id"]
    user = await bearer(client, *ACME_USER)
    assert (await client.get(f"{API}/tickets/{ticket_id}", headers=user)).status_code == 404
    assert ticket_id not in [
        t["id"] for t in (await client.get(f"{API}/tickets", headers=user)).json()
    ]
    agent = await bearer(client, *AGENT)
    assert (await client.get(f"{API}/tickets/subjects", headers=agent)).status_code == 403
