"""Company model."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base
from backend.core.models import Language, str_enum


class Company(Base):
    """A business customer of the operator."""

    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    customer_number: Mapped[str] = mapped_column(String(20), unique=True)
    vat_number: Mapped[str] = mapped_column(String(20), unique=True)
    street: Mapped[str] = mapped_column(String(200))
    postal_code: Mapped[str] = mapped_column(String(10))
    city: Mapped[str] = mapped_column(String(100))
    language: Mapped[Language] = mapped_column(str_enum(Language, "language"))
