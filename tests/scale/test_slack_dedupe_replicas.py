"""A Slack retry reaching the other Rasa server is not processed twice (issue #15).

Two processes stand for the compose file's two Rasa replicas: each builds the Slack channel with
Rasa's own code from `bot/credentials.yml` and the `rasa` service's environment in
`deploy/docker-compose.yml` (the `redis` host and its password mapped to the local Redis), without
the model (`slack_replica.py` prints what would reach the agent). Slack's first delivery goes to
one, its retry to the other.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis
import yaml

from scripts.stack import RASA_PYTHON, ROOT, free_port
from tests.fakes.slack_api import sign_slack_request

REPLICAS = 2


def _replica_environment() -> dict[str, str]:
    """The `rasa` service's environment of the compose file, on loopback."""
    compose = yaml.safe_load((ROOT / "deploy" / "docker-compose.yml").read_text())
    local = {"REDIS_PASSWORD": ""}  # the test Redis has none
    environment = {}
    for name, value in compose["services"]["rasa"]["environment"].items():
        value = re.sub(
            r"\$\{([A-Z0-9_]+)[^}]*\}",
            lambda found: local.get(found.group(1), f"x{found.group(1).lower()}"),
            str(value),
        )
        environment[name] = value.replace("@redis:", "@127.0.0.1:")
    return environment


@pytest.fixture
def replicas(services_needed: None) -> Iterator[tuple[list[str], list[subprocess.Popen[str]]]]:
    environment = _replica_environment()
    ports = [free_port() for _ in range(REPLICAS)]
    processes = [
        subprocess.Popen(
            [str(RASA_PYTHON), str(ROOT / "tests" / "scale" / "slack_replica.py"), str(port)],
            cwd=ROOT,
            env={**environment, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"},
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for port in ports
    ]
    urls = [f"http://127.0.0.1:{port}/webhooks/slack" for port in ports]
    try:
        deadline = time.monotonic() + 180
        for url, process in zip(urls, processes, strict=True):
            while True:
                assert process.poll() is None, "a replica exited"
                assert time.monotonic() < deadline, "replicas not up after 180 s"
                try:
                    if httpx.get(f"{url}/", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.5)
        yield urls, processes
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)


def _event(event_id: str) -> dict[str, Any]:
    return {
        "type": "event_callback",
        "team_id": "T0REPLICA",
        "event_id": event_id,
        "event": {
            "type": "message",
            "channel_type": "im",
            "channel": "D0REPLICA",
            "user": "U0REPLICA",
            "text": f"hello {event_id}",
        },
    }


def test_a_retry_on_the_other_replica_is_not_processed_twice(
    replicas: tuple[list[str], list[subprocess.Popen[str]]],
) -> None:
    urls, processes = replicas
    secret = _replica_environment()["SLACK_SIGNING_SECRET"]
    event_id = f"Ev{secrets.token_hex(6)}"
    body = json.dumps(_event(event_id)).encode()

    def deliver(url: str, retry: int | None) -> httpx.Response:
        headers = {"Content-Type": "application/json", **sign_slack_request(secret, body)}
        if retry is not None:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return httpx.post(f"{url}/webhook", content=body, headers=headers, timeout=10)

    try:
        first = deliver(urls[0], None)
        retries = [deliver(urls[1], 1), deliver(urls[0], 2)]
        time.sleep(1.0)  # the first delivery's turn is dispatched in the background
    finally:
        if url := _replica_environment().get("SLACK_DEDUPE_REDIS_URL"):
            redis.Redis.from_url(url).delete(f"bma:slack:delivery:{event_id}")
        for process in processes:
            process.terminate()
    processed = [
        json.loads(line)["processed"]
        for process in processes
        for line in process.communicate(timeout=30)[0].splitlines()
        if line.startswith("{")
    ]

    assert first.status_code == 200 and first.text == ""
    assert [(r.status_code, r.text) for r in retries] == [(200, "duplicate")] * 2
    assert processed == [f"hello {event_id}"]
