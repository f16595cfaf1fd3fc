"""Erasure requests: whose conversations to erase, and whether the bot side has done its part."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base
from backend.core.models import UtcDateTime, str_enum, utcnow


class ErasureStatus(str, enum.Enum):
    """``pending`` until the bot-side job removed the tracker events of every sender id."""

    pending = "pending"
    completed = "completed"


class ErasureRequest(Base):
    """One erase-my-data request for an account (by the person in chat, or by an agent).

    ``senders`` is the list of Rasa conversations ({"channel", "sender_id"}) bound to the account
    when it was asked: the backend erases its own copies at once, the tracker store's events are
    removed by ``python -m bot.retention`` outside of any turn (README, Privacy).
    """

    __tablename__ = "erasure_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    senders: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Web transcript messages and handoffs the backend deleted when the request was made.
    backend_rows_deleted: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[ErasureStatus] = mapped_column(str_enum(ErasureStatus, "erasure_status"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
