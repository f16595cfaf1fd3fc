"""Web chat: the transcript and the gateway between the portal page and Rasa's REST channel.

The browser only holds the portal cookie; the Rasa sender id comes from the portal session's
``ChatSession`` row, so no request can choose whose conversation it talks in.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

import httpx
from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.chat.models import ChatSession
from backend.core.models import Language, utcnow
from backend.core.settings import Settings
from backend.webchat.exceptions import WebConversationNotFound
from backend.webchat.models import Author, TurnStatus, WebMessage, WebTurn

logger = logging.getLogger(__name__)

# Rasa answers in well under a second when healthy; past this budget the request answers "still
# working on it" and the turn goes on in the background, its answer stored when it comes.
ANSWER_BUDGET_SECONDS = 10.0
# How long a turn may take in all: Rasa may first wait up to 60 s for the conversation's lock
# (its ticket lock lifetime) when an earlier message of the same user is still being processed.
RASA_TIMEOUT = httpx.Timeout(120.0, connect=3.0)
# A turn still unanswered this long after it started lost its worker (backend restarted).
STALE_TURN = timedelta(seconds=150)
# Rasa calls in flight per backend process; more wait in the queue (their budget still runs).
TURN_WORKERS = 32
HISTORY_LIMIT = 500

UNANSWERED = (TurnStatus.sent, TurnStatus.late)

RASA_UNAVAILABLE = {
    Language.fr: "Désolé, l'assistant ne répond pas pour le moment. Votre message est bien "
    "enregistré : réessayez dans un instant.",
    Language.nl: "Sorry, de assistent antwoordt op dit moment niet. Uw bericht is bewaard: "
    "probeer het zo meteen opnieuw.",
    Language.en: "Sorry, the assistant is not answering right now. Your message is saved: "
    "please try again in a moment.",
}

STILL_WORKING = {
    Language.fr: "L'assistant traite encore votre message : sa réponse s'affichera ici dès "
    "qu'elle sera prête. Inutile de le renvoyer.",
    Language.nl: "De assistent is nog met uw bericht bezig: het antwoord verschijnt hier zodra "
    "het klaar is. U hoeft het niet opnieuw te sturen.",
    Language.en: "The assistant is still working on your message: the answer will show here as "
    "soon as it is ready. No need to send it again.",
}


def _web_url(value: Any) -> str | None:
    """``value`` if it is an http(s) URL the widget may show, else None (no javascript: links)."""
    if isinstance(value, str) and value.startswith(("https://", "http://")) and len(value) <= 2000:
        return value
    return None


def _buttons(value: Any) -> list[dict[str, str]] | None:
    """Rasa's quick replies reduced to the title and payload the widget sends back."""
    if not isinstance(value, list):
        return None
    buttons = [
        {"title": str(button["title"]), "payload": str(button["payload"])}
        for button in value
        if isinstance(button, dict) and "title" in button and "payload" in button
    ]
    return buttons or None


def add_message(
    session: Session,
    *,
    chat_session_id: int,
    author: Author,
    text: str,
    buttons: list[dict[str, str]] | None = None,
    image_url: str | None = None,
    link_url: str | None = None,
    language: Language | None = None,
    turn_id: int | None = None,
    commit: bool = True,
) -> WebMessage:
    """Store one message of the conversation (committed at once unless the caller commits)."""
    message = WebMessage(
        chat_session_id=chat_session_id,
        turn_id=turn_id,
        author=author,
        text=text,
        buttons=buttons,
        image_url=image_url,
        link_url=link_url,
        language=language,
    )
    session.add(message)
    if commit:
        session.commit()
    return message


def post_to_web_conversation(
    session: Session, *, sender_id: str, author: Literal["agent", "system"], text: str
) -> None:
    """Add an agent or system message to the web conversation of ``sender_id``.

    The widget shows it at its next poll. Raises WebConversationNotFound for a sender id that is
    not a web chat session (a Slack/Teams sender, or a typo).
    """
    chat_session = session.scalar(
        select(ChatSession).where(ChatSession.sender_id == sender_id, ChatSession.channel == "rest")
    )
    if chat_session is None:
        raise WebConversationNotFound
    add_message(session, chat_session_id=chat_session.id, author=Author(author), text=text)


def transcript(
    session: Session, *, chat_session_id: int, after: int | None = None
) -> list[WebMessage]:
    """The conversation's messages in order: the latest ones, or the first ones after ``after``.

    A reload shows the end of a long conversation; polling catches up from its cursor.
    """
    query = select(WebMessage).where(WebMessage.chat_session_id == chat_session_id)
    if after is not None:
        query = query.where(WebMessage.id > after).order_by(WebMessage.id)
        return list(session.scalars(query.limit(HISTORY_LIMIT)))
    latest = session.scalars(query.order_by(WebMessage.id.desc()).limit(HISTORY_LIMIT))
    return list(reversed(list(latest)))


