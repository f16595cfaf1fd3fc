"""Repair request model."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base
from backend.core.models import UtcDateTime, str_enum, utcnow


class RepairStatus(str, enum.Enum):
    requested = "requested"
    # The device is in the operator's hands: taken by the courier, or for a drop-off received at
    # the shop. One step either way; what is said about it depends on the repair's pickup.
    picked_up = "picked_up"
    in_repair = "in_repair"
    ready = "ready"
    returned = "returned"


class Pickup(str, enum.Enum):
    workplace = "workplace"  # the manual's "Au travail": the company address
    other_address = "other_address"
    # The customer brings the device to one of the operator's shops: no courier, no address.
    drop_off = "drop_off"


class Repair(Base):
    """A device repair request of a company, made by one of its accounts."""

    __tablename__ = "repairs"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    line_id: Mapped[int | None] = mapped_column(ForeignKey("lines.id", ondelete="SET NULL"))
    msisdn: Mapped[str | None] = mapped_column(String(16))
    imei: Mapped[str] = mapped_column(String(15))
    problem: Mapped[str] = mapped_column(Text)
    pickup: Mapped[Pickup] = mapped_column(str_enum(Pickup, "repair_pickup"))
    # Where the courier picks the device up; None for a drop-off (SQL NULL, not JSON null).
    address: Mapped[Any | None] = mapped_column(JSON(none_as_null=True))
    status: Mapped[RepairStatus] = mapped_column(str_enum(RepairStatus, "repair_status"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # Every status the repair went through: [{"status", "at"}] (the workshop stand-in).
    status_history: Mapped[Any | None] = mapped_column(JSON)
