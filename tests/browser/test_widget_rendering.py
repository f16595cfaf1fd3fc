"""The widget's rendering of hostile or rich bot messages, embedded in a page of its own.

The backend is replaced by Playwright routes (only the widget's JS and CSS are real files), so
these checks run without the three services: markup in bot text stays text, only http(s) URLs
become links or images, and the embed snippet from the README works on another page.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, Route, expect

STATIC = Path(__file__).resolve().parents[2] / "backend" / "static"
ORIGIN = "http://portal.test"
EMBED_PAGE = """<!doctype html><html lang="en"><head>
<link rel="stylesheet" href="/static/widget/widget.css"></head><body>
<h1>Intranet</h1>
<div data-bm-chat></div>
<script src="/static/widget/widget.js" defer></script>
</body></html>"""

HOSTILE = '<img src=x onerror="window.pwned=1"> see https://pay.example.be/i/abc?x=1, thanks'
MESSAGES: list[dict[str, Any]] = [
    {"id": 1, "author": "user", "text": "hello", "buttons": None, "image_url": None,
     "link_url": None, "created_at": "2026-11-26T10:00:00Z"},
    {"id": 2, "author": "bot", "text": HOSTILE, "buttons": None,
     "image_url": "https://img.example.be/phone.png", "link_url": "javascript:alert(1)",
     "created_at": "2026-11-26T10:00:01Z"},
    {"id": 3, "author": "agent", "text": "Marc here", "buttons": None, "image_url": None,
     "link_url": None, "created_at": "2026-11-26T10:00:02Z"},
]  # fmt: skip


def serve(page: Page, posted: list[dict[str, Any]]) -> None:
    """Answer the widget's requests like the backend would, recording what it posts."""

    def handle(route: Route) -> None:
        request = route.request
        path = request.url.removeprefix(ORIGIN).split("?")[0]
        if path == "/intranet":
            route.fulfill(body=EMBED_PAGE, content_type="text/html")
        elif path.startswith("/static/"):
            route.fulfill(path=STATIC / path.removeprefix("/static/"))
        elif path == "/portal/session":
            body = {"first_name": "Ann", "language": "en", "role": "end_user", "csrf_token": "t0k"}
            route.fulfill(json=body)
        elif path == "/portal/chat/messages" and request.method == "GET":
            after = "after=" in request.url
            route.fulfill(json={"messages": [] if after else MESSAGES})
        elif path == "/portal/chat/messages":
            posted.append({"body": json.loads(request.post_data or "{}"), **request.headers})
            reply = {"id": 5, "author": "bot", "text": "Pick one", "image_url": None,
                     "link_url": None, "created_at": "2026-11-26T10:00:04Z",
                     "buttons": [{"title": "Yes", "payload": "/affirm"}]}  # fmt: skip
            own = {**MESSAGES[0], "id": 4, "text": posted[-1]["body"].get("text", "Yes")}
            route.fulfill(json={"messages": [own, reply]})
        else:
            route.fulfill(status=404)

    page.route(f"{ORIGIN}/**", handle)


def test_bot_markup_stays_text_and_only_web_urls_become_links_or_images(page: Page) -> None:
    serve(page, [])

    page.goto(f"{ORIGIN}/intranet")

    bot = page.locator(".bm-chat-bot")
    expect(bot).to_contain_text('<img src=x onerror="window.pwned=1">')
    assert page.evaluate("window.pwned") is None
    link = bot.locator("a.bm-chat-link")
    expect(link).to_have_count(1)  # the javascript: attachment is not a link
    expect(link).to_have_attribute("href", "https://pay.example.be/i/abc?x=1")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(bot.locator("img.bm-chat-image")).to_have_attribute(
        "src", "https://img.example.be/phone.png"
    )
    expect(page.locator(".bm-chat-agent")).to_have_text("Agent: Marc here")
    expect(page.locator(".bm-chat-log")).to_have_attribute("aria-live", "polite")


def test_embedded_widget_sends_with_the_csrf_header_and_quick_replies_by_keyboard(
    page: Page,
) -> None:
    posted: list[dict[str, Any]] = []
    serve(page, posted)
    page.goto(f"{ORIGIN}/intranet")
    expect(page.locator(".bm-chat-bot")).to_have_count(1)

    page.locator(".bm-chat-input").focus()
    page.keyboard.type("my invoices")
    page.keyboard.press("Enter")
    choice = page.get_by_role("button", name="Yes")
    choice.focus()
    page.keyboard.press("Enter")

    expect(page.locator(".bm-chat-user")).to_have_count(3)
    bodies = [p["body"] for p in posted]
    client_ids = [body.pop("client_id") for body in bodies]
    assert bodies == [{"text": "my invoices"}, {"payload": "/affirm", "title": "Yes"}]
    # Each message has an id of its own, for the gateway to recognise a retry.
    assert all(re.fullmatch(r"[0-9a-f]{32}", c) for c in client_ids)
    assert client_ids[0] != client_ids[1]
    assert all(p["x-csrf-token"] == "t0k" for p in posted)
    expect(choice).to_be_disabled()


def test_a_send_lost_on_the_way_is_retried_with_the_same_client_id(page: Page) -> None:
    posted: list[dict[str, Any]] = []
    serve(page, posted)
    lost: list[str] = []

    def lose_the_first(route: Route) -> None:
        if route.request.method == "POST" and not lost:
            lost.append(json.loads(route.request.post_data or "{}")["client_id"])
            route.abort("connectionreset")  # as if the connection dropped mid-way
        else:
            route.fallback()

    page.route(f"{ORIGIN}/portal/chat/messages", lose_the_first)
    page.goto(f"{ORIGIN}/intranet")
    expect(page.locator(".bm-chat-bot")).to_have_count(1)

    page.fill(".bm-chat-input", "my invoices")
    page.press(".bm-chat-input", "Enter")

    expect(page.locator(".bm-chat-bot")).to_have_count(2)
    assert [p["body"]["client_id"] for p in posted] == lost
    expect(page.locator(".bm-chat-system")).to_have_count(0)  # no "try again"
