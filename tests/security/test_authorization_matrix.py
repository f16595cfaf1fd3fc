"""Authorization matrix over every backend route that takes an object id (issue #6).

The list of routes comes from the app itself: a new route with a path parameter that is neither
in ``MATRIX`` nor in ``NOT_OWNED`` (with the reason) fails ``test_every_route_with_an_id_...``.
For each route of the matrix, on an object created by its owner through the real API:

- every principal of another company (fleet manager and end user, by Bearer token and by the
  action server's service key + chat identity) gets 404 (403 first where the route needs a fleet
  manager) and the whole database is unchanged; the owner itself then reaches the object, so the
  404 is about ownership and not a wrong id;
- an end user gets 404 on the same company's objects that are not theirs, 403 on fleet-manager
  routes; a helpdesk agent gets 403 on customer objects;
- without credentials, with a wrong service key or an unknown chat sender: 401.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum import luhn

from backend.core.settings import Settings
from backend.fleet.models import Line
from backend.operations.handlers import HANDLERS
from backend.principal import get_fleet_manager
from tests.security.conftest import (
    ACME_USER,
    API,
    Owner,
    as_bot,
    chat_sender,
    db_state,
    new_key,
    state_diff,
)


@dataclass(frozen=True)
class Entry:
    """A route on one object: the kind of object its path id names, and who may use it."""

    resource: str
    fleet_manager_only: bool = False
    body: Any = None
    # Helpdesk routes: agents serve every company; customers (any company) are refused.
    agents_only: bool = False
    # Whether the route resolves the bot's service key to a principal at all (the handoff
    # console takes only a Bearer token or the portal cookie: the key alone is 401 there).
    service_key_principal: bool = True


HANDOFF = Entry("handoff", agents_only=True, service_key_principal=False)

# Every route with an object id in its path, keyed by (method, path as declared).
MATRIX: dict[tuple[str, str], Entry] = {
    ("GET", "/api/v1/lines/{line_id}"): Entry("line"),
    ("GET", "/api/v1/lines/{line_id}/consumption"): Entry("line"),
    ("POST", "/api/v1/lines/{line_id}/esim/resend"): Entry("line"),
    ("POST", "/api/v1/lines/{line_id}/registration-email"): Entry("line", fleet_manager_only=True),
    ("POST", "/api/v1/lines/{line_id}/password-reset"): Entry("line", fleet_manager_only=True),
    ("POST", "/api/v1/lines/{line_id}/portal-invitation"): Entry(
        "line", fleet_manager_only=True, body={"email": "new.colleague@example.com"}
    ),
    ("GET", "/api/v1/porting-requests/{request_id}"): Entry(
        "porting_request", fleet_manager_only=True
    ),
    ("GET", "/api/v1/operations/{operation_id}"): Entry("operation"),
    ("POST", "/api/v1/operations/{operation_id}/confirm"): Entry("operation", body={}),
    ("POST", "/api/v1/operations/{operation_id}/cancel"): Entry("operation", body={}),
    ("GET", "/api/v1/invoices/{invoice_id}"): Entry("invoice"),
    ("POST", "/api/v1/invoices/{invoice_id}/download-links"): Entry("invoice"),
    ("POST", "/api/v1/invoices/{invoice_id}/payment-links"): Entry("invoice"),
    ("GET", "/api/v1/tickets/{ticket_id}"): Entry("ticket"),
    ("POST", "/api/v1/tickets/{ticket_id}/comments"): Entry(
        "ticket", body={"body": "Can I read or write another company's ticket?"}
    ),
    ("GET", "/api/v1/repairs/{repair_id}"): Entry("repair"),
    # Filling a cart is ordering: the fleet manager's (reading the orders is not).
    ("DELETE", "/api/v1/cart/items/{item_id}"): Entry("cart_item", fleet_manager_only=True),
    ("PATCH", "/api/v1/cart/items/{item_id}"): Entry(
        "cart_item", fleet_manager_only=True, body={"quantity": 1}
    ),
    ("GET", "/api/v1/orders/{order_id}"): Entry("order"),
    ("GET", "/api/v1/agent/handoffs/{handoff_id}"): HANDOFF,
    ("POST", "/api/v1/agent/handoffs/{handoff_id}/take"): HANDOFF,
    ("POST", "/api/v1/agent/handoffs/{handoff_id}/messages"): Entry(
        "handoff", agents_only=True, service_key_principal=False, body={"text": "An answer?"}
    ),
    ("GET", "/api/v1/agent/tickets/{ticket_id}"): Entry("ticket", agents_only=True),
    ("POST", "/api/v1/agent/tickets/{ticket_id}/comments"): Entry(
        "ticket", agents_only=True, body={"body": "An agent's comment on a customer's ticket."}
    ),
    ("POST", "/api/v1/agent/repairs/{repair_id}/advance"): Entry("repair", agents_only=True),
    ("POST", "/api/v1/agent/orders/{order_id}/advance"): Entry("order", agents_only=True),
    ("POST", "/api/v1/agent/handoffs/{handoff_id}/hand-back"): HANDOFF,
    ("POST", "/api/v1/agent/handoffs/{handoff_id}/close"): HANDOFF,
}

# Routes with a path parameter that names no object of a company, and why.
NOT_OWNED: dict[tuple[str, str], str] = {
    ("GET", "/api/v1/catalog/devices/{device_id}"): "the shop catalogue is the same for all",
    ("GET", "/api/v1/rate-limits/{flow}"): "a flow name; the caller's own counts only",
    # Capability URLs: the unguessable single-use token is the credential (tested below).
    ("POST", "/api/v1/auth/registrations/{token}"): "registration token from the e-mail",
    ("GET", "/register/{token}"): "registration page of the e-mailed token",
    ("GET", "/password-reset/{token}"): "30-minute single-use password-reset link",
    ("POST", "/password-reset/{token}"): "30-minute single-use password-reset link",
    ("GET", "/documents/invoices/{token}"): "15-minute download link bound to an account",
    ("GET", "/pay/{token}"): "single-use payment link",
    ("POST", "/pay/{token}"): "single-use payment link",
    ("GET", "/esim/confirm/{token}"): "eSIM confirmation link sent to the end user",
    ("POST", "/esim/confirm/{token}"): "eSIM confirmation link sent to the end user",
    ("POST", "/api/v1/privacy/erasure-requests/{request_id}/complete"): (
        "the bot-side erasure job's queue: service key only, no chat user (tested below)"
    ),
    # Demo/test outbox, mounted only with MAIL_BACKEND=outbox (absent otherwise, tested below).
    ("GET", "/api/v1/dev/outbox/{email_id}"): "local outbox, never mounted in production",
}

# Seeded free SIM card of Brugge Bouw (backend/seed/data.py SIM_STOCK).
BRUGGE_FREE_SIM = "8932031200000000013"
CAPABILITY_ROUTES = [key for key, why in NOT_OWNED.items() if "/{token}" in key[1]]


def routes_with_ids(app: FastAPI) -> dict[tuple[str, str], routing.APIRoute]:
    """(method, path) of every API route whose path has a parameter."""
    found: dict[tuple[str, str], routing.APIRoute] = {}
    for context in routing.iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, routing.APIRoute) or "{" not in str(context.path):
            continue
        for method in sorted(context.methods or ()):
            if method != "HEAD":
                found[(method, str(context.path))] = route
    return found


def _needs_fleet_manager(dependant: Dependant) -> bool:
    return any(
        dep.call is get_fleet_manager or _needs_fleet_manager(dep) for dep in dependant.dependencies
    )


def fleet_manager_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every route whose dependencies include the fleet-manager check."""
    found = []
    for context in routing.iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, routing.APIRoute) and _needs_fleet_manager(route.dependant):
            found += [(method, str(context.path)) for method in sorted(route.methods or ())]
    return found


