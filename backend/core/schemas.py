"""Base of every request body: unknown fields are refused (422), never silently dropped.

A client that misspells a field (``"line"`` for ``"line_id"``) or smuggles one the route does not
know (``"account_id"``, ``"role"``) gets a 422 ``validation_error`` naming it, instead of a
request that quietly does something other than what it asked for.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RequestModel(BaseModel):
    """A JSON request body with a closed set of fields."""

    model_config = ConfigDict(extra="forbid")
