"""Product NLU benchmark: held-out FR/NL/EN test sets, k-fold CV, and a pipeline comparison.

Run with the Rasa venv::

    .venv-rasa/bin/python bench/nlu_product.py --folds 3      # nlu_product.{json,md}, PNGs
    .venv-rasa/bin/python bench/nlu_product.py --compare product,logreg_lbfgs_w12_c25_mindf2

The product report evaluates the model ``scripts/train.sh`` keeps for the current content (what
the bot runs; ``train_cost.py`` measures what training it costs). CV folds and compared
pipelines are trained from scratch with an empty Rasa cache, so their times are cold-start
times.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import structlog
import yaml

from bench.model_cache import cached_model

ROOT = Path(__file__).resolve().parent.parent
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
LANGUAGES = ("fr", "nl", "en")
INTENTS = (
    "greet",
    "goodbye",
    "thank",
    "bot_challenge",
    "ask_help",
    "out_of_scope",
    "switch_role",
    "change_language",
    "show_lines",
    "ask_consumption",
    # Fleet operations and their questions.
    "activate_line",
    "replace_sim",
    "unblock_sim",
    "resend_esim",
    "ask_activation_status",
    "change_plan",
    "change_options",
    "change_barrings",
    "deactivate_line",
    "affirm",
    "deny",
    "stop",
    "request_agent",
    "faq_termination_fee",
    "faq_plan_prices",
    "faq_barring",
    "faq_iccid",
    "faq_esim",
    "faq_porting",
    # Billing, shop, repairs, tickets, linking, erasure (issue #4 onwards).
    "show_invoices",
    "explain_invoice",
    "download_invoice",
    "pay_invoice",
    "ask_invoice_paid",
    "setup_direct_debit",
    "stop_direct_debit",
    "change_delivery_method",
    "faq_direct_debit",
    "search_device",
    "show_cart",
    "remove_cart_item",
    "place_order",
    "ask_order_status",
    "request_repair",
    "ask_repair_status",
    "create_ticket",
    "ask_ticket_status",
    "add_ticket_comment",
    "link_account",
    "request_data_erasure",
    # Portal access: password, registration e-mail, login, locked account, role switch; IMEI.
    "ask_password_reset",
    "ask_registration_resend",
    "faq_login",
    "faq_account_locked",
    "faq_role_switch",
    "faq_imei",
    # Short answers: "continue", and any answer (a bare value, a line or a device picked).
    "continue_form",
    "inform",
)
# Every intent of the training data is held out in every language (checked in main()).
# Entities whose value has one right spelling (issue #7: >= 99 % exact match).
STRUCTURED_ENTITIES = ("phone_number", "period", "iccid", "email", "iban", "invoice_number")
# Inputs nobody could mean anything by: the product model must hand them to the fallback.
# FallbackClassifier thresholds compared post hoc on each variant's raw intent ranking (the
# fallback rule is top confidence < threshold, or top-two gap < ambiguity_threshold).
THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.6)
GIBBERISH = (
    "asdfgh qwerty",
    "jjjjj kkkk",
    "xqzv plm",
    "?!?!",
    "qsdkjf lmkqsjdf",
    "wxcvbn poiuyt",
    "zzzz",
    "azerty uiop",
    "blablabla",
    "hjkl mnbv",
)

logger = logging.getLogger(__name__)


# --- pipelines ------------------------------------------------------------------------------

_HEAD_WORD_1 = [
    {"name": "WhitespaceTokenizer"},
    {"name": "RegexFeaturizer", "case_sensitive": False, "use_word_boundaries": False},
    {"name": "LexicalSyntacticFeaturizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
]
_HEAD_WORD_12 = [
    {"name": "WhitespaceTokenizer"},
    {"name": "RegexFeaturizer", "case_sensitive": False, "use_word_boundaries": False},
    {"name": "LexicalSyntacticFeaturizer"},
    {"name": "CountVectorsFeaturizer", "min_ngram": 1, "max_ngram": 2},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 2, "max_ngram": 5},
]
_DIET_0 = {
    "name": "DIETClassifier",
    "number_of_transformer_layers": 0,
    "entity_recognition": False,
    "constrain_similarities": True,
}

# Candidate pipelines: featurizers + intent classifier. The product's entity extractors and
# FallbackClassifier (from config.yml) are appended to each, so only the classifier differs.
VARIANTS: dict[str, list[dict[str, Any]]] = {
    # Rasa's default featurizers with logistic regression.
    "logreg_c1_w1_c14": [*_HEAD_WORD_1, {"name": "LogisticRegressionClassifier", "max_iter": 1000}],
    # The product's featurizers with the classifier's default lbfgs solver (the product's
    # pipeline until the solver comparison: same accuracy, ~17x the training CPU).
    "logreg_lbfgs_w12_c25_mindf2": [
        {"name": "WhitespaceTokenizer"},
        {"name": "RegexFeaturizer", "case_sensitive": False, "use_word_boundaries": False},
        {"name": "LexicalSyntacticFeaturizer"},
        {"name": "CountVectorsFeaturizer", "min_ngram": 1, "max_ngram": 2, "min_df": 2},
        {
            "name": "CountVectorsFeaturizer",
            "analyzer": "char_wb",
            "min_ngram": 2,
            "max_ngram": 5,
            "min_df": 2,
        },
        {"name": "LogisticRegressionClassifier", "max_iter": 300},
    ],
    # DIET without transformer layers (the "fewer layers / fewer epochs" candidate).
    "diet0_e60_w1_c14": [*_HEAD_WORD_1, {**_DIET_0, "epochs": 60}],
    "diet0_e80_w12_c25": [*_HEAD_WORD_12, {**_DIET_0, "epochs": 80}],
}
PRODUCT = "product"  # config.yml's own pipeline in a comparison
# config.yml without its sentence encoder: what the encoder adds, all else equal.
WITHOUT_ENCODER = "product_without_encoder"
# config.yml with the classifier's tolerance at 1e-2: what a shorter fit costs in accuracy.
LOOSER_FIT = "product_tol_1e-2"
_CLASSIFIERS = {
    "LogisticRegressionClassifier",
    "StackedLogisticRegressionClassifier",
    "DIETClassifier",
    "SklearnIntentClassifier",
}


def product_config() -> dict[str, Any]:
    """The product's config.yml as a dict."""
    return yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))


