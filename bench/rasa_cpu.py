"""Where the Rasa server's CPU per turn goes: NLU parse vs dialogue policy prediction.

Run with the Rasa venv (``.venv-rasa/bin/python bench/rasa_cpu.py [model.tar.gz]``; default:
the product model ``scripts/train.sh`` prints). In process, no server, no action server:

* ``parse``: ``MessageProcessor.parse_message`` of the load test's messages (the whole NLU
  pipeline, lingua-free);
* ``predict``: ``MessageProcessor.predict_next_with_tracker`` on a tracker that holds those
  messages as parsed user turns (every policy of config.yml: handoff, rules, memoization).

A turn of the load test costs one parse and at least two predictions (the answer, then
``action_listen``); the rest of the Rasa server's CPU per turn (``bench/results/load.md``) is
HTTP, the lock and tracker stores, slot extraction and the action-server calls
(``bench/results/action_payload.md``). CPU time (``time.process_time``), mean per call.
Results: ``bench/results/rasa_cpu.json`` and ``rasa_cpu.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

from bench.model_cache import cached_model

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
MESSAGES = (
    "Hello there",
    "montre mes lignes",
    "hoeveel heeft 0470 00 00 03 vorige maand verbruikt?",
    "How much did 0470 00 00 05 use this month?",
    "in het Nederlands aub",
    "consommation de la flotte ce mois-ci",
    "qzxvbn nbvxzq",
    "switch to the user portal",
)


async def measure(model: Path, repeat: int) -> dict[str, Any]:
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage
    from rasa.shared.core.events import ActionExecuted, UserUttered

    agent = Agent.load(str(model))
    processor = agent.processor
    assert processor is not None

    parsed = []
    started = time.process_time()
    for _ in range(repeat):
        for text in MESSAGES:
            message = UserMessage(text, sender_id="rasa-cpu-bench", input_channel="rest")
            parsed.append(await processor.parse_message(message))
    parse_ms = 1000.0 * (time.process_time() - started) / (repeat * len(MESSAGES))

    tracker = await processor.tracker_store.get_or_create_tracker("rasa-cpu-bench")
    predictions = 0
    started = time.process_time()
    for data in parsed[: len(MESSAGES)] * repeat:
        tracker.update(UserUttered(data["text"], data["intent"], data["entities"], data))
        processor.predict_next_with_tracker(tracker)
        predictions += 1
        tracker.update(ActionExecuted("action_listen"))
    predict_ms = 1000.0 * (time.process_time() - started) / predictions
    return {
        "model": model.name,
        "repeat": repeat,
        "loadavg": [round(value, 2) for value in os.getloadavg()],
        "parse_cpu_ms": round(parse_ms, 2),
        "predict_cpu_ms": round(predict_ms, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", type=Path, help="model (default: the product's)")
    parser.add_argument("--repeat", type=int, default=10, help="passes over the messages")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results directory")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    import structlog  # Rasa logs every parse and prediction at debug level through structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    report = asyncio.run(measure(args.model or cached_model(), args.repeat))
    lines = [
        "# Rasa server CPU per call, in process (`bench/rasa_cpu.py`)",
        "",
        f"Model `{report['model']}`, {report['repeat']} passes over {len(MESSAGES)} messages, "
        f"load average {report['loadavg']}.",
        "",
        "| step | CPU ms per call | calls per turn |",
        "|---|---|---|",
        f"| NLU parse | {report['parse_cpu_ms']} | 1 |",
        f"| policy prediction (all policies) | {report['predict_cpu_ms']} | ≥ 2 |",
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "rasa_cpu.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out / "rasa_cpu.md").write_text("\n".join(lines) + "\n")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
