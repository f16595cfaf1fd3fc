"""What people type: fullwidth or other script digits, spaces and separators around numbers;
accents, capitals and curly apostrophes in names."""

from __future__ import annotations

import re
import unicodedata

# Grouping people type inside a number: any white space (no-break and narrow no-break spaces
# included), zero-width spaces, dots, slashes, and hyphens/dashes of every kind.
_SEPARATORS = re.compile(r"[\s.\-/\u2010-\u2015\u2212\u200b\u2060\ufeff]+")
# The apostrophes phones and word processors type (U+2019, U+2018, a backtick) as the ASCII one,
# for ``str.translate``: a curly "Acme's" and a straight one are the same words.
APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})


def normalize(raw: str) -> str:
    """NFKC (fullwidth ``０４７０`` → ``0470``, no-break space → space), any decimal digit as
    ASCII, surrounding white space removed."""
    text = unicodedata.normalize("NFKC", raw)
    text = "".join(
        str(unicodedata.decimal(char)) if not char.isascii() and char.isdecimal() else char
        for char in text
    )
    return text.strip()


def compact(raw: str) -> str:
    """:func:`normalize`, then without the separators people group a number with."""
    return _SEPARATORS.sub("", normalize(raw))


def is_ascii_digits(value: str) -> bool:
    """Only 0-9 (``str.isdigit`` also accepts superscripts and other scripts' digits)."""
    return value.isascii() and value.isdigit()


def fold(text: str) -> str:
    """Lower-case, accent-free text for comparing words ("Élise" == "elise", "Société" ==
    "societe"); NFKD, so that an accent typed as a combining mark goes too."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))
