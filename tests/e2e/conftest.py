"""Fixtures that start the real backend, action server and Rasa server on free ports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.model_cache import cached_model

# Chat and open_chat live in scripts/ so bench/load.py can use them too; re-exported here for the
# tests that import them from this module.
from scripts.chat_session import Chat, open_chat
from scripts.stack import Stack
from tests.stack_fixtures import fresh_stack

__all__ = ["Chat", "open_chat"]


@pytest.fixture(scope="session")
def model() -> Path:
    """The trained model for the current data (trained here only if the cache lacks it)."""
    return cached_model()


@pytest.fixture(scope="session")
def stack(model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """All three services on a fresh SQLite database and tracker store of their own."""
    services = fresh_stack(model, tmp_path_factory.mktemp("stack"))
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
