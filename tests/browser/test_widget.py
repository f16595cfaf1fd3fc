"""The portal's chat widget in Chromium against the real backend, action server and Rasa.

Answers are checked against the seed's data (names, numbers, line counts read from the API),
so the test proves the widget carries the bot's real answers, not a stub's.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from scripts.stack import Stack
from tests.browser.conftest import PHONE_VIEWPORT, bot_messages, log_in, say

pytestmark = pytest.mark.e2e

JULIE = ("0470 00 00 02", "acme-user-demo")
SOFIE = ("+32 470 00 00 01", "acme-fleet-demo")


def api_get(stack: Stack, gsm: str, password: str, path: str) -> object:
    """Read the portal API as the same account, to compare the bot's answers with the data."""
    login = httpx.post(
        f"{stack.backend_url}/api/v1/auth/login", json={"gsm": gsm, "password": password}
    )
    login.raise_for_status()
    token = login.json()["access_token"]
    response = httpx.get(
        f"{stack.backend_url}/api/v1{path}", headers={"Authorization": f"Bearer {token}"}
    )
    response.raise_for_status()
    return response.json()


def test_french_end_user_gets_real_data_clicks_a_quick_reply_and_keeps_it_after_reload(
    page: Page, stack: Stack, tmp_path: Path
) -> None:
    log_in(page, stack, *JULIE)
    expect(page.locator("#hello")).to_contain_text("Bonjour Julie")

    answer = say(page, "Combien j'ai consommé ce mois-ci ?")
    assert "Consommation du" in answer
    assert "Julie Dubois" in answer

    asked = say(page, "je veux ouvrir un ticket")
    assert "sujet" in asked
    choice = page.get_by_role("button", name="Réseau et couverture")
    before = page.locator(".bm-chat-bot").count()
    choice.click()
    expect(page.locator(".bm-chat-user").last).to_have_text(re.compile("Réseau et couverture"))
    expect(page.locator(".bm-chat-bot")).not_to_have_count(before)
    expect(choice).to_be_disabled()  # an answered quick reply cannot be sent twice
    shown = bot_messages(page)
    page.set_viewport_size({"width": 1100, "height": 900})
    page.screenshot(path=str(tmp_path / "widget.png"))  # README's docs/img/widget.png

    page.reload()

    expect(page.locator(".bm-chat-bot")).to_have_count(len(shown))
    assert bot_messages(page) == shown
    expect(page.locator(".bm-chat-user")).to_have_count(3)
    expect(page.locator(".bm-chat-log")).to_contain_text("Réseau et couverture")


def test_dutch_fleet_manager_sends_with_the_keyboard_only_and_links_slack(
    page: Page, stack: Stack
) -> None:
    lines = api_get(stack, SOFIE[0], SOFIE[1], "/lines")
    assert isinstance(lines, list)
    page.goto(f"{stack.backend_url}/portal?lang=nl")
    expect(page.locator("h2")).to_have_text("Aanmelden")
    # Keyboard only: Tab to each field, Enter submits the form and then sends the message.
    page.keyboard.press("Tab")
    while page.evaluate("document.activeElement.id") != "gsm":
        page.keyboard.press("Tab")
    page.keyboard.type(SOFIE[0])
    page.keyboard.press("Tab")
    page.keyboard.type(SOFIE[1])
    page.keyboard.press("Enter")
    expect(page.locator("#hello")).to_contain_text("Hallo Sofie")
    expect(page.locator(".bm-chat-input")).to_be_visible()
    while page.evaluate("document.activeElement.className") != "bm-chat-input":
        page.keyboard.press("Tab")

    before = page.locator(".bm-chat-bot").count()

    page.keyboard.type("toon mijn lijnen")
    page.keyboard.press("Enter")

    expect(page.locator(".bm-chat-bot")).not_to_have_count(before)
    expect(page.locator(".bm-chat-typing")).to_be_hidden()
    answer = "\n".join(bot_messages(page)[before:])
    assert str(len(lines)) in answer
    assert "0470 00 00 01" in answer
    expect(page.locator(".bm-chat-input")).to_be_focused()  # ready for the next message
    assert page.locator(".bm-chat-log").get_attribute("aria-live") == "polite"
    page.get_by_role("button", name="Koppelcode aanvragen").click()
    expect(page.locator("#link-instruction")).to_contain_text("naar de bot in Slack of Teams")
    code = page.locator("#link-code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{8}", code)


def test_english_on_a_phone_sized_screen(phone_page: Page, stack: Stack) -> None:
    page = phone_page
    log_in(page, stack, *JULIE)  # a French account
    expect(page.locator("#logout")).to_have_text("Se déconnecter")

    answer = say(page, "What is my consumption this month?")

    assert "Usage of" in answer
    assert "Julie Dubois" in answer
    # The page around the widget follows the conversation into English, and stays after a
    # reload; each bot bubble says its language for screen readers.
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#logout")).to_have_text("Log out")
    expect(page.locator("#hello")).to_have_text("Hello Julie")
    expect(page.locator(".bm-chat-input")).to_have_attribute("placeholder", "Type your message…")
    expect(page.locator(".bm-chat-bot").last).to_have_attribute("lang", "en")
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".bm-chat-send")).to_have_text("Send")
    # Nothing sticks out sideways: no horizontal scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]
    send = page.locator(".bm-chat-send").bounding_box()
    assert send is not None
    assert send["x"] + send["width"] <= PHONE_VIEWPORT["width"]
    assert send["height"] >= 40  # touch-sized