def conversation_language(session: Session, *, chat_session_id: int, default: Language) -> Language:
    """The language the conversation is in now: that of its latest message that names one
    (the bot answers in the language the user writes in), else ``default`` (the account's)."""
    latest = session.scalar(
        select(WebMessage.language)
        .where(WebMessage.chat_session_id == chat_session_id, WebMessage.language.is_not(None))
        .order_by(WebMessage.id.desc())
        .limit(1)
    )
    return latest or default


# Rasa's replies to one message; None when it failed.
Replies = list[dict[str, Any]] | None


def _ask_rasa(*, settings: Settings, sender_id: str, message: str) -> Replies:
    """Rasa's replies to ``message``, or None when Rasa is down, too slow or answers nonsense."""
    url = f"{settings.rasa_url.rstrip('/')}/webhooks/rest/webhook"
    try:
        with httpx.Client(timeout=RASA_TIMEOUT) as client:
            response = client.post(url, json={"sender": sender_id, "message": message})
        response.raise_for_status()
        replies = response.json()
    except (httpx.HTTPError, ValueError) as error:
        logger.warning("Rasa REST channel failed (%s): %s", type(error).__name__, error)
        return None
    if not isinstance(replies, list):
        logger.warning("Rasa REST channel answered a %s, not a list", type(replies).__name__)
        return None
    return [reply for reply in replies if isinstance(reply, dict)]


def _move_turn(
    session: Session, *, turn_id: int, from_: tuple[TurnStatus, ...], to: TurnStatus
) -> int | None:
    """Move the turn to ``to`` if it is in one of ``from_``: its chat session id, else None.

    A conditional update, so the request and the worker never both act on one turn.
    """
    finished = {"finished_at": utcnow()} if to not in UNANSWERED else {}
    moved = session.execute(
        update(WebTurn)
        .where(WebTurn.id == turn_id, WebTurn.status.in_(from_))
        .values(status=to, **finished)
        .returning(WebTurn.chat_session_id)
    ).scalar_one_or_none()
    if moved is None:
        session.rollback()
    return moved


def _note(
    session: Session, *, chat_session_id: int, turn_id: int, text: str, language: Language
) -> None:
    """A system message of the turn (not committed: it goes with the turn's new status)."""
    add_message(
        session,
        chat_session_id=chat_session_id,
        turn_id=turn_id,
        author=Author.system,
        text=text,
        language=language,
        commit=False,
    )


def _reply_language(reply: dict[str, Any]) -> Language | None:
    """The language Rasa's REST channel names for a reply (bot/channels/rest.py), if valid."""
    try:
        return Language(reply.get("language"))
    except ValueError:
        return None


def _finish_turn(session: Session, *, turn_id: int, replies: Replies, language: Language) -> None:
    """Store Rasa's replies to the turn (or the "not answering" message) and close it; commits.

    The first finisher wins: a turn is answered once.
    """
    status = TurnStatus.failed if replies is None else TurnStatus.answered
    chat_session_id = _move_turn(session, turn_id=turn_id, from_=UNANSWERED, to=status)
    if chat_session_id is None:
        return
    if replies is None:
        _note(
            session,
            chat_session_id=chat_session_id,
            turn_id=turn_id,
            text=RASA_UNAVAILABLE[language],
            language=language,
        )
    for reply in replies or []:
        text_part = reply.get("text")
        buttons = _buttons(reply.get("buttons"))
        image_url = _web_url(reply.get("image"))
        link_url = _web_url(reply.get("attachment"))
        if not (text_part or buttons or image_url or link_url):
            continue  # e.g. a "custom" payload meant for another channel
        add_message(
            session,
            chat_session_id=chat_session_id,
            turn_id=turn_id,
            author=Author.bot,
            text=str(text_part or ""),
            buttons=buttons,
            image_url=image_url,
            link_url=link_url,
            language=_reply_language(reply),
            commit=False,
        )
    session.commit()


def _mark_late(session: Session, *, turn_id: int, language: Language) -> None:
    """Tell the user the answer is still coming, unless it came in the meantime; commits."""
    chat_session_id = _move_turn(
        session, turn_id=turn_id, from_=(TurnStatus.sent,), to=TurnStatus.late
    )
    if chat_session_id is not None:
        _note(
            session,
            chat_session_id=chat_session_id,
            turn_id=turn_id,
            text=STILL_WORKING[language],
            language=language,
        )
        session.commit()


