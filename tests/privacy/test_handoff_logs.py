"""Issue #15, item 4, end to end: after web handoffs handed back and closed, no log of the three
services holds Rasa's API token or the conversation's sender id, and after the user logged out
that sender id no longer lists her invoices on Rasa's REST channel."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx

from tests.stack_fixtures import fresh_stack

ACME_USER = {"gsm": "+32470000002", "password": "acme-user-demo"}
AGENT = {"gsm": "+32470000099", "password": "agent-demo"}
INVOICE = "F2026-000106"  # the Acme end user's latest invoice (backend/seed)


class WebUser:
    """A portal login chatting through the backend's gateway, as the widget does."""

    def __init__(self, backend_url: str) -> None:
        self.client = httpx.Client(base_url=backend_url, timeout=60.0)
        login = self.client.post("/portal/login", data=ACME_USER)
        assert login.status_code == 303, login.text
        self.csrf = self.client.get("/portal/session").json()["csrf_token"]

    def say(self, text: str) -> str:
        response = self.client.post(
            "/portal/chat/messages", json={"text": text}, headers={"X-CSRF-Token": self.csrf}
        )
        response.raise_for_status()
        return "\n".join(message["text"] for message in response.json()["messages"])

    def logout(self) -> None:
        assert self.client.post("/portal/logout", data={"csrf_token": self.csrf}).is_redirect


def handoff_to_agent(user: WebUser, agent: httpx.Client) -> str:
    """The user asks for a person; the agent takes the conversation and answers: its base URL."""
    user.say("je veux parler à quelqu'un")
    waiting: list[dict[str, Any]] = agent.get("/handoffs", params={"status": "waiting"}).json()
    [mine] = [item for item in waiting if item["user"]["gsm"] == ACME_USER["gsm"]]
    base = f"/handoffs/{mine['id']}"
    agent.post(f"{base}/take").raise_for_status()
    agent.post(f"{base}/messages", json={"text": "Bonjour, ici Nora."}).raise_for_status()
    return base


def test_handoffs_leave_no_token_or_sender_id_in_any_log_and_logout_ends_the_sender(
    model: Path, tmp_path: Path
) -> None:
    # Rasa at debug logs each conversation's id on every turn; unbuffered output, so that what
    # is read below is all that was written.
    stack = fresh_stack(model, tmp_path, {"LOG_LEVEL": "DEBUG", "PYTHONUNBUFFERED": "1"})
    token = stack.base_env()["RASA_AUTH_TOKEN"]
    with stack:
        user = WebUser(stack.backend_url)
        assert INVOICE in user.say("mes factures")
        login = httpx.post(
            f"{stack.backend_url}/api/v1/auth/login",
            json=AGENT,
        )
        agent = httpx.Client(
            base_url=f"{stack.backend_url}/api/v1/agent",
            headers={"Authorization": f"Bearer {login.json()['access_token']}"},
            timeout=30.0,
        )
        back = agent.post(f"{handoff_to_agent(user, agent)}/hand-back").json()
        assert back["bot_notified"] is True
        closed = agent.post(f"{handoff_to_agent(user, agent)}/close").json()
        assert closed["bot_notified"] is True
        assert INVOICE in user.say("mes factures")

        with sqlite3.connect(tmp_path / "backend.db") as db:
            [(sender,)] = db.execute("SELECT sender_id FROM chat_sessions").fetchall()
        user.logout()
        replay = httpx.post(
            f"{stack.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": "mes factures"},
            timeout=60.0,
        )
        replay.raise_for_status()
        assert replay.json(), "the bot answers (asks to log in)"
        assert INVOICE not in str(replay.json())

    logs = {log.name: log.read_text(errors="replace") for log in stack.log_dir.glob("*.log")}
    assert {"backend.log", "actions.log", "rasa.log"} <= set(logs)
    for name, text in logs.items():
        assert token not in text, name
        assert sender not in text, name
    # The conversation was logged (as a digest): the test looked where it would have been.
    assert "[SENDER:" in logs["rasa.log"]
