"""Turn time and CPU against message length, on the real stack over Slack (issue #15).

Run with the app venv (``make bench-turn-length``)::

    PYTHONPATH=. .venv-app/bin/python bench/turn_length.py [--repeat 3] [--model PATH]

The script starts the real backend, action server and Rasa server (``tests.stack_fixtures``:
free loopback ports, a fresh SQLite database and tracker store) with the Slack channel pointed
at the fake Slack Web API of ``tests/fakes``, then, for each length of 100, 1,000, 10,000 and
40,000 characters (Slack's limit, the longest the bot accepts) and 100,000 (cut to 40,000 by
the channel), and for two kinds of text — words (French, Dutch and English, with line numbers
and months the NLU patterns match) and one single word (``aaaa…``, the text that made the old
e-mail pattern quadratic) — sends ``--repeat`` signed messages, each from a new Slack user who
said "hello" first (so the session start is not measured). For each it measures:

- the turn time: from the POST of the event to the bot's last reply posted to the fake Slack
  API (replies are settled when none came for 1.5 s; that wait is not counted);
- the CPU seconds each service used meanwhile (user + system, summed over its process group,
  from ``/proc``; the 1.5 s of settling add about 0.01 s of idle CPU).

Then, once per kind at 40,000 characters, a "hello" from another, already greeted user is sent
0.3 s after the long message: the time until that user's first reply shows whether one long
message stalls the other conversations.

Results: ``bench/results/turn_length.json`` and ``turn_length.md`` (medians).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.load import group_cpu_s, machine_info, markdown_table, source_state
from bench.model_cache import cached_model
from scripts.stack import ROOT, Stack
from tests.fakes.slack_api import FakeSlackApi, sign_slack_request
from tests.stack_fixtures import fresh_stack

logger = logging.getLogger("bench.turn_length")

RESULTS = ROOT / "bench" / "results"
LENGTHS = (100, 1_000, 10_000, 40_000, 100_000)
KINDS = ("words", "one word")
SIGNING_SECRET = "bench-turn-length-signing-secret"  # noqa: S105 - the fake's, not a real one
TEAM = "T0BENCHLEN"
SETTLE_SECONDS = 1.5
POLL_SECONDS = 0.005
TURN_TIMEOUT_SECONDS = 600.0
CONCURRENT_DELAY_SECONDS = 0.3
SENTENCES = (
    "bonjour je voudrais voir la facture de ma ligne 0470 12 34 56 pour le mois de mars merci",
    "goedemorgen ik wil het verbruik van mijn lijn in april zien alstublieft dank u",
    "hello please show my lines and the invoice for last month thanks",
)
WORDS = [word for sentence in SENTENCES for word in sentence.split()]


def text_of(kind: str, length: int, rnd: random.Random) -> str:
    """``length`` characters of one kind."""
    if kind == "one word":
        return "a" * length
    parts: list[str] = []
    size = 0
    while size < length:
        parts.append(rnd.choice(WORDS))
        size += len(parts[-1]) + 1
    return " ".join(parts)[:length]


@dataclass
class SlackUser:
    """A Slack user writing to the bot in a DM, with signed Events API requests."""

    rasa_url: str
    api: FakeSlackApi
    user_id: str

    @property
    def channel(self) -> str:
        return f"D{self.user_id[1:]}"

    def post(self, text: str) -> None:
        event = {
            "type": "event_callback",
            "team_id": TEAM,
            "event_id": f"Ev{uuid.uuid4().hex[:12].upper()}",
            "authorizations": [{"team_id": TEAM, "user_id": "U0FAKEBOT", "is_bot": True}],
            "event": {
                "type": "message", "channel_type": "im", "channel": self.channel,
                "user": self.user_id, "team": TEAM, "text": text, "ts": f"{time.time():.6f}",
            },
        }  # fmt: skip
        body = json.dumps(event).encode()
        headers = {"content-type": "application/json", **sign_slack_request(SIGNING_SECRET, body)}
        answer = httpx.post(
            f"{self.rasa_url}/webhooks/slack/webhook",
            content=body,
            headers=headers,
            # A Rasa server busy on one message's NLU did not even acknowledge the others.
            timeout=TURN_TIMEOUT_SECONDS,
        )
        answer.raise_for_status()

    def replies(self) -> int:
        return len(self.api.messages(channel=self.channel))

    def wait_first_reply(self, before: int) -> float:
        """When (``time.monotonic``) the first reply after ``before`` earlier ones arrived."""
        deadline = time.monotonic() + TURN_TIMEOUT_SECONDS
        while self.replies() <= before:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no reply in {TURN_TIMEOUT_SECONDS} s")
            time.sleep(POLL_SECONDS)
        return time.monotonic()

    def wait_settled(self, before: int) -> float:
        """When the last reply of the turn arrived (none for ``SETTLE_SECONDS`` after it)."""
        last_change = self.wait_first_reply(before)
        seen = self.replies()
        while time.monotonic() - last_change < SETTLE_SECONDS:
            time.sleep(POLL_SECONDS)
            if (count := self.replies()) != seen:
                seen, last_change = count, time.monotonic()
        return last_change

    def say(self, text: str) -> float:
        """Send ``text``; seconds until the turn's last reply."""
        before = self.replies()
        started = time.monotonic()
        self.post(text)
        return self.wait_settled(before) - started


