"""A fleet manager helps an employee into the portal by naming their line: the link that lets them
in (a password reset when registered, the registration e-mail again when only invited) and an
invitation for an employee without an account. Seed (Acme): Julie registered, Jan invited and not
registered, Lotte without an account; Brugge is another company.

Also the action server's client (``actions/api/backend.py``) on these two routes, against the
real app.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.api.backend import (
    BackendClient,
    ChatIdentity,
    ConflictError,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
)
from backend.accounts.models import Account, AccountStatus, RegistrationToken, Role
from backend.companies.models import Company
from backend.core.models import Language, utcnow
from backend.core.settings import Settings
from backend.fleet.models import Line
from backend.mail.models import OutboxEmail
from tests.backend.conftest import ACME_USER, BRUGGE_FM, SERVICE_KEY
from tests.backend.test_backend_password_reset import login_status, reset_link, submit
from tests.backend.test_backend_registration import registration_link

JULIE = ACME_USER[0]
JULIE_EMAIL = "julie.dubois@acme-logistics.example"
JAN = "+32470000003"
JAN_EMAIL = "jan.peeters@acme-logistics.example"
LOTTE = "+32470000004"
LOTTE_EMAIL = "lotte.maes@acme-logistics.example"
RESET = "password-reset"
INVITATION = "portal-invitation"
PASSWORD = "lottes-own-password"


def line_of(session: Session, msisdn: str) -> Line:
    line = session.scalar(select(Line).where(Line.msisdn == msisdn))
    assert line is not None
    return line


def account_of(session: Session, gsm: str) -> Account | None:
    return session.scalar(select(Account).where(Account.gsm == gsm))


def mails_to(session: Session, address: str) -> list[OutboxEmail]:
    return list(
        session.scalars(
            select(OutboxEmail).where(OutboxEmail.to == address).order_by(OutboxEmail.id)
        )
    )


def all_mails(session: Session) -> int:
    return len(session.scalars(select(OutboxEmail.id)).all())


async def post(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    line_id: int,
    route: str,
    body: object = None,
    *,
    key: str | None = None,
) -> httpx.Response:
    return await client.post(
        f"/api/v1/lines/{line_id}/{route}",
        json=body,
        headers={**headers, "Idempotency-Key": key or uuid.uuid4().hex},
    )


async def invite(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    line_id: int,
    email: str,
    *,
    key: str | None = None,
) -> httpx.Response:
    return await post(client, headers, line_id, INVITATION, {"email": email}, key=key)


def expires_in(body: dict[str, object]) -> timedelta:
    return TypeAdapter(datetime).validate_python(body["expires_at"]) - utcnow()


# --- POST /lines/{id}/password-reset ---------------------------------------------------------


async def test_registered_employee_gets_a_reset_link_that_sets_a_new_password(
    client: httpx.AsyncClient, db_session: Session, fleet_manager: dict[str, str]
) -> None:
    response = await post(client, fleet_manager, line_of(db_session, JULIE).id, RESET)

    assert response.status_code == 202, response.text
    body = response.json()
    assert {k: v for k, v in body.items() if k not in ("account_id", "expires_at")} == {
        "outcome": "reset_sent",
        "first_name": "Julie",
        "last_name": "Dubois",
        "gsm": JULIE,
        "sent_to": "j***@acme-logistics.example",
    }
    assert timedelta(minutes=29) < expires_in(body) <= timedelta(minutes=30)
    [mail] = mails_to(db_session, JULIE_EMAIL)
    # Julie reads French; a reset mail, not a registration one.
    assert mail.subject.startswith("Choisir un nouveau mot de passe")
    assert "/register/" not in mail.body_text
    done = await submit(client, reset_link(mail), "julies-new-password")
    assert done.status_code == 200, done.text
    assert await login_status(client, JULIE, "julies-new-password") == 200
    assert await login_status(client, *ACME_USER) == 401


async def test_invited_employee_gets_the_registration_email_again(
    client: httpx.AsyncClient, db_session: Session, fleet_manager: dict[str, str]
) -> None:
    response = await post(client, fleet_manager, line_of(db_session, JAN).id, RESET)

    assert response.status_code == 202, response.text
    body = response.json()
    assert (body["outcome"], body["first_name"], body["gsm"], body["sent_to"]) == (
        "registration_sent",
        "Jan",
        JAN,
        "j***@acme-logistics.example",
    )
    assert timedelta(days=6, hours=23) < expires_in(body) <= timedelta(days=7)
    [mail] = mails_to(db_session, JAN_EMAIL)
    assert "persoonlijke login" in mail.body_text and "/password-reset/" not in mail.body_text
    found = re.search(r"http://testserver/register/(\S+)", mail.body_text)
    assert found is not None
    page = await client.get(f"/register/{found.group(1)}")
    assert page.status_code == 200 and "Vervolledig uw profiel" in page.text


async def test_a_line_without_an_account_is_a_conflict_and_sends_nothing(
    client: httpx.AsyncClient, db_session: Session, fleet_manager: dict[str, str]
) -> None:
    before = all_mails(db_session)

    response = await post(client, fleet_manager, line_of(db_session, LOTTE).id, RESET)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_portal_account"
    assert all_mails(db_session) == before


@pytest.mark.parametrize("gsm", [JULIE, JAN], ids=["registered", "invited"])
async def test_an_account_without_an_address_is_a_conflict(
    gsm: str, client: httpx.AsyncClient, db_session: Session, fleet_manager: dict[str, str]
) -> None:
    account = account_of(db_session, gsm)
    assert account is not None
    account.email = None
    db_session.commit()  # a SAVEPOINT: the route's rollback of its failure keeps it
    before = all_mails(db_session)

    response = await post(client, fleet_manager, line_of(db_session, gsm).id, RESET)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_email_on_account"
    assert all_mails(db_session) == before


# --- POST /lines/{id}/portal-invitation ------------------------------------------------------


async def test_an_invited_employee_registers_from_the_mail_and_logs_in(
    client: httpx.AsyncClient,
    db_session: Session,
    fleet_manager: dict[str, str],
    login: Callable[[str, str], Awaitable[dict[str, str]]],
) -> None:
    lotte_line = line_of(db_session, LOTTE)

    response = await invite(
        client, fleet_manager, lotte_line.id, " Lotte.Maes@ACME-logistics.example"
    )

    assert response.status_code == 202, response.text
    body = response.json()
    assert (body["first_name"], body["last_name"], body["gsm"], body["sent_to"]) == (
        "Lotte",
        "Maes",
        LOTTE,
        "L***@acme-logistics.example",
    )
    assert timedelta(days=6, hours=23) < expires_in(body) <= timedelta(days=7)
    lotte = account_of(db_session, LOTTE)
    assert lotte is not None and lotte.id == body["account_id"]
    # The address as email-validator normalizes it: the domain lower-cased, the local part kept.
    assert lotte.email == "Lotte.Maes@acme-logistics.example"
    acme = db_session.get(Company, lotte_line.company_id)
    assert acme is not None
    assert (lotte.status, lotte.role, lotte.active_role, lotte.company_id, lotte.language) == (
        AccountStatus.pending,
        Role.end_user,
        Role.end_user,
        acme.id,
        acme.language,
    )
    assert lotte_line.user_account_id == lotte.id
    [mail] = mails_to(db_session, "Lotte.Maes@acme-logistics.example")
    assert "persoonlijke login" in mail.body_text and "Beste Lotte" in mail.body_text
    link = await registration_link(client, "Lotte.Maes@acme-logistics.example")

    profile = {
        "first_name": "Lotte",
        "last_name": "Maes",
        "email": LOTTE_EMAIL,
        "password": PASSWORD,
        "language": "en",
    }
    registered = await client.post(
        f"/api/v1/auth/registrations/{link.rsplit('/', 1)[1]}", json=profile
    )

    assert registered.status_code == 200, registered.text
    assert (registered.json()["role"], registered.json()["line_id"]) == ("end_user", lotte_line.id)
    lines = await client.get("/api/v1/lines", headers=await login("0470 00 00 04", PASSWORD))
    assert [line["msisdn"] for line in lines.json()] == [LOTTE]
    # Registered now: a second invitation is refused, and "help her log in" is a reset link.
    again = await invite(client, fleet_manager, lotte_line.id, LOTTE_EMAIL)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "account_already_registered")
    helped = await post(client, fleet_manager, lotte_line.id, RESET)
    assert helped.json()["outcome"] == "reset_sent"
    # To the address and in the language she registered with.
    [reset] = mails_to(db_session, LOTTE_EMAIL)
    assert reset.subject.startswith("Choose a new password")


async def test_inviting_a_pending_employee_changes_the_address_and_sends_a_new_link(
    client: httpx.AsyncClient, db_session: Session, fleet_manager: dict[str, str]
) -> None:
    jan = account_of(db_session, JAN)
    assert jan is not None

    response = await invite(
        client, fleet_manager, line_of(db_session, JAN).id, "jan@peeters.example"
    )

    assert response.status_code == 202, response.text
    assert (response.json()["account_id"], response.json()["sent_to"]) == (
        jan.id,
        "j***@peeters.example",
    )
    db_session.refresh(jan)
    assert (jan.email, jan.status, jan.first_name, jan.language) == (
        "jan@peeters.example",
        AccountStatus.pending,
        "Jan",
        Language.nl,
    )
    assert len(mails_to(db_session, "jan@peeters.example")) == 1
    assert mails_to(db_session, JAN_EMAIL) == []
    # Only the newest link works: the seed's invitation expired.
    open_links = db_session.scalars(
        select(RegistrationToken).where(
            RegistrationToken.account_id == jan.id, RegistrationToken.used_at.is_(None)
        )
    ).all()
    assert len(open_links) == 1


@pytest.mark.parametrize(
    "email", ["lotte", "lotte@", "lotte maes@acme.example", "lotte@localhost", "@acme.example"]
)
async def test_a_bad_address_is_422_and_nothing_changes(
    email: str, client: httpx.AsyncClient, db_session: Session, fleet_manager: dict[str, str]
) -> None:
    lotte_line = line_of(db_session, LOTTE)
    before = all_mails(db_session)

    response = await invite(client, fleet_manager, lotte_line.id, email)

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("email_invalid", "email")
    assert account_of(db_session, LOTTE) is None
    assert lotte_line.user_account_id is None
    assert all_mails(db_session) == before


async def test_an_invitation_without_an_address_is_422(
    client: httpx.AsyncClient, db_session: Session, fleet_manager: dict[str, str]
) -> None:
    response = await post(client, fleet_manager, line_of(db_session, LOTTE).id, INVITATION, {})

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


async def test_a_number_that_is_the_login_of_another_companys_account_is_a_conflict(
    client: httpx.AsyncClient, db_session: Session, fleet_manager: dict[str, str]
) -> None:
    brugge = db_session.scalar(select(Company).where(Company.name == "Brugge Bouw"))
    assert brugge is not None
    # A number that moved to Acme while Brugge's old invitation for it is still pending.
    stale = Account(
        gsm=LOTTE,
        email="old.user@bruggebouw.example",
        language=Language.nl,
        role=Role.end_user,
        active_role=Role.end_user,
        status=AccountStatus.pending,
        company=brugge,
    )
    db_session.add(stale)
    db_session.commit()  # a SAVEPOINT: the route's rollback of its failure keeps it
    before = all_mails(db_session)

    response = await invite(client, fleet_manager, line_of(db_session, LOTTE).id, LOTTE_EMAIL)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "portal_login_taken"
    db_session.refresh(stale)
    assert (stale.company_id, stale.email) == (brugge.id, "old.user@bruggebouw.example")
    assert all_mails(db_session) == before


# --- both routes: retries, other companies, end users -----------------------------------------

ROUTES = [(RESET, JULIE, JULIE_EMAIL, None), (INVITATION, LOTTE, LOTTE_EMAIL, LOTTE_EMAIL)]
ROUTE_IDS = [RESET, INVITATION]


@pytest.mark.parametrize(("route", "gsm", "to", "email"), ROUTES, ids=ROUTE_IDS)
async def test_a_retry_with_the_same_key_replays_and_sends_one_email(
    route: str,
    gsm: str,
    to: str,
    email: str | None,
    client: httpx.AsyncClient,
    db_session: Session,
    fleet_manager: dict[str, str],
) -> None:
    body = {"email": email} if email else None
    line_id = line_of(db_session, gsm).id
    key = uuid.uuid4().hex

    first = await post(client, fleet_manager, line_id, route, body, key=key)
    retry = await post(client, fleet_manager, line_id, route, body, key=key)

    assert first.status_code == retry.status_code == 202, first.text
    assert retry.json() == first.json()
    assert len(mails_to(db_session, to)) == 1


@pytest.mark.parametrize(("route", "gsm", "to", "email"), ROUTES, ids=ROUTE_IDS)
async def test_links_for_an_employee_are_rate_limited(
    route: str,
    gsm: str,
    to: str,
    email: str | None,
    client: httpx.AsyncClient,
    db_session: Session,
    settings: Settings,
    fleet_manager: dict[str, str],
) -> None:
    body = {"email": email} if email else None
    line_id = line_of(db_session, gsm).id
    # The limit of the kind of link: a registered employee's reset, an invitee's registration.
    limit = {
        RESET: settings.rate_limit_password_resets_per_account,
        INVITATION: settings.rate_limit_registration_emails_per_account,
    }[route]

    answers = [await post(client, fleet_manager, line_id, route, body) for _ in range(limit + 1)]

    assert [r.status_code for r in answers] == [202] * limit + [429]
    assert answers[-1].json()["error"]["code"] == "rate_limited"
    assert int(answers[-1].headers["Retry-After"]) > 0
    assert len(mails_to(db_session, to)) == limit


@pytest.mark.parametrize(
    ("caller", "status", "code"),
    [(BRUGGE_FM, 404, "line_not_found"), (ACME_USER, 403, "forbidden")],
    ids=["another company's fleet manager", "end user"],
)
@pytest.mark.parametrize(("route", "gsm", "to", "email"), ROUTES, ids=ROUTE_IDS)
async def test_others_are_refused_and_nothing_is_sent(
    caller: tuple[str, str],
    status: int,
    code: str,
    route: str,
    gsm: str,
    to: str,
    email: str | None,
    client: httpx.AsyncClient,
    db_session: Session,
    login: Callable[[str, str], Awaitable[dict[str, str]]],
) -> None:
    headers = await login(*caller)
    body = {"email": email} if email else None

    response = await post(client, headers, line_of(db_session, gsm).id, route, body)

    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert mails_to(db_session, to) == []
    assert account_of(db_session, LOTTE) is None
    assert line_of(db_session, LOTTE).user_account_id is None


# --- the action server's client against the real app ----------------------------------------


async def chat_client(
    client: httpx.AsyncClient, app: FastAPI, person: dict[str, str]
) -> tuple[BackendClient, ChatIdentity]:
    """The action server's client on ``app``, for a web chat the backend bound to ``person``."""
    session = await client.post("/api/v1/chat/sessions", headers=person)
    assert session.status_code == 201, session.text
    backend = BackendClient(
        base_url="http://testserver",
        service_key=SERVICE_KEY,
        timeout_seconds=30,
        transport=httpx.ASGITransport(app=app),
    )
    return backend, ChatIdentity(channel="rest", sender_id=session.json()["sender_id"])


