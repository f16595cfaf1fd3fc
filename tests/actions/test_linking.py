"""Slack/Teams account linking: the ids come from the sender id, the code from the message."""

from __future__ import annotations

import json

import pytest

from actions.linking import ActionLinkAccount, split_sender
from tests.actions.support import (
    SERVICE_KEY,
    entity,
    error,
    json_response,
    make_tracker,
    me_fleet_manager,
    responses,
)


def _slot_values(events: list[dict[str, object]]) -> dict[object, object]:
    return {event["name"]: event["value"] for event in events if event["event"] == "slot"}


async def test_slack_user_links_with_the_code_and_is_greeted_by_name(backend, dispatcher):
    backend.on("POST", "/api/v1/chat/links", json_response(201, {"account_id": 1}))
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    tracker = make_tracker(
        "link k7m2p9qx",
        intent="link_account",
        entities=[entity("link_code", "k7m2p9qx")],
        channel="slack",
        sender_id="T0ACME:U0SOFIE",
    )

    events = await ActionLinkAccount(backend.client()).run(dispatcher, tracker, {})

    assert responses(dispatcher) == ["utter_link_done"]
    assert dispatcher.messages[0]["first_name"] == "Sofie"
    link = backend.requests[0]
    assert json.loads(link.content) == {
        "platform": "slack",
        "workspace_id": "T0ACME",
        "user_id": "U0SOFIE",
        "code": "K7M2P9QX",
    }
    assert link.headers["X-Service-Key"] == SERVICE_KEY
    assert _slot_values(events) == {
        "first_name": "Sofie",
        "company_name": "Acme",
        "active_role": "fleet_manager",
        "language": "nl",
        "language_source": "account",
    }


async def test_teams_user_links_with_an_all_letter_code_found_in_the_text(backend, dispatcher):
    backend.on("POST", "/api/v1/chat/links", json_response(201, {"account_id": 1}))
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    tracker = make_tracker(
        "mon code est abcdefgh",  # no entity: the regex only tags codes with a digit or capitals
        intent="link_account",
        channel="botframework",
        sender_id="72f988bf-tenant:aad-object-id",
    )

    await ActionLinkAccount(backend.client()).run(dispatcher, tracker, {})

    body = json.loads(backend.requests[0].content)
    assert body == {
        "platform": "teams",
        "workspace_id": "72f988bf-tenant",
        "user_id": "aad-object-id",
        "code": "ABCDEFGH",
    }


async def test_a_bad_used_or_expired_code_is_refused_clearly(backend, dispatcher):
    backend.on("POST", "/api/v1/chat/links", error(400, "link_code_invalid"))
    tracker = make_tracker(
        "link K7M2P9QX",
        intent="link_account",
        entities=[entity("link_code", "K7M2P9QX")],
        channel="slack",
        sender_id="T0ACME:U0SOFIE",
    )

    events = await ActionLinkAccount(backend.client()).run(dispatcher, tracker, {})

    assert responses(dispatcher) == ["utter_link_code_invalid"]
    assert events == []
    assert backend.paths() == ["/api/v1/chat/links"]


async def test_backend_down_is_said_politely(backend, dispatcher):
    backend.on("POST", "/api/v1/chat/links", error(503, "database_unavailable"))
    tracker = make_tracker(
        "link K7M2P9QX", intent="link_account", channel="slack", sender_id="T0ACME:U0SOFIE"
    )

    await ActionLinkAccount(backend.client()).run(dispatcher, tracker, {})

    assert responses(dispatcher) == ["utter_backend_unavailable"]


async def test_without_a_code_the_user_is_told_what_to_send(backend, dispatcher):
    tracker = make_tracker(
        "how do I link my account?",
        intent="link_account",
        channel="slack",
        sender_id="T0ACME:U0SOFIE",
    )

    await ActionLinkAccount(backend.client()).run(dispatcher, tracker, {})

    assert responses(dispatcher) == ["utter_link_code_missing"]
    assert backend.requests == []


@pytest.mark.parametrize(
    ("channel", "sender_id"),
    [("rest", "web-session-token"), ("slack", "no-colon-sender"), (None, "sender-123")],
)
async def test_linking_only_from_a_platform_channel_with_a_platform_sender(
    backend, dispatcher, channel, sender_id
):
    tracker = make_tracker(
        "link K7M2P9QX",
        intent="link_account",
        entities=[entity("link_code", "K7M2P9QX")],
        channel=channel,
        sender_id=sender_id,
        # Slots are client-writable: they never name the workspace or the user.
        slots={"first_name": "Mallory"},
    )

    await ActionLinkAccount(backend.client()).run(dispatcher, tracker, {})

    assert responses(dispatcher) == ["utter_link_not_here"]
    assert backend.requests == []


def test_split_sender() -> None:
    assert split_sender("T1:U1") == ("T1", "U1")
    assert split_sender("tenant:aad:extra") == ("tenant", "aad:extra")
    assert split_sender("T1:") is None
    assert split_sender("nocolon") is None
