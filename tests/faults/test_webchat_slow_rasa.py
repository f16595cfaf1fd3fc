"""A slow Rasa behind the web chat gateway (issue #15): no lost and no doubled turns.

The real backend, action server and Rasa server; the proxy between the backend's gateway and
Rasa forwards each message at once (Rasa processes it) and holds Rasa's answer past the gateway's
10 s budget. The user is told the assistant is still working, the answer is stored when it comes
and shown by the next poll and after a reload, and a retry of the same message (same client id)
never reaches Rasa a second time: the proxy counts the messages and Rasa's tracker has one user
turn for it.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from backend.core.models import Language
from backend.webchat.service import ANSWER_BUDGET_SECONDS, STILL_WORKING
from scripts.stack import Stack
from tests.fakes.faulty_backend import FaultyBackend
from tests.faults.conftest import record

pytestmark = pytest.mark.e2e

REST_WEBHOOK = "/webhooks/rest/webhook"
ACME_USER = ("+32470000002", "acme-user-demo")  # Julie, French
# Rasa's answer reaches the gateway this long after the message: past its budget.
SLOW_SECONDS = ANSWER_BUDGET_SECONDS + 3.0
MESSAGES = "/portal/chat/messages"


class WebUser:
    """A portal user chatting through the gateway like the widget (cookie, CSRF, client ids)."""

    def __init__(self, stack: Stack) -> None:
        self.client = httpx.Client(base_url=stack.backend_url, timeout=60.0)
        login = self.client.post(
            "/portal/login", data={"gsm": ACME_USER[0], "password": ACME_USER[1]}
        )
        assert login.status_code == 303, login.text
        self.csrf = self.client.get("/portal/session").json()["csrf_token"]

    def send(self, text: str, client_id: str) -> dict[str, Any]:
        response = self.client.post(
            MESSAGES,
            json={"text": text, "client_id": client_id},
            headers={"X-CSRF-Token": self.csrf},
        )
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def history(self) -> dict[str, Any]:
        body: dict[str, Any] = self.client.get(MESSAGES).json()
        return body


@pytest.fixture
def web_user(stack: Stack) -> Iterator[WebUser]:
    user = WebUser(stack)
    yield user
    user.client.close()


def sender_of(stack: Stack, client_id: str) -> str:
    """The Rasa sender id of the conversation where ``client_id`` was sent (backend database)."""
    path = stack.env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        row = connection.execute(
            "SELECT s.sender_id FROM web_turns t JOIN chat_sessions s ON s.id = t.chat_session_id"
            " WHERE t.client_id = ?",
            (client_id,),
        ).fetchone()
    assert row is not None, client_id
    return str(row[0])


def user_texts(stack: Stack, sender_id: str) -> list[str]:
    """The user messages in Rasa's tracker of ``sender_id``."""
    response = httpx.get(
        f"{stack.rasa_url}/conversations/{sender_id}/tracker",
        params={"token": stack.base_env()["RASA_AUTH_TOKEN"]},
        timeout=10.0,
    )
    response.raise_for_status()
    return [e.get("text") for e in response.json()["events"] if e["event"] == "user"]


def wait_for_answer(user: WebUser, timeout: float) -> dict[str, Any]:
    """Poll like the widget until no answer is pending."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        history = user.history()
        if not history["pending"]:
            return history
        time.sleep(0.5)
    raise AssertionError("the late answer never arrived")


def test_a_slow_answer_is_delivered_late_and_a_retry_is_not_a_second_turn(
    stack: Stack, rasa_proxy: FaultyBackend, web_user: WebUser
) -> None:
    web_user.send("bonjour", "warm-up-0123456789")  # the greeting, at full speed
    rasa_proxy.slow_down(SLOW_SECONDS, path_contains=REST_WEBHOOK)
    client_id = "slow-turn-0123456789"

    started = time.monotonic()
    first = web_user.send("je veux ouvrir un ticket", client_id)
    answered_after = time.monotonic() - started
    retry = web_user.send("je veux ouvrir un ticket", client_id)
    late = wait_for_answer(web_user, timeout=SLOW_SECONDS + 20)
    delivered_after = time.monotonic() - started
    rasa_proxy.clear()
    retry_after_answer = web_user.send("je veux ouvrir un ticket", client_id)
    reload = web_user.history()

    record("web chat: Rasa slow", "answer held 13 s", "fr", answered_after, "still working")
    record("web chat: Rasa slow", "answer held 13 s", "fr", delivered_after, "late answer shown")
    assert first["pending"] is True
    assert [m["author"] for m in first["messages"]] == ["user", "system"]
    assert first["messages"][1]["text"] == STILL_WORKING[Language.fr]
    assert answered_after < ANSWER_BUDGET_SECONDS + 2
    assert retry == first  # answered from the stored turn
    # The form's question (the ticket's subject), after the note, and still there on reload.
    texts = [(m["author"], m["text"]) for m in late["messages"]]
    note = texts.index(("system", STILL_WORKING[Language.fr]))
    assert texts[note + 1][0] == "bot"
    assert "sujet" in texts[note + 1][1]
    assert reload["messages"] == late["messages"]
    assert retry_after_answer["pending"] is False
    assert retry_after_answer["messages"] == late["messages"][note - 1 :]
    # One message through the proxy for the three sends of the client id (after the warm-up),
    # and one user turn in Rasa: the retry was never read against the form's next question.
    sent = rasa_proxy.requests_to("POST", REST_WEBHOOK)
    assert [r.upstream_status for r in sent] == [200, 200]
    assert user_texts(stack, sender_of(stack, client_id)) == ["bonjour", "je veux ouvrir un ticket"]
