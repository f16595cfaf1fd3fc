"""Fleet and catalog models."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Date, ForeignKey, Numeric, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.accounts.models import Account
from backend.core.db import Base
from backend.core.models import Language, UtcDateTime, str_enum, utcnow


class LineStatus(str, enum.Enum):
    active = "active"
    pending_activation = "pending_activation"
    suspended = "suspended"
    deactivated = "deactivated"


class SimType(str, enum.Enum):
    physical = "physical"
    esim = "esim"


class ConsumptionPart(str, enum.Enum):
    """Who pays a consumption row: split-bill lines have an employer and an employee row."""

    employer = "employer"
    employee = "employee"
    full = "full"


class _Named:
    """Catalog entries carry their display name in the three languages."""

    name_fr: Mapped[str] = mapped_column(String(100))
    name_nl: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))

    def names(self) -> dict[str, str]:
        return {"fr": self.name_fr, "nl": self.name_nl, "en": self.name_en}

    def name_in(self, language: Language) -> str:
        return self.names()[language.value]


class Plan(_Named, Base):
    """A tariff plan; None in an allowance means unlimited."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    monthly_price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    data_gb: Mapped[int | None]
    voice_minutes: Mapped[int | None]
    sms: Mapped[int | None]


class Option(_Named, Base):
    """An add-on that can be enabled on a line for a monthly price."""

    __tablename__ = "options"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    monthly_price: Mapped[Decimal] = mapped_column(Numeric(10, 2))


class BarrableService(_Named, Base):
    """A service that can be barred per line."""

    __tablename__ = "barrable_services"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)


line_options = Table(
    "line_options",
    Base.metadata,
    Column("line_id", ForeignKey("lines.id", ondelete="CASCADE"), primary_key=True),
    Column("option_id", ForeignKey("options.id", ondelete="RESTRICT"), primary_key=True),
)

line_barrings = Table(
    "line_barrings",
    Base.metadata,
    Column("line_id", ForeignKey("lines.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "barrable_service_id",
        ForeignKey("barrable_services.id", ondelete="RESTRICT"),
        primary_key=True,
    ),
)


class Line(Base):
    """A mobile number of a company, with its SIM, plan, options and barrings."""

    __tablename__ = "lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="RESTRICT"), index=True
    )
    # The portal account of the person using the line, when they have one (end users, and a
    # fleet manager's own line).
    user_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    msisdn: Mapped[str] = mapped_column(String(16), unique=True)
    label: Mapped[str] = mapped_column(String(100))
    user_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[LineStatus] = mapped_column(str_enum(LineStatus, "line_status"))
    sim_type: Mapped[SimType] = mapped_column(str_enum(SimType, "sim_type"))
    iccid: Mapped[str] = mapped_column(String(20), unique=True)
    split_bill: Mapped[bool] = mapped_column(default=False)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="RESTRICT"))
    # Last day of the contractual commitment; deactivating before it costs a termination fee.
    commitment_end: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=utcnow)
    deactivated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    plan: Mapped[Plan] = relationship(lazy="joined")
    user_account: Mapped[Account | None] = relationship()
    options: Mapped[list[Option]] = relationship(
        secondary=line_options, lazy="selectin", order_by=Option.code
    )
    barrings: Mapped[list[BarrableService]] = relationship(
        secondary=line_barrings, lazy="selectin", order_by=BarrableService.code
    )


class Consumption(Base):
    """Usage and cost of one line in one month, for one payer part."""

    __tablename__ = "consumptions"
    __table_args__ = (UniqueConstraint("line_id", "month", "part"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id", ondelete="CASCADE"), index=True)
    month: Mapped[str] = mapped_column(String(7))  # "YYYY-MM": sorts and compares as text
    part: Mapped[ConsumptionPart] = mapped_column(str_enum(ConsumptionPart, "consumption_part"))
    voice_minutes: Mapped[int]
    sms: Mapped[int]
    data_mb: Mapped[int]
    roaming_mb: Mapped[int]
    roaming_minutes: Mapped[int]
    cost: Mapped[Decimal] = mapped_column(Numeric(10, 2))

    line: Mapped[Line] = relationship()


class SimStatus(str, enum.Enum):
    in_stock = "in_stock"
    in_use = "in_use"
    blocked = "blocked"


class SimCard(Base):
    """A physical SIM card delivered to a company: its stock for activations and replacements."""

    __tablename__ = "sim_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    iccid: Mapped[str] = mapped_column(String(20), unique=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[SimStatus] = mapped_column(str_enum(SimStatus, "sim_status"))


class NumberType(str, enum.Enum):
    residential = "residential"
    professional = "professional"


class PortingStatus(str, enum.Enum):
    requested = "requested"
    accepted = "accepted"
    completed = "completed"
    rejected = "rejected"


class PortingRequest(Base):
    """Bringing a number from another operator onto a new line of the company."""

    __tablename__ = "porting_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="RESTRICT"), index=True
    )
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id", ondelete="CASCADE"), index=True)
    msisdn: Mapped[str] = mapped_column(String(16))
    number_type: Mapped[NumberType] = mapped_column(str_enum(NumberType, "number_type"))
    # Residential: SIM card number at the current operator; professional: customer number.
    current_sim_number: Mapped[str | None] = mapped_column(String(20))
    current_customer_number: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[PortingStatus] = mapped_column(str_enum(PortingStatus, "porting_status"))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expected_date: Mapped[date | None] = mapped_column(Date)

    line: Mapped[Line] = relationship()
