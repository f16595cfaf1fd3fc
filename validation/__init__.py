"""The checks of what people type, shared by the action server and the backend.

IBAN, ICCID (ours) and another operator's SIM card number, IMEI, Belgian mobile and any phone
number, e-mail address, another operator's customer number, the account holder of an end user's
own direct debit (never the company). Each ``check_*`` returns the normalized value or raises
:class:`InvalidValue` with the backend's 422 code, so what the bot accepts the backend accepts,
and the bot explains a refusal with the same code either way.

A pure package: the standard library, phonenumbers, python-stdnum and email-validator only; no
state, no I/O, nothing of ``backend``, ``actions`` or Rasa. Input is normalized first (NFKC, so
fullwidth digits and no-break spaces count; the separators people type: spaces, dots, dashes,
slashes).
"""

from validation.customer import check_customer_number
from validation.email_address import check_email
from validation.errors import InvalidValue
from validation.holder import (
    NAME_PARTICLES,
    check_own_part_holder,
    company_names,
    is_the_company,
)
from validation.iban import check_iban, iban_bank, mask_iban
from validation.imei import IMEI_LENGTH, check_imei
from validation.phone import (
    REGION,
    check_be_mobile,
    check_phone_number,
    display_format,
    national_format,
)
from validation.sim import (
    ICCID_LENGTHS,
    OUR_ICCID_PREFIX,
    check_iccid,
    check_other_sim_number,
    complete_iccid,
    other_sim_check_digit_ok,
)
from validation.text import APOSTROPHES, compact, fold, normalize

__all__ = [
    "APOSTROPHES",
    "ICCID_LENGTHS",
    "IMEI_LENGTH",
    "NAME_PARTICLES",
    "OUR_ICCID_PREFIX",
    "REGION",
    "InvalidValue",
    "check_be_mobile",
    "check_customer_number",
    "check_email",
    "check_iban",
    "check_iccid",
    "check_imei",
    "check_other_sim_number",
    "check_own_part_holder",
    "check_phone_number",
    "compact",
    "company_names",
    "complete_iccid",
    "display_format",
    "fold",
    "iban_bank",
    "is_the_company",
    "mask_iban",
    "national_format",
    "normalize",
    "other_sim_check_digit_ok",
]
