"""Live handoff: opened for the chat caller's own conversation, worked by agents, delivered
per channel (web transcript, a fake Slack Web API, a fake Bot Framework connector) and handed
back through a fake Rasa HTTP API, all on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.accounts.models import Account, AccountStatus, Role
from backend.chat.models import Platform, PlatformLink
from backend.core.models import Language
from backend.core.security import create_access_token
from backend.core.settings import Settings
from backend.handoff import delivery
from backend.handoff.hours import SupportHours
from backend.webchat.models import WebMessage
from tests.backend.conftest import ACME_USER, AGENT, BRUGGE_FM, SERVICE_KEY, bearer
from tests.fakes.botframework import DEFAULT_APP_ID, DEFAULT_APP_PASSWORD, FakeBotFramework
from tests.fakes.server import FakeRequest, FakeResponse, FakeServer
from tests.fakes.slack_api import DEFAULT_BOT_TOKEN, FakeSlackApi

ALWAYS_OPEN = "Mon-Sun 00:00-24:00 Europe/Brussels"
RASA_TOKEN = "test-rasa-auth-token"
API = "/api/v1"
TEAM, TENANT = "T0ACME", "72f988bf-0000-0000-0000-00000000fa4e"


class FakeRasa:
    """Rasa's HTTP API, recording the tracker events the backend appends."""

    def __init__(self) -> None:
        self.calls: list[FakeRequest] = []
        self._lock = threading.Lock()
        self.server = FakeServer(self._handle)

    def _handle(self, request: FakeRequest) -> FakeResponse:
        with self._lock:
            self.calls.append(request)
        return FakeResponse(200, {"events": request.json()})


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa()
    with fake.server:
        yield fake


@pytest.fixture
def slack() -> Iterator[FakeSlackApi]:
    with FakeSlackApi() as fake:
        yield fake


@pytest.fixture
def botframework() -> Iterator[FakeBotFramework]:
    delivery.connector_tokens.clear()
    with FakeBotFramework() as fake:
        yield fake


def handoff_settings(settings: Settings, **changes: Any) -> Settings:
    return settings.model_copy(update={"support_hours": ALWAYS_OPEN, **changes})


