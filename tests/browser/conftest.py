"""Playwright (sync API) on Debian's Chromium against the real three services.

The browser is ``/usr/bin/chromium`` from the distribution (``scripts/chromium.sh`` installs it);
Playwright never downloads one. The services come from the e2e ``stack`` fixture, so a browser
test drives the same backend, action server and Rasa server as ``make demo``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, ViewportSize, expect, sync_playwright

from scripts.stack import Stack
from tests.e2e.conftest import model, stack

__all__ = ["model", "stack"]  # the e2e fixtures, re-exported so pytest finds them here

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
# Bot answers go through Rasa and the action server on a shared 2-core machine.
ANSWER_TIMEOUT_MS = 30_000
PHONE_VIEWPORT: ViewportSize = {"width": 375, "height": 667}


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/chromium.sh (apt-get install chromium)")
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    expect.set_options(timeout=ANSWER_TIMEOUT_MS)  # assertions wait for the bot, not 5 s
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (no cookies) and page per test."""
    context = browser.new_context(locale="fr-BE")
    context.set_default_timeout(ANSWER_TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(browser: Browser) -> Iterator[Page]:
    """A phone-sized, touch-enabled page."""
    context = browser.new_context(viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True)
    context.set_default_timeout(ANSWER_TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def log_in(page: Page, stack: Stack, gsm: str, password: str) -> None:
    """Log in through the portal's login form and wait for the chat widget."""
    page.goto(f"{stack.backend_url}/portal")
    page.fill("#gsm", gsm)
    page.fill("#password", password)
    page.click("#login-form button[type=submit]")
    expect(page.locator(".bm-chat-input")).to_be_visible()


def bot_messages(page: Page) -> list[str]:
    """The texts of the bot's bubbles, in order."""
    return [text.strip() for text in page.locator(".bm-chat-bot").all_inner_texts()]


def say(page: Page, text: str) -> str:
    """Type ``text``, press Enter, and return the text of the bot's new replies."""
    before = page.locator(".bm-chat-bot").count()
    page.fill(".bm-chat-input", text)
    page.press(".bm-chat-input", "Enter")
    expect(page.locator(".bm-chat-bot")).not_to_have_count(before)
    expect(page.locator(".bm-chat-typing")).to_be_hidden()
    return "\n".join(bot_messages(page)[before:])
