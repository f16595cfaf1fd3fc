"""Every inbound text bounded and normalised before Rasa reads it, and one long message does not
stall the other conversations (issue #15), on the real stack through each channel.

The limits, the normalisation and the notice's wording are ``bot/channels/limits.py``'s; here
they are checked where they matter: what the tracker stored, what the user was told, and how
long someone else waited meanwhile.
"""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from bot.channels.limits import (
    REST_MAX_CHARS,
    SLACK_MAX_CHARS,
    TEAMS_MAX_CHARS,
    Inbound,
    bound,
    normalise,
    notice,
)
from scripts.stack import Stack
from tests.channels.conftest import RASA_TOKEN, SlackUser, TeamsUser
from tests.stack_fixtures import rasa_probe

# A normal message elsewhere must be answered within this while the longest one is processed.
OTHERS_ANSWER_LIMIT_SECONDS = 1.0


def repeated(sentence: str, length: int) -> str:
    """``sentence`` repeated up to exactly ``length`` characters."""
    return (sentence * (length // len(sentence) + 1))[:length]


def user_texts(stack: Stack, sender_id: str) -> list[str]:
    """The user texts Rasa stored for ``sender_id``, oldest first (over its HTTP API)."""
    response = httpx.get(
        f"{stack.rasa_url}/conversations/{sender_id}/tracker",
        params={"token": RASA_TOKEN},
        timeout=30.0,
    )
    response.raise_for_status()
    return [event["text"] for event in response.json()["events"] if event["event"] == "user"]


def test_bounding_normalises_and_cuts_to_the_limit() -> None:
    assert normalise("ｓｈｏｗ\x00 my\r\n ｌｉｎｅｓ\u202e\ud800\t!") == "show my\n lines\t!"
    # Stacked combining marks are cut to 30 (they only serve to make normalisation quadratic).
    assert normalise("e" + "\u0301\u0316" * 1000) == normalise("e" + "\u0301\u0316" * 15)
    assert bound("a" * 40, 40) == Inbound("a" * 40, truncated=False)
    cut = bound("a" * 41, 40)
    assert (cut.text, cut.truncated) == ("a" * 40, True)
    # NFKC may lengthen a text: the limit holds after it too.
    expanded = bound("\ufdfa" * 3, 40)
    assert len(expanded.text) == 40 and expanded.truncated


def test_the_notice_speaks_the_known_language_or_all_three() -> None:
    assert notice("fr", 40_000) == (
        "Votre message est trop long : je n'en ai lu que les 40 000 premiers caractères."
    )
    assert (
        notice("nl", 2_000)
        == "Uw bericht is te lang: ik heb alleen de eerste 2.000 tekens gelezen."
    )
    assert (
        notice("en", 28_000) == "Your message is too long: I only read its first 28,000 characters."
    )
    assert notice(None, 2_000).splitlines() == [
        notice("fr", 2_000),
        notice("nl", 2_000),
        notice("en", 2_000),
    ]


def test_a_slack_message_past_the_limit_is_stored_cut_and_the_user_told_in_every_language(
    slack_user: SlackUser, channel_stack: Stack
) -> None:
    # Letters no language detector can place: the conversation's language stays unknown.
    text = repeated("zqx wv ", SLACK_MAX_CHARS + 5_000)

    slack_user.say(text)

    # The notice follows the turn's replies, maybe more than a moment later on a busy machine.
    notified = notice(None, SLACK_MAX_CHARS)
    posted = slack_user.api.wait_for_messages(1, channel=slack_user.channel, saying=notified)
    assert posted[-1]["text"] == notified
    # Rasa strips a message's ends.
    assert user_texts(channel_stack, slack_user.sender_id) == [text[:SLACK_MAX_CHARS].strip()]


def test_a_teams_message_past_the_limit_is_stored_cut_and_the_user_told_in_french(
    teams_user: TeamsUser, channel_stack: Stack
) -> None:
    text = repeated("je voudrais voir les factures de ma ligne pour le mois de mars, ", 30_000)

    teams_user.say(text)

    notified = notice("fr", TEAMS_MAX_CHARS)
    posted = teams_user.fake.wait_for_activities(
        1, conversation_id=teams_user.conversation_id, saying=notified
    )
    assert posted[-1]["text"] == notified
    assert user_texts(channel_stack, teams_user.sender_id) == [text[:TEAMS_MAX_CHARS].strip()]


def test_a_rest_message_past_the_limit_is_stored_cut_and_the_user_told_in_english(
    channel_stack: Stack,
) -> None:
    sender_id = f"rest-{uuid.uuid4().hex}"
    text = repeated("please show me the invoices of my lines for last month, ", 2_500)

    replies = httpx.post(
        f"{channel_stack.rasa_url}/webhooks/rest/webhook",
        json={"sender": sender_id, "message": text},
        timeout=60.0,
    ).json()

    assert replies[-1] == {
        "recipient_id": sender_id,
        "text": notice("en", REST_MAX_CHARS),
        "language": "en",  # every reply names it, for the web page around the widget
    }
    assert {reply["language"] for reply in replies} == {"en"}
    assert user_texts(channel_stack, sender_id) == [text[:REST_MAX_CHARS].strip()]


def test_a_slack_message_is_stored_normalised(slack_user: SlackUser, channel_stack: Stack) -> None:
    slack_user.say("ｈｅｌｌｏ\x00\u202e ｔｈｅｒｅ")

    assert user_texts(channel_stack, slack_user.sender_id) == ["hello there"]


@pytest.mark.parametrize("kind", ["words", "one word"])
def test_others_are_answered_within_a_second_during_the_longest_slack_message(
    channel_stack: Stack, slack_user: SlackUser, kind: str
) -> None:
    other = SlackUser(stack=channel_stack, api=slack_user.api)
    slack_user.say("bonjour")
    other.say("hello")
    long_text = (
        "a" * SLACK_MAX_CHARS
        if kind == "one word"
        else repeated("je voudrais voir la facture de ma ligne 0470 12 34 56 de mars ", 40_000)
    )
    long_before = len(slack_user.api.messages(channel=slack_user.channel))
    hello_before = len(other.api.messages(channel=other.channel))

    long_sent = slack_user.send_event(slack_user.event(long_text))
    time.sleep(0.3)  # the long message is being read
    started = time.monotonic()
    other.send_event(other.event("hello"))
    other.api.wait_for_messages(hello_before + 1, channel=other.channel, timeout=120)
    waited = time.monotonic() - started
    slack_user.replies_to(long_sent, long_before)  # the long one is answered too

    assert waited < OTHERS_ANSWER_LIMIT_SECONDS


def test_slack_clean_up_of_mentions_and_links_is_linear() -> None:
    # The stock pattern rescanned the rest of the text from every "<http": 7 s for this one.
    seconds, cleaned = rasa_probe(
        "import json, time\n"
        "from bot.channels.slack import SlackChannel\n"
        "clean = SlackChannel._sanitize_user_message\n"
        "started = time.process_time()\n"
        "clean('<http://' * 5000, ['U0FAKEBOT'])\n"
        "seconds = time.process_time() - started\n"
        "text = '<@U0FAKEBOT> see <https://x.example|x.example> or <mailto:a@x.be|a@x.be>'\n"
        "print(json.dumps([seconds, clean(text, ['U0FAKEBOT'])]))\n"
    )

    assert seconds < 0.5
    assert cleaned == "see x.example or a@x.be"
