"""Two Rasa instances, one conversation, two messages at the same moment: does the lock hold?

Run with the app venv (``make bench-lock``)::

    PYTHONPATH=. .venv-app/bin/python bench/lock_race.py [--store ours|stock|both]
        [--conversations 8] [--pairs 25] [--budget-seconds 240]

For each lock store the script

1. creates a PostgreSQL database of its own on 127.0.0.1:5432 (backend and tracker store
   tables side by side; dropped at the end) and uses a fresh key prefix in Redis database
   ``REDIS_LOCK_DB`` (11) on 127.0.0.1:6379 (keys deleted at the end);
2. starts the production layout on free loopback ports with ``scripts.stack.Stack``: backend
   on PostgreSQL with 2 uvicorn workers, the action server, and TWO Rasa servers with
   ``bot/endpoints.prod.yml`` (PostgreSQL tracker store, Redis lock store). "ours" is that
   file as is (``bot.lock_store.AtomicRedisLockStore``); "stock" is a copy with Rasa's own
   ``type: redis`` (``RedisLockStore``) and nothing else changed;
3. plays ``--conversations`` conversations concurrently; in each, ``--pairs`` times, sends one
   message to instance 1 and one to instance 2 at the same moment and waits for both answers
   before the next pair. Messages need no login (greetings, "what can you do", how-to
   questions in FR/NL/EN); each carries a probe id in the REST channel's message metadata;
4. reads every tracker through Rasa's HTTP API (with the auth token) and counts, per fired
   message: lost (probe not in the tracker), duplicated (extra copies), out of order (a
   message of pair k stored after one of pair k+1), unanswered (no bot utterance between it
   and the next user message — two messages processed at once interleave like that), plus
   HTTP errors (non-200 or timeout) and empty HTTP answers.

Results: ``bench/results/lock_race.json`` and ``lock_race.md``. The test
``tests/scale/test_lock_store_concurrency.py`` runs the same code with fewer pairs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import secrets
import string
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
import psycopg
import redis

from bench.model_cache import cached_model
from scripts.stack import ROOT, Ports, Stack

logger = logging.getLogger("bench.lock_race")

RESULTS = ROOT / "bench" / "results"
STATE = ROOT / "var" / "bench" / "lock_race"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_HOST, REDIS_PORT, REDIS_LOCK_DB = "127.0.0.1", 6379, 11
PROD_ENDPOINTS = ROOT / "bot" / "endpoints.prod.yml"
OUR_LOCK_STORE = "type: bot.lock_store.AtomicRedisLockStore"
TURN_TIMEOUT_SECONDS = 60.0

Store = Literal["ours", "stock"]

# Answered for anyone, logged in or not, in any state of the conversation.
MESSAGES = (
    "hello",
    "bonjour",
    "hallo",
    "what can you do?",
    "qu'est-ce que tu sais faire ?",
    "wat kan je allemaal?",
    "which services can I block?",
    "c'est quoi les frais de résiliation ?",
    "welke tariefplannen zijn er?",
    "good morning",
)


@dataclass
class Sent:
    """One fired message and what the REST channel answered."""

    conversation: str
    pair: int
    instance: int
    probe: str
    status: int | None = None  # None: timeout or connection error
    replies: int = 0


@dataclass
class Report:
    """What the trackers say about the fired messages."""

    store: Store
    lock_store_class: str
    conversations: int
    pairs_fired: int
    messages_fired: int
    lost: int = 0
    duplicated: int = 0
    out_of_order: int = 0
    unanswered: int = 0
    http_errors: int = 0
    empty_http_answers: int = 0
    fire_seconds: float = 0.0
    examples: list[str] = field(default_factory=list)

    @property
    def anomalies(self) -> int:
        return (
            self.lost
            + self.duplicated
            + self.out_of_order
            + self.unanswered
            + self.http_errors
            + self.empty_http_answers
        )


# --------------------------------------------------------------------------- infrastructure


@contextlib.contextmanager
def scratch_database(name: str) -> Iterator[str]:
    """A fresh PostgreSQL database (backend tables and Rasa's `events` table), dropped after."""
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def delete_redis_keys(prefix: str) -> None:
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_LOCK_DB)
    with client:
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)


