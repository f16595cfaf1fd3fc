"""Benchmark Rasa NLU pipelines on public intent data sets (BANKING77, CLINC150).

Run with the Rasa venv's interpreter, e.g.::

    export RASA_TELEMETRY_ENABLED=false
    .venv-rasa/bin/python bench/nlu_public.py --dataset banking77 --pipelines logreg_base
    .venv-rasa/bin/python bench/nlu_public.py --dataset clinc150 --pipelines logreg_base \
        --clinc-per-intent 50 --oos-variant both

For every selected pipeline (``bench/pipelines/<name>.yml``) the script

1. converts the data set to Rasa NLU YAML in a temporary directory,
2. runs ``rasa train nlu`` as a subprocess (wall clock and peak RSS via ``/usr/bin/time -v``),
3. loads the model in process with ``Agent.load`` and parses every test utterance one by one
   (accuracy, macro-F1, per-message parse latency),
4. for CLINC150 also computes in-scope accuracy and out-of-scope (OOS) recall, with the
   out-of-scope decision made either by a FallbackClassifier-style confidence threshold
   (simulated exactly on the parse output, threshold picked on the validation split) and/or an
   explicit ``out_of_scope`` intent trained on the OOS training examples.

Every run is appended to ``bench/results/nlu_public.json`` and the markdown table
``bench/results/nlu_public.md`` is regenerated from all recorded runs.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import gzip
import json
import logging
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger("nlu_public")

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
PIPELINE_DIR = BENCH_DIR / "pipelines"
RESULTS_DIR = BENCH_DIR / "results"
# The shared folder lies beside the clone (as on CI); BENCH_DATA_DIR points elsewhere.
DATA_DIR = Path(
    os.environ.get("BENCH_DATA_DIR", REPO_DIR.parent / "shared" / "benchmarks" / "data")
)
RASA_BIN = REPO_DIR / ".venv-rasa" / "bin" / "rasa"
OOS_INTENT = "out_of_scope"
FALLBACK_INTENT = "nlu_fallback"
SEED = 42

# Figures measured by others on the same machines (see ../shared/benchmarks/README.md).
QUOTED_BASELINES: list[dict[str, Any]] = [
    {
        "pipeline": "default DIET (100 ep, 2-layer transformer) [quoted]",
        "accuracy": 0.830,
        "macro_f1": 0.829,
        "train_seconds": 1320.0,
        "parse_ms_mean": 8.0,
    },
    {
        "pipeline": "DIET 60 ep, 0 transformer layers [quoted]",
        "accuracy": 0.788,
        "macro_f1": 0.787,
        "train_seconds": 58.0,
        "parse_ms_mean": None,
    },
    {
        "pipeline": "LogisticRegressionClassifier [quoted]",
        "accuracy": 0.814,
        "macro_f1": 0.814,
        "train_seconds": 31.0,
        "parse_ms_mean": None,
    },
]

# Rasa's training-data reader treats "[text](entity)" / "[text]{...}" as entity annotations.
_BRACKETS = str.maketrans({"[": "(", "]": ")"})


@dataclass
class Split:
    """Texts and gold labels of one split."""

    texts: list[str]
    labels: list[str]


@dataclass
class Dataset:
    """A prepared data set: train, test and (optionally) a validation split."""

    name: str
    train: Split
    test: Split
    val: Split | None
    notes: str


def clean(text: str) -> str:
    """Collapse whitespace and neutralise Rasa's entity-annotation brackets."""
    return " ".join(text.split()).translate(_BRACKETS)


def dedupe(split: Split) -> Split:
    """Drop repeated utterances (first label wins)."""
    seen: set[str] = set()
    texts: list[str] = []
    labels: list[str] = []
    for text, label in zip(split.texts, split.labels, strict=True):
        if text and text not in seen:
            seen.add(text)
            texts.append(text)
            labels.append(label)
    return Split(texts, labels)


