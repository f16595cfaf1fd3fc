"""bot/policies/answer.py on real Rasa trackers (run in the Rasa venv, a subprocess).

A worded yes/no must reach the question it answers: the pending confirmation, or the form's
yes/no slot; anything else is left to the other policies (the policy abstains).
"""

from __future__ import annotations

import json

import pytest

from tests.stack_fixtures import rasa_probe

PROBE = """
import json, sys
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from bot.policies.answer import AnswerPolicy

domain = Domain.load("domain.yml")
context = ExecutionContext(GraphSchema({}), "probe")
policy = AnswerPolicy(AnswerPolicy.get_default_config(), None, None, context)
out = []
for case in json.loads(sys.argv[1]):
    events = [ActionExecuted("action_listen")]
    events += [SlotSet(name, value) for name, value in case["slots"].items()]
    if case.get("form"):
        events.append(ActiveLoop(case["form"]))
    events += [
        ActionExecuted("action_listen"),
        UserUttered(
            case["text"],
            {"name": case["intent"], "confidence": 0.9},
            [{"entity": name, "value": value} for name, value in case.get("entities", [])],
        ),
    ]
    if case.get("after_user"):
        events.append(ActionExecuted(case["after_user"]))
    tracker = DialogueStateTracker.from_events("probe", events, slots=domain.slots)
    prediction = policy.predict_action_probabilities(tracker, domain)
    best = max(range(len(prediction.probabilities)), key=prediction.probabilities.__getitem__)
    out.append(domain.action_names_or_texts[best] if prediction.probabilities[best] else None)
print(json.dumps(out))
"""

