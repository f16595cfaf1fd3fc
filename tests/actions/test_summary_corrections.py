"""A correction typed at a summary changes that operation, and "yes" runs the new summary.

Four classes from the set12 development failures, each in FR/NL/EN: at the summary the user
gives a new value for one of the waiting operation's own parameters with a cue of a change,
whatever the classifier made of it:

- a SIM replacement switched to an eSIM with its address, read as ``stop`` (nl-009: the form
  let the stop go, re-read the unchanged summary and the physical SIM was replaced);
- a ticket's contact set anew, read as nothing (nl-022: "not sure I understand", then "ja"
  created the ticket with the old contact);
- an activation's plan changed, read as ``change_plan`` (en-026: the activation was dropped for
  a plan change of some other line);
- a deactivation moved to the colleague meant, read as ``out_of_scope`` (en-033: "yes" then
  deactivated the wrong line).

The confirm action (where the policy routes them, tests/e2e/test_summary_corrections_policy.py)
re-opens the operation's form, never confirms; the form edits the pending request and the
prepare action reads back the new summary.
"""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import FollowupAction, SlotSet

from actions.activation import ValidateActivationForm
from actions.answers import corrects_pending, is_correction, is_question
from actions.deactivation import ActionPrepareDeactivateLine, ValidateDeactivateLineForm
from actions.operations import ActionCancelOperation, ActionConfirmOperation
from actions.sim_replacement import ActionPrepareSimReplacement, ValidateSimReplacementForm
from actions.tickets import ActionPrepareTicket, ValidateTicketForm
from tests.actions.support import entity, json_response, line, make_tracker, plain, responses
from tests.actions.test_activation import DOMAIN as ACTIVATION_DOMAIN
from tests.actions.test_activation import FILLED as ACTIVATION_FILLED
from tests.actions.test_activation import GOOD_ICCID, fleet_backend, pending_replacement
from tests.actions.test_activation import operation as activation_operation
from tests.actions.test_fleet_line_operations import DOMAIN as FLEET_DOMAIN
from tests.actions.test_fleet_line_operations import body, fleet, operation, posts, slots_of
from tests.actions.test_tickets import DOMAIN as TICKET_DOMAIN
from tests.actions.test_tickets import FILLED as TICKET_FILLED
from tests.actions.test_tickets import helpdesk


def said(text: str, intent: str, confidence: float, **kwargs: Any) -> Any:
    """The message as the classifier read it (a low confidence: no clear yes)."""
    tracker = make_tracker(text, intent=intent, **kwargs)
    tracker.latest_message["intent"]["confidence"] = confidence
    return tracker


# --- the words: a cue of a change with a value of the waiting operation's own parameters ------


@pytest.mark.parametrize(
    ("text", "entities", "pending"),
    [
        ("nee wacht, geef haar toch maar een eSIM, op ines.vermeulen@acme-logistics.example",
         {"sim_type", "email"}, "replace_sim"),
        ("zet als contact maar Sarah Michiels, 0470 00 00 16, zij volgt dat op", set(),
         "create_ticket"),
        ("mettez Sarah Michiels comme contact, 0470 00 00 16", set(), "create_ticket"),
        ("on second thought, put her on Pro Smart, that should be enough", {"plan"},
         "activate_line"),
        ("réflexion faite, mettez-la sur Pro Smart", {"plan"}, "activate_line"),
        ("bij nader inzien, zet haar op Pro Smart", {"plan"}, "activate_line"),
        ("hold on, I mixed them up: it's Dries Desmet who retired, 0470 00 00 53. Joke stays.",
         {"phone_number"}, "deactivate_line"),
        ("je les ai confondus : c'est Dries Desmet qui part à la retraite", set(),
         "deactivate_line"),
        ("ik heb ze verwisseld: het is Dries Desmet die met pensioen is", set(),
         "deactivate_line"),
    ],
)  # fmt: skip
def test_a_cue_with_a_value_of_the_operation_corrects_it(text, entities, pending):
    assert corrects_pending(text, entities, pending)


