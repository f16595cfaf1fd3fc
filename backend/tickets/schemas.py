"""Ticket schemas."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from backend.tickets.models import TicketStatus, TicketSubject


class TicketCreate(BaseModel):
    subject_code: TicketSubject
    description: str = Field(min_length=10, max_length=5000)
    contact_number: str = Field(min_length=1, max_length=32)
    line_id: int | None = None


class TicketCreated(BaseModel):
    id: int
    number: str
    status: TicketStatus


class TicketPublic(TicketCreated):
    subject_code: TicketSubject
    description: str
    contact_number: str
    line_id: int | None
    created_at: datetime
