"""The Rasa server refuses the demo secrets outside ``ENVIRONMENT=local`` (issue #15, item 6).

A Slack request signed with the demo signing secret was accepted, and nothing on the Rasa side
refused placeholders: its entry point (bot/server.py) now stops before serving anything.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

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
