"""Statuses that move forward one step at a time, with the moment of every step.

Orders (received → processing → shipped → delivered) and repairs (requested → picked_up →
in_repair → ready → returned) are moved by the operator's stand-ins for a warehouse and a
workshop (``backend.shop.fulfilment``, ``backend.repairs.workshop``). Each step is recorded as
``{"status", "at"}`` so the history and "since when" can be shown. Both stand-ins share the
steps, the time-based demo run and the command line here; their modules keep the domain parts.
"""

from __future__ import annotations

import argparse
import enum
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from backend.core.db import get_sessionmaker
from backend.core.errors import AppError
from backend.core.models import utcnow
from backend.core.settings import get_settings

S = TypeVar("S", bound=enum.Enum)
T = TypeVar("T")


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


class Stepped(Protocol[S]):
    """A row moved along a flow: orders and repairs."""

    number: str | None
    status: S
    status_history: Any
    created_at: datetime


M = TypeVar("M", bound=Stepped[Any])


def _no_step_hook(row: Any, status: Any) -> None:
    """Most flows record only the status."""


@dataclass(frozen=True)
class StatusFlow(Generic[M, S]):
    """One model's flow and how its operator stand-in moves a row along it.

    ``finished`` is raised when the row already has the last status, ``not_found`` when no row has
    the number; ``on_step`` sets what a step brings besides the status (a parcel's tracking
    number); ``logger`` is the domain module's, so the log lines keep their origin.
    """

    model: type[M]
    status_column: InstrumentedAttribute[S]
    number_column: InstrumentedAttribute[str | None]
    id_column: InstrumentedAttribute[int]
    flow: tuple[S, ...]
    finished: type[AppError]
    not_found: type[AppError]
    logger: logging.Logger
    on_step: Callable[[M, S], None] = _no_step_hook

    def steps(self, row: M) -> list[dict[str, Any]]:
        return history(row.status_history, first=self.flow[0], created_at=row.created_at)

    def advance(self, session: Session, row: M, *, now: datetime) -> M:
        """Move ``row`` one step forward; the caller commits."""
        following = next_status(self.flow, row.status)
        if following is None:
            raise self.finished
        steps = self.steps(row)
        row.status = following
        row.status_history = [*steps, {"status": following.value, "at": now.isoformat()}]
        self.on_step(row, following)
        session.flush()
        self.logger.info("%s %s is now %s", self.model.__name__, row.number, following.value)
        return row

    def advance_due(self, session: Session, *, now: datetime, older_than: timedelta) -> list[M]:
        """The demo's passing time: every row not at the last status whose status is older."""
        moved = []
        pending = session.scalars(
            select(self.model).where(self.status_column != self.flow[-1]).order_by(self.id_column)
        )
        for row in pending:
            if now - last_change(self.steps(row)) >= older_than:
                moved.append(self.advance(session, row, now=now))
        return moved

    def by_number(self, session: Session, number: str) -> M:
        """Any company's row (the operator's side)."""
        wanted = self.number_column == number.strip().upper()
        row: M | None = session.scalar(select(self.model).where(wanted))
        if row is None:
            raise self.not_found
        return row


def run_cli(
    argv: list[str] | None,
    *,
    description: str,
    noun: str,
    example: str,
    advance_number: Callable[[Session, str, datetime], T],
    advance_due: Callable[[Session, datetime, timedelta], list[T]],
    describe: Callable[[T], str],
) -> int:
    """The stand-ins' command line: ``advance NUMBER`` or ``due --older-than-minutes [--loop]``."""
    parser = argparse.ArgumentParser(description=description)
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("advance", help=f"move one {noun} one step")
    one.add_argument("number", help=f"{noun} number, e.g. {example}")
    due = commands.add_parser("due", help=f"move every {noun} whose status is older than a delay")
    due.add_argument("--older-than-minutes", type=float, default=2.0)
    due.add_argument("--loop", type=float, default=0.0, help="repeat every N seconds")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    make_session = get_sessionmaker(get_settings().database_url)
    while True:
        with make_session() as session:
            try:
                if args.command == "advance":
                    moved = [advance_number(session, args.number, utcnow())]
                else:
                    older_than = timedelta(minutes=args.older_than_minutes)
                    moved = advance_due(session, utcnow(), older_than)
            except AppError as exc:
                print(f"error: {exc.message}")
                return 2
            session.commit()
            for row in moved:
                print(describe(row))
        if args.command == "advance" or args.loop <= 0:
            return 0
        time.sleep(args.loop)
