"""Orders and repairs move along: the agents' advance routes, the time-based demo run, the CLI.

Each step is visible to the customer through the same read API the bot uses.
"""

from __future__ import annotations

import functools
from datetime import timedelta
from decimal import Decimal

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.accounts.models import Account
from backend.core.db import create_db_engine
from backend.core.models import utcnow
from backend.repairs.models import Pickup, Repair, RepairStatus
from backend.repairs.workshop import advance_due_repairs
from backend.shop.fulfilment import advance_due_orders, tracking_number
from backend.shop.models import Order, OrderStatus
from tests.backend.conftest import ACME_FM, ACME_USER, AGENT, BRUGGE_FM, bearer, run_module
from tests.backend.ops_helpers import confirm, error_code, new_key, prepared_id

API = "/api/v1"


async def _order(client: httpx.AsyncClient, who: tuple[str, str]) -> dict:
    """Place an order of one Nokia 3210 4G through the cart and the place_order operation."""
    headers = await bearer(client, *who)
    devices = (await client.get(f"{API}/catalog/devices", headers=headers)).json()
    nokia = next(d for d in devices if d["name"] == "Nokia 3210 4G")
    added = await client.post(
        f"{API}/cart/items",
        json={"device_id": nokia["id"], "colour": "Grunge Black", "storage_gb": 0},
        headers={**headers, "Idempotency-Key": new_key()},
    )
    assert added.status_code == 201, added.text
    op_id = await prepared_id(client, headers, "place_order", params={"delivery_address": None})
    done = await confirm(client, headers, op_id)
    assert done.status_code == 200, done.text
    order: dict = (await client.get(f"{API}/orders", headers=headers)).json()[0]
    return order


async def _repair(client: httpx.AsyncClient, who: tuple[str, str]) -> dict:
    headers = await bearer(client, *who)
    params = {"imei": "352099001761481", "problem": "Het scherm is gebarsten na een val."}
    op_id = await prepared_id(client, headers, "request_repair", params=params)
    assert (await confirm(client, headers, op_id)).status_code == 200
    repair: dict = (await client.get(f"{API}/repairs", headers=headers)).json()[0]
    return repair


async def _advance(
    client: httpx.AsyncClient, headers: dict[str, str], kind: str, item_id: int
) -> httpx.Response:
    return await client.post(
        f"{API}/agent/{kind}/{item_id}/advance", headers={**headers, "Idempotency-Key": new_key()}
    )


def test_tracking_numbers_have_the_s10_check_digit() -> None:
    # UPU S10's worked example: 47312482, weights 8 6 4 2 3 5 9 7 → 200; 11 - 200 % 11 = 9.
    assert tracking_number(47312482) == "CD473124829BE"
    assert tracking_number(8) == "CD000000080BE"  # 56: 11 - 1 = 10, written 0
    assert tracking_number(100_000_000) == "CD000000005BE"  # 0: 11 - 0 = 11, written 5
    assert tracking_number(1).startswith("CD00000001") and tracking_number(1).endswith("BE")


async def test_an_agent_moves_an_order_to_delivered_and_the_customer_sees_each_step(
    client: httpx.AsyncClient,
) -> None:
    order = await _order(client, ACME_FM)
    assert order["status"] == "received" and order["tracking"] is None
    assert [s["status"] for s in order["status_history"]] == ["received"]
    agent = await bearer(client, *AGENT)
    customer = await bearer(client, *ACME_FM)

    seen = []
    for _ in range(3):
        moved = await _advance(client, agent, "orders", order["id"])
        assert moved.status_code == 200, moved.text
        mine = (await client.get(f"{API}/orders/{order['id']}", headers=customer)).json()
        seen.append((mine["status"], mine["tracking"]))

    assert [status for status, _ in seen] == ["processing", "shipped", "delivered"]
    assert seen[0][1] is None
    assert seen[1][1] == seen[2][1] == tracking_number(order["id"])
    mine = (await client.get(f"{API}/orders/{order['id']}", headers=customer)).json()
    steps = mine["status_history"]
    assert [s["status"] for s in steps] == ["received", "processing", "shipped", "delivered"]
    assert [s["at"] for s in steps] == sorted(s["at"] for s in steps)
    done = await _advance(client, agent, "orders", order["id"])
    assert done.status_code == 409 and error_code(done) == "order_delivered"
    listed = (await client.get(f"{API}/agent/orders?status=delivered", headers=agent)).json()
    assert order["id"] in [o["id"] for o in listed]


