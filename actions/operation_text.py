"""Turn operation summaries (names, money, lists) into the variables of the responses."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from actions.api.backend import CatalogItem
from actions.formatting import format_money
from actions.labels import NOTHING, label


def item_name(value: Any, language: str) -> str:
    """A catalogue item of a summary (dict with ``names``/``name``, or a bare code)."""
    if isinstance(value, dict):
        names = value.get("names") or {}
        name = names.get(language) if isinstance(names, dict) else None
        return str(name or value.get("name") or value.get("code") or "—")
    if isinstance(value, CatalogItem):
        return value.label(language)
    return str(value) if value is not None else "—"


def item_list(values: Any, language: str) -> str:
    """ "A, B" — or "none" in the conversation language."""
    if not values:
        return label(NOTHING, language)
    return ", ".join(item_name(value, language) for value in values)


def money(value: Any, language: str) -> str:
    """A decimal-string amount in the locale's format ("—" when missing)."""
    try:
        return format_money(Decimal(str(value)), language)
    except (InvalidOperation, ValueError):
        return "—"


def signed_money(value: Any, language: str) -> str:
    """``+15,00 €`` / ``-7,50 €``: a monthly difference always shows its sign."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return "—"
    text = format_money(abs(amount), language)
    return ("+" if amount >= 0 else "-") + text