def subsample(split: Split, per_label: int, seed: int = SEED) -> Split:
    """Stratified subsample: at most ``per_label`` examples per label."""
    by_label: dict[str, list[str]] = defaultdict(list)
    for text, label in zip(split.texts, split.labels, strict=True):
        by_label[label].append(text)
    rng = random.Random(seed)  # noqa: S311 - reproducible sampling, not crypto
    texts: list[str] = []
    labels: list[str] = []
    for label in sorted(by_label):
        pool = by_label[label]
        chosen = pool if len(pool) <= per_label else rng.sample(pool, per_label)
        texts.extend(chosen)
        labels.extend([label] * len(chosen))
    return Split(texts, labels)


def read_csv(path: Path) -> Split:
    """Read a ``text,category`` CSV."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return Split([clean(r["text"]) for r in rows], [r["category"] for r in rows])


def load_banking77(quick: bool) -> Dataset:
    """BANKING77, the fixed 30-shot training subset and the full test set."""
    train = dedupe(read_csv(DATA_DIR / "banking77_train_30shot.csv"))
    test = dedupe(read_csv(DATA_DIR / "banking77_test.csv"))
    notes = "train: banking77_train_30shot.csv; test: full test set, de-duplicated"
    if quick:
        train = subsample(train, 5)
        test = subsample(test, 4)
        notes += " (QUICK: 5/intent train, 4/intent test)"
    return Dataset("banking77", train, test, None, notes)


def load_clinc150(per_intent: int, with_oos_intent: bool, quick: bool) -> Dataset:
    """CLINC150 ``data_full``; train subsampled per intent, full val/test incl. OOS."""
    raw = json.loads((DATA_DIR / "clinc150_data_full.json").read_text(encoding="utf-8"))

    def split(*keys: str) -> Split:
        texts: list[str] = []
        labels: list[str] = []
        for key in keys:
            for text, label in raw[key]:
                texts.append(clean(text))
                labels.append(OOS_INTENT if label == "oos" else label)
        return Split(texts, labels)

    if quick:
        per_intent = min(per_intent, 5)
    train = subsample(dedupe(split("train")), per_intent)
    notes = f"train: {per_intent}/intent (seed {SEED}) of data_full train"
    if with_oos_intent:
        oos = dedupe(split("oos_train"))
        if quick:
            oos = Split(oos.texts[:20], oos.labels[:20])
        train = Split(train.texts + oos.texts, train.labels + oos.labels)
        notes += f" + {len(oos.texts)} oos_train as '{OOS_INTENT}'"
    val = split("val", "oos_val")
    test = split("test", "oos_test")
    if quick:
        val = subsample(val, 2)
        test = subsample(test, 2)
        notes += " (QUICK: 2/intent val+test)"
    return Dataset("clinc150", train, test, val, notes)


def write_nlu_yaml(split: Split, path: Path) -> None:
    """Write training examples as Rasa 3 NLU YAML (block literals, one example a line)."""
    by_label: dict[str, list[str]] = defaultdict(list)
    for text, label in zip(split.texts, split.labels, strict=True):
        by_label[label].append(text)
    lines = ['version: "3.1"', "nlu:"]
    for label in sorted(by_label):
        lines.append(f"- intent: {label}")
        lines.append("  examples: |")
        lines.extend(f"    - {text}" for text in by_label[label])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def train_model(
    pipeline: Path, nlu: Path, workdir: Path
) -> tuple[Path, float, float | None, float | None]:
    """Run ``rasa train nlu``; return model path, wall s, peak RSS (MB) and CPU s (user+sys)."""
    out_dir = workdir / "models"
    log_path = workdir / f"train_{pipeline.stem}.log"
    cmd = [
        "/usr/bin/time",
        "-v",
        str(RASA_BIN),
        "train",
        "nlu",
        "--config",
        str(pipeline),
        "--nlu",
        str(nlu),
        "--out",
        str(out_dir),
        "--fixed-model-name",
        pipeline.stem,
    ]
    # RASA_MAX_CACHE_SIZE=0 disables Rasa's training cache: otherwise a pipeline whose
    # featurizers were already trained on the same data reuses them and looks faster.
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "RASA_MAX_CACHE_SIZE": "0",
        "PYTHONPATH": str(REPO_DIR),  # bot.components
    }
    start = time.perf_counter()
    with log_path.open("w", encoding="utf-8") as log:
        proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, check=False)  # noqa: S603
    seconds = time.perf_counter() - start
    log_text = log_path.read_text(encoding="utf-8", errors="replace")
    model = out_dir / f"{pipeline.stem}.tar.gz"
    if proc.returncode != 0 or not model.exists():
        tail = "\n".join(log_text.splitlines()[-40:])
        raise RuntimeError(f"rasa train nlu failed ({proc.returncode}):\n{tail}")
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", log_text)
    peak_mb = int(match.group(1)) / 1024 if match else None
    cpu = re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", log_text)
    cpu_seconds = sum(float(c) for c in cpu) if len(cpu) == 2 else None
    return model, seconds, peak_mb, cpu_seconds


def parse_all(model: Path, texts: list[str]) -> tuple[list[dict[str, Any]], list[float]]:
    """Load the model in process and parse every text sequentially (ms per message)."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))

    async def run() -> tuple[list[dict[str, Any]], list[float]]:
        await agent.parse_message("warm up")
        results: list[dict[str, Any]] = []
        latencies: list[float] = []
        for text in texts:
            start = time.perf_counter()
            parsed = await agent.parse_message(text)
            latencies.append((time.perf_counter() - start) * 1000)
            ranking = parsed.get("intent_ranking") or [parsed["intent"]]
            results.append(
                {
                    "intent": parsed["intent"]["name"],
                    "confidence": float(parsed["intent"]["confidence"] or 0.0),
                    "second": float(ranking[1]["confidence"]) if len(ranking) > 1 else 0.0,
                }
            )
        return results, latencies

    return asyncio.run(run())


