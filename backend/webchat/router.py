"""Gateway routes between the portal page's widget and Rasa (cookie session, CSRF on POST)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, Query

from backend.core.db import SessionDep, SettingsDep
from backend.portal.auth import CsrfPortalSessionDep, PortalSessionDep
from backend.webchat import service
from backend.webchat.models import WebMessage
from backend.webchat.schemas import UserMessageRequest, WebMessagePublic, WebMessagesPublic

router = APIRouter(prefix="/portal/chat", tags=["web chat"])


def get_rasa_client() -> Iterator[httpx.Client]:
    """An HTTP client for Rasa's REST channel (tests override this dependency)."""
    with httpx.Client(timeout=service.RASA_TIMEOUT) as client:
        yield client


RasaClientDep = Annotated[httpx.Client, Depends(get_rasa_client)]


def _public(messages: list[WebMessage]) -> WebMessagesPublic:
    return WebMessagesPublic(messages=[WebMessagePublic.model_validate(m) for m in messages])


@router.get("/messages")
def read_messages(
    portal_session: PortalSessionDep,
    session: SessionDep,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> WebMessagesPublic:
    """The conversation so far, or only what came after message ``after`` (polling)."""
    return _public(
        service.transcript(session, chat_session_id=portal_session.chat_session_id, after=after)
    )


@router.post("/messages")
def send_message(
    body: UserMessageRequest,
    portal_session: CsrfPortalSessionDep,
    session: SessionDep,
    settings: SettingsDep,
    client: RasaClientDep,
) -> WebMessagesPublic:
    """Store the user's message, ask Rasa with the session's own sender id, store the replies.

    Returns the stored user message followed by the bot's replies (or a system message in the
    user's language when Rasa is unavailable: still 200, nothing is lost).
    """
    return _public(
        service.send_user_message(
            session,
            settings=settings,
            client=client,
            chat_session=portal_session.chat_session,
            language=portal_session.account.language,
            text=body.shown_text,
            payload=body.payload,
        )
    )
