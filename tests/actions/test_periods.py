"""Which month a message means (actions/periods.py), abbreviations in free text included."""

from __future__ import annotations

from datetime import date

import pytest

from actions.periods import Month, parse_period

TODAY = date(2026, 12, 7)


@pytest.mark.parametrize(
    ("text", "month"),
    [
        # set21 nl-031: "okt" was no month in free text, and December's figures came back
        ("data van Lotte in okt?", 10), ("conso de Thomas nov", 11), ("verbruik in sept", 9),
        ("usage on Jan's line in oct?", 10), ("Karim aug?", 8),
        ("en octobre", 10), ("vorige maand", 11), ("this month", 12),
    ],
)  # fmt: skip
def test_the_month_a_message_names(text: str, month: int) -> None:
    assert parse_period([], text, TODAY) == Month(2026, month)


@pytest.mark.parametrize("text", ["de lijn van Jan", "mar", "show me Jan's usage"])
def test_abbreviations_that_are_also_words_name_no_month(text: str) -> None:
    assert parse_period([], text, TODAY) is None


def test_an_extracted_abbreviation_is_trusted() -> None:
    assert parse_period(["jan"], "conso jan", TODAY) == Month(2026, 1)
