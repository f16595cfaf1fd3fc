"""Handoff request and answer bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.core.models import Language
from backend.handoff.models import Direction, HandoffStatus

MAX_TEXT = 4000
MAX_TRANSCRIPT = 200


class _Request(BaseModel):
    # Unknown fields are refused: the body can never smuggle an account, company or role.
    model_config = ConfigDict(extra="forbid")


class TranscriptEntry(_Request):
    """One turn of the conversation before the handoff, as the bot saw it."""

    author: Literal["user", "bot"]
    text: str = Field(max_length=MAX_TEXT)
    timestamp: float | None = None


class HandoffCreate(_Request):
    """Sent by the action server; who the user is comes from the chat binding, not from here."""

    language: Language
    reason: Literal["user_request", "fallback", "support_flow"] = "user_request"
    transcript: list[TranscriptEntry] = Field(default_factory=list, max_length=MAX_TRANSCRIPT)
    collected: dict[str, Any] = Field(default_factory=dict, max_length=100)
    conversation_ref: dict[str, Any] | None = None


class UserMessageCreate(_Request):
    text: str = Field(min_length=1, max_length=MAX_TEXT)


class AgentMessageCreate(_Request):
    text: str = Field(min_length=1, max_length=MAX_TEXT)


class HandoffState(BaseModel):
    """What the action server needs to know about the caller's handoff."""

    id: int
    status: HandoffStatus
    # Conversations ahead of this one in the queue (0 when an agent has it).
    queue_position: int


class Availability(BaseModel):
    open: bool
    support_hours: str


class HandoffUser(BaseModel):
    """Who the agent is talking to."""

    account_id: int
    name: str
    gsm: str
    company: str | None
    role: str
    language: Language


class HandoffSummary(BaseModel):
    id: int
    status: HandoffStatus
    reason: str
    channel: str
    platform: Literal["web", "slack", "teams"]
    user: HandoffUser
    agent_name: str | None
    created_at: datetime
    taken_at: datetime | None
    ended_at: datetime | None
    last_user_message: str | None


class HandoffMessagePublic(BaseModel):
    id: int
    direction: Direction
    text: str
    delivered: bool
    created_at: datetime


class HandoffDetail(HandoffSummary):
    transcript: list[dict[str, Any]]
    collected: dict[str, Any]
    messages: list[HandoffMessagePublic]
    # Whether Rasa acknowledged the hand back (False: the bot notices at the next user message).
    bot_notified: bool | None = None
