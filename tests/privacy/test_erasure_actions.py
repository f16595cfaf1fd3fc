"""Erase-my-data actions with trackers built inline and the backend faked at the HTTP boundary."""

from __future__ import annotations

import json
from typing import Any

import httpx
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.operations import ActionCancelOperation, ActionConfirmOperation
from actions.privacy import ActionAskDataErasure
from tests.actions.support import FakeBackend, error, json_response, make_tracker, responses

DOMAIN: dict[str, Any] = {"forms": {}}
ERASURE = "/api/v1/privacy/erasure-requests"


def filed(backend: FakeBackend) -> list[httpx.Request]:
    """Record the erasure requests the backend receives (and accept them)."""
    received: list[httpx.Request] = []

    def accept(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return json_response(201, {"id": 1, "status": "pending"})

    backend.on("POST", ERASURE, accept)
    return received


async def test_asking_reads_back_and_waits_for_a_yes_without_calling_the_backend(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    tracker = make_tracker("erase my data", intent="request_data_erasure")

    events = await ActionAskDataErasure(backend.client()).run(dispatcher, tracker, {})

    assert responses(dispatcher) == ["utter_ask_confirm_erasure"]
    assert SlotSet("pending_operation_type", "erase_my_data") in events
    [pending] = [e["value"] for e in events if e["name"] == "pending_operation_id"]
    assert pending.startswith("erasure:")
    assert backend.requests == []


async def test_yes_files_one_request_for_the_chat_user_even_when_repeated(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    received = filed(backend)
    asked = await ActionAskDataErasure(backend.client()).run(
        dispatcher, make_tracker("erase my data", intent="request_data_erasure"), {}
    )
    slots = {event["name"]: event["value"] for event in asked}
    yes = make_tracker("yes", intent="affirm", slots=slots, sender_id="web-sender")

    done = await ActionConfirmOperation(backend.client()).run(dispatcher, yes, DOMAIN)
    await ActionConfirmOperation(backend.client()).run(dispatcher, yes, DOMAIN)

    assert responses(dispatcher)[-1] == "utter_erasure_requested"
    assert len(received) == 2
    # Same key both times: the backend replays the first answer instead of a second request.
    assert received[0].headers["Idempotency-Key"] == received[1].headers["Idempotency-Key"]
    assert received[0].headers["X-Chat-Sender"] == "web-sender"
    assert json.loads(received[0].content) == {}  # no account id: the chat user's own data
    assert SlotSet("pending_operation_id", None) in done


async def test_no_erases_nothing(backend: FakeBackend, dispatcher: CollectingDispatcher) -> None:
    received = filed(backend)
    pending = {"pending_operation_id": "erasure:k", "pending_operation_type": "erase_my_data"}

    await ActionCancelOperation(backend.client()).run(
        dispatcher, make_tracker("no", intent="deny", slots=pending), DOMAIN
    )

    assert responses(dispatcher) == ["utter_operation_cancelled"]
    assert received == []


async def test_an_anonymous_chat_is_asked_to_log_in(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    received = filed(backend)
    anonymous = make_tracker("erase my data", intent="request_data_erasure", channel=None)
    events = await ActionAskDataErasure(backend.client()).run(dispatcher, anonymous, {})
    assert responses(dispatcher) == ["utter_login_required"]
    assert events == []

    # An unbound sender that says yes anyway: the backend does not know it, nothing is erased.
    backend.on("POST", ERASURE, error(401, "chat_identity_unknown"))
    pending = {"pending_operation_id": "erasure:k", "pending_operation_type": "erase_my_data"}
    await ActionConfirmOperation(backend.client()).run(
        dispatcher, make_tracker("yes", intent="affirm", slots=pending), DOMAIN
    )
    assert "utter_erasure_requested" not in responses(dispatcher)
    assert received == []
