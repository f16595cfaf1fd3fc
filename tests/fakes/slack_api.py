"""A fake Slack Web API on 127.0.0.1 that records what the bot posts, plus request signing.

Point the Rasa channel at it with ``SLACK_API_BASE_URL=<fake.base_url>`` (trailing slash, like
``https://slack.com/api/``). Every ``POST /api/<method>`` is recorded with its parameters and
bearer token; ``chat.postMessage`` answers like Slack (``ok``, ``channel``, ``ts``), a wrong token
answers ``invalid_auth``. ``sign_slack_request`` builds the ``X-Slack-Signature`` headers Slack
sends, so tests can post signed events to ``/webhooks/slack/webhook``.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import threading
import time
from dataclasses import dataclass
from typing import Any

from tests.fakes.server import (
    FakeRequest,
    FakeResponse,
    FakeServer,
    ServedFake,
    at_least,
    wait_until,
)

DEFAULT_BOT_TOKEN = "xoxb-test-bot-token"
DEFAULT_TEAM_ID = "T0FAKETEAM"
BOT_USER_ID = "U0FAKEBOT"


@dataclass(frozen=True)
class SlackCall:
    """One Web API call: method name (``chat.postMessage``), parameters and bearer token."""

    method: str
    params: dict[str, Any]
    token: str | None


def sign_slack_request(secret: str, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    """The signature headers Slack puts on a request with this body (v0 HMAC-SHA256)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest.hexdigest()}"}


class FakeSlackApi(ServedFake):
    """Records Web API calls; ``wait_for_messages`` blocks until the bot has posted enough."""

    def __init__(self, *, bot_token: str = DEFAULT_BOT_TOKEN, team_id: str = DEFAULT_TEAM_ID):
        self.bot_token = bot_token
        self.team_id = team_id
        self.calls: list[SlackCall] = []
        self._changed = threading.Condition()
        self._ts = itertools.count(1)
        self._server = FakeServer(self._handle)

    @property
    def base_url(self) -> str:
        """What ``SLACK_API_BASE_URL`` must be (ends with a slash, like Slack's)."""
        return f"{self._server.url}/api/"

    def _handle(self, request: FakeRequest) -> FakeResponse:
        if request.method != "POST" or not request.path.startswith("/api/"):
            return FakeResponse(404, {"ok": False, "error": "unknown_method"})
        method = request.path.removeprefix("/api/")
        auth = request.headers.get("authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
        params = request.params()
        with self._changed:
            self.calls.append(SlackCall(method=method, params=params, token=token))
            self._changed.notify_all()
        if token != self.bot_token:
            return FakeResponse(200, {"ok": False, "error": "invalid_auth"})
        if method == "chat.postMessage":
            ts = f"{int(time.time())}.{next(self._ts):06d}"
            return FakeResponse(
                200, {"ok": True, "channel": params.get("channel"), "ts": ts, "message": params}
            )
        if method == "auth.test":
            return FakeResponse(200, {"ok": True, "team_id": self.team_id, "user_id": BOT_USER_ID})
        return FakeResponse(200, {"ok": True})

    def messages(self, *, channel: str | None = None) -> list[dict[str, Any]]:
        """Parameters of every authorised ``chat.postMessage`` so far (optionally one channel)."""
        with self._changed:
            return [
                call.params
                for call in self.calls
                if call.method == "chat.postMessage"
                and call.token == self.bot_token
                and (channel is None or call.params.get("channel") == channel)
            ]

    def wait_for_messages(
        self,
        count: int,
        *,
        channel: str | None = None,
        saying: str | None = None,
        timeout: float = 30.0,
    ) -> list[dict[str, Any]]:
        """At least ``count`` posted messages (of ``channel``) and, with ``saying``, one with
        that text (a message that may come a while after the others of its turn), or
        ``TimeoutError``."""
        return wait_until(
            self._changed,
            lambda: self.messages(channel=channel),
            at_least(count, saying),
            f"{count} Slack messages" + (f" saying {saying!r}" if saying else ""),
            timeout,
        )