def endpoints_for(store: Store, directory: Path) -> Path:
    """The production endpoints file, or a copy that differs only by Rasa's stock lock store."""
    if store == "ours":
        return PROD_ENDPOINTS
    text = PROD_ENDPOINTS.read_text()
    assert OUR_LOCK_STORE in text, f"{PROD_ENDPOINTS} no longer names our lock store"
    stock = directory / "endpoints.stock-lock.yml"
    stock.write_text(text.replace(OUR_LOCK_STORE, "type: redis"))
    return stock


def scale_stack(model: Path, store: Store, database: str, prefix: str, state: Path) -> Stack:
    """Backend (PostgreSQL, 2 workers), action server and two Rasa servers, all on loopback."""
    return Stack(
        model=model,
        ports=Ports.free(rasa_instances=2),
        log_dir=state / "log",
        endpoints=endpoints_for(store, state),
        backend_workers=2,
        env={
            "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}",
            "MAIL_BACKEND": "outbox",
            "TRACKER_DB_HOST": "127.0.0.1",
            "TRACKER_DB_PORT": "5432",
            "TRACKER_DB": database,
            "TRACKER_DB_USER": "postgres",
            "TRACKER_DB_PASSWORD": "",
            "REDIS_HOST": REDIS_HOST,
            "REDIS_PORT": str(REDIS_PORT),
            "REDIS_PASSWORD": "",
            "REDIS_LOCK_DB": str(REDIS_LOCK_DB),
            "REDIS_LOCK_PREFIX": prefix,
        },
    )


# --------------------------------------------------------------------------- firing


async def _send(client: httpx.AsyncClient, url: str, message: Sent, text: str) -> None:
    try:
        response = await client.post(
            f"{url}/webhooks/rest/webhook",
            json={"sender": message.conversation, "message": text,
                  "metadata": {"probe": message.probe}},
        )  # fmt: skip
    except httpx.HTTPError as error:
        logger.warning("%s: %s", message.probe, error)
        return
    message.status = response.status_code
    if response.status_code == 200:
        message.replies = len(response.json())


async def _conversation(
    clients: list[httpx.AsyncClient], urls: list[str], sender: str, pairs: int, deadline: float
) -> list[Sent]:
    sent: list[Sent] = []
    for pair in range(pairs):
        if time.monotonic() > deadline:
            break
        batch = [
            Sent(sender, pair, instance, f"{sender}/{pair}/{instance}")
            for instance in range(len(urls))
        ]
        texts = [MESSAGES[(pair * len(urls) + m.instance) % len(MESSAGES)] for m in batch]
        # Both requests leave in the same event-loop turn: as close to "at once" as HTTP gets.
        await asyncio.gather(
            *(
                _send(clients[m.instance], urls[m.instance], m, t)
                for m, t in zip(batch, texts, strict=True)
            )
        )
        sent.extend(batch)
    return sent


async def fire(stack: Stack, run_id: str, conversations: int, pairs: int,
               budget_seconds: float) -> tuple[list[Sent], float]:  # fmt: skip
    """Play the conversations concurrently; returns every fired message and the wall time."""
    urls = [f"http://127.0.0.1:{port}" for port in stack.rasa_ports.values()]
    timeout = httpx.Timeout(TURN_TIMEOUT_SECONDS)
    clients = [httpx.AsyncClient(timeout=timeout) for _ in urls]
    started = time.monotonic()
    try:
        per_conversation = await asyncio.gather(
            *(
                _conversation(clients, urls, f"race-{run_id}-{c}", pairs, started + budget_seconds)
                for c in range(conversations)
            )
        )
    finally:
        for client in clients:
            await client.aclose()
    return [m for batch in per_conversation for m in batch], time.monotonic() - started


