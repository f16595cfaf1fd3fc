"""Login, /me, role switch and principal errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest

Login = Callable[[str, str], Awaitable[dict[str, str]]]

ME = "/api/v1/me"


@pytest.mark.parametrize(
    "gsm",
    [
        "0470 00 00 01",
        "0470000001",
        "+32 470 00 00 01",
        "+32470000001",
        "32470000001",
        "0032470000001",
    ],
)
async def test_login_accepts_every_usual_belgian_gsm_format(
    client: httpx.AsyncClient, gsm: str
) -> None:
    response = await client.post(
        "/api/v1/auth/login", json={"gsm": gsm, "password": "acme-fleet-demo"}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    me = await client.get(ME, headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["gsm"] == "+32470000001"


@pytest.mark.parametrize(
    ("gsm", "password"),
    [("0470000001", "wrong-password"), ("0470009999", "acme-fleet-demo"), ("not a number", "x")],
)
async def test_login_with_wrong_credentials_is_401(
    client: httpx.AsyncClient, gsm: str, password: str
) -> None:
    response = await client.post("/api/v1/auth/login", json={"gsm": gsm, "password": password})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


async def test_me_of_fleet_manager_shows_company_own_line_and_switch_right(
    client: httpx.AsyncClient, fleet_manager: dict[str, str]
) -> None:
    me = (await client.get(ME, headers=fleet_manager)).json()

    assert me["first_name"] == "Sofie"
    assert me["role"] == me["active_role"] == "fleet_manager"
    assert me["can_switch_role"] is True
    assert me["language"] == "nl"
    assert me["company"]["name"] == "Acme Logistics"
    assert me["company"]["customer_number"] == "7001234567"
    assert me["line_id"] is not None


async def test_me_of_end_user_cannot_switch(
    client: httpx.AsyncClient, end_user: dict[str, str]
) -> None:
    me = (await client.get(ME, headers=end_user)).json()

    assert (me["first_name"], me["language"]) == ("Julie", "fr")
    assert me["role"] == me["active_role"] == "end_user"
    assert me["can_switch_role"] is False
    assert me["line_id"] is not None


async def test_me_of_helpdesk_agent_has_no_company(
    client: httpx.AsyncClient, agent: dict[str, str]
) -> None:
    me = (await client.get(ME, headers=agent)).json()

    assert me["role"] == "helpdesk_agent"
    assert me["company"] is None
    assert me["line_id"] is None


async def test_me_of_brugge_manager_is_brugge_bouw(
    client: httpx.AsyncClient, brugge_manager: dict[str, str]
) -> None:
    me = (await client.get(ME, headers=brugge_manager)).json()

    assert me["company"]["name"] == "Brugge Bouw"


async def test_fleet_manager_switches_to_end_user_and_then_sees_only_own_line(
    client: httpx.AsyncClient, fleet_manager: dict[str, str]
) -> None:
    switched = await client.put(
        ME + "/active-role", json={"role": "end_user"}, headers=fleet_manager
    )

    assert switched.status_code == 200
    assert switched.json()["active_role"] == "end_user"
    assert switched.json()["role"] == "fleet_manager"
    lines = (await client.get("/api/v1/lines", headers=fleet_manager)).json()
    assert [line["msisdn"] for line in lines] == ["+32470000001"]
    fleet = await client.get("/api/v1/consumption", headers=fleet_manager)
    assert fleet.status_code == 403

    back = await client.put(
        ME + "/active-role", json={"role": "fleet_manager"}, headers=fleet_manager
    )
    assert back.json()["active_role"] == "fleet_manager"


@pytest.mark.parametrize(
    ("gsm", "password"), [("+32470000002", "acme-user-demo"), ("+32470000099", "agent-demo")]
)
async def test_role_switch_is_forbidden_for_non_fleet_managers(
    client: httpx.AsyncClient, login: Login, gsm: str, password: str
) -> None:
    headers = await login(gsm, password)

    response = await client.put(
        ME + "/active-role", json={"role": "fleet_manager"}, headers=headers
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "role_switch_forbidden"


async def test_switch_to_helpdesk_role_is_rejected_as_invalid_body(
    client: httpx.AsyncClient, fleet_manager: dict[str, str]
) -> None:
    response = await client.put(
        ME + "/active-role", json={"role": "helpdesk_agent"}, headers=fleet_manager
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


async def test_no_credentials_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get(ME)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


async def test_forged_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get(ME, headers={"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x"})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"
