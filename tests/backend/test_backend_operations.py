"""Two-step operations of every type: prepare → confirm, retries, expiry, scoping and roles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.core.models import utcnow
from backend.fleet.models import Line, LineStatus, SimCard, SimStatus
from backend.operations.models import Operation
from tests.backend.ops_helpers import (
    ACME_FREE_SIMS,
    OPS,
    confirm,
    error_code,
    line_by_msisdn,
    new_key,
    prepare,
    prepared_id,
)


@dataclass(frozen=True)
class Case:
    """One operation type with a valid request and a check of its effect in the database."""

    op_type: str
    msisdn: str | None
    params: dict[str, Any]
    other_params: dict[str, Any]  # a different valid body (for key-reuse tests)
    applied: Callable[[Session, dict[str, Any]], bool]
    fleet_manager_only: bool = True
    tags: tuple[str, ...] = field(default_factory=tuple)


def _line(session: Session, msisdn: str) -> Line:
    return line_by_msisdn(session, msisdn)


CASES = [
    Case(
        "activate_line",
        None,
        {
            "sim_type": "physical",
            "iccid": ACME_FREE_SIMS[0],
            "end_user_name": "Nina Claes",
            "number": {"mode": "new"},
            "plan_code": "pro_smart",
            "option_codes": ["data_boost_5gb"],
        },
        {
            "sim_type": "physical",
            "iccid": ACME_FREE_SIMS[1],
            "end_user_name": "Nina Claes",
            "plan_code": "pro_start",
        },
        lambda s, result: (
            _line(s, result["msisdn"]).status == LineStatus.active
            and _line(s, result["msisdn"]).iccid == ACME_FREE_SIMS[0]
            and s.scalar(select(SimCard.status).where(SimCard.iccid == ACME_FREE_SIMS[0]))
            == SimStatus.in_use
        ),
    ),
    Case(
        "replace_sim",
        "+32470000004",
        {"reason": "broken", "sim_type": "physical", "iccid": ACME_FREE_SIMS[2]},
        {"reason": "lost", "sim_type": "physical", "iccid": ACME_FREE_SIMS[3]},
        lambda s, _r: _line(s, "+32470000004").iccid == ACME_FREE_SIMS[2],
        fleet_manager_only=False,
    ),
    Case(
        "block_sim",
        "+32470000006",
        {},
        {"unused": True},
        lambda s, _r: _line(s, "+32470000006").status == LineStatus.suspended,
        fleet_manager_only=False,
    ),
    Case(
        "change_plan",
        "+32470000004",
        {"plan_code": "pro_smart"},
        {"plan_code": "pro_unlimited"},
        lambda s, _r: _line(s, "+32470000004").plan.code == "pro_smart",
    ),
    Case(
        "change_options",
        "+32470000004",
        {"add": ["data_boost_5gb"]},
        {"add": ["multisim"]},
        lambda s, _r: [o.code for o in _line(s, "+32470000004").options] == ["data_boost_5gb"],
    ),
    Case(
        "change_barrings",
        "+32470000004",
        {"block": ["roaming"], "unblock": ["premium_numbers"]},
        {"block": ["mobile_data"]},
        lambda s, _r: [b.code for b in _line(s, "+32470000004").barrings] == ["roaming"],
    ),
    Case(
        "deactivate_line",
        "+32470000010",
        {"keep_number": False},
        {},
        lambda s, _r: _line(s, "+32470000010").status == LineStatus.deactivated,
    ),
]
IDS = [case.op_type for case in CASES]


def _line_id(session: Session, case: Case) -> int | None:
    return _line(session, case.msisdn).id if case.msisdn else None


def _operation_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Operation)) or 0


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_prepare_then_confirm_applies_the_change_once(
    case: Case, client: httpx.AsyncClient, fleet_manager: dict[str, str], db_session: Session
) -> None:
    prepared = await prepare(
        client, fleet_manager, case.op_type, line_id=_line_id(db_session, case), params=case.params
    )
    assert prepared.status_code == 201, prepared.text
    op = prepared.json()
    assert (op["status"], op["type"], op["result"]) == ("pending", case.op_type, None)
    assert op["id"].startswith("op_") and len(op["id"]) > 20
    assert not case.applied(db_session, {"msisdn": op["msisdn"]}) if case.msisdn else True

    key = new_key()
    done = await confirm(client, fleet_manager, op["id"], key=key)
    replay = await confirm(client, fleet_manager, op["id"], key=key)
    again = await confirm(client, fleet_manager, op["id"])  # new key, already done

    assert done.status_code == 200, done.text
    body = done.json()
    assert body["status"] == "done"
    assert case.applied(db_session, body["result"])
    assert replay.status_code == 200 and replay.json() == body
    assert again.status_code == 200 and again.json()["result"] == body["result"]
    read = await client.get(f"{OPS}/{op['id']}", headers=fleet_manager)
    assert read.json()["status"] == "done"


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_same_key_with_another_body_is_refused_and_does_nothing(
    case: Case, client: httpx.AsyncClient, fleet_manager: dict[str, str], db_session: Session
) -> None:
    key = new_key()
    line_id = _line_id(db_session, case)
    first = await prepare(
        client, fleet_manager, case.op_type, line_id=line_id, params=case.params, key=key
    )
    count = _operation_count(db_session)

    replayed = await prepare(
        client, fleet_manager, case.op_type, line_id=line_id, params=case.params, key=key
    )
    reused = await prepare(
        client, fleet_manager, case.op_type, line_id=line_id, params=case.other_params, key=key
    )
    confirm_with_same_key = await confirm(client, fleet_manager, first.json()["id"], key=key)

    assert first.status_code == 201
    assert replayed.status_code == 201 and replayed.json() == first.json()
    assert reused.status_code == 422 and error_code(reused) == "idempotency_key_reused"
    assert error_code(confirm_with_same_key) == "idempotency_key_reused"
    assert _operation_count(db_session) == count


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_expired_operation_cannot_be_confirmed(
    case: Case, client: httpx.AsyncClient, fleet_manager: dict[str, str], db_session: Session
) -> None:
    op_id = await prepared_id(
        client, fleet_manager, case.op_type, line_id=_line_id(db_session, case), params=case.params
    )
    operation = db_session.get(Operation, op_id)
    assert operation is not None
    operation.expires_at = utcnow() - timedelta(seconds=1)
    db_session.commit()  # the failed confirm rolls back whatever was not committed

    response = await confirm(client, fleet_manager, op_id)
    read = await client.get(f"{OPS}/{op_id}", headers=fleet_manager)

    assert response.status_code == 409 and error_code(response) == "operation_expired"
    assert read.json()["status"] == "expired"


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_another_account_of_the_company_cannot_see_or_confirm(
    case: Case,
    client: httpx.AsyncClient,
    fleet_manager: dict[str, str],
    end_user: dict[str, str],
    db_session: Session,
) -> None:
    op_id = await prepared_id(
        client, fleet_manager, case.op_type, line_id=_line_id(db_session, case), params=case.params
    )

    confirmed = await confirm(client, end_user, op_id)
    read = await client.get(f"{OPS}/{op_id}", headers=end_user)
    cancelled = await client.post(
        f"{OPS}/{op_id}/cancel", json={}, headers={**end_user, "Idempotency-Key": new_key()}
    )

    for response in (confirmed, read, cancelled):
        assert response.status_code == 404 and error_code(response) == "operation_not_found"
    assert (await client.get(f"{OPS}/{op_id}", headers=fleet_manager)).json()["status"] == (
        "pending"
    )


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_other_company_cannot_operate_on_our_lines_or_sims(
    case: Case,
    client: httpx.AsyncClient,
    brugge_manager: dict[str, str],
    db_session: Session,
) -> None:
    response = await prepare(
        client,
        brugge_manager,
        case.op_type,
        line_id=_line_id(db_session, case),
        params=case.params,
    )

    if case.msisdn is None:  # activation: Acme's SIM card is not in Brugge's stock
        assert response.status_code == 422 and error_code(response) == "iccid_unknown"
    else:
        assert response.status_code == 404 and error_code(response) == "line_not_found"


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_end_user_only_replaces_or_blocks_own_sim(
    case: Case, client: httpx.AsyncClient, end_user: dict[str, str], db_session: Session
) -> None:
    on_other_line = await prepare(
        client, end_user, case.op_type, line_id=_line_id(db_session, case), params=case.params
    )
    on_own_line = await prepare(
        client,
        end_user,
        case.op_type,
        line_id=_line(db_session, "+32470000002").id,
        params=case.params,
    )

    if case.fleet_manager_only:
        for response in (on_other_line, on_own_line):
            assert response.status_code == 403
            assert error_code(response) == "fleet_manager_required"
    else:
        assert on_other_line.status_code == 404
        assert error_code(on_other_line) == "line_not_found"
        assert on_own_line.status_code == 201, on_own_line.text
        done = await confirm(client, end_user, on_own_line.json()["id"])
        assert done.status_code == 200 and done.json()["status"] == "done"


async def test_cancelled_operation_cannot_be_confirmed(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], db_session: Session
) -> None:
    op_id = await prepared_id(
        client,
        fleet_manager,
        "change_plan",
        line_id=_line(db_session, "+32470000004").id,
        params={"plan_code": "pro_unlimited"},
    )

    cancelled = await client.post(
        f"{OPS}/{op_id}/cancel", json={}, headers={**fleet_manager, "Idempotency-Key": new_key()}
    )
    response = await confirm(client, fleet_manager, op_id)

    assert cancelled.json()["status"] == "cancelled"
    assert response.status_code == 409 and error_code(response) == "operation_cancelled"
    assert _line(db_session, "+32470000004").plan.code == "pro_start"


async def test_mutations_need_an_idempotency_key(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], db_session: Session
) -> None:
    response = await client.post(
        OPS,
        json={"type": "change_plan", "line_id": _line(db_session, "+32470000004").id},
        headers=fleet_manager,
    )

    assert response.status_code == 400 and error_code(response) == "idempotency_key_required"


async def test_change_plan_summary_and_unchanged_plan(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], db_session: Session
) -> None:
    line_id = _line(db_session, "+32470000004").id
    ok = await prepare(
        client, fleet_manager, "change_plan", line_id=line_id, params={"plan_code": "pro_unlimited"}
    )
    same = await prepare(
        client, fleet_manager, "change_plan", line_id=line_id, params={"plan_code": "pro_start"}
    )
    unknown = await prepare(
        client, fleet_manager, "change_plan", line_id=line_id, params={"plan_code": "gold"}
    )

    summary = ok.json()["summary"]
    assert summary["current_plan"]["code"] == "pro_start"
    assert summary["new_plan"]["names"]["nl"] == "Pro Unlimited"
    assert summary["monthly_difference"] == "25.00"
    assert (same.status_code, error_code(same)) == (422, "plan_unchanged")
    assert (unknown.status_code, error_code(unknown)) == (422, "plan_unknown")
    assert unknown.json()["error"]["field"] == "plan_code"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"add": ["roam_world_1gb"]}, "option_already_active"),  # active on line 1
        ({"remove": ["multisim"]}, "option_not_active"),
        ({"add": ["gold"]}, "option_unknown"),
        ({}, "nothing_to_change"),
    ],
)
async def test_change_options_rejects(
    params: dict[str, Any],
    code: str,
    client: httpx.AsyncClient,
    fleet_manager: dict[str, str],
    db_session: Session,
) -> None:
    response = await prepare(
        client,
        fleet_manager,
        "change_options",
        line_id=_line(db_session, "+32470000001").id,
        params=params,
    )

    assert (response.status_code, error_code(response)) == (422, code)


async def test_barring_summary_and_rejects(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], db_session: Session
) -> None:
    line_id = _line(db_session, "+32470000008").id  # premium_numbers and roaming barred
    ok = await prepare(
        client,
        fleet_manager,
        "change_barrings",
        line_id=line_id,
        params={"block": ["mobile_data"], "unblock": ["roaming"]},
    )
    already = await prepare(
        client, fleet_manager, "change_barrings", line_id=line_id, params={"block": ["roaming"]}
    )
    unknown = await prepare(
        client,
        fleet_manager,
        "change_barrings",
        line_id=line_id,
        params={"block": ["teleportation"]},
    )

    summary = ok.json()["summary"]
    assert [b["code"] for b in summary["current_barrings"]] == ["premium_numbers", "roaming"]
    assert [b["code"] for b in summary["block"]] == ["mobile_data"]
    assert error_code(already) == "barring_already_active"
    assert error_code(unknown) == "barring_unknown"


@pytest.mark.parametrize(
    ("msisdn", "fee", "commitment"),
    [
        ("+32470000005", "100.00", True),  # 8 months left × 25.00 × 50 %
        ("+32470000007", "280.00", True),  # 14 months left × 40.00 × 50 %
        ("+32470000010", "0.00", True),  # commitment ended 2 months ago
        ("+32470000006", "0.00", False),  # no commitment
    ],
)
async def test_deactivation_fee_from_the_commitment_end(
    msisdn: str,
    fee: str,
    commitment: bool,
    client: httpx.AsyncClient,
    fleet_manager: dict[str, str],
    db_session: Session,
) -> None:
    response = await prepare(
        client, fleet_manager, "deactivate_line", line_id=_line(db_session, msisdn).id
    )

    summary = response.json()["summary"]
    assert summary["termination_fee"] == fee
    assert (summary["commitment_end"] is not None) == commitment
    assert summary["keep_number_note"] is True
    assert summary["msisdn"] == msisdn


async def test_keeping_the_number_needs_support(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], db_session: Session
) -> None:
    response = await prepare(
        client,
        fleet_manager,
        "deactivate_line",
        line_id=_line(db_session, "+32470000005").id,
        params={"keep_number": True},
    )

    assert response.status_code == 422
    assert error_code(response) == "keep_number_requires_support"
    assert response.json()["error"]["field"] == "keep_number"


async def test_block_then_replace_reactivates_the_line_and_blocks_old_sim(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], db_session: Session
) -> None:
    line = _line(db_session, "+32470000013")
    blocked = await prepare(client, fleet_manager, "block_sim", line_id=line.id)
    await confirm(client, fleet_manager, blocked.json()["id"])
    assert _line(db_session, "+32470000013").status == LineStatus.suspended

    replaced = await prepare(
        client,
        fleet_manager,
        "replace_sim",
        line_id=line.id,
        params={"reason": "stolen", "sim_type": "physical", "iccid": ACME_FREE_SIMS[4]},
    )
    summary = replaced.json()["summary"]
    done = await confirm(client, fleet_manager, replaced.json()["id"])

    assert summary["fee"] == "15.00" and summary["old_sim_type"] == "physical"
    assert summary["iccid"] == ACME_FREE_SIMS[4]
    assert done.json()["result"] == {"line_id": line.id, "status": "active", "sim_type": "physical"}
    assert _line(db_session, "+32470000013").status == LineStatus.active


async def test_new_lines_get_the_lowest_free_number_of_the_block(
    client: httpx.AsyncClient, fleet_manager: dict[str, str]
) -> None:
    params = {
        "sim_type": "physical",
        "end_user_name": "Nina Claes",
        "plan_code": "pro_start",
    }
    first = await prepare(
        client, fleet_manager, "activate_line", params={**params, "iccid": ACME_FREE_SIMS[0]}
    )
    second = await prepare(
        client, fleet_manager, "activate_line", params={**params, "iccid": ACME_FREE_SIMS[1]}
    )

    assert first.json()["summary"]["msisdn"] == "+32470000100"
    assert second.json()["summary"]["msisdn"] == "+32470000101"  # the first is reserved
    assert first.json()["summary"]["monthly_total"] == "15.00"
