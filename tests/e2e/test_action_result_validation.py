"""bot/server.py validates action-server answers exactly as Rasa 3.6 does, with one validator.

Run in the Rasa venv (a subprocess): every answer below goes through Rasa's own
``RemoteAction._validate_action_result`` and through the cached one; both must accept the same
answers and refuse the same ones with the same message.
"""

from __future__ import annotations

import json
import subprocess

from scripts.stack import RASA_PYTHON, ROOT

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
print(json.dumps(out))
"""


def test_cached_validator_gives_rasas_verdicts() -> None:
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", PROBE, json.dumps(ANSWERS)],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    verdicts = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(verdicts) == len(ANSWERS)
    for answer, (rasa, ours) in zip(ANSWERS, verdicts, strict=True):
        assert ours == rasa, answer
    outcomes = [rasa[0] for rasa, _ in verdicts]
    # The probe set has both kinds, so an accept-all or refuse-all validator cannot pass.
    assert outcomes.count("ok") == 4
    assert outcomes.count("refused") == 6
