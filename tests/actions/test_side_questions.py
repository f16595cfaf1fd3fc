"""A read-only question in the middle of a form is answered, then the form asks again."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from actions.operation_forms import SIDE_QUESTION_INTENTS
from actions.plans import ValidateChangePlanForm
from actions.side_questions import ANSWERS, ActionAnswerSideQuestion
from tests.actions.support import line, make_tracker, me_fleet_manager, responses
from tests.actions.test_fleet_line_operations import DOMAIN, fleet

ROOT = Path(__file__).resolve().parents[2]


def test_every_side_question_has_its_answer_and_every_form_its_rule() -> None:
    assert set(ANSWERS) == SIDE_QUESTION_INTENTS
    forms = yaml.safe_load((ROOT / "domain.yml").read_text())["forms"]
    rules = yaml.safe_load((ROOT / "data/rules/side_questions.yml").read_text())["rules"]
    covered = {}
    for rule in rules:
        form = rule["condition"][0]["active_loop"]
        intents = {step["intent"] for step in rule["steps"][0]["or"]}
        covered[form] = intents
        assert rule["steps"][1:] == [
            {"action": "action_answer_side_question"},
            {"action": form},
            {"active_loop": form},
        ]
    assert covered == {form: SIDE_QUESTION_INTENTS for form in forms}


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("show me all our lines first please", "show_lines"),
        ("attends, c'est qui déjà qui est en Pro Start chez nous ?", "show_lines"),
        ("is the October invoice paid by the way?", "ask_invoice_paid"),
    ],
)
async def test_the_line_question_lets_a_question_without_a_line_through(
    backend, dispatcher, text, intent
):
    fleet(backend)
    tracker = make_tracker(text, intent=intent, slots={"requested_slot": "target_line_id"})

    events = await ValidateChangePlanForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    # No event: Rasa rejects the form's turn and the side-question rule answers instead.
    assert events == []
    assert responses(dispatcher) == []


async def test_a_question_about_a_line_is_answered_not_taken_for_the_line(backend, dispatcher):
    # "how much did Lotte use?" while the bot asks which line: the user asked something; the
    # form lets go (the rule answers it) rather than choosing Lotte's line behind their back.
    fleet(backend)
    tracker = make_tracker(
        "how much did Lotte use this month?",
        intent="ask_consumption",
        slots={"requested_slot": "target_line_id"},
    )

    events = await ValidateChangePlanForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert events == []


async def test_a_line_named_with_a_read_intent_still_answers_the_line_question(backend, dispatcher):
    fleet(backend)
    tracker = make_tracker(
        "Lotte's line", intent="show_lines", slots={"requested_slot": "target_line_id"}
    )

    events = await ValidateChangePlanForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert {e["name"]: e["value"] for e in events if e.get("event") == "slot"}[
        "target_line_id"
    ] == "4"


async def test_the_side_question_is_answered_by_its_usual_action(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("GET", "/api/v1/lines", [line(), line(13, "+32470000013", user_name="Lotte Maes")])
    backend.on("GET", "/api/v1/plans", [])
    backend.on("GET", "/api/v1/options", [])
    tracker = make_tracker("show me all our lines first please", intent="show_lines")

    events = await ActionAnswerSideQuestion(backend.client()).run(dispatcher, tracker, {})

    assert events == []
    assert responses(dispatcher) == ["utter_fleet_lines"]
    assert "Lotte Maes" in str(dispatcher.messages[0])


async def test_anything_else_gets_the_default_answer(backend, dispatcher):
    tracker = make_tracker("deactivate everything", intent="deactivate_line")

    await ActionAnswerSideQuestion(backend.client()).run(dispatcher, tracker, {})

    assert responses(dispatcher) == ["utter_default"]
