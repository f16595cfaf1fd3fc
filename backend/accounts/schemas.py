"""Account request and response schemas."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, EmailStr, Field

from backend.accounts.models import Role
from backend.companies.schemas import CompanyPublic
from backend.core.models import Language
from backend.core.schemas import RequestModel

# Password rules of the portal, for registration and for a reset alike.
PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 256


class LoginRequest(RequestModel):
    """GSM number in any usual Belgian format and password."""

    gsm: str = Field(min_length=1, max_length=32, examples=["0470 00 00 01"])
    password: str = Field(min_length=1, max_length=256)


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - OAuth token type, not a secret
    expires_in: int


class RegistrationRequest(RequestModel):
    """The profile an invited fleet manager completes, with the password they choose."""

    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    email: EmailStr
    password: str = Field(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH)
    language: Language


class ActiveRoleRequest(RequestModel):
    role: Literal[Role.end_user, Role.fleet_manager]


class MePublic(BaseModel):
    """The caller's own account, company, active role and own line."""

    id: int
    first_name: str
    last_name: str
    gsm: str
    email: str | None
    language: Language
    role: Role
    active_role: Role
    can_switch_role: bool
    company: CompanyPublic | None
    line_id: int | None


class PasswordResetRequest(RequestModel):
    """The GSM number (login) of the account whose password was forgotten."""

    gsm: str = Field(min_length=1, max_length=32, examples=["0470 00 00 01"])


class PasswordResetAccepted(BaseModel):
    """The one answer to a reset request, whether or not the number has an account."""

    status: Literal["accepted"] = "accepted"
    message: str = (
        "If this number is the login of an active account, a single-use link to choose a new "
        "password was e-mailed to the account's address."
    )
    expires_in_minutes: int


class PasswordResetSent(BaseModel):
    """A reset link went to the caller's own address (masked)."""

    sent_to: str
    expires_in_minutes: int


class EmployeeLinkSent(BaseModel):
    """A single-use link e-mailed to an employee of the caller's company (address masked)."""

    account_id: int
    first_name: str
    last_name: str
    gsm: str
    sent_to: str
    expires_at: datetime


class RegistrationResent(EmployeeLinkSent):
    """The registration e-mail went again to an employee."""


class LineAccessOutcome(str, enum.Enum):
    """Which link a line's employee got: a password reset (registered) or the registration
    e-mail again (invited, not registered yet)."""

    reset_sent = "reset_sent"
    registration_sent = "registration_sent"


class LineAccessSent(EmployeeLinkSent):
    """A fleet manager's "help them log in" for the employee of a line."""

    outcome: LineAccessOutcome


class PortalInvitationRequest(RequestModel):
    """Where the employee of a line receives the portal invitation."""

    email: str = Field(min_length=1, max_length=254, examples=["lotte.maes@example.com"])


class PortalInvitationSent(EmployeeLinkSent):
    """The employee of a line was invited to the portal: the registration e-mail went out."""
