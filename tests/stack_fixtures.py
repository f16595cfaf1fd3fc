"""The real stack for the test suites that start it (e2e, channels, privacy, faults), and
``rasa_probe`` for tests that run a few lines inside the Rasa venv.

Every suite gets the three services on free ports, with a fresh SQLite database, tracker store and
log directory of its own and mails kept in the outbox; a suite adds only its own environment.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scripts.stack import RASA_PYTHON, ROOT, Ports, Stack


def rasa_probe(code: str, *args: str) -> Any:
    """Run ``code`` with the Rasa venv's interpreter in the repo; the JSON of its last line."""
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", code, *args],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def fresh_stack(
    model: Path, state: Path, env: Mapping[str, str] | None = None, *, ports: Ports | None = None
) -> Stack:
    """A stack whose state lives under ``state``, its database migrated and seeded, not started.

    ``env`` is added to (and wins over) the common environment; ``ports`` when the caller must
    know them before the stack exists (a proxy in front of the backend).
    """
    services = Stack(
        model=model,
        ports=Ports.free() if ports is None else ports,
        log_dir=state / "log",
        env={
            "DATABASE_URL": f"sqlite:///{state / 'backend.db'}",
            "TRACKER_DB": str(state / "tracker.db"),
            "MAIL_BACKEND": "outbox",
            **(env or {}),
        },
    )
    services.prepare_database()
    return services
