"""A lost SIM found again: "unblock it", and a replacement cancelled after its old SIM was blocked
that says so and offers the unblock instead of "nothing was changed"."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rasa_sdk.events import SlotSet

from actions.operations import ActionCancelOperation, ActionConfirmOperation
from actions.sim_replacement import (
    ActionAskSimReplacementFormBlockOldSim,
    ValidateSimReplacementForm,
)
from actions.sim_unblock import ActionPrepareUnblock, ValidateUnblockForm
from tests.actions.support import (
    error,
    json_response,
    line,
    make_tracker,
    me_end_user,
    me_fleet_manager,
    responses,
)

DOMAIN: dict[str, Any] = {"forms": {"unblock_form": {"required_slots": ["target_line_id"]}}}
BLOCKED = line(16, "+32470000016", status="suspended", user_name="Sarah Michiels")


def unblock_op(status: str = "pending", **overrides: Any) -> dict[str, Any]:
    summary = {"msisdn": "+32470000016"}
    return {"id": "op_unblock", "type": "unblock_sim", "status": status, "line_id": 16,
            "msisdn": "+32470000016", "summary": summary, **overrides}  # fmt: skip


def slots_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def test_a_blocked_sim_is_read_back_then_unblocked_on_yes(backend, dispatcher):
    backend.on("GET", "/api/v1/lines/16", BLOCKED)
    backend.on("POST", "/api/v1/operations", json_response(201, unblock_op()))
    tracker = make_tracker("she found it", intent="unblock_sim", slots={"target_line_id": "16"})

    events = await ActionPrepareUnblock(backend.client()).run(dispatcher, tracker, DOMAIN)

    [prepared] = [r for r in backend.requests if r.method == "POST"]
    assert json.loads(prepared.content) == {"type": "unblock_sim", "line_id": 16, "params": {}}
    assert responses(dispatcher) == ["utter_summary_unblock_sim", "utter_ask_confirm_operation"]
    assert dispatcher.messages[0]["msisdn"] == "0470 00 00 16"
    pending = slots_of(events)
    assert pending["pending_operation_id"] == "op_unblock"

    backend.on(
        "POST", "/api/v1/operations/op_unblock/confirm", json_response(200, unblock_op("done"))
    )
    yes = make_tracker("yes", intent="affirm", slots=pending)
    await ActionConfirmOperation(backend.client()).run(dispatcher, yes, DOMAIN)
    assert responses(dispatcher)[-1] == "utter_operation_done_unblock_sim"


async def test_a_sim_that_works_has_nothing_to_unblock(backend, dispatcher):
    backend.on("GET", "/api/v1/lines/16", {**BLOCKED, "status": "active"})
    tracker = make_tracker("unblock", intent="unblock_sim", slots={"target_line_id": "16"})

    await ActionPrepareUnblock(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_sim_not_blocked_now"]
    assert all(r.method == "GET" for r in backend.requests)


async def test_a_line_suspended_for_another_reason_is_refused_politely(backend, dispatcher):
    backend.on("GET", "/api/v1/lines/16", BLOCKED)
    backend.on("POST", "/api/v1/operations", error(409, "line_state_conflict"))
    tracker = make_tracker("unblock", intent="unblock_sim", slots={"target_line_id": "16"})

    events = await ActionPrepareUnblock(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_line_state_conflict"]
    assert slots_of(events)["pending_operation_id"] is None


async def test_an_employees_sim_is_their_own_line(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_end_user())
    backend.on("GET", "/api/v1/lines", [line()])
    tracker = make_tracker("I found my phone, unblock my sim", intent="unblock_sim")

    events = await ValidateUnblockForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["target_line_id"] == "12"


async def test_a_replacement_cancelled_after_the_block_offers_the_unblock(backend, dispatcher):
    # "forget it, she just found it in her car": the bot said "nothing was changed" while the
    # old SIM stayed blocked.
    replace = {"id": "op_replace", "type": "replace_sim", "status": "cancelled", "line_id": 16,
               "msisdn": "+32470000016", "summary": {}}  # fmt: skip
    backend.on("POST", "/api/v1/operations/op_replace/cancel", replace)
    backend.on("GET", "/api/v1/operations/op_replace", replace)
    backend.on("GET", "/api/v1/lines/16", BLOCKED)
    backend.on("POST", "/api/v1/operations", json_response(201, unblock_op()))
    slots = {"pending_operation_id": "op_replace", "pending_operation_type": "replace_sim"}
    tracker = make_tracker("forget it, she found it in her car", intent="deny", slots=slots)

    events = await ActionCancelOperation(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == [
        "utter_replacement_cancelled_sim_still_blocked",
        "utter_summary_unblock_sim",
        "utter_ask_confirm_operation",
    ]
    assert slots_of(events)["pending_operation_id"] == "op_unblock"  # the last one wins


async def test_a_replacement_cancelled_before_any_block_changed_nothing(backend, dispatcher):
    replace = {"id": "op_replace", "type": "replace_sim", "status": "cancelled", "line_id": 16,
               "msisdn": "+32470000016", "summary": {}}  # fmt: skip
    backend.on("POST", "/api/v1/operations/op_replace/cancel", replace)
    backend.on("GET", "/api/v1/operations/op_replace", replace)
    backend.on("GET", "/api/v1/lines/16", {**BLOCKED, "status": "active"})
    slots = {"pending_operation_id": "op_replace", "pending_operation_type": "replace_sim"}
    tracker = make_tracker("no", intent="deny", slots=slots)

    await ActionCancelOperation(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_operation_cancelled"]


async def test_a_replacement_stopped_after_the_block_says_so_and_offers_the_unblock(
    backend, dispatcher
):
    # "wacht, ze heeft hem teruggevonden! Laat maar zitten" at the new SIM's number: the form
    # stopped before any summary and said "nothing was changed" while the old SIM was blocked.
    backend.on("GET", "/api/v1/lines/16", BLOCKED)
    backend.on("POST", "/api/v1/operations", json_response(201, unblock_op()))
    slots = {"block_old_sim": True, "target_line_id": "16"}
    tracker = make_tracker("laat maar zitten, niks vervangen", intent="stop", slots=slots)

    events = await ActionCancelOperation(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == [
        "utter_replacement_cancelled_sim_still_blocked",
        "utter_summary_unblock_sim",
        "utter_ask_confirm_operation",
    ]
    assert slots_of(events)["pending_operation_id"] == "op_unblock"


async def test_a_form_stopped_without_any_block_changed_nothing(backend, dispatcher):
    tracker = make_tracker("stop", intent="stop", slots={"target_line_id": "16"})

    await ActionCancelOperation(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_form_cancelled"]
    assert backend.requests == []


# --- a replacement moved to another line after the first line's SIM was blocked ---------------

JONAS = line(
    16, "+32470000016", status="suspended", user_name="Jonas Wouters", label="Jonas Wouters"
)
TIM = line(17, "+32470000017", user_name="Tim Aerts", label="Tim Aerts")
SWAPPED = [
    ("en", "hang on, I mixed them up - it's Tim Aerts who lost his phone, not Jonas. Same SIM "
           "card, but on Tim's line please.", "yes"),
    ("nl", "wacht, ik heb ze verwisseld: het is Tim Aerts die zijn gsm kwijt is, niet Jonas. "
           "Zelfde simkaart, maar op de lijn van Tim.", "ja"),
    ("fr", "attendez, je me suis trompé : c'est Tim Aerts qui a perdu son téléphone, pas Jonas. "
           "Même carte SIM, mais sur la ligne de Tim.", "oui"),
]  # fmt: skip
FORM_DOMAIN: dict[str, Any] = {
    "forms": {
        "sim_replacement_form": {
            "required_slots": ["target_line_id", "replacement_reason", "block_old_sim",
                               "sim_type", "new_iccid", "esim_email"]
        }
    }
}  # fmt: skip


def replace_op(op_id: str, line_id: int, status: str = "pending") -> dict[str, Any]:
    return {"id": op_id, "type": "replace_sim", "status": status, "line_id": line_id,
            "msisdn": f"+324700000{line_id}", "summary": {}, "result": {}}  # fmt: skip


def slot_history(*pairs: tuple[str, Any]) -> list[dict[str, Any]]:
    """Slot events of the earlier turns, oldest first."""
    return [dict(SlotSet(name, value)) for name, value in pairs]


@pytest.mark.parametrize(("language", "text", "yes"), SWAPPED)
async def test_a_replacement_moved_after_the_block_says_the_first_sim_is_still_blocked(
    backend, dispatcher, language, text, yes
):
    # The replacement moved to Tim, Jonas's SIM stayed blocked and nobody said so; Tim's old
    # SIM, the one really lost, was never offered to be blocked.
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("GET", "/api/v1/lines", [JONAS, TIM])
    backend.on("GET", "/api/v1/lines/16", JONAS)
    backend.on("GET", "/api/v1/lines/17", TIM)
    backend.on("GET", "/api/v1/operations/op_jonas", replace_op("op_jonas", 16))
    backend.on(
        "POST", "/api/v1/operations/op_jonas/cancel", replace_op("op_jonas", 16, "cancelled")
    )
    slots = {"language": language, "pending_operation_id": "op_jonas",
             "pending_operation_type": "replace_sim", "target_line_id": "16",
             "replacement_reason": "lost", "block_old_sim": True, "sim_type": "physical",
             "new_iccid": "8932030000000000125"}  # fmt: skip
    tracker = make_tracker(text, intent="replace_sim", slots=slots)

    events = await ValidateSimReplacementForm(backend.client()).run(dispatcher, tracker, {})

    filled = slots_of(events)
    assert filled["target_line_id"] == "17"
    assert filled["block_old_sim"] is None and filled["requested_slot"] == "block_old_sim"
    assert filled.get("new_iccid", "8932030000000000125") == "8932030000000000125"
    assert responses(dispatcher) == ["utter_replacement_moved_sim_still_blocked"]
    assert dispatcher.messages[0]["msisdn"] == "0470 00 00 16"
    assert dispatcher.messages[0]["name"] == "Jonas Wouters"
    posted = [r.url.path for r in backend.requests if r.method == "POST"]
    assert posted == ["/api/v1/operations/op_jonas/cancel"]  # nothing unblocked, nothing run

    block = {"id": "op_block_tim", "type": "block_sim", "status": "pending", "line_id": 17,
             "msisdn": "+32470000017", "summary": {"msisdn": "+32470000017"}}  # fmt: skip
    backend.on("POST", "/api/v1/operations", json_response(201, block))
    asked = make_tracker(text, intent="replace_sim", slots={**slots, **filled})
    await ActionAskSimReplacementFormBlockOldSim(backend.client()).run(dispatcher, asked, {})

    prepared = json.loads(backend.requests[-1].content)
    assert prepared == {"type": "block_sim", "line_id": 17, "params": {}}
    assert responses(dispatcher)[-1] == "utter_ask_block_old_sim"
    assert dispatcher.messages[-1]["msisdn"] == "0470 00 00 17"


@pytest.mark.parametrize(("language", "text", "yes"), SWAPPED)
async def test_once_the_moved_replacement_is_done_the_first_sims_unblock_is_offered(
    backend, dispatcher, language, text, yes
):
    backend.on("POST", "/api/v1/operations/op_tim/confirm", replace_op("op_tim", 17, status="done"))
    backend.on("GET", "/api/v1/lines/16", JONAS)
    backend.on("GET", "/api/v1/lines/17", TIM)
    backend.on("POST", "/api/v1/operations", json_response(201, unblock_op()))
    slots = {"language": language, "pending_operation_id": "op_tim",
             "pending_operation_type": "replace_sim"}  # fmt: skip
    tracker = make_tracker(yes, intent="affirm", slots=slots)
    tracker.events[:0] = slot_history(
        ("target_line_id", "16"), ("replacement_reason", "lost"), ("block_old_sim", True),
        ("target_line_id", "17"), ("block_old_sim", None), ("block_old_sim", True),
    )  # fmt: skip

    events = await ActionConfirmOperation(backend.client()).run(dispatcher, tracker, FORM_DOMAIN)

    assert responses(dispatcher) == [
        "utter_operation_done_replace_sim",
        "utter_other_sim_still_blocked",
        "utter_summary_unblock_sim",
        "utter_ask_confirm_operation",
    ]
    assert dispatcher.messages[1]["msisdn"] == "0470 00 00 16"
    [prepared] = [r for r in backend.requests if r.url.path == "/api/v1/operations"]
    assert json.loads(prepared.content) == {"type": "unblock_sim", "line_id": 16, "params": {}}
    assert slots_of(events)["pending_operation_id"] == "op_unblock"  # unblocked only on "yes"
    assert "/api/v1/operations/op_unblock/confirm" not in backend.paths()


async def test_a_replacement_done_on_the_line_it_blocked_offers_nothing_more(backend, dispatcher):
    backend.on("POST", "/api/v1/operations/op_tim/confirm", replace_op("op_tim", 17, status="done"))
    slots = {"pending_operation_id": "op_tim", "pending_operation_type": "replace_sim"}
    tracker = make_tracker("yes", intent="affirm", slots=slots)
    # Jonas's SIM was blocked by an earlier request of this conversation, which ended.
    tracker.events[:0] = slot_history(
        ("target_line_id", "16"), ("block_old_sim", True), ("replacement_reason", None),
        ("target_line_id", "17"), ("replacement_reason", "stolen"), ("block_old_sim", True),
    )  # fmt: skip

    await ActionConfirmOperation(backend.client()).run(dispatcher, tracker, FORM_DOMAIN)

    assert responses(dispatcher) == ["utter_operation_done_replace_sim"]
    assert backend.paths() == ["/api/v1/operations/op_tim/confirm"]


async def test_a_moved_replacement_stopped_before_its_summary_offers_the_first_sims_unblock(
    backend, dispatcher
):
    backend.on("GET", "/api/v1/lines/16", JONAS)
    backend.on("POST", "/api/v1/operations", json_response(201, unblock_op()))
    slots = {"block_old_sim": None, "target_line_id": "17"}  # stopped at Tim's block question
    tracker = make_tracker("laat maar zitten", intent="stop", slots=slots)
    tracker.events[:0] = slot_history(
        ("target_line_id", "16"), ("block_old_sim", True), ("target_line_id", "17"),
        ("block_old_sim", None),
    )  # fmt: skip

    events = await ActionCancelOperation(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == [
        "utter_replacement_cancelled_sim_still_blocked",
        "utter_summary_unblock_sim",
        "utter_ask_confirm_operation",
    ]
    assert slots_of(events)["pending_operation_id"] == "op_unblock"
