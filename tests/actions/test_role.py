"""Role switch: the backend decides; an end user gets a polite refusal."""

from __future__ import annotations

import json

import pytest

from actions.role import ActionSwitchRole
from tests.actions.support import (
    entity,
    error,
    json_response,
    make_tracker,
    me_end_user,
    me_fleet_manager,
    responses,
)


async def test_fleet_manager_switches_to_user_portal(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("PUT", "/api/v1/me/active-role", me_fleet_manager(active_role="end_user"))
    tracker = make_tracker(
        "switch to the user portal",
        intent="switch_role",
        entities=[entity("portal_role", "end_user")],
    )

    events = await ActionSwitchRole(backend.client()).run(dispatcher, tracker, {})

    assert responses(dispatcher) == ["utter_role_switched_end_user"]
    assert events == [
        {"event": "slot", "timestamp": None, "name": "active_role", "value": "end_user"}
    ]
    put = backend.requests[-1]
    assert json.loads(put.content) == {"role": "end_user"}
    assert put.headers["Idempotency-Key"]


async def test_switch_without_target_toggles(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_fleet_manager(active_role="end_user"))
    backend.on("PUT", "/api/v1/me/active-role", me_fleet_manager())

    await ActionSwitchRole(backend.client()).run(
        dispatcher, make_tracker("switch role", intent="switch_role"), {}
    )

    assert json.loads(backend.requests[-1].content) == {"role": "fleet_manager"}
    assert responses(dispatcher) == ["utter_role_switched_fleet_manager"]


async def test_end_user_gets_a_polite_refusal_from_the_403(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_end_user())
    backend.on("PUT", "/api/v1/me/active-role", error(403, "role_switch_forbidden"))
    tracker = make_tracker(
        "schakel naar fleet manager",
        intent="switch_role",
        entities=[entity("portal_role", "fleet_manager")],
    )

    events = await ActionSwitchRole(backend.client()).run(dispatcher, tracker, {})

    assert events == []
    assert responses(dispatcher) == ["utter_role_switch_forbidden"]


async def test_already_in_requested_portal(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    tracker = make_tracker(
        "passer au portail fleet manager",
        intent="switch_role",
        entities=[entity("portal_role", "fleet_manager")],
    )

    await ActionSwitchRole(backend.client()).run(dispatcher, tracker, {})

    assert responses(dispatcher) == ["utter_role_already_fleet_manager"]
    assert [request.method for request in backend.requests] == ["GET"]


async def test_anonymous_and_backend_down(backend, dispatcher):
    anonymous = backend.on("GET", "/api/v1/me", error(401, "chat_identity_unknown"))
    await ActionSwitchRole(anonymous.client()).run(dispatcher, make_tracker("switch role"), {})
    down = type(backend)().on("GET", "/api/v1/me", json_response(503, {}))
    await ActionSwitchRole(down.client()).run(dispatcher, make_tracker("switch role"), {})

    assert responses(dispatcher) == ["utter_login_required", "utter_backend_unavailable"]


@pytest.mark.parametrize(
    "text",
    [
        "ziet zij dan zelf haar eigen deel van de factuur, of zie ik alles?",
        "est-ce qu'elle verra sa part de la facture, ou moi je vois tout ?",
        "will she see her own part of the bill, or do I see everything?",
    ],
)
async def test_a_question_about_who_sees_what_switches_nothing(backend, dispatcher, text):
    # nl-1830: at an activation summary, the question switched the fleet manager to the user
    # portal, and her "yes" was then refused.
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    tracker = make_tracker(text, intent="switch_role")

    events = await ActionSwitchRole(backend.client()).run(dispatcher, tracker, {})

    assert events == []
    assert responses(dispatcher) == ["utter_faq_role_switch"]
    assert not [r for r in backend.requests if r.method == "PUT"]


async def test_a_question_asking_for_the_other_portal_still_switches(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("PUT", "/api/v1/me/active-role", me_fleet_manager(active_role="end_user"))
    tracker = make_tracker(
        "can you switch me to the user portal?",
        intent="switch_role",
        entities=[entity("portal_role", "end_user")],
    )

    await ActionSwitchRole(backend.client()).run(dispatcher, tracker, {})

    assert responses(dispatcher) == ["utter_role_switched_end_user"]