def variant_config(name: str) -> dict[str, Any]:
    """An NLU-only config: variant ``name``'s featurizers/classifier plus the product's tail
    (entity extractors, fallback), or config.yml's pipeline itself for ``product``."""
    config = product_config()
    pipeline = config["pipeline"]
    if name == LOOSER_FIT:
        config["pipeline"] = [
            {**c, "tol": 0.01} if c["name"].rsplit(".", 1)[-1] in _CLASSIFIERS else c
            for c in pipeline
        ]
    elif name == WITHOUT_ENCODER:
        config["pipeline"] = [
            c for c in pipeline if not c["name"].endswith("SentenceEncoderFeaturizer")
        ]
    elif name != PRODUCT:
        tail_start = (
            max(i for i, c in enumerate(pipeline) if c["name"].rsplit(".", 1)[-1] in _CLASSIFIERS)
            + 1
        )
        config["pipeline"] = copy.deepcopy(VARIANTS[name]) + pipeline[tail_start:]
    config["assistant_id"] = f"nlu-product-bench-{name}"
    config.pop("policies", None)
    return config


# --- data -----------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Lower-case, accent-free, punctuation-free text for the train/test leak check."""
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w+]+", " ", folded).split())


def load_nlu(path: Path) -> Any:
    """Rasa TrainingData from a file or a directory of NLU YAML."""
    from rasa.shared.nlu.training_data.loading import load_data

    return load_data(str(path))


def check_no_leak(train: Any, tests: dict[str, Any]) -> None:
    """Fail if a held-out test text also occurs (normalised) in the training data."""
    seen = {normalise(m.get("text")) for m in train.intent_examples}
    leaks = [
        f"{lang}: {m.get('text')!r}"
        for lang, data in tests.items()
        for m in data.intent_examples
        if normalise(m.get("text")) in seen
    ]
    if leaks:
        raise SystemExit("Held-out test sentences found in the training data:\n" + "\n".join(leaks))
    logger.info("Leak check: no held-out sentence occurs in the training data")


