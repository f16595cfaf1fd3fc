"""Pending operation model."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base
from backend.core.models import UtcDateTime, str_enum, utcnow


class OperationType(str, enum.Enum):
    activate_line = "activate_line"
    replace_sim = "replace_sim"
    block_sim = "block_sim"
    unblock_sim = "unblock_sim"
    change_plan = "change_plan"
    change_options = "change_options"
    change_barrings = "change_barrings"
    deactivate_line = "deactivate_line"
    setup_direct_debit = "setup_direct_debit"
    stop_direct_debit = "stop_direct_debit"
    change_delivery_method = "change_delivery_method"
    request_repair = "request_repair"
    place_order = "place_order"


class OperationStatus(str, enum.Enum):
    pending = "pending"
    done = "done"
    cancelled = "cancelled"
    expired = "expired"


class Operation(Base):
    """A prepared operation bound to the account that prepared it; only it can confirm."""

    __tablename__ = "operations"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[OperationType] = mapped_column(str_enum(OperationType, "operation_type"))
    line_id: Mapped[int | None] = mapped_column(ForeignKey("lines.id", ondelete="SET NULL"))
    msisdn: Mapped[str | None] = mapped_column(String(16))
    params: Mapped[Any] = mapped_column(JSON)
    summary: Mapped[Any] = mapped_column(JSON)
    result: Mapped[Any | None] = mapped_column(JSON)
    status: Mapped[OperationStatus] = mapped_column(str_enum(OperationStatus, "operation_status"))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    def effective_status(self, now: datetime) -> OperationStatus:
        """``expired`` once a pending operation is past its deadline."""
        if self.status == OperationStatus.pending and self.expires_at <= now:
            return OperationStatus.expired
        return self.status
