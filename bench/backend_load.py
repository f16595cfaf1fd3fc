"""Open-loop load on the backend alone, on PostgreSQL, over its read endpoints.

Run with the app venv (``make bench-backend``)::

    PYTHONPATH=. .venv-app/bin/python bench/backend_load.py --rate 50 --duration 20

The script

1. creates a throw-away database ``bench_<pid>`` on the PostgreSQL server of the backend tests
   (``--admin-url``, default ``postgresql://postgres@127.0.0.1:5432/test``), migrates and seeds
   it (``Stack.prepare_database``), and drops it at the end;
2. starts the backend alone with ``uvicorn --workers 2`` on a free loopback port (``Stack``
   restricted to the backend);
3. logs in the Acme fleet manager, the Acme end user and the Brugge fleet manager (Bearer
   tokens) and reads which lines each may see;
4. sends requests at a fixed rate (open loop: request i is due at ``i / rate`` seconds whether
   or not earlier ones have answered) for ``--duration`` seconds, round-robin over
   ``/me``, ``/lines``, ``/lines/{id}``, ``/lines/{id}/consumption`` and ``/consumption``;
   latency is measured from the moment the request was due, so client-side lag counts
   against the server rather than hiding it (no coordinated omission).

Results: ``bench/results/backend_load.json`` and ``backend_load.md`` (p50/p95/p99 and errors
per endpoint, peak RSS of the backend's process group).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg import sql

from bench.load import RssSampler, latency_summary, machine_info, markdown_table
from scripts.stack import DEMO_LOGINS, Ports, Stack

logger = logging.getLogger("bench.backend_load")

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
REQUEST_TIMEOUT_SECONDS = 10.0
MAX_IN_FLIGHT = 500  # beyond this the server is hopelessly behind: count the request as an error
SEED = 11
ENDPOINTS = (
    "/me",
    "/lines",
    "/lines/{id}",
    "/lines/{id}/consumption",
    "/consumption",
)


@dataclass
class BackendOnly(Stack):
    """The backend process of `Stack`, alone, with several uvicorn workers."""

    workers: int = 2

    def commands(self) -> dict[str, list[str]]:
        return {"backend": [*super().commands()["backend"], "--workers", str(self.workers)]}

    def health_urls(self) -> dict[str, str]:
        return {"backend": super().health_urls()["backend"]}


@contextlib.contextmanager
def scratch_database(admin_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database for this run (SQLAlchemy URL), dropped afterwards."""
    name = f"bench_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    server = admin_url.split("://", 1)[1].rsplit("/", 1)[0]
    try:
        yield f"postgresql+psycopg://{server}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        logger.info("dropped database %s", name)


@dataclass(frozen=True)
class Request:
    endpoint: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]


def seeded_months(today: dt.date) -> list[str]:
    """YYYY-MM of the current month and the two before it (what the seed holds)."""
    months = []
    for back in range(3):
        index = today.year * 12 + today.month - 1 - back
        months.append(f"{index // 12:04d}-{index % 12 + 1:02d}")
    return months


def request_plan(client: httpx.Client, count: int) -> list[Request]:
    """`count` requests, endpoints in rotation, principals and lines varied (seeded)."""
    rng = random.Random(SEED)  # noqa: S311 - reproducible test data, not crypto
    months = seeded_months(dt.date.today())
    principals = []
    for who, gsm, password in DEMO_LOGINS:
        if "Helpdesk" in who:  # agents may not read lines
            continue
        login = client.post("/api/v1/auth/login", json={"gsm": gsm, "password": password})
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        me = client.get("/api/v1/me", headers=headers).json()
        lines = client.get("/api/v1/lines", headers=headers).json()
        # Lines with consumption data (a line pending activation has none).
        active = [line["id"] for line in lines if line["status"] != "pending_activation"]
        principals.append((headers, me["active_role"] == "fleet_manager", active))
    managers = [principal for principal in principals if principal[1]]
    plan = []
    for i in range(count):
        endpoint = ENDPOINTS[i % len(ENDPOINTS)]
        headers, _, lines = rng.choice(managers if endpoint == "/consumption" else principals)
        line = str(rng.choice(lines))
        params: dict[str, str] = {}
        if endpoint.endswith("consumption"):
            params["month"] = rng.choice(months)
        if endpoint == "/consumption":
            params["top"] = "5"
        plan.append(Request(endpoint, endpoint.replace("{id}", line), params, headers))
    return plan


@dataclass
class Outcome:
    endpoint: str
    latency_ms: float
    status: int | None
    lag_ms: float


async def open_loop(base_url: str, plan: list[Request], rate: float) -> tuple[list[Outcome], float]:
    """Fire the plan at `rate` requests/s regardless of answers; (outcomes, wall seconds)."""
    outcomes: list[Outcome] = []
    in_flight = 0
    limits = httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=100)

    async def fire(client: httpx.AsyncClient, request: Request, due: float) -> None:
        nonlocal in_flight
        lag_ms = (time.perf_counter() - due) * 1000.0
        if in_flight >= MAX_IN_FLIGHT:
            outcomes.append(Outcome(request.endpoint, 0.0, None, lag_ms))
            return
        in_flight += 1
        status: int | None = None
        try:
            response = await client.get(
                f"/api/v1{request.path}", params=request.params, headers=request.headers
            )
            status = response.status_code
        except httpx.HTTPError as error:
            logger.debug("request failed: %r", error)
        finally:
            in_flight -= 1
        latency_ms = (time.perf_counter() - due) * 1000.0
        outcomes.append(Outcome(request.endpoint, latency_ms, status, lag_ms))

    async with httpx.AsyncClient(
        base_url=base_url, timeout=REQUEST_TIMEOUT_SECONDS, limits=limits
    ) as client:
        start = time.perf_counter()
        tasks = []
        for i, request in enumerate(plan):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(fire(client, request, due)))
        await asyncio.gather(*tasks)
        wall_s = time.perf_counter() - start
    return outcomes, wall_s


