"""The Rasa server refuses the demo secrets outside ``ENVIRONMENT=local`` (issue #15, item 6).

A Slack request signed with the demo signing secret was accepted, and nothing on the Rasa side
refused placeholders: its entry point (bot/server.py) now stops before serving anything.
"""

from __future__ import annotations

import base64
import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from bot.demo_secrets import DEMO_SECRETS
from scripts.stack import RASA_PYTHON, ROOT, Stack, free_port


def test_the_rasa_server_refuses_to_start_with_the_demo_secrets_outside_local_mode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "environ", {})  # only what the demo stack itself sets
    env = {**Stack(model=Path("unused")).base_env(), "ENVIRONMENT": "staging"}
    argv = [
        str(RASA_PYTHON), "-m", "bot.server", "run", "--model", "models/none.tar.gz",
        "--credentials", "bot/credentials.yml", "--endpoints", "bot/endpoints.yml",
        "--interface", "127.0.0.1", "--port", str(free_port()),
        "--enable-api", "--auth-token", env["RASA_AUTH_TOKEN"],
    ]  # fmt: skip

    # Before the check, Rasa served without a model: the timeout is the failure then.
    done = subprocess.run(
        argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=90, check=False
    )

    assert done.returncode != 0
    refusal = done.stderr.strip().splitlines()[-1]
    assert "demo value refused outside ENVIRONMENT=local" in refusal
    for name in ("--auth-token", "ACTION_SERVER_SECRET", "SLACK_SIGNING_SECRET"):
        assert name in refusal
    assert not any(value in refusal for value in DEMO_SECRETS.values())


def test_outside_local_mode_rasa_does_not_tell_its_version(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(os, "environ", {})
    env = Stack(model=Path("unused")).base_env()
    # Secrets of its own (any value but the demo ones), so that Rasa starts in staging.
    env.update({name: f"{name.lower()}-{os.urandom(8).hex()}" for name in DEMO_SECRETS})
    env["TRACKER_ENCRYPTION_KEY"] = base64.urlsafe_b64encode(os.urandom(32)).decode()
    env.update({"ENVIRONMENT": "staging", "TRACKER_DB": str(tmp_path / "tracker.db")})
    port = free_port()
    argv = [
        str(RASA_PYTHON), "-m", "bot.server", "run", "--model", "models/none.tar.gz",
        "--credentials", "bot/credentials.yml", "--endpoints", "bot/endpoints.yml",
        "--interface", "127.0.0.1", "--port", str(port),
        "--enable-api", "--auth-token", env["RASA_AUTH_TOKEN"],
    ]  # fmt: skip
    with subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as rasa:
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 120
            while True:
                try:
                    health = httpx.get(f"{base}/", timeout=2)
                    break
                except httpx.TransportError:
                    assert rasa.poll() is None and time.monotonic() < deadline
                    time.sleep(0.5)
            assert health.status_code == 200  # the health check stays
            # Before: 200 {"version": "3.6.21", …}
            assert httpx.get(f"{base}/version", timeout=5).status_code == 404
        finally:
            rasa.terminate()
            rasa.wait(timeout=30)
