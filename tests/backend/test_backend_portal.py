"""Portal cookie session, CSRF, and the web chat gateway in front of a fake Rasa on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.models import Language
from backend.core.settings import Settings
from backend.portal.auth import PORTAL_COOKIE
from backend.portal.models import PortalSession
from backend.webchat import service as webchat
from backend.webchat.exceptions import WebConversationNotFound
from backend.webchat.models import WebMessage
from scripts.stack import free_port
from tests.backend.conftest import ACME_FM, ACME_USER, SERVICE_KEY

MESSAGES = "/portal/chat/messages"


class FakeRasa:
    """Rasa's REST webhook on 127.0.0.1: records what it receives, answers canned replies."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.replies: list[dict[str, Any]] = [{"recipient_id": "x", "text": "Bonjour !"}]
        self.delay = 0.0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                fake.received.append({"path": self.path, **json.loads(body)})
                time.sleep(fake.delay)
                payload = json.dumps(fake.replies).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the test output is enough."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeRasa:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    with FakeRasa() as fake:
        yield fake


ClientFactory = Callable[[], httpx.AsyncClient]


@pytest.fixture
async def browsers(
    settings: Settings, app_for: Callable[[Settings], FastAPI], rasa: FakeRasa
) -> AsyncIterator[ClientFactory]:
    """Make independent 'browsers' (cookie jars) on one app whose Rasa is the fake."""
    app = app_for(settings.model_copy(update={"rasa_url": rasa.url}))
    opened: list[httpx.AsyncClient] = []

    def _new() -> httpx.AsyncClient:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )
        opened.append(client)
        return client

    yield _new
    for client in opened:
        await client.aclose()


async def portal_login(client: httpx.AsyncClient, gsm: str, password: str) -> str:
    """Log in through the form; return the page's CSRF token."""
    response = await client.post("/portal/login", data={"gsm": gsm, "password": password})
    assert response.status_code == 303, response.text
    session = await client.get("/portal/session")
    assert session.status_code == 200
    token: str = session.json()["csrf_token"]
    return token


def portal_session_of(client: httpx.AsyncClient, db_session: Session) -> PortalSession:
    claims = jwt.decode(client.cookies[PORTAL_COOKIE], options={"verify_signature": False})
    portal_session = db_session.get(PortalSession, claims["sid"])
    assert portal_session is not None
    return portal_session


# --- login, cookie, logout -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "accept_language", "expected"),
    [
        ("", "nl-BE,nl;q=0.9,en;q=0.5", "Meld u aan"),
        ("", "de-DE,en;q=0.8,fr;q=0.5", "Log in with"),
        ("", None, "Connectez-vous"),
        ("?lang=en", "nl-BE", "Log in with"),
    ],
)
async def test_login_page_follows_the_language_switch_else_the_browser(
    browsers: ClientFactory, query: str, accept_language: str | None, expected: str
) -> None:
    headers = {"Accept-Language": accept_language} if accept_language else {}

    page = await browsers().get(f"/portal{query}", headers=headers)

    assert page.status_code == 200
    assert expected in page.text
    assert "Cache-Control" in page.headers


async def test_root_redirects_to_the_portal(browsers: ClientFactory) -> None:
    response = await browsers().get("/")

    assert response.status_code == 303
    assert response.headers["location"] == "/portal"


