"""The action server down (issue #6): the user still gets a message, in the conversation's
language, and the conversation goes on once the action server is back.

Rasa 3.6 itself only logs a failed custom action and answers nothing; the reply comes from the
REST channel of ``bot/channels/rest.py``. The action server process of the running stack is
killed (as a crash would) and started again with the same command.
"""

from __future__ import annotations

import httpx
import pytest

from scripts.stack import Stack
from tests.e2e.conftest import Chat, open_chat
from tests.faults.conftest import (
    ANSWER_LIMIT_SECONDS,
    record,
    response_text,
    start_service,
    stop_service,
    timed_say,
)
from tests.faults.test_backend_faults import SHOW_LINES, SWITCH, YES

pytestmark = pytest.mark.e2e

LANGUAGES = ("fr", "nl", "en")


def fleet_manager(stack: Stack) -> Chat:
    return open_chat(stack, "0470 00 00 01", "acme-fleet-demo")


def test_action_server_down_is_answered_in_each_language_then_works_again(stack: Stack) -> None:
    chats = {language: fleet_manager(stack) for language in LANGUAGES}
    for language, chat in chats.items():
        chat.say(SWITCH[language])
    # A conversation whose first message arrives while the action server is down: no language
    # was chosen or read from the account yet, so the domain's default (Dutch) is used.
    first_contact = fleet_manager(stack)
    lines = httpx.get(
        f"{stack.backend_url}/api/v1/lines", headers=chats["en"].auth, timeout=10
    ).json()

    stop_service(stack, "actions")
    try:
        for language, chat in chats.items():
            answer, seconds = timed_say(chat, SHOW_LINES[language])
            record("show my lines", "action server down", language, seconds, "unavailable message")
            assert seconds < ANSWER_LIMIT_SECONDS
            assert answer == response_text("utter_backend_unavailable", language)
        answer, seconds = timed_say(chats["fr"], YES["fr"])  # nothing pending, still answered
        assert answer == response_text("utter_backend_unavailable", "fr")
        answer, seconds = timed_say(first_contact, SHOW_LINES["nl"])
        record("first message", "action server down", "nl (default)", seconds, "unavailable")
        assert answer == response_text("utter_backend_unavailable", "nl")
    finally:
        start_service(stack, "actions")

    for language, chat in chats.items():
        again = chat.say(SHOW_LINES[language])
        assert str(len(lines)) in again
        assert response_text("utter_backend_unavailable", language) not in again


def test_the_rest_channel_name_cannot_be_chosen_by_the_client(stack: Stack) -> None:
    """Stock Rasa takes ``input_channel`` from the body: a REST client could pose as Slack."""
    sender = "T0001:U0001"
    response = httpx.post(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": "hello", "input_channel": "slack"},
        timeout=30,
    )
    response.raise_for_status()
    tracker = httpx.get(
        f"{stack.rasa_url}/conversations/{sender}/tracker",
        params={"token": stack.base_env()["RASA_AUTH_TOKEN"]},
        timeout=10,
    ).json()
    channels = {e.get("input_channel") for e in tracker["events"] if e["event"] == "user"}
    assert channels == {"rest"}
