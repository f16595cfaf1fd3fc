"""bot/pii.py: what is masked, what is left alone, and the logging filter on real log records."""

from __future__ import annotations

import io
import logging

import pytest

from bot.pii import PiiFilter, mask_text, mask_value


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("IBAN BE71 0961 2345 6769 please", "IBAN [IBAN] please"),
        ("be71096123456769", "[IBAN]"),
        ("NL91ABNA0417164300", "[IBAN]"),
        ("call +32 470 12 34 56", "call [PHONE]"),
        ("0470/12.34.56 or 0470123456", "[PHONE] or [PHONE]"),
        ("0032470123456", "[PHONE]"),
        ("470 12 34 56", "[PHONE]"),
        ("SIM 8932 0300 0000 0001 234", "SIM [ICCID]"),
        ("89320300000000001234", "[ICCID]"),
        ("IMEI 35-209900-176148-1", "IMEI [IMEI]"),
        ("card 4111-1111-1111-1111.", "card [CARD]."),
        ("mail Jan.Peeters@acme.be", "mail [EMAIL]"),
        ("code LPA:1$smdp.example.be$AB-12-CD ok", "code [ESIM-CODE] ok"),
        ("GET /lines?msisdn=%2B32470000003 HTTP/1.1", "GET /lines?msisdn=[PHONE] HTTP/1.1"),
        ("q=jan%40acme.be", "q=[EMAIL]"),
    ],
)
def test_personal_data_is_masked(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        '"confidence": 0.9734523452345234',
        '"timestamp": 1764165318.0123456789',
        "2026-11-26 14:13:22,123 invoice F2026-000105 due 26/11/2026",
        "+++123/4567/89012+++",
        "model-cb45bad69bd428ae.tar.gz, message 8f9a4c1e5b7d4e0a9c3f2d6b1a7e4f10",
        "the number ending in 0005, customer number 1234567, 127.0.0.1:5005",
        "be71 0961 2345 6760",  # lower case and wrong check digits: a hash, not an IBAN
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert mask_text(text) == text


def test_json_values_are_masked_except_under_kept_keys() -> None:
    event = {"text": "my IBAN is BE71 0961 2345 6769", "message_id": "be71096123456769"}
    assert mask_value(event, keep=frozenset({"message_id"})) == {
        "text": "my IBAN is [IBAN]",
        "message_id": "be71096123456769",
    }


def log_through_filter(emit: object) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(PiiFilter())
    handler.setFormatter(logging.Formatter("%(message)s %(request)s"))
    logger = logging.getLogger("tests.privacy.masking")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        assert callable(emit)
        emit(logger)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_the_filter_masks_arguments_extra_fields_and_tracebacks_and_keeps_numbers() -> None:
    def emit(logger: logging.Logger) -> None:
        try:
            raise ValueError("bad IMEI 490154203237518")
        except ValueError:
            logger.exception(
                "%s - %d for %r",
                "GET /sims/check?iccid=8932030000000000123",
                200,
                {"email": "jan@acme.be"},
                extra={"request": "POST /x?gsm=%2B32470123456"},
            )

    out = log_through_filter(emit)

    assert "GET /sims/check?iccid=[ICCID] - 200 for {'email': '[EMAIL]'}" in out
    assert "POST /x?gsm=[PHONE]" in out
    assert "bad IMEI [IMEI]" in out
    for clear in ("8932030000000000123", "jan@acme.be", "32470123456", "490154203237518"):
        assert clear not in out
