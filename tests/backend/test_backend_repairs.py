"""Repairs: the request_repair operation (IMEI checks, pickup, drop-off at a shop), e-mail, list
and scoping; the migration that brought the drop-off."""

from __future__ import annotations

from datetime import date

import httpx
import pytest
from alembic import command
from sqlalchemy import Engine, delete, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend import migrate
from backend.accounts.models import Account
from backend.core.db import create_db_engine
from backend.core.models import Language
from backend.mail.models import OutboxEmail
from backend.repairs.models import Pickup, Repair, RepairStatus
from backend.seed.service import seed_demo
from tests.backend.conftest import (
    ACME_FM,
    ACME_USER,
    AGENT,
    BRUGGE_FM,
    bearer,
)
from tests.backend.ops_helpers import (
    confirm,
    error_code,
    line_by_msisdn,
    new_key,
    prepare,
    prepared_id,
)

API = "/api/v1"
IMEI = "35 209900 176148 1"  # valid (Luhn), typed with spaces
PROBLEM = "Het scherm is gebarsten na een val, aanraken werkt niet meer."


@pytest.mark.parametrize(
    ("imei", "code"),
    [
        ("35209900176148", "imei_invalid_length"),
        ("3520990017614811", "imei_invalid_length"),
        ("352099001761482", "imei_check_digit"),
        ("35209900176148A", "imei_not_numeric"),
    ],
)
async def test_bad_imeis_are_refused_with_specific_codes(
    client: httpx.AsyncClient, imei: str, code: str
) -> None:
    headers = await bearer(client, *ACME_USER)
    response = await prepare(
        client, headers, "request_repair", params={"imei": imei, "problem": PROBLEM}
    )
    assert response.status_code == 422
    assert error_code(response) == code
    assert response.json()["error"]["field"] == "imei"


