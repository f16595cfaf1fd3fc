"""A stack of the three real services for the privacy tests, its files kept for the grep."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.stack import Stack
from tests.actions.conftest import backend, dispatcher  # noqa: F401 - action test fixtures
from tests.e2e.conftest import model  # noqa: F401 - the cached trained model fixture
from tests.stack_fixtures import fresh_stack

# Seconds without a saved event after which the erasure job may delete a conversation (the test
# stack has no shared lock store); short so that the test does not wait for minutes.
QUIET_SECONDS = 2


@pytest.fixture(scope="module")
def privacy_stack(model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:  # noqa: F811
    """Backend, action server and Rasa (debug logging) on a fresh database and tracker store."""
    services = fresh_stack(
        model,
        tmp_path_factory.mktemp("privacy-stack"),
        {
            # Rasa logs every message, parse result and slot at debug: the masks must hold there.
            "LOG_LEVEL": "DEBUG",
            "ERASURE_QUIET_SECONDS": str(QUIET_SECONDS),
        },
    )
    with services:
        yield services
