"""What training the product model costs: cold train, retrain after a response edit, memory, size.

Run with the app venv (``make bench-train``)::

    PYTHONPATH=. .venv-app/bin/python bench/train_cost.py

In a temporary copy of ``config.yml``, ``domain.yml`` and ``data/`` the script runs
``.venv-rasa/bin/rasa train`` twice with ``RASA_CACHE_DIRECTORY`` (rasa/engine/caching.py)
pointing at a fresh, empty directory:

1. **cold**: from scratch, nothing cached (what CI on a fresh machine pays);
2. **responses-only change**: one response text in the copied ``domain.yml`` edited, retrained
   with the cache the cold run filled (what editing a bot answer costs a developer).

For each run: wall time, peak resident memory of the training process (``ru_maxrss`` from
``os.wait4`` on that very child, so it includes the helpers it waited for), how many graph
components were trained vs restored from the cache (from Rasa's log), and the model's size.
Results: ``bench/results/train_cost.json`` and ``train_cost.md``. Target: cold train ≤ 3 min.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.load import machine_info, markdown_table
from bench.model_cache import cached_model_path

logger = logging.getLogger("bench.train_cost")

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
TARGET_COLD_SECONDS = 180.0
TRAIN_TIMEOUT_SECONDS = 1200.0
EDIT_MARK = "(bench edit) "


def project_copy(workdir: Path) -> None:
    """config.yml, domain.yml and data/ of the product, as `rasa train` reads them."""
    shutil.copy2(ROOT / "config.yml", workdir / "config.yml")
    shutil.copy2(ROOT / "domain.yml", workdir / "domain.yml")
    shutil.copytree(ROOT / "data", workdir / "data")


def edit_one_response(domain: Path) -> str:
    """Change the text of the first response in domain.yml; returns the response's name."""
    text = domain.read_text()
    start = text.index("\nresponses:")
    match = re.compile(r'^(\s+)text: "', re.MULTILINE).search(text, start)
    if match is None:
        raise ValueError("no quoted response text found in domain.yml")
    name: str = re.findall(r"^  (utter_\w+):", text[start : match.start()], re.MULTILINE)[-1]
    domain.write_text(text[: match.end()] + EDIT_MARK + text[match.end() :])
    return name


def train(workdir: Path, cache: Path, name: str, log: Path) -> dict[str, Any]:
    """One `rasa train` in workdir; wall time, peak RSS, trained/restored components, size."""
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "RASA_CACHE_DIRECTORY": str(cache),
        "PYTHONPATH": str(ROOT),  # custom components and actions resolve from the repo
    }
    argv = [
        str(RASA), "train", "--config", "config.yml", "--domain", "domain.yml", "--data", "data",
        "--out", "models", "--fixed-model-name", name,
    ]  # fmt: skip
    started = time.perf_counter()
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            argv, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT
        )
        watchdog = threading.Timer(TRAIN_TIMEOUT_SECONDS, process.kill)
        watchdog.start()
        try:
            # wait4 on this child: its own rusage, not the max over every child so far.
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            watchdog.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
    wall_s = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"rasa train failed ({process.returncode}); see {log}")
    output = log.read_text(errors="replace")
    model = workdir / "models" / f"{name}.tar.gz"
    return {
        "wall_s": round(wall_s, 1),
        "peak_rss_mib": round(usage.ru_maxrss / 1024.0, 1),  # Linux: KiB
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "components_trained": len(re.findall(r"Starting to train component", output)),
        "components_restored": len(re.findall(r"Restored component", output)),
        "model_mib": round(model.stat().st_size / 2**20, 2),
    }


def directory_mib(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 1)


def write_markdown(report: dict[str, Any], path: Path) -> None:
    machine = report["machine"]
    rows = (
        [
            label, run["wall_s"], run["cpu_s"], run["peak_rss_mib"],
            f"{run['components_trained']} / {run['components_restored']}", run["model_mib"],
        ]
        for label, run in report["runs"].items()
    )  # fmt: skip
    cold = report["runs"]["cold"]["wall_s"]
    met = "met" if cold <= TARGET_COLD_SECONDS else "**NOT met**"
    lines = [
        "# Training cost of the product model",
        "",
        f"Generated by `bench/train_cost.py` on {machine['utc']} — {machine['cpu_count']} CPUs "
        f"shared with other jobs (load average before/after {machine['loadavg']} / "
        f"{report['loadavg_after']}), Rasa 3.6 (`{report['rasa']}`). `rasa train` on a copy of "
        "config.yml, domain.yml and data/ with `RASA_CACHE_DIRECTORY` on an empty directory "
        f"for the cold run; the second run edits one response text (`{report['edited']}`) and "
        "reuses the cache the cold run filled. Peak RSS = `ru_maxrss` of the training process "
        f"(`os.wait4`). Rasa's training cache after both runs: {report['cache_mib']} MiB.",
        "",
        *markdown_table(
            [
                "run",
                "wall s",
                "CPU s",
                "peak RSS MiB",
                "components trained / restored",
                "model MiB",
            ],
            rows,
        ),
        "",
        f"Target: cold (full) train ≤ {TARGET_COLD_SECONDS:.0f} s — measured {cold} s: {met}.",
        "",
    ]
    path.write_text("\n".join(lines))


def run() -> dict[str, Any]:
    machine = machine_info()
    version = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [str(RASA), "--version"], capture_output=True, text=True, check=False, timeout=120,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    ).stdout.splitlines()  # fmt: skip
    rasa_version = next((line for line in version if line.startswith("Rasa Version")), "?")
    # Where scripts/train.sh keeps the model for this very content (read before the copy).
    cached_model = cached_model_path()
    with tempfile.TemporaryDirectory(prefix="bench-train-") as tmp:
        workdir, cache = Path(tmp) / "project", Path(tmp) / "rasa-cache"
        workdir.mkdir()
        cache.mkdir()
        project_copy(workdir)
        logger.info("cold train (empty cache %s)…", cache)
        cold = train(workdir, cache, "cold", Path(tmp) / "cold.log")
        logger.info("  %s", cold)
        if not cached_model.exists():
            # The same inputs as scripts/train.sh's: the later steps need not train it again.
            cached_model.parent.mkdir(parents=True, exist_ok=True)
            partial = cached_model.with_name(f"partial-{os.getpid()}-{cached_model.name}")
            shutil.copy2(workdir / "models" / "cold.tar.gz", partial)
            partial.rename(cached_model)
            logger.info("  model cached for the other steps: %s", cached_model)
        edited = edit_one_response(workdir / "domain.yml")
        logger.info("train after editing the text of %s (warm cache)…", edited)
        warm = train(workdir, cache, "responses-edit", Path(tmp) / "edit.log")
        logger.info("  %s", warm)
        cache_mib = directory_mib(cache)
    return {
        "machine": machine,
        "loadavg_after": [round(value, 2) for value in os.getloadavg()],
        "rasa": rasa_version.split(":", 1)[-1].strip(),
        "edited": edited,
        "cache_mib": cache_mib,
        "target_cold_s": TARGET_COLD_SECONDS,
        "runs": {"cold": cold, "responses_only_change": warm},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS, help="results directory")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    report = run()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "train_cost.json").write_text(json.dumps(report, indent=2) + "\n")
    write_markdown(report, args.out / "train_cost.md")
    print((args.out / "train_cost.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
