"""Teams (Bot Framework) channel against the real stack: token validation, linking, cards."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from scripts.stack import Stack
from tests.channels.conftest import TeamsUser, api, link_code, user_turns
from tests.fakes.botframework import FakeBotFramework, new_rsa_key

LINK_HINT = "link ABCD2345"


def test_a_valid_token_gets_the_reply_at_the_connector(teams_user: TeamsUser) -> None:
    activity = teams_user.activity("hello")

    replies = teams_user.send(activity)

    reply = replies[0]
    assert reply["type"] == "message"
    assert reply["conversation"]["id"] == teams_user.conversation_id
    assert reply["recipient"]["aadObjectId"] == teams_user.aad_object_id
    assert reply["replyToId"] == activity["id"]
    assert LINK_HINT in reply["text"]  # not linked yet


def _broken_tokens(fake: FakeBotFramework) -> dict[str, str | None]:
    return {
        "no token": None,
        "wrong issuer": fake.channel_token(issuer="https://sts.windows.net/evil/"),
        "wrong audience": fake.channel_token(audience="11111111-0000-0000-0000-000000000000"),
        "expired": fake.channel_token(expires_in=-3600),
        "bad signature": fake.channel_token(key=new_rsa_key()),
        "unknown key": fake.channel_token(key=new_rsa_key(), key_id="some-other-key"),
        "serviceurl mismatch": fake.channel_token(service_url="https://smba.example.net/emea/"),
        "not a jwt": "not-a-jwt",
    }


@pytest.mark.parametrize(
    "case",
    ["no token", "wrong issuer", "wrong audience", "expired", "bad signature", "unknown key",
     "serviceurl mismatch", "not a jwt"],
)  # fmt: skip
def test_an_invalid_token_is_refused_and_nothing_is_processed(
    teams_user: TeamsUser, bot_framework: FakeBotFramework, channel_stack: Stack, case: str
) -> None:
    token = _broken_tokens(bot_framework)[case]

    answer = teams_user.post(teams_user.activity("show my lines"), token)

    assert answer.status_code == 401
    # A valid turn afterwards is the only one Rasa saw and the only one answered.
    hello = teams_user.activity("hello")
    replies = teams_user.send(hello)
    assert user_turns(channel_stack, teams_user.sender_id) == 1
    assert bot_framework.posted(conversation_id=teams_user.conversation_id) == replies
    assert all(reply["replyToId"] == hello["id"] for reply in replies)


def test_a_token_for_another_connector_cannot_redirect_replies(
    teams_user: TeamsUser, bot_framework: FakeBotFramework
) -> None:
    # The activity claims another serviceUrl than the one the token was issued for.
    activity = teams_user.fake.activity(
        "hello", service_url="http://127.0.0.1:9/", aad_object_id=teams_user.aad_object_id
    )

    answer = teams_user.post(activity, bot_framework.channel_token())

    assert answer.status_code == 401


def test_the_request_is_acknowledged_before_the_bot_answers(teams_user: TeamsUser) -> None:
    token = teams_user.fake.channel_token()
    started = time.monotonic()

    answer = teams_user.post(teams_user.activity("what can you do?"), token)

    assert answer.status_code == 202
    assert time.monotonic() - started < 2.0
    teams_user.fake.wait_for_activities(1, conversation_id=teams_user.conversation_id)


def _texts(replies: list[dict[str, Any]]) -> str:
    parts = []
    for reply in replies:
        parts.append(str(reply.get("text", "")))
        for attachment in reply.get("attachments", []):
            for element in attachment.get("content", {}).get("body", []):
                parts.append(str(element.get("text", "")))
    return "\n".join(parts)


def test_unlinked_user_gets_only_link_instructions_even_by_card_click(
    teams_user: TeamsUser,
) -> None:
    assert LINK_HINT in teams_user.say("show me my lines")
    assert LINK_HINT in teams_user.say("montre-moi mes factures impayées")

    replies = teams_user.send(teams_user.activity(value={"payload": "/show_lines"}))

    assert LINK_HINT in _texts(replies)
    assert "0470" not in _texts(replies)


def test_linked_fleet_manager_sees_lines_by_text_and_by_adaptive_card_submit(
    teams_user: TeamsUser, channel_stack: Stack, bot_framework: FakeBotFramework
) -> None:
    code, auth = link_code(channel_stack, "+32470000001", "acme-fleet-demo")
    assert "Sofie" in teams_user.say(f"link {code}")
    lines = api(channel_stack, auth, "/lines")

    answer = teams_user.say("show me my lines")

    assert str(len(lines)) in answer
    assert "0470 00 00 01" in answer
    assert "0470 00 00 51" not in answer
    # Action.Submit data of an Adaptive Card reaches the bot as a message.
    clicked = teams_user.send(teams_user.activity(value={"payload": "/show_lines"}))
    assert "0470 00 00 01" in _texts(clicked)
    # Buttons are sent as Adaptive Cards whose actions submit their payload.
    cards = teams_user.send(teams_user.activity("I want to create a ticket"))
    submits = [
        action
        for reply in cards
        for attachment in reply.get("attachments", [])
        for element in attachment["content"]["body"]
        for action in element.get("actions", [])
    ]
    assert submits, _texts(cards)
    assert all(action["type"] == "Action.Submit" for action in submits)
    assert all(action["data"]["payload"] for action in submits)


def test_the_connector_token_is_fetched_once_and_reused(
    teams_user: TeamsUser, bot_framework: FakeBotFramework
) -> None:
    teams_user.say("hello")
    fetched = bot_framework.token_requests

    teams_user.say("thanks")

    assert fetched >= 1
    assert bot_framework.token_requests == fetched


def test_keys_come_from_the_configured_openid_metadata(bot_framework: FakeBotFramework) -> None:
    metadata = httpx.get(bot_framework.openid_url).json()
    keys = httpx.get(metadata["jwks_uri"]).json()["keys"]

    assert [key["kid"] for key in keys] == [bot_framework.key_id]
    assert bot_framework.keys_requests >= 1


def test_installing_the_bot_greets_with_link_instructions(teams_user: TeamsUser) -> None:
    activity = teams_user.activity(None)
    activity["type"] = "conversationUpdate"
    activity["membersAdded"] = [activity["recipient"]]

    replies = teams_user.send(activity)

    assert LINK_HINT in _texts(replies)
