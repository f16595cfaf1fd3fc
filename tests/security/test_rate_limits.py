"""Rate limits on costly flows (backend/core/rate_limit.py), per account and per company.

Limits are counted from the rows the flows store (prepared operations, payment links), so the
tests fill the window either through the API or with rows as another account would have left
them, then check the 429 ``rate_limited`` answer, its ``Retry-After`` and that nothing was added.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.accounts.models import Account
from backend.billing.models import InvoiceLink
from backend.core.models import utcnow
from backend.core.settings import Settings
from backend.operations.models import Operation, OperationStatus, OperationType
from tests.security.conftest import ACME_FM, ACME_USER, API, new_key

WINDOW = 3600
# Seeded free SIM cards of Acme (backend/seed/data.py SIM_STOCK).
ACME_FREE_SIMS = [f"893203110000000{n}" for n in ("0015", "0023", "0031", "0049", "0056")]


def activation(iccid: str) -> dict[str, Any]:
    return {
        "type": "activate_line",
        "line_id": None,
        "params": {
            "sim_type": "physical",
            "iccid": iccid,
            "end_user_name": "Nina Claes",
            "number": {"mode": "new"},
            "plan_code": "pro_smart",
        },
    }


@pytest.fixture
async def limited(
    settings: Settings, app_for: Callable[[Settings], FastAPI]
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with small limits: 2 per account, 3 per company, one hour."""
    small = settings.model_copy(
        update={
            "rate_limit_window_seconds": WINDOW,
            "rate_limit_activations_per_account": 2,
            "rate_limit_activations_per_company": 3,
            "rate_limit_payment_links_per_account": 2,
            "rate_limit_payment_links_per_company": 3,
            "rate_limit_orders_per_account": 2,
            "rate_limit_orders_per_company": 3,
        }
    )
    transport = httpx.ASGITransport(app=app_for(small))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def past_operation(
    session: Session, account_id: int, op_type: OperationType, *, minutes_ago: float
) -> None:
    """An operation as a previous request of ``account_id`` stored it."""
    account = session.get(Account, account_id)
    assert account is not None and account.company_id is not None
    created = utcnow() - timedelta(minutes=minutes_ago)
    session.add(
        Operation(
            id=f"op_{uuid.uuid4().hex}",
            account_id=account_id,
            company_id=account.company_id,
            type=op_type,
            line_id=None,
            msisdn=None,
            params={},
            summary={},
            result=None,
            status=OperationStatus.cancelled,
            expires_at=created + timedelta(minutes=15),
            created_at=created,
        )
    )
    session.flush()


def account_id(session: Session, gsm: str) -> int:
    found = session.scalar(select(Account.id).where(Account.gsm == gsm))
    assert found is not None
    return found


def operation_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Operation)) or 0


async def post(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], body: Any = None
) -> httpx.Response:
    return await client.post(
        f"{API}{path}", json=body, headers={**headers, "Idempotency-Key": new_key()}
    )


async def test_activations_per_account_then_429_with_retry_after(
    limited: httpx.AsyncClient, db_session: Session, fleet_manager: dict[str, str]
) -> None:
    for iccid in ACME_FREE_SIMS[:2]:
        assert (
            await post(limited, "/operations", fleet_manager, activation(iccid))
        ).status_code == 201
    before = operation_count(db_session)

    refused = await post(limited, "/operations", fleet_manager, activation(ACME_FREE_SIMS[2]))

    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "rate_limited"
    assert error["details"] == {"flow": "activation", "scope": "account", "retry_after": WINDOW}
    assert refused.headers["Retry-After"] == str(WINDOW)
    assert operation_count(db_session) == before


async def test_retry_after_is_when_the_oldest_counted_request_leaves_the_window(
    limited: httpx.AsyncClient, db_session: Session, fleet_manager: dict[str, str]
) -> None:
    me = account_id(db_session, "+32470000001")
    past_operation(db_session, me, OperationType.activate_line, minutes_ago=50)
    past_operation(db_session, me, OperationType.replace_sim, minutes_ago=5)  # also counted
    past_operation(db_session, me, OperationType.activate_line, minutes_ago=61)  # outside

    refused = await post(limited, "/operations", fleet_manager, activation(ACME_FREE_SIMS[0]))

    assert refused.status_code == 429
    assert 590 <= int(refused.headers["Retry-After"]) <= 601  # the 50-minute-old one, in 10 min


