"""Helpdesk agents answer on tickets; customers read the answers; roles and companies hold."""

from __future__ import annotations

import httpx

from tests.backend.conftest import ACME_FM, ACME_USER, AGENT, BRUGGE_FM, bearer
from tests.backend.ops_helpers import error_code, new_key

API = "/api/v1"
DESCRIPTION = "Sinds maandag valt het netwerk weg in ons magazijn in Gent, bellen lukt niet."


async def _open_ticket(client: httpx.AsyncClient, who: tuple[str, str]) -> dict:
    response = await client.post(
        f"{API}/tickets",
        json={
            "subject_code": "network_coverage",
            "description": DESCRIPTION,
            "contact_number": "0470 12 34 56",
        },
        headers={**await bearer(client, *who), "Idempotency-Key": new_key()},
    )
    assert response.status_code == 201, response.text
    ticket: dict = response.json()
    return ticket


async def _comment(
    client: httpx.AsyncClient, headers: dict[str, str], path: str, body: str, key: str = ""
) -> httpx.Response:
    return await client.post(
        f"{API}{path}/comments",
        json={"body": body},
        headers={**headers, "Idempotency-Key": key or new_key()},
    )


async def test_agent_sees_every_company_and_answers_the_customer(
    client: httpx.AsyncClient,
) -> None:
    acme = await _open_ticket(client, ACME_USER)
    brugge = await _open_ticket(client, BRUGGE_FM)
    agent = await bearer(client, *AGENT)

    listed = (await client.get(f"{API}/agent/tickets?status=open", headers=agent)).json()
    assert {acme["id"], brugge["id"]} <= {t["id"] for t in listed}
    key = new_key()
    answer = "We sturen een technieker langs; herstart intussen uw toestel."
    added = await _comment(client, agent, f"/agent/tickets/{acme['id']}", answer, key)
    assert added.status_code == 201, added.text
    assert added.json()["author_role"] == "agent"
    replay = await _comment(client, agent, f"/agent/tickets/{acme['id']}", answer, key)
    assert replay.json() == added.json()

    # The end user who opened it reads the answer; the ticket is now being handled.
    mine = await client.get(f"{API}/tickets/{acme['id']}", headers=await bearer(client, *ACME_USER))
    ticket = mine.json()
    assert ticket["status"] == "in_progress"
    assert [(c["author_role"], c["body"]) for c in ticket["comments"]] == [("agent", answer)]
    # The company's fleet manager sees it too; the customer's own reply is "customer".
    fm = await bearer(client, *ACME_FM)
    reply = await _comment(client, fm, f"/tickets/{acme['id']}", "Bedankt, dat werkt.")
    assert reply.status_code == 201 and reply.json()["author_role"] == "customer"
    detail = (await client.get(f"{API}/agent/tickets/{acme['id']}", headers=agent)).json()
    assert [c["author_role"] for c in detail["comments"]] == ["agent", "customer"]
    # Another company's ticket was left alone.
    other = (await client.get(f"{API}/agent/tickets/{brugge['id']}", headers=agent)).json()
    assert other["status"] == "open" and other["comments"] == []


async def test_agent_routes_need_the_agent_role(client: httpx.AsyncClient) -> None:
    ticket = await _open_ticket(client, ACME_USER)
    for who in (ACME_FM, ACME_USER, BRUGGE_FM):
        headers = await bearer(client, *who)
        path = f"/agent/tickets/{ticket['id']}"
        refused = await _comment(client, headers, path, "I am support, trust me.")
        assert refused.status_code == 403, refused.text
        assert (await client.get(f"{API}/agent/tickets", headers=headers)).status_code == 403
    assert (await client.get(f"{API}/agent/tickets")).status_code == 401
    agent = await bearer(client, *AGENT)
    missing = await _comment(client, agent, "/agent/tickets/999999", "Hello")
    assert missing.status_code == 404 and error_code(missing) == "ticket_not_found"
    # Agents use their own routes: the customer routes stay closed to them.
    assert (await client.get(f"{API}/tickets", headers=agent)).status_code == 403


async def test_customers_cannot_comment_outside_their_scope(client: httpx.AsyncClient) -> None:
    acme = await _open_ticket(client, ACME_FM)
    brugge = await bearer(client, *BRUGGE_FM)
    cross = await _comment(client, brugge, f"/tickets/{acme['id']}", "Not my company's ticket.")
    assert cross.status_code == 404 and error_code(cross) == "ticket_not_found"
    # An end user cannot comment on the fleet manager's ticket either.
    user = await bearer(client, *ACME_USER)
    other = await _comment(client, user, f"/tickets/{acme['id']}", "Someone else's ticket.")
    assert other.status_code == 404
    agent = await bearer(client, *AGENT)
    untouched = (await client.get(f"{API}/agent/tickets/{acme['id']}", headers=agent)).json()
    assert untouched["comments"] == []