def _url(path: str, object_id: int | str) -> str:
    # Every matrix route has exactly one path parameter.
    start, end = path.index("{"), path.index("}")
    return path[:start] + str(object_id) + path[end + 1 :]


async def _call(
    client: httpx.AsyncClient,
    key: tuple[str, str],
    object_id: int | str,
    headers: dict[str, str],
) -> httpx.Response:
    method, path = key
    entry = MATRIX[key]
    return await client.request(
        method,
        _url(path, object_id),
        json=entry.body,
        headers={**headers, "Idempotency-Key": new_key()},
    )


def expected_status(entry: Entry, caller: str) -> int:
    """What a caller who is not the object's owner gets (``caller`` is "role/bearer|service")."""
    role, via = caller.split("/")
    if entry.agents_only:
        return 403 if via == "bearer" or entry.service_key_principal else 401
    if role == "helpdesk_agent" or (role == "end_user" and entry.fleet_manager_only):
        return 403
    return 404


@pytest.fixture
def app(settings: Settings, app_for: Callable[[Settings], FastAPI]) -> FastAPI:
    return app_for(settings)


def test_every_route_with_an_id_is_in_the_matrix(app: FastAPI) -> None:
    routes = set(routes_with_ids(app))

    assert routes - set(MATRIX) - set(NOT_OWNED) == set(), "add these routes to MATRIX"
    assert set(MATRIX) - routes == set(), "these matrix routes no longer exist"
    assert len(MATRIX) >= 15


