"""Entry point of the Rasa server: ``rasa`` itself, with Rasa 3.6's per-call schema check cached.

``python -m bot.server run --model ...`` takes every argument of the ``rasa`` command.

Why not plain ``rasa run``: Rasa 3.6 checks every answer of the action server with
``jsonschema.validate(answer, schema)``, and that function first validates the *schema* against
the JSON Schema 2020-12 metaschema and builds a new validator, on every call. That costs about
19 ms of CPU per action call (0.5 ms for the answer itself), and a turn makes two calls (the
language slot's custom mapping, then the answer): a third of the Rasa server's CPU per turn
(``bench/results/turn_profile.md``). Here the schema is checked once and its validator reused;
the answer is validated exactly as Rasa does it (same schema, same validator class, same
best-match error and message), so a malformed answer is still refused.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import Any

from jsonschema import ValidationError, exceptions, validators
from rasa.__main__ import main as rasa_main
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


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


def install() -> None:
    """Make every remote action (answers and custom slot mappings) use the cached validator."""
    RemoteAction._validate_action_result = validate_action_result


if __name__ == "__main__":
    install()
    sys.exit(rasa_main())
