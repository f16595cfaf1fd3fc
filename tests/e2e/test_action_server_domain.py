"""The action server's own domain (actions/server.py) is what Rasa would have sent.

With ``enable_selective_domain`` Rasa sends no domain with an action call, and the action server
uses ``domain.yml`` as read by ``load_domain``. The parts actions and rasa-sdk's form validation
read — forms' required slots, slots and their mappings, response names — must equal those of
Rasa's own ``Domain.as_dict()`` (computed in the Rasa venv), or a form would validate other slots
than the model asks for.
"""

from __future__ import annotations

from typing import Any

from actions.server import load_domain, with_domain
from scripts.stack import ROOT
from tests.stack_fixtures import rasa_probe

PROBE = """
import json
from rasa.shared.core.domain import Domain
print(json.dumps(Domain.load("domain.yml").as_dict()))
"""


def test_local_domain_matches_what_rasa_would_send() -> None:
    rasa = rasa_probe(PROBE)
    local = load_domain(ROOT / "domain.yml")

    required = {name: form.get("required_slots") for name, form in local["forms"].items()}
    assert required == {name: form.get("required_slots") for name, form in rasa["forms"].items()}
    assert required, "the domain has forms"
    for name, slot in local["slots"].items():
        assert rasa["slots"][name]["mappings"] == slot["mappings"], name
    assert set(local["responses"]) == set(rasa["responses"])


def test_a_call_without_domain_gets_the_local_one_and_a_call_with_one_keeps_it() -> None:
    local = {"forms": {"f": {"required_slots": ["a"]}}}
    bare: dict[str, Any] = {"next_action": "validate_f", "tracker": {}}
    sent = {"next_action": "validate_f", "tracker": {}, "domain": {"forms": {}}}

    with_domain(bare, local)
    with_domain(sent, local)

    assert bare["domain"] is local
    assert sent["domain"] == {"forms": {}}
