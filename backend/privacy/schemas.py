"""Request and response bodies of the privacy routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from backend.core.schemas import RequestModel

# Ids are 32-bit database integers: larger numbers are refused (422), not sent to the database.
MAX_ID = 2_147_483_647


class ErasureCreate(RequestModel):
    """Whose data: omitted = the caller's own; another account only for a helpdesk agent."""

    account_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class Sender(BaseModel):
    """A Rasa conversation: input channel and sender id."""

    channel: str
    sender_id: str


class ErasurePublic(BaseModel):
    """An erasure request as the caller sees it (sender ids only for the bot-side job)."""

    id: int
    account_id: int
    status: str
    conversations: int
    backend_rows_deleted: int
    created_at: datetime
    completed_at: datetime | None


class PendingErasure(BaseModel):
    """What the bot-side job needs: the request and the conversations to remove."""

    id: int
    senders: list[Sender]
    created_at: datetime