PENDING = {"pending_operation_id": "op_1", "pending_operation_type": "stop_direct_debit"}
ORDER = {"pending_operation_id": "op_2", "pending_operation_type": "place_order"}
FINISH = "utter_finish_pending_first"
ORDER_START = {
    "pending_operation_id": "start:order_delivery_form",
    "pending_operation_type": "start",
}
CASES = [
    # (text, intent the classifier gave, slots, active form, expected action)
    ("oui on arrete", "stop", PENDING, None, "action_confirm_operation"),
    ("Ja, stopzetten", "nlu_fallback", PENDING, None, "action_confirm_operation"),
    ("yes deactivate", "deactivate_line", PENDING, None, "action_confirm_operation"),
    ("jep", "nlu_fallback", PENDING, None, "action_confirm_operation"),
    ("nee laat maar", "stop", PENDING, None, "action_cancel_operation"),
    (
        "Oui, il tient à garder son numéro",
        "deactivate_line",
        {"requested_slot": "keep_number"},
        "deactivate_line_form",
        "deactivate_line_form",
    ),
    ("oui", "affirm", {"requested_slot": "plan_code"}, "change_plan_form", None),
    ("oui merci", "thank", {}, None, None),  # nothing pending: the usual rules answer
    ("what plans are there?", "faq_plan_prices", PENDING, None, None),
    ("nee, laat Tim maar zoals hij is", "deny", PENDING, None, "action_cancel_operation"),
    # a question that reads as another operation: the summary is finished first, not dropped
    (
        "blijft zijn optie met de 100 minuten internationaal dan gewoon actief?",
        "change_options",
        PENDING,
        None,
        "utter_finish_pending_first",
    ),
    (
        "krijg ik daar nog een bevestiging van per mail?",
        "ask_registration_resend",
        ORDER,
        None,
        "utter_finish_pending_first",
    ),
    # set20 fr-2011: a question mark inside the message, not at its end, is still a question
    (
        "et les appels sortants, on pourra les bloquer dessus ensuite ? comme sur l'autre routeur",
        "change_barrings",
        ORDER,
        None,
        FINISH,
    ),
    # set20 nl-2026: how a repair is asked goes to the repair form, which answers how and
    # leaves the summary waiting (actions/operation_forms.py ``how_to``)
    (
        "als er zo'n toestel kapot gaat, wat heb ik dan nodig om een herstelling aan te vragen?",
        "request_repair",
        ORDER_START,
        None,
        None,
    ),
    ("add roaming to his line too", "change_options", PENDING, None, None),  # a request: rules
    ("kan ik die factuur intussen al betalen?", "pay_invoice", PENDING, None, FINISH),
    # asking for the very operation the summary shows is a yes
    ("in orde, plaats de bestelling", "place_order", ORDER, None, "action_confirm_operation"),
    ("passe la commande stp", "place_order", ORDER_START, None, "action_confirm_operation"),
    (
        "pouvez-vous l'ouvrir ?",
        "create_ticket",
        {"pending_operation_id": "start:ticket_form", "pending_operation_type": "start"},
        None,
        "action_confirm_operation",
    ),
    # a new quantity of one item, the other said to stay, in words, reaches the cart change
    (
        "attends, plutôt quatre Pixel au lieu de trois, le Nokia reste comme il est",
        "inform",
        ORDER_START,
        None,
        "action_confirm_operation",
    ),
    (
        "wacht, toch een half dozijn Pixels, de Nokia blijft er eentje",
        "search_device",
        ORDER_START,
        None,
        "action_confirm_operation",
    ),
    (
        "actually make it a dozen Pixels, the Nokia stays",
        "inform",
        ORDER,
        None,
        "action_confirm_operation",
    ),
    (
        "arrêtez la domiciliation alors",
        "stop_direct_debit",
        PENDING,
        None,
        "action_confirm_operation",
    ),
    ("show me my invoices", "show_invoices", ORDER, None, None),  # another request: no yes
    # a long message that calls the operation off is a no
    (
        "hold on - he just called, the phone was in his car all along. Cancel that, don't "
        "replace anything.",
        "nlu_fallback",
        PENDING,
        None,
        "action_cancel_operation",
    ),
    (
        "wacht, ze heeft hem teruggevonden! Laat maar zitten",
        "inform",
        PENDING,
        None,
        "action_cancel_operation",
    ),
]
# After the action it chose, the turn ends: the message's own intent must not reach a rule or
# the fallback (whose rewind undid the confirmation, and "yes" confirmed again).
AFTER = [
    ("yes stop it", "stop", "action_confirm_operation", "action_listen"),
    ("Non merci, je contacterai le support", "deny", "action_cancel_operation", "action_listen"),
    ("show my lines", "show_lines", "action_confirm_operation", None),
    ("does his option stay?", "change_options", "utter_finish_pending_first", "action_listen"),
    # en-041: the order called off; the confirm action cleared the cart question, and the rules'
    # fallback would have rewound that (the question came back for ever).
    (
        "actually, hold off, the budget isn't approved yet. Cancel that please.",
        "stop",
        "action_confirm_operation",
        "action_listen",
    ),
    ("laat maar, we wachten op het budget", "deny", "action_confirm_operation", "action_listen"),
    # fr-041 / en-012: a "no" that names the support is no request for a person.
    (
        "no thanks, I'll contact support about that myself",
        "request_agent",
        "action_cancel_operation",
        "action_listen",
    ),
    (
        "euh non laisse tomber en fait, je dois d'abord en parler avec lui",
        "request_agent",
        "action_cancel_operation",
        "action_listen",
    ),
]
# A change of mind that names a detail goes to the confirm action (which re-opens the form).
CORRECTIONS = [
    (
        "could you make it Pro Unlimited instead?",
        "out_of_scope",
        [("plan", "Pro Unlimited")],
        "action_confirm_operation",
    ),
    (
        "what's the difference between Smart and Unlimited instead?",
        "faq_plan_prices",
        [("plan", "Smart")],
        None,
    ),
    ("make it Pro Start", "change_plan", [("plan", "Pro Start")], None),  # no change-of-mind word
    # a "no" that goes on with a detail corrects the summary rather than refusing it
    (
        "ah nee, zet als contact Thomas Willems, 0470/00.00.05, hij volgt dat op",
        "change_options",
        [("phone_number", "0470/00.00.05")],
        "action_confirm_operation",
    ),
    # another line named by its user, another account owned as a mistake
    (
        "oei sorry, ik bedoelde Jonas Van den Broeck, niet Tim!",
        "nlu_fallback",
        [],
        "action_confirm_operation",
    ),
    (
        "sorry, finance says use our other account: BE62 5100 0754 7061, same holder.",
        "inform",
        [("iban", "BE62 5100 0754 7061")],
        "action_confirm_operation",
    ),
    # a detail no entity carries
    (
        "Actually HR says the company covers his whole bill, so no split billing after all.",
        "out_of_scope",
        [],
        "action_confirm_operation",
    ),
    # a question naming a detail is still a question, not a correction
    (
        "moet Bert daarna zelf nog iets doen voor die eSIM werkt?",
        "replace_sim",
        [("sim_type", "eSIM")],
        "utter_finish_pending_first",
    ),
    # set23 nl-008: "Excuseer" owns a mistake; the replacement was dropped for a ticket
    (
        "Excuseer, die kaart blijkt al gebruikt. Gelieve kaart 8932031200000000047 te nemen.",
        "create_ticket",
        [("iccid", "8932031200000000047")],
        "action_confirm_operation",
    ),
    # a new quantity for the order waiting for "yes"
    ("make it 2, finance only approved two", "nlu_fallback", [], "action_confirm_operation"),
    # a number no entity carries (an IMEI), even read as the pending operation's own request
    (
        "attendez, je me suis trompé de boîte, le bon IMEI c'est 35391805-123456-1. Corrigez svp.",
        "stop_direct_debit",
        [],
        "action_confirm_operation",
    ),
    ("wacht, het juiste IMEI is 353918 05 123456 1", "inform", [], "action_confirm_operation"),
    # "change of plan" is a change of mind, not a tariff plan
    (
        "Change of plan: put Sarah Michiels as contact, 0470 00 00 16, she has the phones.",
        "change_plan",
        [("phone_number", "0470 00 00 16")],
        "action_confirm_operation",
    ),
]
# Owning a mistake without the new detail goes to the confirm action, whatever the intent.
MISTAKES = [
    ("oops, wrong one, I'll fix it", "stop_direct_debit"),
    ("attendez je me suis trompé", "stop_direct_debit"),
    ("wacht, dat is verkeerd", "stop_direct_debit"),
]


