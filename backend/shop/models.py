"""Devices and their variants, carts and orders."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.db import Base
from backend.core.models import UtcDateTime, str_enum, utcnow


class Device(Base):
    """A device model the shop sells."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    brand: Mapped[str] = mapped_column(String(40))
    model: Mapped[str] = mapped_column(String(80))
    rugged: Mapped[bool] = mapped_column(default=False)

    variants: Mapped[list[DeviceVariant]] = relationship(
        back_populates="device", order_by="DeviceVariant.id", lazy="selectin"
    )

    @property
    def name(self) -> str:
        return self.model if self.model.startswith(self.brand) else f"{self.brand} {self.model}"


class DeviceVariant(Base):
    """One colour and capacity of a device, with its price and stock."""

    __tablename__ = "device_variants"
    __table_args__ = (UniqueConstraint("device_id", "colour", "storage_gb"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    colour: Mapped[str] = mapped_column(String(40))
    storage_gb: Mapped[int]
    price_excl_vat: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    stock: Mapped[int]

    device: Mapped[Device] = relationship(back_populates="variants")


class CartItem(Base):
    """A line of an account's cart (one cart per account)."""

    __tablename__ = "cart_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    variant_id: Mapped[int] = mapped_column(ForeignKey("device_variants.id", ondelete="CASCADE"))
    quantity: Mapped[int]
    for_line_id: Mapped[int | None] = mapped_column(ForeignKey("lines.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    variant: Mapped[DeviceVariant] = relationship(lazy="joined")


class OrderStatus(str, enum.Enum):
    received = "received"
    processing = "processing"
    shipped = "shipped"
    delivered = "delivered"


class Order(Base):
    """A placed order; its items are copied from the cart with their prices at that moment."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    status: Mapped[OrderStatus] = mapped_column(str_enum(OrderStatus, "order_status"))
    items: Mapped[Any] = mapped_column(JSON)
    total_excl_vat: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    total_incl_vat: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    delivery_address: Mapped[Any] = mapped_column(JSON)
    tracking: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # Every status the order went through: [{"status", "at"}] (the fulfilment stand-in).
    status_history: Mapped[Any | None] = mapped_column(JSON)
