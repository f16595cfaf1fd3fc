"""What one call from Rasa to the action server costs before any action code runs.

Run with the Rasa venv (``.venv-rasa/bin/python bench/action_payload.py``); no service needed.

Rasa 3.6 posts ``{"next_action", "sender_id", "tracker", "domain", "version"}`` to the action
server for every custom action (rasa/core/actions/action.py, ``RemoteAction._action_call_format``)
and, unless the endpoint sets ``enable_selective_domain``, the *whole* domain goes with it: every
response in three languages. A turn of this product makes two such calls (the ``language`` slot's
custom mapping ``action_detect_language``, then the action that answers). This script measures,
with the product's ``domain.yml`` and a realistic tracker (``--turns`` user turns with Rasa's
10-entry intent ranking, bot messages and slot events), the payload size and the CPU time of

* Rasa building it (``tracker.current_state`` + ``domain.as_dict``) and encoding it (``json``,
  what the aiohttp client does), and
* the action server decoding it (``json.loads``, what the SDK's Sanic endpoint does),

with and without the domain. CPU time (``time.process_time``) rather than wall time: the
machine is shared, and CPU time barely depends on what else runs.
Results: ``bench/results/action_payload.json`` and ``action_payload.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def realistic_tracker(domain: Any, turns: int) -> Any:
    """A conversation of `turns` user messages as Rasa stores it (intent ranking, slots, bot)."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    intents = list(domain.intents)
    tracker = DialogueStateTracker("bench-sender", domain.slots)
    for turn in range(turns):
        ranking = [
            {"name": intents[(turn + i) % len(intents)], "confidence": round(0.9 / (i + 1), 4)}
            for i in range(10)  # Rasa keeps the top 10 (LogisticRegressionClassifier ranking)
        ]
        text = f"How much did 0470 00 00 {turn % 50:02d} use last month?"
        parse_data = {
            "text": text,
            "intent": ranking[0],
            "entities": [
                {"entity": "phone_number", "start": 13, "end": 25, "value": text[13:25],
                 "extractor": "RegexEntityExtractor"},
                {"entity": "period", "start": 30, "end": 40, "value": "last month",
                 "extractor": "RegexEntityExtractor"},
            ],
            "intent_ranking": ranking,
            "message_id": f"{turn:032x}",
        }  # fmt: skip
        tracker.update(UserUttered(text, ranking[0], parse_data["entities"], parse_data,
                                   input_channel="rest", message_id=f"{turn:032x}"))  # fmt: skip
        tracker.update(SlotSet("language", "en"))
        tracker.update(ActionExecuted("action_show_consumption"))
        tracker.update(BotUttered("Usage of 0470 00 00 01 in October 2026: " + "x" * 200))
        tracker.update(ActionExecuted("action_listen"))
    return tracker


def cpu_ms(function: Callable[[], object], repeat: int) -> float:
    """Mean CPU milliseconds of one call."""
    function()  # warm caches (domain.as_dict memoises nothing, but imports happen here)
    started = time.process_time()
    for _ in range(repeat):
        function()
    return 1000.0 * (time.process_time() - started) / repeat


def measure(turns: int, repeat: int) -> dict[str, Any]:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import EventVerbosity

    domain = Domain.load(str(ROOT / "domain.yml"))
    tracker = realistic_tracker(domain, turns)

    def payload(with_domain: bool) -> dict[str, Any]:
        result: dict[str, Any] = {
            "next_action": "action_detect_language",
            "sender_id": tracker.sender_id,
            "tracker": tracker.current_state(EventVerbosity.ALL),
            "version": "3.6.21",
        }
        if with_domain:
            result["domain"] = domain.as_dict()
        return result

    def encode(with_domain: bool) -> str:
        return json.dumps(payload(with_domain))

    rows = {}
    for label, with_domain in (("with domain (Rasa's default)", True), ("selective domain", False)):
        body = json.dumps(payload(with_domain))
        rows[label] = {
            "payload_kib": round(len(body.encode()) / 1024, 1),
            "rasa_build_and_encode_cpu_ms": round(cpu_ms(partial(encode, with_domain), repeat), 2),
            "action_server_decode_cpu_ms": round(cpu_ms(partial(json.loads, body), repeat), 2),
        }
    return {
        "turns_in_tracker": turns,
        "repeat": repeat,
        "loadavg": [round(value, 2) for value in os.getloadavg()],
        "calls_per_turn": 2,
        "rows": rows,
    }


def write_markdown(report: dict[str, Any], path: Path) -> None:
    lines = [
        "# Cost of one Rasa → action server call (payload only, no action code)",
        "",
        f"Generated by `bench/action_payload.py`: product `domain.yml`, a tracker of "
        f"{report['turns_in_tracker']} user turns, mean CPU time over {report['repeat']} calls "
        f"(load average {report['loadavg']}; CPU time, not wall time, so the shared machine "
        "matters little). A turn makes 2 calls (`action_detect_language` + the answer).",
        "",
        "| payload | KiB | Rasa: build + JSON encode, CPU ms | action server: JSON decode,"
        " CPU ms |",
        "|---|---|---|---|",
    ]
    for label, row in report["rows"].items():
        lines.append(
            f"| {label} | {row['payload_kib']} | {row['rasa_build_and_encode_cpu_ms']} "
            f"| {row['action_server_decode_cpu_ms']} |"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=20, help="user turns in the tracker")
    parser.add_argument("--repeat", type=int, default=30, help="calls measured per payload")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results directory")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # Rasa's slot auto-fill notice on loading the domain
    report = measure(args.turns, args.repeat)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "action_payload.json").write_text(json.dumps(report, indent=2) + "\n")
    write_markdown(report, args.out / "action_payload.md")
    sys.stdout.write((args.out / "action_payload.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
