"""Live handoff actions: what is sent to the backend, what the user reads, the slot."""

from __future__ import annotations

import json
from typing import Any

import httpx
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import (
    ActionOfferHandoff,
    ActionRelayToAgent,
    ActionRequestHandoff,
    collected_slots,
    display_hours,
    handoff_reason,
    transcript,
)
from tests.actions.support import FakeBackend, error, json_response, make_tracker, responses

HANDOFFS = "/api/v1/handoffs"
HOURS = "Mon-Fri 08:00-18:00 Europe/Brussels"
SLACK_REF = {"platform": "slack", "team_id": "T1", "channel_id": "D1", "thread_ts": None}


def conversation(*, language: str = "fr", metadata: dict[str, Any] | None = None) -> Tracker:
    tracker = make_tracker(
        "je veux parler à quelqu'un",
        intent="request_agent",
        slots={
            "language": language,
            "first_name": "Jan",
            "ticket_subject": "billing",
            "ticket_description": "",
            "pending_operation_id": "op-1",
            "requested_slot": None,
        },
    )
    tracker.events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "ma facture est fausse", "input_channel": "rest",
         "timestamp": 1.0},
        {"event": "bot", "text": "Laquelle ?", "timestamp": 2.0},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "je veux parler à quelqu'un", "input_channel": "rest",
         "timestamp": 3.0},
    ]  # fmt: skip
    if metadata is not None:
        tracker.latest_message["metadata"] = metadata
    return tracker


