"""The Content-Security-Policy in Chromium (issue #15): the chat widget, the agent console, the
payment page and the eSIM page run under the backend's strict policy without a single
violation, while doing their work (send a message, open the console, pay, open the eSIM link).

Violations are collected from the page's ``securitypolicyviolation`` events and from Chromium's
console; a deliberate inline script proves the collector sees them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from backend.core.headers import CONTENT_SECURITY_POLICY
from scripts.stack import Stack
from tests.browser.conftest import log_in, say

pytestmark = pytest.mark.e2e

JULIE = ("0470 00 00 02", "acme-user-demo")
SOFIE = ("+32470000001", "acme-fleet-demo")
AGENT = ("+32470000099", "agent-demo")

# Runs before any script of the page (Playwright injects it outside the page's CSP).
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


class Violations:
    """Every CSP violation a page reported, by event or on the console."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._on_console)

    def _on_console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.console.append(message.text)

    def all(self) -> list[str]:
        events: list[str] = self.page.evaluate("window.__violations || []")
        return events + self.console


@pytest.fixture
def violations(page: Page) -> Iterator[Violations]:
    yield Violations(page)


def goto_with_policy(page: Page, url: str) -> None:
    """Open ``url`` and check it came with the backend's policy (no policy: nothing to violate)."""
    response = page.goto(url)
    assert response is not None
    assert response.headers.get("content-security-policy") == CONTENT_SECURITY_POLICY


def payment_url(stack: Stack) -> str:
    """A fresh payment link for one of Acme's open invoices (the fleet manager's API)."""
    with httpx.Client(base_url=f"{stack.backend_url}/api/v1", timeout=30.0) as api:
        login = api.post("/auth/login", json={"gsm": SOFIE[0], "password": SOFIE[1]})
        login.raise_for_status()
        api.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        invoice = next(i for i in api.get("/invoices").json() if i["status"] != "paid")
        link = api.post(
            f"/invoices/{invoice['id']}/payment-links",
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        link.raise_for_status()
        url: str = link.json()["url"]
        return url


def test_the_collector_sees_a_violation(page: Page, stack: Stack, violations: Violations) -> None:
    goto_with_policy(page, f"{stack.backend_url}/portal")

    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.inlineRan = 1'; document.body.append(s); }"
    )

    expect(page.locator("body")).to_be_visible()
    assert page.evaluate("window.inlineRan") is None
    page.wait_for_function("window.__violations.length > 0")
    assert any("script-src" in v for v in violations.all())


def test_the_chat_widget_works_without_a_violation(
    page: Page, stack: Stack, violations: Violations
) -> None:
    goto_with_policy(page, f"{stack.backend_url}/portal")
    log_in(page, stack, *JULIE)

    answer = say(page, "Combien j'ai consommé ce mois-ci ?")
    page.reload()
    expect(page.locator(".bm-chat-bot").last).to_be_visible()

    assert "Julie" in answer
    assert violations.all() == []


def test_the_agent_console_works_without_a_violation(
    page: Page, stack: Stack, violations: Violations
) -> None:
    goto_with_policy(page, f"{stack.backend_url}/agent")
    page.fill("#gsm", AGENT[0])
    page.fill("#password", AGENT[1])
    page.click("#login-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/agent$"))
    expect(page.locator("#queue-title")).to_be_visible()
    goto_with_policy(page, f"{stack.backend_url}/agent")
    expect(page.locator("#queue-title")).to_be_visible()
    page.wait_for_timeout(2500)  # one poll of the queue

    assert violations.all() == []


def test_the_payment_page_pays_without_a_violation(
    page: Page, stack: Stack, violations: Violations
) -> None:
    goto_with_policy(page, payment_url(stack))
    expect(page.locator("#pay button")).to_be_visible()
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("Arial")

    page.click("#pay button")

    expect(page.locator("#done")).to_be_visible()
    assert violations.all() == []


def test_the_esim_page_shows_without_a_violation(
    page: Page, stack: Stack, violations: Violations
) -> None:
    # A used or unknown link renders the same page (style sheet, layout) with its explanation.
    goto_with_policy(page, f"{stack.backend_url}/esim/confirm/no-such-link")

    expect(page.locator("#invalid")).to_be_visible()
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("Arial")
    assert violations.all() == []
