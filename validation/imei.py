"""IMEIs: the 15 digits of a device (14 + a Luhn check digit); an IMEISV (16 digits) is refused."""

from __future__ import annotations

from stdnum import imei as stdnum_imei
from stdnum.exceptions import InvalidChecksum, ValidationError

from validation.errors import InvalidValue
from validation.text import compact, is_ascii_digits

IMEI_LENGTH = 15


def check_imei(raw: str) -> str:
    """The 15 digits of a valid IMEI (spaces, dots, slashes and dashes ignored)."""
    digits = compact(raw)
    if not is_ascii_digits(digits):
        raise InvalidValue(
            "imei_not_numeric", message="An IMEI has digits only (dial *#06# to see it)."
        )
    wrong_length = InvalidValue(
        "imei_invalid_length",
        {"length": len(digits)},
        "An IMEI has 15 digits (dial *#06# or look on the box).",
    )
    if len(digits) != IMEI_LENGTH:
        raise wrong_length
    try:
        stdnum_imei.validate(digits)
    except InvalidChecksum as exc:
        raise InvalidValue(
            "imei_check_digit",
            message="This IMEI's check digit is wrong: a digit was probably mistyped.",
        ) from exc
    except ValidationError as exc:
        raise wrong_length from exc
    return digits
