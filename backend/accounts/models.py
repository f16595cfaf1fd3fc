"""Account and registration-token models."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.companies.models import Company
from backend.core.db import Base
from backend.core.models import Language, UtcDateTime, str_enum, utcnow


class Role(str, enum.Enum):
    """What an account may do; a fleet manager can also act as an end user."""

    end_user = "end_user"
    fleet_manager = "fleet_manager"
    helpdesk_agent = "helpdesk_agent"


class AccountStatus(str, enum.Enum):
    """Pending accounts were invited but have not completed their profile yet."""

    pending = "pending"
    active = "active"


class Account(Base):
    """A person who logs in to the portal with their GSM number."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    gsm: Mapped[str] = mapped_column(String(16), unique=True)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[Language] = mapped_column(str_enum(Language, "language"))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    active_role: Mapped[Role] = mapped_column(str_enum(Role, "active_role"))
    status: Mapped[AccountStatus] = mapped_column(str_enum(AccountStatus, "account_status"))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    company: Mapped[Company | None] = relationship(lazy="joined")


class RegistrationToken(Base):
    """A single-use link token e-mailed to an invited account (only its hash is stored)."""

    __tablename__ = "registration_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    account: Mapped[Account] = relationship()
