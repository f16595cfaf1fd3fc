"""The real stack with its Slack and Teams channels pointed at fakes on 127.0.0.1.

Slack requests are signed with ``SLACK_SECRET``; Teams tokens are signed with the fake Bot
Framework's RSA key, whose public half the channel fetches from the fake's OpenID metadata.
"""

from __future__ import annotations

import json
import os
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.model_cache import cached_model
from scripts.stack import Stack
from tests.fakes.botframework import FakeBotFramework
from tests.fakes.slack_api import FakeSlackApi, sign_slack_request
from tests.stack_fixtures import fresh_stack

SLACK_SECRET = "test-slack-signing-secret"
SLACK_TEAM = "T0ACMETEAM"
RASA_TOKEN = "dev-rasa-auth-token"


@pytest.fixture(scope="session")
def model() -> Path:
    """The trained model for the current data (as in tests/e2e; trained only if not cached).

    ``BMA_TEST_MODEL=/path/model.tar.gz`` runs against a given model instead (while iterating
    on channel code only, when the data changes underneath).
    """
    if given := os.environ.get("BMA_TEST_MODEL"):
        return Path(given)
    return cached_model()


@pytest.fixture(scope="session")
def slack_api() -> Iterator[FakeSlackApi]:
    with FakeSlackApi(team_id=SLACK_TEAM) as fake:
        yield fake


@pytest.fixture(scope="session")
def bot_framework() -> Iterator[FakeBotFramework]:
    with FakeBotFramework() as fake:
        yield fake


