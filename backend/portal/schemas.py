"""Portal JSON schemas."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from backend.accounts.models import Role
from backend.core.models import Language


class PortalSessionPublic(BaseModel):
    """What an embedded widget needs: the UI language and the CSRF token for its POSTs."""

    first_name: str
    language: Language
    role: Role
    csrf_token: str


class PortalLinkCodePublic(BaseModel):
    code: str
    expires_at: datetime
    instruction: str