@pytest.mark.parametrize("key", list(MATRIX), ids=" ".join)
async def test_other_company_gets_404_and_nothing_changes(
    key: tuple[str, str],
    client: httpx.AsyncClient,
    db_session: Session,
    brugge_owner: Owner,
    acme_callers: dict[str, dict[str, str]],
    agent: dict[str, str],
) -> None:
    entry = MATRIX[key]
    object_id = await brugge_owner.create(entry.resource)
    callers = dict(acme_callers)
    if not entry.agents_only:
        callers["helpdesk_agent/bearer"] = agent
    before = db_state(db_session)

    answers = {name: await _call(client, key, object_id, h) for name, h in callers.items()}

    for name, response in answers.items():
        assert response.status_code == expected_status(entry, name), (name, response.text)
        assert "error" in response.json()
    assert state_diff(before, db_state(db_session)) == []
    # Positive control: the same request by the owner (an agent for helpdesk routes) finds it.
    owner = await _call(
        client, key, object_id, agent if entry.agents_only else brugge_owner.headers
    )
    assert owner.status_code not in (401, 403, 404), owner.text


@pytest.mark.parametrize("key", list(MATRIX), ids=" ".join)
async def test_end_user_cannot_reach_colleagues_objects(
    key: tuple[str, str],
    client: httpx.AsyncClient,
    db_session: Session,
    acme_owner: Owner,
    acme_callers: dict[str, dict[str, str]],
) -> None:
    entry = MATRIX[key]
    object_id = await acme_owner.create(entry.resource)
    before = db_state(db_session)

    for name in ("end_user/bearer", "end_user/service", "end_user/service-slack"):
        response = await _call(client, key, object_id, acme_callers[name])
        assert response.status_code == expected_status(entry, name), (name, response.text)
    assert state_diff(before, db_state(db_session)) == []


@pytest.mark.parametrize("key", list(MATRIX), ids=" ".join)
async def test_no_or_bad_credentials_get_401(
    key: tuple[str, str],
    client: httpx.AsyncClient,
    db_session: Session,
    brugge_owner: Owner,
    fleet_manager: dict[str, str],
) -> None:
    object_id = await brugge_owner.create(MATRIX[key].resource)
    valid_chat = await chat_sender(client, fleet_manager)
    attempts = {
        "no credentials": {},
        "forged bearer": {"Authorization": "Bearer " + "e30." * 2 + "x"},
        "wrong service key": {**valid_chat, "X-Service-Key": "guess"},
        "unknown chat sender": as_bot("rest", uuid.uuid4().hex),
        "sender of another channel": {**valid_chat, "X-Chat-Channel": "slack"},
    }
    before = db_state(db_session)

    for name, headers in attempts.items():
        response = await _call(client, key, object_id, headers)
        assert response.status_code == 401, (name, response.text)
    assert state_diff(before, db_state(db_session)) == []


def test_fleet_manager_routes_are_found(app: FastAPI) -> None:
    # Guards the introspection below: if it found nothing, the 403 test would check nothing.
    assert ("GET", "/api/v1/consumption") in fleet_manager_routes(app)
    assert ("GET", "/api/v1/porting-requests/{request_id}") in fleet_manager_routes(app)
    assert ("POST", "/api/v1/cart/items") in fleet_manager_routes(app)


async def test_end_user_gets_403_on_every_fleet_manager_route(
    app: FastAPI, client: httpx.AsyncClient, acme_callers: dict[str, dict[str, str]]
) -> None:
    for method, path in fleet_manager_routes(app):
        url = path.replace("{request_id}", "1")
        for name in ("end_user/bearer", "end_user/service", "end_user/service-slack"):
            headers = {**acme_callers[name], "Idempotency-Key": new_key()}
            response = await client.request(method, url, headers=headers)
            assert response.status_code == 403, (method, path, name, response.text)


