"""Re-analyse FallbackClassifier settings on stored CLINC150 predictions (no retraining).

``bench/nlu_public.py`` stores every parse result of a full CLINC150 run in
``bench/results/predictions/clinc150_<pipeline>_<variant>.json.gz``.  This script picks the
FallbackClassifier ``threshold`` / ``ambiguity_threshold`` on the validation split (highest
out-of-scope recall with validation in-scope accuracy >= ``--min-in-scope``) and reports the
resulting test figures, plus the test figures for explicitly given settings::

    .venv-rasa/bin/python bench/oos_thresholds.py \
        bench/results/predictions/clinc150_logreg_w12_c25_mindf2_intent.json.gz \
        --min-in-scope 0.90 0.91 --settings 0.3:0.1 0.3:0
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from nlu_public import apply_fallback, pick_threshold, scope_metrics


def _row(label: str, metrics: dict[str, Any]) -> str:
    return (
        f"| {label} | {100 * metrics['in_scope_accuracy']:.1f} % | "
        f"{100 * metrics['oos_recall']:.1f} % | {100 * metrics['oos_precision']:.1f} % |"
    )


def main(argv: list[str] | None = None) -> int:
    """Print a markdown table of fallback settings and their test metrics."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("predictions", type=Path)
    parser.add_argument("--min-in-scope", type=float, nargs="*", default=[0.90, 0.91])
    parser.add_argument(
        "--settings", nargs="*", default=["0.3:0.1"], help="threshold:ambiguity_threshold"
    )
    args = parser.parse_args(argv)
    with gzip.open(args.predictions, "rt", encoding="utf-8") as handle:
        data = json.load(handle)
    test, val = data["test"], data["val"]
    test_gold = [r["gold"] for r in test]
    lines = [
        f"{args.predictions.name}",
        "",
        "| setting (threshold / ambiguity) | test in-scope acc | test OOS recall | "
        "test OOS precision |",
        "|---|---|---|---|",
    ]
    for minimum in args.min_in_scope:
        chosen = pick_threshold([r["gold"] for r in val], val, minimum)
        thr, amb = chosen["threshold"], chosen["ambiguity_threshold"]
        metrics = scope_metrics(test_gold, apply_fallback(test, thr, amb))
        lines.append(
            _row(f"picked on val (≥ {100 * minimum:.1f} %): {thr:.2f} / {amb:.2f}", metrics)
        )
    for setting in args.settings:
        thr_s, amb_s = setting.split(":")
        metrics = scope_metrics(test_gold, apply_fallback(test, float(thr_s), float(amb_s)))
        lines.append(_row(f"fixed: {float(thr_s):.2f} / {float(amb_s):.2f}", metrics))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
