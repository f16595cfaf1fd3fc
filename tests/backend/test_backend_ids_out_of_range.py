"""Ids beyond the database's integer range are refused, never a 500 (SQLite and PostgreSQL).

On SQLite an id from 2**63 up made the driver raise OverflowError before any query ran (a 500
on 14 routes); PostgreSQL's out-of-range DataError was already a 422. Every route with an
integer path parameter is called with such ids, by a fleet manager and by a helpdesk agent.
"""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from fastapi import FastAPI, routing

HUGE_IDS = [2**63, 2**64, -(2**63) - 1]


def routes_with_int_ids(app: FastAPI) -> list[tuple[str, str, list[str]]]:
    """(method, path, integer path parameters) of every API route that takes an integer id."""
    found = []
    for context in routing.iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, routing.APIRoute):
            continue
        ints = [p.name for p in route.dependant.path_params if p.field_info.annotation is int]
        for method in sorted(context.methods or ()):
            if ints and method != "HEAD":
                found.append((method, str(context.path), ints))
    return found


def _route_cases() -> list[tuple[str, str, list[str]]]:
    # Only for the list of routes: a local-mode app is built and never serves a request.
    from backend.core.settings import Settings
    from backend.main import create_app

    return routes_with_int_ids(create_app(Settings(environment="local")))


ROUTES = _route_cases()


def test_the_routes_the_finding_listed_are_all_covered() -> None:
    assert len(ROUTES) >= 14


# One test per route: on PostgreSQL a refused value aborts the test's transaction.
@pytest.mark.parametrize(
    ("method", "path", "names"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES]
)
async def test_every_integer_id_route_refuses_ids_out_of_range(
    client: httpx.AsyncClient,
    fleet_manager: dict[str, str],
    agent: dict[str, str],
    method: str,
    path: str,
    names: list[str],
) -> None:
    url = path
    for name in names:
        url = re.sub(rf"{{{name}(:[^}}]*)?}}", str(HUGE_IDS[0]), url)
    headers = agent if "/agent/" in path else fleet_manager
    response = await client.request(
        method, url, json={}, headers={**headers, "Idempotency-Key": uuid.uuid4().hex}
    )

    assert response.status_code < 500, (method, url, response.text)


@pytest.mark.parametrize("huge", HUGE_IDS)
async def test_a_line_id_out_of_range_is_a_clear_refusal(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], huge: int
) -> None:
    response = await client.get(f"/api/v1/lines/{huge}", headers=fleet_manager)

    assert response.status_code in (404, 422)
    assert response.json()["error"]["code"] in ("line_not_found", "value_out_of_range")
