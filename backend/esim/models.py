"""eSIM profile model."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.db import Base
from backend.core.models import Language, UtcDateTime, str_enum, utcnow
from backend.fleet.models import Line


class ESimStatus(str, enum.Enum):
    pending = "pending"  # mailed, waiting for the end user's confirmation
    confirmed = "confirmed"
    cancelled = "cancelled"  # replaced by a newer profile


class ESimProfile(Base):
    """An eSIM download for a line.

    The activation code ``LPA:1$<smdp_address>$<matching_id>`` is a bearer secret: it is rebuilt
    from these columns only to render the e-mail, and no API schema has a field for it.
    """

    __tablename__ = "esim_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id", ondelete="CASCADE"), index=True)
    iccid: Mapped[str] = mapped_column(String(20))
    matching_id: Mapped[str] = mapped_column(String(64), unique=True)
    smdp_address: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    language: Mapped[Language] = mapped_column(str_enum(Language, "language"))
    confirmation_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[ESimStatus] = mapped_column(str_enum(ESimStatus, "esim_status"))
    sent_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    line: Mapped[Line] = relationship()
