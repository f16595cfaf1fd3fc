"""Belgian GSM number parsing with phonenumbers."""

from __future__ import annotations

import phonenumbers


def normalize_msisdn(raw: str) -> str | None:
    """E.164 form of a valid number written in any usual Belgian way, else None.

    With region BE, phonenumbers accepts "0470 00 00 01", "+32 470...", "0032470..." and also
    "32470000001" (it strips a leading country code when the rest is a valid national number).
    """
    try:
        number = phonenumbers.parse(raw, "BE")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
