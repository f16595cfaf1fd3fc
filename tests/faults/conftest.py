"""The real three services with the fault-injecting proxy between action server and backend.

The action server's ``BACKEND_URL`` is the proxy (``tests/fakes/faulty_backend.py``); the tests
log in and check the backend's state on the real backend directly, bypassing the proxy. A second
proxy of the same kind sits between the backend's web chat gateway and Rasa (``RASA_URL``). Every
measured answer time is collected and written to ``bench/results/faults.md`` at the end.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from scripts.stack import ROOT, Ports, Stack
from tests.e2e.conftest import Chat, model, open_chat  # noqa: F401 - `model` is a fixture
from tests.fakes.faulty_backend import FaultyBackend
from tests.stack_fixtures import fresh_stack

# `make test-faults` sets it to bench/results/faults.md: a partial run only prints its table.
RESULTS_ENV = "FAULTS_RESULTS"
# The user must hear back within this, whatever the fault (issue #6).
ANSWER_LIMIT_SECONDS = 8.0
# What the action server may spend waiting for the backend per user message.
BACKEND_BUDGET_SECONDS = 5.0


@dataclass(frozen=True)
class Measure:
    """One faulted turn: what was injected, where, in which language, and what came back."""

    scenario: str
    fault: str
    language: str
    seconds: float
    outcome: str


_MEASURES: list[Measure] = []


def record(scenario: str, fault: str, language: str, seconds: float, outcome: str) -> None:
    _MEASURES.append(Measure(scenario, fault, language, seconds, outcome))


def timed_say(chat: Chat, message: str) -> tuple[str, float]:
    """The bot's answer and how long it took, from the user's side."""
    started = time.monotonic()
    answer = chat.say(message)
    return answer, time.monotonic() - started


# The responses of the domain the running model was trained with (set when the stack starts).
_RESPONSES: dict[str, list[dict[str, Any]]] = {}


def load_model_responses(model_path: Path) -> None:
    """Read the responses from the model's own copy of the domain, as the bot renders them."""
    with tarfile.open(model_path) as archive:
        member = next(
            m for m in archive.getmembers() if m.name.endswith("domain_provider/domain.yml")
        )
        extracted = archive.extractfile(member)
        assert extracted is not None
        _RESPONSES.update(yaml.safe_load(extracted.read())["responses"])


def response_text(name: str, language: str) -> str:
    """The ``language`` variant of a response of the running model's domain."""
    for variant in _RESPONSES[name]:
        conditions = variant.get("condition") or []
        if any(c.get("name") == "language" and c.get("value") == language for c in conditions):
            return str(variant["text"])
    raise KeyError(f"{name} has no {language} variant")


@pytest.fixture(scope="session")
def faulty_stack(
    model: Path,  # noqa: F811 - the fixture imported above
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Stack, FaultyBackend, FaultyBackend]]:
    """Backend, action server and Rasa server on a fresh SQLite state; the action server talks
    to the backend through one proxy, the backend's gateway to Rasa through another."""
    state = tmp_path_factory.mktemp("faults")
    ports = Ports.free()
    proxy = FaultyBackend(f"http://127.0.0.1:{ports.backend}")
    rasa_proxy = FaultyBackend(f"http://127.0.0.1:{ports.rasa}")
    services = fresh_stack(
        model,
        state,
        {
            "BACKEND_URL": proxy.url,
            "BACKEND_TIMEOUT_SECONDS": str(BACKEND_BUDGET_SECONDS),
            "RASA_URL": rasa_proxy.url,
        },
        ports=ports,
    )
    load_model_responses(model)
    with proxy, rasa_proxy, services:
        yield services, proxy, rasa_proxy


FaultyStack = tuple[Stack, FaultyBackend, FaultyBackend]


@pytest.fixture
def stack(faulty_stack: FaultyStack) -> Stack:
    return faulty_stack[0]


def _cleared(faulty: FaultyBackend) -> Iterator[FaultyBackend]:
    faulty.clear()
    yield faulty
    faulty.clear()


@pytest.fixture
def proxy(faulty_stack: FaultyStack) -> Iterator[FaultyBackend]:
    """The proxy before the backend, forwarding everything again after each test."""
    yield from _cleared(faulty_stack[1])


@pytest.fixture
def rasa_proxy(faulty_stack: FaultyStack) -> Iterator[FaultyBackend]:
    """The proxy before Rasa (the web chat gateway's), forwarding everything after each test."""
    yield from _cleared(faulty_stack[2])


@pytest.fixture
def acme_fleet_manager(stack: Stack) -> Chat:
    return open_chat(stack, "0470 00 00 01", "acme-fleet-demo")


def stop_service(stack: Stack, name: str) -> None:
    """Stop one of the stack's processes (its whole process group), as a crash would."""
    process = stack.processes[name]
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=15)


def start_service(stack: Stack, name: str) -> None:
    """Start a stopped process of the stack again, with the same command and environment."""
    log = (stack.log_dir / f"{name}.log").open("ab")
    stack.processes[name] = subprocess.Popen(
        stack.commands()[name],
        cwd=ROOT,
        env=stack.base_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    stack.wait_healthy()


def backend_get(stack: Stack, chat: Chat, path: str, **params: str) -> httpx.Response:
    """A portal API read on the real backend (not through the proxy)."""
    return httpx.get(
        f"{stack.backend_url}/api/v1{path}", params=params, headers=chat.auth, timeout=10.0
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the measured turns, and write them to ``$FAULTS_RESULTS`` when it is set."""
    if not _MEASURES:
        return
    worst = max(m.seconds for m in _MEASURES)
    table = [
        "| scenario | fault | language | answer after s | outcome |",
        "|---|---|---|---|---|",
        *(
            f"| {m.scenario} | {m.fault} | {m.language} | {m.seconds:.2f} | {m.outcome} |"
            for m in _MEASURES
        ),
    ]
    lines = [
        "# Faults: measured answer times",
        "",
        "Written by `make test-faults` (`tests/faults/`): the real backend, action server and",
        "Rasa server, with `tests/fakes/faulty_backend.py` between the action server and the",
        f"backend (client budget {BACKEND_BUDGET_SECONDS:g} s per user message), or the action",
        f"server stopped. Limit: {ANSWER_LIMIT_SECONDS:g} s. {len(_MEASURES)} measured rows, "
        f"slowest {worst:.2f} s. Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on a",
        "shared 2-core machine. Rows without a language are HTTP-level checks on the backend",
        "(time of all the requests of the check).",
        "",
        *table,
        "",
    ]
    results = os.environ.get(RESULTS_ENV)
    if results:
        (ROOT / results).write_text("\n".join(lines), encoding="utf-8")
    terminalreporter.write_sep("-", f"faults: measured turns (written to {results or 'nowhere'})")
    for row in table:
        terminalreporter.write_line(row)
