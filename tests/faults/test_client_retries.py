"""Unit tests of the backend client's retry and time-budget rules (``actions/api/backend.py``).

The transport is an in-process ``httpx.MockTransport`` (these are not integration tests; the
real thing is ``test_backend_faults.py``). What they pin down: what is re-sent and with which
key, what is never re-sent, and that one user message never waits more than its budget.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest

from actions.api.backend import BackendClient, BackendUnavailableError, ChatIdentity

DROPPED = httpx.RemoteProtocolError("Server disconnected without sending a response.")
ME = {"id": 1, "first_name": "Sofie", "role": "fleet_manager", "active_role": "fleet_manager"}


def identity(turn: str | None = None) -> ChatIdentity:
    return ChatIdentity(channel="rest", sender_id="sender-1", turn=turn)


class Backend:
    """Answers with ``outcomes`` in order (an exception is raised), recording every request."""

    def __init__(self, *outcomes: httpx.Response | Exception | float) -> None:
        self.outcomes = list(outcomes)
        self.requests: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(outcome, float):  # hang that long
            await asyncio.sleep(outcome)
            return httpx.Response(200, json=ME)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def client(self, budget: float = 2.0) -> BackendClient:
        return BackendClient(
            base_url="http://backend.test",
            service_key="key",
            timeout_seconds=budget,
            transport=httpx.MockTransport(self),
        )


async def test_a_read_without_answer_is_sent_again() -> None:
    backend = Backend(httpx.ConnectError("refused"), httpx.Response(200, json=ME))

    me = await backend.client().get_me(identity())

    assert me.first_name == "Sofie"
    assert len(backend.requests) == 2


async def test_a_keyed_write_whose_answer_was_lost_is_resent_with_the_same_key() -> None:
    done = {"id": "op_1", "type": "change_plan", "status": "done"}
    backend = Backend(DROPPED, httpx.Response(200, json=done))

    operation = await backend.client().confirm_operation(
        identity(), "op_1", idempotency_key="confirm:op_1"
    )

    assert operation.status == "done"
    assert [r.headers["Idempotency-Key"] for r in backend.requests] == ["confirm:op_1"] * 2


async def test_a_write_without_key_is_never_resent() -> None:
    backend = Backend(DROPPED, httpx.Response(201, json={}))

    with pytest.raises(BackendUnavailableError):
        await backend.client()._request("POST", "/anything", identity(), json={})

    assert len(backend.requests) == 1


async def test_an_answer_is_not_resent_even_an_error() -> None:
    backend = Backend(httpx.Response(500), httpx.Response(200, json=ME))

    with pytest.raises(BackendUnavailableError):
        await backend.client().get_me(identity())

    assert len(backend.requests) == 1


async def test_three_attempts_at_most() -> None:
    backend = Backend(httpx.ConnectError("refused"))

    with pytest.raises(BackendUnavailableError):
        await backend.client().get_me(identity())

    assert len(backend.requests) == 3


async def test_the_calls_of_one_message_share_its_budget() -> None:
    backend = Backend(30.0)  # hangs
    client, turn = backend.client(budget=0.5), uuid.uuid4().hex
    started = time.monotonic()

    for _ in range(3):  # e.g. language detection, then the action's two calls
        with pytest.raises(BackendUnavailableError):
            await client.get_me(identity(turn))

    assert time.monotonic() - started < 0.9
    assert len(backend.requests) == 1  # the later calls did not even try
    # The next message has a budget of its own.
    backend.outcomes = [httpx.Response(200, json=ME)]
    assert (await client.get_me(identity(uuid.uuid4().hex))).first_name == "Sofie"
