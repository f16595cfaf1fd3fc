"""Idempotency keys over real HTTP on a real database (issue #6, design.md §5).

The backend runs in uvicorn on 127.0.0.1 on a freshly migrated and seeded database: a schema
of its own on the local PostgreSQL when it answers (like ``tests/backend``), else a SQLite file.
Requests go through the fault proxy where a connection must be dropped; the state is read on
the backend directly. Tickets are the witness: a second execution would be a second row.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest
import uvicorn
from pydantic import SecretStr
from sqlalchemy import make_url
from sqlalchemy.orm import Session

from backend import migrate
from backend.core.db import create_db_engine
from backend.core.settings import Settings
from backend.main import create_app
from backend.seed.service import seed_demo
from tests.backend.conftest import ACME_FM, LOCAL_POSTGRES_URL, _postgres_answers, postgres_schema
from tests.fakes.faulty_backend import Fault, FaultyBackend, free_port
from tests.faults.conftest import record

CONCURRENT_REQUESTS = 8
PAYMENT_LINK_LIMIT = 5


@dataclass
class LiveBackend:
    url: str
    dialect: str
    headers: dict[str, str]


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh database: a new schema on the local PostgreSQL (skipped when it does not
    answer), and a new SQLite file."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('idem') / 'backend.db'}"
        return
    base = os.environ.get("TEST_DATABASE_URL", LOCAL_POSTGRES_URL)
    if make_url(base).get_backend_name() != "postgresql" or not _postgres_answers(base):
        pytest.skip("no PostgreSQL answers on 127.0.0.1:5432")
    with postgres_schema(base, f"faults_idem_{os.getpid()}") as scoped:
        yield scoped


@pytest.fixture(scope="module")
def live_backend(database_url: str) -> Iterator[LiveBackend]:
    """The real backend app served by uvicorn on a free port, committing for real."""
    migrate.upgrade(database_url=database_url)
    engine = create_db_engine(database_url)
    with Session(engine) as session:
        seed_demo(session, today=date.today())
    engine.dispose()
    settings = Settings(
        # Local mode: the outbox the tests read exists only there (the secrets are still real).
        environment="local",
        database_url=database_url,
        secret_key=SecretStr("faults-secret-key-0123456789abcdef0123456789"),
        action_service_key=SecretStr("faults-action-service-key"),
        rasa_auth_token=SecretStr("faults-rasa-auth-token"),
        mail_backend="outbox",
        public_base_url="http://127.0.0.1",
        # Small enough for a parallel burst to cross it (the other tests make no payment link).
        rate_limit_payment_links_per_account=PAYMENT_LINK_LIMIT,
        rate_limit_payment_links_per_company=PAYMENT_LINK_LIMIT,
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "backend did not start"
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    login = httpx.post(f"{url}/api/v1/auth/login", json={"gsm": ACME_FM[0], "password": ACME_FM[1]})
    login.raise_for_status()
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    try:
        yield LiveBackend(url, make_url(database_url).get_backend_name(), headers)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def proxy(live_backend: LiveBackend) -> Iterator[FaultyBackend]:
    with FaultyBackend(live_backend.url) as faulty:
        yield faulty


def ticket_body(description: str) -> dict[str, Any]:
    return {"subject_code": "other", "description": description, "contact_number": "0470000001"}


def tickets_described(backend: LiveBackend, description: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{backend.url}/api/v1/tickets", headers=backend.headers, timeout=10)
    response.raise_for_status()
    return [t for t in response.json() if t["description"] == description]


def post_ticket(url: str, backend: LiveBackend, key: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(
        f"{url}/api/v1/tickets",
        json=body,
        headers={**backend.headers, "Idempotency-Key": key},
        timeout=30,
    )


def test_retry_after_a_dropped_connection_changes_once_and_gives_the_same_answer(
    live_backend: LiveBackend, proxy: FaultyBackend
) -> None:
    key, description = str(uuid.uuid4()), f"Dropped answer {uuid.uuid4()}"
    proxy.inject(Fault.COMMIT_THEN_DROP, method="POST", times=1)
    started = time.monotonic()

    with pytest.raises(httpx.RemoteProtocolError):
        post_ticket(proxy.url, live_backend, key, ticket_body(description))
    [committed] = tickets_described(live_backend, description)  # it did happen
    retry = post_ticket(proxy.url, live_backend, key, ticket_body(description))
    again = post_ticket(proxy.url, live_backend, key, ticket_body(description))

    assert retry.status_code == again.status_code == 201
    assert retry.json() == again.json()
    assert retry.json()["id"] == committed["id"]
    assert retry.json()["number"] == committed["number"]
    assert len(tickets_described(live_backend, description)) == 1
    record(
        f"POST /tickets dropped, resent twice ({live_backend.dialect})",
        "commit_then_drop",
        "-",
        time.monotonic() - started,
        "1 ticket, same answer",
    )


def test_same_key_with_other_parameters_is_refused_and_changes_nothing(
    live_backend: LiveBackend,
) -> None:
    key = str(uuid.uuid4())
    first, other = f"First request {uuid.uuid4()}", f"Other request {uuid.uuid4()}"
    created = post_ticket(live_backend.url, live_backend, key, ticket_body(first))

    reused = post_ticket(live_backend.url, live_backend, key, ticket_body(other))

    assert created.status_code == 201
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert tickets_described(live_backend, other) == []
    assert len(tickets_described(live_backend, first)) == 1


def test_concurrent_identical_requests_execute_once(
    live_backend: LiveBackend, caplog: pytest.LogCaptureFixture
) -> None:
    key, description = str(uuid.uuid4()), f"Concurrent twins {uuid.uuid4()}"
    start = threading.Barrier(CONCURRENT_REQUESTS)

    def fire(_: int) -> httpx.Response:
        start.wait()
        return post_ticket(live_backend.url, live_backend, key, ticket_body(description))

    started = time.monotonic()
    with (
        caplog.at_level(logging.INFO, logger="backend.core.idempotency"),
        ThreadPoolExecutor(CONCURRENT_REQUESTS) as pool,
    ):
        answers = list(pool.map(fire, range(CONCURRENT_REQUESTS)))
    seconds = time.monotonic() - started

    created = [a for a in answers if a.status_code == 201]
    busy = [a for a in answers if a.status_code == 409]
    assert len(created) + len(busy) == CONCURRENT_REQUESTS, [a.text for a in answers]
    assert created, "nobody got the answer"
    assert all(a.json() == created[0].json() for a in created)
    assert all(a.json()["error"]["code"] == "idempotency_in_progress" for a in busy)
    assert len(tickets_described(live_backend, description)) == 1
    # The server runs in this process: every 201 but the first was a replay, not a second run.
    replays = [r for r in caplog.records if r.getMessage().startswith("Replaying the answer")]
    assert len(replays) == len(created) - 1
    record(
        f"{CONCURRENT_REQUESTS} concurrent identical POST /tickets ({live_backend.dialect})",
        "race",
        "-",
        seconds,
        f"1 ticket; {len(created)} × 201 same body, {len(busy)} × 409",
    )


def _get(backend: LiveBackend, path: str) -> Any:
    response = httpx.get(f"{backend.url}/api/v1{path}", headers=backend.headers, timeout=10)
    response.raise_for_status()
    return response.json()


def _in_parallel(count: int, send: Any) -> list[httpx.Response]:
    """``send()`` from ``count`` threads released at the same moment."""
    start = threading.Barrier(count)

    def fire(_: int) -> httpx.Response:
        start.wait()
        return send()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(fire, range(count)))


def test_parallel_confirms_with_distinct_keys_execute_the_operation_once(
    live_backend: LiveBackend,
) -> None:
    [line] = [x for x in _get(live_backend, "/lines") if x["msisdn"] == "+32470000003"]
    problem = f"Screen cracked {uuid.uuid4()}"
    prepared = httpx.post(
        f"{live_backend.url}/api/v1/operations",
        json={
            "type": "request_repair",
            "line_id": line["id"],
            "params": {"imei": "356938035643809", "problem": problem},
        },
        headers={**live_backend.headers, "Idempotency-Key": str(uuid.uuid4())},
        timeout=10,
    )
    assert prepared.status_code == 201, prepared.text
    op_id = prepared.json()["id"]
    mails_before = len(_get(live_backend, "/dev/outbox"))

    answers = _in_parallel(
        CONCURRENT_REQUESTS,
        lambda: httpx.post(
            f"{live_backend.url}/api/v1/operations/{op_id}/confirm",
            json={},
            headers={**live_backend.headers, "Idempotency-Key": str(uuid.uuid4())},
            timeout=30,
        ),
    )

    assert [a.status_code for a in answers] == [200] * CONCURRENT_REQUESTS, [
        a.text for a in answers
    ]
    assert {a.json()["status"] for a in answers} == {"done"}
    assert len({str(a.json()["result"]) for a in answers}) == 1  # the others replay the first
    assert [r["problem"] for r in _get(live_backend, "/repairs")].count(problem) == 1
    assert len(_get(live_backend, "/dev/outbox")) == mails_before + 1


def test_a_parallel_burst_of_payment_links_stops_exactly_at_the_limit(
    live_backend: LiveBackend,
) -> None:
    [invoice] = [i for i in _get(live_backend, "/invoices") if i["number"] == "F2026-000105"]

    answers = _in_parallel(
        PAYMENT_LINK_LIMIT + CONCURRENT_REQUESTS,
        lambda: httpx.post(
            f"{live_backend.url}/api/v1/invoices/{invoice['id']}/payment-links",
            json={},
            headers={**live_backend.headers, "Idempotency-Key": str(uuid.uuid4())},
            timeout=30,
        ),
    )

    codes = sorted(a.status_code for a in answers)
    assert codes == [201] * PAYMENT_LINK_LIMIT + [429] * CONCURRENT_REQUESTS, codes