def apply_fallback(parsed: list[dict[str, Any]], threshold: float, ambiguity: float) -> list[str]:
    """Replicate FallbackClassifier: low confidence or close top two -> out of scope."""
    predictions: list[str] = []
    for p in parsed:
        low = p["confidence"] < threshold
        close = ambiguity > 0 and (p["confidence"] - p["second"]) < ambiguity
        is_oos = low or close or p["intent"] in (OOS_INTENT, FALLBACK_INTENT)
        predictions.append(OOS_INTENT if is_oos else p["intent"])
    return predictions


def scope_metrics(gold: list[str], pred: list[str]) -> dict[str, float]:
    """In-scope accuracy (OOS predictions count as errors) and OOS recall/precision."""
    in_pairs = [(g, p) for g, p in zip(gold, pred, strict=True) if g != OOS_INTENT]
    oos_pairs = [(g, p) for g, p in zip(gold, pred, strict=True) if g == OOS_INTENT]
    predicted_oos = sum(p == OOS_INTENT for p in pred)
    true_oos = sum(p == OOS_INTENT for _, p in oos_pairs)
    return {
        "in_scope_accuracy": sum(g == p for g, p in in_pairs) / max(len(in_pairs), 1),
        "oos_recall": true_oos / max(len(oos_pairs), 1),
        "oos_precision": true_oos / predicted_oos if predicted_oos else 0.0,
    }


def pick_threshold(
    gold: list[str], parsed: list[dict[str, Any]], min_in_scope: float
) -> dict[str, float]:
    """Grid-search FallbackClassifier settings maximising OOS recall at given in-scope acc."""
    best: dict[str, float] | None = None
    for ambiguity in (0.0, 0.05, 0.1):
        for step in range(100):
            threshold = step / 100
            m = scope_metrics(gold, apply_fallback(parsed, threshold, ambiguity))
            if m["in_scope_accuracy"] < min_in_scope:
                continue
            key = (m["oos_recall"], m["in_scope_accuracy"])
            if best is None or key > (best["oos_recall"], best["in_scope_accuracy"]):
                best = {"threshold": threshold, "ambiguity_threshold": ambiguity, **m}
    if best is None:  # even without fallback the in-scope accuracy is below the minimum
        return {"threshold": 0.0, "ambiguity_threshold": 0.0, "met_minimum": False}
    return {**best, "met_minimum": True}


def sweep(gold: list[str], parsed: list[dict[str, Any]]) -> list[dict[str, float]]:
    """Scope metrics for plain confidence thresholds 0.00, 0.05, ..., 0.70."""
    return [
        {"threshold": t / 100, **scope_metrics(gold, apply_fallback(parsed, t / 100, 0.0))}
        for t in range(0, 75, 5)
    ]


