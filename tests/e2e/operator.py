"""The operator's side in end-to-end tests: a helpdesk agent moving orders and repairs along and
answering tickets, plus the portal API calls that set a case up without chatting through it."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from scripts.stack import Stack
from tests.e2e.conftest import Chat

AGENT_LOGIN = {"gsm": "+32470000099", "password": "agent-demo"}


def post(stack: Stack, headers: dict[str, str], path: str, body: Any = None) -> Any:
    """POST to the portal API with a fresh Idempotency-Key; the answer's JSON."""
    response = httpx.post(
        f"{stack.backend_url}/api/v1{path}",
        json=body if body is not None else {},
        headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
        timeout=10.0,
    )
    response.raise_for_status()
    return response.json()


def agent_headers(stack: Stack) -> dict[str, str]:
    login = httpx.post(f"{stack.backend_url}/api/v1/auth/login", json=AGENT_LOGIN, timeout=10.0)
    login.raise_for_status()
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def _operation(chat: Chat, op_type: str, params: dict[str, Any]) -> dict[str, Any]:
    body = {"type": op_type, "line_id": None, "params": params}
    prepared = post(chat.stack, chat.auth, "/operations", body)
    done: dict[str, Any] = post(chat.stack, chat.auth, f"/operations/{prepared['id']}/confirm")
    assert done["status"] == "done", done
    return done


def place_order(chat: Chat) -> dict[str, Any]:
    """One Nokia 3210 4G ordered through the portal API (cart, place_order)."""
    devices = chat.api("/catalog/devices", q="nokia")
    nokia = next(d for d in devices if d["name"] == "Nokia 3210 4G")
    body = {"device_id": nokia["id"], "colour": "Grunge Black", "storage_gb": 0}
    post(chat.stack, chat.auth, "/cart/items", body)
    done = _operation(chat, "place_order", {"delivery_address": None})
    order: dict[str, Any] = chat.api(f"/orders/{done['result']['order_id']}")
    return order


def request_repair(chat: Chat) -> dict[str, Any]:
    params = {"imei": "352099001761481", "problem": "The screen is cracked after a fall."}
    done = _operation(chat, "request_repair", params)
    repair: dict[str, Any] = chat.api(f"/repairs/{done['result']['repair_id']}")
    return repair


def open_ticket(chat: Chat, description: str) -> dict[str, Any]:
    body = {"subject_code": "billing", "description": description, "contact_number": "0470000001"}
    ticket: dict[str, Any] = post(chat.stack, chat.auth, "/tickets", body)
    return ticket


def advance(stack: Stack, kind: str, item_id: int, times: int = 1) -> dict[str, Any]:
    """A helpdesk agent moves an order or a repair ``times`` steps; the last answer."""
    headers = agent_headers(stack)
    moved: dict[str, Any] = {}
    for _ in range(times):
        moved = post(stack, headers, f"/agent/{kind}/{item_id}/advance")
    return moved


def line_about(answer: str, number: str) -> str:
    """The bot's sentence about one order, repair or ticket (answers may list several)."""
    return next(line for line in answer.splitlines() if number in line)