# --------------------------------------------------------------------------- audit


def tracker_events(stack: Stack, sender: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{stack.rasa_url}/conversations/{sender}/tracker",
        params={"include_events": "ALL", "token": stack.base_env()["RASA_AUTH_TOKEN"]},
        timeout=60.0,
    )
    response.raise_for_status()
    events: list[dict[str, Any]] = response.json()["events"]
    return events


def audit(store: Store, stack: Stack, sent: list[Sent], seconds: float) -> Report:
    conversations = sorted({m.conversation for m in sent})
    report = Report(
        store=store,
        lock_store_class="AtomicRedisLockStore" if store == "ours" else "rasa RedisLockStore",
        conversations=len(conversations),
        pairs_fired=len({(m.conversation, m.pair) for m in sent}),
        messages_fired=len(sent),
        fire_seconds=round(seconds, 1),
        http_errors=sum(m.status != 200 for m in sent),
        empty_http_answers=sum(m.status == 200 and m.replies == 0 for m in sent),
    )
    for sender in conversations:
        _audit_conversation(report, sender, [m for m in sent if m.conversation == sender],
                            tracker_events(stack, sender))  # fmt: skip
    return report


def _audit_conversation(
    report: Report, sender: str, sent: list[Sent], events: list[dict[str, Any]]
) -> None:
    user_at = [
        (i, (e.get("metadata") or {}).get("probe"))
        for i, e in enumerate(events)
        if e["event"] == "user"
    ]
    stored = [probe for _, probe in user_at]
    counts = Counter(stored)
    for message in sent:
        seen = counts.get(message.probe, 0)
        if seen == 0:
            report.lost += 1
            _example(report, f"{message.probe}: not in the tracker")
        elif seen > 1:
            report.duplicated += seen - 1
            _example(report, f"{message.probe}: stored {seen} times")
    pair_of = {m.probe: m.pair for m in sent}
    latest_pair = -1
    for index, (position, probe) in enumerate(user_at):
        pair = pair_of.get(probe) if probe else None
        if pair is not None:
            if pair < latest_pair:
                report.out_of_order += 1
                _example(report, f"{probe}: stored after a message of pair {latest_pair}")
            latest_pair = max(latest_pair, pair)
        end = user_at[index + 1][0] if index + 1 < len(user_at) else len(events)
        if not any(e["event"] == "bot" for e in events[position + 1 : end]):
            report.unanswered += 1
            _example(report, f"{probe}: no bot utterance before the next user message")


def _example(report: Report, text: str) -> None:
    if len(report.examples) < 10:
        report.examples.append(text)


# --------------------------------------------------------------------------- one run


@contextlib.contextmanager
def running_stack(store: Store, model: Path, state_root: Path = STATE) -> Iterator[Stack]:
    """The two-instance stack for `store` on a scratch database and key prefix, cleaned after."""
    run_id = f"{store}{secrets.token_hex(4)}"
    state = state_root / run_id
    state.mkdir(parents=True, exist_ok=True)
    prefix = f"bmarace{run_id}"
    with scratch_database(f"bma_lock_race_{run_id}") as database:
        stack = scale_stack(model, store, database, prefix, state)
        stack.prepare_database()
        try:
            with stack:
                logger.info("%s: Rasa instances up at %s", store, list(stack.rasa_ports.values()))
                yield stack
        finally:
            delete_redis_keys(prefix)


def race(
    store: Store, stack: Stack, *, conversations: int, pairs: int, budget_seconds: float
) -> Report:
    """Fire the pairs at the running stack and audit the trackers (fresh conversations)."""
    # Letters only: the privacy tracker store masks digit runs that look like personal data.
    run_id = "".join(secrets.choice(string.ascii_lowercase) for _ in range(8))
    sent, seconds = asyncio.run(fire(stack, run_id, conversations, pairs, budget_seconds))
    report = audit(store, stack, sent, seconds)
    logger.info("%s: %s", store, json.dumps(asdict(report)))
    return report


