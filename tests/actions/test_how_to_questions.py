""" "How do I …?" about an operation is answered with how it works and how to ask for it here;
the form does not start (actions/operation_forms.py ``how_to``). Naming a line or a value makes
it a request, and the form starts as usual."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import ActiveLoop

from actions.activation import ValidateActivationForm
from actions.answers import HOW_TO_INTENTS
from actions.barring import ValidateChangeBarringsForm
from actions.deactivation import ValidateDeactivateLineForm
from actions.direct_debit import ValidateDirectDebitForm
from actions.operation_forms import OperationFormValidation
from actions.repairs import ValidateRepairForm
from tests.actions.support import make_tracker, responses
from tests.actions.test_fleet_line_operations import DOMAIN, fleet, posts


@pytest.mark.parametrize(
    ("form", "intent", "text", "expected"),
    [
        # set20 en-2015 / fr-2021: the direct debit form asked for an IBAN instead
        (ValidateDirectDebitForm, "setup_direct_debit",
         "and how would we switch to direct debit for future invoices?",
         ["utter_faq_direct_debit", "utter_can_do_direct_debit"]),
        (ValidateDirectDebitForm, "setup_direct_debit",
         "et pour passer en domiciliation pour les prochaines, on fait comment ?",
         ["utter_faq_direct_debit", "utter_can_do_direct_debit"]),
        (ValidateDirectDebitForm, "setup_direct_debit",
         "hoe moeten we dat doen, overschakelen op domiciliëring?",
         ["utter_faq_direct_debit", "utter_can_do_direct_debit"]),
        # set20 nl-2026: "what do I need to request a repair?" is the IMEI question
        (ValidateRepairForm, "request_repair",
         "als er zo'n toestel kapot gaat, wat heb ik dan nodig om een herstelling aan te vragen?",
         ["utter_how_to_repair"]),
        (ValidateRepairForm, "request_repair", "comment on fait pour faire réparer un gsm ?",
         ["utter_how_to_repair"]),
        (ValidateChangeBarringsForm, "change_barrings", "how do I block roaming on a line?",
         ["utter_faq_barring", "utter_can_do_barring"]),
        (ValidateDeactivateLineForm, "deactivate_line", "hoe kan ik een lijn opzeggen?",
         ["utter_faq_termination_fee", "utter_can_do_deactivation"]),
        (ValidateActivationForm, "activate_line",
         "comment ça se passe pour reprendre le numéro d'un nouveau collègue ? il faut le porter",
         ["utter_faq_porting", "utter_can_do_activation"]),
        (ValidateActivationForm, "activate_line", "how does it work with an eSIM for a new hire?",
         ["utter_faq_esim", "utter_can_do_activation"]),
    ],
)  # fmt: skip
async def test_a_how_to_question_is_answered_not_started(
    backend,
    dispatcher,
    form: type[OperationFormValidation],
    intent: str,
    text: str,
    expected: list[str],
) -> None:
    events = await form(backend.client()).run(dispatcher, make_tracker(text, intent=intent), DOMAIN)

    assert responses(dispatcher) == expected
    assert ActiveLoop(None) in events  # the form ends before its first question
    assert posts(backend) == []


@pytest.mark.parametrize(
    ("form", "intent", "text", "entities"),
    [
        (ValidateChangeBarringsForm, "change_barrings", "how do I block roaming on Lotte's line?",
         []),
        (ValidateDirectDebitForm, "setup_direct_debit",
         "how do I set up direct debit on BE62 5100 0754 7061?",
         [{"entity": "iban", "value": "BE62 5100 0754 7061"}]),
        (ValidateActivationForm, "activate_line", "comment j'active une ligne ?", []),
        (ValidateDirectDebitForm, "setup_direct_debit", "please set up direct debit", []),
    ],
)  # fmt: skip
async def test_a_how_to_naming_a_line_or_value_is_a_request(
    backend,
    dispatcher,
    form: type[OperationFormValidation],
    intent: str,
    text: str,
    entities: list[dict[str, Any]],
) -> None:
    fleet(backend)
    tracker = make_tracker(text, intent=intent, entities=entities)

    events = await form(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert not [r for r in responses(dispatcher) if r.startswith("utter_can_do")]
    assert ActiveLoop(None) not in events  # the form goes on to its questions


def test_the_answer_policy_lets_each_how_to_form_answer_at_a_summary() -> None:
    # The policy lets a how-to question reach these forms while a summary waits (the form
    # answers and the summary still waits); any other form would replace the summary.
    forms = [ValidateDirectDebitForm, ValidateRepairForm, ValidateChangeBarringsForm,
             ValidateDeactivateLineForm]  # fmt: skip
    assert all(form.how_to for form in forms)
    assert {form.op_type for form in forms} == HOW_TO_INTENTS
