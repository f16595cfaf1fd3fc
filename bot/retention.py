"""Retention and erasure in Rasa's tracker store: ``python -m bot.retention`` (Rasa venv).

Two jobs on the tracker store that ``bot/endpoints.yml`` configures (same dialect/url/db env):

- retention: conversations idle for more than ``--days`` (``CONVERSATION_RETENTION_DAYS``,
  default 90) lose every event; in conversations still in use, the events of earlier sessions
  older than that go;
- erasure: the backend's pending erase-my-data requests (``GET
  /api/v1/privacy/erasure-requests/pending`` with the service key) name sender ids whose events
  are deleted; a request is marked complete once a run finds nothing left of it.

Why outside the turn: Rasa's SQL store saves a turn by counting the session's stored events and
appending the rest. Rows deleted while a turn of that conversation runs would come back at its
end, all of them. So a conversation's rows are deleted only under its lock from a lock store
shared with the Rasa servers (Redis in production), or, with Rasa's per-process in-memory lock
store, only when nothing was saved for ``--quiet-seconds`` (longer than a turn lasts); a request
completes on a later run that finds no rows, so rows a racing turn wrote back are caught too.

    python -m bot.retention [--days N] [--no-erasures] [--every SECONDS]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import requests
import sqlalchemy as sa
import yaml
from rasa.core.lock_store import InMemoryLockStore, LockStore
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

DEFAULT_RETENTION_DAYS = 90
DEFAULT_QUIET_SECONDS = 300.0
_EVENTS: sa.Table = SQLTrackerStore.SQLEvent.__table__
_SESSION_STARTED = SessionStarted.type_name
_VARIABLE = re.compile(r"\$\{([^}]+)\}")


def _expand(value: Any) -> Any:
    """``${VAR}`` replaced from the environment, as Rasa does (an unset variable is an error)."""
    if isinstance(value, str):

        def variable(match: re.Match[str]) -> str:
            if match.group(1) not in os.environ:
                raise SystemExit(f"{match.group(1)} is not set (used in the endpoints file)")
            return os.environ[match.group(1)]

        return _VARIABLE.sub(variable, value)
    if isinstance(value, dict):
        return {key: _expand(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_expand(item) for item in value]
    return value


def endpoint(endpoints_file: str, section: str) -> EndpointConfig | None:
    """One section of the endpoints file; only its own variables need to be set."""
    with open(endpoints_file, encoding="utf-8") as file:
        config = (yaml.safe_load(file) or {}).get(section)
    return EndpointConfig.from_dict(_expand(config)) if config else None


def tracker_engine(endpoints_file: str) -> sa.engine.Engine:
    """An engine on the tracker store database of ``endpoints_file``."""
    config = endpoint(endpoints_file, "tracker_store")
    if config is None:
        raise SystemExit(f"{endpoints_file} configures no tracker store")
    kwargs: dict[str, Any] = config.kwargs
    url = SQLTrackerStore.get_db_url(
        dialect=kwargs.get("dialect", "sqlite"),
        host=config.url or None,
        port=kwargs.get("port"),
        db=kwargs.get("db", "rasa.db"),
        username=kwargs.get("username"),
        password=kwargs.get("password"),
        query=kwargs.get("query"),
    )
    return sa.create_engine(url)


def shared_lock_store(endpoints_file: str) -> LockStore | None:
    """The Rasa servers' lock store if other processes can see it (not the in-memory one)."""
    store = LockStore.create(endpoint(endpoints_file, "lock_store"))
    return None if isinstance(store, InMemoryLockStore) else store


# -- retention --


@dataclass(frozen=True)
class RetentionResult:
    """Events deleted: whole idle conversations, and earlier sessions of active ones."""

    conversations: int
    idle_events: int
    old_session_events: int


def apply_retention(engine: sa.engine.Engine, *, days: int, now: float) -> RetentionResult:
    """Delete what is older than ``days`` days (Rasa timestamps are epoch seconds)."""
    cutoff = now - days * 86400
    sender, timestamp = _EVENTS.c.sender_id, _EVENTS.c.timestamp
    with engine.begin() as connection:
        idle = [
            row[0]
            for row in connection.execute(
                sa.select(sender).group_by(sender).having(sa.func.max(timestamp) < cutoff)
            )
        ]
        idle_events = 0
        for chunk in _chunks(idle, 500):
            idle_events += connection.execute(_EVENTS.delete().where(sender.in_(chunk))).rowcount
        # Earlier sessions only: the current one is what the next save counts its rows against.
        old_session_events = 0
        with_old = connection.execute(
            sa.select(sender).group_by(sender).having(sa.func.min(timestamp) < cutoff)
        )
        for (sender_id,) in list(with_old):
            latest_start = connection.execute(
                sa.select(sa.func.max(timestamp)).where(
                    sender == sender_id, _EVENTS.c.type_name == _SESSION_STARTED
                )
            ).scalar()
            if latest_start is None:
                continue
            bound = min(cutoff, float(latest_start))
            old_session_events += connection.execute(
                _EVENTS.delete().where(sender == sender_id, timestamp < bound)
            ).rowcount
    return RetentionResult(len(idle), idle_events, old_session_events)


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# -- erasure --


