"""The web chat transcript: what the widget shows, so a reload shows the conversation."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base
from backend.core.models import Language, UtcDateTime, str_enum, utcnow


class Author(str, enum.Enum):
    """Who wrote a web chat message."""

    user = "user"
    bot = "bot"
    agent = "agent"
    system = "system"


class TurnStatus(str, enum.Enum):
    """Where a user message sent to Rasa stands."""

    sent = "sent"  # Rasa is working on it, within the answer budget
    late = "late"  # past the budget: the user was told the answer is still coming
    answered = "answered"
    failed = "failed"  # Rasa down, broken, or no answer within the turn's limit


class WebTurn(Base):
    """One user message sent to Rasa, keyed by the id the widget gave it.

    A retry with the same client id is answered from here instead of reaching Rasa twice, and an
    answer that arrives after the request gave up is stored against its turn.
    """

    __tablename__ = "web_turns"
    __table_args__ = (UniqueConstraint("chat_session_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_session_id: Mapped[int] = mapped_column(ForeignKey("chat_sessions.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[TurnStatus] = mapped_column(
        str_enum(TurnStatus, "web_turn_status"), default=TurnStatus.sent
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class WebMessage(Base):
    """One message of a web chat conversation (a ``chat_sessions`` row of channel ``rest``)."""

    __tablename__ = "web_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_session_id: Mapped[int] = mapped_column(
        ForeignKey("chat_sessions.id", ondelete="CASCADE"), index=True
    )
    # The turn a user message started, or answered (None: agent and handoff system messages).
    turn_id: Mapped[int | None] = mapped_column(
        ForeignKey("web_turns.id", ondelete="SET NULL"), index=True
    )
    author: Mapped[Author] = mapped_column(str_enum(Author, "web_message_author"))
    text: Mapped[str] = mapped_column(Text, default="")
    # Rasa quick replies: [{"title": ..., "payload": ...}].
    buttons: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    image_url: Mapped[str | None] = mapped_column(String(2000))
    link_url: Mapped[str | None] = mapped_column(String(2000))
    # The language the message is written in; None when unknown (the user's own messages).
    language: Mapped[Language | None] = mapped_column(str_enum(Language, "language"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
