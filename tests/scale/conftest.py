"""Fixtures of the scale-out tests: the production layout (two Rasa servers on PostgreSQL and
Redis) started on loopback by `bench.lock_race`, so the test and the benchmark run the same code.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.lock_race import REDIS_HOST, REDIS_PORT, running_stack
from bench.model_cache import cached_model
from scripts.stack import Stack


def _answers(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=3):
        return True
    return False


@pytest.fixture(scope="session")
def services_needed() -> None:
    """PostgreSQL and Redis on 127.0.0.1 (CI has both; a laptop may not)."""
    missing = [
        name
        for name, port in (("PostgreSQL", 5432), ("Redis", REDIS_PORT))
        if not _answers(REDIS_HOST, port)
    ]
    if missing:
        pytest.skip(f"not reachable on 127.0.0.1: {', '.join(missing)}")


@pytest.fixture(scope="session")
def model() -> Path:
    return cached_model()


@pytest.fixture(scope="session")
def scale_stack(
    services_needed: None, model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """Backend (PostgreSQL, 2 workers), action server, two Rasa servers with our lock store."""
    with running_stack("ours", model, tmp_path_factory.mktemp("scale")) as stack:
        yield stack
