"""Fixtures that start the real backend, action server and Rasa server on free ports."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from scripts.stack import ROOT, Ports, Stack


@pytest.fixture(scope="session")
def model() -> Path:
    """The trained model for the current data (trained here only if the cache lacks it)."""
    out = subprocess.run(
        [str(ROOT / "scripts" / "train.sh")], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return Path(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def stack(model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """All three services on a fresh SQLite database and tracker store of their own."""
    state = tmp_path_factory.mktemp("stack")
    services = Stack(
        model=model,
        ports=Ports.free(),
        log_dir=state / "log",
        env={
            "DATABASE_URL": f"sqlite:///{state / 'backend.db'}",
            "TRACKER_DB": str(state / "tracker.db"),
            "MAIL_BACKEND": "outbox",
        },
    )
    services.prepare_database()
    with services:
        yield services


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


def open_chat(stack: Stack, gsm: str, password: str) -> Chat:
    login = httpx.post(
        f"{stack.backend_url}/api/v1/auth/login", json={"gsm": gsm, "password": password}
    )
    login.raise_for_status()
    token = login.json()["access_token"]
    session = httpx.post(
        f"{stack.backend_url}/api/v1/chat/sessions", headers={"Authorization": f"Bearer {token}"}
    )
    session.raise_for_status()
    return Chat(stack=stack, token=token, sender_id=session.json()["sender_id"])


@pytest.fixture
def acme_fleet_manager(stack: Stack) -> Chat:
    return open_chat(stack, "0470 00 00 01", "acme-fleet-demo")


@pytest.fixture
def acme_end_user(stack: Stack) -> Chat:
    return open_chat(stack, "+32 470 00 00 02", "acme-user-demo")


@pytest.fixture
def brugge_fleet_manager(stack: Stack) -> Chat:
    return open_chat(stack, "+32470000051", "brugge-fleet-demo")
