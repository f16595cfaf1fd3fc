"""Erase-my-data requests (who may erase whose data) and retention of backend-held conversations."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend import migrate
from backend.accounts.models import Account
from backend.chat.models import ChatSession
from backend.core.models import Language, utcnow
from backend.handoff.models import Direction, Handoff, HandoffMessage, HandoffStatus
from backend.privacy.models import ErasureRequest
from backend.privacy.service import apply_retention
from backend.webchat.models import Author, WebMessage

SERVICE_KEY = "test-action-service-key"
ERASURE = "/api/v1/privacy/erasure-requests"
PENDING = f"{ERASURE}/pending"


def account(session: Session, gsm: str) -> Account:
    found = session.scalar(select(Account).where(Account.gsm == gsm))
    assert found is not None
    return found


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def as_bot(sender: str) -> dict[str, str]:
    return {"X-Service-Key": SERVICE_KEY, "X-Chat-Channel": "rest", "X-Chat-Sender": sender}


def conversation(session: Session, owner: Account, *, days_old: int = 0) -> ChatSession:
    """A web chat of ``owner`` with a transcript message and an ended handoff, ``days_old``."""
    when = utcnow() - timedelta(days=days_old)
    chat = ChatSession(sender_id=uuid.uuid4().hex, channel="rest", account_id=owner.id)
    session.add(chat)
    session.flush()
    session.add(WebMessage(chat_session_id=chat.id, author=Author.user, text="hi", created_at=when))
    handoff = Handoff(
        channel="rest",
        sender_id=chat.sender_id,
        account_id=owner.id,
        company_id=owner.company_id,
        role=owner.active_role.value,
        status=HandoffStatus.closed,
        reason="user_request",
        language=Language.en,
        collected={},
        transcript=[{"author": "user", "text": "hi"}],
        created_at=when,
        ended_at=when,
    )
    session.add(handoff)
    session.flush()
    session.add(
        HandoffMessage(
            handoff_id=handoff.id, direction=Direction.user_to_agent, text="hi", created_at=when
        )
    )
    session.commit()
    return chat


def messages_of(session: Session, chat: ChatSession) -> int:
    web = session.scalar(
        select(func.count()).select_from(WebMessage).where(WebMessage.chat_session_id == chat.id)
    )
    handoffs = session.scalar(
        select(func.count()).select_from(Handoff).where(Handoff.sender_id == chat.sender_id)
    )
    return int(web or 0) + int(handoffs or 0)


async def test_a_user_erases_their_own_conversations_and_not_anothers(
    client: httpx.AsyncClient, end_user: dict[str, str], db_session: Session
) -> None:
    mine = conversation(db_session, account(db_session, "+32470000002"))
    theirs = conversation(db_session, account(db_session, "+32470000001"))

    response = await client.post(ERASURE, json={}, headers={**end_user, **key()})

    assert response.status_code == 201, response.text
    assert response.json()["status"] == "pending"
    assert response.json()["backend_rows_deleted"] >= 3  # message, handoff, handoff message
    assert messages_of(db_session, mine) == 0
    assert messages_of(db_session, theirs) == 2
    pending = (await client.get(PENDING, headers={"X-Service-Key": SERVICE_KEY})).json()
    queued = {sender["sender_id"] for request in pending for sender in request["senders"]}
    assert mine.sender_id in queued
    assert theirs.sender_id not in queued


async def test_a_user_cannot_erase_another_accounts_data(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], db_session: Session
) -> None:
    employee = account(db_session, "+32470000002")
    chat = conversation(db_session, employee)

    response = await client.post(
        ERASURE, json={"account_id": employee.id}, headers={**fleet_manager, **key()}
    )

    assert response.status_code == 403
    assert messages_of(db_session, chat) == 2
    assert db_session.scalar(select(func.count()).select_from(ErasureRequest)) == 0


async def test_an_agent_erases_any_accounts_data(
    client: httpx.AsyncClient, agent: dict[str, str], db_session: Session
) -> None:
    customer = account(db_session, "+32470000051")
    chat = conversation(db_session, customer)

    response = await client.post(
        ERASURE, json={"account_id": customer.id}, headers={**agent, **key()}
    )
    unknown = await client.post(ERASURE, json={"account_id": 999999}, headers={**agent, **key()})

    assert response.status_code == 201, response.text
    assert response.json()["account_id"] == customer.id
    assert messages_of(db_session, chat) == 0
    assert unknown.status_code == 404


async def test_the_bot_files_an_erasure_only_for_the_person_it_talks_to(
    client: httpx.AsyncClient, end_user: dict[str, str], db_session: Session
) -> None:
    sender = (await client.post("/api/v1/chat/sessions", headers=end_user)).json()["sender_id"]
    other = account(db_session, "+32470000001")

    own = await client.post(ERASURE, json={}, headers={**as_bot(sender), **key()})
    forged = await client.post(
        ERASURE, json={"account_id": other.id}, headers={**as_bot(sender), **key()}
    )

    assert own.status_code == 201
    assert own.json()["account_id"] == account(db_session, "+32470000002").id
    assert forged.status_code == 403


async def test_erasure_needs_a_caller_and_the_queue_needs_the_service_key(
    client: httpx.AsyncClient, end_user: dict[str, str]
) -> None:
    created = await client.post(ERASURE, json={}, headers={**end_user, **key()})
    request_id = created.json()["id"]

    assert (await client.post(ERASURE, json={}, headers=key())).status_code == 401
    assert (await client.get(PENDING)).status_code == 401
    assert (await client.get(PENDING, headers=end_user)).status_code == 401
    assert (await client.post(f"{ERASURE}/{request_id}/complete")).status_code == 401

    done = await client.post(
        f"{ERASURE}/{request_id}/complete", headers={"X-Service-Key": SERVICE_KEY}
    )
    assert done.json()["status"] == "completed"
    pending = (await client.get(PENDING, headers={"X-Service-Key": SERVICE_KEY})).json()
    assert request_id not in [request["id"] for request in pending]


def test_retention_deletes_old_transcripts_and_ended_handoffs_and_keeps_recent_ones(
    db_session: Session,
) -> None:
    owner = account(db_session, "+32470000001")
    old = conversation(db_session, owner, days_old=40)
    recent = conversation(db_session, owner, days_old=5)

    result = apply_retention(db_session, days=30)

    assert result.web_messages >= 1
    assert result.handoff_rows >= 2
    assert messages_of(db_session, old) == 0
    assert messages_of(db_session, recent) == 2


def test_the_retention_command_runs_with_the_configured_days(scratch_sqlite_url: str) -> None:
    migrate.upgrade(database_url=scratch_sqlite_url)
    env = {**os.environ, "DATABASE_URL": scratch_sqlite_url, "CONVERSATION_RETENTION_DAYS": "30"}

    done = subprocess.run(
        [sys.executable, "-m", "backend.privacy"], env=env, capture_output=True, text=True
    )

    assert done.returncode == 0, done.stderr
    assert "Retention 30 days: 0 web messages, 0 handoff rows deleted" in done.stderr
