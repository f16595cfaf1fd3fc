"""Checks of what people type in the fleet forms, each telling precisely what is wrong.

The numbers and addresses the backend also checks (ICCID, another operator's SIM card and
customer numbers, e-mail, IBAN, Belgian mobile number) are the shared ``validation`` package's
checks, so what the bot accepts the backend accepts and both refuse with the same ``code``
(docs/api-fleet-operations.md). Names and postal addresses typed in one line are the bot's own.
"""

from __future__ import annotations

import re

from validation import (
    InvalidValue,
    check_customer_number,
    check_email,
    check_iban,
    check_iccid,
    normalize,
    other_sim_check_digit_ok,
)
from validation import check_be_mobile as check_mobile_number
from validation import check_other_sim_number as check_current_sim_number

__all__ = [
    "InvalidValue",
    "check_current_sim_number",
    "check_customer_number",
    "check_email",
    "check_iban",
    "check_iccid",
    "check_mobile_number",
    "check_person_name",
    "check_postal_address",
    "other_sim_check_digit_ok",
]

_POSTAL = re.compile(r"^(?P<street>.+?)[,\s]+(?P<postal_code>[1-9]\d{3})\s+(?P<city>\D{2,})$")
_LETTER = re.compile(r"[^\W\d_]")


def check_person_name(raw: str) -> str:
    """A person's name: letters (accents, hyphens, apostrophes), no digits, 2–100 characters."""
    value = " ".join(raw.split())
    letters = len(_LETTER.findall(value))
    if letters < 2 or len(value) > 100 or any(ch.isdigit() for ch in value) or "@" in value:
        raise InvalidValue("name_invalid")
    return value


def check_postal_address(raw: str) -> dict[str, str]:
    """``Kerkstraat 12, 9000 Gent`` → street, postal_code, city (a Belgian postal code)."""
    match = _POSTAL.match(" ".join(normalize(raw).split()))
    if not match or not any(ch.isdigit() for ch in match["street"]):
        raise InvalidValue("address_invalid")
    return {
        "street": match["street"].strip(" ,"),
        "postal_code": match["postal_code"],
        "city": match["city"].strip(" ,."),
    }
