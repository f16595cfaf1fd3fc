"""config.yml's ``SelfCorrectionFilter`` (``bot/components/self_correction.py``), run in the
Rasa venv: a number, SIM serial, e-mail or IBAN taken back in the same message ("0498 76 54
32... non pardon 0498 76 54 23") leaves only the corrected value; two values side by side stay."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.stack_fixtures import ROOT, rasa_probe

PROBE = """
import json, sys
from rasa.shared.nlu.training_data.message import Message
from bot.components.self_correction import SelfCorrectionFilter

results = []
for text, kind, values in json.loads(sys.argv[1]):
    entities = []
    for value in values:
        start = text.index(value)
        entities.append({"entity": kind, "value": value, "start": start, "end": start + len(value)})
    message = Message(data={"text": text, "entities": entities})
    SelfCorrectionFilter().process([message])
    results.append([e["value"] for e in message.get("entities")])
print(json.dumps(results))
"""

CASES = [
    # (text, entity, values found, values kept) — set23 fr-004, nl-004, fr-011, nl-008
    ("elle veut garder son num 0498 76 54 32... non pardon 0498 76 54 23. on fait une esim",
     "phone_number", ["0498 76 54 32", "0498 76 54 23"], ["0498 76 54 23"]),
    ("wil zijn nummer meenemen: 0495 22 33 44, nee sorry 0495 22 33 45. Ik heb simkaart",
     "phone_number", ["0495 22 33 44", "0495 22 33 45"], ["0495 22 33 45"]),
    ("kevin hermans (0470 00 00 51... non 0470 00 00 15) est tjs a court de data",
     "phone_number", ["0470 00 00 51", "0470 00 00 15"], ["0470 00 00 15"]),
    ("new SIM 8932031100000000031, oops I mean 8932031100000000049",
     "iccid", ["8932031100000000031", "8932031100000000049"], ["8932031100000000049"]),
    # two values side by side: both kept
    ("move 0470 00 00 04 and 0470 00 00 05 to Pro Smart",
     "phone_number", ["0470 00 00 04", "0470 00 00 05"], ["0470 00 00 04", "0470 00 00 05"]),
    ("bel 0470 00 00 04, niet 0470 00 00 05", "phone_number",
     ["0470 00 00 04", "0470 00 00 05"], ["0470 00 00 04", "0470 00 00 05"]),
]  # fmt: skip


@pytest.fixture(scope="module")
def results() -> list:
    found: list = rasa_probe(PROBE, json.dumps([case[:3] for case in CASES]))
    return found


@pytest.mark.parametrize("index", range(len(CASES)))
def test_a_value_taken_back_leaves_the_corrected_one(results: list, index: int) -> None:
    assert results[index] == CASES[index][3]


def test_it_runs_after_the_entity_extractors() -> None:
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    names = [component["name"] for component in config["pipeline"]]
    here = names.index("bot.components.self_correction.SelfCorrectionFilter")
    assert here > names.index("RegexEntityExtractor")
