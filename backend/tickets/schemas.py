"""Ticket schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from backend.core.schemas import RequestModel
from backend.tickets.models import TicketStatus, TicketSubject

MIN_DESCRIPTION = 30


class TicketCreate(RequestModel):
    subject_code: TicketSubject
    # The length rule (at least 30 characters) is checked by the service to give its own code.
    description: str = Field(max_length=5000)
    contact_number: str = Field(min_length=1, max_length=32)
    line_id: int | None = None


class TicketCreated(BaseModel):
    id: int
    number: str
    status: TicketStatus


class CommentCreate(RequestModel):
    body: str = Field(min_length=1, max_length=5000)


class CommentPublic(BaseModel):
    author: str
    # "agent": the operator's helpdesk; "customer": an account of the ticket's company.
    author_role: Literal["customer", "agent"] = "customer"
    body: str
    created_at: datetime


class TicketPublic(TicketCreated):
    subject_code: TicketSubject
    subject_names: dict[str, str]
    description: str
    contact_number: str
    line_id: int | None
    created_at: datetime
    comments: list[CommentPublic]


class SubjectPublic(BaseModel):
    code: TicketSubject
    names: dict[str, str]