@pytest.fixture
async def bot(
    client: httpx.AsyncClient,
    settings: Settings,
    app_for: Callable[[Settings], FastAPI],
    fleet_manager: dict[str, str],
) -> tuple[BackendClient, ChatIdentity]:
    """The client for a conversation of Acme's fleet manager."""
    return await chat_client(client, app_for(settings), fleet_manager)


async def test_client_asks_for_a_line_users_access_link(
    bot: tuple[BackendClient, ChatIdentity], db_session: Session
) -> None:
    backend, identity = bot

    reset = await backend.request_line_password_reset(
        identity, line_of(db_session, JULIE).id, idempotency_key=uuid.uuid4().hex
    )
    registration = await backend.request_line_password_reset(
        identity, line_of(db_session, JAN).id, idempotency_key=uuid.uuid4().hex
    )
    with pytest.raises(ConflictError) as nobody:
        await backend.request_line_password_reset(
            identity, line_of(db_session, LOTTE).id, idempotency_key=uuid.uuid4().hex
        )
    with pytest.raises(NotFoundError):
        await backend.request_line_password_reset(
            identity, line_of(db_session, "+32470000052").id, idempotency_key=uuid.uuid4().hex
        )

    assert (reset.outcome, reset.first_name, reset.sent_to) == (
        "reset_sent",
        "Julie",
        "j***@acme-logistics.example",
    )
    assert reset.expires_at > utcnow()
    assert (registration.outcome, registration.gsm) == ("registration_sent", JAN)
    assert nobody.value.code == "no_portal_account"
    assert len(mails_to(db_session, JULIE_EMAIL)) == len(mails_to(db_session, JAN_EMAIL)) == 1


