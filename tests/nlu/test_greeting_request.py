"""config.yml's ``GreetingWithRequestClassifier`` (``bot/components/greeting_request.py``), run
in the Rasa venv: a greeting followed by a request is the request the ranking prefers; a
greeting alone, or with a few words of small talk, stays a greeting."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.stack_fixtures import ROOT, rasa_probe

PROBE = """
import json, sys
from rasa.shared.nlu.training_data.message import Message
from bot.components.greeting_request import GreetingWithRequestClassifier

results = []
for text, ranking in json.loads(sys.argv[1]):
    ranked = [{"name": name, "confidence": value} for name, value in ranking]
    message = Message(data={"text": text, "intent": ranked[0], "intent_ranking": ranked})
    GreetingWithRequestClassifier().process([message])
    ranking = message.get("intent_ranking")
    results.append([message.get("intent"), [r["confidence"] for r in ranking]])
print(json.dumps(results))
"""

CASES = [
    # (text, classifier ranking, intent afterwards, its confidence)
    ("hello there, can you show my lines",
     [("greet", 0.94), ("show_lines", 0.05), ("ask_help", 0.004), ("faq_esim", 0.006)],
     "show_lines", 0.89),
    ("Goeiemiddag, is het nummer van Youssef Benali al overgezet? Hij vraagt het elke dag.",
     [("greet", 0.63), ("ask_activation_status", 0.36), ("faq_iccid", 0.01)],
     "ask_activation_status", 0.97),
    ("Bonjour à tous, je voudrais voir mes factures",
     [("greet", 0.7), ("show_invoices", 0.25), ("explain_invoice", 0.05)],
     "show_invoices", 0.83),
    # a greeting alone, or small talk after it: a greeting
    ("hallo daar", [("greet", 0.97), ("show_lines", 0.03)], "greet", 0.97),
    ("bonjour, ça va ?", [("greet", 0.9), ("show_lines", 0.1)], "greet", 0.9),
    ("hi, I have a question",
     [("greet", 0.8), ("ask_help", 0.1), ("show_lines", 0.04), ("faq_esim", 0.03),
      ("show_invoices", 0.03)],
     "greet", 0.8),
    # self-introductions and form answers after a greeting are no request
    ("bonjour, je suis le gestionnaire chez Vandamme SPRL",
     [("greet", 0.95), ("switch_role", 0.04), ("show_lines", 0.005)], "greet", 0.95),
    ("bonjour, j'ai une question",
     [("greet", 0.98), ("continue_form", 0.012), ("show_lines", 0.004)], "greet", 0.98),
    # another intent first: untouched
    ("bonjour, montre mes lignes", [("show_lines", 0.8), ("greet", 0.2)], "show_lines", 0.8),
]  # fmt: skip


@pytest.fixture(scope="module")
def results() -> list:
    return rasa_probe(PROBE, json.dumps([[text, ranking] for text, ranking, _, _ in CASES]))


@pytest.mark.parametrize("index", range(len(CASES)))
def test_a_greeting_before_a_request_gives_way_to_it(results: list, index: int) -> None:
    _, _, name, confidence = CASES[index]
    intent, confidences = results[index]
    assert intent["name"] == name
    assert intent["confidence"] == pytest.approx(confidence, abs=0.01)
    # The ranking stays sorted: the FallbackClassifier reads its first two.
    assert confidences == sorted(confidences, reverse=True)


def test_it_runs_after_the_classifier_and_before_the_fallback() -> None:
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    names = [component["name"] for component in config["pipeline"]]
    mine = names.index("bot.components.greeting_request.GreetingWithRequestClassifier")
    classifier = names.index(
        "bot.components.logistic_regression.StackedLogisticRegressionClassifier"
    )
    assert classifier < mine < names.index("FallbackClassifier")
