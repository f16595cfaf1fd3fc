"""The demo values of the secrets, and the start-up check that refuses them outside local mode.

``make demo`` and the test stacks (``scripts/stack.py``) start the three processes with these
values so that a laptop needs no configuration. Anyone can read them here: a deployment that
kept one would accept Slack requests, portal tokens or action calls signed with a public key.
So every service refuses them at start-up unless ``ENVIRONMENT`` is ``local``: the backend in
its settings (``backend/core/settings.py``), the Rasa server in its entry point
(``bot/server.py``); the action server's secret is the one Rasa sends, so Rasa's refusal covers
it, and its ``ACTION_SERVICE_KEY`` is the backend's.

A leaf module (standard library only): both virtual environments import it.
"""

from __future__ import annotations

from collections.abc import Mapping

LOCAL = "local"

# Environment variable -> the value the demo runs with.
DEMO_SECRETS: Mapping[str, str] = {
    "SECRET_KEY": "dev-secret-key-change-me-0123456789abcdef",
    "ACTION_SERVICE_KEY": "dev-action-service-key",
    "RASA_AUTH_TOKEN": "dev-rasa-auth-token",
    "ACTION_SERVER_SECRET": "dev-action-server-secret",
    "TRACKER_ENCRYPTION_KEY": "ZGV2LXRyYWNrZXItZW5jcnlwdGlvbi1rZXktMzJieXQ=",
    "SLACK_BOT_TOKEN": "xoxb-demo-not-configured",
    "SLACK_SIGNING_SECRET": "demo-slack-signing-secret-not-configured",
    "BOTFRAMEWORK_APP_PASSWORD": "demo-not-configured",
}


class DemoSecretRefused(ValueError):
    """A demo secret outside ``ENVIRONMENT=local``."""


def refuse_demo_secrets(environment: str, values: Mapping[str, str | None]) -> None:
    """Raise :class:`DemoSecretRefused` naming every entry of ``values`` that holds a demo value
    (any of them: a demo token pasted as another secret is as public), unless in local mode."""
    if environment == LOCAL:
        return
    demo = set(DEMO_SECRETS.values())
    found = sorted(name for name, value in values.items() if value in demo)
    if found:
        raise DemoSecretRefused(
            f"{', '.join(found)}: demo value refused outside ENVIRONMENT=local "
            f"(ENVIRONMENT={environment}); set a secret of your own"
        )
