"""Forgotten password: the neutral request, the e-mailed single-use link, the reset page, limits.

Also the chat path: the bot asks for the caller's own account (the backend binding decides whose).
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.accounts.models import Account, PasswordResetToken
from backend.core.models import utcnow
from backend.core.settings import Settings
from backend.mail.models import OutboxEmail
from tests.backend.conftest import ACME_FM, ACME_USER, SERVICE_KEY

RESET = "/api/v1/auth/password-reset"
OWN_RESET = "/api/v1/me/password-reset"
SOFIE_EMAIL = "sofie.janssens@acme-logistics.example"
JULIE_EMAIL = "julie.dubois@acme-logistics.example"
NEW_PASSWORD = "a-brand-new-password"
ORIGIN = {"Origin": "http://testserver"}


def outbox_to(session: Session, address: str) -> list[OutboxEmail]:
    return list(
        session.scalars(
            select(OutboxEmail).where(OutboxEmail.to == address).order_by(OutboxEmail.id)
        )
    )


def reset_link(email: OutboxEmail) -> str:
    found = re.search(r"http://testserver(/password-reset/\S+)", email.body_text)
    assert found is not None, email.body_text
    assert found.group(0) in (email.body_html or "")
    return found.group(1)


async def ask(client: httpx.AsyncClient, gsm: str) -> httpx.Response:
    return await client.post(RESET, json={"gsm": gsm})


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert found is not None, page.text
    return found.group(1)


async def submit(
    client: httpx.AsyncClient, path: str, password: str, again: str | None = None
) -> httpx.Response:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    data = {"password": password, "password_again": again or password, "csrf_token": csrf_of(page)}
    return await client.post(path, data=data, headers=ORIGIN)


async def login_status(client: httpx.AsyncClient, gsm: str, password: str) -> int:
    response = await client.post("/api/v1/auth/login", json={"gsm": gsm, "password": password})
    return response.status_code


async def test_same_answer_whatever_the_number_and_one_email_only_to_an_active_account(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    before = db_session.scalar(select(OutboxEmail.id).order_by(OutboxEmail.id.desc())) or 0
    answers = [
        await ask(client, "0470 00 00 01"),  # active fleet manager
        await ask(client, "+32 470 99 99 98"),  # no account
        await ask(client, "0470 00 00 03"),  # invited, not registered yet
        await ask(client, "12"),  # not a number at all
    ]

    assert {response.status_code for response in answers} == {202}
    assert len({response.text for response in answers}) == 1
    assert answers[0].json()["expires_in_minutes"] == 30
    new_mails = list(db_session.scalars(select(OutboxEmail).where(OutboxEmail.id > before)))
    assert [mail.to for mail in new_mails] == [SOFIE_EMAIL]
    # The account's language (Sofie: Dutch), the GSM login and a 30-minute link.
    assert new_mails[0].subject.startswith("Een nieuw wachtwoord")
    assert "+32470000001" in new_mails[0].body_text
    assert "30 minuten" in new_mails[0].body_text


async def test_unknown_numbers_wait_as_long_as_known_ones(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    started = time.monotonic()
    await ask(client, "0470 99 99 97")

    assert time.monotonic() - started >= settings.password_reset_min_seconds


async def test_the_link_sets_a_new_password_once(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    await ask(client, ACME_USER[0])
    [mail] = outbox_to(db_session, JULIE_EMAIL)
    assert mail.subject.startswith("Choisir un nouveau mot de passe")  # Julie reads French
    path = reset_link(mail)

    page = await client.get(path)
    assert page.status_code == 200
    assert "Nouveau mot de passe" in page.text and "+32470000002" in page.text
    assert page.headers["cache-control"] == "no-store"
    done = await submit(client, path, NEW_PASSWORD)

    assert done.status_code == 200, done.text
    assert 'id="reset-done"' in done.text
    assert await login_status(client, ACME_USER[0], NEW_PASSWORD) == 200
    assert await login_status(client, ACME_USER[0], ACME_USER[1]) == 401
    account = db_session.scalar(select(Account).where(Account.gsm == ACME_USER[0]))
    assert account is not None and account.password_hash is not None
    assert account.password_hash.startswith("$argon2id$")
    # Single use: the page and a second submission both refuse the link.
    again_page = await client.get(path)
    assert again_page.status_code == 400 and 'id="reset-invalid"' in again_page.text
    token = csrf_of(page)
    again = await client.post(
        path,
        data={"password": "yet-another-password", "password_again": "yet-another-password",
              "csrf_token": token},
        headers=ORIGIN,
    )  # fmt: skip
    assert again.status_code == 400
    assert await login_status(client, ACME_USER[0], "yet-another-password") == 401


async def test_an_expired_link_is_refused(client: httpx.AsyncClient, db_session: Session) -> None:
    await ask(client, ACME_USER[0])
    path = reset_link(outbox_to(db_session, JULIE_EMAIL)[-1])
    record = db_session.scalar(select(PasswordResetToken).order_by(PasswordResetToken.id.desc()))
    assert record is not None
    assert timedelta(minutes=29) < record.expires_at - utcnow() <= timedelta(minutes=30)
    page = await client.get(path)
    record.expires_at = utcnow() - timedelta(seconds=1)
    db_session.flush()

    data = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD, "csrf_token": csrf_of(page)}
    response = await client.post(path, data=data, headers=ORIGIN)

    assert response.status_code == 400 and 'id="reset-invalid"' in response.text
    assert (await client.get(path)).status_code == 400
    assert await login_status(client, ACME_USER[0], ACME_USER[1]) == 200


async def test_a_newer_link_replaces_the_older_one(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    await ask(client, ACME_USER[0])
    await ask(client, ACME_USER[0])
    first, second = (reset_link(mail) for mail in outbox_to(db_session, JULIE_EMAIL))

    assert (await client.get(first)).status_code == 400
    assert (await submit(client, second, NEW_PASSWORD)).status_code == 200


async def test_a_reset_ends_the_accounts_portal_sessions(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    login = await client.post("/portal/login", data={"gsm": ACME_USER[0], "password": ACME_USER[1]})
    assert login.status_code == 303
    assert (await client.get("/portal/session")).status_code == 200
    await ask(client, ACME_USER[0])
    path = reset_link(outbox_to(db_session, JULIE_EMAIL)[-1])

    assert (await submit(client, path, NEW_PASSWORD)).status_code == 200

    assert (await client.get("/portal/session")).status_code == 401


@pytest.mark.parametrize(
    ("password", "again", "message"),
    [("short", "short", "au moins 10"), (NEW_PASSWORD, NEW_PASSWORD + "x", "pas identiques")],
)
async def test_password_rules_of_registration_apply(
    client: httpx.AsyncClient, db_session: Session, password: str, again: str, message: str
) -> None:
    await ask(client, ACME_USER[0])
    path = reset_link(outbox_to(db_session, JULIE_EMAIL)[-1])

    response = await submit(client, path, password, again)

    assert response.status_code == 422 and message in response.text
    assert await login_status(client, ACME_USER[0], ACME_USER[1]) == 200
    assert (await client.get(path)).status_code == 200  # the link still works


async def test_the_reset_form_needs_its_csrf_token_and_our_origin(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    await ask(client, ACME_USER[0])
    path = reset_link(outbox_to(db_session, JULIE_EMAIL)[-1])
    token = csrf_of(await client.get(path))
    data = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}

    missing = await client.post(path, data=data, headers=ORIGIN)
    wrong = await client.post(path, data={**data, "csrf_token": "0" * 64}, headers=ORIGIN)
    elsewhere = await client.post(
        path, data={**data, "csrf_token": token}, headers={"Origin": "https://evil.example"}
    )

    assert [r.status_code for r in (missing, wrong, elsewhere)] == [403, 403, 403]
    assert await login_status(client, ACME_USER[0], ACME_USER[1]) == 200
    assert (await client.get(path)).status_code == 200


async def test_rate_limit_per_number_keeps_the_same_answer(
    client: httpx.AsyncClient, db_session: Session, settings: Settings
) -> None:
    limit = settings.rate_limit_password_resets_per_account
    answers = [await ask(client, ACME_USER[0]) for _ in range(limit + 2)]

    assert {r.status_code for r in answers} == {202}
    assert len({r.text for r in answers}) == 1
    assert len(outbox_to(db_session, JULIE_EMAIL)) == limit


async def test_rate_limit_per_email_address_across_accounts(
    client: httpx.AsyncClient, db_session: Session, settings: Settings
) -> None:
    # Two logins sharing one mailbox: the address's own limit caps them together.
    julie = db_session.scalar(select(Account).where(Account.gsm == ACME_USER[0]))
    assert julie is not None
    julie.email = SOFIE_EMAIL
    db_session.flush()
    per_account = settings.rate_limit_password_resets_per_account
    per_email = settings.rate_limit_password_resets_per_email
    for _ in range(per_account):
        await ask(client, ACME_FM[0])
    for _ in range(per_account):
        await ask(client, ACME_USER[0])

    assert len(outbox_to(db_session, SOFIE_EMAIL)) == per_email < 2 * per_account


async def test_the_login_page_links_to_forgot_password_and_its_form_answers_neutrally(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    login_page = await client.get("/portal?lang=nl")
    assert 'href="/password-reset?lang=nl"' in login_page.text
    form = await client.get("/password-reset?lang=nl")
    assert form.status_code == 200 and "Wachtwoord vergeten" in form.text

    known = await client.post(
        "/password-reset", data={"gsm": "0470 00 00 01", "lang": "nl"}, headers=ORIGIN
    )
    unknown = await client.post(
        "/password-reset", data={"gsm": "0470 99 99 96", "lang": "nl"}, headers=ORIGIN
    )
    cross_site = await client.post(
        "/password-reset",
        data={"gsm": "0470 00 00 01", "lang": "nl"},
        headers={"Origin": "https://evil.example"},
    )

    assert known.status_code == unknown.status_code == 200
    assert known.text == unknown.text and 'id="reset-requested"' in known.text
    assert cross_site.status_code == 403
    assert len(outbox_to(db_session, SOFIE_EMAIL)) == 1


# --- the chat path: the caller's own account -------------------------------------------------


async def chat_headers(client: httpx.AsyncClient, bearer: dict[str, str]) -> dict[str, str]:
    session = await client.post("/api/v1/chat/sessions", headers=bearer)
    assert session.status_code == 201
    return {
        "X-Service-Key": SERVICE_KEY,
        "X-Chat-Channel": "rest",
        "X-Chat-Sender": session.json()["sender_id"],
    }


async def test_the_bot_sends_the_link_to_the_bound_account_only(
    client: httpx.AsyncClient, db_session: Session, end_user: dict[str, str]
) -> None:
    bot = await chat_headers(client, end_user)
    key = {"Idempotency-Key": uuid.uuid4().hex}

    sent = await client.post(OWN_RESET, headers={**bot, **key})
    replayed = await client.post(OWN_RESET, headers={**bot, **key})

    assert sent.status_code == replayed.status_code == 202
    assert sent.json() == {"sent_to": "j***@acme-logistics.example", "expires_in_minutes": 30}
    assert replayed.json() == sent.json()
    assert len(outbox_to(db_session, JULIE_EMAIL)) == 1  # the retry replayed, no second e-mail
    assert outbox_to(db_session, SOFIE_EMAIL) == []


async def test_own_reset_needs_a_bound_chat_and_has_a_limit(
    client: httpx.AsyncClient, settings: Settings, end_user: dict[str, str]
) -> None:
    unbound = {"X-Service-Key": SERVICE_KEY, "X-Chat-Channel": "rest", "X-Chat-Sender": "nobody"}
    anonymous = await client.post(
        OWN_RESET, headers={**unbound, "Idempotency-Key": uuid.uuid4().hex}
    )
    assert anonymous.status_code == 401

    bot = await chat_headers(client, end_user)
    statuses = [
        (await client.post(OWN_RESET, headers={**bot, "Idempotency-Key": uuid.uuid4().hex}))
        for _ in range(settings.rate_limit_password_resets_per_account + 1)
    ]

    assert [r.status_code for r in statuses[:-1]] == [202] * (len(statuses) - 1)
    assert statuses[-1].status_code == 429
    assert statuses[-1].json()["error"]["code"] == "rate_limited"
    assert 0 < int(statuses[-1].headers["Retry-After"]) <= settings.rate_limit_window_seconds
