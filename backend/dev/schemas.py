"""Outbox schemas."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from backend.core.models import Language


class OutboxItem(BaseModel):
    id: int
    to: str
    subject: str
    language: Language
    created_at: datetime
    attachments: list[str]


class OutboxMessage(OutboxItem):
    """One e-mail with its bodies (for tests and demos that follow links in e-mails)."""

    body_text: str
    body_html: str | None
