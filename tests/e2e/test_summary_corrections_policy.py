"""bot/policies/answer.py routes a correction typed at a summary to the confirm action.

The four classes of tests/actions/test_summary_corrections.py, in FR/NL/EN, with the intents the
classifier gave them: a cue of a change and a value of the waiting operation's own parameters go
to ``action_confirm_operation`` (which re-opens that operation's form), never to the message's
own intent (a new ``change_plan`` form, the out-of-scope answer, the rephrase fallback, a stop).
"""

from __future__ import annotations

import json

import pytest

from tests.e2e.test_answer_policy import PROBE
from tests.stack_fixtures import rasa_probe

CONFIRM = "action_confirm_operation"
CANCEL = "action_cancel_operation"
REPLACEMENT = {"pending_operation_id": "op_1", "pending_operation_type": "replace_sim"}
TICKET = {"pending_operation_id": "ticket:new:abc", "pending_operation_type": "create_ticket"}
ACTIVATION = {"pending_operation_id": "op_1", "pending_operation_type": "activate_line"}
DEACTIVATION = {"pending_operation_id": "op_1", "pending_operation_type": "deactivate_line"}
OPTIONS = {"pending_operation_id": "op_1", "pending_operation_type": "change_options"}
ESIM = [("sim_type", "eSIM"), ("email", "ines.vermeulen@acme-logistics.example")]
CONTACT = [("phone_number", "0470 00 00 16")]
PLAN = [("plan", "Pro Smart")]
LINE = [("phone_number", "0470 00 00 53")]
# (text, intent the classifier gave, entities, pending operation, expected action)
CASES = [
    # nl-009: the replacement becomes an eSIM, read as stop
    ("nee wacht, geef haar toch maar een eSIM, op ines.vermeulen@acme-logistics.example",
     "stop", ESIM, REPLACEMENT, CONFIRM),
    ("non attendez, donnez-lui plutôt une eSIM, sur ines.vermeulen@acme-logistics.example",
     "stop", ESIM, REPLACEMENT, CONFIRM),
    ("no wait, give her an eSIM instead, at ines.vermeulen@acme-logistics.example",
     "stop", ESIM, REPLACEMENT, CONFIRM),
    # nl-022: the ticket's contact, read as nothing
    ("zet als contact maar Sarah Michiels, 0470 00 00 16, zij volgt dat op",
     "nlu_fallback", CONTACT, TICKET, CONFIRM),
    ("zet als contact maar Sarah Michiels, 0470 00 00 16, zij volgt dat op",
     "nlu_fallback", [], TICKET, CONFIRM),
    ("mettez Sarah Michiels comme contact, 0470 00 00 16, c'est elle qui suit le dossier",
     "nlu_fallback", CONTACT, TICKET, CONFIRM),
    ("put Sarah Michiels as the contact, 0470 00 00 16, she's following it up",
     "nlu_fallback", CONTACT, TICKET, CONFIRM),
    # en-026: the activation's plan, read as another operation
    ("on second thought, put her on Pro Smart, that should be enough",
     "change_plan", PLAN, ACTIVATION, CONFIRM),
    ("réflexion faite, mettez-la sur Pro Smart, ça suffira", "change_plan", PLAN, ACTIVATION,
     CONFIRM),
    ("bij nader inzien, zet haar toch op Pro Smart, dat volstaat", "change_plan", PLAN,
     ACTIVATION, CONFIRM),
    ("zet haar dan maar op Pro Smart", "change_plan", PLAN, ACTIVATION, CONFIRM),
    # en-033: the deactivation moves to the colleague meant, read as out of scope
    ("hold on, I mixed them up: it's Dries Desmet who retired, 0470 00 00 53. Joke stays.",
     "out_of_scope", LINE, DEACTIVATION, CONFIRM),
    ("I mixed them up: it's Dries Desmet who retired. Joke stays.",
     "out_of_scope", [], DEACTIVATION, CONFIRM),
    ("je les ai confondus : c'est Dries Desmet qui part à la retraite, 0470 00 00 53. Joke reste.",
     "out_of_scope", LINE, DEACTIVATION, CONFIRM),
    ("ik heb ze verwisseld: het is Dries Desmet die met pensioen is. Joke blijft.",
     "out_of_scope", [], DEACTIVATION, CONFIRM),
    # en-014: the number is kept after all (a correction: the prepaid-conversion offer follows)
    ("hold on, she just told me she wants to keep her number after all. Don't deactivate it "
     "then.", "deactivate_line", [], DEACTIVATION, CONFIRM),
    ("hold on, she just told me she wants to keep her number after all. Don't deactivate it "
     "then.", "stop", [], DEACTIVATION, CONFIRM),
    ("attendez, elle vient de me dire qu'elle veut garder son numéro finalement. Ne la "
     "désactivez pas alors.", "deactivate_line", [], DEACTIVATION, CONFIRM),
    ("wacht even, ze zegt net dat ze haar nummer toch wil houden. Niet deactiveren dan.",
     "deny", [], DEACTIVATION, CONFIRM),
    ("she wants to keep her number after all", "faq_termination_fee", [], DEACTIVATION,
     CONFIRM),
    ("elle garde son numéro finalement", "deactivate_line", [], DEACTIVATION, CONFIRM),
    ("ze neemt haar nummer toch mee", "nlu_fallback", [], DEACTIVATION, CONFIRM),
    # "don't deactivate it", read as a request to deactivate: never a yes, it cancels
    ("Don't deactivate it then.", "deactivate_line", [], DEACTIVATION, CANCEL),
    ("ne la désactivez pas", "deactivate_line", [], DEACTIVATION, CANCEL),
    ("niet deactiveren", "deactivate_line", [], DEACTIVATION, CANCEL),
    # not corrections: the other policies decide
    ("put her on Pro Smart", "change_plan", PLAN, OPTIONS, None),  # no parameter of options
    ("zet Kevin Hermans op Pro Smart", "change_plan", PLAN, ACTIVATION, None),  # no cue
    ("wait, is it Dries Desmet who retired?", "out_of_scope", [], DEACTIVATION, None),
]  # fmt: skip


@pytest.fixture(scope="module")
def predictions() -> list[str | None]:
    cases = [
        {"text": text, "intent": intent, "slots": slots, "entities": entities}
        for text, intent, entities, slots, _ in CASES
    ]
    result: list[str | None] = rasa_probe(PROBE, json.dumps(cases))
    return result


@pytest.mark.parametrize(("index", "case"), list(enumerate(CASES)), ids=[c[0] for c in CASES])
def test_a_correction_at_a_summary_reaches_the_confirm_action(
    predictions: list[str | None], index: int, case: tuple[object, ...]
) -> None:
    assert predictions[index] == case[-1]
