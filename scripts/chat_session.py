"""A logged-in portal account chatting over Rasa's REST channel.

Shared by ``tests/e2e`` (fixtures), ``bench/load.py`` and ``make chat``, so the benchmark does not
import test modules: login on the backend, a chat session bound to the account, then messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from scripts.stack import Stack

# Opening words of `utter_line_consumption` (domain.yml) per language, i.e. the answer's
# language: the e2e tests assert them, the load bench checks that a turn took the product's path.
CONSUMPTION_OPENING = {"fr": "Consommation du", "nl": "Verbruik van", "en": "Usage of"}


@dataclass
class Chat:
    """One logged-in portal account chatting over Rasa's REST channel."""

    stack: Stack
    token: str
    sender_id: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def say(self, message: str) -> str:
        """Send a message and return the bot's replies joined into one text."""
        response = httpx.post(
            f"{self.stack.rasa_url}/webhooks/rest/webhook",
            json={"sender": self.sender_id, "message": message},
            timeout=30.0,
        )
        response.raise_for_status()
        return "\n".join(reply.get("text", "") for reply in response.json())

    def api(self, path: str, **params: str) -> Any:
        """Read the portal API as this account, to compare the bot's answers with the data."""
        response = httpx.get(
            f"{self.stack.backend_url}/api/v1{path}", params=params, headers=self.auth, timeout=10.0
        )
        response.raise_for_status()
        return response.json()


def open_session(backend_url: str, gsm: str, password: str) -> tuple[str, str]:
    """Log in as this account and open a chat session: (access token, bound sender id)."""
    login = httpx.post(f"{backend_url}/api/v1/auth/login", json={"gsm": gsm, "password": password})
    login.raise_for_status()
    token = login.json()["access_token"]
    session = httpx.post(
        f"{backend_url}/api/v1/chat/sessions", headers={"Authorization": f"Bearer {token}"}
    )
    session.raise_for_status()
    return token, session.json()["sender_id"]


def open_chat(stack: Stack, gsm: str, password: str) -> Chat:
    """A chat of this account on ``stack`` (the backend binds the sender id to the account)."""
    token, sender_id = open_session(stack.backend_url, gsm, password)
    return Chat(stack=stack, token=token, sender_id=sender_id)