@pytest.fixture(scope="module")
def predictions() -> list[str | None]:
    cases = [
        {"text": text, "intent": intent, "slots": slots, "form": form}
        for text, intent, slots, form, _ in CASES
    ]
    cases += [
        {"text": text, "intent": intent, "slots": PENDING, "entities": entities}
        for text, intent, entities, _ in CORRECTIONS
    ]
    cases += [
        {"text": text, "intent": intent, "slots": {}, "after_user": action}
        for text, intent, action, _ in AFTER
    ]
    cases += [{"text": text, "intent": intent, "slots": PENDING} for text, intent in MISTAKES]
    result: list[str | None] = rasa_probe(PROBE, json.dumps(cases))
    return result


@pytest.mark.parametrize(("index", "case"), list(enumerate(CASES)), ids=[c[0] for c in CASES])
def test_a_worded_answer_reaches_its_question(
    predictions: list[str | None], index: int, case: tuple[object, ...]
) -> None:
    assert predictions[index] == case[-1]


@pytest.mark.parametrize(
    ("index", "case"), list(enumerate(CORRECTIONS)), ids=[c[0] for c in CORRECTIONS]
)
def test_a_change_of_mind_at_a_summary_reaches_the_confirm_action(
    predictions: list[str | None], index: int, case: tuple[object, ...]
) -> None:
    assert predictions[len(CASES) + index] == case[-1]


@pytest.mark.parametrize(("index", "case"), list(enumerate(AFTER)), ids=[c[0] for c in AFTER])
def test_after_its_action_the_turn_ends(
    predictions: list[str | None], index: int, case: tuple[object, ...]
) -> None:
    assert predictions[len(CASES) + len(CORRECTIONS) + index] == case[-1]


@pytest.mark.parametrize(("index", "case"), list(enumerate(MISTAKES)), ids=[c[0] for c in MISTAKES])
def test_owning_a_mistake_goes_to_the_confirm_action(
    predictions: list[str | None], index: int, case: tuple[str, str]
) -> None:
    """The confirm action reads it as a correction (tests/actions: nothing runs)."""
    assert predictions[len(CASES) + len(CORRECTIONS) + len(AFTER) + index] == (
        "action_confirm_operation"
    )