async def run(action: Any, tracker: Tracker) -> tuple[CollectingDispatcher, list[Any]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return dispatcher, events


async def test_request_sends_transcript_collected_slots_language_and_reference() -> None:
    backend = FakeBackend().on(
        "POST", HANDOFFS, json_response(201, {"id": 4, "status": "waiting", "queue_position": 0})
    )
    tracker = conversation(metadata={"conversation_ref": SLACK_REF})

    dispatcher, events = await run(ActionRequestHandoff(backend.client()), tracker)

    assert responses(dispatcher) == ["utter_handoff_connecting"]
    assert events == [SlotSet("handoff_active", True)]
    (request,) = backend.requests
    body = json.loads(request.content)
    assert body["language"] == "fr"
    assert body["reason"] == "user_request"
    assert [entry["text"] for entry in body["transcript"]] == [
        "ma facture est fausse",
        "Laquelle ?",
        "je veux parler à quelqu'un",
    ]
    # Empty slots, bookkeeping (pending operation, requested_slot) and the language stay out.
    assert body["collected"] == {"first_name": "Jan", "language": "fr", "ticket_subject": "billing"}
    assert body["conversation_ref"] == SLACK_REF
    # Identity travels as the Rasa channel and sender, never in the body.
    assert request.headers["X-Chat-Channel"] == "rest"
    assert request.headers["X-Chat-Sender"] == "sender-123"
    assert "account_id" not in body


async def test_outside_support_hours_offers_a_ticket_with_local_day_names() -> None:
    closed = httpx.Response(
        409,
        json={"error": {"code": "outside_support_hours", "message": "closed",
                        "details": {"support_hours": HOURS}}},
    )  # fmt: skip
    backend = FakeBackend().on("POST", HANDOFFS, closed)

    dispatcher, events = await run(ActionRequestHandoff(backend.client()), conversation())

    assert events == []
    assert dispatcher.messages[0]["response"] == "utter_handoff_outside_hours"
    assert dispatcher.messages[0]["hours"] == "lun-ven 08:00-18:00"


async def test_anonymous_user_is_asked_to_log_in_and_backend_down_is_said() -> None:
    anonymous = FakeBackend().on("POST", HANDOFFS, error(401, "chat_identity_unknown"))
    down = FakeBackend().on("POST", HANDOFFS, error(503, "database_unavailable"))

    first, first_events = await run(ActionRequestHandoff(anonymous.client()), conversation())
    second, second_events = await run(ActionRequestHandoff(down.client()), conversation())

    assert responses(first) == ["utter_handoff_login_first"]
    assert responses(second) == ["utter_handoff_unavailable"]
    assert first_events == second_events == []


async def test_relay_forwards_the_text_and_says_nothing() -> None:
    backend = FakeBackend().on(
        "POST",
        f"{HANDOFFS}/current/messages",
        json_response(201, {"id": 4, "status": "active", "queue_position": 0}),
    )
    tracker = make_tracker("my roaming is wrong", slots={"handoff_active": True})

    dispatcher, events = await run(ActionRelayToAgent(backend.client()), tracker)

    assert dispatcher.messages == []
    assert events == []
    assert json.loads(backend.requests[0].content) == {"text": "my roaming is wrong"}


async def test_relay_after_the_agent_left_clears_the_slot_and_says_so() -> None:
    backend = FakeBackend().on(
        "POST", f"{HANDOFFS}/current/messages", error(409, "handoff_not_active")
    )
    tracker = make_tracker("hello?", slots={"handoff_active": True})

    dispatcher, events = await run(ActionRelayToAgent(backend.client()), tracker)

    assert responses(dispatcher) == ["utter_handoff_ended"]
    assert events == [SlotSet("handoff_active", False)]


async def test_relay_with_the_backend_down_keeps_the_handoff_and_says_so() -> None:
    backend = FakeBackend().on("POST", f"{HANDOFFS}/current/messages", error(502, "bad_gateway"))
    tracker = make_tracker("hello?", slots={"handoff_active": True})

    dispatcher, events = await run(ActionRelayToAgent(backend.client()), tracker)

    assert responses(dispatcher) == ["utter_handoff_relay_failed"]
    assert events == []


async def test_offer_after_two_fallbacks_depends_on_support_hours() -> None:
    open_now = FakeBackend().on(
        "GET", f"{HANDOFFS}/availability", {"open": True, "support_hours": HOURS}
    )
    closed = FakeBackend().on(
        "GET", f"{HANDOFFS}/availability", {"open": False, "support_hours": HOURS}
    )
    down = FakeBackend().on("GET", f"{HANDOFFS}/availability", error(500, "internal_error"))
    tracker = make_tracker("qwerty", intent="nlu_fallback", slots={"language": "nl"})

    offered, _ = await run(ActionOfferHandoff(open_now.client()), tracker)
    ticket, _ = await run(ActionOfferHandoff(closed.client()), tracker)
    gave_up, _ = await run(ActionOfferHandoff(down.client()), tracker)

    assert responses(offered) == ["utter_offer_agent"]
    assert responses(ticket) == ["utter_fallback_give_up_ticket"]
    assert ticket.messages[0]["hours"] == "ma-vr 08:00-18:00"
    assert responses(gave_up) == ["utter_fallback_give_up"]


def test_reason_says_why_the_conversation_is_handed_off() -> None:
    asked = conversation()
    from_form = conversation()
    from_form.events.append({"event": "action", "name": "action_deactivate_loop"})
    after_offer = conversation()
    after_offer.events[3:3] = [{"event": "action", "name": "action_offer_handoff"}]

    assert handoff_reason(asked) == "user_request"
    assert handoff_reason(from_form) == "support_flow"
    assert handoff_reason(after_offer) == "fallback"


def test_transcript_keeps_the_last_texts_only() -> None:
    tracker = make_tracker("x")
    tracker.events = [{"event": "user", "text": f"m{i}"} for i in range(60)]
    tracker.events.append({"event": "bot", "text": None})

    texts = [entry["text"] for entry in transcript(tracker)]

    assert texts == [f"m{i}" for i in range(10, 60)]


def test_collected_slots_skip_secret_looking_names() -> None:
    tracker = make_tracker("x", slots={"portal_password": "hunter2", "plan_code": "pro_smart"})

    assert "portal_password" not in collected_slots(tracker)
    assert collected_slots(tracker)["plan_code"] == "pro_smart"


def test_hours_in_each_language_and_other_zones_kept() -> None:
    assert display_hours(HOURS, "en") == "Mon-Fri 08:00-18:00"
    assert display_hours("Sat-Sun 09:00-12:00 UTC", "fr") == "sam-dim 09:00-12:00 (UTC)"
    assert display_hours("whenever", "nl") == "whenever"


async def test_stop_while_waiting_leaves_the_queue_but_is_relayed_to_an_agent() -> None:
    waiting = FakeBackend().on(
        "POST",
        f"{HANDOFFS}/current/cancel",
        json_response(200, {"id": 4, "status": "closed", "queue_position": 0}),
    )
    with_agent = (
        FakeBackend()
        .on("POST", f"{HANDOFFS}/current/cancel", error(409, "handoff_active"))
        .on(
            "POST",
            f"{HANDOFFS}/current/messages",
            json_response(201, {"id": 4, "status": "active", "queue_position": 0}),
        )
    )
    tracker = make_tracker("stop", intent="stop", slots={"handoff_active": True})

    left, left_events = await run(ActionRelayToAgent(waiting.client()), tracker)
    relayed, relayed_events = await run(ActionRelayToAgent(with_agent.client()), tracker)

    assert responses(left) == ["utter_handoff_cancelled"]
    assert left_events == [SlotSet("handoff_active", False)]
    assert waiting.paths() == [f"{HANDOFFS}/current/cancel"]
    assert relayed.messages == [] and relayed_events == []
    assert with_agent.paths() == [f"{HANDOFFS}/current/cancel", f"{HANDOFFS}/current/messages"]
