"""Request lines and headers are bounded (issue #15): a 60 KB query string to ``/health`` was
parsed, answered 200 and written whole to the access log.

Checked on the app, and on a real uvicorn for what only the server shows: the time to the
refusal and the access log line.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine

from backend.core.request_limits import LOGGED_CHARS, MAX_HEADER_BYTES, MAX_TARGET_BYTES
from backend.core.settings import Settings
from backend.main import create_app


async def test_a_query_string_past_the_limit_is_refused_with_414(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/health", params={"q": "a" * 4_000})).status_code == 200
    assert (await client.get("/health", params={"q": "a" * 60_000})).status_code == 414
    assert (await client.get("/health", params={"q": "a" * MAX_TARGET_BYTES})).status_code == 414
    assert (await client.get(f"/portal/{'a' * MAX_TARGET_BYTES}")).status_code == 414


async def test_headers_past_the_limit_are_refused_with_431(client: httpx.AsyncClient) -> None:
    filler = {f"x-filler-{index}": "v" * 1_000 for index in range(MAX_HEADER_BYTES // 1_000 + 1)}

    assert (await client.get("/health", headers={"x-filler": "v" * 8_000})).status_code == 200
    assert (await client.get("/health", headers=filler)).status_code == 431


@pytest.fixture
def live_url(settings: Settings, engine: Engine) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port (access log on, at INFO)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_config=None)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "backend did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_the_server_refuses_a_60_kb_query_string_at_once_and_logs_it_short(
    live_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="uvicorn.access")
    started = time.monotonic()
    answer = httpx.get(f"{live_url}/health", params={"q": "a" * 60_000}, timeout=10)
    elapsed = time.monotonic() - started

    assert answer.status_code == 414
    assert elapsed < 0.5
    logged = [record.getMessage() for record in caplog.records if record.name == "uvicorn.access"]
    assert any(" 414" in line for line in logged), logged
    assert max(len(line) for line in logged) < 2 * LOGGED_CHARS + 100
