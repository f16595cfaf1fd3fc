"""Every example the bot shows users is valid: the IBANs, SIM card numbers, IMEIs, phone numbers
and e-mail addresses written in domain.yml's responses pass the shared checks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from validation import (
    OUR_ICCID_PREFIX,
    InvalidValue,
    check_be_mobile,
    check_email,
    check_iban,
    check_iccid,
    check_imei,
    check_other_sim_number,
    check_phone_number,
)

DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ \u00a0]?[A-Z0-9]{4}){2,7}(?:[ \u00a0]?[A-Z0-9]{1,3})?\b")
# Digit runs with the separators people type; not inside a word, a {slot} or "T-2026-000012".
_DIGITS = re.compile(r"(?<![\w{\-])\+?\d(?:[ \u00a0./\-]?\d)+(?![\w}])")
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
# Shorter digit runs are amounts, dates, durations, postal codes...
MIN_EXAMPLE_DIGITS = 8


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def response_texts() -> list[tuple[str, str]]:
    domain = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))
    return [
        (name, text)
        for name, variations in domain["responses"].items()
        for text in _texts(variations)
    ]


def examples_in(text: str) -> dict[str, list[str]]:
    """``kind → [example]`` for every number-like example (and e-mail address) in ``text``."""
    found: dict[str, list[str]] = {}
    for match in _IBAN.finditer(text):
        found.setdefault("iban", []).append(match.group())
    text = _IBAN.sub(" ", text)
    for match in _EMAIL.finditer(text):
        found.setdefault("email", []).append(match.group())
    text = _EMAIL.sub(" ", text)
    for match in _DIGITS.finditer(text):
        example = match.group()
        digits = re.sub(r"\D", "", example)
        if len(digits) < MIN_EXAMPLE_DIGITS:
            continue
        if digits.startswith("89") and len(digits) >= 18:
            kind = "iccid" if digits.startswith(OUR_ICCID_PREFIX) else "other_sim"
        elif len(digits) == 15 and not example.startswith(("+", "0")):
            kind = "imei"
        elif re.sub(r"\D", "", example.replace("+32", "0")).startswith("04"):
            kind = "be_mobile"
        else:
            kind = "phone"
        found.setdefault(kind, []).append(example)
    return found


def examples() -> dict[str, list[tuple[str, str]]]:
    """``kind → [(response, example)]`` over every response text of domain.yml."""
    found: dict[str, list[tuple[str, str]]] = {}
    for name, text in response_texts():
        for kind, items in examples_in(text).items():
            found.setdefault(kind, []).extend((name, item) for item in items)
    return found


CHECKS = {
    "iban": check_iban,
    "iccid": check_iccid,
    "other_sim": check_other_sim_number,
    "imei": check_imei,
    "be_mobile": check_be_mobile,
    "phone": check_phone_number,
    "email": check_email,
}


def test_every_example_in_the_responses_is_valid() -> None:
    invalid = []
    for kind, found in examples().items():
        for name, example in found:
            try:
                CHECKS[kind](example)
            except InvalidValue as exc:
                invalid.append(f"{name}: {kind} {example!r} ({exc.code} {exc.details})")
    assert not invalid, "\n".join(invalid)


def test_the_examples_are_found() -> None:
    """The scan sees the examples the forms show (else the test above would prove nothing)."""
    found = {kind: {example for _name, example in items} for kind, items in examples().items()}
    assert "BE62 5100 0754 7061" in found["iban"]
    assert "8932030000000000125" in found["iccid"]
    assert {"0470 12 34 56", "+32 470 12 34 56"} <= found["be_mobile"]
    assert "02 511 22 33" in found["phone"]
    assert found["email"]


def test_the_scan_recognises_each_kind() -> None:
    """The same scan on made-up texts, invalid ones included, classifies them as expected."""
    texts = [
        "IBAN BE68 5390 0754 7034, SIM 8932030000000000126, other 894400000000000002",
        "IMEI 490154203237519, GSM 0470 12 34 5, call 02 511 22 3, mail x@y.be, T-2026-000012",
    ]
    found: dict[str, list[str]] = {}
    for text in texts:
        for kind, items in examples_in(text).items():
            found.setdefault(kind, []).extend(items)
    assert found == {
        "iban": ["BE68 5390 0754 7034"],
        "iccid": ["8932030000000000126"],
        "other_sim": ["894400000000000002"],
        "imei": ["490154203237519"],
        "be_mobile": ["0470 12 34 5"],
        "phone": ["02 511 22 3"],
        "email": ["x@y.be"],
    }
    for kind, items in found.items():
        for item in items:
            if kind != "email":
                try:
                    CHECKS[kind](item)
                except InvalidValue:
                    continue
                raise AssertionError(f"{kind} {item!r} should be invalid")
