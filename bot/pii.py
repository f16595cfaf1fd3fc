"""Masking of personal data in text, JSON-like values and log records.

The one place where the shapes of personal data are written down: IBANs, phone numbers, ICCIDs,
IMEIs, e-mail addresses, eSIM activation codes (``LPA:1$...``) and card-like numbers.

It is a leaf module (standard library only, no state, no I/O): the Rasa server imports it (the
tracker store, the retention job) and the logging configurations of all three processes name
its filter (``bot/logging.yml`` for Rasa and the action server, ``backend/logging.yml`` for
uvicorn). No backend or action code imports it and it imports nothing of theirs, so the actions
and the backend still share no data and no authority, only these patterns (README, Privacy).

Masks are deliberately broader than validation: a mistyped IBAN or a phone number with a wrong
digit is still someone's data, so shapes are matched without check digits.

Log lines (only them) also lose secrets in URLs and chat sender ids: :func:`mask_log_text`.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote

# eSIM activation code: "LPA:1$<SM-DP+ address>$<matching id>" (the whole code is the secret).
_LPA = re.compile(r"LPA:1\$[^\s\"'<>]+", re.IGNORECASE)
# The look-behind lets a match start only where a run of address characters starts: without it a
# long run with no "@" is rescanned from each of its characters (quadratic: 100,000 characters
# took minutes). Letters are Unicode ones: domains and local parts need not be ASCII.
_EMAIL = re.compile(r"(?<![\w.%+\-])[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[^\W\d_]{2,}")
# IBAN: country, check digits, then 4-character groups; a group after a separator must hold
# a digit, so that a following word is not swallowed ("BE71 0961 2345 6769 please").
_IBAN = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}"
    r"(?:[A-Za-z0-9]{4}|[ .\-/](?=[A-Za-z0-9]{0,3}\d)[A-Za-z0-9]{4}){2,7}"
    r"(?:[A-Za-z0-9]{1,3}|[ .\-/](?=[A-Za-z]{0,2}\d)[A-Za-z0-9]{1,3})?"
    r"(?![A-Za-z0-9])"
)
# 13+ digits with optional single separators: ICCID, IMEI or card-like number (not the decimals
# of a float, "confidence": 0.9734523452345234, which debug logs are full of: a match whose only
# separator is one dot is left alone).
_LONG_NUMBER = re.compile(r"(?<![\w.])\d(?:[ .\-/]?\d){12,21}(?![\w])")
# Phone numbers: international (+ or 00), national (0 + area/mobile prefix), or a Belgian mobile
# without its 0 ("470 12 34 56"); separators as people type them ("0470/12.34.56"); never the
# decimals of a number ("1764165318.0123456789").
_PHONE = re.compile(
    r"(?<![\w+/])(?<!\d[.,])(?:"
    r"(?:\+|00)[1-9](?:[ .\-/]?(?:\(0\)[ ]?)?\d){7,13}"
    r"|0[1-9](?:[ .\-/]?\d){7,8}"
    r"|4[5-9]\d(?:[ .\-/]?\d){6}"
    r")(?!\d)"
)

MASKS = {
    "esim_code": "[ESIM-CODE]",
    "email": "[EMAIL]",
    "iban": "[IBAN]",
    "iccid": "[ICCID]",
    "imei": "[IMEI]",
    "card": "[CARD]",
    "number": "[NUMBER]",
    "phone": "[PHONE]",
}


def _iban_checksum_ok(text: str) -> bool:
    compact = re.sub(r"[ \-]", "", text).upper()
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def _iban_mask(match: re.Match[str]) -> str:
    # Lower-case hex (hashes, ids in logs) has the shape too: unless someone typed upper case,
    # the check digits must agree.
    text = match.group()
    if not any(char.isupper() for char in text) and not _iban_checksum_ok(text):
        return text
    return MASKS["iban"]


def _long_number_mask(match: re.Match[str]) -> str:
    separators = re.sub(r"\d", "", match.group())
    if separators == ".":
        return match.group()  # a float or a timestamp
    digits = re.sub(r"\D", "", match.group())
    if digits.startswith("00") and len(digits) <= 17:
        return MASKS["phone"]  # an international number written with 00
    if digits.startswith("89") and 18 <= len(digits) <= 20:
        return MASKS["iccid"]
    if len(digits) == 15:
        return MASKS["imei"]
    if len(digits) <= 19:
        return MASKS["card"]
    return MASKS["number"]


# Order matters: codes and addresses first (they contain digits), then IBANs, then digit runs.
_RULES: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (_LPA, MASKS["esim_code"]),
    (_EMAIL, MASKS["email"]),
    (_IBAN, _iban_mask),
    (_LONG_NUMBER, _long_number_mask),
    (_PHONE, MASKS["phone"]),
)


# Spaces and dashes people (and their keyboards) type inside numbers, as the plain ASCII ones.
_SEPARATORS = str.maketrans(
    {
        **dict.fromkeys("\u00a0\u2007\u2009\u200a\u202f\u3000", " "),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d", "-"),
        "\u200b": None,
    }
)


def normalise(text: str) -> str:
    """``text`` with compatibility characters folded (NFKC: fullwidth ``０-９`` and ``＠``) and
    the Unicode spaces and dashes of :data:`_SEPARATORS` made ASCII."""
    return unicodedata.normalize("NFKC", text).translate(_SEPARATORS)


def _mask_plain(text: str) -> str:
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


def mask_text(text: str) -> str:
    """``text`` with every piece of personal data replaced by a ``[KIND]`` marker.

    The text is matched in its normalised spelling (fullwidth digits and "@", no-break spaces,
    dashes: see :func:`normalise`); when something is masked the result is that spelling.
    Percent-encoded text (a URL's query string in an access log: ``msisdn=%2B32470...``) is
    decoded first when that reveals something to mask.
    """
    normal = normalise(text)
    masked = _mask_plain(normal)
    if masked == normal:
        masked = text
    if "%" in masked:
        decoded = unquote(masked)
        if decoded != masked:
            masked_decoded = _mask_plain(decoded)
            if masked_decoded != decoded:
                return masked_decoded
    return masked


def contains_pii(text: str) -> bool:
    """Whether ``text`` holds anything ``mask_text`` would mask."""
    return mask_text(text) != text


def mask_value(value: Any, *, keep: frozenset[str] = frozenset()) -> Any:
    """A copy of a JSON-like value with every string masked, except under the keys in ``keep``."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return {
            key: item if key in keep else mask_value(item, keep=keep) for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [mask_value(item, keep=keep) for item in value]
    return value


# -- logging --

# Log lines also lose two things that are not personal data but would let a reader act as
# someone. A secret in a URL: Rasa 3.6 takes its HTTP API token from the query string only
# (``?token=``), so the request line of every hand-back carries it.
_URL_SECRET = re.compile(r"([?&](?:token|auth_token|access_token)=)[^&#\s\"'<>]+", re.IGNORECASE)
# A chat sender id: a web one (43 URL-safe characters, backend/chat/service.py) is the
# credential of its conversation on Rasa's REST channel; a Slack ("T…:U…") or Teams
# ("<tenant>:<user>" GUIDs) one names a person. A web id needs a digit or a capital among its
# characters, so that a 43-letter snake_case action name stays readable (a random id has one but
# with a chance of 1 in 10^15).
_GUID = r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}"
_SENDER_ID = re.compile(
    r"(?<![\w-])(?:"
    r"(?=[\w-]{0,42}[A-Z0-9])[\w-]{43}"
    r"|[TE][A-Z0-9]{2,20}:[UW][A-Z0-9]{2,20}"
    rf"|{_GUID}:{_GUID}"
    r")(?![\w-])",
    re.ASCII,
)


