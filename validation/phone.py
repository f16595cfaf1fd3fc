"""Phone numbers with phonenumbers (region BE): parse what people type, keep E.164, show them."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat, PhoneNumberType

from validation.errors import InvalidValue
from validation.text import normalize

REGION = "BE"
_NOT_DIGIT = re.compile(r"\D")
_FIRST_DIGIT = re.compile(r"\+?\d")


def _parse(raw: str) -> PhoneNumber | None:
    """The number in what people type, or ``None``.

    Only the digits count (spaces, dots, slashes, brackets and words around them are dropped),
    with a ``+`` right before the first digit, ``00`` or a bare ``32`` + 9 digits read as the
    international prefix: ``0470/12.34.56``, ``+32 (0)470 12 34 56``, ``0032 470…``, ``32470…``.
    """
    text = normalize(raw)
    digits = _NOT_DIGIT.sub("", text)
    first = _FIRST_DIGIT.search(text)
    if first is not None and first.group().startswith("+"):
        candidate = "+" + digits
    elif digits.startswith("00"):
        candidate = "+" + digits[2:]
    elif digits.startswith("32") and len(digits) == 11:
        candidate = "+" + digits  # the country code typed without "+" or "00"
    else:
        candidate = digits
    try:
        number = phonenumbers.parse(candidate, REGION)
    except NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def check_be_mobile(raw: str) -> str:
    """E.164 of a Belgian mobile number (``+32470123456``); ``msisdn_invalid`` otherwise."""
    number = _parse(raw)
    if (
        number is None
        or phonenumbers.region_code_for_number(number) != REGION
        or phonenumbers.number_type(number) != PhoneNumberType.MOBILE
    ):
        raise InvalidValue("msisdn_invalid", message="Not a Belgian mobile number.")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def check_phone_number(raw: str) -> str:
    """E.164 of any valid number, Belgian ones without +32 (a contact number, a login GSM);
    ``contact_number_invalid`` otherwise."""
    number = _parse(raw)
    if number is None:
        raise InvalidValue("contact_number_invalid", message="Not a valid phone number.")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _formatted(e164: str, foreign: int) -> str:
    try:
        number = phonenumbers.parse(e164, REGION)
    except NumberParseException:
        return e164
    belgian = phonenumbers.region_code_for_number(number) == REGION
    return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL if belgian else foreign)


def national_format(e164: str) -> str:
    """An E.164 number as Belgians write it (``0470 12 34 56``); unchanged if unparsable."""
    return _formatted(e164, PhoneNumberFormat.NATIONAL)


def display_format(e164: str) -> str:
    """National format for Belgian numbers, international for the others."""
    return _formatted(e164, PhoneNumberFormat.INTERNATIONAL)
