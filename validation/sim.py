"""SIM card numbers (ICCID, ITU-T E.118): ours to activate, and another operator's to port."""

from __future__ import annotations

from stdnum import luhn

from validation.errors import InvalidValue
from validation.text import compact, is_ascii_digits

# The operator's own SIM serials: 89 (telecom) 32 (Belgium) 03 (our issuer id).
OUR_ICCID_PREFIX = "893203"
ICCID_LENGTHS = (19, 20)
# Every ICCID starts with the telecom industry identifier.
TELECOM_PREFIX = "89"


def complete_iccid(body: str) -> str:
    """``body`` (18 or 19 digits) with its Luhn check digit: a valid ICCID."""
    return body + luhn.calc_check_digit(body)


def _serial_problem(digits: str, prefix: str) -> InvalidValue | None:
    """Problems shared by our ICCIDs and another operator's SIM card number."""
    if not is_ascii_digits(digits):
        return InvalidValue(
            f"{prefix}_not_numeric", message="A SIM card number contains digits only."
        )
    if len(digits) not in ICCID_LENGTHS:
        return InvalidValue(
            f"{prefix}_wrong_length",
            {"length": len(digits)},
            "A SIM card number has 19 or 20 digits.",
        )
    return None


def check_iccid(raw: str) -> str:
    """The serial of one of OUR SIM cards (893203…, 19–20 digits, Luhn check digit)."""
    digits = compact(raw)
    if problem := _serial_problem(digits, "iccid"):
        raise problem
    if not digits.startswith(OUR_ICCID_PREFIX):
        raise InvalidValue(
            "iccid_not_ours",
            {"prefix": digits[:6]},
            f"This SIM card is not one of ours (our SIM numbers start with {OUR_ICCID_PREFIX}).",
        )
    if not luhn.is_valid(digits):
        raise InvalidValue(
            "iccid_check_digit",
            {"check_digit": digits[-1], "expected_check_digit": luhn.calc_check_digit(digits[:-1])},
            "The last digit of this SIM card number does not match: probably a typo.",
        )
    return digits


def check_other_sim_number(raw: str) -> str:
    """The SIM card number at the current operator (porting a residential number): 89…, 19–20
    digits. One code, ``current_sim_number_invalid``, with ``details.reason``.

    No check-digit rule here: the current operator is the one who accepts or rejects its own
    card number in the porting request, and a user who read the number off the card must be able
    to send it. The bot still points out a Luhn mismatch once (``other_sim_check_digit_ok``)."""
    digits = compact(raw)
    code, message = "current_sim_number_invalid", "This SIM card number is not valid."
    if problem := _serial_problem(digits, "current_sim_number"):
        raise InvalidValue(code, {"reason": problem.code, **problem.details}, message)
    if not digits.startswith(TELECOM_PREFIX):
        raise InvalidValue(code, {"reason": "prefix"}, message)
    return digits


def other_sim_check_digit_ok(digits: str) -> bool:
    """Whether another operator's SIM card number ends with its E.118 (Luhn) check digit: when it
    does not, a typo is likely, though some cards print the serial without it."""
    return luhn.is_valid(digits)
