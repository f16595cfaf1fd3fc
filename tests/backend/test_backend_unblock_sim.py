"""unblock_sim: a SIM blocked as lost is found again; the line works again and the stock says the
card is in use. The migration that brought the type."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest
from alembic import command
from sqlalchemy import Engine, delete, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend import migrate
from backend.accounts.models import Account
from backend.core.db import create_db_engine
from backend.core.models import utcnow
from backend.fleet.models import Line, LineStatus, SimCard, SimStatus
from backend.operations.models import Operation, OperationStatus, OperationType
from backend.seed.service import seed_demo
from tests.backend.conftest import ACME_FM
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

SEEDED_LINE = "+32470000006"  # active; its SIM is in no stock, like every seeded line's
END_USER_LINE = "+32470000002"
OPERATOR_SUSPENDED_LINE = "+32470000024"  # seeded suspended, never blocked by the bot


def _card_status(session: Session, iccid: str) -> SimStatus | None:
    return session.scalar(select(SimCard.status).where(SimCard.iccid == iccid))


def _conflict_reason(response: httpx.Response) -> str:
    """The ``details.reason`` of a 409 ``line_state_conflict``."""
    assert (response.status_code, error_code(response)) == (409, "line_state_conflict")
    reason: str = response.json()["error"]["details"]["reason"]
    return reason


async def _done(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    op_type: str,
    line_id: int | None,
    params: dict[str, object] | None = None,
) -> dict[str, object]:
    op_id = await prepared_id(client, headers, op_type, line_id=line_id, params=params)
    response = await confirm(client, headers, op_id)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def _line_on_stock_sim(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], session: Session
) -> Line:
    """A new active line on a SIM card of Acme's stock (so the stock tracks its status)."""
    activated = await _done(
        client,
        fleet_manager,
        "activate_line",
        None,
        {
            "sim_type": "physical",
            "iccid": ACME_FREE_SIMS[0],
            "end_user_name": "Nina Claes",
            "number": {"mode": "new"},
            "plan_code": "pro_start",
        },
    )
    result = activated["result"]
    assert isinstance(result, dict)
    line = line_by_msisdn(session, result["msisdn"])
    assert line.status == LineStatus.active
    assert _card_status(session, ACME_FREE_SIMS[0]) == SimStatus.in_use
    return line


async def test_block_then_unblock_a_stock_sim_restores_line_and_card_once(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], db_session: Session
) -> None:
    line = await _line_on_stock_sim(client, fleet_manager, db_session)
    await _done(client, fleet_manager, "block_sim", line.id)
    assert line_by_msisdn(db_session, line.msisdn).status == LineStatus.suspended
    assert _card_status(db_session, ACME_FREE_SIMS[0]) == SimStatus.blocked

    prepared = await prepare(client, fleet_manager, "unblock_sim", line_id=line.id)
    assert prepared.status_code == 201, prepared.text
    op = prepared.json()
    assert (op["type"], op["status"], op["msisdn"]) == ("unblock_sim", "pending", line.msisdn)
    assert op["summary"] == {"msisdn": line.msisdn, "iccid": ACME_FREE_SIMS[0]}
    assert line_by_msisdn(db_session, line.msisdn).status == LineStatus.suspended  # not yet

    key = new_key()
    done = await confirm(client, fleet_manager, op["id"], key=key)
    replay = await confirm(client, fleet_manager, op["id"], key=key)
    again = await confirm(client, fleet_manager, op["id"])  # another key: already done

    assert done.status_code == 200, done.text
    assert done.json()["result"] == {"line_id": line.id, "status": "active"}
    assert replay.status_code == 200 and replay.json() == done.json()
    assert again.status_code == 200 and again.json()["result"] == done.json()["result"]
    assert line_by_msisdn(db_session, line.msisdn).status == LineStatus.active
    assert _card_status(db_session, ACME_FREE_SIMS[0]) == SimStatus.in_use
    executed = db_session.scalars(
        select(Operation).where(
            Operation.type == OperationType.unblock_sim, Operation.line_id == line.id
        )
    ).all()
    assert [o.status for o in executed] == [OperationStatus.done]


