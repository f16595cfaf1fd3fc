"""Fixtures that start the real backend, action server and Rasa server on free ports."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

# Chat and open_chat live in scripts/ so bench/load.py can use them too; re-exported here for the
# tests that import them from this module.
from scripts.chat_session import Chat, open_chat
from scripts.stack import ROOT, Ports, Stack

__all__ = ["Chat", "open_chat"]


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


@pytest.fixture
def acme_fleet_manager(stack: Stack) -> Chat:
    return open_chat(stack, "0470 00 00 01", "acme-fleet-demo")


@pytest.fixture
def acme_end_user(stack: Stack) -> Chat:
    return open_chat(stack, "+32 470 00 00 02", "acme-user-demo")


@pytest.fixture
def brugge_fleet_manager(stack: Stack) -> Chat:
    return open_chat(stack, "+32470000051", "brugge-fleet-demo")
