"""Account request and response schemas."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, EmailStr, Field

from backend.accounts.models import Role
from backend.companies.schemas import CompanyPublic
from backend.core.models import Language
from backend.core.schemas import RequestModel


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
    password: str = Field(min_length=10, max_length=256)
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