async def test_a_sim_in_no_stock_is_unblocked_after_the_bots_block_only(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], db_session: Session
) -> None:
    line = line_by_msisdn(db_session, SEEDED_LINE)
    assert _card_status(db_session, line.iccid) is None
    await _done(client, fleet_manager, "block_sim", line.id)

    unblocked = await _done(client, fleet_manager, "unblock_sim", line.id)

    assert unblocked["result"] == {"line_id": line.id, "status": "active"}
    assert line_by_msisdn(db_session, SEEDED_LINE).status == LineStatus.active
    # Suspended again afterwards, but not by a block: the last word on the SIM is the unblock.
    line.status = LineStatus.suspended
    db_session.commit()
    refused = await prepare(client, fleet_manager, "unblock_sim", line_id=line.id)
    assert _conflict_reason(refused) == "sim_not_blocked"


async def test_unblocking_an_active_line_is_a_conflict(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], db_session: Session
) -> None:
    response = await prepare(
        client, fleet_manager, "unblock_sim", line_id=line_by_msisdn(db_session, SEEDED_LINE).id
    )

    assert _conflict_reason(response) == "line_not_suspended"
    assert response.json()["error"]["details"]["line_status"] == "active"


async def test_a_suspension_that_is_no_block_is_not_lifted(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], db_session: Session
) -> None:
    on_stock_sim = await _line_on_stock_sim(client, fleet_manager, db_session)
    on_stock_sim.status = LineStatus.suspended  # suspended by the operator: its card is in use
    db_session.commit()
    operator_suspended = line_by_msisdn(db_session, OPERATOR_SUSPENDED_LINE)

    for line in (on_stock_sim, operator_suspended):
        response = await prepare(client, fleet_manager, "unblock_sim", line_id=line.id)
        assert _conflict_reason(response) == "sim_not_blocked"
        assert line_by_msisdn(db_session, line.msisdn).status == LineStatus.suspended
    assert _card_status(db_session, ACME_FREE_SIMS[0]) == SimStatus.in_use


async def test_a_block_of_a_replaced_sim_does_not_lift_a_later_suspension(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], db_session: Session
) -> None:
    line = line_by_msisdn(db_session, SEEDED_LINE)
    await _done(client, fleet_manager, "block_sim", line.id)
    await _done(
        client,
        fleet_manager,
        "replace_sim",
        line.id,
        {"reason": "lost", "sim_type": "esim", "email": "tom.wouters@acme.example"},
    )
    replaced = line_by_msisdn(db_session, SEEDED_LINE)
    assert _card_status(db_session, replaced.iccid) is None  # an eSIM: in no stock either
    replaced.status = LineStatus.suspended  # by the operator, on the new eSIM
    db_session.commit()

    response = await prepare(client, fleet_manager, "unblock_sim", line_id=line.id)

    assert _conflict_reason(response) == "sim_not_blocked"


async def test_other_company_cannot_unblock_our_line(
    client: httpx.AsyncClient,
    fleet_manager: dict[str, str],
    brugge_manager: dict[str, str],
    db_session: Session,
) -> None:
    line = line_by_msisdn(db_session, SEEDED_LINE)
    await _done(client, fleet_manager, "block_sim", line.id)

    response = await prepare(client, brugge_manager, "unblock_sim", line_id=line.id)

    assert (response.status_code, error_code(response)) == (404, "line_not_found")
    assert line_by_msisdn(db_session, SEEDED_LINE).status == LineStatus.suspended


async def test_end_user_unblocks_own_line_only(
    client: httpx.AsyncClient,
    fleet_manager: dict[str, str],
    end_user: dict[str, str],
    db_session: Session,
) -> None:
    own = line_by_msisdn(db_session, END_USER_LINE)
    colleague = line_by_msisdn(db_session, SEEDED_LINE)
    await _done(client, end_user, "block_sim", own.id)
    await _done(client, fleet_manager, "block_sim", colleague.id)

    on_colleague = await prepare(client, end_user, "unblock_sim", line_id=colleague.id)
    unblocked = await _done(client, end_user, "unblock_sim", own.id)

    assert (on_colleague.status_code, error_code(on_colleague)) == (404, "line_not_found")
    assert line_by_msisdn(db_session, SEEDED_LINE).status == LineStatus.suspended
    assert unblocked["result"] == {"line_id": own.id, "status": "active"}
    assert line_by_msisdn(db_session, END_USER_LINE).status == LineStatus.active


