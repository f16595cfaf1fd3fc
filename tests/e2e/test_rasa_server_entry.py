"""bot/server.py's caches give Rasa 3.6's own answers.

Run in the Rasa venv (a subprocess): every action-server answer below goes through Rasa's own
``RemoteAction._validate_action_result`` and through the cached validator, and every event type
name through Rasa's ``Event.resolve_by_type`` and the cached map; the results must be the same
(same classes, the same answers accepted, the same refused with the same message).
"""

from __future__ import annotations

import json

from tests.stack_fixtures import rasa_probe

ANSWERS = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "language", "value": "fr"}], "responses": []},
    {"events": [{"event": "active_loop", "name": None}], "responses": [{"text": "ok"}]},
    {"events": [{"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet"}}}]},
    {"events": "not a list", "responses": []},
    {"events": [{"name": "language", "value": "fr"}], "responses": []},  # no "event"
    {"events": [{"event": "slot", "name": "x", "timestamp": "yesterday"}]},
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": [], "responses": "hello"},
    {"events": [], "responses": ["hello"]},
]

PROBE = """
import json, sys
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
import bot.server

original = RemoteAction._validate_action_result
bot.server.install()
action = RemoteAction("action_probe", None)
out = []
for answer in json.loads(sys.argv[1]):
    verdicts = []
    for check in (original, RemoteAction._validate_action_result):
        try:
            verdicts.append(["ok", check(action, answer)])
        except ValidationError as error:
            verdicts.append(["refused", error.message])
    out.append(verdicts)
# The comparison alone would pass if install() replaced nothing: say what is installed.
installed = RemoteAction._validate_action_result is bot.server.validate_action_result
print(json.dumps({"installed": installed, "verdicts": out}))
"""


EVENT_PROBE = """
import json
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses
import bot.server

original = Event.resolve_by_type
bot.server.install()
names = sorted({cls.type_name for cls in all_subclasses(Event)}) + ["topic", "no_such_event"]
out = {}
for name in names:
    answers = []
    for resolve in (original, Event.resolve_by_type):
        try:
            found = resolve(name)
            answers.append(None if found is None else f"{found.__module__}.{found.__qualname__}")
        except ValueError as error:
            answers.append(f"ValueError: {error}")
    out[name] = answers
installed = Event.resolve_by_type is bot.server.resolve_event_type
mapped = sorted(bot.server.event_classes())
print(json.dumps({"installed": installed, "mapped": mapped, "answers": out}))
"""


def test_cached_event_classes_are_rasas() -> None:
    probe = rasa_probe(EVENT_PROBE)
    answers = probe["answers"]
    assert probe["installed"] is True
    # Every known type name is served from the map, not by Rasa's walk of the class tree.
    assert set(probe["mapped"]) == set(answers) - {"topic", "no_such_event"}
    for name, (rasa, ours) in answers.items():
        assert ours == rasa, name
    assert answers["user"][0] == "rasa.shared.core.events.UserUttered"
    assert answers["no_such_event"][0] == "ValueError: Unknown event name 'no_such_event'."
    assert len(answers) > 20


def test_cached_validator_gives_rasas_verdicts() -> None:
    probe = rasa_probe(PROBE, json.dumps(ANSWERS))
    verdicts = probe["verdicts"]
    assert probe["installed"] is True
    assert len(verdicts) == len(ANSWERS)
    for answer, (rasa, ours) in zip(ANSWERS, verdicts, strict=True):
        assert ours == rasa, answer
    outcomes = [rasa[0] for rasa, _ in verdicts]
    # The probe set has both kinds, so an accept-all or refuse-all validator cannot pass.
    assert outcomes.count("ok") == 4
    assert outcomes.count("refused") == 6
