"""IBANs: python-stdnum with each country's own BBAN check (Belgium: bank code, check digits)."""

from __future__ import annotations

from stdnum import iban as stdnum_iban
from stdnum.be import iban as be_iban
from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError

from validation.errors import InvalidValue
from validation.text import compact

# python-stdnum's exception → ``details.reason``, first for the IBAN itself (its check digits,
# country and account shape), then for the country's own account check.
_IBAN_REASONS: tuple[tuple[type[ValidationError], str], ...] = (
    (InvalidChecksum, "checksum"),
    (InvalidComponent, "country"),
    (ValidationError, "format"),
)
_COUNTRY_REASONS: tuple[tuple[type[ValidationError], str], ...] = (
    (InvalidChecksum, "national_check_digits"),
    (InvalidComponent, "bank_code"),
    (ValidationError, "format"),
)


def check_iban(raw: str) -> str:
    """A valid IBAN, compact and upper case (``BE71096123456769``).

    ``iban_invalid`` with ``details.reason``: ``checksum`` (the IBAN's check digits),
    ``country`` (no such IBAN country), ``format`` (the account part has the wrong shape or
    length), ``national_check_digits`` (e.g. a Belgian account's last two digits) or
    ``bank_code`` (e.g. a Belgian bank code no bank has).
    """
    value = compact(raw).upper()
    for check_country, reasons in ((False, _IBAN_REASONS), (True, _COUNTRY_REASONS)):
        try:
            value = stdnum_iban.validate(value, check_country=check_country)
        except ValidationError as exc:
            reason = next(reason for kind, reason in reasons if isinstance(exc, kind))
            raise InvalidValue("iban_invalid", {"reason": reason}, "Not a valid IBAN.") from exc
    return str(value)


def iban_bank(value: str) -> dict[str, str]:
    """``{"bank", "bic"}`` of a Belgian IBAN (python-stdnum's registry); ``{}`` otherwise."""
    compact_value = compact(value).upper()
    if not compact_value.startswith("BE"):
        return {}
    try:
        info = be_iban.info(compact_value)
    except Exception:  # an unknown bank code just means "no bank"
        return {}
    return {key: str(info[key]) for key in ("bank", "bic") if info.get(key)}


def mask_iban(value: str) -> str:
    """``BE71096123456769`` → ``BE71 **** **** 6769``: enough to recognise it, not to copy it."""
    compact_value = compact(value).upper()
    return f"{compact_value[:4]} **** **** {compact_value[-4:]}"