# --- training -------------------------------------------------------------------------------


def train(
    config: dict[str, Any], workdir: Path, *, name: str, nlu: Path = ROOT / "data" / "nlu"
) -> tuple[Path, float]:
    """Train NLU-only on ``nlu`` in a subprocess with an empty Rasa cache; the model path and
    wall seconds."""
    workdir.mkdir(parents=True, exist_ok=True)
    config_path = workdir / "config.yml"
    nlu_only = {key: value for key, value in config.items() if key != "policies"}
    config_path.write_text(yaml.safe_dump(nlu_only, sort_keys=False), encoding="utf-8")
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONPATH": str(ROOT),  # bot.components
        "RASA_CACHE_DIRECTORY": str(workdir / "cache"),
    }
    cmd = [str(RASA), "train", "nlu", "--nlu", str(nlu)]
    cmd += ["--config", str(config_path), "--out", str(workdir), "--fixed-model-name", name]
    log = workdir / "train.log"
    start = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        # Fixed argv: our own venv's rasa and paths we created.
        result = subprocess.run(  # noqa: S603
            cmd, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"Training {name} failed; see {log}")
    logger.info("Trained %s in %.1f s", name, seconds)
    return workdir / f"{name}.tar.gz", seconds


def compare_one(name: str, tests: dict[str, Any], work: Path) -> dict[str, Any]:
    """Train pipeline ``name`` NLU-only from scratch; its held-out accuracy, train time and a
    post-hoc sweep of the fallback thresholds on its raw intent ranking."""
    model, seconds = train(variant_config(name), work / name, name=name)
    result = evaluate_model(model, tests)
    preds = result.pop("_predictions")
    gib = gibberish_predictions(model)
    sweep = []
    for ambiguity in (0.0, 0.1):
        for threshold in THRESHOLDS:
            langs = {
                lang: intent_metrics(with_threshold(ps, threshold, ambiguity))
                for lang, ps in preds.items()
            }
            merged = with_threshold([p for ps in preds.values() for p in ps], threshold, ambiguity)
            sweep.append(
                {
                    "threshold": threshold,
                    "ambiguity_threshold": ambiguity,
                    "accuracy": {lang: m["accuracy"] for lang, m in langs.items()},
                    "min_accuracy": min(m["accuracy"] for m in langs.values()),
                    "macro_f1": intent_metrics(merged)["macro_f1"],
                    "gibberish_rejected": sum(
                        p.predicted == "out_of_scope"
                        for p in with_threshold(gib, threshold, ambiguity)
                    ),
                }
            )
    return {
        "pipeline": _describe(variant_config(name)["pipeline"]),
        "train_seconds": seconds,
        "macro_f1": result["overall"]["macro_f1"],
        "languages": {
            lang: {k: m[k] for k in ("accuracy", "accuracy_before_fallback", "macro_f1")}
            for lang, m in result["languages"].items()
        },
        "gibberish": gibberish_intents(model),
        "threshold_sweep": sweep,
    }


# --- evaluation -----------------------------------------------------------------------------


@dataclass
class Prediction:
    """One parsed test example."""

    text: str
    expected: str
    predicted: str  # after the FallbackClassifier; nlu_fallback counts as out_of_scope
    raw: str  # the classifier's best intent, before the fallback threshold
    confidence: float
    raw_confidence: float = 0.0  # the classifier's best confidence, before the fallback
    second_confidence: float = 0.0
    expected_entities: list[tuple[str, int, int, str]] = field(default_factory=list)
    predicted_entities: list[tuple[str, int, int, str]] = field(default_factory=list)


def _entities(items: list[dict[str, Any]] | None) -> list[tuple[str, int, int, str]]:
    # Values compared case-folded: "December" and "december" mean the same month to the actions.
    return sorted(
        (e["entity"], e["start"], e["end"], str(e["value"]).casefold()) for e in items or []
    )


