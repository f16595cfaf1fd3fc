"""Web chat turns (issue #15): a retried message reaches Rasa once, a slow answer is delivered
late instead of lost, and the user hears "still working on it" in their language.

Rasa is the fake REST webhook of ``test_backend_portal`` on 127.0.0.1; the turn runner's worker
writes through a session on the test's own connection, so its work is rolled back too.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.orm import Session

from backend.core.models import Language, utcnow
from backend.core.settings import Settings
from backend.webchat import service as webchat
from backend.webchat.models import TurnStatus, WebTurn
from backend.webchat.router import get_turn_runner
from tests.backend.conftest import ACME_USER
from tests.backend.test_backend_portal import (
    MESSAGES,
    FakeRasa,
    portal_login,
    portal_session_of,
    rasa,
)

__all__ = ["rasa"]  # the fake Rasa fixture, re-exported so pytest finds it here

BUDGET_SECONDS = 0.3
SLOW_SECONDS = 1.5


class Worker:
    """The runner's session factory for the tests: the test's connection, and a signal when the
    worker has stored a turn's answer."""

    def __init__(self, db_session: Session) -> None:
        self.connection = db_session.get_bind()
        self.finished = threading.Semaphore(0)

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        session = Session(
            bind=self.connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            yield session
        finally:
            session.close()
            self.finished.release()

    def wait(self) -> None:
        assert self.finished.acquire(timeout=10), "the turn's worker never finished"


@pytest.fixture
def worker(db_session: Session) -> Worker:
    return Worker(db_session)


@pytest.fixture
async def user(
    settings: Settings, app_for: Callable[[Settings], FastAPI], rasa: FakeRasa, worker: Worker
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    """A logged-in portal user (Julie, French) and the CSRF header, on a gateway whose answer
    budget is short."""
    app_settings = settings.model_copy(update={"rasa_url": rasa.url})
    app = app_for(app_settings)
    runner = webchat.TurnRunner(
        settings=app_settings, sessions=worker.session, budget_seconds=BUDGET_SECONDS
    )
    app.dependency_overrides[get_turn_runner] = lambda: runner
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        csrf = await portal_login(client, *ACME_USER)
        yield client, {"X-CSRF-Token": csrf}


def authors_and_texts(body: dict[str, object]) -> list[tuple[str, str]]:
    messages = body["messages"]
    assert isinstance(messages, list)
    return [(m["author"], m["text"]) for m in messages]


async def test_a_retry_with_the_same_client_id_is_answered_from_the_stored_turn(
    user: tuple[httpx.AsyncClient, dict[str, str]], rasa: FakeRasa, worker: Worker
) -> None:
    client, csrf = user
    body = {"text": "mes factures", "client_id": "c1-0123456789"}

    first = await client.post(MESSAGES, json=body, headers=csrf)
    retry = await client.post(MESSAGES, json=body, headers=csrf)
    other = await client.post(MESSAGES, json={**body, "client_id": "c2-0123456789"}, headers=csrf)

    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json()
    assert first.json()["pending"] is False
    assert authors_and_texts(first.json()) == [("user", "mes factures"), ("bot", "Bonjour !")]
    # Rasa saw the message once for the retried id, and again only under a new id.
    assert [r["message"] for r in rasa.received] == ["mes factures", "mes factures"]
    assert len((await client.get(MESSAGES)).json()["messages"]) == 4
    assert other.json()["messages"][0]["id"] != first.json()["messages"][0]["id"]


async def test_an_answer_past_the_budget_is_announced_then_delivered_to_the_next_poll(
    user: tuple[httpx.AsyncClient, dict[str, str]], rasa: FakeRasa, worker: Worker
) -> None:
    client, csrf = user
    rasa.delay = SLOW_SECONDS
    body = {"text": "je veux ouvrir un ticket", "client_id": "slow-0123456789"}

    first = await client.post(MESSAGES, json=body, headers=csrf)
    retry_while_pending = await client.post(MESSAGES, json=body, headers=csrf)
    worker.wait()
    reload = (await client.get(MESSAGES)).json()
    retry_after = (await client.post(MESSAGES, json=body, headers=csrf)).json()

    still_working = ("system", webchat.STILL_WORKING[Language.fr])
    assert first.json()["pending"] is True
    assert authors_and_texts(first.json()) == [("user", "je veux ouvrir un ticket"), still_working]
    assert "réessayez" not in first.text
    assert retry_while_pending.json() == first.json()
    assert reload["pending"] is False
    assert authors_and_texts(reload) == [
        ("user", "je veux ouvrir un ticket"),
        still_working,
        ("bot", "Bonjour !"),
    ]
    assert retry_after == {"messages": reload["messages"], "pending": False}
    assert len(rasa.received) == 1


async def test_the_conversation_says_when_an_answer_is_still_to_come(
    user: tuple[httpx.AsyncClient, dict[str, str]], rasa: FakeRasa, worker: Worker
) -> None:
    client, csrf = user
    rasa.delay = SLOW_SECONDS

    await client.post(MESSAGES, json={"text": "bonjour", "client_id": "p-0123456789"}, headers=csrf)
    while_waiting = (await client.get(MESSAGES)).json()
    worker.wait()
    after = (await client.get(MESSAGES, params={"after": 0})).json()

    assert while_waiting["pending"] is True
    assert after["pending"] is False
    assert after["messages"][-1]["text"] == "Bonjour !"


async def test_a_turn_whose_worker_is_gone_fails_politely_instead_of_waiting_forever(
    user: tuple[httpx.AsyncClient, dict[str, str]], db_session: Session
) -> None:
    client, csrf = user
    chat_session_id = portal_session_of(client, db_session).chat_session_id
    # As if the backend had restarted while Rasa was answering: a turn still open, and old.
    turn_id, _ = webchat._open_turn(
        db_session, chat_session_id=chat_session_id, client_id="gone-0123456789", text="allô ?"
    )
    db_session.execute(
        update(WebTurn)
        .where(WebTurn.id == turn_id)
        .values(status=TurnStatus.late, created_at=utcnow() - timedelta(minutes=10))
    )

    reload = (await client.get(MESSAGES)).json()
    retry = await client.post(
        MESSAGES, json={"text": "allô ?", "client_id": "gone-0123456789"}, headers=csrf
    )

    assert reload["pending"] is False
    assert authors_and_texts(reload) == [
        ("user", "allô ?"),
        ("system", webchat.RASA_UNAVAILABLE[Language.fr]),
    ]
    assert retry.json() == reload
