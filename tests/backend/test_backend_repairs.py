"""Repairs: the request_repair operation (IMEI checks, pickup), e-mail, list and scoping."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.mail.models import OutboxEmail
from backend.repairs.models import Repair
from tests.backend.conftest import ACME_FM, ACME_USER, AGENT, BRUGGE_FM, bearer
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
