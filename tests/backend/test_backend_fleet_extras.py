"""Line search, catalogues, activations, porting requests, tickets and concurrent retries."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from backend.core.idempotency import IdempotencyRecord
from backend.core.settings import Settings
from backend.fleet.models import Line
from backend.main import create_app
from backend.operations.models import Operation
from tests.backend.conftest import ACME_FM
from tests.backend.ops_helpers import OPS, error_code, new_key


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Jan", ["Jan Peeters"]),
        ("jan's phone", ["Jan Peeters"]),
        ("de gsm van Jan", ["Jan Peeters"]),
        ("ÉLISE", ["Elise Mertens"]),
        ("van den broeck", ["Jonas Van den Broeck"]),
        ("magazijn", ["Bram Jacobs"]),
        ("3456", ["Youssef Benali"]),
        ("0470 00 00 05", ["Thomas Willems"]),
        ("nobody", []),
    ],
)
async def test_line_search_by_name_label_and_digits(
    q: str, expected: list[str], client: httpx.AsyncClient, fleet_manager: dict[str, str]
) -> None:
    lines = (await client.get("/api/v1/lines", params={"q": q}, headers=fleet_manager)).json()

    assert [line["user_name"] for line in lines] == expected


async def test_catalogues_of_options_and_barrable_services(
    client: httpx.AsyncClient, end_user: dict[str, str]
) -> None:
    options = (await client.get("/api/v1/options", headers=end_user)).json()
    barrings = (await client.get("/api/v1/barrable-services", headers=end_user)).json()

    assert {"code": "multisim", "name": "Multi-SIM (carte SIM supplémentaire)"}.items() <= {
        **next(o for o in options if o["code"] == "multisim")
    }.items()
    assert {b["code"] for b in barrings} >= {"roaming", "premium_numbers", "mobile_data"}
    assert all(set(b["names"]) == {"fr", "nl", "en"} for b in barrings)


async def test_activations_list_pending_esim_and_porting(
    client: httpx.AsyncClient,
    fleet_manager: dict[str, str],
    end_user: dict[str, str],
    brugge_manager: dict[str, str],
) -> None:
    activations = (await client.get("/api/v1/activations", headers=fleet_manager)).json()
    by_number = {item["msisdn"]: item for item in activations}

    assert set(by_number) == {"+32470000023", "+32475123456"}
    assert by_number["+32470000023"]["esim_pending"] is True
    assert by_number["+32470000023"]["porting_request"] is None
    assert by_number["+32475123456"]["porting_request"]["status"] == "accepted"
    assert (await client.get("/api/v1/activations", headers=end_user)).status_code == 403
    assert (await client.get("/api/v1/activations", headers=brugge_manager)).json() == []


async def test_porting_requests_are_scoped_to_the_company(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], brugge_manager: dict[str, str]
) -> None:
    (request,) = (await client.get("/api/v1/porting-requests", headers=fleet_manager)).json()
    one = await client.get(f"/api/v1/porting-requests/{request['id']}", headers=fleet_manager)
    other = await client.get(f"/api/v1/porting-requests/{request['id']}", headers=brugge_manager)

    assert request["msisdn"] == "+32475123456" and request["number_type"] == "professional"
    assert one.json() == request
    assert (other.status_code, error_code(other)) == (404, "porting_request_not_found")


async def test_tickets_open_list_and_scoping(
    client: httpx.AsyncClient,
    fleet_manager: dict[str, str],
    end_user: dict[str, str],
    brugge_manager: dict[str, str],
    db_session: Session,
) -> None:
    line_id = db_session.scalar(select(Line.id).where(Line.msisdn == "+32470000005"))
    body: dict[str, Any] = {
        "subject_code": "prepaid_conversion",
        "description": "Thomas wil zijn nummer houden als prepaid na de deactivering.",
        "contact_number": "0470 00 00 01",
        "line_id": line_id,
    }
    key = new_key()
    created = await client.post(
        "/api/v1/tickets", json=body, headers={**fleet_manager, "Idempotency-Key": key}
    )
    replay = await client.post(
        "/api/v1/tickets", json=body, headers={**fleet_manager, "Idempotency-Key": key}
    )
    bad_number = await client.post(
        "/api/v1/tickets",
        json={**body, "contact_number": "12"},
        headers={**fleet_manager, "Idempotency-Key": new_key()},
    )
    other_company_line = await client.post(
        "/api/v1/tickets", json=body, headers={**brugge_manager, "Idempotency-Key": new_key()}
    )
    no_key = await client.post("/api/v1/tickets", json=body, headers=fleet_manager)

    assert created.status_code == 201
    ticket = created.json()
    assert ticket["status"] == "open" and ticket["number"].startswith("T-20")
    assert len(ticket["number"]) == len("T-2026-000123")
    assert replay.json() == ticket
    assert (bad_number.status_code, error_code(bad_number)) == (422, "contact_number_invalid")
    assert (other_company_line.status_code, error_code(other_company_line)) == (
        404,
        "line_not_found",
    )
    assert (no_key.status_code, error_code(no_key)) == (400, "idempotency_key_required")
    listed = (await client.get("/api/v1/tickets", headers=fleet_manager)).json()
    assert [t["number"] for t in listed] == [ticket["number"]]
    assert listed[0]["contact_number"] == "+32470000001"
    assert (await client.get("/api/v1/tickets", headers=end_user)).json() == []
    assert (await client.get("/api/v1/tickets", headers=brugge_manager)).json() == []


def test_concurrent_identical_requests_create_one_operation(
    engine: Engine, settings: Settings
) -> None:
    """Two threads, real connections (no shared test transaction): one operation, one answer."""
    app = create_app(settings)  # its own sessions: the race happens in the database
    with TestClient(app) as login_client:
        token = login_client.post(
            "/api/v1/auth/login", json={"gsm": ACME_FM[0], "password": ACME_FM[1]}
        ).json()["access_token"]
    with Session(engine) as session:
        line_id = session.scalar(select(Line.id).where(Line.msisdn == "+32470000004"))
        account_ops_before = session.scalar(select(func.count()).select_from(Operation)) or 0
    key = new_key()
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    body = {"type": "change_plan", "line_id": line_id, "params": {"plan_code": "pro_smart"}}
    barrier = threading.Barrier(2)
    answers: list[httpx.Response] = []

    def post() -> None:
        with TestClient(app) as client:
            barrier.wait()
            answers.append(client.post(OPS, json=body, headers=headers))

    threads = [threading.Thread(target=post) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
        assert answers[0].json() == answers[1].json()
        with Session(engine) as session:
            count = session.scalar(select(func.count()).select_from(Operation)) or 0
            assert count == account_ops_before + 1
    finally:
        with Session(engine) as session:
            session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.key == key))
            for answer in answers:
                if answer.status_code == 201:
                    session.execute(delete(Operation).where(Operation.id == answer.json()["id"]))
            session.commit()
