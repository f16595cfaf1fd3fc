"""Start, watch and stop the three processes of the product: backend, action server, Rasa server.

`make demo` runs it as a script; the end-to-end tests import `Stack` to start the same processes
on free ports, so the demo and the tests can't drift apart.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
APP_PYTHON = ROOT / ".venv-app" / "bin" / "python"
# The Rasa server: `rasa` with two of its per-turn costs cached (bot/server.py).
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

# Rasa loads TensorFlow and the model before it listens: on 2 cores that takes a while.
START_TIMEOUT_SECONDS = 180.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Ports:
    """Where each service listens."""

    backend: int = 8000
    actions: int = 5055
    rasa: int = 5005
    # Further Rasa server instances on the same tracker and lock store (scale-out tests).
    more_rasa: tuple[int, ...] = ()

    @classmethod
    def free(cls, rasa_instances: int = 1) -> Ports:
        return cls(
            backend=free_port(),
            actions=free_port(),
            rasa=free_port(),
            more_rasa=tuple(free_port() for _ in range(rasa_instances - 1)),
        )


@dataclass
class Stack:
    """The three services as child processes, with their logs under `log_dir`."""

    model: Path
    ports: Ports = field(default_factory=Ports)
    log_dir: Path = ROOT / "var" / "log"
    env: Mapping[str, str] = field(default_factory=dict)
    # Rasa's endpoints file (tracker, lock store, action server); relative to the repo root.
    endpoints: Path = Path("bot/endpoints.yml")
    # uvicorn worker processes of the backend (production runs several on PostgreSQL).
    backend_workers: int = 1
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def backend_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.backend}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.actions}"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.rasa}"

    @property
    def rasa_ports(self) -> dict[str, int]:
        """Process name → port of every Rasa instance ("rasa", then "rasa-2", ...)."""
        more = {f"rasa-{i}": port for i, port in enumerate(self.ports.more_rasa, start=2)}
        return {"rasa": self.ports.rasa, **more}

    def base_env(self) -> dict[str, str]:
        """Environment shared by every process; explicit values win over the caller's env."""
        # Embedded defaults (SQLite tracker store in var/) unless the environment says otherwise.
        env = {
            "TRACKER_DB_DIALECT": "sqlite",
            "TRACKER_DB_URL": "",
            "TRACKER_DB": str(ROOT / "var" / "tracker.db"),
            "PUBLIC_BASE_URL": self.backend_url,
            "RASA_AUTH_TOKEN": "dev-rasa-auth-token",
            # Live handoff: agents "always" answer in the demo and the e2e tests (default
            # Mon-Fri 08:00-18:00 Europe/Brussels); set SUPPORT_HOURS to try the ticket offer.
            "SUPPORT_HOURS": "Mon-Sun 00:00-24:00 Europe/Brussels",
            # Slack / Teams channels (bot/credentials.yml): placeholders so the demo starts
            # without real apps; requests to the channels fail verification until configured.
            "SLACK_BOT_TOKEN": "xoxb-demo-not-configured",
            "SLACK_SIGNING_SECRET": "demo-slack-signing-secret-not-configured",
            "SLACK_API_BASE_URL": "https://slack.com/api/",
            "BOTFRAMEWORK_APP_ID": "00000000-0000-0000-0000-000000000000",
            "BOTFRAMEWORK_APP_PASSWORD": "demo-not-configured",
            "BOTFRAMEWORK_OPENID_URL": (
                "https://login.botframework.com/v1/.well-known/openidconfiguration"
            ),
            "BOTFRAMEWORK_TOKEN_URL": (
                "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"
            ),
            # Rasa sends it to the action server (bot/endpoints.yml), which refuses calls without.
            "ACTION_SERVER_SECRET": "dev-action-server-secret",
            # Fernet key of the slot values the tracker store encrypts (bot/tracker_store.py).
            "TRACKER_ENCRYPTION_KEY": "ZGV2LXRyYWNrZXItZW5jcnlwdGlvbi1rZXktMzJieXQ=",
            **os.environ,
        }
        env.update(
            {
                "RASA_TELEMETRY_ENABLED": "false",
                "PYTHONPATH": str(ROOT),
                "BACKEND_URL": self.backend_url,
                "ACTION_SERVER_URL": f"{self.actions_url}/webhook",
                "RASA_URL": self.rasa_url,
            }
        )
        env.update(self.env)
        return env

    def commands(self) -> dict[str, list[str]]:
        rasa = {
            name: [
                str(RASA_PYTHON), "-m", "bot.server", "run", "--model", str(self.model),
                "--endpoints", str(self.endpoints), "--credentials", "bot/credentials.yml",
                "--interface", "127.0.0.1", "--port", str(port),
                # The HTTP API (tracker events) is used by the backend's handoff service only.
                "--enable-api", "--auth-token", self.base_env()["RASA_AUTH_TOKEN"],
                # Personal data masked in every log line (bot/pii.py).
                "--logging-config-file", "bot/logging.yml",
            ]
            for name, port in self.rasa_ports.items()
        }  # fmt: skip
        return {
            "backend": [
                str(APP_PYTHON), "-m", "uvicorn", "backend.main:create_app", "--factory",
                "--host", "127.0.0.1", "--port", str(self.ports.backend),
                "--workers", str(self.backend_workers),
                "--log-config", "backend/logging.yml",
            ],
            "actions": [
                str(APP_PYTHON), "-m", "actions.server", "--host", "127.0.0.1",
                "--port", str(self.ports.actions),
            ],
            **rasa,
        }  # fmt: skip

    def health_urls(self) -> dict[str, str]:
        return {
            "backend": f"{self.backend_url}/health",
            "actions": f"{self.actions_url}/health",
            **{name: f"http://127.0.0.1:{port}/" for name, port in self.rasa_ports.items()},
        }

    def prepare_database(self) -> None:
        """Migrate and seed the backend database (both steps are idempotent)."""
        for module in ("backend.migrate", "backend.seed"):
            subprocess.run(  # noqa: S603 - fixed argv, no shell
                [str(APP_PYTHON), "-m", module], cwd=ROOT, env=self.base_env(), check=True
            )

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = self.base_env()
        for name, argv in self.commands().items():
            log = (self.log_dir / f"{name}.log").open("ab")
            # A session of its own per child, so stopping kills the whole group (uvicorn, sanic
            # and rasa all fork helpers) and a Ctrl-C in the terminal reaches only us.
            self.processes[name] = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self.wait_healthy()

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        pending = dict(self.health_urls())
        with httpx.Client(timeout=2.0) as client:
            while pending:
                for name, url in list(pending.items()):
                    process = self.processes[name]
                    if process.poll() is not None:
                        log = self.log_dir / f"{name}.log"
                        raise RuntimeError(f"{name} exited with {process.returncode}; see {log}")
                    with contextlib.suppress(httpx.HTTPError):
                        if client.get(url).status_code == 200:
                            logger.info("%s is up at %s", name, url)
                            del pending[name]
                if pending and time.monotonic() > deadline:
                    raise TimeoutError(
                        f"not healthy after {START_TIMEOUT_SECONDS}s: {sorted(pending)}"
                    )
                time.sleep(0.5)

    def stop(self) -> None:
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()

    def __enter__(self) -> Stack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


