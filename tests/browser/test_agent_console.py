"""The agent console in Chromium: log in through the portal, take a waiting conversation, read
the transcript, chat with the user (whose web transcript receives the reply), see the user's
answer arrive by polling, and hand back. User text is shown as text, never as HTML."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from scripts.stack import Stack

AGENT = ("+32470000099", "agent-demo")
USER = ("+32470000002", "acme-user-demo")
TRICK = "<img src=x onerror=\"document.title='pwned'\"> roaming?"


class WebUser:
    """The end user, chatting through the portal's web chat API (cookie + CSRF)."""

    def __init__(self, stack: Stack) -> None:
        self.client = httpx.Client(base_url=stack.backend_url, timeout=30.0)
        login = self.client.post("/portal/login", data={"gsm": USER[0], "password": USER[1]})
        assert login.status_code == 303
        self.csrf = self.client.get("/portal/session").json()["csrf_token"]

    def say(self, text: str) -> list[str]:
        response = self.client.post(
            "/portal/chat/messages", json={"text": text}, headers={"X-CSRF-Token": self.csrf}
        )
        response.raise_for_status()
        return [message["text"] for message in response.json()["messages"][1:]]

    def transcript(self) -> list[tuple[str, str]]:
        messages = self.client.get("/portal/chat/messages").json()["messages"]
        return [(message["author"], message["text"]) for message in messages]


@pytest.fixture
def web_user(stack: Stack) -> Iterator[WebUser]:
    user = WebUser(stack)
    yield user
    user.client.close()


def test_agent_takes_chats_and_hands_back_in_the_console(
    page: Page, stack: Stack, web_user: WebUser
) -> None:
    web_user.say("in English please")
    assert any("helpdesk agent" in text for text in web_user.say("human please"))
    assert web_user.say(TRICK) == []  # relayed to the agent, the bot is silent

    page.goto(f"{stack.backend_url}/agent")
    page.fill("#gsm", AGENT[0])
    page.fill("#password", AGENT[1])
    page.click("#login-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/agent$"))
    expect(page.locator("h1")).to_have_text("Helpdesk console")

    entry = page.locator(".ag-queue-button", has_text="Julie Dubois").last
    expect(entry).to_contain_text("waiting")
    entry.click()
    expect(page.locator("#user")).to_contain_text("Acme Logistics")
    expect(page.locator("#user")).to_contain_text("end user")
    expect(page.locator("#transcript")).to_contain_text("human please")
    # The user's markup is text in the page, not an element.
    expect(page.locator("#messages")).to_contain_text(TRICK)
    expect(page.locator("#messages img")).to_have_count(0)
    assert page.title() != "pwned"

    page.click("#take")
    expect(page.locator("#take")).to_be_hidden()
    page.fill("#reply-text", "Hello Julie, I'm looking at your roaming.")
    page.press("#reply-text", "Enter")
    expect(page.locator("#messages")).to_contain_text("Hello Julie, I'm looking at your roaming.")
    assert ("agent", "Hello Julie, I'm looking at your roaming.") in web_user.transcript()

    assert web_user.say("Spain, last week") == []
    expect(page.locator("#messages")).to_contain_text("Spain, last week")  # arrives by polling

    page.click("#hand-back")
    expect(page.locator("#user")).to_contain_text("back with the assistant")
    expect(page.locator("#reply")).to_be_hidden()
    assert web_user.transcript()[-1] == (
        "system",
        "You're back with the assistant. How can I help you?",
    )
    answer = "\n".join(web_user.say("show my lines"))
    assert "0470" in answer or "+32" in answer, answer
