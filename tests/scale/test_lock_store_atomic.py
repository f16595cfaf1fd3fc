"""`AtomicRedisLockStore` on the real Redis, two store objects standing for two Rasa instances:
one holder at a time, served in ticket order, a crashed holder blocks only for its lifetime,
a late release never frees someone else's turn, and nothing is left in Redis afterwards.
"""

from __future__ import annotations

import json
import secrets
import subprocess

from scripts.stack import RASA_PYTHON, ROOT

REDIS_DB = 11


def test_atomic_lock_store_semantics(services_needed: None) -> None:
    prefix = f"bmaprobe{secrets.token_hex(4)}"
    done = subprocess.run(
        [str(RASA_PYTHON), str(ROOT / "tests" / "scale" / "lock_probe.py"), str(REDIS_DB), prefix],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    facts = json.loads(done.stdout.strip().splitlines()[-1])

    assert facts["holders"] == 120
    assert facts["max_concurrent_holders"] == 1
    assert facts["served_in_queue_order"] is True
    assert facts["lock_cm_max_concurrent_holders"] == 1
    assert 0.4 <= facts["wait_after_crash_s"] < 5.0
    assert facts["late_release_freed_successor"] is False
    assert facts["keys_left"] == []
