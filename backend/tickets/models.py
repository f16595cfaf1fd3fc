"""Ticket model."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base
from backend.core.models import UtcDateTime, str_enum, utcnow


class TicketSubject(str, enum.Enum):
    prepaid_conversion = "prepaid_conversion"
    sim_or_esim = "sim_or_esim"
    porting = "porting"
    network_coverage = "network_coverage"
    billing = "billing"
    plans_and_options = "plans_and_options"
    device_or_repair = "device_or_repair"
    other = "other"


class TicketStatus(str, enum.Enum):
    open = "open"
    in_progress = "in_progress"
    closed = "closed"


class Ticket(Base):
    """A helpdesk ticket of a company, opened by one of its accounts."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    line_id: Mapped[int | None] = mapped_column(ForeignKey("lines.id", ondelete="SET NULL"))
    subject_code: Mapped[TicketSubject] = mapped_column(str_enum(TicketSubject, "ticket_subject"))
    description: Mapped[str] = mapped_column(Text)
    contact_number: Mapped[str] = mapped_column(String(16))
    status: Mapped[TicketStatus] = mapped_column(str_enum(TicketStatus, "ticket_status"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class TicketComment(Base):
    """A comment on a ticket, by the customer (an account of the company) or support."""

    __tablename__ = "ticket_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