def save_predictions(path: Path, splits: dict[str, tuple[Split, list[dict[str, Any]]]]) -> None:
    """Store per-utterance parse output (gzip JSON) so thresholds can be re-analysed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        name: [
            {"text": t, "gold": g, **p}
            for t, g, p in zip(split.texts, split.labels, parsed, strict=True)
        ]
        for name, (split, parsed) in splits.items()
    }
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        json.dump(data, handle)


def evaluate(
    dataset: Dataset, model: Path, min_in_scope: float, predictions: Path | None
) -> dict[str, Any]:
    """Parse the test (and val) split and compute all metrics."""
    from sklearn.metrics import accuracy_score, f1_score

    parsed, latencies = parse_all(model, dataset.test.texts)
    gold = dataset.test.labels
    pred = [p["intent"] for p in parsed]
    latencies.sort()
    metrics: dict[str, Any] = {
        "n_test": len(gold),
        "accuracy": accuracy_score(gold, pred),
        "macro_f1": f1_score(
            gold, pred, labels=sorted(set(gold)), average="macro", zero_division=0
        ),
        "parse_ms_mean": statistics.fmean(latencies),
        "parse_ms_p95": latencies[int(0.95 * (len(latencies) - 1))],
    }
    splits = {"test": (dataset.test, parsed)}
    if dataset.val is not None:
        metrics["no_threshold"] = scope_metrics(gold, apply_fallback(parsed, 0.0, 0.0))
        val_parsed, _ = parse_all(model, dataset.val.texts)
        splits["val"] = (dataset.val, val_parsed)
        chosen = pick_threshold(dataset.val.labels, val_parsed, min_in_scope)
        test_m = scope_metrics(
            gold, apply_fallback(parsed, chosen["threshold"], chosen["ambiguity_threshold"])
        )
        metrics["fallback"] = {
            "chosen_on_val": chosen,
            "min_in_scope_on_val": min_in_scope,
            "test": test_m,
        }
        metrics["threshold_sweep_val"] = sweep(dataset.val.labels, val_parsed)
        metrics["threshold_sweep_test"] = sweep(gold, parsed)
    if predictions is not None:
        save_predictions(predictions, splits)
    return metrics


def load_results(path: Path) -> list[dict[str, Any]]:
    """Previously recorded runs (empty list if none)."""
    if path.exists():
        data: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
        return data
    return []


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def _num(value: float | None, fmt: str) -> str:
    return "–" if value is None else format(value, fmt)


def render_markdown(runs: list[dict[str, Any]]) -> str:
    """Markdown tables of all full (non-quick) runs, latest run per pipeline+variant."""
    latest: dict[tuple[str, str, str, int], dict[str, Any]] = {}
    for run in runs:
        if not run.get("quick"):
            latest[(run["dataset"], run["pipeline"], run["variant"], run["n_train"])] = run
    out = ["# Public NLU benchmark results (Rasa 3.6.21, 2-core machine)", ""]
    out += [
        "Generated by `bench/nlu_public.py`; latest full run per pipeline and training set.",
        "",
    ]
    out += ["## BANKING77, 30 examples per intent, full test set", ""]
    out += [
        "| pipeline | accuracy | macro-F1 | train wall s | train CPU s | Rasa cache | "
        "peak RSS MB | parse ms mean (p95) |"
    ]
    out += ["|---|---|---|---|---|---|---|---|"]
    for b in QUOTED_BASELINES:
        out.append(
            f"| {b['pipeline']} | {_pct(b['accuracy'])} | {_pct(b['macro_f1'])} | "
            f"{b['train_seconds']:.0f} | – | – | – | {_num(b['parse_ms_mean'], '.1f')} |"
        )
    bank = sorted(
        (r for k, r in latest.items() if k[0] == "banking77"), key=lambda r: -r["accuracy"]
    )
    for r in bank:
        out.append(
            f"| {r['pipeline']} | {_pct(r['accuracy'])} | {_pct(r['macro_f1'])} | "
            f"{r['train_seconds']:.0f} | {_num(r.get('train_cpu_seconds'), '.0f')} | "
            f"{r.get('rasa_cache', 'on')} | {_num(r.get('peak_rss_mb'), '.0f')} | "
            f"{r['parse_ms_mean']:.1f} ({r['parse_ms_p95']:.1f}) |"
        )
    clinc = [r for k, r in latest.items() if k[0] == "clinc150"]
    if clinc:
        out += ["", "## CLINC150 (data_full), full test set: 4,500 in-scope + 1,000 OOS", ""]
        out += [
            "OOS handling: *threshold* = FallbackClassifier (threshold / ambiguity_threshold "
            "picked on the validation split for the highest OOS recall with in-scope accuracy "
            "≥ 90 % by default, `--min-in-scope`); *intent* = explicit `out_of_scope` "
            "intent trained on the 100 OOS training examples. Accuracy / macro-F1 are over "
            "all 5,500 test utterances with OOS as one class, before any threshold.",
            "",
            "| pipeline | variant | train data | accuracy | macro-F1 | train s | parse ms | "
            "in-scope acc (no thr.) | OOS recall (no thr.) | fallback thr. / amb. | "
            "in-scope acc (thr.) | OOS recall (thr.) |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in sorted(clinc, key=lambda r: (r["pipeline"], r["n_train"], r["variant"])):
            nt, fb = r["no_threshold"], r["fallback"]
            ch = fb["chosen_on_val"]
            thr = (
                f"{ch['threshold']:.2f} / {ch['ambiguity_threshold']:.2f}"
                if ch.get("met_minimum", True)
                else f"none (val in-scope < {100 * fb['min_in_scope_on_val']:.1f} %)"
            )
            out.append(
                f"| {r['pipeline']} | {r['variant']} | {r['n_train']} ex. | "
                f"{_pct(r['accuracy'])} | {_pct(r['macro_f1'])} | {r['train_seconds']:.0f} | "
                f"{r['parse_ms_mean']:.1f} | {_pct(nt['in_scope_accuracy'])} | "
                f"{_pct(nt['oos_recall'])} | {thr} | {_pct(fb['test']['in_scope_accuracy'])} | "
                f"{_pct(fb['test']['oos_recall'])} |"
            )
        out += [
            "",
            "Published (full training data): Rasa 2019 91.5 % / 45.3 %; BERT 96.9 % / 40.3 %.",
        ]
    return "\n".join(out) + "\n"


def plot_banking(runs: list[dict[str, Any]], path: Path) -> None:
    """Scatter plot accuracy vs. training time for the BANKING77 runs (if matplotlib exists)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        logger.warning("matplotlib not available; no plot written")
        return
    latest = {r["pipeline"]: r for r in runs if r["dataset"] == "banking77" and not r["quick"]}
    fig, ax = plt.subplots(figsize=(8, 5))
    for r in latest.values():
        ax.scatter(r["train_seconds"], 100 * r["accuracy"], color="tab:blue")
        ax.annotate(r["pipeline"], (r["train_seconds"], 100 * r["accuracy"]), fontsize=7)
    for b in QUOTED_BASELINES:
        ax.scatter(b["train_seconds"], 100 * b["accuracy"], color="tab:grey", marker="x")
        ax.annotate(b["pipeline"], (b["train_seconds"], 100 * b["accuracy"]), fontsize=7)
    ax.axvline(132, color="tab:red", linestyle=":", linewidth=1)
    ax.axhline(83.0, color="tab:red", linestyle=":", linewidth=1)
    ax.set_xscale("log")
    ax.set_xlabel("rasa train nlu wall time [s] (log scale)")
    ax.set_ylabel("accuracy [%]")
    ax.set_title("BANKING77 30-shot, full test set; red lines = target (≥83 %, ≤132 s)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run_one(
    dataset: Dataset, pipeline: Path, variant: str, min_in_scope: float, quick: bool
) -> dict[str, Any]:
    """Train and evaluate one pipeline on one prepared data set."""
    with tempfile.TemporaryDirectory(prefix="nlu_public_") as tmp:
        workdir = Path(tmp)
        nlu = workdir / "nlu.yml"
        write_nlu_yaml(dataset.train, nlu)
        logger.info(
            "training %s on %s/%s (%d examples)",
            pipeline.stem,
            dataset.name,
            variant,
            len(dataset.train.texts),
        )
        model, seconds, peak_mb, cpu_seconds = train_model(pipeline, nlu, workdir)
        logger.info("trained in %.1f s (peak RSS %s MB); evaluating", seconds, peak_mb)
        predictions = (
            None
            if quick
            else RESULTS_DIR
            / "predictions"
            / f"{dataset.name}_{pipeline.stem}_{variant.strip('-') or 'all'}.json.gz"
        )
        metrics = evaluate(dataset, model, min_in_scope, predictions)
    return {
        "dataset": dataset.name,
        "pipeline": pipeline.stem,
        "variant": variant,
        "quick": quick,
        "notes": dataset.notes,
        "n_train": len(dataset.train.texts),
        "train_seconds": round(seconds, 1),
        "peak_rss_mb": round(peak_mb, 0) if peak_mb else None,
        "train_cpu_seconds": round(cpu_seconds, 1) if cpu_seconds else None,
        "rasa_cache": "disabled",
        "pipeline_yaml": pipeline.read_text(encoding="utf-8"),
        "timestamp": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        # After the run: wall times depend on what else ran on the 2 shared cores.
        "loadavg": [round(value, 2) for value in os.getloadavg()],
        **metrics,
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=["banking77", "clinc150"], default="banking77")
    parser.add_argument(
        "--pipelines",
        default="",
        help="comma-separated names of bench/pipelines/*.yml (default: all)",
    )
    parser.add_argument("--quick", action="store_true", help="tiny subsample smoke test")
    parser.add_argument("--clinc-per-intent", type=int, default=50)
    parser.add_argument(
        "--oos-variant",
        choices=["threshold", "intent", "both"],
        default="both",
        help="CLINC150: train without OOS (threshold only) and/or with an out_of_scope intent",
    )
    parser.add_argument("--min-in-scope", type=float, default=0.90)
    parser.add_argument("--results", type=Path, default=RESULTS_DIR / "nlu_public.json")
    args = parser.parse_args(argv)
    # Own handler: Rasa reconfigures the root logger when a model is loaded.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    for noisy in ("rasa", "tensorflow", "absl", "matplotlib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"
    import structlog  # Rasa's per-message debug events would otherwise go to stderr

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))

    names = [n for n in args.pipelines.split(",") if n]
    pipelines = [PIPELINE_DIR / f"{n}.yml" for n in names] or sorted(PIPELINE_DIR.glob("*.yml"))
    missing = [p for p in pipelines if not p.exists()]
    if missing:
        parser.error(f"unknown pipeline(s): {', '.join(p.stem for p in missing)}")

    jobs: list[tuple[Dataset, str]] = []
    if args.dataset == "banking77":
        jobs.append((load_banking77(args.quick), "-"))
    else:
        if args.oos_variant in ("threshold", "both"):
            jobs.append((load_clinc150(args.clinc_per_intent, False, args.quick), "threshold"))
        if args.oos_variant in ("intent", "both"):
            jobs.append((load_clinc150(args.clinc_per_intent, True, args.quick), "intent"))

    args.results.parent.mkdir(parents=True, exist_ok=True)
    runs = load_results(args.results)
    for pipeline in pipelines:
        for dataset, variant in jobs:
            try:
                record = run_one(dataset, pipeline, variant, args.min_in_scope, args.quick)
            except RuntimeError:
                logger.exception(
                    "%s on %s/%s failed; skipped", pipeline.stem, dataset.name, variant
                )
                continue
            runs.append(record)
            args.results.write_text(json.dumps(runs, indent=1) + "\n", encoding="utf-8")
            logger.info(
                "%s %s %s: acc %.4f macro-F1 %.4f train %.1f s parse %.2f ms",
                record["dataset"],
                record["pipeline"],
                variant,
                record["accuracy"],
                record["macro_f1"],
                record["train_seconds"],
                record["parse_ms_mean"],
            )
    table = render_markdown(runs)
    if not args.quick:
        plot_banking(runs, args.results.with_name("nlu_public_banking77.png"))
    args.results.with_suffix(".md").write_text(table, encoding="utf-8")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