async def test_a_pending_replacement_still_works_after_an_unblock(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], db_session: Session
) -> None:
    line = await _line_on_stock_sim(client, fleet_manager, db_session)
    await _done(client, fleet_manager, "block_sim", line.id)
    replacement = await prepared_id(
        client,
        fleet_manager,
        "replace_sim",
        line_id=line.id,
        params={"reason": "lost", "sim_type": "physical", "iccid": ACME_FREE_SIMS[1]},
    )

    await _done(client, fleet_manager, "unblock_sim", line.id)
    replaced = await confirm(client, fleet_manager, replacement)

    # Confirming the replacement is still asking for it: the found SIM is blocked for good.
    assert replaced.status_code == 200, replaced.text
    after = line_by_msisdn(db_session, line.msisdn)
    assert (after.status, after.iccid) == (LineStatus.active, ACME_FREE_SIMS[1])
    assert _card_status(db_session, ACME_FREE_SIMS[0]) == SimStatus.blocked
    assert _card_status(db_session, ACME_FREE_SIMS[1]) == SimStatus.in_use


async def test_an_unblock_confirmed_after_a_replacement_is_refused(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], db_session: Session
) -> None:
    line = await _line_on_stock_sim(client, fleet_manager, db_session)
    await _done(client, fleet_manager, "block_sim", line.id)
    unblock = await prepared_id(client, fleet_manager, "unblock_sim", line_id=line.id)
    await _done(
        client,
        fleet_manager,
        "replace_sim",
        line.id,
        {"reason": "lost", "sim_type": "physical", "iccid": ACME_FREE_SIMS[1]},
    )

    response = await confirm(client, fleet_manager, unblock)
    read = await client.get(f"{OPS}/{unblock}", headers=fleet_manager)

    assert _conflict_reason(response) == "line_not_suspended"
    assert read.json()["status"] == "pending"
    assert _card_status(db_session, ACME_FREE_SIMS[0]) == SimStatus.blocked
    assert line_by_msisdn(db_session, line.msisdn).iccid == ACME_FREE_SIMS[1]


def _operation(session: Session, op_type: OperationType) -> Operation:
    account = session.scalars(select(Account).where(Account.gsm == ACME_FM[0])).one()
    line = session.scalars(select(Line).where(Line.msisdn == SEEDED_LINE)).one()
    now = utcnow()
    return Operation(
        id=f"op_migration_{op_type.value}",
        account_id=account.id,
        company_id=account.company_id,
        type=op_type,
        line_id=line.id,
        msisdn=line.msisdn,
        params={},
        summary={"msisdn": line.msisdn, "iccid": line.iccid},
        status=OperationStatus.done,
        expires_at=now + timedelta(minutes=15),
        created_at=now,
        done_at=now,
    )


def _refused(engine: Engine, statement: str) -> None:
    """``statement`` (on the kept ``block_sim`` row) breaks a constraint; it is undone."""
    with engine.connect() as connection, pytest.raises(IntegrityError):
        connection.execute(text(statement), {"id": "op_migration_block_sim"})


def test_migration_0015_adds_unblock_sim_and_keeps_existing_operations(
    empty_database_url: str,
) -> None:
    config = migrate.alembic_config(database_url=empty_database_url)
    command.upgrade(config, "0014")
    engine = create_db_engine(empty_database_url)
    set_unblock = "UPDATE operations SET type = 'unblock_sim' WHERE id = :id"
    try:
        with Session(engine) as session:
            seed_demo(session, today=date(2026, 12, 6))
            session.add(_operation(session, OperationType.block_sim))
            session.commit()
        _refused(engine, set_unblock)

        command.upgrade(config, "head")
        with Session(engine) as session:
            kept = session.get(Operation, "op_migration_block_sim")
            assert kept is not None and kept.type == OperationType.block_sim
            assert kept.summary["msisdn"] == SEEDED_LINE
            session.add(_operation(session, OperationType.unblock_sim))
            session.commit()
        # The copied table (SQLite) kept its other constraints and indexes.
        _refused(engine, "UPDATE operations SET type = 'teleport' WHERE id = :id")
        _refused(engine, "UPDATE operations SET status = 'forgotten' WHERE id = :id")
        _refused(engine, "UPDATE operations SET account_id = -1 WHERE id = :id")
        assert {"ix_operations_account_id", "ix_operations_company_id"} <= {
            index["name"] for index in inspect(engine).get_indexes("operations")
        }

        # 0014 cannot hold an unblock: the downgrade refuses and changes nothing.
        with pytest.raises(RuntimeError, match="SIM unblocks"):
            command.downgrade(config, "0014")
        with Session(engine) as session:
            types = session.scalars(select(Operation.type)).all()
            assert sorted(types) == [OperationType.block_sim, OperationType.unblock_sim]
            session.execute(delete(Operation).where(Operation.type == OperationType.unblock_sim))
            session.commit()
        command.downgrade(config, "0014")
        _refused(engine, set_unblock)
    finally:
        engine.dispose()