async def test_an_agent_moves_a_repair_to_returned(client: httpx.AsyncClient) -> None:
    repair = await _repair(client, ACME_USER)
    agent = await bearer(client, *AGENT)
    user = await bearer(client, *ACME_USER)

    statuses = []
    for _ in range(4):
        assert (await _advance(client, agent, "repairs", repair["id"])).status_code == 200
        statuses.append(
            (await client.get(f"{API}/repairs/{repair['id']}", headers=user)).json()["status"]
        )

    assert statuses == ["picked_up", "in_repair", "ready", "returned"]
    done = await _advance(client, agent, "repairs", repair["id"])
    assert done.status_code == 409 and error_code(done) == "repair_returned"
    assert (await _advance(client, agent, "repairs", 999_999)).status_code == 404


async def test_only_helpdesk_agents_may_advance_or_list_everything(
    client: httpx.AsyncClient,
) -> None:
    order = await _order(client, ACME_FM)
    repair = await _repair(client, ACME_FM)
    for who in (ACME_FM, ACME_USER, BRUGGE_FM):
        headers = await bearer(client, *who)
        assert (await _advance(client, headers, "orders", order["id"])).status_code == 403
        assert (await _advance(client, headers, "repairs", repair["id"])).status_code == 403
        assert (await client.get(f"{API}/agent/orders", headers=headers)).status_code == 403
    # Nor does an agent reach the customer routes; without a token nothing at all.
    agent = await bearer(client, *AGENT)
    assert (await client.get(f"{API}/orders", headers=agent)).status_code == 403
    assert (await client.get(f"{API}/agent/repairs")).status_code == 401
    acme = await bearer(client, *ACME_FM)
    mine = (await client.get(f"{API}/orders/{order['id']}", headers=acme)).json()
    assert mine["status"] == "received"


async def test_the_demo_clock_moves_only_what_waited_long_enough(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    await _order(client, ACME_FM)
    await _repair(client, ACME_FM)
    now = utcnow()

    assert advance_due_orders(db_session, now=now, older_than=timedelta(minutes=2)) == []
    later = now + timedelta(minutes=3)
    [order] = advance_due_orders(db_session, now=later, older_than=timedelta(minutes=2))
    [repair] = advance_due_repairs(db_session, now=later, older_than=timedelta(minutes=2))
    # The step just taken is recent again: the same moment moves nothing more.
    assert advance_due_orders(db_session, now=later, older_than=timedelta(minutes=2)) == []

    assert order.status == OrderStatus.processing
    assert repair.status == RepairStatus.picked_up
    steps = 0
    while order.status != OrderStatus.delivered:
        later += timedelta(minutes=3)
        advance_due_orders(db_session, now=later, older_than=timedelta(minutes=2))
        steps += 1
    assert steps == 2 and order.tracking == tracking_number(order.id)
    later += timedelta(minutes=3)
    assert advance_due_orders(db_session, now=later, older_than=timedelta(minutes=2)) == []


def test_command_line_advances_by_number_and_by_age(scratch_sqlite_url: str) -> None:
    run = functools.partial(run_module, scratch_sqlite_url)
    for module in ("backend.migrate", "backend.seed"):
        assert run(module).returncode == 0
    engine = create_db_engine(scratch_sqlite_url)
    try:
        with Session(engine) as session:
            _insert_order_and_repair(session)
        moved = run("backend.shop.fulfilment", "advance", "o2026-900001")
        missing = run("backend.shop.fulfilment", "advance", "O2026-000000")
        due = run("backend.repairs.workshop", "due", "--older-than-minutes", "0")
        with Session(engine) as session:
            order = session.scalar(select(Order).where(Order.number == "O2026-900001"))
            repair = session.scalar(select(Repair).where(Repair.number == "R2026-900001"))
            assert order is not None and repair is not None
            assert order.status == OrderStatus.processing
            assert repair.status == RepairStatus.picked_up
    finally:
        engine.dispose()
    assert moved.returncode == 0 and "O2026-900001: processing" in moved.stdout
    assert missing.returncode == 2
    assert due.returncode == 0 and "R2026-900001: picked_up" in due.stdout


def _insert_order_and_repair(session: Session) -> None:
    account = session.scalar(select(Account).where(Account.gsm == ACME_FM[0]))
    assert account is not None and account.company_id is not None
    session.add(
        Order(
            number="O2026-900001",
            company_id=account.company_id,
            account_id=account.id,
            status=OrderStatus.received,
            items=[],
            total_excl_vat=Decimal("69.00"),
            total_incl_vat=Decimal("83.49"),
            delivery_address={},
            tracking=None,
        )
    )
    session.add(
        Repair(
            number="R2026-900001",
            company_id=account.company_id,
            account_id=account.id,
            imei="352099001761481",
            problem="Broken screen",
            pickup=Pickup.workplace,
            address={},
            status=RepairStatus.requested,
        )
    )
    session.commit()
