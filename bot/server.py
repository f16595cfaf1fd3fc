"""Entry point of the Rasa server: ``rasa`` itself, with two of Rasa 3.6's per-turn costs cached.

``python -m bot.server run --model ...`` takes every argument of the ``rasa`` command.

Why not plain ``rasa run``: both fixes below change no behaviour, only how often Rasa recomputes
the same thing (measured in ``bench/results/turn_profile.md``).

1. Rasa 3.6 checks every answer of the action server with
``jsonschema.validate(answer, schema)``, and that function first validates the *schema* against
the JSON Schema 2020-12 metaschema and builds a new validator, on every call. That costs about
19 ms of CPU per action call (0.5 ms for the answer itself), and a turn makes two calls (the
language slot's custom mapping, then the answer): a third of the Rasa server's CPU per turn
(``bench/results/turn_profile.md``). Here the schema is checked once and its validator reused;
the answer is validated exactly as Rasa does it (same schema, same validator class, same
best-match error and message), so a malformed answer is still refused.

2. Reading a conversation from the tracker store turns every stored event back into an object,
and ``Event.resolve_by_type`` finds each event's class by walking the whole ``Event`` class
tree again, once per event: a tenth of the server's CPU per turn. Here the type-name-to-class
map is built once from the same walk (first match wins, as in Rasa's loop); a name it does not
know goes to Rasa's own lookup, which still handles late-imported classes and errors.

3. Long messages (issue #15): linear regex features, regex patterns with a time budget, and
the NLU of a long message off the event loop (:mod:`bot.long_messages`).

It also refuses to start with a demo secret outside ``ENVIRONMENT=local`` (bot/demo_secrets.py),
and hides ``/version`` there.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import rasa.server
from jsonschema import ValidationError, exceptions, validators
from rasa.__main__ import main as rasa_main
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import long_messages
from bot.demo_secrets import DEMO_SECRETS, LOCAL, DemoSecretRefused, refuse_demo_secrets

_rasa_resolve_by_type = Event.resolve_by_type


@lru_cache(maxsize=1)
def action_result_validator() -> Any:
    """The validator of Rasa's action-server answer schema, built and checked once."""
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(_action: RemoteAction, result: dict[str, Any]) -> bool:
    """``RemoteAction._validate_action_result`` with the cached validator (same errors)."""
    error: ValidationError | None = exceptions.best_match(
        action_result_validator().iter_errors(result)
    )
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, "
        "make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


@lru_cache(maxsize=1)
def event_classes() -> dict[str, type[Event]]:
    """Event type name -> class, in the order of Rasa's own search (first match wins)."""
    classes: dict[str, type[Event]] = {}
    for cls in all_subclasses(Event):
        classes.setdefault(cls.type_name, cls)
    return classes


def resolve_event_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    """``Event.resolve_by_type`` from the cached map; unknown names go to Rasa's lookup."""
    found = event_classes().get(type_name)
    if found is not None:
        return found
    resolved: type[Event] | None = _rasa_resolve_by_type(type_name, default)
    return resolved


def install() -> None:
    """Use the cached validator for every remote action (answers and custom slot mappings) and
    the cached event classes for every event read back."""
    RemoteAction._validate_action_result = validate_action_result
    Event.resolve_by_type = staticmethod(resolve_event_type)
    long_messages.install()


def refuse_demo_secrets_at_start(argv: list[str], environ: Mapping[str, str]) -> None:
    """Stop before Rasa starts when it would run with a demo secret outside local mode:
    the channels' and endpoints' secrets come from the environment (``${VAR}`` in
    bot/credentials.yml and the endpoints files), the HTTP API token from ``--auth-token``."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--auth-token")
    options, _ = parser.parse_known_args(argv)
    values = {name: environ.get(name) for name in DEMO_SECRETS}
    values["--auth-token"] = options.auth_token
    try:
        refuse_demo_secrets(environ.get("ENVIRONMENT", LOCAL), values)
    except DemoSecretRefused as refused:
        sys.exit(f"bot.server: {refused}")


def hide_version(environment: str) -> None:
    """Outside local mode, Rasa's ``/version`` answers 404: the exact release tells an attacker
    which advisories to try. ``/`` (the health check) and the token-protected API stay."""
    if environment == LOCAL:
        return
    create_app = rasa.server.create_app

    def create_app_without_version(*args: Any, **kwargs: Any) -> Sanic:
        app: Sanic = create_app(*args, **kwargs)

        @app.middleware("request")  # type: ignore[untyped-decorator,no-untyped-call]
        async def no_version(request: Request) -> HTTPResponse | None:
            if request.path.rstrip("/") == "/version":
                return response.json({"status": "failure", "reason": "NotFound"}, status=404)
            return None

        return app

    rasa.server.create_app = create_app_without_version


if __name__ == "__main__":
    refuse_demo_secrets_at_start(sys.argv[1:], os.environ)
    hide_version(os.environ.get("ENVIRONMENT", LOCAL))
    install()
    sys.exit(rasa_main())
