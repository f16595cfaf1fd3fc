"""A lost SIM found again: "unblock it", and a replacement cancelled after its old SIM was blocked
that says so and offers the unblock instead of "nothing was changed"."""

from __future__ import annotations

import json
from typing import Any

from actions.operations import ActionCancelOperation, ActionConfirmOperation
from actions.sim_unblock import ActionPrepareUnblock, ValidateUnblockForm
from tests.actions.support import (
    error,
    json_response,
    line,
    make_tracker,
    me_end_user,
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