async def test_login_with_a_local_gsm_format_sets_an_httponly_lax_signed_portal_cookie(
    browsers: ClientFactory, settings: Settings
) -> None:
    client = browsers()

    response = await client.post(
        "/portal/login", data={"gsm": "0470 00 00 02", "password": ACME_USER[1]}
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/portal"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{PORTAL_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie  # http base URL in tests; https turns it on
    claims = jwt.decode(
        client.cookies[PORTAL_COOKIE],
        settings.secret_key.get_secret_value(),
        algorithms=["HS256"],
    )
    assert claims["typ"] == "portal"
    assert claims["exp"] > time.time()
    page = await client.get("/portal")
    assert "Bonjour Julie" in page.text
    assert 'name="csrf-token"' in page.text


async def test_chat_page_speaks_the_accounts_language(browsers: ClientFactory) -> None:
    client = browsers()
    await portal_login(client, *ACME_FM)

    page = await client.get("/portal", headers={"Accept-Language": "en"})

    assert "Hallo Sofie" in page.text
    assert "Slack / Teams koppelen" in page.text


async def test_the_page_follows_the_conversations_language_and_bubbles_name_theirs(
    browsers: ClientFactory, rasa: FakeRasa
) -> None:
    client = browsers()
    csrf = await portal_login(client, *ACME_FM)  # Sofie's account reads Dutch
    # Rasa's REST channel names each reply's language (bot/channels/rest.py); an unknown one
    # is ignored rather than trusted.
    rasa.replies = [
        {"recipient_id": "x", "text": "Here are your lines.", "language": "en"},
        {"recipient_id": "x", "text": "Anything else?", "language": "xx"},
    ]

    sent = await client.post(
        MESSAGES, json={"text": "show my lines"}, headers={"X-CSRF-Token": csrf}
    )

    assert [m["language"] for m in sent.json()["messages"]] == [None, "en", None]
    page = await client.get("/portal")
    assert '<html lang="en">' in page.text
    assert "Hello Sofie" in page.text and "Log out" in page.text
    assert "Slack / Teams koppelen" in page.text  # every language's texts, for the switch
    minted = await client.post("/portal/link-codes", headers={"X-CSRF-Token": csrf})
    assert "to the bot in Slack or Teams" in minted.json()["instruction"]

    rasa.replies = [{"recipient_id": "x", "text": "Hier zijn uw lijnen.", "language": "nl"}]
    await client.post(MESSAGES, json={"text": "in het Nederlands"}, headers={"X-CSRF-Token": csrf})

    assert '<html lang="nl">' in (await client.get("/portal")).text


async def test_wrong_password_shows_the_login_again_without_a_cookie(
    browsers: ClientFactory,
) -> None:
    client = browsers()

    response = await client.post(
        "/portal/login", data={"gsm": ACME_USER[0], "password": "wrong-password", "lang": "nl"}
    )

    assert response.status_code == 401
    assert "Verkeerd gsm-nummer of wachtwoord" in response.text
    assert PORTAL_COOKIE not in client.cookies


async def test_login_posted_from_another_site_is_refused(browsers: ClientFactory) -> None:
    client = browsers()

    response = await client.post(
        "/portal/login",
        data={"gsm": ACME_USER[0], "password": ACME_USER[1]},
        headers={"Origin": "https://evil.example"},
    )

    assert response.status_code == 403
    assert PORTAL_COOKIE not in client.cookies


@pytest.mark.parametrize(
    ("next_path", "location"),
    [("/agent", "/agent"), ("https://evil.example/", "/portal"), ("//evil.example", "/portal")],
)
async def test_login_goes_back_only_to_a_local_page(
    browsers: ClientFactory, next_path: str, location: str
) -> None:
    response = await browsers().post(
        "/portal/login", data={"gsm": ACME_USER[0], "password": ACME_USER[1], "next": next_path}
    )

    assert response.headers["location"] == location


async def test_a_logged_in_user_following_a_login_link_goes_straight_on(
    browsers: ClientFactory,
) -> None:
    client = browsers()
    await portal_login(client, *ACME_USER)

    response = await client.get("/portal", params={"next": "/billing/x"})

    assert response.status_code == 303
    assert response.headers["location"] == "/billing/x"


async def test_logout_ends_the_session_even_for_a_copied_cookie(browsers: ClientFactory) -> None:
    client, thief = browsers(), browsers()
    csrf = await portal_login(client, *ACME_USER)
    thief.cookies.set(PORTAL_COOKIE, client.cookies[PORTAL_COOKIE])
    assert (await thief.get(MESSAGES)).status_code == 200

    response = await client.post("/portal/logout", data={"csrf_token": csrf})

    assert response.status_code == 303
    assert 'bm_portal=""' in response.headers["set-cookie"]
    assert (await thief.get(MESSAGES)).status_code == 401
    assert "Connectez-vous" in (await thief.get("/portal")).text


async def test_logout_without_the_csrf_token_is_refused(browsers: ClientFactory) -> None:
    client = browsers()
    await portal_login(client, *ACME_USER)

    response = await client.post("/portal/logout", data={})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_rejected"
    assert (await client.get(MESSAGES)).status_code == 200


async def test_an_api_access_token_is_not_a_portal_cookie(browsers: ClientFactory) -> None:
    client = browsers()
    login = await client.post(
        "/api/v1/auth/login", json={"gsm": ACME_USER[0], "password": ACME_USER[1]}
    )
    client.cookies.set(PORTAL_COOKIE, login.json()["access_token"])

    assert (await client.get(MESSAGES)).status_code == 401


# --- CSRF on the gateway and the link code ---------------------------------------------------


@pytest.mark.parametrize("token", [None, "0" * 64, "other-session"])
async def test_cookie_post_without_this_sessions_csrf_token_is_refused_and_not_forwarded(
    browsers: ClientFactory, rasa: FakeRasa, db_session: Session, token: str | None
) -> None:
    client, other = browsers(), browsers()
    await portal_login(client, *ACME_USER)
    if token == "other-session":
        token = await portal_login(other, *ACME_USER)  # same account, another login
    headers = {"X-CSRF-Token": token} if token else {}

    response = await client.post(MESSAGES, json={"text": "bonjour"}, headers=headers)

    assert response.status_code == 403
    assert rasa.received == []
    chat_session_id = portal_session_of(client, db_session).chat_session_id
    assert webchat.transcript(db_session, chat_session_id=chat_session_id) == []


async def test_link_code_from_the_cookie_session_links_a_slack_user(
    browsers: ClientFactory, db_session: Session
) -> None:
    client = browsers()
    csrf = await portal_login(client, *ACME_FM)
    assert (await client.post("/portal/link-codes")).status_code == 403

    minted = await client.post("/portal/link-codes", headers={"X-CSRF-Token": csrf})

    assert minted.status_code == 201
    code = minted.json()["code"]
    assert f"link {code}" in minted.json()["instruction"]
    assert "Slack of Teams" in minted.json()["instruction"]  # Sofie reads Dutch
    linked = await client.post(
        "/api/v1/chat/links",
        json={"platform": "slack", "workspace_id": "T1", "user_id": "U1", "code": code},
        headers={"X-Service-Key": SERVICE_KEY},
    )
    assert linked.status_code == 201
    assert linked.json()["account_id"] == portal_session_of(client, db_session).account_id


# --- the gateway -----------------------------------------------------------------------------


async def test_message_goes_to_rasa_with_the_server_side_sender_and_both_sides_are_stored(
    browsers: ClientFactory, rasa: FakeRasa, db_session: Session
) -> None:
    client = browsers()
    csrf = await portal_login(client, *ACME_USER)
    rasa.replies = [
        {"recipient_id": "x", "text": "Votre ligne : +32470000002. Voir https://example.be/x"},
        {
            "recipient_id": "x",
            "text": "Autre chose ?",
            "buttons": [{"title": "Oui", "payload": "/affirm"}],
        },
        {"recipient_id": "x", "image": "https://example.be/phone.png"},
        {"recipient_id": "x", "image": "javascript:alert(1)"},
    ]

    response = await client.post(
        MESSAGES, json={"text": "quel est mon numéro ?"}, headers={"X-CSRF-Token": csrf}
    )

    assert response.status_code == 200
    messages = response.json()["messages"]
    assert [m["author"] for m in messages] == ["user", "bot", "bot", "bot"]
    assert messages[0]["text"] == "quel est mon numéro ?"
    assert messages[2]["buttons"] == [{"title": "Oui", "payload": "/affirm"}]
    assert messages[3]["image_url"] == "https://example.be/phone.png"
    # The sender Rasa saw is the one the server bound to this login, never sent by the browser.
    chat_session = portal_session_of(client, db_session).chat_session
    assert rasa.received == [
        {
            "path": "/webhooks/rest/webhook",
            "sender": chat_session.sender_id,
            "message": "quel est mon numéro ?",
        }
    ]
    assert chat_session.sender_id not in response.text
    assert chat_session.sender_id not in (await client.get("/portal")).text
    history = (await client.get(MESSAGES)).json()["messages"]
    assert history == messages
    later = (await client.get(MESSAGES, params={"after": messages[1]["id"]})).json()["messages"]
    assert [m["id"] for m in later] == [messages[2]["id"], messages[3]["id"]]


async def test_quick_reply_sends_its_payload_and_shows_its_title(
    browsers: ClientFactory, rasa: FakeRasa
) -> None:
    client = browsers()
    csrf = await portal_login(client, *ACME_USER)

    response = await client.post(
        MESSAGES, json={"payload": "/affirm", "title": "Oui"}, headers={"X-CSRF-Token": csrf}
    )

    assert rasa.received[0]["message"] == "/affirm"
    assert response.json()["messages"][0]["text"] == "Oui"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"text": "   "},
        {"payload": "/affirm"},
        {"text": "hi", "payload": "/affirm", "title": "x"},
        {"text": "hi", "sender": "someone-else"},
        {"text": "hi", "metadata": {"company_id": 2}},
    ],
)
async def test_malformed_or_identity_claiming_messages_are_refused(
    browsers: ClientFactory, rasa: FakeRasa, body: dict[str, Any]
) -> None:
    client = browsers()
    csrf = await portal_login(client, *ACME_USER)

    response = await client.post(MESSAGES, json=body, headers={"X-CSRF-Token": csrf})

    assert response.status_code == 422
    assert rasa.received == []


