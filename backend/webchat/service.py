"""Web chat: the transcript and the gateway between the portal page and Rasa's REST channel.

The browser only holds the portal cookie; the Rasa sender id comes from the portal session's
``ChatSession`` row, so no request can choose whose conversation it talks in.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.chat.models import ChatSession
from backend.core.models import Language
from backend.core.settings import Settings
from backend.webchat.exceptions import WebConversationNotFound
from backend.webchat.models import Author, WebMessage

logger = logging.getLogger(__name__)

# Rasa answers in well under a second when healthy; past this the user gets a polite message.
RASA_TIMEOUT = httpx.Timeout(10.0, connect=3.0)
HISTORY_LIMIT = 500

RASA_UNAVAILABLE = {
    Language.fr: "Désolé, l'assistant ne répond pas pour le moment. Votre message est bien "
    "enregistré : réessayez dans un instant.",
    Language.nl: "Sorry, de assistent antwoordt op dit moment niet. Uw bericht is bewaard: "
    "probeer het zo meteen opnieuw.",
    Language.en: "Sorry, the assistant is not answering right now. Your message is saved: "
    "please try again in a moment.",
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
) -> WebMessage:
    """Store one message of the conversation (committed at once: a reload must show it)."""
    message = WebMessage(
        chat_session_id=chat_session_id,
        author=author,
        text=text,
        buttons=buttons,
        image_url=image_url,
        link_url=link_url,
    )
    session.add(message)
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


def _ask_rasa(
    client: httpx.Client, *, settings: Settings, sender_id: str, message: str
) -> list[dict[str, Any]] | None:
    """Rasa's replies to ``message``, or None when Rasa is down, slow or answers nonsense."""
    url = f"{settings.rasa_url.rstrip('/')}/webhooks/rest/webhook"
    try:
        response = client.post(
            url, json={"sender": sender_id, "message": message}, timeout=RASA_TIMEOUT
        )
        response.raise_for_status()
        replies = response.json()
    except (httpx.HTTPError, ValueError) as error:
        logger.warning("Rasa REST channel failed (%s): %s", type(error).__name__, error)
        return None
    if not isinstance(replies, list):
        logger.warning("Rasa REST channel answered a %s, not a list", type(replies).__name__)
        return None
    return [reply for reply in replies if isinstance(reply, dict)]


def send_user_message(
    session: Session,
    *,
    settings: Settings,
    client: httpx.Client,
    chat_session: ChatSession,
    language: Language,
    text: str,
    payload: str | None = None,
) -> list[WebMessage]:
    """Store the user's message, forward it to Rasa and store the replies; return them all.

    A quick reply shows its ``text`` (the button title) and sends its ``payload``. When Rasa
    fails, the user's message stays stored and a system message in ``language`` says so.
    """
    stored = [add_message(session, chat_session_id=chat_session.id, author=Author.user, text=text)]
    replies = _ask_rasa(
        client, settings=settings, sender_id=chat_session.sender_id, message=payload or text
    )
    if replies is None:
        stored.append(
            add_message(
                session,
                chat_session_id=chat_session.id,
                author=Author.system,
                text=RASA_UNAVAILABLE[language],
            )
        )
        return stored
    for reply in replies:
        text_part = reply.get("text")
        buttons = _buttons(reply.get("buttons"))
        image_url = _web_url(reply.get("image"))
        link_url = _web_url(reply.get("attachment"))
        if not (text_part or buttons or image_url or link_url):
            continue  # e.g. a "custom" payload meant for another channel
        stored.append(
            add_message(
                session,
                chat_session_id=chat_session.id,
                author=Author.bot,
                text=str(text_part or ""),
                buttons=buttons,
                image_url=image_url,
                link_url=link_url,
            )
        )
    return stored
