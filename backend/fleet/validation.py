"""Fleet input checks with the domain libraries (stdnum, phonenumbers, email-validator).

Each check returns the normalized value or raises a 422 :class:`FieldError` whose code the bot
explains to the user.
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum import iban, luhn
from stdnum.be import iban as be_iban
from stdnum.exceptions import ValidationError as StdnumError

from backend.core.errors import FieldError

OUR_ICCID_PREFIX = "893203"
ICCID_LENGTHS = (19, 20)


def check_iccid_format(raw: str, *, field: str = "iccid") -> str:
    """An ICCID of ours, well-formed (not yet looked up in any SIM stock)."""
    iccid = re.sub(r"[\s-]", "", raw)
    if not iccid.isdigit():
        raise FieldError(
            "iccid_not_numeric", "A SIM card number contains digits only.", field=field
        )
    if len(iccid) not in ICCID_LENGTHS:
        raise FieldError(
            "iccid_wrong_length",
            "A SIM card number has 19 or 20 digits.",
            field=field,
            details={"length": len(iccid)},
        )
    if not iccid.startswith(OUR_ICCID_PREFIX):
        raise FieldError(
            "iccid_not_ours",
            f"This SIM card is not one of ours (our SIM numbers start with {OUR_ICCID_PREFIX}).",
            field=field,
        )
    if not luhn.is_valid(iccid):
        raise FieldError(
            "iccid_check_digit",
            "The last digit of this SIM card number does not match: probably a typo.",
            field=field,
            details={"expected_check_digit": luhn.calc_check_digit(iccid[:-1])},
        )
    return iccid


def check_email(raw: str, *, field: str = "email") -> str:
    """A syntactically valid e-mail address (normalized; no DNS lookup)."""
    try:
        return validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise FieldError(
            "email_invalid", f"Not a valid e-mail address: {exc}", field=field
        ) from exc


def check_be_mobile(raw: str, *, field: str = "msisdn") -> str:
    """E.164 form of a Belgian mobile number (+32 4xx xx xx xx)."""
    try:
        number = phonenumbers.parse(raw, "BE")
    except phonenumbers.NumberParseException as exc:
        raise FieldError("msisdn_invalid", "Not a Belgian mobile number.", field=field) from exc
    if (
        not phonenumbers.is_valid_number(number)
        or phonenumbers.region_code_for_number(number) != "BE"
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
    ):
        raise FieldError("msisdn_invalid", "Not a Belgian mobile number.", field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_contact_number(raw: str, *, field: str = "contact_number") -> str:
    """E.164 form of any valid phone number (Belgian formats understood without +32)."""
    try:
        number = phonenumbers.parse(raw, "BE")
    except phonenumbers.NumberParseException as exc:
        raise FieldError(
            "contact_number_invalid", "Not a valid phone number.", field=field
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise FieldError("contact_number_invalid", "Not a valid phone number.", field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_iban(raw: str, *, field: str = "billing.iban") -> tuple[str, dict[str, Any]]:
    """A compact valid IBAN and, for Belgian ones, the bank (``{"bank", "bic"}`` when known)."""
    try:
        value = iban.validate(raw)
    except StdnumError as exc:
        raise FieldError("iban_invalid", "Not a valid IBAN.", field=field) from exc
    info: dict[str, Any] = {}
    if value.startswith("BE"):
        info = dict(be_iban.info(value))
    return value, info


def mask_iban(value: str) -> str:
    """``BE71096123456769`` → ``BE71 **** **** 6769``."""
    return f"{value[:4]} **** **** {value[-4:]}"


def check_digits_only(raw: str, *, code: str, field: str, lengths: range) -> str:
    """Digits only (spaces and dashes ignored) with a plausible length."""
    value = re.sub(r"[\s-]", "", raw)
    if not value.isdigit() or len(value) not in lengths:
        raise FieldError(code, "This number is not in the expected format.", field=field)
    return value
