"""config.yml's ``StructuredAnswerClassifier`` (``bot/components/structured_answer.py``), run in
the Rasa venv: a message that is only an IBAN, ICCID, e-mail address or IMEI, or only points at
a line by its user's name, becomes ``inform``; anything with more words keeps the classifier's
intent."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.stack_fixtures import ROOT, rasa_probe

PROBE = """
import json, sys
from rasa.shared.nlu.training_data.message import Message
from bot.components.structured_answer import StructuredAnswerClassifier

results = []
for text, entity in json.loads(sys.argv[1]):
    entities = []
    if entity:
        start = text.index(entity[1])
        entities = [{"entity": entity[0], "start": start, "end": start + len(entity[1])}]
    guess = {"name": "out_of_scope", "confidence": 0.4}
    message = Message(data={"text": text, "entities": entities, "intent": guess,
                            "intent_ranking": [guess, {"name": "inform", "confidence": 0.3}]})
    StructuredAnswerClassifier().process([message])
    ranking = message.get("intent_ranking")
    results.append([message.get("intent"), ranking[0], [r["name"] for r in ranking]])
print(json.dumps(results))
"""

CASES = [
    # (text, entity found by the regexes or None, intent expected afterwards)
    ("BE49 2930 4567 8971", ("iban", "BE49 2930 4567 8971"), "inform"),
    ("an.desmet@bruggebouw.be", ("email", "an.desmet@bruggebouw.be"), "inform"),
    ("sarah.janssens@acme.be.", ("email", "sarah.janssens@acme.be"), "inform"),
    ("8932 0300 0000 0004 249", ("iccid", "8932 0300 0000 0004 249"), "inform"),
    ("353918109871232", None, "inform"),
    ("35 391810 987123 2 !", None, "inform"),
    # Words around the value: the classifier decides.
    ("envoie la facture à an.desmet@bruggebouw.be", ("email", "an.desmet@bruggebouw.be"), None),
    ("domiciliëring op BE49 2930 4567 8971 aub", ("iban", "BE49 2930 4567 8971"), None),
    ("repair for imei 353918109871232", None, None),
    # A bare phone number or a short number is no structured answer of this kind.
    ("0475 33 44 55", None, None),
    ("12345", None, None),
    # A line pointed at by its user, in FR/NL/EN, any case, with a title or a "please".
    ("la ligne de Sophie Martin", None, "inform"),
    ("le gsm de kevin", None, "inform"),
    ("c'est celle de madame Janssens svp", None, "inform"),
    ("die van Jan graag", None, "inform"),
    ("het nummer van Pieter Van den Broeck", None, "inform"),
    ("Pieter's number", None, "inform"),
    ("the one for Mr Jacobs", None, "inform"),
    # A sentence about a line, or a number that is nobody's, is left to the classifier.
    ("la ligne de Jan est bloquée", None, None),
    ("le numéro de client", None, None),
    ("het nummer van de simkaart", None, None),
    ("the number of the invoice", None, None),
]


@pytest.fixture(scope="module")
def results() -> list:
    cases = [[text, entity] for text, entity, _ in CASES]
    return rasa_probe(PROBE, json.dumps(cases))


@pytest.mark.parametrize("index", range(len(CASES)))
def test_only_a_bare_value_or_line_changes_the_intent(results: list, index: int) -> None:
    intent, first, ranked = results[index]
    expected = CASES[index][2]
    if expected is None:
        assert intent == {"name": "out_of_scope", "confidence": 0.4}
        assert first["name"] == "out_of_scope"
    else:
        assert intent == {"name": expected, "confidence": 1.0}
        assert first == intent
    # The ranking keeps every intent the classifier ranked, once.
    assert len(ranked) == len(set(ranked)) and {"out_of_scope", "inform"} <= set(ranked)


def test_it_runs_after_the_entity_extractors_and_before_the_fallback() -> None:
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    names = [component["name"] for component in config["pipeline"]]
    mine = names.index("bot.components.structured_answer.StructuredAnswerClassifier")
    assert names.index("RegexEntityExtractor") < mine < names.index("FallbackClassifier")