@pytest.mark.parametrize(
    ("text", "entities", "pending"),
    [
        # no cue of a change: a request of its own (the rules decide)
        ("Pro Smart", {"plan"}, "activate_line"),
        ("zet Kevin Hermans op Pro Smart", {"plan"}, "change_options"),
        # a value of another operation's parameters, not of the one waiting
        ("put her on Pro Smart", {"plan"}, "change_options"),
        ("zet als contact maar Sarah Michiels", set(), "create_ticket"),  # no number
        # a question, or calling it off
        ("actually, what's the difference between Pro Smart and Pro Unlimited?", {"plan"},
         "activate_line"),
        ("wait, is it Dries Desmet who retired?", set(), "deactivate_line"),
        # Flemish "wa" (nl-1801: the plan became Unlimited)
        ("wa is eigenlijk het prijsverschil met Unlimited?", {"plan"}, "change_plan"),
        ("wacht, laat maar, Dries Desmet blijft toch", set(), "deactivate_line"),
    ],
)  # fmt: skip
def test_no_cue_another_operations_value_or_a_question_corrects_nothing(text, entities, pending):
    assert not corrects_pending(text, entities, pending)


@pytest.mark.parametrize(
    "text",
    [
        "on second thought, make it a physical SIM",
        "I got them mixed up, it's the other one",
        "réflexion faite, gardez l'eSIM",
        "je me suis emmêlé, c'est l'autre",
        "tout compte fait, plutôt Pro Start",
        "bij nader inzien doen we Pro Start",
        "sorry, ik heb ze door elkaar gehaald",
    ],
)
def test_second_thoughts_and_mix_ups_are_changes_of_mind(text):
    assert is_correction(text)


def test_who_tying_a_clause_to_a_name_asks_nothing():
    assert not is_question("it's Dries Desmet who retired, not Joke")
    assert not is_question("the one who retired is Dries")
    assert is_question("who retired?")
    assert is_question("which line is Dries Desmet's")


# --- nl-009: the SIM replacement becomes an eSIM at that address ------------------------------

ESIM_EMAIL = "ines.vermeulen@acme-logistics.example"
PENDING_PHYSICAL = {
    "pending_operation_id": "op_rep",
    "pending_operation_type": "replace_sim",
    "target_line_id": "12",
    "replacement_reason": "broken",
    "sim_type": "physical",
    "new_iccid": GOOD_ICCID,
}
TO_ESIM = [
    ("nee wacht, geef haar toch maar een eSIM, op ines.vermeulen@acme-logistics.example", "nl"),
    ("non attendez, donnez-lui plutôt une eSIM, sur ines.vermeulen@acme-logistics.example", "fr"),
    ("no wait, give her an eSIM instead, at ines.vermeulen@acme-logistics.example", "en"),
]
ESIM_ENTITIES = [entity("sim_type", "eSIM"), entity("email", ESIM_EMAIL)]


# Read as stop (nl-009) and, by the same model, as the eSIM FAQ or nothing at all.
SIM_INTENTS = ["stop", "faq_esim", "nlu_fallback"]


@pytest.mark.parametrize("intent", SIM_INTENTS)
@pytest.mark.parametrize(("text", "language"), TO_ESIM)
async def test_an_esim_asked_at_the_replacement_summary_reopens_the_form(
    backend, dispatcher, text, language, intent
):
    pending_replacement(backend)
    tracker = said(
        text,
        intent,
        0.77,
        entities=ESIM_ENTITIES,
        slots={**PENDING_PHYSICAL, "language": language},
    )

    events = await ActionConfirmOperation(backend.client()).run(dispatcher, tracker, {})

    assert events == [SlotSet("target_line_id", "12"), FollowupAction("sim_replacement_form")]
    assert posts(backend) == []  # neither replaced nor cancelled yet
    assert responses(dispatcher) == []


@pytest.mark.parametrize("intent", SIM_INTENTS)
@pytest.mark.parametrize(("text", "language"), TO_ESIM)
async def test_a_correction_switches_the_replacement_to_an_esim_whatever_it_was_read_as(
    backend, dispatcher, text, language, intent
):
    pending_replacement(backend)
    tracker = said(
        text,
        intent,
        0.77,
        entities=ESIM_ENTITIES,
        slots={**PENDING_PHYSICAL, "language": language},
    )

    filled = slots_of(
        await ValidateSimReplacementForm(backend.client()).run(dispatcher, tracker, {})
    )

    assert filled["sim_type"] == "esim" and filled["esim_email"] == ESIM_EMAIL
    assert filled["new_iccid"] is None
    assert filled.get("replacement_reason", "broken") == "broken"
    assert filled["requested_slot"] is None  # nothing left to ask: the new summary follows
    assert filled["pending_operation_id"] is None
    assert "/api/v1/operations/op_rep/cancel" in backend.paths()

    summary = {"old_sim_type": "physical", "new_sim_type": "esim", "email": ESIM_EMAIL}
    backend.on(
        "POST",
        "/api/v1/operations",
        json_response(201, activation_operation(id="op_new", type="replace_sim", summary=summary)),
    )
    slots = {**PENDING_PHYSICAL, **filled, "language": language}
    prepare = make_tracker("", intent="inform", slots=slots)
    await ActionPrepareSimReplacement(backend.client()).run(dispatcher, prepare, {})

    params = body(posts(backend)[-1])["params"]
    assert params == {"reason": "broken", "sim_type": "esim", "email": ESIM_EMAIL}
    assert responses(dispatcher)[0] == "utter_replacement_summary"


