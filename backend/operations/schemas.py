"""Operation request and response schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from backend.core.schemas import RequestModel
from backend.operations.models import OperationStatus, OperationType


class OperationCreate(RequestModel):
    type: OperationType
    line_id: int | None = None
    params: dict[str, Any] = Field(default_factory=dict)


class EmptyBody(RequestModel):
    """Confirm and cancel take ``{}``."""


class OperationPublic(BaseModel):
    id: str
    type: OperationType
    status: OperationStatus
    line_id: int | None
    msisdn: str | None
    summary: dict[str, Any]
    result: dict[str, Any] | None
    expires_at: datetime
    created_at: datetime


class RateLimitStatus(BaseModel):
    """Whether a rate-limited flow may start now, else in how many seconds."""

    flow: str
    allowed: bool
    retry_after: int | None = None
