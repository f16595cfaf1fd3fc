"""The action server refuses the public demo secrets outside local mode (issue #15)."""

from __future__ import annotations

import pytest

from actions.server import ServerSettings
from bot.demo_secrets import DEMO_SECRETS, DemoSecretRefused


def settings(environment: str, secret: str, key: str) -> ServerSettings:
    return ServerSettings.model_validate(
        {"ACTION_SERVER_SECRET": secret, "ACTION_SERVICE_KEY": key, "ENVIRONMENT": environment}
    )


def test_demo_secrets_are_refused_outside_local_mode() -> None:
    demo = settings("staging", DEMO_SECRETS["ACTION_SERVER_SECRET"], "a-real-service-key-1234")
    with pytest.raises(DemoSecretRefused, match="ACTION_SERVER_SECRET"):
        demo.refuse_demo_secrets()
    pasted = settings("production", "a-real-action-secret-5678", DEMO_SECRETS["SECRET_KEY"])
    with pytest.raises(DemoSecretRefused, match="ACTION_SERVICE_KEY"):
        pasted.refuse_demo_secrets()


def test_demo_secrets_run_the_demo_and_real_ones_run_anywhere() -> None:
    settings(
        "local", DEMO_SECRETS["ACTION_SERVER_SECRET"], DEMO_SECRETS["ACTION_SERVICE_KEY"]
    ).refuse_demo_secrets()
    settings(
        "production", "a-real-action-secret-5678", "a-real-service-key-1234"
    ).refuse_demo_secrets()