async def test_a_plain_stop_at_the_replacement_summary_still_stops(backend, dispatcher):
    pending_replacement(backend)
    tracker = said("stop", "stop", 0.99, slots=PENDING_PHYSICAL)

    events = await ValidateSimReplacementForm(backend.client()).run(dispatcher, tracker, {})

    assert events == []  # rejected: the stop rule answers
    assert posts(backend) == []


# --- nl-022: the ticket's contact becomes the number said ---------------------------------------

PENDING_TICKET = {
    **TICKET_FILLED,
    "pending_operation_id": "ticket:new:abc",
    "pending_operation_type": "create_ticket",
}
NEW_CONTACT = [
    ("zet als contact maar Sarah Michiels, 0470 00 00 16, zij volgt dat op", "nl"),
    ("mettez Sarah Michiels comme contact, 0470 00 00 16, c'est elle qui suit le dossier", "fr"),
    ("put Sarah Michiels as the contact, 0470 00 00 16, she's following it up", "en"),
]


@pytest.mark.parametrize("with_entity", [True, False])
@pytest.mark.parametrize(("text", "language"), NEW_CONTACT)
async def test_a_contact_set_at_the_ticket_summary_reopens_the_form(
    backend, dispatcher, text, language, with_entity
):
    # Read as nlu_fallback (0.40): "not sure I understand", and "ja" kept the old contact.
    helpdesk(backend)
    numbers = [entity("phone_number", "0470 00 00 16")] if with_entity else []
    tracker = said(
        text,
        "nlu_fallback",
        0.40,
        entities=numbers,
        slots={**PENDING_TICKET, "language": language},
    )

    events = await ActionConfirmOperation(backend.client()).run(dispatcher, tracker, TICKET_DOMAIN)

    assert events == [FollowupAction("ticket_form")]
    assert "/api/v1/tickets" not in backend.paths()
    assert responses(dispatcher) == []


# Read as nothing (nl-022) or, in French, as a usage question.
@pytest.mark.parametrize("intent", ["nlu_fallback", "ask_consumption"])
@pytest.mark.parametrize(("text", "language"), NEW_CONTACT)
async def test_the_reopened_ticket_reads_back_the_new_contact(
    backend, dispatcher, text, language, intent
):
    helpdesk(backend)
    slots = {**PENDING_TICKET, "language": language}
    tracker = said(
        text,
        intent,
        0.40,
        entities=[entity("phone_number", "0470 00 00 16")],
        slots=slots,
    )

    values = slots_of(
        await ValidateTicketForm(backend.client()).run(dispatcher, tracker, TICKET_DOMAIN)
    )

    assert values["ticket_contact_number"] == "+32470000016"
    assert "ticket_subject" not in values and "ticket_description" not in values
    assert values["pending_operation_id"] is None
    assert responses(dispatcher) == []

    prepare = make_tracker("", intent="inform", slots={**slots, **values})
    await ActionPrepareTicket(backend.client()).run(dispatcher, prepare, TICKET_DOMAIN)

    assert dispatcher.messages[0]["response"] == "utter_summary_ticket"
    assert dispatcher.messages[0]["contact_number"] == "0470 00 00 16"


# --- en-026: the activation's plan changes, no plan change of another line starts ---------------

PENDING_ACTIVATION = {
    **ACTIVATION_FILLED,
    "plan_code": "pro_start",
    "pending_operation_id": "op_abc",
    "pending_operation_type": "activate_line",
}
OTHER_PLAN = [
    ("on second thought, put her on Pro Smart, that should be enough", "en"),
    ("réflexion faite, mettez-la sur Pro Smart, ça suffira", "fr"),
    ("bij nader inzien, zet haar toch op Pro Smart, dat volstaat", "nl"),
]


def pending_activation(backend) -> None:
    fleet_backend(backend)
    waiting = activation_operation()
    backend.on("GET", "/api/v1/operations/op_abc", waiting)
    backend.on("POST", "/api/v1/operations/op_abc/cancel", {**waiting, "status": "cancelled"})