def _sender_digest(match: re.Match[str]) -> str:
    # A short digest still lets a reader follow one conversation through the log.
    return f"[SENDER:{hashlib.sha256(match.group().encode()).hexdigest()[:8]}]"


def mask_log_text(text: str) -> str:
    """:func:`mask_text` for a log line: also URL secrets and chat sender ids (not in stored
    texts, where the tracker store keeps its own sender ids)."""
    return mask_text(_SENDER_ID.sub(_sender_digest, _URL_SECRET.sub(r"\1[SECRET]", text)))


# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD_RECORD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None))
) | {"message", "asctime"}
_MASKED_FLAG = "_pii_masked"


class _MaskedArg:
    """A log argument whose str() and repr() are masked (keeps ``%s`` and ``%r`` working)."""

    def __init__(self, value: object) -> None:
        self._str = mask_log_text(str(value))
        self._repr = mask_log_text(repr(value))

    def __str__(self) -> str:
        return self._str

    def __repr__(self) -> str:
        return self._repr


def _mask_arg(value: object) -> object:
    if isinstance(value, str):
        return mask_log_text(value)
    # Numbers stay numbers (``%d``); a 15-digit int would still be masked by the message text.
    if value is None or isinstance(value, bool | int | float):
        return value
    return _MaskedArg(value)


def mask_record(record: logging.LogRecord) -> None:
    """Mask the message, its arguments, ``extra`` strings and the traceback of ``record``."""
    # ``extra=`` attributes are set after the record factory ran: always look at them.
    for key, value in list(vars(record).items()):
        if key not in _STANDARD_RECORD_ATTRIBUTES and isinstance(value, str):
            setattr(record, key, mask_log_text(value))
    if getattr(record, _MASKED_FLAG, False):
        return
    record.msg = mask_log_text(record.msg if isinstance(record.msg, str) else str(record.msg))
    if isinstance(record.args, Mapping):
        record.args = {key: _mask_arg(value) for key, value in record.args.items()}
    elif isinstance(record.args, tuple):
        record.args = tuple(_mask_arg(value) for value in record.args)
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask_log_text(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_log_text(record.stack_info)
    setattr(record, _MASKED_FLAG, True)


class PiiFilter(logging.Filter):
    """Handler filter: masks personal data in every record it lets through (it drops none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


def _install_record_masking() -> None:
    """Mask records when they are created, whatever handler later writes them.

    Libraries add handlers after our logging configuration ran (sanic configures its own at app
    creation, coloredlogs replaces the console handler): records are masked at the source too.
    ``extra=`` attributes are set after creation, so handler filters stay needed for them.
    """
    previous = logging.getLogRecordFactory()
    if getattr(previous, _MASKED_FLAG, False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        mask_record(record)
        return record

    setattr(factory, _MASKED_FLAG, True)
    logging.setLogRecordFactory(factory)


def masking_filter() -> PiiFilter:
    """Factory named in the logging configs (``()``): the handler filter, plus source masking."""
    _install_record_masking()
    return PiiFilter()
