"""Security test fixtures: the backend tests' real database and app, plus the callers.

The database, app and login fixtures are those of ``tests/backend/conftest.py`` (imported, not
copied, so both suites build and seed the database the same way). Objects of the two demo
companies are created through the real API by their own fleet managers, inside the test's
rolled-back transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.accounts.models import Account
from backend.billing.models import Invoice, InvoiceScope
from backend.core.db import Base
from backend.core.security import create_access_token
from backend.core.settings import Settings
from backend.fleet.models import Line, NumberType, PortingRequest, PortingStatus
from backend.shop.models import DeviceVariant
from tests.backend import conftest as backend_fixtures
from tests.backend.conftest import (
    ACME_FM,
    ACME_USER,
    AGENT,
    BRUGGE_FM,
    SERVICE_KEY,
    suite_settings,
)

__all__ = ["ACME_FM", "ACME_USER", "AGENT", "BRUGGE_FM"]

# The backend suite's database, app and client fixtures, registered here by name.
database_url = backend_fixtures.database_url
engine = backend_fixtures.engine
db_session = backend_fixtures.db_session
app_for = backend_fixtures.app_for
client = backend_fixtures.client


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    """The backend suite's settings, with the helpdesk always open (handoffs can be created)."""
    return suite_settings(database_url, support_hours="Mon-Sun 00:00-24:00 Europe/Brussels")


API = "/api/v1"
# Repairs need a valid IMEI (Luhn) and a description of the problem.
IMEI = "352099001761481"
PROBLEM = "The screen is cracked after a fall and touch no longer works."
# A line of each company that is neither a fleet manager's nor the end user's own line.
OTHER_LINE = {"acme": "+32470000005", "brugge": "+32470000052"}


def new_key() -> str:
    return uuid.uuid4().hex


def as_bot(channel: str, sender: str, key: str = SERVICE_KEY) -> dict[str, str]:
    """The action server's headers for a chat identity."""
    return {"X-Service-Key": key, "X-Chat-Channel": channel, "X-Chat-Sender": sender}


async def chat_sender(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, str]:
    """Service-key headers of a fresh web chat session bound to the Bearer caller's account."""
    response = await client.post(f"{API}/chat/sessions", headers=headers)
    assert response.status_code == 201, response.text
    return as_bot("rest", response.json()["sender_id"])


async def linked_sender(
    client: httpx.AsyncClient, headers: dict[str, str], platform: str
) -> dict[str, str]:
    """Service-key headers of a Slack or Teams user linked to the Bearer caller's account."""
    code = await client.post(f"{API}/chat/link-codes", headers=headers)
    assert code.status_code == 201, code.text
    workspace, user = f"W{uuid.uuid4().hex[:8]}", f"U{uuid.uuid4().hex[:8]}"
    link = await client.post(
        f"{API}/chat/links",
        json={"platform": platform, "workspace_id": workspace, "user_id": user,
              "code": code.json()["code"]},
        headers={"X-Service-Key": SERVICE_KEY},
    )  # fmt: skip
    assert link.status_code == 201, link.text
    channel = "slack" if platform == "slack" else "botframework"
    return as_bot(channel, f"{workspace}:{user}")


def db_state(session: Session) -> dict[str, list[str]]:
    """Every row of every table, as text: two equal states mean nothing changed."""
    session.flush()
    session.expire_all()
    state: dict[str, list[str]] = {}
    for table in Base.metadata.sorted_tables:
        rows = session.execute(select(table)).all()
        state[table.name] = sorted(repr(tuple(row)) for row in rows)
    return state