async def _parse_all(model: Path, examples: list[Any]) -> list[Prediction]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    predictions = []
    for message in examples:
        parsed = await agent.parse_message(message.get("text"))
        ranking = [r for r in parsed.get("intent_ranking", []) if r["name"] != "nlu_fallback"]
        predicted = parsed["intent"]["name"]
        predictions.append(
            Prediction(
                text=message.get("text"),
                expected=message.get("intent"),
                predicted="out_of_scope" if predicted == "nlu_fallback" else predicted,
                raw=ranking[0]["name"] if ranking else predicted,
                confidence=float(parsed["intent"]["confidence"]),
                raw_confidence=float(ranking[0]["confidence"]) if ranking else 0.0,
                second_confidence=float(ranking[1]["confidence"]) if len(ranking) > 1 else 0.0,
                expected_entities=_entities(message.get("entities")),
                predicted_entities=_entities(parsed.get("entities")),
            )
        )
    return predictions


def parse_all(model: Path, examples: list[Any]) -> list[Prediction]:
    """Parse every example with the model (in process)."""
    return asyncio.run(_parse_all(model, examples))


def gibberish_intents(model: Path) -> dict[str, str]:
    """The final intent the model gives to each gibberish input."""

    async def run() -> dict[str, str]:
        from rasa.core.agent import Agent

        agent = Agent.load(str(model))
        return {text: (await agent.parse_message(text))["intent"]["name"] for text in GIBBERISH}

    return asyncio.run(run())


def with_threshold(preds: list[Prediction], threshold: float, ambiguity: float) -> list[Prediction]:
    """The predictions a FallbackClassifier with these thresholds would give (post hoc)."""
    out = []
    for p in preds:
        falls = p.raw_confidence < threshold or p.raw_confidence - p.second_confidence < ambiguity
        out.append(Prediction(**{**asdict(p), "predicted": "out_of_scope" if falls else p.raw}))
    return out


def gibberish_predictions(model: Path) -> list[Prediction]:
    """The gibberish inputs parsed as if their expected intent were out_of_scope."""
    from rasa.shared.nlu.training_data.message import Message

    return parse_all(
        model, [Message(data={"text": t, "intent": "out_of_scope"}) for t in GIBBERISH]
    )


def intent_metrics(preds: list[Prediction]) -> dict[str, Any]:
    """Accuracy (after and before fallback) and macro-F1 over the domain's intents."""
    from sklearn.metrics import f1_score

    y_true = [p.expected for p in preds]
    y_pred = [p.predicted for p in preds]
    return {
        "n": len(preds),
        "accuracy": sum(t == p for t, p in zip(y_true, y_pred, strict=True)) / len(preds),
        "accuracy_before_fallback": sum(p.expected == p.raw for p in preds) / len(preds),
        "macro_f1": float(
            f1_score(y_true, y_pred, labels=list(INTENTS), average="macro", zero_division=0)
        ),
        "fallbacks_on_in_scope": sum(
            p.predicted == "out_of_scope"
            and p.raw != "out_of_scope"
            and p.expected != "out_of_scope"
            for p in preds
        ),
    }


def entity_metrics(preds: list[Prediction]) -> dict[str, dict[str, float]]:
    """Per entity type precision/recall/F1 on exact (type, span, value) matches."""
    counts: dict[str, Counter[str]] = {}
    for p in preds:
        expected, predicted = set(p.expected_entities), set(p.predicted_entities)
        for kind, items in (
            ("tp", expected & predicted),
            ("fn", expected - predicted),
            ("fp", predicted - expected),
        ):
            for entity in items:
                counts.setdefault(entity[0], Counter())[kind] += 1
    result = {}
    for name, c in sorted(counts.items()):
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result[name] = {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "support": c["tp"] + c["fn"],
        }
    return result


def structured_exact_match(preds: list[Prediction]) -> float:
    """Share of annotated phone numbers and periods found with the exact span and value."""
    expected = [
        (i, e)
        for i, p in enumerate(preds)
        for e in p.expected_entities
        if e[0] in STRUCTURED_ENTITIES
    ]
    if not expected:
        return 1.0
    found = sum(e in preds[i].predicted_entities for i, e in expected)
    return found / len(expected)


def confused_pairs(preds: list[Prediction], top: int = 10) -> list[dict[str, Any]]:
    """The most frequent (expected, predicted) intent confusions."""
    pairs = Counter((p.expected, p.predicted) for p in preds if p.expected != p.predicted)
    return [{"expected": e, "predicted": p, "count": n} for (e, p), n in pairs.most_common(top)]