def new_user(stack: Stack, api: FakeSlackApi) -> SlackUser:
    user = SlackUser(stack.rasa_url, api, f"U{uuid.uuid4().hex[:10].upper()}")
    user.say("hello")
    return user


def measure(stack: Stack, api: FakeSlackApi, repeat: int, lengths: list[int]) -> dict[str, Any]:
    leaders = {name: process.pid for name, process in stack.processes.items()}
    rnd = random.Random(15)  # noqa: S311 - reproducible texts, not crypto
    rows: list[dict[str, Any]] = []
    for kind in KINDS:
        for length in lengths:
            walls: list[float] = []
            cpus: dict[str, list[float]] = {name: [] for name in leaders}
            for _ in range(repeat):
                user = new_user(stack, api)
                text = text_of(kind, length, rnd)
                cpu_before = group_cpu_s(leaders)
                walls.append(user.say(text))
                cpu_after = group_cpu_s(leaders)
                for name in leaders:
                    cpus[name].append(cpu_after[name] - cpu_before[name])
            row = {
                "kind": kind,
                "length": length,
                "turn_s": round(statistics.median(walls), 3),
                "cpu_s": {name: round(statistics.median(v), 3) for name, v in cpus.items()},
            }
            logger.info("%s", row)
            rows.append(row)
    concurrent = []
    for kind in KINDS:
        writer, other = new_user(stack, api), new_user(stack, api)
        before_long, before_hello = writer.replies(), other.replies()
        started = time.monotonic()
        writer.post(text_of(kind, 40_000, rnd))
        time.sleep(CONCURRENT_DELAY_SECONDS)
        hello_sent = time.monotonic()
        other.post("hello")
        hello_s = other.wait_first_reply(before_hello) - hello_sent
        long_s = writer.wait_settled(before_long) - started
        concurrent.append({"kind": kind, "hello_s": round(hello_s, 3), "long_s": round(long_s, 3)})
        logger.info("%s", concurrent[-1])
    return {"rows": rows, "concurrent": concurrent}


def report_lines(report: dict[str, Any]) -> list[str]:
    machine = report["machine"]
    lines = [
        "# Turn time against message length (`bench/turn_length.py`)",
        "",
        f"Slack channel of the real stack (backend, action server, Rasa), commit "
        f"{report['source']['commit']}, model `{report['model']}`, median of {report['repeat']} "
        f"turns per row, each from a new user who said hello first; {machine['cpu_count']} × "
        f"{machine['cpu_model']} (calibration {machine['calibration_ms']} ms), load average "
        f"{machine['loadavg']} at the start, {machine['utc']}.",
        "",
        "CPU is user + system seconds of each service's process group during the turn. "
        "100,000 characters are cut to 40,000 by the channel (the reply then includes the notice).",
        "",
    ]
    header = ["text", "characters", "turn s", "Rasa CPU s", "actions CPU s", "backend CPU s"]
    rows = [
        [
            row["kind"], f"{row['length']:,}", row["turn_s"], row["cpu_s"]["rasa"],
            row["cpu_s"]["actions"], row["cpu_s"]["backend"],
        ]
        for row in report["rows"]
    ]  # fmt: skip
    lines += markdown_table(header, rows)
    lines += [
        "",
        f'A "hello" from another conversation, sent {CONCURRENT_DELAY_SECONDS} s after a '
        "40,000-character message:",
        "",
    ]
    lines += markdown_table(
        ["long message", "hello answered after s", "long message's turn s"],
        [[item["kind"], item["hello_s"], item["long_s"]] for item in report["concurrent"]],
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="turns per length and kind")
    parser.add_argument("--model", type=Path, help="a trained model (default: scripts/train.sh)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results directory")
    parser.add_argument(
        "--lengths", default=",".join(map(str, LENGTHS)), help="comma-separated lengths"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"

    model = args.model or cached_model()
    machine = machine_info()
    with FakeSlackApi(team_id=TEAM) as api, tempfile.TemporaryDirectory() as state:
        env = {
            "SLACK_BOT_TOKEN": api.bot_token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_BASE_URL": api.base_url,
        }
        with fresh_stack(model, Path(state), env) as stack:
            results = measure(stack, api, args.repeat, [int(n) for n in args.lengths.split(",")])
    report = {
        "model": model.name,
        "repeat": args.repeat,
        "machine": machine,
        "source": source_state(),
        **results,
    }
    lines = report_lines(report)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "turn_length.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out / "turn_length.md").write_text("\n".join(lines) + "\n")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
