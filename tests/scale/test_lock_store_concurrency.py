"""Two Rasa servers on one PostgreSQL tracker store and one Redis lock store receive the two
messages of a pair of the same conversation at the same moment, a few hundred times; the
trackers must then hold every user message once, in pair order, each answered before the next.

The same race is run against Rasa's stock `RedisLockStore` (rasa issue #9213) and only recorded:
whether its read-modify-write of the ticket queue loses a race depends on timing, so a given
run may or may not show damage. The figures go to `var/test-results/lock_race_<store>.json`;
`make bench-lock` runs the larger version for the README.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from bench.lock_race import Report, race, running_stack
from scripts.stack import ROOT, Stack

CONVERSATIONS = 6
PAIRS = 20
# Enough pairs to matter even when the machine is slow; the budget bounds the run's length.
MIN_PAIRS = 100
BUDGET_SECONDS = 300.0


def _record(report: Report) -> None:
    out = ROOT / "var" / "test-results"
    out.mkdir(parents=True, exist_ok=True)
    payload = asdict(report) | {"anomalies": report.anomalies}
    (out / f"lock_race_{report.store}.json").write_text(json.dumps(payload, indent=2))
    print(json.dumps(payload))


def test_atomic_lock_store_keeps_every_message_once_in_order_answered(scale_stack: Stack) -> None:
    report = race(
        "ours",
        scale_stack,
        conversations=CONVERSATIONS,
        pairs=PAIRS,
        budget_seconds=BUDGET_SECONDS,
    )
    _record(report)

    assert report.pairs_fired >= MIN_PAIRS, f"only {report.pairs_fired} pairs in the budget"
    assert report.messages_fired == 2 * report.pairs_fired
    assert (report.lost, report.duplicated, report.out_of_order, report.unanswered) == (
        0,
        0,
        0,
        0,
    ), report.examples
    assert (report.http_errors, report.empty_http_answers) == (0, 0)


def test_stock_redis_lock_store_race_is_recorded(
    services_needed: None, model: Path, tmp_path: Path
) -> None:
    with running_stack("stock", model, tmp_path) as stack:
        report = race(
            "stock",
            stack,
            conversations=CONVERSATIONS,
            pairs=PAIRS,
            budget_seconds=BUDGET_SECONDS,
        )
    _record(report)

    # Only the measurement is checked: every fired message was accounted for.
    assert report.pairs_fired >= MIN_PAIRS, f"only {report.pairs_fired} pairs in the budget"
    assert report.messages_fired == 2 * report.pairs_fired
    assert report.conversations == CONVERSATIONS