def state_diff(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    """Names of the tables whose rows differ."""
    return [name for name in before if before[name] != after.get(name)]


def _minted(session: Session, settings: Settings, gsm: str) -> dict[str, str]:
    # A token as POST /auth/login issues it, without the deliberately slow password check on
    # every test (login itself is covered by tests/backend/test_backend_auth.py).
    account_id = session.scalar(select(Account.id).where(Account.gsm == gsm))
    assert account_id is not None
    token, _ = create_access_token(settings=settings, account_id=account_id)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def fleet_manager(db_session: Session, settings: Settings) -> dict[str, str]:
    return _minted(db_session, settings, ACME_FM[0])


@pytest.fixture
def end_user(db_session: Session, settings: Settings) -> dict[str, str]:
    return _minted(db_session, settings, ACME_USER[0])


@pytest.fixture
def brugge_manager(db_session: Session, settings: Settings) -> dict[str, str]:
    return _minted(db_session, settings, BRUGGE_FM[0])


@pytest.fixture
def agent(db_session: Session, settings: Settings) -> dict[str, str]:
    return _minted(db_session, settings, AGENT[0])


@dataclass
class Owner:
    """A company's fleet manager who creates the objects the other callers try to reach."""

    client: httpx.AsyncClient
    session: Session
    company: str  # "acme" or "brugge"
    headers: dict[str, str]

    async def call(self, method: str, path: str, body: Any = None) -> httpx.Response:
        headers = {**self.headers, "Idempotency-Key": new_key()}
        return await self.client.request(method, f"{API}{path}", json=body, headers=headers)

    def line(self) -> Line:
        line = self.session.scalar(select(Line).where(Line.msisdn == OTHER_LINE[self.company]))
        assert line is not None
        return line

    async def operation(self, op_type: str, params: dict[str, Any], line_id: int | None) -> str:
        body = {"type": op_type, "line_id": line_id, "params": params}
        response = await self.call("POST", "/operations", body)
        assert response.status_code == 201, response.text
        op_id: str = response.json()["id"]
        return op_id

    async def executed(self, op_type: str, params: dict[str, Any], line_id: int | None) -> Any:
        op_id = await self.operation(op_type, params, line_id)
        response = await self.call("POST", f"/operations/{op_id}/confirm", {})
        assert response.status_code == 200, response.text
        return response.json()["result"]

    async def create(self, resource: str) -> int | str:
        """The id of a fresh (or seeded) object of this company of kind ``resource``."""
        line = self.line()
        company_id = line.company_id
        if resource == "line":
            return line.id
        if resource == "invoice":
            invoice_id = self.session.scalar(
                select(Invoice.id).where(
                    Invoice.company_id == company_id, Invoice.scope == InvoiceScope.company
                )
            )
            assert invoice_id is not None
            return invoice_id
        if resource == "porting_request":
            request = PortingRequest(
                company_id=company_id,
                line_id=line.id,
                msisdn=line.msisdn,
                number_type=NumberType.professional,
                current_sim_number=None,
                current_customer_number="CUST-1234",
                status=PortingStatus.requested,
            )
            self.session.add(request)
            self.session.flush()
            return request.id
        if resource == "operation":
            current = (await self.call("GET", f"/lines/{line.id}")).json()["plan"]["code"]
            plan = "pro_start" if current != "pro_start" else "pro_smart"
            return await self.operation("change_plan", {"plan_code": plan}, line.id)
        if resource == "ticket":
            body: dict[str, Any] = {
                "subject_code": "other",
                "description": "A question about the security test matrix, long enough.",
                "contact_number": line.msisdn,
            }
            response = await self.call("POST", "/tickets", body)
            assert response.status_code == 201, response.text
            ticket_id: int = response.json()["id"]
            return ticket_id
        if resource == "repair":
            params = {"imei": IMEI, "problem": PROBLEM}
            result = await self.executed("request_repair", params, line.id)
            repair_id: int = result["repair_id"]
            return repair_id
        if resource in ("cart_item", "order"):
            variant = self.session.scalar(
                select(DeviceVariant).where(DeviceVariant.stock > 5).order_by(DeviceVariant.id)
            )
            assert variant is not None
            item = {
                "device_id": variant.device_id,
                "colour": variant.colour,
                "storage_gb": variant.storage_gb,
                "quantity": 1,
            }
            response = await self.call("POST", "/cart/items", item)
            assert response.status_code == 201, response.text
            item_id: int = response.json()["items"][-1]["id"]
            if resource == "cart_item":
                return item_id
            order_id: int = (await self.executed("place_order", {}, None))["order_id"]
            return order_id
        if resource == "handoff":
            # Only the assistant opens a handoff, for the conversation it calls for.
            response = await self.client.post(
                f"{API}/handoffs",
                json={"language": "en", "reason": "user_request"},
                headers=await chat_sender(self.client, self.headers),
            )
            assert response.status_code == 201, response.text
            handoff_id: int = response.json()["id"]
            return handoff_id
        raise AssertionError(f"no creator for {resource}")


@pytest.fixture
async def acme_owner(
    client: httpx.AsyncClient, db_session: Session, fleet_manager: dict[str, str]
) -> Owner:
    return Owner(client, db_session, "acme", fleet_manager)


@pytest.fixture
async def brugge_owner(
    client: httpx.AsyncClient, db_session: Session, brugge_manager: dict[str, str]
) -> Owner:
    return Owner(client, db_session, "brugge", brugge_manager)


@pytest.fixture
async def acme_callers(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], end_user: dict[str, str]
) -> dict[str, dict[str, str]]:
    """Every way a principal of company A (Acme) reaches the API: Bearer, and the service key
    with a web chat session, a linked Slack user or a linked Teams user."""
    return {
        "fleet_manager/bearer": fleet_manager,
        "fleet_manager/service": await chat_sender(client, fleet_manager),
        "fleet_manager/service-teams": await linked_sender(client, fleet_manager, "teams"),
        "end_user/bearer": end_user,
        "end_user/service": await chat_sender(client, end_user),
        "end_user/service-slack": await linked_sender(client, end_user, "slack"),
    }
