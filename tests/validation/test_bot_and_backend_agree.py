"""What the bot accepts the backend accepts: the bot's checks and the backend's 422 checks give the
same verdict (value, or code and details) for the same input, through the names each side uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import validation
from actions import repairs as bot_repairs
from actions import tickets as bot_tickets
from actions import validators as bot
from backend.core.errors import FieldError
from backend.core.phone import normalize_msisdn
from backend.fleet.validation import checked

NBSP = "\u00a0"

# kind → (the bot's check, the check the backend runs through ``checked``, the backend's field)
KINDS: dict[str, tuple[Callable[[str], str], Callable[[str], str], str]] = {
    "iban": (bot.check_iban, validation.check_iban, "billing.iban"),
    "iccid": (bot.check_iccid, validation.check_iccid, "iccid"),
    "sim": (bot.check_current_sim_number, validation.check_other_sim_number, "number.sim"),
    "customer": (bot.check_customer_number, validation.check_customer_number, "number.cn"),
    "mobile": (bot.check_mobile_number, validation.check_be_mobile, "number.msisdn"),
    "contact": (bot_tickets.check_phone_number, validation.check_phone_number, "contact_number"),
    "email": (bot.check_email, validation.check_email, "email"),
    "imei": (bot_repairs.check_imei, validation.check_imei, "imei"),
}

TABLE: list[tuple[str, str]] = [
    ("iban", "BE68 5390 0754 7034"),  # the bot accepted it, the backend refused it
    ("iban", "BE62 5100 0754 7061"),
    ("iban", "BE71 0961 2345 6769"),
    ("iban", "BE71/0961/2345/6769"),
    ("iban", "ＢＥ７１ ０９６１ ２３４５ ６７６９"),
    ("iban", "BE71096123456768"),
    ("iban", "NL91ABNA0417164300"),
    ("iccid", "8932030000000000125"),
    ("iccid", "8932.0300.0000.0000.125"),
    ("iccid", "８９３２０３００００００００００１２５"),
    ("iccid", "8932030000000000126"),
    ("iccid", "8944000000000000001"),
    ("iccid", "89320300000"),
    ("iccid", "8932O30000000000125"),
    ("sim", "8944/0000/0000/0000/001"),
    ("sim", "8944000000000000002"),
    ("sim", "1234567890123456789"),
    ("customer", "CUST-1234"),
    ("customer", "1234567890123"),
    ("customer", "AB"),
    ("mobile", "0470 12 34 56"),
    ("mobile", f"0470{NBSP}12{NBSP}34{NBSP}56"),
    ("mobile", "+32 (0)470 12 34 56"),
    ("mobile", "02 123 45 67"),
    ("mobile", "+33612345678"),
    ("contact", "02 511 22 33"),
    ("contact", "0044 7911 123456"),
    ("contact", "12"),
    ("email", " nina@example.com "),
    ("email", "Jan.Peeters@ACME.be"),
    ("email", "x@"),
    ("imei", "49 015420 323751 8"),
    ("imei", "４９０１５４２０３２３７５１８"),
    ("imei", "4901542032375178"),
    ("imei", "490154203237519"),
]


def bot_verdict(check: Callable[[str], str], raw: str) -> tuple[str, Any]:
    try:
        return "ok", check(raw)
    except bot.InvalidValue as exc:
        return exc.code, exc.details


def backend_verdict(check: Callable[[str], str], raw: str, field: str) -> tuple[str, Any]:
    try:
        return "ok", checked(check, raw, field=field)
    except FieldError as exc:
        assert exc.status_code == 422 and exc.field == field and exc.message
        return exc.code, exc.details or {}


@pytest.mark.parametrize(("kind", "raw"), TABLE)
def test_bot_and_backend_give_the_same_verdict(kind: str, raw: str) -> None:
    bot_check, backend_check, field = KINDS[kind]
    assert bot_verdict(bot_check, raw) == backend_verdict(backend_check, raw, field)


def test_the_bot_refuses_the_iban_the_backend_refuses_with_the_backends_code() -> None:
    verdict = bot_verdict(bot.check_iban, "BE68 5390 0754 7034")
    assert verdict == backend_verdict(validation.check_iban, "BE68 5390 0754 7034", "iban")
    assert verdict[0] == "iban_invalid"


def test_the_bots_invalid_value_is_the_shared_exception() -> None:
    assert bot.InvalidValue is validation.InvalidValue


def test_login_and_line_search_numbers_are_the_contact_number_check() -> None:
    for raw in ("0470 00 00 01", "+32 470 00 00 01", "32470000001", "０４７０ ００ ００ ０１"):
        assert normalize_msisdn(raw) == validation.check_phone_number(raw) == "+32470000001"
    assert normalize_msisdn("12") is None
