"""Support hours: "Mon-Fri 08:00-18:00 Europe/Brussels" (days, local opening time, time zone)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_PATTERN = re.compile(
    r"^\s*(?P<first>[a-z]{3})(?:-(?P<last>[a-z]{3}))?\s+"
    r"(?P<start>\d{2}:\d{2})-(?P<end>\d{2}:\d{2})\s+(?P<zone>\S+)\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SupportHours:
    """Opening days (0 = Monday), a local time window [start, end) and its time zone."""

    days: frozenset[int]
    start_minute: int
    end_minute: int  # up to 24:00
    zone: ZoneInfo

    @classmethod
    def parse(cls, text: str) -> SupportHours:
        """Parse the ``SUPPORT_HOURS`` setting; a bad value is a deployment error (ValueError)."""
        match = _PATTERN.match(text)
        if match is None:
            raise ValueError(
                f"support hours {text!r}: expected like 'Mon-Fri 08:00-18:00 Europe/Brussels'"
            )
        first = _day(match["first"])
        last = _day(match["last"] or match["first"])
        # A range may wrap around the week end ("Sat-Mon").
        span = (last - first) % 7
        days = frozenset((first + offset) % 7 for offset in range(span + 1))
        start, end = _minute(match["start"]), _minute(match["end"])
        if not 0 <= start < end <= 24 * 60:
            raise ValueError(f"support hours {text!r}: the window must be within one day")
        try:
            zone = ZoneInfo(match["zone"])
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"support hours {text!r}: unknown time zone") from exc
        return cls(days=days, start_minute=start, end_minute=end, zone=zone)

    def is_open(self, moment: datetime) -> bool:
        """Whether ``moment`` (timezone-aware) falls inside the support hours."""
        local = moment.astimezone(self.zone)
        minute = local.hour * 60 + local.minute
        return local.weekday() in self.days and self.start_minute <= minute < self.end_minute


def _day(name: str) -> int:
    try:
        return _DAYS.index(name.lower())
    except ValueError as exc:
        raise ValueError(f"unknown day {name!r}") from exc


def _minute(text: str) -> int:
    hours, minutes = (int(part) for part in text.split(":"))
    if text == "24:00":
        return 24 * 60
    parsed = time(hour=hours, minute=minutes)  # raises ValueError on 25:00, 12:61...
    return parsed.hour * 60 + parsed.minute
