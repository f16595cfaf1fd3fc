"""Chat schemas."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from backend.chat.models import Platform
from backend.core.schemas import RequestModel


class ChatSessionPublic(BaseModel):
    sender_id: str
    channel: str


class LinkCodePublic(BaseModel):
    code: str
    expires_at: datetime


class PlatformLinkRequest(RequestModel):
    """Sent by the action server when a Slack/Teams user types the code shown in the portal."""

    platform: Platform
    workspace_id: str = Field(min_length=1, max_length=100)
    user_id: str = Field(min_length=1, max_length=100)
    code: str = Field(min_length=1, max_length=32)


class PlatformLinkPublic(BaseModel):
    account_id: int
