"""Live handoff end to end: a web conversation (portal cookie → backend gateway → Rasa REST
channel) is handed to a helpdesk agent, who reads the transcript through the agent API and
answers; the answer shows up in the user's web transcript, the bot stays silent while the agent
has the conversation, and after the hand back the bot answers with real data again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from scripts.stack import Stack

AGENT = ("+32470000099", "agent-demo")
ACME_USER = ("+32470000002", "acme-user-demo")
BRUGGE_FM = ("+32470000051", "brugge-fleet-demo")


@dataclass
class WebUser:
    """A user logged in to the portal, chatting in the web widget's conversation."""

    client: httpx.Client
    csrf: str

    def say(self, text: str) -> list[dict[str, Any]]:
        """Send a message; the answer's messages after the stored user message (bot replies)."""
        response = self.client.post(
            "/portal/chat/messages", json={"text": text}, headers={"X-CSRF-Token": self.csrf}
        )
        response.raise_for_status()
        messages: list[dict[str, Any]] = response.json()["messages"]
        assert messages[0]["author"] == "user"
        return messages[1:]

    def transcript(self) -> list[tuple[str, str]]:
        response = self.client.get("/portal/chat/messages")
        response.raise_for_status()
        return [(m["author"], m["text"]) for m in response.json()["messages"]]


@pytest.fixture
def web_user(stack: Stack) -> Any:
    def _login(gsm: str, password: str) -> WebUser:
        client = httpx.Client(base_url=stack.backend_url, timeout=30.0)
        login = client.post("/portal/login", data={"gsm": gsm, "password": password})
        assert login.status_code == 303, login.text
        csrf = client.get("/portal/session").json()["csrf_token"]
        return WebUser(client=client, csrf=csrf)

    return _login


@pytest.fixture
def agent(stack: Stack) -> httpx.Client:
    login = httpx.post(
        f"{stack.backend_url}/api/v1/auth/login", json={"gsm": AGENT[0], "password": AGENT[1]}
    )
    login.raise_for_status()
    return httpx.Client(
        base_url=f"{stack.backend_url}/api/v1/agent",
        headers={"Authorization": f"Bearer {login.json()['access_token']}"},
        timeout=30.0,
    )


def waiting_handoff_of(agent: httpx.Client, gsm: str) -> dict[str, Any]:
    queue = agent.get("/handoffs", params={"status": "waiting"}).json()
    mine = [item for item in queue if item["user"]["gsm"] == gsm]
    assert mine, queue
    detail: dict[str, Any] = agent.get(f"/handoffs/{mine[-1]['id']}").json()
    return detail


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(message["text"] for message in messages)


def test_fr_web_conversation_handed_off_answered_and_handed_back(
    web_user: Any, agent: httpx.Client
) -> None:
    user: WebUser = web_user(*ACME_USER)
    before = texts(user.say("ma consommation ce mois-ci"))
    assert "+32 470 00 00 02" in before or "0470" in before, before

    connecting = texts(user.say("je veux parler à quelqu'un"))
    assert "conseiller du helpdesk" in connecting

    handoff = waiting_handoff_of(agent, ACME_USER[0])
    assert handoff["user"]["company"] == "Acme Logistics"
    assert handoff["user"]["role"] == "end_user"
    assert handoff["user"]["language"] == "fr"
    assert handoff["platform"] == "web"
    said = [entry["text"] for entry in handoff["transcript"] if entry["author"] == "user"]
    assert said[-2:] == ["ma consommation ce mois-ci", "je veux parler à quelqu'un"]
    assert handoff["collected"]["language"] == "fr"

    base = f"/handoffs/{handoff['id']}"
    assert agent.post(f"{base}/take").json()["status"] == "active"
    reply = agent.post(f"{base}/messages", json={"text": "Bonjour, ici Nora. Je regarde."})
    assert reply.json()["delivered"] is True
    assert ("agent", "Bonjour, ici Nora. Je regarde.") in user.transcript()
    assert ("system", "Nora du helpdesk a rejoint la conversation.") in user.transcript()

    # While the agent has the conversation the bot says nothing; the agent gets the message.
    assert user.say("merci, c'est pour le roaming en Espagne") == []
    last = agent.get(base).json()["messages"][-1]
    assert (last["direction"], last["text"]) == (
        "user_to_agent",
        "merci, c'est pour le roaming en Espagne",
    )

    back = agent.post(f"{base}/hand-back").json()
    assert back["status"] == "returned"
    assert back["bot_notified"] is True
    assert user.transcript()[-1] == (
        "system",
        "Vous êtes de nouveau avec l'assistant. Que puis-je faire pour vous ?",
    )

    after = texts(user.say("ma consommation ce mois-ci"))
    assert after == before


def test_nl_two_misunderstandings_offer_an_agent_who_closes(
    web_user: Any, agent: httpx.Client
) -> None:
    user: WebUser = web_user(*BRUGGE_FM)
    user.say("hallo")
    user.say("qsdkjf lmkqsjdf")
    offer = user.say("wxcvbn poiuyt")
    assert offer[-1]["buttons"] == [
        {"title": "Met een medewerker praten", "payload": "/request_agent"}
    ]

    connecting = texts(user.say("/request_agent"))
    assert "medewerker van de helpdesk" in connecting
    handoff = waiting_handoff_of(agent, BRUGGE_FM[0])
    assert handoff["reason"] == "fallback"
    assert handoff["user"]["company"] == "Brugge Bouw"

    base = f"/handoffs/{handoff['id']}"
    agent.post(f"{base}/take")
    assert user.say("hallo?") == []
    closed = agent.post(f"{base}/close").json()
    assert closed["status"] == "closed"
    assert user.transcript()[-1][1].startswith("De helpdesk heeft het gesprek afgesloten.")

    lines = texts(user.say("toon mijn lijnen"))
    assert "+32 470 00 00 5" in lines or "0470" in lines, lines
