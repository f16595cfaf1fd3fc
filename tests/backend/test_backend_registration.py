"""Fleet manager invitation, registration e-mail (outbox and real SMTP) and profile completion."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.accounts.exceptions import AccountAlreadyRegistered
from backend.accounts.models import RegistrationToken
from backend.accounts.service import invite_fleet_manager
from backend.core.models import Language, utcnow
from backend.core.settings import Settings
from backend.mail.models import OutboxEmail
from tests.backend.conftest import AGENT, bearer

ACME = "7001234567"
NEW_GSM = "+32470000030"
PROFILE = {
    "first_name": "An",
    "last_name": "Smet",
    "email": "an.smet@acme-logistics.example",
    "password": "a-long-password",
    "language": "nl",
}


def invite(session: Session, settings: Settings, **overrides: object) -> None:
    arguments: dict[str, object] = {
        "company_customer_number": ACME,
        "gsm": "0470 00 00 30",
        "email": "an.smet@acme-logistics.example",
    }
    arguments.update(overrides)
    invite_fleet_manager(session, settings=settings, **arguments)  # type: ignore[arg-type]


async def registration_link(client: httpx.AsyncClient, to: str) -> str:
    """The link in the newest outbox e-mail to ``to``, read through the dev outbox API by the
    helpdesk agent (the invitee cannot log in yet)."""
    agent = await bearer(client, *AGENT)
    outbox = (await client.get("/api/v1/dev/outbox", headers=agent)).json()
    newest = next(item for item in outbox if item["to"] == to)
    message = (await client.get(f"/api/v1/dev/outbox/{newest['id']}", headers=agent)).json()
    found = re.search(r"http://testserver/register/\S+", message["body_text"])
    assert found is not None
    assert found.group(0) in message["body_html"]
    return found.group(0)


async def test_invited_fleet_manager_registers_from_the_emailed_link_and_logs_in(
    client: httpx.AsyncClient, db_session: Session, settings: Settings
) -> None:
    invite(db_session, settings)
    link = await registration_link(client, "an.smet@acme-logistics.example")
    token = link.rsplit("/", 1)[1]

    page = await client.get(f"/register/{token}")
    assert page.status_code == 200
    assert 'id="registration"' in page.text
    assert "Vervolledig uw profiel" in page.text
    pending_login = await client.post(
        "/api/v1/auth/login", json={"gsm": NEW_GSM, "password": PROFILE["password"]}
    )
    assert pending_login.status_code == 401

    registered = await client.post(f"/api/v1/auth/registrations/{token}", json=PROFILE)

    assert registered.status_code == 200
    me = registered.json()
    assert (me["gsm"], me["role"], me["first_name"]) == (NEW_GSM, "fleet_manager", "An")
    assert me["company"]["customer_number"] == ACME
    login = await client.post(
        "/api/v1/auth/login", json={"gsm": "0470000030", "password": PROFILE["password"]}
    )
    assert login.status_code == 200
    lines = await client.get(
        "/api/v1/lines", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
    )
    assert len(lines.json()) == 25


async def test_registration_token_is_single_use(
    client: httpx.AsyncClient, db_session: Session, settings: Settings
) -> None:
    invite(db_session, settings)
    token = (await registration_link(client, PROFILE["email"])).rsplit("/", 1)[1]
    assert (
        await client.post(f"/api/v1/auth/registrations/{token}", json=PROFILE)
    ).status_code == 200

    again = await client.post(f"/api/v1/auth/registrations/{token}", json=PROFILE)

    assert again.status_code == 400
    assert again.json()["error"]["code"] == "registration_token_invalid"
    assert (await client.get(f"/register/{token}")).status_code == 400


async def test_expired_registration_token_is_refused(
    client: httpx.AsyncClient, db_session: Session, settings: Settings
) -> None:
    invite(db_session, settings)
    token = (await registration_link(client, PROFILE["email"])).rsplit("/", 1)[1]
    record = db_session.scalar(select(RegistrationToken).order_by(RegistrationToken.id.desc()))
    assert record is not None
    assert record.expires_at - utcnow() > timedelta(days=6, hours=23)
    record.expires_at = utcnow() - timedelta(seconds=1)
    db_session.flush()

    response = await client.post(f"/api/v1/auth/registrations/{token}", json=PROFILE)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "registration_token_invalid"


async def test_reinviting_invalidates_the_previous_link(
    client: httpx.AsyncClient, db_session: Session, settings: Settings
) -> None:
    invite(db_session, settings)
    first = (await registration_link(client, PROFILE["email"])).rsplit("/", 1)[1]
    invite(db_session, settings)

    response = await client.post(f"/api/v1/auth/registrations/{first}", json=PROFILE)

    assert response.status_code == 400


async def test_registration_with_a_short_password_is_422(
    client: httpx.AsyncClient, db_session: Session, settings: Settings
) -> None:
    invite(db_session, settings)
    token = (await registration_link(client, PROFILE["email"])).rsplit("/", 1)[1]

    response = await client.post(
        f"/api/v1/auth/registrations/{token}", json={**PROFILE, "password": "short"}
    )

    assert response.status_code == 422


@pytest.mark.parametrize(
    ("language", "subject_start"),
    [(None, "Uw toegang"), (Language.fr, "Votre accès"), (Language.en, "Your access")],
)
def test_registration_email_is_in_the_company_or_chosen_language(
    db_session: Session, settings: Settings, language: Language | None, subject_start: str
) -> None:
    invite(db_session, settings, language=language)

    email = db_session.scalar(select(OutboxEmail).order_by(OutboxEmail.id.desc()))

    assert email is not None
    assert email.subject.startswith(subject_start)
    assert "Acme Logistics" in email.subject
    assert email.language == (language or Language.nl)
    assert email.backend == "outbox"
    assert email.sent_at is None


def test_inviting_an_already_registered_number_is_refused(
    db_session: Session, settings: Settings
) -> None:
    with pytest.raises(AccountAlreadyRegistered):
        invite(db_session, settings, gsm="+32470000001")


class _Inbox:
    """aiosmtpd handler that keeps every received message."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        content = envelope.content
        assert isinstance(content, bytes)
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp_inbox() -> Iterator[tuple[_Inbox, int]]:
    """A real SMTP server on 127.0.0.1 and a free port."""
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def smtp_settings(settings: Settings, smtp_inbox: tuple[_Inbox, int]) -> Settings:
    return settings.model_copy(
        update={"mail_backend": "smtp", "smtp_host": "127.0.0.1", "smtp_port": smtp_inbox[1]}
    )


def test_smtp_backend_delivers_the_registration_email_and_records_it(
    db_session: Session, smtp_settings: Settings, smtp_inbox: tuple[_Inbox, int]
) -> None:
    inbox, _port = smtp_inbox

    invite(db_session, smtp_settings)

    ((recipients, message),) = inbox.messages
    assert recipients == [PROFILE["email"]]
    assert message["Subject"].startswith("Uw toegang")
    text = message.get_body(preferencelist=("plain",))
    assert text is not None
    assert "http://testserver/register/" in text.get_content()
    record = db_session.scalar(select(OutboxEmail).order_by(OutboxEmail.id.desc()))
    assert record is not None
    assert record.backend == "smtp"
    assert record.sent_at is not None


async def test_outbox_endpoint_is_hidden_when_mail_goes_by_smtp(
    app_for: Callable[[Settings], FastAPI], smtp_settings: Settings
) -> None:
    app = app_for(smtp_settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        response = await client.get("/api/v1/dev/outbox")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