DEMO_LOGINS = (
    ("Acme Logistics fleet manager", "+32470000001", "acme-fleet-demo"),
    ("Acme Logistics end user", "+32470000002", "acme-user-demo"),
    ("Brugge Bouw fleet manager", "+32470000051", "brugge-fleet-demo"),
    ("Helpdesk agent", "+32470000099", "agent-demo"),
)


@contextlib.contextmanager
def _interrupts_as_exit() -> Iterator[None]:
    """Turn SIGTERM and SIGINT into KeyboardInterrupt so `kill` stops the demo like Ctrl-C does.

    SIGINT is set explicitly because a shell that starts us in the background makes us inherit
    it as ignored.
    """

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, required=True, help="trained Rasa model (.tar.gz)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)

    ports = Ports(
        backend=int(os.environ.get("BACKEND_PORT", "8000")),
        actions=int(os.environ.get("ACTIONS_PORT", "5055")),
        rasa=int(os.environ.get("RASA_PORT", "5005")),
    )
    stack = Stack(model=args.model, ports=ports)
    stack.prepare_database()
    with _interrupts_as_exit():
        try:
            with stack:
                print_welcome(stack)
                while all(p.poll() is None for p in stack.processes.values()):
                    time.sleep(1)
                logger.error("a service stopped; see %s", stack.log_dir)
                return 1
        except KeyboardInterrupt:
            logger.info("stopped")
    return 0


def print_welcome(stack: Stack) -> None:
    lines = [
        "",
        "Business Mobile Assistant is running:",
        f"  portal + web chat  {stack.backend_url}/portal",
        f"  agent console      {stack.backend_url}/agent   (helpdesk agent login)",
        f"  backend API docs   {stack.backend_url}/docs",
        f"  chat (REST)        POST {stack.rasa_url}/webhooks/rest/webhook",
        f"  Slack / Teams      {stack.rasa_url}/webhooks/slack/webhook, "
        "/webhooks/botframework/webhook (README: Slack and Microsoft Teams)",
        "  chat (terminal)    make chat   (in another terminal)",
        f"  action server      {stack.actions_url}/health",
        f"  e-mail outbox      {stack.backend_url}/api/v1/dev/outbox   (agent, or the addressee)",
        "Demo logins (GSM / password):",
        *(f"  {who:<30} {gsm}  {password}" for who, gsm, password in DEMO_LOGINS),
        f"Logs in {stack.log_dir}. Ctrl-C stops everything.",
    ]
    logger.info("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
