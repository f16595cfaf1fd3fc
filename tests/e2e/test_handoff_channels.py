"""Live handoff on Slack and Teams against the real three services, with the channels and the
backend's delivery pointed at the fake Slack Web API and Bot Framework on 127.0.0.1: a linked
user asks for a person, the agent's messages arrive in the same Slack DM / Teams chat, the bot
stays silent while the agent has it, and answers again after the hand back."""

from __future__ import annotations

import time
from typing import Any

import httpx

from scripts.stack import Stack
from tests.channels.conftest import (
    SlackUser,
    TeamsUser,
    bot_framework,
    channel_stack,
    link_code,
    model,
    slack_api,
    slack_user,
    teams_user,
)

# The channel tests' fixtures: one stack whose channels and backend talk to the fakes.
__all__ = ["bot_framework", "channel_stack", "model", "slack_api", "slack_user", "teams_user"]

AGENT = ("+32470000099", "agent-demo")


def agent_client(stack: Stack) -> httpx.Client:
    login = httpx.post(
        f"{stack.backend_url}/api/v1/auth/login", json={"gsm": AGENT[0], "password": AGENT[1]}
    )
    login.raise_for_status()
    return httpx.Client(
        base_url=f"{stack.backend_url}/api/v1/agent",
        headers={"Authorization": f"Bearer {login.json()['access_token']}"},
        timeout=30.0,
    )


def waiting_handoff(agent: httpx.Client, gsm: str, platform: str) -> dict[str, Any]:
    queue = agent.get("/handoffs", params={"status": "waiting"}).json()
    found = [i for i in queue if i["user"]["gsm"] == gsm and i["platform"] == platform]
    assert found, queue
    handoff: dict[str, Any] = found[-1]
    return handoff


def wait_for_agent_inbox(agent: httpx.Client, handoff_id: int, text: str) -> None:
    """The user's message reaches the agent (the channel answers Slack/Teams at once)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        messages = agent.get(f"/handoffs/{handoff_id}").json()["messages"]
        if any(m["direction"] == "user_to_agent" and m["text"] == text for m in messages):
            return
        time.sleep(0.5)
    raise AssertionError(f"{text!r} never reached the agent")


def test_slack_conversation_handed_off_and_back(
    slack_user: SlackUser, channel_stack: Stack
) -> None:
    code, _ = link_code(channel_stack, "+32470000001", "acme-fleet-demo")
    assert "Sofie" in slack_user.say(f"link {code}")
    slack_user.say("in English please")
    assert "helpdesk agent" in slack_user.say("human please")
    agent = agent_client(channel_stack)
    handoff = waiting_handoff(agent, "+32470000001", "slack")
    base = f"/handoffs/{handoff['id']}"

    before = len(slack_user.api.messages(channel=slack_user.channel))
    agent.post(f"{base}/take")
    reply = agent.post(f"{base}/messages", json={"text": "Hi Sofie, how can I help?"})
    posted = slack_user.api.wait_for_messages(before + 2, channel=slack_user.channel)

    assert reply.json()["delivered"] is True
    assert [m["text"] for m in posted[before:]] == [
        "Nora from the helpdesk has joined the conversation.",
        "Nora: Hi Sofie, how can I help?",
    ]
    sent = slack_user.send_event(slack_user.event("my invoice looks too high"))
    assert sent.status_code == 200
    wait_for_agent_inbox(agent, handoff["id"], "my invoice looks too high")
    time.sleep(2)  # anything the bot wrongly said would have been posted by now
    assert len(slack_user.api.messages(channel=slack_user.channel)) == before + 2

    assert agent.post(f"{base}/hand-back").json()["bot_notified"] is True
    back = slack_user.api.wait_for_messages(before + 3, channel=slack_user.channel)
    assert back[-1]["text"] == "You're back with the assistant. How can I help you?"
    lines = slack_user.say("show me my lines")
    assert "0470 00 00 01" in lines
    assert "0470 00 00 51" not in lines  # Brugge Bouw's


def test_teams_conversation_handed_off_and_back(
    teams_user: TeamsUser, channel_stack: Stack
) -> None:
    code, _ = link_code(channel_stack, "+32470000051", "brugge-fleet-demo")
    assert "Pieter" in teams_user.say(f"link {code}")
    assert "medewerker van de helpdesk" in teams_user.say("ik wil een medewerker")
    agent = agent_client(channel_stack)
    handoff = waiting_handoff(agent, "+32470000051", "teams")
    assert handoff["user"]["company"] == "Brugge Bouw"
    base = f"/handoffs/{handoff['id']}"

    conversation = teams_user.conversation_id
    before = len(teams_user.fake.posted(conversation_id=conversation))
    agent.post(f"{base}/take")
    agent.post(f"{base}/messages", json={"text": "Dag Pieter, ik help je graag."})
    posted = teams_user.fake.wait_for_activities(before + 2, conversation_id=conversation)
    assert [a["text"] for a in posted[before:]] == [
        "Nora van de helpdesk neemt het gesprek over.",
        "Nora: Dag Pieter, ik help je graag.",
    ]

    answer = teams_user.post(
        teams_user.activity("het gaat over roaming"), teams_user.fake.channel_token()
    )
    assert answer.status_code in (200, 202)
    wait_for_agent_inbox(agent, handoff["id"], "het gaat over roaming")
    time.sleep(2)
    assert len(teams_user.fake.posted(conversation_id=conversation)) == before + 2

    assert agent.post(f"{base}/close").json()["bot_notified"] is True
    closed = teams_user.fake.wait_for_activities(before + 3, conversation_id=conversation)
    assert closed[-1]["text"].startswith("De helpdesk heeft het gesprek afgesloten.")
    lines = teams_user.say("toon mijn lijnen")
    assert "0470 00 00 51" in lines
    assert "0470 00 00 01" not in lines  # Acme's
