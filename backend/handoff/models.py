"""Handoff models: a conversation handed to the helpdesk and the messages exchanged in it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.accounts.models import Account
from backend.core.db import Base
from backend.core.models import Language, UtcDateTime, str_enum, utcnow


class HandoffStatus(str, enum.Enum):
    """Queued (``waiting``), with an agent (``active``), back with the bot, or ``closed``."""

    waiting = "waiting"
    active = "active"
    returned = "returned"
    closed = "closed"


OPEN_STATUSES = (HandoffStatus.waiting, HandoffStatus.active)


class Direction(str, enum.Enum):
    """Who wrote a handoff message."""

    user_to_agent = "user_to_agent"
    agent_to_user = "agent_to_user"


class Handoff(Base):
    """One conversation (Rasa channel + sender id) handed to the helpdesk.

    The account and company are copied from the chat binding when the bot asks for the handoff,
    so the queue shows who the user is even if the binding changes later. The transcript and the
    collected slots are a snapshot taken at that moment; ``conversation_ref`` says where to post
    the agent's replies on Slack/Teams (set by the channel from the verified request).
    """

    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    sender_id: Mapped[str] = mapped_column(String(210), index=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    # The role the conversation acted in (a fleet manager may be in the end-user portal).
    role: Mapped[str] = mapped_column(String(32))
    status: Mapped[HandoffStatus] = mapped_column(str_enum(HandoffStatus, "handoff_status"))
    reason: Mapped[str] = mapped_column(String(32))
    language: Mapped[Language] = mapped_column(str_enum(Language, "language"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    collected: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    transcript: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    conversation_ref: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    taken_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    account: Mapped[Account] = relationship(foreign_keys=[account_id])
    agent: Mapped[Account | None] = relationship(foreign_keys=[agent_id])


class HandoffMessage(Base):
    """A message between the user and the agent during a handoff."""

    __tablename__ = "handoff_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    handoff_id: Mapped[int] = mapped_column(
        ForeignKey("handoffs.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[Direction] = mapped_column(str_enum(Direction, "handoff_direction"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    # Agent messages: whether the channel accepted it (Slack/Teams/web transcript).
    delivered: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
