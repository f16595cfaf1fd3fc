"""Numbers, money, volumes and months written the way French, Dutch and English readers expect.

French and Dutch follow Belgium (fr_BE, nl_BE). English follows Ireland (en_IE): babel's en_BE
writes "3.411 min" and "659,12 €", which English readers take for three minutes and a typo;
en_IE keeps the euro with English separators ("€659.12", "3,411").
"""

from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from babel.units import format_unit

LOCALES = {"fr": "fr_BE", "nl": "nl_BE", "en": "en_IE"}
DEFAULT_LANGUAGE = "nl"
SUPPORTED_LANGUAGES = tuple(LOCALES)


def locale_for(language: str | None) -> str:
    """The Babel locale of a conversation language (Dutch when unknown: Flemish-first operator)."""
    return LOCALES.get(language or DEFAULT_LANGUAGE, LOCALES[DEFAULT_LANGUAGE])


def format_money(amount: Decimal, language: str | None) -> str:
    """``€ 31,40`` / ``31,40 €`` — euros with the locale's symbol position and separators."""
    return format_currency(amount, "EUR", locale=locale_for(language))


def format_number(value: float, language: str | None) -> str:
    """``12.345`` (nl_BE) / ``12 345`` (fr_BE)."""
    return format_decimal(value, locale=locale_for(language))


def format_minutes(minutes: float, language: str | None) -> str:
    """``312 min``."""
    return format_unit(minutes, "duration-minute", length="short", locale=locale_for(language))


def format_data(megabytes: float, language: str | None) -> str:
    """``5 GB`` / ``5 Go`` from 1,024 MB upwards, else ``512 MB`` / ``512 Mo``."""
    locale = locale_for(language)
    if megabytes >= 1024:
        gigabytes = round(megabytes / 1024, 2)
        return format_unit(
            gigabytes, "digital-gigabyte", length="short", format="#,##0.##", locale=locale
        )
    return format_unit(
        round(megabytes), "digital-megabyte", length="short", format="#,##0", locale=locale
    )


def format_month(month_iso: str, language: str | None) -> str:
    """``novembre 2026`` / ``november 2026`` / ``November 2026`` from ``2026-11``."""
    year, month = (int(part) for part in month_iso.split("-")[:2])
    return format_date(date(year, month, 1), "LLLL yyyy", locale=locale_for(language))


def format_day(iso_day: str, language: str | None) -> str:
    """``31 mars 2027`` / ``31 maart 2027`` / ``31 March 2027`` from ``2027-03-31``."""
    try:
        day = date.fromisoformat(iso_day[:10])
    except ValueError:
        return iso_day
    return format_date(day, "d MMMM yyyy", locale=locale_for(language))
