"""Statuses that move forward one step at a time, with the moment of every step.

Orders (received → processing → shipped → delivered) and repairs (requested → picked_up →
in_repair → ready → returned) are moved by the operator's stand-ins for a warehouse and a
workshop (``backend.shop.fulfilment``, ``backend.repairs.workshop``). Each step is recorded as
``{"status", "at"}`` so the history and "since when" can be shown.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, TypeVar

S = TypeVar("S", bound=enum.Enum)


def history(
    entries: list[dict[str, Any]] | None, *, first: enum.Enum, created_at: datetime
) -> list[dict[str, Any]]:
    """The recorded steps; a row made before steps were recorded starts at its creation."""
    if entries:
        return list(entries)
    return [{"status": first.value, "at": created_at.isoformat()}]


def next_status(flow: tuple[S, ...], current: S) -> S | None:
    """The status after ``current``, or None when it is the last one."""
    index = flow.index(current)
    return flow[index + 1] if index + 1 < len(flow) else None


def last_change(entries: list[dict[str, Any]]) -> datetime:
    """When the current status was reached."""
    return datetime.fromisoformat(entries[-1]["at"])