def plot_confusion(preds: list[Prediction], title: str, path: Path) -> None:
    """A confusion-matrix PNG (rows: expected, columns: predicted)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    labels = list(INTENTS) + sorted({p.predicted for p in preds} - set(INTENTS))
    matrix = confusion_matrix(
        [p.expected for p in preds], [p.predicted for p in preds], labels=labels
    )
    fig, ax = plt.subplots(figsize=(14, 12))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    for i in range(len(labels)):
        for j in range(len(labels)):
            if matrix[i, j]:
                colour = "white" if matrix[i, j] > matrix.max() / 2 else "black"
                ax.text(j, i, str(matrix[i, j]), ha="center", va="center", color=colour)
    ax.set_xlabel("predicted (nlu_fallback counted as out_of_scope)")
    ax.set_ylabel("expected")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def cross_validate(
    config: dict[str, Any], train_data: Any, folds: int, workdir: Path
) -> dict[str, Any]:
    """Stratified k-fold CV on the training data, every fold trained from scratch."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from sklearn.model_selection import StratifiedKFold

    examples = list(train_data.intent_examples)
    labels = [m.get("intent") for m in examples]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=42)
    preds: list[Prediction] = []
    seconds = []
    for fold, (train_idx, test_idx) in enumerate(splitter.split(examples, labels)):
        fold_dir = workdir / f"fold{fold}"
        fold_dir.mkdir(parents=True)
        fold_data = TrainingData(
            training_examples=[examples[i] for i in train_idx],
            entity_synonyms=train_data.entity_synonyms,
            regex_features=train_data.regex_features,
            lookup_tables=train_data.lookup_tables,
        )
        nlu_file = fold_dir / "nlu.yml"
        RasaYAMLWriter().dump(nlu_file, fold_data)
        model, secs = train(config, fold_dir, name=f"fold{fold}", nlu=nlu_file)
        seconds.append(secs)
        preds += parse_all(model, [examples[i] for i in test_idx])
    metrics = intent_metrics(preds)
    metrics["entities"] = entity_metrics(preds)
    metrics["folds"] = folds
    metrics["mean_train_seconds"] = sum(seconds) / len(seconds)
    metrics["confused_pairs"] = confused_pairs(preds)
    return metrics


# --- report ---------------------------------------------------------------------------------


