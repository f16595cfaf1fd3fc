"""The entity regexes of data/nlu, as RegexEntityExtractor applies them (case-insensitive, no
added word boundaries: config.yml): what they must find, and what they must leave alone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

NLU = Path(__file__).resolve().parents[2] / "data" / "nlu"


def _regexes() -> dict[str, re.Pattern[str]]:
    found: dict[str, re.Pattern[str]] = {}
    for path in sorted(NLU.glob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            if "regex" in item:
                (pattern,) = [line[2:] for line in item["examples"].splitlines() if line]
                found[item["regex"]] = re.compile(pattern, re.IGNORECASE)
    return found


REGEXES = _regexes()


@pytest.mark.parametrize(
    ("entity", "text", "expected"),
    [
        ("phone_number", "conso de 0475 12 34 56 stp", ["0475 12 34 56"]),
        ("phone_number", "verbruik van +32 475 12 34 56", ["+32 475 12 34 56"]),
        ("phone_number", "usage of 0032475123456", ["0032475123456"]),
        ("phone_number", "ligne 0475/12.34.56", ["0475/12.34.56"]),
        ("phone_number", "bloque 0475123456 et 0476 11 22 33", ["0475123456", "0476 11 22 33"]),
        # Digit groups of other numbers are no phone numbers, even where a group starts with 0.
        ("phone_number", "nouvelle ligne sur la carte SIM 8932 0300 0000 0004 249", []),
        ("phone_number", "domiciliëring op BE71 0961 2345 6769", []),
        ("phone_number", "explain invoice F2026-012345", []),
        ("phone_number", "consumption for 01/2026", []),
        ("iban", "BE71 0961 2345 6769 stp", ["BE71 0961 2345 6769"]),
        ("iban", "BE71096123456769 svp", ["BE71096123456769"]),
        ("iban", "iban be71 0961 2345 6769, merci", ["be71 0961 2345 6769"]),
        # A Dutch IBAN's bank code is letters: the first group may be, later ones need a digit.
        ("iban", "NL91 ABNA 0417 1643 00 please", ["NL91 ABNA 0417 1643 00"]),
        ("iban", "FR76 3000 6000 0112 3456 7890 189", ["FR76 3000 6000 0112 3456 7890 189"]),
        ("iban", "the account is BE 15 3109 1306 5130 and", ["BE 15 3109 1306 5130"]),
        ("iban", "nouvelle carte SIM 8932 0300 0000 0004 249", []),
        # A space after the country code only in the spaced form: "la 8932…" is no IBAN.
        ("iban", "c'est la 8932031100000000106 que j'ai", []),
        ("iban", "Het is 8932031100000000106.", []),
        ("iban", "de lijn op 0475 12 34 56", []),
        ("iccid", "SIM 8932 0300 0000 0004 249 svp", ["8932 0300 0000 0004 249"]),
        ("portal_role", "Hallo! Switch me to the employee view pls", ["employee view"]),
        ("portal_role", "passe-moi en vue employé stp", ["vue employé"]),
        ("portal_role", "zet me op de werknemersweergave", ["werknemersweergave"]),
        ("portal_role", "une ligne pour un nouvel employé", []),
    ],
)
def test_regex_matches(entity: str, text: str, expected: list[str]) -> None:
    assert [m.group() for m in REGEXES[entity].finditer(text)] == expected
