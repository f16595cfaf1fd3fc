"""Locale formatting, phone numbers, and the domain's promise: every response in fr, nl, en."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from actions.formatting import (
    format_data,
    format_minutes,
    format_money,
    format_month,
    format_number,
)
from actions.phone import format_national
from tests.actions.support import plain
from validation import InvalidValue, check_be_mobile

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("language", "money", "number", "month", "data"),
    [
        ("fr", "1 031,40 €", "12 345", "novembre 2026", "5,5 Go"),
        ("nl", "€ 1.031,40", "12.345", "november 2026", "5,5 GB"),
        ("en", "€1,031.40", "12,345", "November 2026", "5.5 GB"),
    ],
)
def test_formatting_per_belgian_locale(language, money, number, month, data):
    assert plain(format_money(Decimal("1031.40"), language)) == money
    assert plain(format_number(12345, language)) == number
    assert format_month("2026-11", language) == month
    assert plain(format_data(5632, language)) == data


def test_small_volumes_in_megabytes_and_minutes():
    assert plain(format_data(300, "nl")) == "300 MB"
    assert plain(format_data(300, "fr")) == "300 Mo"
    assert plain(format_minutes(312, "nl")) == "312 min"


def test_national_format_and_invalid_numbers():
    assert format_national("+32470123456") == "0470 12 34 56"
    for bad in ["0470 12", "hello", "+33612345678", "02 123 45 67"]:
        with pytest.raises(InvalidValue, match="msisdn_invalid"):
            check_be_mobile(bad)


def _domain() -> dict:
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def test_every_response_has_a_french_dutch_and_english_variation():
    for name, variations in _domain()["responses"].items():
        # Channel variants (e.g. Slack/Teams wording) must be complete in every language too.
        languages: dict[str | None, list[str]] = {}
        for variation in variations:
            conditions = variation.get("condition") or []
            assert conditions, f"{name} has a variation without a language condition"
            assert conditions[0]["type"] == "slot" and conditions[0]["name"] == "language"
            languages.setdefault(variation.get("channel"), []).append(conditions[0]["value"])
        assert None in languages, f"{name} has no variation for every channel"
        for channel, found in languages.items():
            assert sorted(found) == ["en", "fr", "nl"], (name, channel)
        buttons = [len(variation.get("buttons", [])) for variation in variations]
        assert len(set(buttons)) == 1, f"{name}: not the same buttons in every language"


def test_every_response_an_action_utters_exists_in_the_domain():
    responses = set(_domain()["responses"])
    used: set[str] = set()
    for module in (ROOT / "actions").rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
            if is_text and node.value.startswith("utter_") and node.value != "utter_action":
                used.add(node.value)  # "utter_action": Rasa's metadata key on bot events
    assert used, "no response names found"
    assert used <= responses, used - responses