def summarize(outcomes: list[Outcome]) -> dict[str, Any]:
    by_endpoint: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_endpoint[outcome.endpoint].append(outcome)
    by_endpoint["all"] = outcomes

    def one(items: list[Outcome]) -> dict[str, Any]:
        ok = [item.latency_ms for item in items if item.status == 200]
        return {
            "requests": len(items),
            "errors": len(items) - len(ok),
            "error_statuses": sorted({str(item.status) for item in items if item.status != 200}),
            **latency_summary(ok),
        }

    return {endpoint: one(by_endpoint[endpoint]) for endpoint in [*ENDPOINTS, "all"]}


def write_markdown(report: dict[str, Any], path: Path) -> None:
    cfg, machine = report["config"], report["machine"]
    rows = (
        [
            f"`{endpoint}`", stats["requests"], stats["errors"], stats["p50_ms"],
            stats["p95_ms"], stats["p99_ms"], stats["max_ms"],
        ]
        for endpoint, stats in report["endpoints"].items()
    )  # fmt: skip
    lines = [
        "# Backend alone on PostgreSQL: open-loop read load",
        "",
        f"Generated by `bench/backend_load.py` on {machine['utc']} — {machine['cpu_count']} CPUs "
        f"shared with other jobs (load average before/after {machine['loadavg']} / "
        f"{report['loadavg_after']}). PostgreSQL {report['postgres_version']} (fresh database, "
        f"migrated + seeded), uvicorn with {cfg['workers']} workers; the load generator runs "
        f"on the same machine. Open loop: {cfg['rate']} requests/s for {cfg['duration_s']} s "
        f"(achieved {report['achieved_rps']} requests/s, wall {report['wall_s']} s), endpoints "
        "in rotation, Bearer tokens of the Acme/Brugge fleet managers and the Acme end user. "
        "Latency is counted from when each request was due (max client lag "
        f"{report['max_lag_ms']} ms). Errors = non-200, timeout ({REQUEST_TIMEOUT_SECONDS:.0f} s) "
        f"or more than {MAX_IN_FLIGHT} requests in flight. Peak backend RSS (both workers and "
        f"the supervisor): {report['rss_peak_mib'].get('backend')} MiB.",
        "",
        *markdown_table(
            ["endpoint", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms"], rows
        ),
        "",
    ]
    path.write_text("\n".join(lines))


async def measure(
    stack: Stack, args: argparse.Namespace
) -> tuple[list[Outcome], float, dict[str, float]]:
    count = int(args.rate * args.duration)
    with httpx.Client(base_url=stack.backend_url, timeout=REQUEST_TIMEOUT_SECONDS) as client:
        plan = await asyncio.to_thread(request_plan, client, count)
    # Warm-up (not measured): every endpoint a few times, connections opened in both workers.
    await open_loop(stack.backend_url, plan[: len(ENDPOINTS) * 4], rate=args.rate)
    sampler = RssSampler({"backend": stack.processes["backend"].pid})
    sampler.start()
    outcomes, wall_s = await open_loop(stack.backend_url, plan, rate=args.rate)
    rss = await sampler.stop()
    return outcomes, wall_s, rss


def run(args: argparse.Namespace) -> dict[str, Any]:
    machine = machine_info()
    with psycopg.connect(args.admin_url, connect_timeout=5) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        version = row[0].split()[0] if row else "?"
    with scratch_database(args.admin_url) as url, tempfile.TemporaryDirectory() as tmp:
        stack = BackendOnly(
            model=Path("unused-by-the-backend"),
            ports=Ports.free(),
            log_dir=Path(tmp) / "log",
            env={"DATABASE_URL": url, "MAIL_BACKEND": "outbox"},
            workers=args.workers,
        )
        logger.info("migrating + seeding %s", url)
        stack.prepare_database()
        with stack:
            outcomes, wall_s, rss = asyncio.run(measure(stack, args))
    return {
        "config": {"rate": args.rate, "duration_s": args.duration, "workers": args.workers},
        "machine": machine,
        "loadavg_after": [round(value, 2) for value in os.getloadavg()],
        "postgres_version": version,
        "wall_s": round(wall_s, 2),
        "achieved_rps": round(len(outcomes) / wall_s, 1),
        "max_lag_ms": round(max((outcome.lag_ms for outcome in outcomes), default=0.0), 1),
        "rss_peak_mib": rss,
        "endpoints": summarize(outcomes),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50.0, help="requests per second")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers")
    parser.add_argument("--admin-url", default=ADMIN_URL, help="PostgreSQL to create the DB on")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results directory")
    args = parser.parse_args(argv)
    if not (0 < args.rate <= 1000 and 0 < args.duration <= 300):
        parser.error("bounded benchmark: rate ≤ 1000/s, duration ≤ 300 s")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    report = run(args)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "backend_load.json").write_text(json.dumps(report, indent=2) + "\n")
    write_markdown(report, args.out / "backend_load.md")
    print((args.out / "backend_load.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
