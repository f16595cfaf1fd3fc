"""bot/pii.py on log lines: secrets in URLs and chat sender ids never reach a log (issue #15)."""

from __future__ import annotations

import io
import logging
import re
import secrets
import time

import pytest

from bot.pii import PiiFilter, mask_log_text, mask_text

WEB_SENDER = "FmnsCt5rI5JR1ngTXjglOMRMLsEPpRkBEM-ym2c9hFQ"  # secrets.token_urlsafe(32)
TEAMS_SENDER = "0f6b2c1e-9a3d-4e55-8c2b-7d1e0a9b4c3f:6a1f0c2d-3b4e-4f5a-9c8d-1e2f3a4b5c6d"


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        (
            "HTTP Request: POST http://127.0.0.1:5005/conversations/x/tracker/events"
            '?token=dev-rasa-auth-token "HTTP/1.1 200 OK"',
            "dev-rasa-auth-token",
        ),
        ("GET /status?include_events=ALL&TOKEN=s3cr%2Ft HTTP/1.1", "s3cr%2Ft"),
        ("url=https://x.example/cb?access_token=eyJabc.def.ghi#frag", "eyJabc.def.ghi"),
    ],
)
def test_a_secret_in_a_url_is_masked(line: str, secret: str) -> None:
    masked = mask_log_text(line)

    assert secret not in masked
    assert "=[SECRET]" in masked


@pytest.mark.parametrize(
    "sender",
    [WEB_SENDER, secrets.token_urlsafe(32), "T0ACME:U0SOFIE", "T024BE7LD:W012A3CDE", TEAMS_SENDER],
)
def test_a_chat_sender_id_becomes_a_digest_that_still_follows_one_conversation(
    sender: str,
) -> None:
    first = mask_log_text(f"Acquired lock for conversation '{sender}'.")
    second = mask_log_text(f"/conversations/{sender}/tracker/events")

    assert sender not in first + second
    digest = re.search(r"\[SENDER:([0-9a-f]{8})\]", first)
    assert digest is not None
    assert f"[SENDER:{digest.group(1)}]" in second


@pytest.mark.parametrize(
    "text",
    [
        "utter_ask_activation_form_number_mode_again",  # 43 characters of snake_case
        "model brave-fox.tar.gz, fingerprint 9af940a5229788f0",
        "sha256 " + "ab12" * 16,
        "confidence 0.9734523452345234",
    ],
)
def test_names_hashes_and_numbers_in_logs_are_left_alone(text: str) -> None:
    assert mask_log_text(text) == text


def test_stored_texts_keep_sender_ids_only_log_lines_lose_them() -> None:
    # The tracker store masks texts with mask_text and keys conversations by sender id.
    assert mask_text(WEB_SENDER) == WEB_SENDER


def test_the_log_filter_masks_sender_ids_and_url_secrets_in_arguments() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(PiiFilter())
    logger = logging.getLogger("tests.privacy.log_secrets")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("Issuing ticket for conversation %r", WEB_SENDER)
        logger.warning("POST %s", "http://rasa/conversations/T0ACME:U042/tracker?token=abc123")
    finally:
        logger.removeHandler(handler)

    written = stream.getvalue()
    assert WEB_SENDER not in written
    assert "T0ACME:U042" not in written
    assert "abc123" not in written
    assert written.count("[SENDER:") == 2


def test_masking_a_long_run_of_id_characters_stays_linear() -> None:
    started = time.perf_counter()
    mask_log_text("A" * 200_000 + " " + "a-" * 100_000 + "?token=" + "x" * 100_000)

    assert time.perf_counter() - started < 1.0
