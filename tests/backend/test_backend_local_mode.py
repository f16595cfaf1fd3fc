"""What exists only on a laptop (issue #15, item 6): the outbox, the demo secrets and the API docs.

Outside ``ENVIRONMENT=local`` the settings refuse the outbox and every demo secret, and the app
serves no docs; even in local mode the outbox shows an e-mail only to an agent or its addressee.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr, ValidationError
from sqlalchemy.orm import Session

from backend.core.models import Language
from backend.core.settings import Settings
from backend.mail.service import Mail, send_mail
from bot.demo_secrets import DEMO_SECRETS
from scripts.stack import Stack
from tests.backend.conftest import ACME_USER, AGENT, bearer

OUTBOX = "/api/v1/dev/outbox"
JULIE = "julie.dubois@acme-logistics.example"  # ACME_USER's address (backend/seed)
PIETER = "pieter.vandenberghe@bruggebouw.example"  # another company's fleet manager

# Secrets of our own, so that only the setting under test is a demo value.
REAL = {
    "secret_key": SecretStr("a-real-secret-key-for-production-use-0123456789"),
    "action_service_key": SecretStr("a-real-service-key"),
    "rasa_auth_token": SecretStr("a-real-rasa-token"),
    "mail_backend": "smtp",
}


def mail_to(session: Session, settings: Settings, to: str, subject: str) -> int:
    record = send_mail(
        session,
        settings=settings,
        mail=Mail(to=to, subject=subject, language=Language.en, body_text="LPA:1$secret$code"),
    )
    session.flush()
    return record.id


async def test_the_outbox_needs_a_login(
    client: httpx.AsyncClient, db_session: Session, settings: Settings
) -> None:
    email_id = mail_to(db_session, settings, PIETER, "Your eSIM")

    for path in (OUTBOX, f"{OUTBOX}/{email_id}"):
        response = await client.get(path)
        assert response.status_code == 401, path
        assert response.json()["error"]["code"] == "not_authenticated"


async def test_an_addressee_reads_only_their_own_mails_and_an_agent_reads_all(
    client: httpx.AsyncClient, db_session: Session, settings: Settings
) -> None:
    theirs = mail_to(db_session, settings, PIETER, "Your eSIM")
    mine = mail_to(db_session, settings, JULIE.upper(), "Your invoice")
    julie = await bearer(client, *ACME_USER)

    listed = (await client.get(OUTBOX, headers=julie)).json()
    assert {item["id"] for item in listed} == {mine}
    assert (await client.get(f"{OUTBOX}/{mine}", headers=julie)).status_code == 200
    refused = await client.get(f"{OUTBOX}/{theirs}", headers=julie)
    assert refused.status_code == 404  # as if it did not exist

    agent = await bearer(client, *AGENT)
    assert {mine, theirs} <= {
        item["id"] for item in (await client.get(OUTBOX, headers=agent)).json()
    }
    body = (await client.get(f"{OUTBOX}/{theirs}", headers=agent)).json()["body_text"]
    assert body == "LPA:1$secret$code"


async def test_an_agent_opens_the_outbox_in_the_browser_with_the_portal_cookie(
    client: httpx.AsyncClient, db_session: Session, settings: Settings
) -> None:
    email_id = mail_to(db_session, settings, PIETER, "Your eSIM")
    login = await client.post("/portal/login", data={"gsm": AGENT[0], "password": AGENT[1]})
    assert login.status_code == 303

    listed = await client.get(OUTBOX)

    assert listed.status_code == 200
    assert email_id in {item["id"] for item in listed.json()}


@pytest.mark.parametrize("environment", ["test", "staging", "production"])
def test_the_outbox_is_refused_outside_local_mode(environment: str) -> None:
    with pytest.raises(ValidationError, match="MAIL_BACKEND=outbox"):
        Settings(environment=environment, **{**REAL, "mail_backend": "outbox"})


@pytest.mark.parametrize(
    ("field", "name"),
    [
        ("secret_key", "SECRET_KEY"),
        ("action_service_key", "ACTION_SERVICE_KEY"),
        ("rasa_auth_token", "RASA_AUTH_TOKEN"),
        ("slack_bot_token", "SLACK_BOT_TOKEN"),
        ("botframework_app_password", "BOTFRAMEWORK_APP_PASSWORD"),
    ],
)
def test_every_demo_secret_is_refused_outside_local_mode(field: str, name: str) -> None:
    demo: dict[str, Any] = {field: SecretStr(DEMO_SECRETS[name])}

    with pytest.raises(ValidationError, match=name):
        Settings(environment="staging", **{**REAL, **demo})
    assert Settings(environment="local", **{**REAL, **demo}).environment == "local"


def test_a_demo_value_pasted_as_another_secret_is_refused_too() -> None:
    pasted = {"secret_key": SecretStr(DEMO_SECRETS["SLACK_SIGNING_SECRET"])}

    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(environment="staging", **{**REAL, **pasted})


def test_every_secret_the_demo_stack_starts_with_is_a_known_demo_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """scripts/stack.py gives the processes these values: each must be refused outside local."""
    monkeypatch.setattr(os, "environ", {})  # only what the stack itself sets
    env = Stack(model=Path("unused")).base_env()
    secret_words = ("SECRET", "TOKEN", "PASSWORD", "KEY")
    started_with = {
        name: value
        for name, value in env.items()
        if any(word in name for word in secret_words) and not name.endswith("_URL")
    }

    assert started_with
    assert set(started_with.values()) <= set(DEMO_SECRETS.values()), started_with


async def test_the_api_docs_and_schema_exist_only_in_local_mode(
    app_for: Callable[[Settings], FastAPI], settings: Settings
) -> None:
    staging = settings.model_copy(update={"environment": "staging", "mail_backend": "smtp"})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app_for(staging)), base_url="http://testserver"
    ) as client:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert (await client.get(path)).status_code == 404, path