FLEET_MANAGER_OPERATIONS = sorted(t.value for t, h in HANDLERS.items() if h.fleet_manager_only)


def test_orders_are_among_the_fleet_manager_operations() -> None:
    # design.md §2: an end user asking for a device is sent to their fleet manager.
    assert "place_order" in FLEET_MANAGER_OPERATIONS


@pytest.mark.parametrize("op_type", FLEET_MANAGER_OPERATIONS)
async def test_end_user_gets_403_on_fleet_manager_operations(
    op_type: str,
    client: httpx.AsyncClient,
    db_session: Session,
    acme_callers: dict[str, dict[str, str]],
) -> None:
    # The end user's own line: the refusal is about the role, not about the line's owner.
    own_line = db_session.scalar(select(Line.id).where(Line.msisdn == ACME_USER[0]))
    assert own_line is not None
    before = db_state(db_session)
    for name in ("end_user/bearer", "end_user/service", "end_user/service-slack"):
        body = {"type": op_type, "line_id": own_line, "params": {}}
        headers = {**acme_callers[name], "Idempotency-Key": new_key()}
        response = await client.post(f"{API}/operations", json=body, headers=headers)
        assert response.status_code == 403, (name, response.text)
    assert state_diff(before, db_state(db_session)) == []


@pytest.mark.parametrize(
    ("method", "path"), CAPABILITY_ROUTES, ids=[" ".join(r) for r in CAPABILITY_ROUTES]
)
async def test_capability_links_refuse_a_guessed_token(
    method: str, path: str, client: httpx.AsyncClient, db_session: Session
) -> None:
    before = db_state(db_session)
    body = (
        {
            "first_name": "A",
            "last_name": "B",
            "email": "a@example.com",
            "password": "long-enough-password",
            "language": "en",
        }
        if "registrations" in path
        else None
    )
    response = await client.request(method, path.replace("{token}", "guessed-token"), json=body)

    # Refused outright, or sent to the login page (a PDF link also needs the portal session).
    assert 300 <= response.status_code < 500 and response.status_code != 304
    assert state_diff(before, db_state(db_session)) == []


def test_outbox_is_not_mounted_outside_outbox_mode(
    settings: Settings, app_for: Callable[[Settings], FastAPI]
) -> None:
    smtp_app = app_for(settings.model_copy(update={"mail_backend": "smtp"}))

    assert not [key for key in routes_with_ids(smtp_app) if "/dev/" in key[1]]


async def test_erasure_job_route_needs_the_service_key(
    client: httpx.AsyncClient, db_session: Session, end_user: dict[str, str]
) -> None:
    chat_user = await chat_sender(client, end_user)
    before = db_state(db_session)
    for headers in ({}, end_user, {**chat_user, "X-Service-Key": "guess"}):
        response = await client.post(
            f"{API}/privacy/erasure-requests/1/complete",
            headers={**headers, "Idempotency-Key": new_key()},
        )
        assert response.status_code == 401, response.text
    assert state_diff(before, db_state(db_session)) == []


async def test_sim_check_does_not_reveal_another_companys_cards(
    client: httpx.AsyncClient,
    db_session: Session,
    acme_callers: dict[str, dict[str, str]],
    brugge_manager: dict[str, str],
) -> None:
    # The SIM check takes its id (the ICCID) in the query: Brugge's free card and the card of a
    # Brugge line must look exactly like a card that does not exist.
    brugge_line = db_session.scalar(select(Line).where(Line.msisdn == "+32470000052"))
    assert brugge_line is not None
    unknown = "89320399999999" + "0000"
    unknown += luhn.calc_check_digit(unknown)
    url = f"{API}/sims/check"
    for name in ("fleet_manager/bearer", "fleet_manager/service"):
        for iccid in (BRUGGE_FREE_SIM, brugge_line.iccid, unknown):
            response = await client.get(url, params={"iccid": iccid}, headers=acme_callers[name])
            assert response.status_code == 422, (name, iccid, response.text)
            assert response.json()["error"]["code"] == "iccid_unknown", (name, iccid)
    owner = await client.get(url, params={"iccid": BRUGGE_FREE_SIM}, headers=brugge_manager)
    assert owner.status_code == 200, owner.text