@pytest.mark.parametrize(("text", "language"), OTHER_PLAN)
async def test_a_plan_said_at_the_activation_summary_reopens_the_activation(
    backend, dispatcher, text, language
):
    pending_activation(backend)
    tracker = said(
        text,
        "change_plan",
        0.69,
        entities=[entity("plan", "Pro Smart")],
        slots={**PENDING_ACTIVATION, "language": language},
    )

    events = await ActionConfirmOperation(backend.client()).run(
        dispatcher, tracker, ACTIVATION_DOMAIN
    )

    assert events == [FollowupAction("activation_form")]
    assert posts(backend) == []
    assert responses(dispatcher) == []


@pytest.mark.parametrize(("text", "language"), OTHER_PLAN)
async def test_the_reopened_activation_takes_the_new_plan_only(backend, dispatcher, text, language):
    pending_activation(backend)
    tracker = said(
        text,
        "change_plan",
        0.69,
        entities=[entity("plan", "Pro Smart")],
        slots={**PENDING_ACTIVATION, "language": language},
    )

    filled = slots_of(
        await ValidateActivationForm(backend.client()).run(dispatcher, tracker, ACTIVATION_DOMAIN)
    )

    assert filled["plan_code"] == "pro_smart"
    assert filled["requested_slot"] is None
    assert filled["pending_operation_id"] is None
    assert not {"sim_type", "esim_email", "end_user_name", "split_bill"} & {
        slot for slot, value in filled.items() if value != PENDING_ACTIVATION.get(slot)
    }
    assert "/api/v1/operations/op_abc/cancel" in backend.paths()
    assert "utter_pending_operation_replaced" not in responses(dispatcher)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Ah attendez, le Pro Start c'est trop peu pour elle, mettez plutôt le Pro Smart", "fr"),
        ("wacht, Pro Start is te weinig voor haar, doe maar Pro Smart", "nl"),
        ("hang on, Pro Start won't be enough for her, make it Pro Smart", "en"),
    ],
)
async def test_the_plan_wanted_is_not_the_one_named_to_reject_it(
    backend, dispatcher, text, language
):
    # fr-1703: "le Pro Unlimited à quarante euros c'est trop, mettez plutôt le Pro Smart" read
    # the first plan named, and the unchanged summary was confirmed.
    pending_activation(backend)
    tracker = said(
        text,
        "change_plan",
        0.69,
        entities=[entity("plan", "Pro Start"), entity("plan", "Pro Smart")],
        slots={**PENDING_ACTIVATION, "language": language},
    )

    filled = slots_of(
        await ValidateActivationForm(backend.client()).run(dispatcher, tracker, ACTIVATION_DOMAIN)
    )

    assert filled["plan_code"] == "pro_smart"


@pytest.mark.parametrize(
    ("text", "language", "name"),
    [
        ("Oei nee, 't is ni Jan maar Jens, Jens Peeters. Pas da nog efkes aan.", "nl",
         "Jens Peeters"),
        ("pardon, pas Jan mais Jean", "fr", "Jean Peeters"),
        ("sorry, wrong name: it's Joris Peeters, not Jan", "en", "Joris Peeters"),
    ],
)  # fmt: skip
async def test_the_new_users_name_corrected_at_the_summary(
    backend, dispatcher, text, language, name
):
    # nl-1709: the summary came back with the old name and "ja, nu is 't goed" ran it.
    pending_activation(backend)
    tracker = said(text, "inform", 0.5, slots={**PENDING_ACTIVATION, "language": language})

    filled = slots_of(
        await ValidateActivationForm(backend.client()).run(dispatcher, tracker, ACTIVATION_DOMAIN)
    )

    assert filled["end_user_name"] == name


# --- en-033: the deactivation moves to the colleague meant ---------------------------------------

JOKE = line(54, "+32470000054", user_name="Joke Vanhoutte", label="Joke Vanhoutte")
DRIES = line(53, "+32470000053", user_name="Dries Desmet", label="Dries Desmet")
PENDING_DEACTIVATION = {
    "pending_operation_id": "op_abc",
    "pending_operation_type": "deactivate_line",
}
MIXED_UP = [
    ("hold on, I mixed them up: it's Dries Desmet who retired, 0470 00 00 53. Joke stays.", "en"),
    ("je les ai confondus : c'est Dries Desmet qui part à la retraite, 0470 00 00 53. Joke reste.",
     "fr"),
    ("ik heb ze verwisseld: het is Dries Desmet die met pensioen is, 0470 00 00 53. Joke blijft.",
     "nl"),
]  # fmt: skip


def pending_deactivation(backend) -> None:
    fleet(backend, JOKE, DRIES)
    backend.on("GET", "/api/v1/lines", lambda request: _lines(request))
    waiting = operation("deactivate_line", {"termination_fee": "0.00"}, line_id=54)
    backend.on("GET", "/api/v1/operations/op_abc", waiting)
    backend.on("POST", "/api/v1/operations/op_abc/cancel", {**waiting, "status": "cancelled"})


