"""bot/pii.py: what is masked, what is left alone, and the logging filter on real log records."""

from __future__ import annotations

import io
import logging
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
        # Spellings an attacker found stored in clear: dots and slashes inside numbers, no-break
        # spaces, non-ASCII domains, fullwidth digits and "@", en dashes.
        ("IMEI 35.739104.812345.1", "IMEI [IMEI]"),
        ("IBAN BE46.0634.9215.8736", "IBAN [IBAN]"),
        ("IBAN BE46/0634/9215/8736", "IBAN [IBAN]"),
        ("gsm 0470\u00a012\u00a034\u00a056", "gsm [PHONE]"),
        ("gsm 0470\u202f12\u202f34\u202f56", "gsm [PHONE]"),
        ("mail jan@acmé.be", "mail [EMAIL]"),
        ("mail jan\uff20acme.be", "mail [EMAIL]"),
        ("\uff10\uff14\uff17\uff10\uff11\uff12\uff13\uff14\uff15\uff16", "[PHONE]"),
        ("IMEI 35\u2013209900\u2013176148\u20131", "IMEI [IMEI]"),
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


# Spellings of one value: separators between digit groups as people type them, in ASCII or
# Unicode, and optionally in fullwidth digits.
_SEPARATOR = st.sampled_from([" ", ".", "-", "/", "\u00a0", "\u202f", "\u2013", "\u2011", ""])
_FULLWIDTH = str.maketrans("0123456789@", "０１２３４５６７８９＠")


@st.composite
def spelled(draw: st.DrawFn, groups: list[str]) -> str:
    separator = draw(_SEPARATOR)
    text = separator.join(groups)
    return text.translate(_FULLWIDTH) if draw(st.booleans()) else text


@given(st.data())
def test_every_spelling_of_an_imei_iban_phone_or_iccid_is_masked(data: st.DataObject) -> None:
    groups = data.draw(
        st.sampled_from(
            [
                ["35", "739104", "812345", "1"],  # IMEI
                ["BE46", "0634", "9215", "8736"],  # IBAN
                ["0470", "12", "34", "56"],  # Belgian mobile
                ["+32", "470", "12", "34", "56"],
                ["8932", "0300", "0000", "0001", "234"],  # ICCID
            ]
        )
    )
    value = data.draw(spelled(groups))
    masked = mask_text(f"here: {value} thanks")
    assert masked.startswith("here: [") and masked.endswith("] thanks"), (value, masked)


@given(
    st.from_regex(r"[a-z][a-z0-9.]{0,10}[a-z]", fullmatch=True),
    st.sampled_from(["acme.be", "acmé.be", "société.fr", "xn--acm-bma.be", "mail.co.uk"]),
    st.booleans(),
)
def test_every_spelling_of_an_email_is_masked(local: str, domain: str, fullwidth: bool) -> None:
    address = f"{local}{'＠' if fullwidth else '@'}{domain}"
    assert mask_text(f"write to {address} please") == "write to [EMAIL] please"


@pytest.mark.parametrize("unit", ["a", "a.", "a@", "a@a.", "1 ", "1.", "0470 ", "BE12 ", "%41"])
def test_masking_time_is_linear_in_the_length_of_the_text(unit: str) -> None:
    # 200,000 characters: the quadratic e-mail pattern needed hours here; a linear one a few
    # hundredths of a second. A child process, so a regression fails on its deadline, not hangs.
    probe = f"from bot.pii import mask_text; mask_text({unit!r} * {200_000 // len(unit)})"
    subprocess.run([sys.executable, "-c", probe], check=True, timeout=20)
