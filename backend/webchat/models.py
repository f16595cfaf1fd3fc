"""The web chat transcript: what the widget shows, so a reload shows the conversation."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base
from backend.core.models import UtcDateTime, str_enum, utcnow


class Author(str, enum.Enum):
    """Who wrote a web chat message."""

    user = "user"
    bot = "bot"
    agent = "agent"
    system = "system"


class WebMessage(Base):
    """One message of a web chat conversation (a ``chat_sessions`` row of channel ``rest``)."""

    __tablename__ = "web_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_session_id: Mapped[int] = mapped_column(
        ForeignKey("chat_sessions.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[Author] = mapped_column(str_enum(Author, "web_message_author"))
    text: Mapped[str] = mapped_column(Text, default="")
    # Rasa quick replies: [{"title": ..., "payload": ...}].
    buttons: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    image_url: Mapped[str | None] = mapped_column(String(2000))
    link_url: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
