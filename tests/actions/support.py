"""Test support for actions: trackers built inline, the backend faked at the HTTP boundary."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.api.backend import BackendClient

SERVICE_KEY = "test-service-key"
Handler = Callable[[httpx.Request], Awaitable[httpx.Response] | httpx.Response]


def make_tracker(
    text: str = "",
    *,
    intent: str = "ask_consumption",
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    channel: str | None = "rest",
    sender_id: str = "sender-123",
    intent_ranking: list[dict[str, Any]] | None = None,
) -> Tracker:
    """A fresh tracker whose latest user message came in on ``channel``."""
    latest_message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.95},
        "entities": entities or [],
        "intent_ranking": intent_ranking or [{"name": intent, "confidence": 0.95}],
        # Unique like Rasa's: the backend client budgets its time per user message.
        "message_id": uuid.uuid4().hex,
    }
    events: list[dict[str, Any]] = []
    if channel is not None:
        events.append({"event": "user", "text": text, "input_channel": channel, **latest_message})
    return Tracker(
        sender_id=sender_id,
        slots={"language": "en", "language_source": None, **(slots or {})},
        latest_message=latest_message,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def entity(name: str, value: str) -> dict[str, Any]:
    """An extracted entity as Rasa sends it to the action server."""
    return {"entity": name, "value": value, "extractor": "RegexEntityExtractor"}


def json_response(status: int, body: Any) -> httpx.Response:
    return httpx.Response(
        status, content=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )


def error(status: int, code: str) -> httpx.Response:
    return json_response(status, {"error": {"code": code, "message": code}})


@dataclass
class FakeBackend:
    """Routes ``(method, path)`` to canned answers and records every request."""

    routes: dict[tuple[str, str], Handler] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Costly flows ask for their rate limit before the first question: allowed unless a
        # test says otherwise.
        for flow in ("activation", "order", "payment_link"):
            self.on("GET", f"/api/v1/rate-limits/{flow}", {"flow": flow, "allowed": True})

    def on(self, method: str, path: str, answer: Handler | httpx.Response | Any) -> FakeBackend:
        if isinstance(answer, httpx.Response):
            response = answer
            self.routes[(method, path)] = lambda _request: response
        elif callable(answer):
            self.routes[(method, path)] = answer
        else:
            body = answer
            self.routes[(method, path)] = lambda _request: json_response(200, body)
        return self

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        handler = self.routes.get((request.method, request.url.path))
        if handler is None:
            return error(404, "not_found")
        result = handler(request)
        if isinstance(result, httpx.Response):
            return result
        return await result

    def client(self, timeout_seconds: float = 2.0) -> BackendClient:
        return BackendClient(
            base_url="http://backend.test",
            service_key=SERVICE_KEY,
            timeout_seconds=timeout_seconds,
            transport=httpx.MockTransport(self),
        )

    def paths(self) -> list[str]:
        return [request.url.path for request in self.requests]


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    """Names of the responses the action dispatched, in order."""
    return [message["response"] for message in dispatcher.messages]


def company(**overrides: Any) -> dict[str, Any]:
    return {"id": 1, "name": "Acme", "customer_number": "C-1", "language": "nl", **overrides}


def me_fleet_manager(**overrides: Any) -> dict[str, Any]:
    return {
        "id": 1, "first_name": "Sofie", "last_name": "Peeters", "gsm": "+32470000001",
        "email": "sofie@acme.be", "language": "nl", "role": "fleet_manager",
        "active_role": "fleet_manager", "can_switch_role": True, "company": company(),
        "line_id": 1, **overrides,
    }  # fmt: skip


def me_end_user(**overrides: Any) -> dict[str, Any]:
    return {
        "id": 2, "first_name": "Jan", "last_name": "Janssens", "gsm": "+32470000002",
        "email": "jan@acme.be", "language": "fr", "role": "end_user", "active_role": "end_user",
        "can_switch_role": False, "company": company(), "line_id": 12, **overrides,
    }  # fmt: skip


def line(line_id: int = 12, msisdn: str = "+32470123456", **overrides: Any) -> dict[str, Any]:
    return {
        "id": line_id, "msisdn": msisdn, "label": "Jan Peeters", "user_name": "Jan Peeters",
        "status": "active", "sim_type": "physical", "iccid": "8932030000000000012",
        "split_bill": False, "options": [], "barrings": [],
        "plan": {"code": "pro_smart", "name": "Pro Smart", "monthly_price": "25.00"},
        **overrides,
    }  # fmt: skip


def consumption(**overrides: Any) -> dict[str, Any]:
    return {
        "line_id": 12, "msisdn": "+32470123456", "user_name": "Jan Peeters", "month": "2026-11",
        "voice_minutes": 312, "sms": 45, "data_mb": 5120, "roaming_mb": 0, "roaming_minutes": 0,
        "cost": "31.40", "split_bill": False, "part": "full", **overrides,
    }  # fmt: skip


def plain(text: str) -> str:
    """Babel separates numbers and units with (narrow) no-break spaces; compare with spaces."""
    return text.replace("\xa0", " ").replace("\u202f", " ")