async def test_two_browsers_never_see_or_use_each_others_conversation(
    browsers: ClientFactory, rasa: FakeRasa, db_session: Session
) -> None:
    julie, sofie, anonymous = browsers(), browsers(), browsers()
    julie_csrf = await portal_login(julie, *ACME_USER)
    sofie_csrf = await portal_login(sofie, *ACME_FM)
    await julie.post(
        MESSAGES, json={"text": "secret de Julie"}, headers={"X-CSRF-Token": julie_csrf}
    )

    await sofie.post(MESSAGES, json={"text": "hallo"}, headers={"X-CSRF-Token": sofie_csrf})
    sofie_history = (await sofie.get(MESSAGES, params={"after": 0})).json()["messages"]
    anonymous_history = await anonymous.get(MESSAGES)
    anonymous_post = await anonymous.post(
        MESSAGES, json={"text": "hi"}, headers={"X-CSRF-Token": julie_csrf}
    )

    assert "secret de Julie" not in json.dumps(sofie_history)
    assert [m["text"] for m in sofie_history] == ["hallo", "Bonjour !"]
    assert anonymous_history.status_code == 401
    assert anonymous_post.status_code == 401
    senders = [r["sender"] for r in rasa.received]
    assert senders == [
        portal_session_of(julie, db_session).chat_session.sender_id,
        portal_session_of(sofie, db_session).chat_session.sender_id,
    ]
    assert senders[0] != senders[1]


