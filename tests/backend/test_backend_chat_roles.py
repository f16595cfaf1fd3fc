"""The active role of a chat belongs to that conversation, not to the account (docs/api.md)."""

from __future__ import annotations

import httpx

from tests.backend.test_backend_chat import ME, as_bot, link, new_link_code, new_sender

ROLE = ME + "/active-role"
LINES = "/api/v1/lines"
OWN_LINE = "+32470000001"


async def msisdns(client: httpx.AsyncClient, headers: dict[str, str]) -> list[str]:
    response = await client.get(LINES, headers=headers)
    assert response.status_code == 200
    return [line["msisdn"] for line in response.json()]


async def active_role(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    response = await client.get(ME, headers=headers)
    assert response.status_code == 200
    role: str = response.json()["active_role"]
    return role


async def test_switching_one_chat_leaves_the_other_chats_of_the_account_as_they_were(
    client: httpx.AsyncClient, fleet_manager: dict[str, str]
) -> None:
    first = as_bot("rest", await new_sender(client, fleet_manager))
    second = as_bot("socketio", await new_sender(client, fleet_manager))

    switched = await client.put(ROLE, json={"role": "end_user"}, headers=first)

    assert switched.status_code == 200
    assert switched.json()["active_role"] == "end_user"
    assert switched.json()["role"] == "fleet_manager"
    assert await active_role(client, first) == "end_user"
    assert await active_role(client, second) == "fleet_manager"
    assert await msisdns(client, first) == [OWN_LINE]
    fleet = await msisdns(client, second)
    assert len(fleet) > 1
    assert OWN_LINE in fleet
    assert (await client.get("/api/v1/consumption", headers=first)).status_code == 403
    assert (await client.get("/api/v1/consumption", headers=second)).status_code == 200

    back = await client.put(ROLE, json={"role": "fleet_manager"}, headers=first)

    assert back.json()["active_role"] == "fleet_manager"
    assert await msisdns(client, first) == fleet


async def test_a_chat_switch_does_not_change_the_portal_role(
    client: httpx.AsyncClient, fleet_manager: dict[str, str]
) -> None:
    chat = as_bot("rest", await new_sender(client, fleet_manager))

    assert (await client.put(ROLE, json={"role": "end_user"}, headers=chat)).status_code == 200

    assert await active_role(client, fleet_manager) == "fleet_manager"
    assert len(await msisdns(client, fleet_manager)) > 1


async def test_a_portal_switch_does_not_change_the_chats(
    client: httpx.AsyncClient, fleet_manager: dict[str, str]
) -> None:
    chat = as_bot("rest", await new_sender(client, fleet_manager))

    assert (await client.put(ROLE, json={"role": "end_user"}, headers=fleet_manager)).is_success

    assert await active_role(client, fleet_manager) == "end_user"
    assert await active_role(client, chat) == "fleet_manager"
    assert len(await msisdns(client, chat)) > 1
    fresh = as_bot("rest", await new_sender(client, fleet_manager))
    assert await active_role(client, fresh) == "fleet_manager"


async def test_a_linked_platform_chat_switches_on_its_own(
    client: httpx.AsyncClient, fleet_manager: dict[str, str]
) -> None:
    assert (await link(client, "teams", await new_link_code(client, fleet_manager))).is_success
    teams = as_bot("botframework", "T0ACME:U042")
    web = as_bot("rest", await new_sender(client, fleet_manager))

    switched = await client.put(ROLE, json={"role": "end_user"}, headers=teams)

    assert switched.json()["active_role"] == "end_user"
    assert await msisdns(client, teams) == [OWN_LINE]
    assert await active_role(client, web) == "fleet_manager"
    assert await active_role(client, fleet_manager) == "fleet_manager"


async def test_an_end_user_still_cannot_switch_from_a_chat(
    client: httpx.AsyncClient, end_user: dict[str, str]
) -> None:
    chat = as_bot("rest", await new_sender(client, end_user))

    response = await client.put(ROLE, json={"role": "fleet_manager"}, headers=chat)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "role_switch_forbidden"
    assert await active_role(client, chat) == "end_user"
    assert await msisdns(client, chat) == ["+32470000002"]