@pytest.fixture(scope="session")
def channel_stack(
    model: Path,
    slack_api: FakeSlackApi,
    bot_framework: FakeBotFramework,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    """Backend, action server and Rasa with the channels' credentials pointing at the fakes."""
    services = fresh_stack(
        model,
        tmp_path_factory.mktemp("channel-stack"),
        {
            "RASA_AUTH_TOKEN": RASA_TOKEN,
            "SLACK_BOT_TOKEN": slack_api.bot_token,
            "SLACK_SIGNING_SECRET": SLACK_SECRET,
            "SLACK_API_BASE_URL": slack_api.base_url,
            "BOTFRAMEWORK_APP_ID": bot_framework.app_id,
            "BOTFRAMEWORK_APP_PASSWORD": bot_framework.app_password,
            "BOTFRAMEWORK_OPENID_URL": bot_framework.openid_url,
            "BOTFRAMEWORK_TOKEN_URL": bot_framework.token_url,
        },
    )
    with services:
        yield services


def user_turns(stack: Stack, sender_id: str) -> int:
    """How many user messages Rasa processed for ``sender_id`` (its tracker, over the HTTP API).

    Counted, not compared by text: the tracker store masks stored user texts (bot/pii.py).
    """
    response = httpx.get(
        # ":" stays as is: Rasa does not decode %3A in the path.
        f"{stack.rasa_url}/conversations/{sender_id}/tracker",
        params={"token": RASA_TOKEN},
        timeout=10.0,
    )
    response.raise_for_status()
    return sum(1 for event in response.json()["events"] if event["event"] == "user")


def link_code(stack: Stack, gsm: str, password: str) -> tuple[str, dict[str, str]]:
    """A fresh link code minted by the backend for a portal login, and that login's auth."""
    login = httpx.post(
        f"{stack.backend_url}/api/v1/auth/login", json={"gsm": gsm, "password": password}
    )
    login.raise_for_status()
    auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
    minted = httpx.post(f"{stack.backend_url}/api/v1/chat/link-codes", headers=auth)
    minted.raise_for_status()
    return str(minted.json()["code"]), auth


def api(stack: Stack, auth: dict[str, str], path: str) -> Any:
    response = httpx.get(f"{stack.backend_url}/api/v1{path}", headers=auth, timeout=10.0)
    response.raise_for_status()
    return response.json()


@dataclass
class SlackUser:
    """One Slack user writing to the bot in a DM, through signed Events API requests."""

    stack: Stack
    api: FakeSlackApi
    user_id: str = field(default_factory=lambda: f"U{uuid.uuid4().hex[:10].upper()}")
    team_id: str = SLACK_TEAM

    @property
    def channel(self) -> str:
        return f"D{self.user_id[1:]}"

    @property
    def sender_id(self) -> str:
        return f"{self.team_id}:{self.user_id}"

    def event(self, text: str, *, event_id: str | None = None) -> dict[str, Any]:
        return {
            "token": "unused",
            "team_id": self.team_id,
            "api_app_id": "A0BMA",
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:12].upper()}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": self.team_id, "user_id": "U0FAKEBOT", "is_bot": True}],
            "event": {
                "type": "message",
                "channel_type": "im",
                "channel": self.channel,
                "user": self.user_id,
                "team": self.team_id,
                "text": text,
                "ts": f"{time.time():.6f}",
            },
        }

    def post(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        return httpx.post(
            f"{self.stack.rasa_url}/webhooks/slack/webhook",
            content=body,
            headers=headers,
            timeout=10.0,
        )

    def send_event(self, event: dict[str, Any], **extra_headers: str) -> httpx.Response:
        body = json.dumps(event).encode()
        headers = {"content-type": "application/json", **sign_slack_request(SLACK_SECRET, body)}
        return self.post(body, {**headers, **extra_headers})

    def click(self, value: str) -> httpx.Response:
        """A ``block_actions`` interaction: the user clicked a button with this value."""
        payload = {
            "type": "block_actions",
            "trigger_id": f"{uuid.uuid4().int}",
            "team": {"id": self.team_id},
            "user": {"id": self.user_id, "team_id": self.team_id},
            "channel": {"id": self.channel},
            "message": {"ts": f"{time.time():.6f}"},
            "actions": [
                {"type": "button", "action_id": "bma_button_0", "value": value,
                 "action_ts": f"{time.time():.6f}"}
            ],
        }  # fmt: skip
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        headers = {
            "content-type": "application/x-www-form-urlencoded",
            **sign_slack_request(SLACK_SECRET, body),
        }
        return self.post(body, headers)

    def replies_to(self, send: httpx.Response, before: int) -> list[dict[str, Any]]:
        """The messages the bot posted after ``before`` earlier ones, once it went quiet."""
        assert send.status_code == 200, send.text
        self.api.wait_for_messages(before + 1, channel=self.channel)
        return self._settled(before)

    def _settled(self, before: int) -> list[dict[str, Any]]:
        # Replies of one turn arrive within moments of each other: wait until none come.
        seen = -1
        while (count := len(self.api.messages(channel=self.channel))) != seen:
            seen = count
            time.sleep(0.7)
        return self.api.messages(channel=self.channel)[before:]

    def say(self, text: str) -> str:
        before = len(self.api.messages(channel=self.channel))
        replies = self.replies_to(self.send_event(self.event(text)), before)
        return "\n".join(str(message.get("text", "")) for message in replies)


@pytest.fixture
def slack_user(channel_stack: Stack, slack_api: FakeSlackApi) -> SlackUser:
    return SlackUser(stack=channel_stack, api=slack_api)


@dataclass
class TeamsUser:
    """One Teams user in a personal chat with the bot, through signed Bot Framework requests."""

    stack: Stack
    fake: FakeBotFramework
    aad_object_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    conversation_id: str = field(default_factory=lambda: f"a:1{uuid.uuid4().hex}")

    @property
    def sender_id(self) -> str:
        return f"{self.fake.activity()['conversation']['tenantId']}:{self.aad_object_id}"

    def activity(self, text: str | None = None, *, value: Any = None) -> dict[str, Any]:
        return self.fake.activity(
            text, conversation_id=self.conversation_id, aad_object_id=self.aad_object_id,
            value=value,
        )  # fmt: skip

    def post(self, activity: dict[str, Any], token: str | None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.post(
            f"{self.stack.rasa_url}/webhooks/botframework/webhook",
            json=activity,
            headers=headers,
            timeout=10.0,
        )

    def send(self, activity: dict[str, Any]) -> list[dict[str, Any]]:
        """Post with a valid channel token; the bot's activities for this turn."""
        before = len(self.fake.posted(conversation_id=self.conversation_id))
        answer = self.post(activity, self.fake.channel_token())
        assert answer.status_code in (200, 202), answer.text
        self.fake.wait_for_activities(before + 1, conversation_id=self.conversation_id)
        seen = -1
        while (count := len(self.fake.posted(conversation_id=self.conversation_id))) != seen:
            seen = count
            time.sleep(0.7)
        return self.fake.posted(conversation_id=self.conversation_id)[before:]

    def say(self, text: str) -> str:
        return "\n".join(str(reply.get("text", "")) for reply in self.send(self.activity(text)))


@pytest.fixture
def teams_user(channel_stack: Stack, bot_framework: FakeBotFramework) -> TeamsUser:
    return TeamsUser(stack=channel_stack, fake=bot_framework)