def run_store(
    store: Store, *, model: Path, conversations: int, pairs: int, budget_seconds: float
) -> Report:
    with running_stack(store, model) as stack:
        return race(
            store, stack, conversations=conversations, pairs=pairs, budget_seconds=budget_seconds
        )


# --------------------------------------------------------------------------- results


def _tracker_store_type() -> str:
    """The tracker store type named in the production endpoints file (recorded per run)."""
    section = PROD_ENDPOINTS.read_text().split("tracker_store:", 1)[1]
    return section.split("type:", 1)[1].split()[0]


def write_results(reports: list[Report], args: argparse.Namespace, model: Path) -> None:
    """Append this run to `lock_race.json` (every run is kept) and rewrite `lock_race.md`."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH
        cwd=ROOT, capture_output=True, text=True, check=False,
    ).stdout.strip()  # fmt: skip
    run = {
        "finished": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "commit": commit,
        "model": model.name,
        "tracker_store": _tracker_store_type(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "arguments": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "reports": [asdict(r) | {"anomalies": r.anomalies} for r in reports],
    }
    path = RESULTS / "lock_race.json"
    runs: list[dict[str, Any]] = json.loads(path.read_text())["runs"] if path.exists() else []
    runs.append(run)
    path.write_text(json.dumps({"runs": runs}, indent=2) + "\n")
    (RESULTS / "lock_race.md").write_text(_markdown(runs))


def _markdown(runs: list[dict[str, Any]]) -> str:
    lines = [
        "# Lock race: two Rasa instances, pairs of messages of one conversation at once",
        "",
        "Written by `bench/lock_race.py` (`make bench-lock`), one row per lock store and run, "
        "newest last. Layout: backend on PostgreSQL (2 uvicorn workers), one action server, two "
        "Rasa servers with `bot/endpoints.prod.yml` (PostgreSQL tracker store, Redis lock "
        "store); within a run only the lock store differs. 2 CPUs shared with other jobs "
        "(load average at the end of the run in the last column).",
        "",
        "| run finished | lock store | tracker store | conversations | pairs | messages | lost "
        "| duplicated | out of order | unanswered | HTTP errors | empty answers | seconds "
        "| load |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        for r in run["reports"]:
            lines.append(
                f"| {run['finished']} | {r['lock_store_class']} | {run['tracker_store']} | "
                f"{r['conversations']} | {r['pairs_fired']} | {r['messages_fired']} | "
                f"{r['lost']} | {r['duplicated']} | {r['out_of_order']} | {r['unanswered']} | "
                f"{r['http_errors']} | {r['empty_http_answers']} | {r['fire_seconds']} | "
                f"{run['load_average'][0]} |"
            )
    lines.append("")
    for run in runs:
        for r in run["reports"]:
            if r["examples"]:
                lines += [f"Examples ({r['lock_store_class']}, {run['finished']}):", ""]
                lines += [f"- {e}" for e in r["examples"]] + [""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", choices=("ours", "stock", "both"), default="both")
    parser.add_argument("--conversations", type=int, default=8)
    parser.add_argument("--pairs", type=int, default=25)
    parser.add_argument("--budget-seconds", type=float, default=240.0)
    parser.add_argument("--model", type=Path, help="a trained model (default: scripts/train.sh)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"

    model = args.model or cached_model()
    stores: list[Store] = ["ours", "stock"] if args.store == "both" else [args.store]
    reports = [
        run_store(s, model=model, conversations=args.conversations, pairs=args.pairs,
                  budget_seconds=args.budget_seconds)
        for s in stores
    ]  # fmt: skip
    write_results(reports, args, model)
    for r in reports:
        print(f"{r.lock_store_class}: {r.messages_fired} messages in {r.pairs_fired} pairs, "
              f"lost {r.lost}, duplicated {r.duplicated}, out of order {r.out_of_order}, "
              f"unanswered {r.unanswered}, HTTP errors {r.http_errors}, "
              f"empty answers {r.empty_http_answers}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