async def test_client_invites_a_line_user(
    bot: tuple[BackendClient, ChatIdentity], db_session: Session
) -> None:
    backend, identity = bot
    lotte_line = line_of(db_session, LOTTE).id

    with pytest.raises(InvalidRequestError) as invalid:
        await backend.invite_line_user(
            identity, lotte_line, email="lotte@", idempotency_key=uuid.uuid4().hex
        )
    invited = await backend.invite_line_user(
        identity, lotte_line, email=LOTTE_EMAIL, idempotency_key=uuid.uuid4().hex
    )
    with pytest.raises(ConflictError) as registered:
        await backend.invite_line_user(
            identity, line_of(db_session, JULIE).id, email=LOTTE_EMAIL, idempotency_key="k-2"
        )

    assert (invalid.value.code, invalid.value.field) == ("email_invalid", "email")
    assert (invited.first_name, invited.last_name, invited.gsm, invited.sent_to) == (
        "Lotte",
        "Maes",
        LOTTE,
        "l***@acme-logistics.example",
    )
    assert invited.expires_at > utcnow() + timedelta(days=6)
    assert registered.value.code == "account_already_registered"
    assert len(mails_to(db_session, LOTTE_EMAIL)) == 1


async def test_client_of_an_end_users_chat_is_forbidden(
    client: httpx.AsyncClient,
    settings: Settings,
    app_for: Callable[[Settings], FastAPI],
    db_session: Session,
    end_user: dict[str, str],
) -> None:
    backend, identity = await chat_client(client, app_for(settings), end_user)

    with pytest.raises(ForbiddenError):
        await backend.invite_line_user(
            identity,
            line_of(db_session, LOTTE).id,
            email=LOTTE_EMAIL,
            idempotency_key=uuid.uuid4().hex,
        )
    assert account_of(db_session, LOTTE) is None
