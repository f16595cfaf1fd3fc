"""Property-based tests of the backend API from its own OpenAPI schema (schemathesis, in process).

Every operation of the schema gets generated requests, valid and invalid (positive and negative
modes), sent by a fleet manager, an end user (Bearer) or the action server on behalf of a chat
user, against the real app on the real test database (rolled back after each test):

- no generated input yields a 5xx;
- request bodies are closed: the schema says ``additionalProperties: false`` for every JSON body,
  and a body with an extra field is refused with 422 naming that field.

``SECURITY_FUZZ_EXAMPLES`` (default 10) bounds the examples per operation (valid and invalid
inputs mixed).
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.python import asgi
from sqlalchemy.orm import Session

from backend.core.settings import Settings
from backend.main import create_app
from tests.security.conftest import chat_sender

EXAMPLES = int(os.environ.get("SECURITY_FUZZ_EXAMPLES", "10"))

# The schema does not need a database: read it once to parametrize the tests by operation.
_SCHEMA = create_app(Settings(mail_backend="outbox")).openapi()
# Requests go to each test's own app (see ``client`` below); the schema is loaded once.
_OPERATIONS = schemathesis.openapi.from_dict(_SCHEMA)
OPERATIONS = [
    (method.upper(), path)
    for path, item in sorted(_SCHEMA["paths"].items())
    for method in item
    if method in ("get", "post", "put", "patch", "delete")
]
CASES_RUN: Counter[str] = Counter()


def _json_bodies() -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, schema) of every operation with a JSON request body."""
    found = []
    for path, item in _SCHEMA["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                found.append((method.upper(), path, content["application/json"]["schema"]))
    return found


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """The component a ``$ref`` points to (through ``anyOf`` of an optional body too)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        resolved: dict[str, Any] = _SCHEMA["components"]["schemas"][name]
        return resolved
    for option in schema.get("anyOf", []):
        if "$ref" in option:
            return _resolve(option)
    return schema


BODY_IDS = [f"{method} {path}" for method, path, _ in _json_bodies()]


@pytest.fixture(scope="module", autouse=True)
def report_cases() -> Iterator[None]:
    yield
    total = sum(CASES_RUN.values())
    print(f"\nschemathesis: {total} generated requests over {len(CASES_RUN)} operations")


@pytest.fixture
def app(settings: Settings, app_for: Callable[[Settings], FastAPI]) -> FastAPI:
    return app_for(settings)


@pytest.fixture
async def callers(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], end_user: dict[str, str]
) -> list[dict[str, str]]:
    return [fleet_manager, end_user, await chat_sender(client, fleet_manager)]


def test_schema_lists_the_operations() -> None:
    # Guards the parametrization: an empty list would make the fuzz tests check nothing.
    assert len(OPERATIONS) >= 40
    assert ("POST", "/api/v1/operations") in OPERATIONS


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[" ".join(o) for o in OPERATIONS])
def test_no_generated_request_gets_a_server_error(
    method: str, path: str, app: FastAPI, db_session: Session, callers: list[dict[str, str]]
) -> None:
    operation = _OPERATIONS[path][method]
    client = asgi.get_client(app)  # type: ignore[arg-type]  # a FastAPI app is an ASGI app
    strategy = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @given(case=strategy, caller=st.sampled_from(callers))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any, caller: dict[str, str]) -> None:
        CASES_RUN[f"{method} {path}"] += 1
        headers = {**(case.headers or {}), **caller}
        if not headers.get("Idempotency-Key"):
            headers["Idempotency-Key"] = uuid.uuid4().hex
        response = case.call(headers=headers, session=client)
        # What the end of a real request does (its session closes): drop uncommitted work, so a
        # refused request cannot leave the shared test transaction broken for the next one.
        db_session.rollback()
        assert response.status_code < 500, (case.as_curl_command(), response.text)
        if response.status_code != 404 or '"Not Found"' not in response.text:
            routed.append(response.status_code)

    routed: list[int] = []
    check()
    # Guards the transport: the requests reached this operation, not only "unknown route".
    assert routed, f"no generated request reached {method} {path}"


@pytest.mark.parametrize(("method", "path", "schema"), _json_bodies(), ids=BODY_IDS)
def test_request_bodies_are_closed_in_the_schema(
    method: str, path: str, schema: dict[str, Any]
) -> None:
    assert _resolve(schema).get("additionalProperties") is False, (method, path)


@pytest.mark.parametrize(("method", "path", "schema"), _json_bodies(), ids=BODY_IDS)
async def test_unknown_body_fields_are_refused(
    method: str,
    path: str,
    schema: dict[str, Any],
    client: httpx.AsyncClient,
    fleet_manager: dict[str, str],
) -> None:
    # An object with only the smuggled field: whatever else is wrong, that field is named.
    url = path
    for name in ("token", "operation_id", "ticket_id", "handoff_id", "request_id"):
        url = url.replace("{" + name + "}", "1")
    response = await client.request(
        method,
        url,
        json={"is_admin": True},
        headers={**fleet_manager, "Idempotency-Key": uuid.uuid4().hex, "X-Service-Key": "x"}
        if "/chat/links" in path
        else {**fleet_manager, "Idempotency-Key": uuid.uuid4().hex},
    )

    assert response.status_code in (401, 403, 422), response.text
    if response.status_code == 422:
        assert "is_admin" in response.json()["error"]["message"]
