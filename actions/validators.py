"""Pure checks of what people type in the fleet forms, each telling precisely what is wrong.

Every check returns the normalized value or raises ``InvalidValue`` whose ``code`` is the same
as the backend's 422 code (docs/api-fleet-operations.md), so a form answers the user with the
same response whether the bot or the backend found the problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from email_validator import EmailNotValidError, validate_email
from stdnum import iban as stdnum_iban
from stdnum import luhn
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError

from actions.phone import InvalidPhoneNumberError, normalize_be_mobile

# The operator's own SIM serials: 89 (telecom) 32 (Belgium) 03 (our issuer id).
OUR_ICCID_PREFIX = "893203"
ICCID_LENGTHS = (19, 20)
# People group the serial by 4 or 5 digits with spaces, dashes or dots.
_SEPARATORS = re.compile(r"[\s.\-/]+")
_POSTAL = re.compile(r"^(?P<street>.+?)[,\s]+(?P<postal_code>[1-9]\d{3})\s+(?P<city>\D{2,})$")
_CUSTOMER_NUMBER = re.compile(r"^[A-Za-z0-9]{4,20}$")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass
class InvalidValue(ValueError):
    """What is wrong with a value: a backend-compatible ``code`` and response variables."""

    code: str
    details: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.code


def _compact(raw: str) -> str:
    return _SEPARATORS.sub("", raw.strip())


def _serial_problem(digits: str, prefix: str) -> InvalidValue | None:
    """Problems shared by our ICCIDs and another operator's SIM card number."""
    if not digits.isdigit():
        return InvalidValue(f"{prefix}_not_numeric")
    if len(digits) not in ICCID_LENGTHS:
        return InvalidValue(f"{prefix}_wrong_length", {"length": len(digits)})
    return None


def check_iccid(raw: str) -> str:
    """The serial of one of OUR new SIM cards (893203…, 19–20 digits, Luhn check digit)."""
    digits = _compact(raw)
    if problem := _serial_problem(digits, "iccid"):
        raise problem
    if not digits.startswith(OUR_ICCID_PREFIX):
        raise InvalidValue("iccid_not_ours", {"prefix": digits[:6]})
    if not luhn.is_valid(digits):
        raise InvalidValue(
            "iccid_check_digit",
            {"check_digit": digits[-1], "expected_check_digit": luhn.calc_check_digit(digits[:-1])},
        )
    return digits


def check_current_sim_number(raw: str) -> str:
    """The SIM card number at the current operator (residential porting): any ICCID, Luhn."""
    digits = _compact(raw)
    if problem := _serial_problem(digits, "current_sim_number"):
        raise InvalidValue(
            "current_sim_number_invalid", {"reason": problem.code, **problem.details}
        )
    if not digits.startswith("89"):
        raise InvalidValue("current_sim_number_invalid", {"reason": "prefix"})
    if not luhn.is_valid(digits):
        raise InvalidValue("current_sim_number_invalid", {"reason": "check_digit"})
    return digits


def check_customer_number(raw: str) -> str:
    """The customer number at the current operator (professional porting): 4–20 letters/digits."""
    value = _compact(raw).upper()
    if not _CUSTOMER_NUMBER.match(value) or not any(ch.isdigit() for ch in value):
        raise InvalidValue("current_customer_number_invalid")
    return value


def check_email(raw: str) -> str:
    """An e-mail address, normalized (domain lower-cased); no DNS lookup."""
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidValue("email_invalid", {"email": raw.strip()}) from exc
    return str(result.normalized)


def check_iban(raw: str) -> str:
    """An IBAN for direct debit, compact (``BE68539007547034``)."""
    value = _compact(raw).upper()
    try:
        # No bank-registry lookup: a new bank code must not block a split bill.
        return str(stdnum_iban.validate(value, check_country=False))
    except InvalidChecksum as exc:
        raise InvalidValue("iban_invalid", {"reason": "checksum"}) from exc
    except InvalidLength as exc:
        raise InvalidValue("iban_invalid", {"reason": "length"}) from exc
    except ValidationError as exc:
        raise InvalidValue("iban_invalid", {"reason": "format"}) from exc


def check_mobile_number(raw: str) -> str:
    """A Belgian mobile number in E.164 (the number to keep when porting)."""
    try:
        return normalize_be_mobile(raw)
    except InvalidPhoneNumberError as exc:
        raise InvalidValue("msisdn_invalid", {"phone_number": raw.strip()}) from exc


def check_person_name(raw: str) -> str:
    """A person's name: letters (accents, hyphens, apostrophes), no digits, 2–100 characters."""
    value = " ".join(raw.split())
    letters = len(_LETTER.findall(value))
    if letters < 2 or len(value) > 100 or any(ch.isdigit() for ch in value) or "@" in value:
        raise InvalidValue("name_invalid")
    return value


def check_postal_address(raw: str) -> dict[str, str]:
    """``Kerkstraat 12, 9000 Gent`` → street, postal_code, city (a Belgian postal code)."""
    match = _POSTAL.match(" ".join(raw.split()))
    if not match or not any(ch.isdigit() for ch in match["street"]):
        raise InvalidValue("address_invalid")
    return {
        "street": match["street"].strip(" ,"),
        "postal_code": match["postal_code"],
        "city": match["city"].strip(" ,."),
    }
