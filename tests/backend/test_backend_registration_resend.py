"""A fleet manager has the registration e-mail sent again to an invited employee (seed: Jan
Peeters of Acme, invited, not registered); another company's employee is a 404."""

from __future__ import annotations

import re
import uuid

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.accounts.models import Account, AccountStatus, RegistrationToken
from backend.core.settings import Settings
from backend.fleet.models import Line
from backend.mail.models import OutboxEmail
from tests.backend.conftest import SERVICE_KEY

JAN_GSM = "+32470000003"
JAN_EMAIL = "jan.peeters@acme-logistics.example"
PROFILE = {
    "first_name": "Jan",
    "last_name": "Peeters",
    "email": JAN_EMAIL,
    "password": "jan-his-own-password",
    "language": "nl",
}


def line_id(session: Session, msisdn: str) -> int:
    found = session.scalar(select(Line.id).where(Line.msisdn == msisdn))
    assert found is not None
    return found


async def resend(
    client: httpx.AsyncClient, headers: dict[str, str], msisdn_line: int
) -> httpx.Response:
    return await client.post(
        f"/api/v1/lines/{msisdn_line}/registration-email",
        headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
    )


def mails_to_jan(session: Session) -> list[OutboxEmail]:
    return list(session.scalars(select(OutboxEmail).where(OutboxEmail.to == JAN_EMAIL)))


def test_seed_has_jan_invited_but_not_registered(db_session: Session) -> None:
    jan = db_session.scalar(select(Account).where(Account.gsm == JAN_GSM))

    assert jan is not None
    assert (jan.status, jan.role.value, jan.language.value) == ("pending", "end_user", "nl")
    assert jan.email == JAN_EMAIL and jan.password_hash is None
    invitation = select(RegistrationToken).where(RegistrationToken.account_id == jan.id)
    assert db_session.scalar(invitation) is not None
    line = db_session.scalar(select(Line).where(Line.msisdn == JAN_GSM))
    assert line is not None and line.user_account_id == jan.id


async def test_fleet_manager_resends_and_jan_registers_with_the_new_link(
    client: httpx.AsyncClient, db_session: Session, fleet_manager: dict[str, str]
) -> None:
    response = await resend(client, fleet_manager, line_id(db_session, JAN_GSM))

    assert response.status_code == 202, response.text
    body = response.json()
    assert (body["first_name"], body["gsm"], body["sent_to"]) == (
        "Jan",
        JAN_GSM,
        "j***@acme-logistics.example",
    )
    [mail] = mails_to_jan(db_session)
    assert mail.language.value == "nl"
    assert "persoonlijke login" in mail.body_text and "fleetmanager" not in mail.body_text
    found = re.search(r"http://testserver/register/(\S+)", mail.body_text)
    assert found is not None
    token = found.group(1)
    page = await client.get(f"/register/{token}")
    assert page.status_code == 200 and "Vervolledig uw profiel en kies" in page.text
    # Only the newest link works: the one of the original invitation expired.
    open_links = db_session.scalars(
        select(RegistrationToken).where(
            RegistrationToken.account_id == body["account_id"], RegistrationToken.used_at.is_(None)
        )
    ).all()
    assert len(open_links) == 1

    registered = await client.post(f"/api/v1/auth/registrations/{token}", json=PROFILE)

    assert registered.status_code == 200, registered.text
    assert registered.json()["role"] == "end_user"
    login = await client.post(
        "/api/v1/auth/login", json={"gsm": "0470 00 00 03", "password": PROFILE["password"]}
    )
    assert login.status_code == 200
    lines = await client.get(
        "/api/v1/lines", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
    )
    assert [line["msisdn"] for line in lines.json()] == [JAN_GSM]
    # Registered now: nothing more to resend.
    again = await resend(client, fleet_manager, line_id(db_session, JAN_GSM))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "account_already_registered"


async def test_the_bot_resends_for_the_fleet_manager_of_the_conversation(
    client: httpx.AsyncClient, db_session: Session, fleet_manager: dict[str, str]
) -> None:
    session = await client.post("/api/v1/chat/sessions", headers=fleet_manager)
    bot = {
        "X-Service-Key": SERVICE_KEY,
        "X-Chat-Channel": "rest",
        "X-Chat-Sender": session.json()["sender_id"],
    }

    response = await resend(client, bot, line_id(db_session, JAN_GSM))

    assert response.status_code == 202
    assert len(mails_to_jan(db_session)) == 1


async def test_another_companys_fleet_manager_gets_404_and_no_mail(
    client: httpx.AsyncClient, db_session: Session, brugge_manager: dict[str, str]
) -> None:
    response = await resend(client, brugge_manager, line_id(db_session, JAN_GSM))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "line_not_found"
    assert mails_to_jan(db_session) == []


async def test_end_user_may_not_resend(
    client: httpx.AsyncClient, db_session: Session, end_user: dict[str, str]
) -> None:
    response = await resend(client, end_user, line_id(db_session, JAN_GSM))

    assert response.status_code == 403
    assert mails_to_jan(db_session) == []


async def test_registered_or_never_invited_is_a_conflict(
    client: httpx.AsyncClient, db_session: Session, fleet_manager: dict[str, str]
) -> None:
    registered = await resend(client, fleet_manager, line_id(db_session, "+32470000002"))
    never_invited = await resend(client, fleet_manager, line_id(db_session, "+32470000004"))

    assert (registered.status_code, registered.json()["error"]["code"]) == (
        409,
        "account_already_registered",
    )
    assert (never_invited.status_code, never_invited.json()["error"]["code"]) == (
        409,
        "no_portal_account",
    )


async def test_resends_are_rate_limited_per_employee(
    client: httpx.AsyncClient,
    db_session: Session,
    settings: Settings,
    fleet_manager: dict[str, str],
) -> None:
    jan_line = line_id(db_session, JAN_GSM)
    limit = settings.rate_limit_registration_emails_per_account
    answers = [await resend(client, fleet_manager, jan_line) for _ in range(limit + 1)]

    assert [r.status_code for r in answers] == [202] * limit + [429]
    assert answers[-1].json()["error"]["code"] == "rate_limited"
    assert int(answers[-1].headers["Retry-After"]) > 0
    assert len(mails_to_jan(db_session)) == limit
    jan = db_session.scalar(select(Account).where(Account.gsm == JAN_GSM))
    assert jan is not None and jan.status == AccountStatus.pending
