"""The customer number at another operator (porting a professional number)."""

from __future__ import annotations

import re

from validation.errors import InvalidValue
from validation.text import compact

_CUSTOMER_NUMBER = re.compile(r"^[A-Z0-9]{4,20}$")


def check_customer_number(raw: str) -> str:
    """4–20 letters and digits, at least one digit, upper case (``CUST-1234`` → ``CUST1234``);
    ``current_customer_number_invalid`` otherwise."""
    value = compact(raw).upper()
    if not _CUSTOMER_NUMBER.match(value) or not any(char.isdigit() for char in value):
        raise InvalidValue(
            "current_customer_number_invalid",
            message="A customer number has 4 to 20 letters or digits.",
        )
    return value
