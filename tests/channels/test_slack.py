"""Slack channel against the real stack: signatures, retries, linking, lines, buttons."""

from __future__ import annotations

import json
import time

import pytest

from scripts.stack import Stack
from tests.channels.conftest import SLACK_SECRET, SlackUser, api, link_code, user_turns
from tests.fakes.slack_api import sign_slack_request

LINK_HINT = "link ABCD2345"
# The refusal of a bad code, in whichever language the conversation is in.
CODE_REFUSED = ("doesn't work", "ne fonctionne pas", "werkt niet")


def _link_acme_fleet_manager(user: SlackUser) -> dict[str, str]:
    code, auth = link_code(user.stack, "+32470000001", "acme-fleet-demo")
    assert "Sofie" in user.say(f"link {code}")
    return auth


def test_unsigned_tampered_and_stale_requests_are_rejected_and_never_processed(
    slack_user: SlackUser, channel_stack: Stack
) -> None:
    body = json.dumps(slack_user.event("show my lines")).encode()
    signed = sign_slack_request(SLACK_SECRET, body)
    tampered = json.dumps(slack_user.event("show my lines please")).encode()
    stale = sign_slack_request(SLACK_SECRET, body, timestamp=int(time.time()) - 600)
    wrong_secret = sign_slack_request("not-the-secret", body)
    json_type = {"content-type": "application/json"}

    assert slack_user.post(body, json_type).status_code == 401
    assert slack_user.post(tampered, {**json_type, **signed}).status_code == 401
    assert slack_user.post(body, {**json_type, **stale}).status_code == 401
    assert slack_user.post(body, {**json_type, **wrong_secret}).status_code == 401

    # A valid message afterwards is the only one Rasa ever saw from this user.
    slack_user.say("hello")
    assert user_turns(channel_stack, slack_user.sender_id) == 1


def test_a_retried_event_is_processed_once(slack_user: SlackUser, channel_stack: Stack) -> None:
    event = slack_user.event("hi there")

    first = slack_user.send_event(event)
    replies = slack_user.replies_to(first, 0)
    retry = slack_user.send_event(
        event, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )

    assert retry.status_code == 200
    assert retry.headers.get("X-Slack-No-Retry") == "1"
    time.sleep(3)  # time enough for a wrongly processed retry to reply
    assert slack_user.api.messages(channel=slack_user.channel) == replies
    assert user_turns(channel_stack, slack_user.sender_id) == 1


def test_an_unlinked_user_is_told_how_to_link_and_gets_no_data(slack_user: SlackUser) -> None:
    answer = slack_user.say("show me my lines")

    assert LINK_HINT in answer
    assert "0470" not in answer

    assert LINK_HINT in slack_user.say("how much did 0470 00 00 03 use this month?")
    assert LINK_HINT in slack_user.say("show my unpaid invoices")
    assert LINK_HINT in slack_user.say("what can you do?")


def test_the_event_url_verification_is_answered_only_when_signed(slack_user: SlackUser) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "x"}).encode()
    json_type = {"content-type": "application/json"}

    signed = slack_user.post(body, {**json_type, **sign_slack_request(SLACK_SECRET, body)})
    unsigned = slack_user.post(body, json_type)

    assert signed.json() == {"challenge": "c-123"}
    assert unsigned.status_code == 401


def test_a_bad_code_is_refused_clearly(slack_user: SlackUser) -> None:
    answer = slack_user.say("link K7M2P9QX")

    assert any(refusal in answer for refusal in CODE_REFUSED), answer
    assert LINK_HINT in answer


def test_linked_fleet_manager_sees_the_companys_lines_and_clicks_buttons(
    slack_user: SlackUser, channel_stack: Stack
) -> None:
    auth = _link_acme_fleet_manager(slack_user)
    lines = api(channel_stack, auth, "/lines")

    answer = slack_user.say("show me my lines")

    assert str(len(lines)) in answer
    assert "0470 00 00 01" in answer
    assert "0470 00 00 51" not in answer  # Brugge Bouw's line

    # A Block Kit button click reaches the bot as the button's payload.
    before = len(slack_user.api.messages(channel=slack_user.channel))
    replies = slack_user.replies_to(slack_user.click("/show_lines"), before)
    assert "0470 00 00 01" in "\n".join(str(reply.get("text")) for reply in replies)


def test_a_used_code_cannot_link_a_second_user(slack_user: SlackUser, channel_stack: Stack) -> None:
    code, _ = link_code(channel_stack, "+32470000001", "acme-fleet-demo")
    assert "Sofie" in slack_user.say(f"link {code.lower()}")
    other = SlackUser(stack=channel_stack, api=slack_user.api)

    answer = other.say(f"link {code}")

    assert any(refusal in answer for refusal in CODE_REFUSED), answer
    assert LINK_HINT in other.say("show me my lines")


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_linking_in_french_and_dutch(
    slack_user: SlackUser, channel_stack: Stack, language: str
) -> None:
    code, _ = link_code(channel_stack, "+32470000001", "acme-fleet-demo")
    if language == "fr":
        assert "Sofie" in slack_user.say(f"voici mon code de liaison : {code}")
        assert "0470 00 00 01" in slack_user.say("montre-moi mes lignes")
    else:
        assert "Sofie" in slack_user.say(f"mijn koppelcode is {code}")
        assert "0470 00 00 01" in slack_user.say("toon mijn lijnen")


def test_buttons_of_a_real_conversation_are_block_kit_within_limits(
    slack_user: SlackUser,
) -> None:
    _link_acme_fleet_manager(slack_user)
    before = len(slack_user.api.messages(channel=slack_user.channel))

    replies = slack_user.replies_to(
        slack_user.send_event(slack_user.event("I want to create a ticket")), before
    )

    actions = [
        block
        for reply in replies
        for block in reply.get("blocks") or []
        if block["type"] == "actions"
    ]
    buttons = [element for block in actions for element in block["elements"]]
    assert buttons, replies
    assert all(len(block["elements"]) <= 25 for block in actions)
    assert all(len(button["text"]["text"]) <= 75 for button in buttons)
    assert all(0 < len(button["value"]) <= 2000 for button in buttons)
    # Clicking the first subject moves the ticket form on (the bot answers the click).
    before = len(slack_user.api.messages(channel=slack_user.channel))
    assert slack_user.replies_to(slack_user.click(buttons[0]["value"]), before)
