"""A new line with a ported number and an eSIM becomes active only when both are done, in
whichever order (issue #15): the eSIM confirmation waits for the porting to complete."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.esim.models import ESimProfile, ESimStatus
from backend.fleet.models import Line, LineStatus, PortingStatus
from backend.fleet.porting import PortingAlreadySettled, record_outcome
from backend.mail.models import OutboxEmail
from tests.backend.ops_helpers import ACME_FREE_SIMS, confirm, line_by_msisdn, prepare

PORTED_NUMBER = {
    "mode": "port",
    "msisdn": "0478 12 34 58",
    "number_type": "residential",
    "current_sim_number": "8932101234567890123",
}
ESIM_PORTED = {
    "sim_type": "esim",
    "email": "lotte.maes@acme.example",
    "end_user_name": "Lotte Maes",
    "end_user_language": "nl",
    "number": PORTED_NUMBER,
    "plan_code": "pro_smart",
}


async def _activate(
    client: httpx.AsyncClient,
    fleet_manager: dict[str, str],
    session: Session,
    params: dict[str, Any],
) -> tuple[Line, int]:
    """The new line and its porting request's id."""
    prepared = await prepare(client, fleet_manager, "activate_line", params=params)
    assert prepared.status_code == 201, prepared.text
    done = await confirm(client, fleet_manager, prepared.json()["id"])
    result = done.json()["result"]
    return line_by_msisdn(session, result["msisdn"]), int(result["porting_request_id"])


def _confirmation_path(session: Session) -> str:
    mail = session.scalar(select(OutboxEmail).order_by(OutboxEmail.id.desc()))
    assert mail is not None
    match = re.search(r"http://testserver(/esim/confirm/[\w-]+)", mail.body_text)
    assert match is not None
    return match.group(1)


async def test_an_esim_confirmed_during_the_porting_waits_for_it(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], db_session: Session
) -> None:
    line, request_id = await _activate(client, fleet_manager, db_session, ESIM_PORTED)

    page = await client.post(_confirmation_path(db_session))

    assert page.status_code == 200 and 'id="waiting"' in page.text
    assert "wordt actief zodra het nummer" in page.text
    db_session.refresh(line)
    assert line.status == LineStatus.pending_activation
    profile = db_session.scalars(select(ESimProfile).where(ESimProfile.line_id == line.id)).one()
    assert profile.status == ESimStatus.confirmed
    (waiting,) = [
        a
        for a in (await client.get("/api/v1/activations", headers=fleet_manager)).json()
        if a["line_id"] == line.id
    ]
    assert waiting["esim_pending"] is False
    assert waiting["porting_request"]["status"] == "requested"

    record_outcome(db_session, request_id=request_id, status=PortingStatus.accepted)
    assert line.status == LineStatus.pending_activation
    record_outcome(db_session, request_id=request_id, status=PortingStatus.completed)
    assert line.status == LineStatus.active


async def test_a_porting_completed_before_the_esim_confirmation_waits_for_it(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], db_session: Session
) -> None:
    line, request_id = await _activate(client, fleet_manager, db_session, ESIM_PORTED)

    record_outcome(db_session, request_id=request_id, status=PortingStatus.completed)
    assert line.status == LineStatus.pending_activation
    page = await client.post(_confirmation_path(db_session))

    assert page.status_code == 200 and 'id="done"' in page.text
    db_session.refresh(line)
    assert line.status == LineStatus.active


async def test_a_physical_sim_line_becomes_active_when_its_porting_completes(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], db_session: Session
) -> None:
    params = {
        "sim_type": "physical",
        "iccid": ACME_FREE_SIMS[1],
        "end_user_name": "Nina Claes",
        "number": PORTED_NUMBER,
        "plan_code": "pro_smart",
    }
    line, request_id = await _activate(client, fleet_manager, db_session, params)
    assert line.status == LineStatus.pending_activation

    record_outcome(db_session, request_id=request_id, status=PortingStatus.completed)

    assert line.status == LineStatus.active


async def test_a_rejected_porting_never_activates_the_line(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], db_session: Session
) -> None:
    line, request_id = await _activate(client, fleet_manager, db_session, ESIM_PORTED)

    record_outcome(db_session, request_id=request_id, status=PortingStatus.rejected)
    page = await client.post(_confirmation_path(db_session))

    assert 'id="waiting"' in page.text
    with pytest.raises(PortingAlreadySettled):
        record_outcome(db_session, request_id=request_id, status=PortingStatus.completed)
    db_session.refresh(line)
    assert line.status == LineStatus.pending_activation
