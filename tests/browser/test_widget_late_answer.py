"""The widget with an answer slower than the gateway's budget (issue #15), in Chromium.

The real backend (its own process, database migrated and seeded) with Rasa replaced by a fake
REST webhook on 127.0.0.1 that answers after ``SLOW_SECONDS``: the widget says the assistant is
still working (not "try again"), keeps the send button off, shows the answer when it comes
(polling), and still shows it after a reload. Rasa receives the message once.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from backend.core.models import Language
from backend.webchat.service import ANSWER_BUDGET_SECONDS, STILL_WORKING
from scripts.stack import ROOT, Stack
from tests.backend.test_backend_portal import FakeRasa
from tests.browser.conftest import log_in
from tests.stack_fixtures import fresh_stack

JULIE = ("0470 00 00 02", "acme-user-demo")
SLOW_SECONDS = ANSWER_BUDGET_SECONDS + 3.0
QUESTION = "Quel est le sujet de votre ticket ?"


@pytest.fixture(scope="module")
def slow_rasa() -> Iterator[FakeRasa]:
    with FakeRasa() as fake:
        yield fake


@pytest.fixture(scope="module")
def backend(slow_rasa: FakeRasa, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Only the backend of a fresh stack (no model needed), its Rasa the fake."""
    services = fresh_stack(
        Path("unused-model.tar.gz"),
        tmp_path_factory.mktemp("late-answer"),
        {"RASA_URL": slow_rasa.url},
    )
    services.log_dir.mkdir(parents=True, exist_ok=True)
    with (services.log_dir / "backend.log").open("ab") as log:
        process = subprocess.Popen(
            services.commands()["backend"],
            cwd=ROOT,
            env=services.base_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{services.backend_url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "backend did not start"
            time.sleep(0.3)
        yield services
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_a_slow_answer_shows_up_late_instead_of_try_again(
    page: Page, backend: Stack, slow_rasa: FakeRasa
) -> None:
    log_in(page, backend, *JULIE)
    slow_rasa.delay = SLOW_SECONDS
    slow_rasa.replies = [{"recipient_id": "x", "text": QUESTION}]

    page.fill(".bm-chat-input", "je veux ouvrir un ticket")
    page.press(".bm-chat-input", "Enter")

    note = page.locator(".bm-chat-system")
    expect(note).to_have_text(f"Info: {STILL_WORKING[Language.fr]}")
    expect(page.locator(".bm-chat-typing")).to_be_visible()
    expect(page.locator(".bm-chat-send")).to_be_disabled()
    expect(page.locator(".bm-chat-bot")).to_have_text(f"Assistant: {QUESTION}")
    expect(page.locator(".bm-chat-typing")).to_be_hidden()
    expect(page.locator(".bm-chat-send")).to_be_enabled()
    assert "réessayez" not in page.locator(".bm-chat-log").inner_text()

    page.reload()

    expect(page.locator(".bm-chat-bot")).to_have_text(f"Assistant: {QUESTION}")
    expect(page.locator(".bm-chat-user")).to_have_count(1)
    assert [r["message"] for r in slow_rasa.received] == ["je veux ouvrir un ticket"]