@pytest.fixture
async def hclient(
    settings: Settings,
    app_for: Callable[[Settings], FastAPI],
    rasa: FakeRasa,
    slack: FakeSlackApi,
    botframework: FakeBotFramework,
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with support open, Rasa/Slack/Bot Framework pointing at the fakes."""
    app = app_for(
        handoff_settings(
            settings,
            rasa_url=rasa.server.url,
            rasa_auth_token=SecretStr(RASA_TOKEN),
            slack_api_base_url=slack.base_url,
            slack_bot_token=SecretStr(DEFAULT_BOT_TOKEN),
            botframework_token_url=botframework.token_url,
            botframework_app_id=DEFAULT_APP_ID,
            botframework_app_password=SecretStr(DEFAULT_APP_PASSWORD),
        )
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def as_bot(channel: str, sender: str) -> dict[str, str]:
    return {"X-Service-Key": SERVICE_KEY, "X-Chat-Channel": channel, "X-Chat-Sender": sender}


async def web_sender(client: httpx.AsyncClient, who: tuple[str, str]) -> str:
    response = await client.post(f"{API}/chat/sessions", headers=await bearer(client, *who))
    assert response.status_code == 201
    sender: str = response.json()["sender_id"]
    return sender


def link_platform(session: Session, platform: Platform, workspace: str, gsm: str) -> str:
    account = session.scalar(select(Account).where(Account.gsm == gsm))
    assert account is not None
    sender = f"{workspace}:U0USER{platform.value}"
    session.add(
        PlatformLink(
            platform=platform,
            workspace_id=workspace,
            user_id=f"U0USER{platform.value}",
            sender_id=sender,
            account_id=account.id,
        )
    )
    session.commit()
    return sender


HANDOFF_BODY: dict[str, Any] = {
    "language": "fr",
    "reason": "user_request",
    "transcript": [
        {"author": "user", "text": "ma facture est fausse"},
        {"author": "bot", "text": "Je ne comprends pas."},
        {"author": "user", "text": "je veux parler à quelqu'un"},
    ],
    "collected": {"ticket_subject": "billing"},
}


async def open_handoff(
    client: httpx.AsyncClient, channel: str, sender: str, **changes: Any
) -> dict[str, Any]:
    response = await client.post(
        f"{API}/handoffs", json={**HANDOFF_BODY, **changes}, headers=as_bot(channel, sender)
    )
    assert response.status_code == 201, response.text
    state: dict[str, Any] = response.json()
    return state


async def test_handoff_is_opened_for_the_binding_and_queued_with_who_the_user_is(
    hclient: httpx.AsyncClient,
) -> None:
    sender = await web_sender(hclient, ACME_USER)
    agent = await bearer(hclient, *AGENT)

    state = await open_handoff(hclient, "rest", sender)
    again = await open_handoff(hclient, "rest", sender)

    assert state["status"] == "waiting"
    assert again["id"] == state["id"]  # one open handoff per conversation
    queue = (await hclient.get(f"{API}/agent/handoffs", headers=agent)).json()
    item = next(entry for entry in queue if entry["id"] == state["id"])
    assert item["user"]["gsm"] == ACME_USER[0]
    assert item["user"]["company"] == "Acme Logistics"
    assert item["user"]["role"] == "end_user"
    assert item["user"]["language"] == "fr"
    assert item["platform"] == "web"
    assert item["last_user_message"] == "je veux parler à quelqu'un"
    detail = (await hclient.get(f"{API}/agent/handoffs/{state['id']}", headers=agent)).json()
    assert detail["transcript"][0]["text"] == "ma facture est fausse"
    assert detail["collected"] == {"ticket_subject": "billing"}
    current = await hclient.get(f"{API}/handoffs/current", headers=as_bot("rest", sender))
    assert current.json()["id"] == state["id"]


async def test_the_body_cannot_choose_the_account(hclient: httpx.AsyncClient) -> None:
    sender = await web_sender(hclient, ACME_USER)

    response = await hclient.post(
        f"{API}/handoffs",
        json={**HANDOFF_BODY, "account_id": 1, "company_id": 2},
        headers=as_bot("rest", sender),
    )

    assert response.status_code == 422


async def test_outside_support_hours_is_refused_with_the_hours(
    settings: Settings, app_for: Callable[[Settings], FastAPI]
) -> None:
    tomorrow = (datetime.now(ZoneInfo("Europe/Brussels")) + timedelta(days=1)).strftime("%a")
    hours = f"{tomorrow}-{tomorrow} 08:00-18:00 Europe/Brussels"
    app = app_for(settings.model_copy(update={"support_hours": hours}))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        sender = await web_sender(client, ACME_USER)
        response = await client.post(
            f"{API}/handoffs", json=HANDOFF_BODY, headers=as_bot("rest", sender)
        )
        availability = await client.get(
            f"{API}/handoffs/availability", headers={"X-Service-Key": SERVICE_KEY}
        )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "outside_support_hours"
    assert response.json()["error"]["details"] == {"support_hours": hours}
    assert availability.json() == {"open": False, "support_hours": hours}


async def test_web_conversation_take_reply_relay_and_hand_back(
    hclient: httpx.AsyncClient, db_session: Session, rasa: FakeRasa
) -> None:
    sender = await web_sender(hclient, ACME_USER)
    agent = await bearer(hclient, *AGENT)
    handoff_id = (await open_handoff(hclient, "rest", sender))["id"]
    base = f"{API}/agent/handoffs/{handoff_id}"

    taken = await hclient.post(f"{base}/take", headers=agent)
    reply = await hclient.post(
        f"{base}/messages", json={"text": "Bonjour, je regarde."}, headers=agent
    )
    relayed = await hclient.post(
        f"{API}/handoffs/current/messages", json={"text": "merci"}, headers=as_bot("rest", sender)
    )
    back = await hclient.post(f"{base}/hand-back", headers=agent)
    after = await hclient.post(
        f"{API}/handoffs/current/messages", json={"text": "encore"}, headers=as_bot("rest", sender)
    )

    assert taken.json()["status"] == "active"
    assert reply.status_code == 201 and reply.json()["delivered"] is True
    assert relayed.status_code == 201 and relayed.json()["status"] == "active"
    assert back.json()["status"] == "returned"
    assert back.json()["bot_notified"] is True
    assert [m["text"] for m in back.json()["messages"]] == ["Bonjour, je regarde.", "merci"]
    assert after.status_code == 409
    assert after.json()["error"]["code"] == "handoff_not_active"
    # The web widget shows the agent's message and the join / back-with-the-bot notices.
    shown = db_session.scalars(select(WebMessage).order_by(WebMessage.id)).all()
    assert [(m.author.value, m.text) for m in shown][-3:] == [
        ("system", "Nora du helpdesk a rejoint la conversation."),
        ("agent", "Bonjour, je regarde."),
        ("system", "Vous êtes de nouveau avec l'assistant. Que puis-je faire pour vous ?"),
    ]
    # The bot was told through Rasa's HTTP API, with its token, to answer again.
    (call,) = rasa.calls
    assert call.method == "POST"
    assert call.path == f"/conversations/{sender}/tracker/events"
    assert call.query == {"token": RASA_TOKEN}
    assert call.json() == [{"event": "slot", "name": "handoff_active", "value": False}]


async def test_slack_conversation_gets_the_agent_reply_in_its_thread(
    hclient: httpx.AsyncClient, db_session: Session, slack: FakeSlackApi, rasa: FakeRasa
) -> None:
    sender = link_platform(db_session, Platform.slack, TEAM, "+32470000001")
    agent = await bearer(hclient, *AGENT)
    ref = {"platform": "slack", "team_id": TEAM, "channel_id": "D0DM", "thread_ts": None}
    handoff_id = (await open_handoff(hclient, "slack", sender, conversation_ref=ref))["id"]
    base = f"{API}/agent/handoffs/{handoff_id}"

    await hclient.post(f"{base}/take", headers=agent)
    reply = await hclient.post(f"{base}/messages", json={"text": "On s'en occupe."}, headers=agent)
    closed = await hclient.post(f"{base}/close", headers=agent)

    assert reply.json()["delivered"] is True
    assert closed.json()["status"] == "closed"
    posted = slack.messages(channel="D0DM")
    assert [message["text"] for message in posted] == [
        "Nora du helpdesk a rejoint la conversation.",
        "Nora: On s'en occupe.",
        "Le helpdesk a clôturé la conversation. Vous êtes de nouveau avec l'assistant.",
    ]
    assert rasa.calls[0].path == f"/conversations/{sender}/tracker/events"


async def test_slack_reference_of_another_workspace_is_refused(
    hclient: httpx.AsyncClient, db_session: Session
) -> None:
    sender = link_platform(db_session, Platform.slack, TEAM, "+32470000001")
    ref = {"platform": "slack", "team_id": "T0OTHER", "channel_id": "D0DM"}

    response = await hclient.post(
        f"{API}/handoffs", json={**HANDOFF_BODY, "conversation_ref": ref},
        headers=as_bot("slack", sender),
    )  # fmt: skip

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_conversation_ref"


async def test_teams_conversation_gets_the_agent_reply_through_the_connector(
    hclient: httpx.AsyncClient, db_session: Session, botframework: FakeBotFramework
) -> None:
    sender = link_platform(db_session, Platform.teams, TENANT, "+32470000051")
    agent = await bearer(hclient, *AGENT)
    ref = {
        "platform": "teams",
        "service_url": botframework.service_url,
        "conversation_id": "a:1conv",
        "tenant_id": TENANT,
        "bot_id": f"28:{DEFAULT_APP_ID}",
        "user_id": "29:1user",
    }
    handoff_id = (
        await open_handoff(hclient, "botframework", sender, conversation_ref=ref, language="nl")
    )["id"]
    base = f"{API}/agent/handoffs/{handoff_id}"

    await hclient.post(f"{base}/take", headers=agent)
    reply = await hclient.post(f"{base}/messages", json={"text": "Ik kijk even."}, headers=agent)

    assert reply.json()["delivered"] is True
    posted = botframework.posted(conversation_id="a:1conv")
    assert [activity["text"] for activity in posted] == [
        "Nora van de helpdesk neemt het gesprek over.",
        "Nora: Ik kijk even.",
    ]
    assert posted[1]["recipient"] == {"id": "29:1user"}
    assert botframework.token_requests == 1  # the connector token is reused


async def test_failed_delivery_is_reported_not_raised(
    hclient: httpx.AsyncClient, db_session: Session
) -> None:
    sender = link_platform(db_session, Platform.slack, TEAM, "+32470000001")
    agent = await bearer(hclient, *AGENT)
    handoff_id = (await open_handoff(hclient, "slack", sender))["id"]  # no conversation_ref
    base = f"{API}/agent/handoffs/{handoff_id}"

    await hclient.post(f"{base}/take", headers=agent)
    reply = await hclient.post(f"{base}/messages", json={"text": "Allô ?"}, headers=agent)

    assert reply.status_code == 201
    assert reply.json()["delivered"] is False


async def test_agent_routes_need_an_agent(hclient: httpx.AsyncClient) -> None:
    sender = await web_sender(hclient, ACME_USER)
    handoff_id = (await open_handoff(hclient, "rest", sender))["id"]
    brugge = await bearer(hclient, *BRUGGE_FM)
    end_user = await bearer(hclient, *ACME_USER)
    agent = await bearer(hclient, *AGENT)

    no_token = await hclient.get(f"{API}/agent/handoffs")
    as_user = await hclient.get(f"{API}/agent/handoffs/{handoff_id}", headers=end_user)
    as_other_company = await hclient.get(f"{API}/agent/handoffs/{handoff_id}", headers=brugge)
    take_as_user = await hclient.post(f"{API}/agent/handoffs/{handoff_id}/take", headers=end_user)
    as_the_bot = await hclient.get(f"{API}/agent/handoffs", headers=as_bot("rest", sender))
    unknown = await hclient.get(f"{API}/agent/handoffs/999999", headers=agent)

    assert no_token.status_code == 401
    assert as_user.status_code == 403
    assert as_other_company.status_code == 403
    assert take_as_user.status_code == 403
    assert as_the_bot.status_code == 401  # the service key is no agent credential
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "handoff_not_found"


async def test_bot_side_only_sees_its_own_conversation(hclient: httpx.AsyncClient) -> None:
    acme_sender = await web_sender(hclient, ACME_USER)
    brugge_sender = await web_sender(hclient, BRUGGE_FM)
    await open_handoff(hclient, "rest", acme_sender)
    portal_user = await bearer(hclient, *ACME_USER)

    other = await hclient.get(f"{API}/handoffs/current", headers=as_bot("rest", brugge_sender))
    write = await hclient.post(
        f"{API}/handoffs/current/messages", json={"text": "hi"},
        headers=as_bot("rest", brugge_sender),
    )  # fmt: skip
    by_bearer = await hclient.post(f"{API}/handoffs", json=HANDOFF_BODY, headers=portal_user)
    unknown_sender = await hclient.post(
        f"{API}/handoffs", json=HANDOFF_BODY, headers=as_bot("rest", "guessed")
    )

    assert other.status_code == 404
    assert write.status_code == 409
    assert by_bearer.status_code == 403
    assert unknown_sender.status_code == 401


async def test_another_agent_cannot_answer_a_taken_conversation(
    hclient: httpx.AsyncClient, db_session: Session, settings: Settings
) -> None:
    sender = await web_sender(hclient, ACME_USER)
    agent = await bearer(hclient, *AGENT)
    handoff_id = (await open_handoff(hclient, "rest", sender))["id"]
    await hclient.post(f"{API}/agent/handoffs/{handoff_id}/take", headers=agent)
    second = Account(
        gsm="+32470000098", first_name="Tom", language=Language.nl,
        role=Role.helpdesk_agent, active_role=Role.helpdesk_agent, status=AccountStatus.active,
    )  # fmt: skip
    db_session.add(second)
    db_session.commit()
    token, _ = create_access_token(settings=settings, account_id=second.id)
    other = {"Authorization": f"Bearer {token}"}

    take = await hclient.post(f"{API}/agent/handoffs/{handoff_id}/take", headers=other)
    reply = await hclient.post(
        f"{API}/agent/handoffs/{handoff_id}/messages", json={"text": "x"}, headers=other
    )

    assert take.status_code == 409
    assert take.json()["error"]["code"] == "handoff_taken"
    assert reply.status_code == 409


async def test_console_uses_the_portal_cookie_with_csrf(hclient: httpx.AsyncClient) -> None:
    sender = await web_sender(hclient, ACME_USER)
    handoff_id = (await open_handoff(hclient, "rest", sender))["id"]

    anonymous = await hclient.get("/agent")
    login = await hclient.post(
        "/portal/login", data={"gsm": AGENT[0], "password": AGENT[1], "next": "/agent"}
    )
    page = await hclient.get("/agent")
    csrf = page.text.split('name="csrf-token" content="')[1].split('"')[0]
    queue = await hclient.get(f"{API}/agent/handoffs")
    without_csrf = await hclient.post(f"{API}/agent/handoffs/{handoff_id}/take")
    with_csrf = await hclient.post(
        f"{API}/agent/handoffs/{handoff_id}/take", headers={"X-CSRF-Token": csrf}
    )

    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/portal?next=/agent"
    assert login.status_code == 303 and login.headers["location"] == "/agent"
    assert page.status_code == 200 and "Helpdesk console" in page.text
    assert any(item["id"] == handoff_id for item in queue.json())
    assert without_csrf.status_code == 403
    assert with_csrf.status_code == 200


async def test_console_page_is_refused_to_customers(hclient: httpx.AsyncClient) -> None:
    await hclient.post("/portal/login", data={"gsm": ACME_USER[0], "password": ACME_USER[1]})

    page = await hclient.get("/agent")

    assert page.status_code == 403


@pytest.mark.parametrize(
    ("hours", "moment", "is_open"),
    [
        ("Mon-Fri 08:00-18:00 Europe/Brussels", "2026-11-26T07:30:00+00:00", True),  # 08:30
        ("Mon-Fri 08:00-18:00 Europe/Brussels", "2026-11-26T06:59:00+00:00", False),  # 07:59
        ("Mon-Fri 08:00-18:00 Europe/Brussels", "2026-11-26T17:00:00+00:00", False),  # 18:00
        ("Mon-Fri 08:00-18:00 Europe/Brussels", "2026-11-28T10:00:00+00:00", False),  # Saturday
        ("Sat-Mon 00:00-24:00 UTC", "2026-11-29T23:59:00+00:00", True),  # Sunday, wraps
        ("Sat-Mon 00:00-24:00 UTC", "2026-11-26T12:00:00+00:00", False),  # Thursday
    ],
)
def test_support_hours(hours: str, moment: str, is_open: bool) -> None:
    assert SupportHours.parse(hours).is_open(datetime.fromisoformat(moment)) is is_open


@pytest.mark.parametrize(
    "hours", ["always", "Mon-Fri 18:00-08:00 UTC", "Mon-Fri 08:00-18:00 Mars/Olympus"]
)
def test_bad_support_hours_are_refused(hours: str) -> None:
    with pytest.raises(ValueError):
        SupportHours.parse(hours)


async def test_the_user_can_stop_waiting_but_not_leave_an_agent(
    hclient: httpx.AsyncClient,
) -> None:
    sender = await web_sender(hclient, ACME_USER)
    agent = await bearer(hclient, *AGENT)
    first = await open_handoff(hclient, "rest", sender)

    cancelled = await hclient.post(f"{API}/handoffs/current/cancel", headers=as_bot("rest", sender))
    again = await hclient.post(f"{API}/handoffs/current/cancel", headers=as_bot("rest", sender))
    second = await open_handoff(hclient, "rest", sender)
    await hclient.post(f"{API}/agent/handoffs/{second['id']}/take", headers=agent)
    with_agent = await hclient.post(
        f"{API}/handoffs/current/cancel", headers=as_bot("rest", sender)
    )

    assert cancelled.json() == {"id": first["id"], "status": "closed", "queue_position": 0}
    assert again.status_code == 409 and again.json()["error"]["code"] == "handoff_not_active"
    assert second["id"] != first["id"]
    assert with_agent.status_code == 409
    assert with_agent.json()["error"]["code"] == "handoff_active"
