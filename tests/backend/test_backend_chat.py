"""Chat identities: web sessions, service-key principal resolution, Slack/Teams link codes."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.chat.models import LinkCode
from backend.core.models import utcnow

SERVICE_KEY = "test-action-service-key"
ME = "/api/v1/me"


def as_bot(channel: str, sender: str, key: str = SERVICE_KEY) -> dict[str, str]:
    return {"X-Service-Key": key, "X-Chat-Channel": channel, "X-Chat-Sender": sender}


async def new_sender(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    response = await client.post("/api/v1/chat/sessions", headers=headers)
    assert response.status_code == 201
    assert response.json()["channel"] == "rest"
    sender: str = response.json()["sender_id"]
    return sender


async def test_chat_session_sender_resolves_to_its_account_on_web_channels(
    client: httpx.AsyncClient, end_user: dict[str, str]
) -> None:
    sender = await new_sender(client, end_user)

    for channel in ("rest", "socketio"):
        me = await client.get(ME, headers=as_bot(channel, sender))
        assert me.status_code == 200
        assert me.json()["gsm"] == "+32470000002"


async def test_each_chat_session_gets_a_fresh_unguessable_sender(
    client: httpx.AsyncClient, end_user: dict[str, str]
) -> None:
    first, second = await new_sender(client, end_user), await new_sender(client, end_user)

    assert first != second
    assert len(first) >= 40


async def test_bot_acts_with_the_chat_users_role_and_scope(
    client: httpx.AsyncClient, end_user: dict[str, str]
) -> None:
    sender = await new_sender(client, end_user)

    lines = (await client.get("/api/v1/lines", headers=as_bot("socketio", sender))).json()

    assert [line["msisdn"] for line in lines] == ["+32470000002"]


async def test_wrong_service_key_is_401_even_with_a_valid_sender(
    client: httpx.AsyncClient, end_user: dict[str, str]
) -> None:
    sender = await new_sender(client, end_user)

    response = await client.get(ME, headers=as_bot("rest", sender, key="guess"))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_service_key"


async def test_chat_headers_without_service_key_are_401(client: httpx.AsyncClient) -> None:
    response = await client.get(ME, headers={"X-Chat-Channel": "rest", "X-Chat-Sender": "x"})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_service_key"


async def test_unknown_sender_is_401_chat_identity_unknown(client: httpx.AsyncClient) -> None:
    for channel in ("rest", "slack", "botframework", "telegram"):
        response = await client.get(ME, headers=as_bot(channel, "nobody"))
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "chat_identity_unknown"


async def test_web_sender_does_not_resolve_on_platform_channels(
    client: httpx.AsyncClient, end_user: dict[str, str]
) -> None:
    sender = await new_sender(client, end_user)

    response = await client.get(ME, headers=as_bot("slack", sender))

    assert response.status_code == 401


async def test_bot_cannot_mint_chat_sessions_or_link_codes(
    client: httpx.AsyncClient, end_user: dict[str, str]
) -> None:
    sender = await new_sender(client, end_user)

    for path in ("/api/v1/chat/sessions", "/api/v1/chat/link-codes"):
        response = await client.post(path, headers=as_bot("rest", sender))
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "bearer_required"


async def link(client: httpx.AsyncClient, platform: str, code: str) -> httpx.Response:
    return await client.post(
        "/api/v1/chat/links",
        json={"platform": platform, "workspace_id": "T0ACME", "user_id": "U042", "code": code},
        headers={"X-Service-Key": SERVICE_KEY},
    )


async def new_link_code(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    response = await client.post("/api/v1/chat/link-codes", headers=headers)
    assert response.status_code == 201
    code: str = response.json()["code"]
    assert len(code) == 8
    return code


async def test_slack_user_linked_with_a_code_resolves_to_the_account(
    client: httpx.AsyncClient, fleet_manager: dict[str, str]
) -> None:
    code = await new_link_code(client, fleet_manager)

    linked = await link(client, "slack", code)

    assert linked.status_code == 201
    me = (await client.get(ME, headers=as_bot("slack", "T0ACME:U042"))).json()
    assert linked.json()["account_id"] == me["id"]
    assert me["gsm"] == "+32470000001"
    teams = await client.get(ME, headers=as_bot("botframework", "T0ACME:U042"))
    assert teams.status_code == 401


async def test_teams_link_resolves_on_the_botframework_channel(
    client: httpx.AsyncClient, brugge_manager: dict[str, str]
) -> None:
    code = await new_link_code(client, brugge_manager)

    assert (await link(client, "teams", code.lower())).status_code == 201

    me = (await client.get(ME, headers=as_bot("botframework", "T0ACME:U042"))).json()
    assert me["gsm"] == "+32470000051"


async def test_link_code_is_single_use(
    client: httpx.AsyncClient, fleet_manager: dict[str, str]
) -> None:
    code = await new_link_code(client, fleet_manager)
    assert (await link(client, "slack", code)).status_code == 201

    again = await link(client, "slack", code)

    assert again.status_code == 400
    assert again.json()["error"]["code"] == "link_code_invalid"


async def test_expired_link_code_is_refused(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], db_session: Session
) -> None:
    code = await new_link_code(client, fleet_manager)
    newest = db_session.scalar(select(LinkCode).order_by(LinkCode.id.desc()))
    assert newest is not None
    newest.expires_at = utcnow() - timedelta(seconds=1)
    db_session.flush()

    response = await link(client, "slack", code)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "link_code_invalid"


async def test_linking_requires_the_service_key(
    client: httpx.AsyncClient, fleet_manager: dict[str, str]
) -> None:
    code = await new_link_code(client, fleet_manager)

    response = await client.post(
        "/api/v1/chat/links",
        json={"platform": "slack", "workspace_id": "T", "user_id": "U", "code": code},
        headers=fleet_manager,
    )

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_service_key"