def _lines(request: Any) -> Any:
    """``GET /lines``, filtered by ``msisdn`` like the backend."""
    wanted = request.url.params.get("msisdn")
    return json_response(200, [x for x in (JOKE, DRIES) if wanted in (None, x["msisdn"])])


def mixed_up(
    text: str,
    language: str,
    *,
    number: bool,
    line_id: str | None = None,
    intent: str = "out_of_scope",
) -> Any:
    entities = [entity("phone_number", "0470 00 00 53")] if number else []
    if not number:
        text = text.replace(", 0470 00 00 53", "")
    slots = {**PENDING_DEACTIVATION, "language": language}
    if line_id is not None:
        slots["target_line_id"] = line_id
    return said(text, intent, 0.50, entities=entities, slots=slots)


@pytest.mark.parametrize("number", [True, False])
@pytest.mark.parametrize(("text", "language"), MIXED_UP)
async def test_the_other_colleague_named_at_the_deactivation_summary_reopens_the_form(
    backend, dispatcher, text, language, number
):
    pending_deactivation(backend)

    events = await ActionConfirmOperation(backend.client()).run(
        dispatcher, mixed_up(text, language, number=number), FLEET_DOMAIN
    )

    assert events == [SlotSet("target_line_id", "54"), FollowupAction("deactivate_line_form")]
    assert posts(backend) == []  # the wrong line is not deactivated
    assert responses(dispatcher) == []


@pytest.mark.parametrize(("text", "language"), MIXED_UP)
async def test_a_no_naming_the_other_colleague_corrects_too(backend, dispatcher, text, language):
    pending_deactivation(backend)
    tracker = mixed_up(f"nee, {text}" if language == "nl" else f"no, {text}", language, number=True)

    events = await ActionCancelOperation(backend.client()).run(dispatcher, tracker, FLEET_DOMAIN)

    assert FollowupAction("deactivate_line_form") in events
    assert posts(backend) == []


# Read as out of scope (en-033) or, in Dutch, as a deactivation request.
@pytest.mark.parametrize("intent", ["out_of_scope", "deactivate_line"])
@pytest.mark.parametrize("number", [True, False])
@pytest.mark.parametrize(("text", "language"), MIXED_UP)
async def test_the_reopened_deactivation_reads_back_the_meant_lines_fees(
    backend, dispatcher, text, language, number, intent
):
    pending_deactivation(backend)
    form = mixed_up(text, language, number=number, line_id="54", intent=intent)

    filled = slots_of(
        await ValidateDeactivateLineForm(backend.client()).run(dispatcher, form, FLEET_DOMAIN)
    )

    assert filled["target_line_id"] == "53" and filled["keep_number"] is False
    assert filled["pending_operation_id"] is None
    assert [r.url.path for r in posts(backend)] == ["/api/v1/operations/op_abc/cancel"]
    assert responses(dispatcher) == []  # no "did you really mean…?" at a summary

    summary = {"msisdn": "+32470000053", "user_name": "Dries Desmet",
               "termination_fee": "42.00", "commitment_end": "2027-03-31"}  # fmt: skip
    backend.on(
        "POST",
        "/api/v1/operations",
        json_response(201, operation("deactivate_line", summary, id="op_new", line_id=53)),
    )
    prepare = make_tracker("", slots={"target_line_id": "53", "keep_number": False})
    pending = slots_of(
        await ActionPrepareDeactivateLine(backend.client()).run(dispatcher, prepare, FLEET_DOMAIN)
    )

    assert body(posts(backend)[-1])["line_id"] == 53
    assert responses(dispatcher) == ["utter_summary_deactivate_line", "utter_ask_confirm_operation"]
    assert plain(dispatcher.messages[0]["termination_fee"]) == "€42.00"
    assert pending["pending_operation_id"] == "op_new"


def test_a_no_that_goes_on_with_a_value_corrects_the_pending_activation() -> None:
    # set25 nl-015: "ah nee, … doe maar een eSIM op femke@… in plaats van die simkaart" at the
    # activation summary dropped it and started a SIM replacement.
    text = (
        "ah nee, ze heeft een nieuwe iPhone, doe maar een eSIM op "
        "femke.dewilde@acme-logistics.example in plaats van die simkaart"
    )
    assert corrects_pending(text, {"email", "sim_type"}, "activate_line")
    assert not corrects_pending("nee", {"email"}, "activate_line")