async def test_company_limit_counts_every_account_of_the_company(
    limited: httpx.AsyncClient,
    db_session: Session,
    fleet_manager: dict[str, str],
    brugge_manager: dict[str, str],
) -> None:
    colleague = account_id(db_session, ACME_USER[0])
    for minutes_ago in (30, 20, 10):
        past_operation(db_session, colleague, OperationType.activate_line, minutes_ago=minutes_ago)

    refused = await post(limited, "/operations", fleet_manager, activation(ACME_FREE_SIMS[0]))
    other_company = await post(
        limited, "/operations", brugge_manager, activation("8932031200000000013")
    )

    assert refused.status_code == 429
    assert refused.json()["error"]["details"]["scope"] == "company"
    assert other_company.status_code == 201, other_company.text


async def test_orders_over_the_limit_are_refused_before_the_cart_is_read(
    limited: httpx.AsyncClient, db_session: Session, fleet_manager: dict[str, str]
) -> None:
    me = account_id(db_session, ACME_FM[0])
    past_operation(db_session, me, OperationType.place_order, minutes_ago=40)
    past_operation(db_session, me, OperationType.place_order, minutes_ago=30)

    refused = await post(
        limited,
        "/operations",
        fleet_manager,
        {"type": "place_order", "line_id": None, "params": {}},
    )

    assert refused.status_code == 429, refused.text
    assert refused.json()["error"]["details"]["flow"] == "order"


async def test_payment_links_per_account(
    limited: httpx.AsyncClient, db_session: Session, fleet_manager: dict[str, str]
) -> None:
    invoices = (await limited.get(f"{API}/invoices", headers=fleet_manager)).json()
    unpaid = [invoice["id"] for invoice in invoices if invoice["status"] != "paid"]
    assert unpaid, "the seed has unpaid Acme invoices"
    path = f"/invoices/{unpaid[0]}/payment-links"
    for _ in range(2):
        assert (await post(limited, path, fleet_manager)).status_code == 201
    before = db_session.scalar(select(func.count()).select_from(InvoiceLink))

    refused = await post(limited, path, fleet_manager)

    assert refused.status_code == 429
    assert refused.json()["error"]["details"]["flow"] == "payment_link"
    assert db_session.scalar(select(func.count()).select_from(InvoiceLink)) == before


async def test_zero_turns_a_limit_off(
    settings: Settings,
    app_for: Callable[[Settings], FastAPI],
    db_session: Session,
    fleet_manager: dict[str, str],
) -> None:
    me = account_id(db_session, "+32470000001")
    for _ in range(3):
        past_operation(db_session, me, OperationType.activate_line, minutes_ago=1)
    off = settings.model_copy(
        update={"rate_limit_activations_per_account": 0, "rate_limit_activations_per_company": 0}
    )
    transport = httpx.ASGITransport(app=app_for(off))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await post(client, "/operations", fleet_manager, activation(ACME_FREE_SIMS[0]))

    assert response.status_code == 201, response.text


async def test_the_limit_can_be_read_before_the_first_question_of_a_flow(
    limited: httpx.AsyncClient, db_session: Session, fleet_manager: dict[str, str]
) -> None:
    # The chat asks before the activation form's first question, not after the whole form.
    fresh = await limited.get(f"{API}/rate-limits/activation", headers=fleet_manager)
    assert fresh.json() == {"flow": "activation", "allowed": True, "retry_after": None}
    me = account_id(db_session, "+32470000001")
    past_operation(db_session, me, OperationType.activate_line, minutes_ago=50)
    past_operation(db_session, me, OperationType.replace_sim, minutes_ago=5)
    before = operation_count(db_session)

    limited_now = await limited.get(f"{API}/rate-limits/activation", headers=fleet_manager)

    assert limited_now.status_code == 200
    assert limited_now.json()["allowed"] is False
    assert 590 <= limited_now.json()["retry_after"] <= 601
    assert operation_count(db_session) == before  # reading the limit stores nothing
    unknown = await limited.get(f"{API}/rate-limits/anything", headers=fleet_manager)
    assert unknown.status_code == 422