async def test_each_login_gets_its_own_conversation(
    browsers: ClientFactory, rasa: FakeRasa, db_session: Session
) -> None:
    first, second = browsers(), browsers()
    csrf = await portal_login(first, *ACME_USER)
    await portal_login(second, *ACME_USER)
    await first.post(MESSAGES, json={"text": "premier"}, headers={"X-CSRF-Token": csrf})

    assert (await second.get(MESSAGES)).json()["messages"] == []
    assert (
        portal_session_of(first, db_session).chat_session_id
        != portal_session_of(second, db_session).chat_session_id
    )


# Slow (past the answer budget) is not a failure: test_backend_webchat_turns.py.
@pytest.mark.parametrize("failure", ["down", "error"])
async def test_rasa_unavailable_gives_a_polite_message_and_keeps_the_users_message(
    settings: Settings,
    app_for: Callable[[Settings], FastAPI],
    rasa: FakeRasa,
    failure: str,
) -> None:
    rasa_url = rasa.url
    if failure == "down":
        rasa_url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    else:
        rasa.replies = {"error": "not a list"}  # type: ignore[assignment]
    app = app_for(settings.model_copy(update={"rasa_url": rasa_url}))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        csrf = await portal_login(client, "0470000001", ACME_FM[1])

        response = await client.post(
            MESSAGES, json={"text": "mijn facturen"}, headers={"X-CSRF-Token": csrf}
        )
        history = (await client.get(MESSAGES)).json()["messages"]

    assert response.status_code == 200
    assert [(m["author"], m["text"]) for m in response.json()["messages"]] == [
        ("user", "mijn facturen"),
        ("system", webchat.RASA_UNAVAILABLE[Language.nl]),
    ]
    assert history == response.json()["messages"]


async def test_a_reload_shows_the_end_of_a_long_conversation(
    browsers: ClientFactory, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = browsers()
    await portal_login(client, *ACME_USER)
    sender_id = portal_session_of(client, db_session).chat_session.sender_id
    for number in range(5):
        webchat.post_to_web_conversation(
            db_session, sender_id=sender_id, author="system", text=f"message {number}"
        )
    monkeypatch.setattr(webchat, "HISTORY_LIMIT", 3)

    reload = (await client.get(MESSAGES)).json()["messages"]
    poll = (await client.get(MESSAGES, params={"after": 0})).json()["messages"]

    assert [m["text"] for m in reload] == ["message 2", "message 3", "message 4"]
    assert [m["text"] for m in poll] == ["message 0", "message 1", "message 2"]


# --- post_to_web_conversation (the handoff's way in) -----------------------------------------


async def test_agent_message_posted_by_sender_id_shows_at_the_next_poll(
    browsers: ClientFactory, db_session: Session
) -> None:
    client = browsers()
    await portal_login(client, *ACME_USER)
    chat_session = portal_session_of(client, db_session).chat_session

    webchat.post_to_web_conversation(
        db_session, sender_id=chat_session.sender_id, author="agent", text="Bonjour, ici Marc."
    )

    messages = (await client.get(MESSAGES, params={"after": 0})).json()["messages"]
    assert [(m["author"], m["text"]) for m in messages] == [("agent", "Bonjour, ici Marc.")]


def test_posting_to_an_unknown_web_conversation_raises(db_session: Session) -> None:
    with pytest.raises(WebConversationNotFound):
        webchat.post_to_web_conversation(
            db_session, sender_id="T1:U1", author="system", text="hello"
        )
    assert db_session.scalars(select(WebMessage)).all() == []


async def test_the_widget_is_served(browsers: ClientFactory) -> None:
    client = browsers()

    script = await client.get("/static/widget/widget.js")
    style = await client.get("/static/widget/widget.css")

    assert script.status_code == 200
    assert "innerHTML" not in script.text  # bot text is only ever set as text nodes
    assert style.status_code == 200
