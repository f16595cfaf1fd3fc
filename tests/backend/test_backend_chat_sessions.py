"""A web chat sender id speaks for its account only as long as its login: logout, the portal
session's expiry, the access token's lifetime, and inactivity end it (issue #15, item 4)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.chat.models import ChatSession
from backend.core.models import utcnow
from backend.core.settings import Settings
from backend.portal.models import PortalSession
from backend.webchat.models import Author, WebMessage
from tests.backend.conftest import ACME_USER, SERVICE_KEY

INVOICES = "/api/v1/invoices"


def as_bot(sender: str) -> dict[str, str]:
    """The action server's headers for the web conversation ``sender``."""
    return {"X-Service-Key": SERVICE_KEY, "X-Chat-Channel": "rest", "X-Chat-Sender": sender}


async def portal_login(client: httpx.AsyncClient, db_session: Session) -> tuple[str, PortalSession]:
    """Log in to the portal as the Acme end user: (CSRF token, the new portal session)."""
    login = await client.post("/portal/login", data={"gsm": ACME_USER[0], "password": ACME_USER[1]})
    assert login.status_code == 303, login.text
    csrf: str = (await client.get("/portal/session")).json()["csrf_token"]
    portal = db_session.scalar(select(PortalSession).order_by(PortalSession.id.desc()).limit(1))
    assert portal is not None
    return csrf, portal


async def lists_invoices(client: httpx.AsyncClient, sender: str) -> bool:
    response = await client.get(INVOICES, headers=as_bot(sender))
    if response.status_code == 401:
        assert response.json()["error"]["code"] == "chat_identity_unknown"
        return False
    assert response.status_code == 200, response.text
    return True


async def test_a_sender_id_stops_listing_invoices_at_logout(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    csrf, portal = await portal_login(client, db_session)
    sender = portal.chat_session.sender_id
    assert await lists_invoices(client, sender)

    logout = await client.post("/portal/logout", data={"csrf_token": csrf})
    assert logout.status_code == 303

    assert not await lists_invoices(client, sender)


async def test_a_sender_id_ends_when_its_portal_session_expires(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    _, portal = await portal_login(client, db_session)
    portal.expires_at = utcnow() - timedelta(seconds=1)
    db_session.flush()

    assert not await lists_invoices(client, portal.chat_session.sender_id)


async def test_an_idle_sender_id_lapses_until_its_user_writes_through_the_portal_again(
    client: httpx.AsyncClient, db_session: Session, settings: Settings
) -> None:
    _, portal = await portal_login(client, db_session)
    chat = portal.chat_session
    idle = timedelta(minutes=settings.chat_idle_minutes)
    chat.created_at = utcnow() - idle - timedelta(minutes=1)
    db_session.add(
        WebMessage(
            chat_session_id=chat.id,
            author=Author.user,
            text="bonjour",
            created_at=utcnow() - idle - timedelta(seconds=30),
        )
    )
    db_session.flush()
    assert not await lists_invoices(client, chat.sender_id)

    # The gateway stores what the user writes before it asks Rasa: the actions then find it.
    db_session.add(WebMessage(chat_session_id=chat.id, author=Author.user, text="mes factures"))
    db_session.flush()
    assert await lists_invoices(client, chat.sender_id)


async def test_an_api_minted_sender_id_ends_with_the_access_token_lifetime(
    settings: Settings,
    app_for: Callable[[Settings], FastAPI],
    db_session: Session,
    end_user: dict[str, str],
) -> None:
    # Idle longer than the token lives, so that only the token's lifetime can end the session.
    app = app_for(settings.model_copy(update={"chat_idle_minutes": 10 * 60}))
    lifetime = timedelta(minutes=settings.access_token_minutes)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        minted = await client.post("/api/v1/chat/sessions", headers=end_user)
        sender = minted.json()["sender_id"]
        chat = chat_of(db_session, sender)

        chat.created_at = utcnow() - lifetime + timedelta(minutes=1)
        db_session.flush()
        assert await lists_invoices(client, sender)

        chat.created_at = utcnow() - lifetime - timedelta(minutes=1)
        db_session.flush()
        assert not await lists_invoices(client, sender)


def chat_of(db_session: Session, sender: str) -> ChatSession:
    chat = db_session.scalar(select(ChatSession).where(ChatSession.sender_id == sender))
    assert chat is not None
    return chat
