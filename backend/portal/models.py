"""Portal sessions: the server-side half of the ``bm_portal`` cookie."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.accounts.models import Account
from backend.chat.models import ChatSession
from backend.core.db import Base
from backend.core.models import UtcDateTime, utcnow


class PortalSession(Base):
    """One browser login: the account and the one web chat conversation it owns.

    The cookie only carries this row's id (signed); logging out ends the row, so a copied cookie
    stops working at logout and not only at its expiry.
    """

    __tablename__ = "portal_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    chat_session_id: Mapped[int] = mapped_column(
        ForeignKey("chat_sessions.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    account: Mapped[Account] = relationship()
    chat_session: Mapped[ChatSession] = relationship()