def evaluate_model(model: Path, tests: dict[str, Any]) -> dict[str, Any]:
    """Per-language intent and entity metrics of one model on the held-out sets."""
    per_lang: dict[str, Any] = {}
    all_preds: dict[str, list[Prediction]] = {}
    for lang, data in tests.items():
        preds = parse_all(model, list(data.intent_examples))
        all_preds[lang] = preds
        per_lang[lang] = {
            **intent_metrics(preds),
            "entities": entity_metrics(preds),
            "structured_exact_match": structured_exact_match(preds),
            "confused_pairs": confused_pairs(preds),
            "errors": [asdict(p) for p in preds if p.expected != p.predicted],
            "entity_errors": [
                asdict(p) for p in preds if set(p.expected_entities) != set(p.predicted_entities)
            ],
        }
    merged = [p for preds in all_preds.values() for p in preds]
    return {
        "languages": per_lang,
        "overall": {**intent_metrics(merged), "entities": entity_metrics(merged)},
        "confused_pairs": confused_pairs(merged),
        "_predictions": all_preds,
    }


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def write_markdown(report: dict[str, Any], path: Path) -> str:
    """Write the human-readable report; return the per-language table."""
    product = report["product"]
    lines = [
        "# Product NLU benchmark (held-out FR/NL/EN sets, Rasa 3.6.21, 2-core machine)",
        "",
        "Generated by `.venv-rasa/bin/python bench/nlu_product.py`. Test sets:",
        "`tests/nlu/test_<lang>.yml` (never trained on; the script fails if any test sentence,",
        "normalised, occurs in `data/nlu`). Intent accuracy is measured after the",
        "FallbackClassifier; a fallback counts as `out_of_scope` (both make the bot decline), so",
        "in-scope messages that fall back count as errors.",
        "Entities: exact (type, span, value) matches, value after synonym mapping. Structured",
        "exact = share of annotated " + ", ".join(STRUCTURED_ENTITIES) + " found exactly.",
        "",
        f"Pipeline: `config.yml` — {report['product_pipeline']}",
        "",
        f"Load average (1, 5, 15 min) before / after: {report.get('loadavg_before')} / "
        f"{report.get('loadavg_after')} (2 shared cores: train times vary with it).",
        "",
        "## Held-out results (product model)",
        "",
    ]
    table = [
        "| language | n | intent acc | acc before fallback | macro-F1 | structured exact"
        " | entity F1 (micro) |",
        "|---|---|---|---|---|---|---|",
    ]
    for lang, m in product["languages"].items():
        ents = m["entities"]
        tp = sum(e["f1"] * e["support"] for e in ents.values())
        support = sum(e["support"] for e in ents.values()) or 1
        table.append(
            f"| {lang} | {m['n']} | {_pct(m['accuracy'])} "
            f"| {_pct(m['accuracy_before_fallback'])} | "
            f"{_pct(m['macro_f1'])} | {_pct(m['structured_exact_match'])} | {_pct(tp / support)} |"
        )
    o = product["overall"]
    table.append(
        f"| all | {o['n']} | {_pct(o['accuracy'])} | {_pct(o['accuracy_before_fallback'])} | "
        f"{_pct(o['macro_f1'])} | | |"
    )
    lines += table
    lines += [
        "",
        "Entities per type (all languages):",
        "",
        "| entity | precision | recall | F1 | support |",
    ]
    lines += ["|---|---|---|---|---|"]
    for name, e in product["overall"]["entities"].items():
        lines.append(
            f"| {name} | {_pct(e['precision'])} | {_pct(e['recall'])} | {_pct(e['f1'])} "
            f"| {e['support']} |"
        )
    for lang, m in product["languages"].items():
        lines += ["", f"Entities per type, {lang.upper()}:", ""]
        lines += ["| entity | precision | recall | F1 | support |", "|---|---|---|---|---|"]
        lines += [
            f"| {name} | {_pct(e['precision'])} | {_pct(e['recall'])} | {_pct(e['f1'])} "
            f"| {e['support']} |"
            for name, e in m["entities"].items()
        ]
        lines += ["", f"Most confused intent pairs, {lang.upper()} (expected → predicted):", ""]
        lines += [
            f"- {c['expected']} → {c['predicted']}: {c['count']}" for c in m["confused_pairs"]
        ] or ["- none"]
    lines += ["", "Most confused intent pairs (expected → predicted, all languages):", ""]
    lines += [
        f"- {c['expected']} → {c['predicted']}: {c['count']}" for c in product["confused_pairs"]
    ] or ["- none"]
    lines += [
        "",
        "Confusion matrices: " + ", ".join(f"`confusion_{lang}.png`" for lang in LANGUAGES),
        "",
    ]
    lines += [
        "Gibberish (must fall back): "
        + ", ".join(f"`{t}` → {i}" for t, i in report["gibberish"].items()),
        "",
    ]
    if report.get("cross_validation"):
        cv = report["cross_validation"]
        lines += [
            f"## {cv['folds']}-fold cross-validation on the training data (product pipeline)",
            "",
            f"{cv['n']} examples: intent accuracy {_pct(cv['accuracy'])} "
            f"(before fallback {_pct(cv['accuracy_before_fallback'])}), "
            f"macro-F1 {_pct(cv['macro_f1'])}; "
            f"mean NLU train per fold {cv['mean_train_seconds']:.0f} s.",
            "",
        ]
        lines += [
            f"- {c['expected']} → {c['predicted']}: {c['count']}" for c in cv["confused_pairs"]
        ]
        lines.append("")
    lines += ["## Errors of the product model", ""]
    for lang, m in product["languages"].items():
        for e in m["errors"]:
            lines.append(
                f"- {lang}: `{e['text']}` expected {e['expected']}, got {e['predicted']} "
                f"({e['confidence']:.2f})"
            )
        for e in m["entity_errors"]:
            lines.append(
                f"- {lang} entities: `{e['text']}` expected {e['expected_entities']}, "
                f"got {e['predicted_entities']}"
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return "\n".join(table)


def write_comparison_markdown(report: dict[str, Any], path: Path) -> str:
    """Write the pipeline comparison; return its accuracy table."""
    lines = [
        "# NLU pipeline comparison (held-out FR/NL/EN sets, Rasa 3.6.21, 2-core machine)",
        "",
        "Generated by `.venv-rasa/bin/python bench/nlu_product.py --compare ...` (`make",
        "bench-pipelines`).",
        "",
        f"Load average (1, 5, 15 min) before / after: {report.get('loadavg_before')} / "
        f"{report.get('loadavg_after')} (2 shared cores: train times vary with it).",
        "",
    ]
    lines += [
        "NLU-only models (`rasa train nlu`, empty cache), each with the product's entity",
        "extractors and FallbackClassifier. Accuracy after fallback (before it in brackets).",
        "",
        "| pipeline | FR | NL | EN | macro-F1 (all) | NLU train s |",
        "|---|---|---|---|---|---|",
    ]
    for name, c in report["comparison"].items():
        langs = c["languages"]
        cells = [
            f"{_pct(langs[x]['accuracy'])} ({_pct(langs[x]['accuracy_before_fallback'])})"
            for x in LANGUAGES
        ]
        lines.append(
            f"| {name} | {' | '.join(cells)} | {_pct(c['macro_f1'])} | {c['train_seconds']:.0f} |"
        )
    lines += [
        "",
        "FallbackClassifier threshold sweep (post hoc on each variant's raw ranking: a",
        "message falls back when its top confidence < threshold or the top-two gap <",
        "ambiguity threshold). Accuracy after fallback; gibberish rejected out of "
        f"{len(GIBBERISH)}.",
        "",
        "| pipeline | threshold | ambiguity | FR | NL | EN | min | macro-F1 | gibberish |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, c in report["comparison"].items():
        for r in c.get("threshold_sweep", []):
            accs = " | ".join(_pct(r["accuracy"][x]) for x in LANGUAGES)
            lines.append(
                f"| {name} | {r['threshold']} | {r['ambiguity_threshold']} | {accs} "
                f"| {_pct(r['min_accuracy'])} | {_pct(r['macro_f1'])} "
                f"| {r['gibberish_rejected']}/{len(GIBBERISH)} |"
            )
    lines += ["", "Pipelines (featurizers, classifier, the product's extractors and fallback):", ""]
    lines += [f"- `{name}`: {c['pipeline']}" for name, c in report["comparison"].items()]
    lines.append("")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    start = lines.index("| pipeline | FR | NL | EN | macro-F1 (all) | NLU train s |")
    return "\n".join(lines[start : start + 2 + len(report["comparison"])])


def evaluate_messages(model: Path, folder: Path, train: Any, out: Path) -> str:
    """Intent accuracy of ``model`` on a folder of blind messages (``<lang>.yml``, the languages
    present), leaving out those equal (normalised) to a training sentence; writes
    ``nlu_messages_<folder>.md`` with the errors (such a set is for development: reading them
    is its purpose). Returns the table."""
    from rasa.shared.nlu.training_data.training_data import TrainingData

    seen = {normalise(m.get("text")) for m in train.intent_examples}
    table = [
        "| language | n | left out (equal a training sentence) | intent acc | macro-F1 |",
        "|---|---|---|---|---|",
    ]
    kept: dict[str, Any] = {}
    left_out: dict[str, int] = {}
    for lang in [lang for lang in LANGUAGES if (folder / f"{lang}.yml").exists()]:
        examples = list(load_nlu(folder / f"{lang}.yml").intent_examples)
        kept[lang] = TrainingData(
            training_examples=[m for m in examples if normalise(m.get("text")) not in seen]
        )
        left_out[lang] = len(examples) - len(kept[lang].intent_examples)
    errors: list[str] = []
    for lang, m in evaluate_model(model, kept)["languages"].items():
        table.append(
            f"| {lang} | {m['n']} | {left_out[lang]} | {_pct(m['accuracy'])} "
            f"| {_pct(m['macro_f1'])} |"
        )
        errors += [
            f"- {lang} `{e['expected']}` → `{e['predicted']}` ({e['confidence']:.2f}): {e['text']}"
            for e in m["errors"]
        ]
    lines = [
        f"# Product NLU on the messages of `{folder.relative_to(ROOT)}`",
        "",
        f"Generated by `.venv-rasa/bin/python bench/nlu_product.py --messages "
        f"{folder.relative_to(ROOT)}` with model `{model.name}`.",
        "",
        *table,
        "",
        "## Errors",
        "",
        *errors,
    ]
    out.mkdir(parents=True, exist_ok=True)
    (out / f"nlu_messages_{folder.name}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return "\n".join(table)


def _describe(pipeline: list[dict[str, Any]]) -> str:
    parts = []
    for c in pipeline:
        options = {k: v for k, v in c.items() if k != "name"}
        if c["name"] in ("WhitespaceTokenizer", "LexicalSyntacticFeaturizer", "RegexFeaturizer"):
            continue
        parts.append(c["name"] + (f" {options}" if options else ""))
    return "; ".join(parts)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (0 to skip)")
    parser.add_argument(
        "--compare",
        default="",
        help="instead of the product report: train these pipelines (comma-separated; 'product' is"
        " config.yml's) NLU-only and compare them on the held-out sets (nlu_pipelines.*); known: "
        + ", ".join([*VARIANTS, WITHOUT_ENCODER, LOOSER_FIT]),
    )
    parser.add_argument(
        "--messages",
        type=Path,
        help="instead of the product report: the product model's intent accuracy on a folder of"
        " blind messages (<lang>.yml, e.g. bench/nlu_dev) → nlu_messages_<folder>.md",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("rasa", "tensorflow", "absl", "matplotlib", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    # Rasa's processor logs every parse through structlog at debug level.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

    train_data = load_nlu(ROOT / "data" / "nlu")
    if args.messages:
        folder = args.messages.resolve()
        sys.stdout.write(evaluate_messages(cached_model(), folder, train_data, args.out) + "\n")
        return 0
    tests = {lang: load_nlu(ROOT / "tests" / "nlu" / f"test_{lang}.yml") for lang in LANGUAGES}
    check_no_leak(train_data, tests)
    missing = {
        lang: set(INTENTS) - {m.get("intent") for m in t.intent_examples}
        for lang, t in tests.items()
    }
    if any(missing.values()):
        raise SystemExit(f"Test sets miss intents: {missing}")
    untested = {m.get("intent") for m in train_data.intent_examples} - set(INTENTS)
    if untested:
        raise SystemExit(f"Intents trained but not held out: {sorted(untested)}")

    args.out.mkdir(parents=True, exist_ok=True)
    config = product_config()
    report: dict[str, Any] = {
        "product_pipeline": _describe(config["pipeline"]),
        # Train times depend on what else runs on the 2 shared cores.
        "loadavg_before": [round(value, 2) for value in os.getloadavg()],
    }
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="nlu-product-") as tmp:
        work = Path(tmp)
        if args.compare:
            report["comparison"] = {
                name: compare_one(name, tests, work) for name in args.compare.split(",")
            }
        else:
            # The model the bot runs (content-cached); train_cost.py measures training it.
            model = cached_model()
            product = evaluate_model(model, tests)
            for lang, preds in product.pop("_predictions").items():
                plot_confusion(
                    preds,
                    f"Product NLU, held-out {lang.upper()}",
                    args.out / f"confusion_{lang}.png",
                )
            report["product"] = product
            report["gibberish"] = gibberish_intents(model)
            if args.folds:
                report["cross_validation"] = cross_validate(
                    config, train_data, args.folds, work / "cv"
                )

    report["loadavg_after"] = [round(value, 2) for value in os.getloadavg()]
    report["wall_s"] = round(time.perf_counter() - started, 1)
    name = "nlu_pipelines" if args.compare else "nlu_product"
    (args.out / f"{name}.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    if args.compare:
        table = write_comparison_markdown(report, args.out / "nlu_pipelines.md")
    else:
        table = write_markdown(report, args.out / "nlu_product.md")
    sys.stdout.write(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
