"""Gateway routes between the portal page's widget and Rasa (cookie session, CSRF on POST)."""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from backend.core.db import SessionDep, SettingsDep, get_sessionmaker
from backend.core.models import Language
from backend.portal.auth import CsrfPortalSessionDep, PortalSessionDep
from backend.portal.models import PortalSession
from backend.webchat import service
from backend.webchat.models import WebMessage
from backend.webchat.schemas import UserMessageRequest, WebMessagePublic, WebMessagesPublic

router = APIRouter(prefix="/portal/chat", tags=["web chat"])

_RUNNER_LOCK = threading.Lock()


def get_turn_runner(request: Request, settings: SettingsDep) -> service.TurnRunner:
    """The app's turn runner, made at its first message (tests override this dependency)."""
    with _RUNNER_LOCK:
        runner: service.TurnRunner | None = getattr(request.app.state, "webchat_turns", None)
        if runner is None:
            runner = service.TurnRunner(
                settings=settings, sessions=get_sessionmaker(settings.database_url)
            )
            request.app.state.webchat_turns = runner
    return runner


TurnRunnerDep = Annotated[service.TurnRunner, Depends(get_turn_runner)]


def _public(messages: list[WebMessage]) -> list[WebMessagePublic]:
    return [WebMessagePublic.model_validate(m) for m in messages]


def _language(session: Session, portal_session: PortalSession) -> Language:
    """The language of the conversation's own notices ("still working", "not answering")."""
    return service.conversation_language(
        session,
        chat_session_id=portal_session.chat_session_id,
        default=portal_session.account.language,
    )


@router.get("/messages")
def read_messages(
    portal_session: PortalSessionDep,
    session: SessionDep,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> WebMessagesPublic:
    """The conversation so far, or only what came after message ``after`` (polling), and
    whether an answer of the assistant is still to come."""
    chat_session_id = portal_session.chat_session_id
    service.expire_stale_turns(
        session, chat_session_id=chat_session_id, language=_language(session, portal_session)
    )
    return WebMessagesPublic(
        messages=_public(service.transcript(session, chat_session_id=chat_session_id, after=after)),
        pending=service.has_pending_turn(session, chat_session_id=chat_session_id),
    )


@router.post("/messages")
def send_message(
    body: UserMessageRequest,
    portal_session: CsrfPortalSessionDep,
    session: SessionDep,
    runner: TurnRunnerDep,
) -> WebMessagesPublic:
    """Store the user's message, ask Rasa with the session's own sender id, store the replies.

    Returns the stored user message followed by the bot's replies; past the answer budget a
    "still working on it" message instead, and ``pending`` until the answer is stored (the
    widget's polling brings it). A system message in the user's language when Rasa is
    unavailable: still 200, nothing is lost. Sending the same ``client_id`` again returns the
    stored turn; Rasa sees each message once.
    """
    result = runner.send(
        session,
        chat_session=portal_session.chat_session,
        language=_language(session, portal_session),
        client_id=body.client_id,
        text=body.shown_text,
        payload=body.payload,
    )
    return WebMessagesPublic(messages=_public(result.messages), pending=result.pending)
