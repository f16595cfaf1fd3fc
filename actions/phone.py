"""Belgian mobile numbers: parse what people type, keep E.164, show the national format."""

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

REGION = "BE"
_NOT_DIGIT = re.compile(r"\D")


class InvalidPhoneNumberError(ValueError):
    """The text is not a valid Belgian mobile number."""


def normalize_be_mobile(raw: str) -> str:
    """Return the E.164 form (``+32470123456``) of a Belgian mobile number typed in any usual way.

    Accepts 0470123456, 0470 12 34 56, 0470/12.34.56, +32 470 12 34 56, 32470123456 and
    0032470123456; raises ``InvalidPhoneNumberError`` for anything else (too short, landline,
    foreign number...).
    """
    text = raw.strip()
    digits = _NOT_DIGIT.sub("", text)
    if text.startswith("+"):
        candidate = "+" + digits
    elif digits.startswith("00"):
        candidate = "+" + digits[2:]
    elif digits.startswith("32") and len(digits) == 11:
        # "32470123456": the country code typed without "+" or "00".
        candidate = "+" + digits
    else:
        candidate = digits
    try:
        number = phonenumbers.parse(candidate, REGION)
    except NumberParseException as exc:
        raise InvalidPhoneNumberError(raw) from exc
    if (
        not phonenumbers.is_valid_number(number)
        or phonenumbers.region_code_for_number(number) != REGION
        or phonenumbers.number_type(number) != PhoneNumberType.MOBILE
    ):
        raise InvalidPhoneNumberError(raw)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def format_national(e164: str) -> str:
    """Show an E.164 number as Belgians write it (``0470 12 34 56``); unchanged if unparsable."""
    try:
        number = phonenumbers.parse(e164, REGION)
    except NumberParseException:
        return e164
    return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
