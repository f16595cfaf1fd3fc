"""The tracker store retention job (`python -m bot.retention`, Rasa venv) on a real SQLite store.

The store is laid out as Rasa's SQLTrackerStore writes it (table ``events``); the job runs as its
own process with the environment `scripts/stack.py` gives the Rasa server.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from pathlib import Path

from scripts.stack import RASA_PYTHON, ROOT, Stack

DAY = 86400.0

# Rasa 3.6's SQLTrackerStore.SQLEvent.
SCHEMA = """
CREATE TABLE events (
    id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL,
    timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT
)
"""


def add_events(db: Path, sender: str, events: list[tuple[str, float]]) -> None:
    """Append (type_name, age in days) events of one conversation."""
    now = time.time()
    with sqlite3.connect(db) as connection:
        for type_name, age_days in events:
            stamp = now - age_days * DAY
            connection.execute(
                "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, ?, ?, ?)",
                (sender, type_name, stamp, json.dumps({"event": type_name, "timestamp": stamp})),
            )


def remaining(db: Path) -> dict[str, list[tuple[str, int]]]:
    """sender -> [(type_name, age in whole days)] left in the store."""
    now = time.time()
    left: dict[str, list[tuple[str, int]]] = {}
    with sqlite3.connect(db) as connection:
        for sender, type_name, stamp in connection.execute(
            "SELECT sender_id, type_name, timestamp FROM events ORDER BY id"
        ):
            left.setdefault(sender, []).append((type_name, round((now - stamp) / DAY)))
    return left


def run_retention(db: Path, *args: str) -> str:
    env = Stack(model=Path("unused"), env={"TRACKER_DB": str(db)}).base_env()
    done = subprocess.run(
        [str(RASA_PYTHON), "-m", "bot.retention", "--no-erasures", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    return done.stderr


def test_retention_deletes_old_conversations_and_sessions_and_keeps_recent_ones(
    tmp_path: Path,
) -> None:
    db = tmp_path / "tracker.db"
    with sqlite3.connect(db) as connection:
        connection.execute(SCHEMA)
    session = [("session_started", 0.0), ("user", 0.0), ("bot", 0.0)]
    # Idle for 40 days: everything goes.
    add_events(db, "idle", [(kind, 40.0) for kind, _ in session])
    # An old session, then a session started yesterday: the old session goes.
    add_events(db, "returning", [(kind, 45.0) for kind, _ in session])
    add_events(db, "returning", [(kind, 1.0) for kind, _ in session])
    # One session started 35 days ago and still in use: it is the current one, it stays.
    add_events(db, "ongoing", [("session_started", 35.0), ("user", 35.0), ("user", 0.25)])
    add_events(db, "recent", [(kind, 2.0) for kind, _ in session])

    log = run_retention(db, "--days", "30")

    assert remaining(db) == {
        "returning": [("session_started", 1), ("user", 1), ("bot", 1)],
        "ongoing": [("session_started", 35), ("user", 35), ("user", 0)],
        "recent": [("session_started", 2), ("user", 2), ("bot", 2)],
    }
    assert "1 idle conversations (3 events), 3 events of earlier sessions" in log


def test_retention_days_come_from_the_environment_or_the_option(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    with sqlite3.connect(db) as connection:
        connection.execute(SCHEMA)
    add_events(db, "ten-days", [("session_started", 10.0), ("user", 10.0)])

    run_retention(db)  # default 90 days: kept
    assert "ten-days" in remaining(db)
    run_retention(db, "--days", "7")
    assert remaining(db) == {}
