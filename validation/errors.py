"""The one exception of the shared checks: a machine ``code``, its ``details`` and a message."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class InvalidValue(ValueError):
    """What is wrong with a value.

    ``code`` is the backend's 422 code (docs/api-fleet-operations.md) and the bot's key for the
    response that explains it; ``details`` are machine-readable facts about the typed value
    (never the value itself: the caller has it); ``message`` is a short English sentence for the
    API answer.
    """

    code: str
    details: dict[str, Any] = field(default_factory=dict)
    message: str = ""

    def __str__(self) -> str:
        return self.code
