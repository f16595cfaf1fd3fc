"""Fixtures for the action tests: a fresh fake backend and dispatcher per test."""

import pytest
from rasa_sdk.executor import CollectingDispatcher

from tests.actions.support import FakeBackend


@pytest.fixture
def backend() -> FakeBackend:
    return FakeBackend()


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()
