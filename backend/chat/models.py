"""Chat binding models: who is behind a Rasa (channel, sender_id)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.accounts.models import Account, Role
from backend.core.db import Base
from backend.core.models import UtcDateTime, str_enum, utcnow


class Platform(str, enum.Enum):
    """Chat platforms whose accounts are linked once with a link code."""

    slack = "slack"
    teams = "teams"


class ChatSession(Base):
    """A web-widget conversation minted by the backend for a logged-in portal account."""

    __tablename__ = "chat_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    # The role this conversation acts in; None = the account's own role (see principal.py).
    active_role: Mapped[Role | None] = mapped_column(str_enum(Role, "active_role"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    account: Mapped[Account] = relationship()


class LinkCode(Base):
    """A short-lived single-use code that links a Slack/Teams user to a portal account."""

    __tablename__ = "link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class PlatformLink(Base):
    """A Slack/Teams user bound to a portal account.

    The binding key is (platform, workspace_id, user_id). ``sender_id`` is the Rasa sender id the
    action server will pass for that user; for now it is ``f"{workspace_id}:{user_id}"`` (see
    ``chat.service.platform_sender_id``), kept in its own indexed column so that a later channel
    mapping can change the scheme without changing the lookup.
    """

    __tablename__ = "platform_links"
    __table_args__ = (
        UniqueConstraint("platform", "workspace_id", "user_id"),
        UniqueConstraint("platform", "sender_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[Platform] = mapped_column(str_enum(Platform, "platform"))
    workspace_id: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[str] = mapped_column(String(100))
    sender_id: Mapped[str] = mapped_column(String(210))
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    # The role this conversation acts in; None = the account's own role (see principal.py).
    active_role: Mapped[Role | None] = mapped_column(str_enum(Role, "active_role"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    account: Mapped[Account] = relationship()


# What a service-key caller's (channel, sender) resolves to: one conversation's binding.
ChatBinding = ChatSession | PlatformLink
