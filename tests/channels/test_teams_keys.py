"""Teams signing keys while Microsoft's key endpoint fails (issue #15): one fetch per back-off
window, tokens judged at once meanwhile, and the keys fetched again once the endpoint is back.

The validator runs in the Rasa venv (`teams_keys_probe.py`); the key endpoint is a server on
127.0.0.1 that answers 503 after a second while failing, and redirects to the fake Bot
Framework's OpenID metadata once healthy.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from scripts.stack import RASA_PYTHON, ROOT
from tests.fakes.botframework import FakeBotFramework
from tests.fakes.server import FakeRequest, FakeResponse, FakeServer

SLOW_FAILURE_SECONDS = 1.0
RETRY_MIN_SECONDS = 3.0


class FlakyKeyEndpoint:
    """OpenID metadata that fails slowly until ``healthy`` is set; counts the requests."""

    def __init__(self, real_openid_url: str) -> None:
        self.real_openid_url = real_openid_url
        self.healthy = threading.Event()
        self.requests = 0
        self.server = FakeServer(self._handle)

    def _handle(self, request: FakeRequest) -> FakeResponse:
        self.requests += 1
        if self.healthy.is_set():
            return FakeResponse(307, None, {"Location": self.real_openid_url})
        time.sleep(SLOW_FAILURE_SECONDS)
        return FakeResponse(503, {"error": "unavailable"})


@pytest.fixture
def endpoint(bot_framework: FakeBotFramework) -> Iterator[FlakyKeyEndpoint]:
    flaky = FlakyKeyEndpoint(bot_framework.openid_url)
    with flaky.server:
        yield flaky


class Probe:
    def __init__(self, config: dict[str, Any]) -> None:
        self.process = subprocess.Popen(
            [str(RASA_PYTHON), str(ROOT / "tests" / "channels" / "teams_keys_probe.py")],
            cwd=ROOT,
            env={"PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._send(config)

    def _send(self, data: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(data) + "\n")
        self.process.stdin.flush()

    def judge(self, tokens: list[str], activity: dict[str, Any], *, parallel: bool) -> Any:
        self._send({"tokens": tokens, "activity": activity, "parallel": parallel})
        assert self.process.stdout is not None
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def test_failing_key_fetches_are_rate_limited_and_tokens_answered_at_once(
    bot_framework: FakeBotFramework, endpoint: FlakyKeyEndpoint
) -> None:
    probe = Probe(
        {
            "app_id": bot_framework.app_id,
            "openid_url": f"{endpoint.server.url}/openid",
            "retry_min_seconds": RETRY_MIN_SECONDS,
        }
    )
    activity = bot_framework.activity("hello")
    tokens = [bot_framework.channel_token() for _ in range(10)]
    try:
        burst = probe.judge(tokens, activity, parallel=True)
        after = probe.judge(tokens[:5], activity, parallel=False)
        failing_fetches = endpoint.requests
        endpoint.healthy.set()
        time.sleep(RETRY_MIN_SECONDS + 0.3)  # the back-off counts from the failed fetch's end
        recovered = probe.judge(tokens[:3], activity, parallel=True)
    finally:
        probe.close()

    assert burst["outcomes"] == ["invalid"] * 10
    assert after["outcomes"] == ["invalid"] * 5
    # One slow failing fetch for the whole burst, none for the requests after it.
    assert failing_fetches == 1
    assert burst["elapsed"] < SLOW_FAILURE_SECONDS + 1.0
    assert max(after["seconds"]) < 0.1
    # Once the back-off is over the next token fetches the keys again, and it is valid.
    assert recovered["outcomes"] == ["ok"] * 3
    assert endpoint.requests == failing_fetches + 1