async def test_end_user_repair_at_work_with_confirmation_mail(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    headers = await bearer(client, *ACME_USER)
    line = line_by_msisdn(db_session, "+32470000002")
    key = new_key()
    params = {"imei": IMEI, "problem": PROBLEM, "pickup": "workplace"}
    first = await prepare(
        client, headers, "request_repair", line_id=line.id, params=params, key=key
    )
    assert first.status_code == 201, first.text
    replay = await prepare(
        client, headers, "request_repair", line_id=line.id, params=params, key=key
    )
    assert replay.json()["id"] == first.json()["id"]
    summary = first.json()["summary"]
    assert summary["imei_masked"] == "35209900****481"
    assert summary["address"]["city"] == "Antwerpen"
    assert summary["pickup"] == "workplace"
    done = await confirm(client, headers, first.json()["id"])
    assert done.status_code == 200, done.text
    result = done.json()["result"]
    assert result["number"].startswith("R")
    again = await confirm(client, headers, first.json()["id"])
    assert again.json()["result"] == result
    repairs = db_session.scalars(select(Repair).where(Repair.id == result["repair_id"])).all()
    assert len(repairs) == 1 and repairs[0].imei == "352099001761481"
    assert repairs[0].msisdn == "+32470000002"
    mails = db_session.scalars(
        select(OutboxEmail).where(OutboxEmail.subject.contains(result["number"]))
    ).all()
    assert len(mails) == 1
    assert mails[0].to == "julie.dubois@acme-logistics.example"
    assert mails[0].language == "fr"
    assert "réparation" in mails[0].subject
    assert "Enlèvement: au travail" in mails[0].body_text
    assert "Notre coursier vous contactera" in mails[0].body_text
    listed = (await client.get(f"{API}/repairs", headers=headers)).json()
    assert listed[0]["number"] == result["number"]
    assert listed[0]["status"] == "requested"
    assert "352099001761481" not in str(listed)
    # The fleet manager sees it; Brugge does not.
    fm = await bearer(client, *ACME_FM)
    ok = await client.get(f"{API}/repairs/{result['repair_id']}", headers=fm)
    assert ok.status_code == 200
    brugge = await bearer(client, *BRUGGE_FM)
    response = await client.get(f"{API}/repairs/{result['repair_id']}", headers=brugge)
    assert response.status_code == 404 and error_code(response) == "repair_not_found"
    agent = await bearer(client, *AGENT)
    assert (await client.get(f"{API}/repairs", headers=agent)).status_code == 403


async def test_pickup_at_another_address_needs_the_address(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    headers = await bearer(client, *ACME_FM)
    missing = await prepare(
        client,
        headers,
        "request_repair",
        params={"imei": IMEI, "problem": PROBLEM, "pickup": "other_address"},
    )
    assert missing.status_code == 422 and error_code(missing) == "address_required"
    address = {"street": "Meir 1", "postal_code": "2000", "city": "Antwerpen"}
    line = line_by_msisdn(db_session, "+32470000005")
    op_id = await prepared_id(
        client,
        headers,
        "request_repair",
        line_id=line.id,
        params={"imei": IMEI, "problem": PROBLEM, "pickup": "other_address", "address": address},
    )
    result = (await confirm(client, headers, op_id)).json()["result"]
    detail = (await client.get(f"{API}/repairs/{result['repair_id']}", headers=headers)).json()
    assert detail["address"] == address and detail["msisdn"] == "+32470000005"
    mail = db_session.scalars(
        select(OutboxEmail).where(OutboxEmail.subject.contains(result["number"]))
    ).one()
    assert mail.to == "sofie.janssens@acme-logistics.example" and mail.language == "nl"
    # The end user does not see the fleet manager's repair.
    user = await bearer(client, *ACME_USER)
    hidden = await client.get(f"{API}/repairs/{result['repair_id']}", headers=user)
    assert hidden.status_code == 404


async def test_lines_outside_the_callers_scope_are_not_found(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    user = await bearer(client, *ACME_USER)
    other_line = line_by_msisdn(db_session, "+32470000005")
    response = await prepare(
        client,
        user,
        "request_repair",
        line_id=other_line.id,
        params={"imei": IMEI, "problem": PROBLEM},
    )
    assert response.status_code == 404 and error_code(response) == "line_not_found"
    brugge = await bearer(client, *BRUGGE_FM)
    response = await prepare(
        client,
        brugge,
        "request_repair",
        line_id=other_line.id,
        params={"imei": IMEI, "problem": PROBLEM},
    )
    assert response.status_code == 404


async def test_end_user_repair_without_line_is_for_the_own_line(client: httpx.AsyncClient) -> None:
    headers = await bearer(client, *ACME_USER)
    op_id = await prepared_id(
        client, headers, "request_repair", params={"imei": IMEI, "problem": PROBLEM}
    )
    result = (await confirm(client, headers, op_id)).json()["result"]
    detail = (await client.get(f"{API}/repairs/{result['repair_id']}", headers=headers)).json()
    assert detail["msisdn"] == "+32470000002"


# What the confirmation e-mail says of a drop-off in each language: where, and what to do.
DROP_OFF_WORDING = {
    Language.fr: (
        "Dépôt: dans l'un de nos magasins",
        "Apportez l'appareil dans l'un de nos magasins en mentionnant le numéro",
        "coursier",
    ),
    Language.nl: (
        "Afgifte: in een van onze winkels",
        "Breng het toestel binnen in een van onze winkels en vermeld het nummer",
        "koerier",
    ),
    Language.en: (
        "Drop-off: at one of our shops",
        "Bring the device to one of our shops and mention the number",
        "courier",
    ),
}


@pytest.mark.parametrize("language", list(Language))
async def test_drop_off_at_a_shop_has_no_address_and_says_so(
    client: httpx.AsyncClient, db_session: Session, language: Language
) -> None:
    account = db_session.scalars(select(Account).where(Account.gsm == ACME_USER[0])).one()
    account.language = language
    db_session.flush()
    headers = await bearer(client, *ACME_USER)
    # An address sent along with a drop-off is ignored (no courier goes anywhere).
    stray = {"street": "Meir 1", "postal_code": "2000", "city": "Antwerpen"}
    first = await prepare(
        client,
        headers,
        "request_repair",
        params={"imei": IMEI, "problem": PROBLEM, "pickup": "drop_off", "address": stray},
    )
    assert first.status_code == 201, first.text
    summary = first.json()["summary"]
    assert summary["pickup"] == "drop_off" and summary["address"] is None
    done = await confirm(client, headers, first.json()["id"])
    assert done.status_code == 200, done.text
    result = done.json()["result"]

    repair = db_session.get(Repair, result["repair_id"])
    assert repair is not None
    db_session.refresh(repair)
    assert repair.pickup == Pickup.drop_off and repair.address is None
    # SQL NULL, not the JSON text 'null': "no address" is the column's own absence of a value.
    stored = db_session.execute(
        text("SELECT address IS NULL FROM repairs WHERE id = :id"), {"id": repair.id}
    ).scalar_one()
    assert stored in (True, 1)
    detail = (await client.get(f"{API}/repairs/{repair.id}", headers=headers)).json()
    assert detail["pickup"] == "drop_off" and detail["address"] is None

    mail = db_session.scalars(
        select(OutboxEmail).where(OutboxEmail.subject.contains(result["number"]))
    ).one()
    assert mail.language == language.value
    where, what_to_do, courier = DROP_OFF_WORDING[language]
    assert mail.body_html is not None
    for body in (mail.body_text, mail.body_html):
        assert where in body
        assert f"{what_to_do} {result['number']}" in body
        assert courier not in body.lower()
        assert "Meir" not in body and "None" not in body

    # The workshop takes it through the same steps: its first one is the shop's reception.
    agent = await bearer(client, *AGENT)
    moved = await client.post(
        f"{API}/agent/repairs/{repair.id}/advance",
        headers={**agent, "Idempotency-Key": new_key()},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == RepairStatus.picked_up.value


def _old_style_repair(session: Session) -> Repair:
    account = session.scalars(select(Account).where(Account.gsm == ACME_USER[0])).one()
    return Repair(
        company_id=account.company_id,
        account_id=account.id,
        imei="352099001761481",
        problem=PROBLEM,
        pickup=Pickup.workplace,
        address={"street": "Meir 1", "postal_code": "2000", "city": "Antwerpen"},
        status=RepairStatus.requested,
    )


def _refused(engine: Engine, statement: str, repair_id: int) -> None:
    """``statement`` (on the repair ``:id``) breaks a constraint; its own transaction is undone."""
    with engine.connect() as connection, pytest.raises(IntegrityError):
        connection.execute(text(statement), {"id": repair_id})


def test_migration_0014_adds_the_drop_off_and_keeps_existing_repairs(
    empty_database_url: str,
) -> None:
    config = migrate.alembic_config(database_url=empty_database_url)
    command.upgrade(config, "0013")
    engine = create_db_engine(empty_database_url)
    try:
        with Session(engine) as session:
            seed_demo(session, today=date(2026, 11, 26))
            kept = _old_style_repair(session)
            session.add(kept)
            session.commit()
            kept_id = kept.id
        set_drop_off = "UPDATE repairs SET pickup = 'drop_off' WHERE id = :id"
        drop_address = "UPDATE repairs SET address = NULL WHERE id = :id"
        _refused(engine, set_drop_off, kept_id)
        _refused(engine, drop_address, kept_id)

        command.upgrade(config, "head")
        with Session(engine) as session:
            old = session.get(Repair, kept_id)
            assert old is not None and old.pickup == Pickup.workplace
            assert old.address == {"street": "Meir 1", "postal_code": "2000", "city": "Antwerpen"}
            dropped = _old_style_repair(session)
            dropped.pickup, dropped.address = Pickup.drop_off, None
            session.add(dropped)
            session.commit()
        _refused(engine, "UPDATE repairs SET pickup = 'courier' WHERE id = :id", kept_id)

        # 0013 cannot hold a drop-off: the downgrade refuses and changes nothing.
        with pytest.raises(RuntimeError, match="dropped off at a shop"):
            command.downgrade(config, "0013")
        with Session(engine) as session:
            assert session.scalars(select(Repair.pickup)).all().count(Pickup.drop_off) == 1
            session.execute(delete(Repair).where(Repair.pickup == Pickup.drop_off))
            session.commit()
        command.downgrade(config, "0013")
        _refused(engine, set_drop_off, kept_id)
        _refused(engine, drop_address, kept_id)
        assert "ix_repairs_company_id" in {
            index["name"] for index in inspect(engine).get_indexes("repairs")
        }
    finally:
        engine.dispose()
