"""Company schemas."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from backend.core.models import Language


class CompanyPublic(BaseModel):
    """A company as shown to its own users."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    customer_number: str
    language: Language
    street: str
    postal_code: str
    city: str