@dataclass
class Backend:
    """The backend's privacy queue, with the service key (the action server's)."""

    url: str
    service_key: str
    timeout: float = 10.0

    def pending(self) -> list[dict[str, Any]]:
        response = requests.get(
            f"{self.url}/api/v1/privacy/erasure-requests/pending",
            headers={"X-Service-Key": self.service_key},
            timeout=self.timeout,
        )
        response.raise_for_status()
        pending: list[dict[str, Any]] = response.json()
        return pending

    def complete(self, request_id: int) -> None:
        response = requests.post(
            f"{self.url}/api/v1/privacy/erasure-requests/{request_id}/complete",
            headers={"X-Service-Key": self.service_key},
            timeout=self.timeout,
        )
        response.raise_for_status()


@dataclass
class ErasureResult:
    """Events deleted, requests completed, and requests left for a later run."""

    events: int = 0
    completed: int = 0
    waiting: int = 0


def _erase_if_quiet(
    engine: sa.engine.Engine, sender_id: str, *, quiet_since: float | None
) -> int | None:
    """Delete the sender's events; ``None`` if it was saved to after ``quiet_since``."""
    rows = _EVENTS.delete().where(_EVENTS.c.sender_id == sender_id)
    if quiet_since is not None:
        # One statement: no turn can be saved between the check and the delete.
        recent = sa.select(_EVENTS.c.id).where(
            _EVENTS.c.sender_id == sender_id, _EVENTS.c.timestamp > quiet_since
        )
        rows = rows.where(~sa.exists(recent))
    with engine.begin() as connection:
        deleted = int(connection.execute(rows).rowcount)
        if deleted == 0 and quiet_since is not None:
            busy = connection.execute(
                sa.select(sa.func.count()).where(_EVENTS.c.sender_id == sender_id)
            ).scalar()
            return None if busy else 0
    return deleted


async def _erase_sender(
    engine: sa.engine.Engine,
    sender_id: str,
    *,
    lock_store: LockStore | None,
    quiet_since: float,
) -> int | None:
    if lock_store is None:
        return _erase_if_quiet(engine, sender_id, quiet_since=quiet_since)
    # Under the conversation's lock no turn of it runs (the Rasa servers take the same lock).
    async with lock_store.lock(sender_id, wait_time_in_seconds=0.2):
        return _erase_if_quiet(engine, sender_id, quiet_since=None)


async def process_erasures(
    engine: sa.engine.Engine,
    backend: Backend,
    *,
    lock_store: LockStore | None,
    quiet_seconds: float,
    now: float,
) -> ErasureResult:
    """Delete the events of every pending request's conversations; complete finished ones."""
    result = ErasureResult()
    for request in backend.pending():
        deleted_now, busy = 0, False
        for sender in request["senders"]:
            deleted = await _erase_sender(
                engine,
                sender["sender_id"],
                lock_store=lock_store,
                quiet_since=now - quiet_seconds,
            )
            if deleted is None:
                busy = True
            else:
                deleted_now += deleted
        result.events += deleted_now
        if busy or deleted_now:
            # Next run checks that nothing came back (a turn racing the delete rewrites rows).
            result.waiting += 1
        else:
            backend.complete(int(request["id"]))
            result.completed += 1
    return result


# -- command line --


def _run_once(args: argparse.Namespace, engine: sa.engine.Engine) -> None:
    if not sa.inspect(engine).has_table(_EVENTS.name):
        logger.info("The tracker store has no events table yet: nothing to do")
        return
    now = time.time()
    retention = apply_retention(engine, days=args.days, now=now)
    logger.info(
        "Retention %d days: %d idle conversations (%d events), %d events of earlier sessions",
        args.days,
        retention.conversations,
        retention.idle_events,
        retention.old_session_events,
    )
    if not args.erasures:
        return
    backend = Backend(url=args.backend_url.rstrip("/"), service_key=args.service_key)
    erasure = asyncio.run(
        process_erasures(
            engine,
            backend,
            lock_store=shared_lock_store(args.endpoints),
            quiet_seconds=args.quiet_seconds,
            now=now,
        )
    )
    logger.info(
        "Erasure: %d events deleted, %d requests completed, %d for a later run",
        erasure.events,
        erasure.completed,
        erasure.waiting,
    )


def main(argv: list[str] | None = None) -> int:
    env = os.environ
    parser = argparse.ArgumentParser(description="Tracker store retention and erasure.")
    parser.add_argument("--endpoints", default="bot/endpoints.yml")
    parser.add_argument(
        "--days",
        type=int,
        default=int(env.get("CONVERSATION_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)),
    )
    parser.add_argument("--no-erasures", dest="erasures", action="store_false")
    parser.add_argument("--backend-url", default=env.get("BACKEND_URL", "http://127.0.0.1:8000"))
    parser.add_argument(
        "--service-key", default=env.get("ACTION_SERVICE_KEY", "dev-action-service-key")
    )
    parser.add_argument(
        "--quiet-seconds",
        type=float,
        default=float(env.get("ERASURE_QUIET_SECONDS", DEFAULT_QUIET_SECONDS)),
        help="without a shared lock store: erase a conversation idle for this long",
    )
    parser.add_argument("--every", type=float, default=0.0, help="repeat every N seconds")
    args = parser.parse_args(argv)
    if args.days < 1:
        parser.error("--days must be at least 1")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s - %(message)s")
    engine = tracker_engine(args.endpoints)
    while True:
        _run_once(args, engine)
        if args.every <= 0:
            return 0
        time.sleep(args.every)


if __name__ == "__main__":
    raise SystemExit(main())
