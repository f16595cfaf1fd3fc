"""Access by chat against the real services (manual, "Accès"): a forgotten password reset by the
e-mailed link (logged in: the own account at once; not logged in: the GSM number, the same
answer for a number without account), and a fleet manager re-sending an employee's registration
e-mail. Every check is on the backend: the outbox, the reset page, the login."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from scripts.stack import Stack
from tests.e2e.conftest import Chat, open_chat
from tests.e2e.operator import agent_headers

JULIE = ("+32470000002", "acme-user-demo", "julie.dubois@acme-logistics.example")
PIETER_EMAIL = "pieter.vandenberghe@bruggebouw.example"
JAN_EMAIL = "jan.peeters@acme-logistics.example"


def outbox(stack: Stack) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{stack.backend_url}/api/v1/dev/outbox", headers=agent_headers(stack), timeout=10.0
    )
    response.raise_for_status()
    return list(response.json())


def new_mails(stack: Stack, before: set[int]) -> list[dict[str, Any]]:
    return [mail for mail in outbox(stack) if mail["id"] not in before]


def link_in(stack: Stack, mail: dict[str, Any], path: str) -> str:
    response = httpx.get(
        f"{stack.backend_url}/api/v1/dev/outbox/{mail['id']}",
        headers=agent_headers(stack),
        timeout=10.0,
    )
    response.raise_for_status()
    found = re.search(rf"{re.escape(stack.backend_url)}{path}\S+", response.json()["body_text"])
    assert found is not None, response.json()["body_text"]
    return found.group(0)


def set_password(stack: Stack, link: str, password: str) -> httpx.Response:
    """Fill in the reset page as a browser would (its CSRF field, our own Origin)."""
    page = httpx.get(link, timeout=10.0)
    assert page.status_code == 200, page.text
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert token is not None
    return httpx.post(
        link,
        data={"password": password, "password_again": password, "csrf_token": token.group(1)},
        headers={"Origin": stack.backend_url},
        timeout=10.0,
    )


def login_status(stack: Stack, gsm: str, password: str) -> int:
    response = httpx.post(
        f"{stack.backend_url}/api/v1/auth/login",
        json={"gsm": gsm, "password": password},
        timeout=10.0,
    )
    return response.status_code


@pytest.fixture
def julie(stack: Stack) -> Iterator[Chat]:
    """Julie's chat; her demo password is put back afterwards for the other tests."""
    chat = open_chat(stack, JULIE[0], JULIE[1])
    yield chat
    if login_status(stack, JULIE[0], JULIE[1]) != 200:
        before = {mail["id"] for mail in outbox(stack)}
        httpx.post(
            f"{stack.backend_url}/api/v1/auth/password-reset", json={"gsm": JULIE[0]}, timeout=10
        ).raise_for_status()
        [mail] = new_mails(stack, before)
        assert set_password(stack, link_in(stack, mail, "/password-reset/"), JULIE[1]).is_success
    assert login_status(stack, JULIE[0], JULIE[1]) == 200


def test_logged_in_french_password_reset_by_chat_then_by_the_emailed_link(
    julie: Chat, stack: Stack
) -> None:
    before = {mail["id"] for mail in outbox(stack)}

    sent = julie.say("j'ai oublié mon mot de passe")

    assert "nouveau mot de passe" in sent and "30 minutes" in sent
    assert "effac" not in sent.lower()  # never the erasure question
    assert "j***@acme-logistics.example" in sent
    [mail] = new_mails(stack, before)
    assert mail["to"] == JULIE[2]
    assert mail["subject"].startswith("Choisir un nouveau mot de passe")
    link = link_in(stack, mail, "/password-reset/")

    done = set_password(stack, link, "julie-new-password-2026")

    assert done.status_code == 200 and 'id="reset-done"' in done.text
    assert login_status(stack, JULIE[0], "julie-new-password-2026") == 200
    assert login_status(stack, JULIE[0], JULIE[1]) == 401
    assert httpx.get(link, timeout=10.0).status_code == 400  # single use


def test_not_logged_in_the_number_gets_the_same_answer_and_only_an_account_gets_mail(
    stack: Stack,
) -> None:
    stranger = Chat(stack=stack, token="", sender_id=secrets.token_urlsafe(32))
    before = {mail["id"] for mail in outbox(stack)}

    how = stranger.say("I forgot my password")
    known = stranger.say("0470 00 00 51")
    stranger.say("I forgot my password")
    unknown = stranger.say("0470 99 88 77")

    assert "Forgot your password?" in how and "GSM number" in how
    assert "If 0470 00 00 51 is the login of an active account" in known
    assert known.replace("0470 00 00 51", "X") == unknown.replace("0470 99 88 77", "X")
    [mail] = new_mails(stack, before)
    assert mail["to"] == PIETER_EMAIL
    assert mail["subject"].startswith("Een nieuw wachtwoord")  # the account's language
    assert "/password-reset/" in link_in(stack, mail, "/password-reset/")


def test_fleet_manager_resends_the_registration_email_and_jan_registers(
    acme_fleet_manager: Chat, stack: Stack
) -> None:
    before = {mail["id"] for mail in outbox(stack)}

    answer = acme_fleet_manager.say("Jan didn't get his registration e-mail")

    assert "j***@acme-logistics.example" in answer
    [mail] = new_mails(stack, before)
    assert mail["to"] == JAN_EMAIL
    token = link_in(stack, mail, "/register/").rsplit("/", 1)[1]
    registered = httpx.post(
        f"{stack.backend_url}/api/v1/auth/registrations/{token}",
        json={
            "first_name": "Jan",
            "last_name": "Peeters",
            "email": JAN_EMAIL,
            "password": "jan-chooses-this-one",
            "language": "nl",
        },
        timeout=10.0,
    )
    assert registered.status_code == 200, registered.text
    assert login_status(stack, "0470 00 00 03", "jan-chooses-this-one") == 200