@dataclass(frozen=True)
class TurnResult:
    """A turn's stored messages (the user's first) and whether its answer is still to come."""

    messages: list[WebMessage]
    pending: bool


def _turn_result(session: Session, turn_id: int) -> TurnResult:
    turn = session.get(WebTurn, turn_id, populate_existing=True)
    assert turn is not None
    messages = session.scalars(
        select(WebMessage).where(WebMessage.turn_id == turn_id).order_by(WebMessage.id)
    )
    return TurnResult(messages=list(messages), pending=turn.status in UNANSWERED)


def _open_turn(
    session: Session, *, chat_session_id: int, client_id: str, text: str
) -> tuple[int, bool]:
    """The turn of ``client_id`` in the conversation, and whether this call created it.

    A new turn is stored with the user's message in one transaction; a concurrent retry of the
    same message loses on the unique key and gets the winner's turn.
    """
    existing = session.scalar(
        select(WebTurn.id).where(
            WebTurn.chat_session_id == chat_session_id, WebTurn.client_id == client_id
        )
    )
    if existing is not None:
        return existing, False
    turn = WebTurn(chat_session_id=chat_session_id, client_id=client_id)
    session.add(turn)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return _open_turn(session, chat_session_id=chat_session_id, client_id=client_id, text=text)
    add_message(
        session, chat_session_id=chat_session_id, turn_id=turn.id, author=Author.user, text=text
    )
    return turn.id, True


def expire_stale_turns(session: Session, *, chat_session_id: int, language: Language) -> None:
    """Fail the turns whose worker is gone (the backend restarted while Rasa was answering)."""
    stale = session.scalars(
        select(WebTurn.id).where(
            WebTurn.chat_session_id == chat_session_id,
            WebTurn.status.in_(UNANSWERED),
            WebTurn.created_at < utcnow() - STALE_TURN,
        )
    )
    for turn_id in list(stale):
        _finish_turn(session, turn_id=turn_id, replies=None, language=language)


def has_pending_turn(session: Session, *, chat_session_id: int) -> bool:
    """Whether an answer of the assistant is still to come in this conversation."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    WebTurn.chat_session_id == chat_session_id, WebTurn.status.in_(UNANSWERED)
                )
            )
        )
    )


SessionFactory = Callable[[], AbstractContextManager[Session]]


class TurnRunner:
    """Sends turns to Rasa on worker threads of its own, so a turn outlives a request that stops
    waiting for it, and its answer is stored whenever it comes."""

    def __init__(
        self,
        *,
        settings: Settings,
        sessions: SessionFactory,
        budget_seconds: float = ANSWER_BUDGET_SECONDS,
    ) -> None:
        self.settings = settings
        # Sessions for answers stored after their request ended (the request's is closed then).
        self.sessions = sessions
        self.budget_seconds = budget_seconds
        self._executor = ThreadPoolExecutor(
            max_workers=TURN_WORKERS, thread_name_prefix="webchat-turn"
        )

    def _store_late(self, future: Future[Replies], *, turn_id: int, language: Language) -> None:
        with self.sessions() as session:
            _finish_turn(session, turn_id=turn_id, replies=future.result(), language=language)

    def send(
        self,
        session: Session,
        *,
        chat_session: ChatSession,
        language: Language,
        client_id: str,
        text: str,
        payload: str | None = None,
    ) -> TurnResult:
        """Store the user's message and answer it within the budget, or say it is coming.

        A quick reply shows its ``text`` (the button title) and sends its ``payload``. A message
        whose ``client_id`` was seen before (a retry) is not sent again: its stored turn is
        returned, with the answer if it came meanwhile.
        """
        turn_id, created = _open_turn(
            session, chat_session_id=chat_session.id, client_id=client_id, text=text
        )
        if not created:
            expire_stale_turns(session, chat_session_id=chat_session.id, language=language)
            return _turn_result(session, turn_id)
        future = self._executor.submit(
            _ask_rasa,
            settings=self.settings,
            sender_id=chat_session.sender_id,
            message=payload or text,
        )
        try:
            replies = future.result(timeout=self.budget_seconds)
        except FutureTimeout:
            _mark_late(session, turn_id=turn_id, language=language)
            # Runs at once if the answer came in the meantime; after the "still working" note.
            future.add_done_callback(
                functools.partial(self._store_late, turn_id=turn_id, language=language)
            )
        else:
            _finish_turn(session, turn_id=turn_id, replies=replies, language=language)
        return _turn_result(session, turn_id)
