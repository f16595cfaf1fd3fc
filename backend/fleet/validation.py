"""The backend's side of the shared input checks (the top-level ``validation`` package).

The checks themselves (IBAN, ICCID, other SIM numbers, IMEI, phone numbers, e-mail, customer
numbers) are the ones the action server runs, so what the bot accepts the backend accepts; here
a refusal becomes a 422 :class:`FieldError` with the check's code and details, named after the
offending input field.
"""

from __future__ import annotations

from collections.abc import Callable

from backend.core.errors import FieldError
from validation import InvalidValue


def checked(check: Callable[[str], str], raw: str, *, field: str) -> str:
    """``check(raw)``'s normalized value, or a 422 ``FieldError`` on ``field`` with its code."""
    try:
        return check(raw)
    except InvalidValue as exc:
        raise FieldError(
            exc.code, exc.message or "Invalid value.", field=field, details=exc.details or None
        ) from exc
