"""The action server: rasa-sdk's Sanic app, closed to everyone but the Rasa servers.

`python -m rasa_sdk` would answer anyone who can reach the port, run any action for any sender
id it is told, and bind 0.0.0.0. Here every route except `/health` needs the shared secret that
Rasa sends with each call (`action_endpoint.headers` in the endpoints files), and the server
binds 127.0.0.1 unless told otherwise.

    python -m actions.server [--host 127.0.0.1] [--port 5055] [--workers 1]

The domain comes from the repository's own `domain.yml`, read once at start-up, not from each
call: Rasa would otherwise serialise the whole domain (every response in three languages, 250 KiB
of JSON) into every call and the action server parse it again, 4-6 ms of CPU per call. The
endpoints files set `enable_selective_domain`, so Rasa leaves it out; a call that does carry a
domain keeps its own.

Environment: `ACTION_SERVER_SECRET` (required, no default: `scripts/stack.py` sets a dev value),
`ACTION_SERVER_HOST`, `ACTION_SERVER_PORT`, `ACTION_SERVER_WORKERS`, `ACTION_SERVER_DOMAIN`
(default `domain.yml`: the file the model was trained with).
"""

from __future__ import annotations

import argparse
import hmac
import logging
import logging.config
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from rasa_sdk.endpoint import create_app
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.demo_secrets import LOCAL, refuse_demo_secrets

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Action-Secret"  # noqa: S105 - a header name, not a secret
# Load balancers and `scripts/stack.py` probe this; it says nothing about the actions.
OPEN_PATHS = frozenset({"/health"})


class ServerSettings(BaseSettings):
    """Where the action server listens and the secret Rasa must present."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    secret: SecretStr = Field(alias="ACTION_SERVER_SECRET", min_length=16)
    host: str = Field(default="127.0.0.1", alias="ACTION_SERVER_HOST")
    port: int = Field(default=5055, alias="ACTION_SERVER_PORT")
    workers: int = Field(default=1, ge=1, alias="ACTION_SERVER_WORKERS")
    domain_file: Path = Field(default=Path("domain.yml"), alias="ACTION_SERVER_DOMAIN")
    environment: str = Field(default=LOCAL, alias="ENVIRONMENT")
    service_key: SecretStr | None = Field(default=None, alias="ACTION_SERVICE_KEY")

    def refuse_demo_secrets(self) -> None:
        """The public demo values are refused outside local mode (``bot/demo_secrets.py``)."""
        key = self.service_key.get_secret_value() if self.service_key else None
        refuse_demo_secrets(
            self.environment,
            {"ACTION_SERVER_SECRET": self.secret.get_secret_value(), "ACTION_SERVICE_KEY": key},
        )


def load_domain(path: Path) -> dict[str, Any]:
    """The domain as the actions read it (forms' required slots, slot mappings, responses)."""
    with path.open(encoding="utf-8") as file:
        domain: dict[str, Any] = yaml.safe_load(file)
    return domain


def with_domain(call: Any, domain: dict[str, Any]) -> None:
    """Give an action call the local domain when Rasa left it out (selective domain)."""
    if isinstance(call, dict) and "domain" not in call:
        call["domain"] = domain


def secured_app(
    secret: str, actions_package: str = "actions", domain: dict[str, Any] | None = None
) -> Sanic:
    """rasa-sdk's app for `actions_package`, refusing requests without `secret` in the header;
    calls without a domain get `domain`."""
    # No CORS origins: browsers have no business calling the action server.
    app: Sanic = create_app(actions_package, cors_origins=None)
    expected = secret.encode()

    async def require_secret(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        presented = request.headers.get(SECRET_HEADER, "").encode()
        # Constant-time comparison: the response time must not reveal how much of it matched.
        if hmac.compare_digest(presented, expected):
            return None
        logger.warning(
            "refused %s %s: missing or wrong %s", request.method, request.path, SECRET_HEADER
        )
        return response.json({"error": "unauthorized"}, status=401)

    # Registered first, so it runs first: nothing is parsed for a caller without the secret.
    app.register_middleware(require_secret, "request")
    if domain is not None:

        async def add_domain(request: Request) -> None:
            if request.path == "/webhook" and request.method == "POST":
                # Sanic parses the body once and hands the same dict to rasa-sdk's handler.
                with_domain(request.json, domain)

        app.register_middleware(add_domain, "request")
    return app


def main(argv: list[str] | None = None) -> None:
    settings = ServerSettings()
    settings.refuse_demo_secrets()
    parser = argparse.ArgumentParser(description="Business Mobile Assistant action server")
    parser.add_argument("--host", default=settings.host)
    parser.add_argument("--port", type=int, default=settings.port)
    parser.add_argument("--workers", type=int, default=settings.workers)
    # Handlers whose filter masks personal data (bot/pii.py), shared with the Rasa server.
    parser.add_argument("--logging-config-file", default="bot/logging.yml")
    args = parser.parse_args(argv)
    with open(args.logging_config_file, encoding="utf-8") as config:
        logging.config.dictConfig(yaml.safe_load(config))

    app = secured_app(settings.secret.get_secret_value(), domain=load_domain(settings.domain_file))
    # Same extension hook as `python -m rasa_sdk` (no plugins are installed today).
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    logger.info("action server on http://%s:%d (%d workers)", args.host, args.port, args.workers)
    app.run(args.host, args.port, workers=args.workers, access_log=False)


if __name__ == "__main__":
    main()
