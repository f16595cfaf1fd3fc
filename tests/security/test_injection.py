"""Intent and entity injection (issue #6, design.md §4: slots are untrusted input).

End to end, with the real backend, action server and Rasa server (``e2e``): a conversation that
opens with a typed ``/intent{...}`` for a destructive operation changes nothing in the backend,
and entities full of SQL/JSON/HTML meta-characters are refused with a clear answer before they
reach the backend (its access log never shows them). Action level: the same values never leave
the action server.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from actions.common import chat_identity
from actions.line_resolution import resolve_line
from scripts.stack import Stack
from tests.actions.support import FakeBackend, make_tracker
from tests.e2e.conftest import Chat, open_chat

# The e2e fixtures, registered in this module by name (``stack`` needs ``model``).
from tests.e2e.conftest import model as model
from tests.e2e.conftest import stack as stack

PAYLOADS = ["'; DROP TABLE lines;--", '{"a":1}', "<script>alert(1)</script>"]
# What the backend would log if a payload reached it (raw or URL-encoded).
MARKERS = ["DROP", "drop%20table", "script", "%3C", "%7B%22a"]
INVALID_NUMBER = ("n'est pas un numéro", "geen geldig Belgisch", "isn't a valid Belgian")
# Business tables whose rows a conversation could change (prepared operations aside).
TABLES = [
    "lines", "line_options", "line_barrings", "sim_cards", "porting_requests", "esim_profiles",
    "tickets", "orders", "repairs", "cart_items", "invoices", "invoice_links", "payments",
]  # fmt: skip


def backend_state(stack: Stack) -> dict[str, list[Any]]:
    """Every row of the business tables and every non-pending operation, read directly."""
    url = stack.env["DATABASE_URL"]
    path = url.removeprefix("sqlite:///")
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        known = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        state = {
            table: connection.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()  # noqa: S608
            for table in TABLES
            if table in known
        }
        state["operations"] = connection.execute(
            "SELECT id, status, result FROM operations WHERE status != 'pending' ORDER BY id"
        ).fetchall()
    finally:
        connection.close()
    return state


def backend_log(stack: Stack) -> str:
    return (stack.log_dir / "backend.log").read_text(encoding="utf-8", errors="replace")


@pytest.fixture
def fleet_manager(stack: Stack) -> Iterator[Chat]:
    """A fresh conversation of Acme's fleet manager (the first message is the test's)."""
    yield open_chat(stack, "0470 00 00 01", "acme-fleet-demo")


@pytest.mark.e2e
@pytest.mark.parametrize(
    "message",
    [
        "/affirm",
        '/deactivate_line{"phone_number": "+32470000003"}',
        '/affirm{"phone_number": "+32470000003", "pending_operation_id": "op_x"}',
        '/deactivate_line{"phone_number": "+32470000003", "keep_number": false}',
    ],
)
def test_typed_intent_as_first_message_changes_nothing(
    stack: Stack, fleet_manager: Chat, message: str
) -> None:
    before = backend_state(stack)

    first = fleet_manager.say(message)
    second = fleet_manager.say("/affirm")

    assert backend_state(stack) == before, (first, second)
    lines = fleet_manager.api("/lines", msisdn="+32470000003")
    assert lines[0]["status"] == "active"


@pytest.mark.e2e
def test_another_accounts_pending_operation_cannot_be_confirmed(
    stack: Stack, fleet_manager: Chat
) -> None:
    brugge = open_chat(stack, "+32470000051", "brugge-fleet-demo")
    line = brugge.api("/lines", msisdn="+32470000053")[0]
    prepared = httpx.post(
        f"{stack.backend_url}/api/v1/operations",
        json={"type": "deactivate_line", "line_id": line["id"], "params": {"keep_number": False}},
        headers={**brugge.auth, "Idempotency-Key": uuid.uuid4().hex},
        timeout=10.0,
    )
    assert prepared.status_code == 201, prepared.text
    op_id = prepared.json()["id"]
    before = backend_state(stack)

    replies = [
        fleet_manager.say(f'/affirm{{"pending_operation_id": "{op_id}"}}'),
        fleet_manager.say(f"yes {op_id}"),
        fleet_manager.say(f'/confirm_operation{{"pending_operation_id": "{op_id}"}}'),
    ]

    assert backend_state(stack) == before, replies
    assert brugge.api(f"/operations/{op_id}")["status"] == "pending"
    assert brugge.api(f"/lines/{line['id']}")["status"] == "active"


@pytest.mark.e2e
@pytest.mark.parametrize("payload", PAYLOADS)
def test_meta_character_entities_are_refused_before_the_backend(
    stack: Stack, fleet_manager: Chat, payload: str
) -> None:
    before = backend_state(stack)
    entities = json.dumps({"phone_number": payload})

    reply = fleet_manager.say(f"/deactivate_line{entities}")

    assert any(text in reply for text in INVALID_NUMBER), reply
    assert backend_state(stack) == before
    log = backend_log(stack)
    assert not [marker for marker in MARKERS if marker.lower() in log.lower()]


@pytest.mark.e2e
def test_typed_text_with_meta_characters_only_reaches_the_backend_canonical(
    stack: Stack, fleet_manager: Chat
) -> None:
    before = backend_state(stack)

    reply = fleet_manager.say("deactivate 0470 00 00 03'; DROP TABLE lines;-- <script>")

    assert backend_state(stack) == before, reply
    log = backend_log(stack)
    assert not [marker for marker in MARKERS if marker.lower() in log.lower()]


# --- action level (no services) -----------------------------------------------------------


@pytest.mark.parametrize("payload", [*PAYLOADS, "0470 00 00 03 OR 1=1", "+32470000003\x00"])
async def test_line_resolution_sends_only_canonical_numbers(payload: str) -> None:
    backend = FakeBackend().on("GET", "/api/v1/lines", [])
    tracker = make_tracker(
        f"/deactivate_line{json.dumps({'phone_number': payload})}",
        intent="deactivate_line",
        entities=[{"entity": "phone_number", "value": payload}],
    )
    identity = chat_identity(tracker)
    assert identity is not None

    resolution = await resolve_line(backend.client(), identity, tracker)

    assert resolution.line is None
    sent = [str(request.url) for request in backend.requests]
    assert sent == [] or all("msisdn=%2B32470000003" in url for url in sent), sent


@pytest.mark.parametrize("payload", ["1 OR 1=1", "1; DROP TABLE lines", "<b>1</b>", "-1"])
async def test_chosen_line_id_must_be_digits(payload: str) -> None:
    backend = FakeBackend()
    tracker = make_tracker(
        "/inform", intent="inform", entities=[{"entity": "line_id", "value": payload}]
    )
    identity = chat_identity(tracker)
    assert identity is not None

    resolution = await resolve_line(backend.client(), identity, tracker)

    assert resolution.not_found == payload
    assert backend.requests == []


def test_stack_database_is_sqlite() -> None:
    # backend_state reads the stack's SQLite file: the e2e stack (built by tests/stack_fixtures.py)
    # must keep using one.
    source = Path("tests/stack_fixtures.py").read_text(encoding="utf-8")
    assert '"DATABASE_URL": f"sqlite:///' in source
    assert "fresh_stack(" in Path("tests/e2e/conftest.py").read_text(encoding="utf-8")
