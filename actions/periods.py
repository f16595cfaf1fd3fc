"""Which month a user means: "this month", "vorige maand", "en octobre", "10/2026"..."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")

# Accent-free, lower-case month names and common abbreviations in French, Dutch and English.
_MONTH_NAMES: dict[str, int] = {
    # English
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
    # French
    "janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4,
    "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9,
    "octobre": 10, "novembre": 11, "decembre": 12,
    # Dutch
    "januari": 1, "februari": 2, "maart": 3, "mrt": 3, "mei": 5, "juni": 6, "juli": 7,
    "augustus": 8, "oktober": 10, "okt": 10,
}  # fmt: skip

# Abbreviations that are also words ("Jan" Peeters, Spanish "mar", "dec" of "dec 2025"-less
# typing, "sep" for separate) are trusted in an extracted entity only; the others ("data van
# Lotte in okt?", "conso nov") in free text too.
_ABBREVIATIONS = frozenset({"jan", "mar", "sep", "dec"})

_THIS_MONTH = re.compile(
    r"\b(this month|current month|ce mois|mois[- ]ci|mois en cours|mois actuel|"
    r"deze maand|dit maand|huidige maand|lopende maand)\b"
)
_LAST_MONTH = re.compile(
    r"\b(last month|previous month|past month|mois dernier|mois passe|mois precedent|"
    r"vorige maand|afgelopen maand|verleden maand|laatste maand)\b"
)
_NUMERIC = re.compile(r"(?<!\d)(0?[1-9]|1[0-2])\s?[/.-]\s?(20\d{2})(?!\d)")
_ISO = re.compile(r"(?<!\d)(20\d{2})-(0[1-9]|1[0-2])(?!\d)")
_NAMED = re.compile(
    r"\b(" + "|".join(sorted(_MONTH_NAMES, key=len, reverse=True)) + r")\b\.?(?:\s+(20\d{2}))?"
)


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month."""

    year: int
    month: int

    @property
    def iso(self) -> str:
        """The ``YYYY-MM`` form the backend expects."""
        return f"{self.year:04d}-{self.month:02d}"

    def previous(self) -> Month:
        """The month before this one."""
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    @classmethod
    def of(cls, day: date) -> Month:
        """The month containing ``day``."""
        return cls(day.year, day.month)

    @classmethod
    def from_iso(cls, value: str) -> Month:
        """Parse ``YYYY-MM``."""
        year, month = value.split("-")[:2]
        return cls(int(year), int(month))


def today_in_brussels() -> date:
    """Today's date where the customers live."""
    return datetime.now(BRUSSELS).date()


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _parse_one(text: str, today: date, *, strict_names: bool) -> Month | None:
    folded = _fold(text)
    current = Month.of(today)
    if _LAST_MONTH.search(folded):
        return current.previous()
    if _THIS_MONTH.search(folded):
        return current
    if match := _ISO.search(folded):
        return Month(int(match.group(1)), int(match.group(2)))
    if match := _NUMERIC.search(folded):
        return Month(int(match.group(2)), int(match.group(1)))
    for match in _NAMED.finditer(folded):
        name, year = match.group(1), match.group(2)
        # In free text only full, unambiguous names count ("may I...", "mar" are not months).
        if strict_names and not year and (name in _ABBREVIATIONS or name == "may"):
            continue
        month = _MONTH_NAMES[name]
        if year:
            return Month(int(year), month)
        # Without a year people mean the latest such month, never one in the future.
        return Month(current.year if month <= current.month else current.year - 1, month)
    return None


def parse_period(entity_values: Iterable[str], text: str, today: date) -> Month | None:
    """Return the month the user asked about, or ``None`` if the message names no period.

    The extracted ``period`` entities are tried first; then the whole message (with the phone
    numbers already removed by the caller), where only full month names are trusted.
    """
    for value in entity_values:
        if month := _parse_one(value, today, strict_names=False):
            return month
    return _parse_one(text, today, strict_names=True)
