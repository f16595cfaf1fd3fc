"""Account and registration-token models."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

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


class LinkToken:
    """A single-use, expiring secret e-mailed as a link to one account (only its hash is stored).

    The columns shared by the registration and the password-reset links; the functions that
    issue, find and claim them live in ``backend/accounts/tokens.py``.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    @declared_attr
    def account(cls) -> Mapped[Account]:
        return relationship(Account)


class RegistrationToken(LinkToken, Base):
    """The link of the registration e-mail: completes an invited account's profile."""

    __tablename__ = "registration_tokens"


class PasswordResetToken(LinkToken, Base):
    """The link of a "forgot password" e-mail: sets a new password for an active account."""

    __tablename__ = "password_reset_tokens"
