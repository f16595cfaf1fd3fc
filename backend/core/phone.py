"""Phone numbers typed to log in or to find a line: the shared check, ``None`` when invalid."""

from __future__ import annotations

from validation import InvalidValue, check_phone_number


def normalize_msisdn(raw: str) -> str | None:
    """E.164 form of a valid number written in any usual (Belgian) way, else None."""
    try:
        return check_phone_number(raw)
    except InvalidValue:
        return None
