"""Lines, greeting, capabilities, session start and fallback suggestions."""

from __future__ import annotations

from actions.capabilities import ActionShowCapabilities
from actions.fallback import ActionSuggestIntents
from actions.greet import ActionGreet
from actions.lines import ActionShowLines
from actions.session import ActionSessionStart
from tests.actions.support import (
    FakeBackend,
    error,
    line,
    make_tracker,
    me_end_user,
    me_fleet_manager,
    responses,
)


async def test_fleet_manager_sees_count_and_the_lines_one_row_each(backend, dispatcher):
    lines = [line(line_id=i, msisdn=f"+324700000{i:02d}", user_name=f"User {i}") for i in range(34)]
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("GET", "/api/v1/lines", lines)

    await ActionShowLines(backend.client()).run(
        dispatcher, make_tracker("show my lines", intent="show_lines"), {}
    )

    assert responses(dispatcher) == ["utter_fleet_lines", "utter_fleet_lines_more"]
    listing = dispatcher.messages[0]
    assert listing["count"] == 34
    assert listing["lines"].count("\n") == 29
    assert listing["lines"].startswith("• 0470 00 00 00 · User 0 · Pro Smart · active")
    assert dispatcher.messages[1]["remaining"] == 4


async def test_lines_on_a_plan_or_with_an_esim_are_listed_alone(backend, dispatcher):
    start = {"code": "pro_start", "name": "Pro Start", "monthly_price": "15.00"}
    lines = [
        line(line_id=1, msisdn="+32470000001", user_name="Ann"),
        line(line_id=2, msisdn="+32470000002", user_name="Bert", plan=start),
        line(line_id=3, msisdn="+32470000003", user_name="Cas", plan=start, sim_type="esim"),
    ]
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("GET", "/api/v1/lines", lines)
    backend.on("GET", "/api/v1/plans", [{**start, "names": {}}])

    await ActionShowLines(backend.client()).run(
        dispatcher, make_tracker("geef al onze lijnen op Pro Start", intent="show_lines"), {}
    )
    await ActionShowLines(backend.client()).run(
        dispatcher, make_tracker("which lines are on an eSIM?", intent="show_lines"), {}
    )

    assert [m["count"] for m in dispatcher.messages] == [2, 1]
    assert (
        "Bert" in dispatcher.messages[0]["lines"] and "Ann" not in dispatcher.messages[0]["lines"]
    )
    assert "Cas" in dispatcher.messages[1]["lines"]


async def test_statuses_are_shown_in_the_conversation_language(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("GET", "/api/v1/lines", [line(status="suspended")])
    tracker = make_tracker("toon mijn lijnen", intent="show_lines", slots={"language": "nl"})

    await ActionShowLines(backend.client()).run(dispatcher, tracker, {})

    assert dispatcher.messages[0]["lines"].endswith("· geschorst")


async def test_end_user_sees_own_line(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_end_user())
    backend.on("GET", "/api/v1/lines", [line()])
    tracker = make_tracker("mes lignes", intent="show_lines", slots={"language": "fr"})

    await ActionShowLines(backend.client()).run(dispatcher, tracker, {})

    assert responses(dispatcher) == ["utter_own_line"]
    assert dispatcher.messages[0]["msisdn"] == "0470 12 34 56"
    assert dispatcher.messages[0]["status"] == "active"


async def test_lines_for_anonymous_and_when_backend_is_down(dispatcher):
    anonymous = FakeBackend().on("GET", "/api/v1/me", error(401, "chat_identity_unknown"))
    down = FakeBackend().on("GET", "/api/v1/me", error(500, "boom"))
    tracker = make_tracker("my lines", intent="show_lines")

    await ActionShowLines(anonymous.client()).run(dispatcher, tracker, {})
    await ActionShowLines(down.client()).run(dispatcher, tracker, {})

    assert responses(dispatcher) == ["utter_login_required", "utter_backend_unavailable"]


async def test_greeting_knows_name_role_and_company(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_fleet_manager())

    events = await ActionGreet(backend.client()).run(
        dispatcher, make_tracker("hi", intent="greet"), {}
    )

    assert responses(dispatcher) == ["utter_greet_fleet_manager"]
    assert dispatcher.messages[0]["first_name"] == "Sofie"
    assert dispatcher.messages[0]["company"] == "Acme"
    assert {event["name"]: event["value"] for event in events} == {
        "first_name": "Sofie",
        "company_name": "Acme",
        "active_role": "fleet_manager",
    }


async def test_greeting_anonymous_and_end_user(dispatcher):
    anonymous = FakeBackend().on("GET", "/api/v1/me", error(401, "chat_identity_unknown"))
    end_user = FakeBackend().on("GET", "/api/v1/me", me_end_user())

    await ActionGreet(anonymous.client()).run(dispatcher, make_tracker("hallo", intent="greet"), {})
    await ActionGreet(end_user.client()).run(dispatcher, make_tracker("hallo", intent="greet"), {})

    assert responses(dispatcher) == ["utter_greet_anonymous", "utter_greet_end_user"]


async def test_capabilities_depend_on_the_role(dispatcher):
    cases = [
        FakeBackend().on("GET", "/api/v1/me", me_fleet_manager()),
        FakeBackend().on("GET", "/api/v1/me", me_fleet_manager(active_role="end_user")),
        FakeBackend().on("GET", "/api/v1/me", me_end_user()),
        FakeBackend().on("GET", "/api/v1/me", error(401, "chat_identity_unknown")),
        FakeBackend().on("GET", "/api/v1/me", error(503, "down")),
    ]
    for backend in cases:
        await ActionShowCapabilities(backend.client()).run(
            dispatcher, make_tracker("help", intent="ask_help"), {}
        )

    assert responses(dispatcher) == [
        "utter_capabilities_fleet_manager",
        "utter_capabilities_end_user",
        "utter_capabilities_switch_hint",
        "utter_capabilities_end_user",
        "utter_capabilities_anonymous",
        "utter_capabilities_generic",
    ]


async def test_session_start_loads_profile_and_account_language(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_end_user(language="fr"))

    events = await ActionSessionStart(backend.client()).run(dispatcher, make_tracker("hi"), {})

    assert events[0]["event"] == "session_started"
    assert (events[-1]["event"], events[-1]["name"]) == ("action", "action_listen")
    slots = {event["name"]: event["value"] for event in events if event["event"] == "slot"}
    assert slots["language"] == "fr"
    assert slots["language_source"] == "account"
    assert slots["first_name"] == "Jan"


async def test_session_start_before_any_message_does_not_call_the_backend(backend, dispatcher):
    events = await ActionSessionStart(backend.client()).run(
        dispatcher, make_tracker(channel=None), {}
    )

    assert [event["event"] for event in events] == ["session_started", "action"]
    assert backend.requests == []


async def test_session_start_keeps_an_explicit_language_choice(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_end_user(language="fr"))
    tracker = make_tracker("hi", slots={"language": "en", "language_source": "explicit"})

    events = await ActionSessionStart(backend.client()).run(dispatcher, tracker, {})

    languages = [event["value"] for event in events if event.get("name") == "language"]
    assert languages == ["en"]


async def test_fallback_offers_likely_intents_with_titles_in_the_language(dispatcher):
    tracker = make_tracker(
        "verbruik 0470 12 34 56 ???",
        intent="nlu_fallback",
        slots={"language": "nl"},
        intent_ranking=[
            {"name": "nlu_fallback", "confidence": 0.6},
            {"name": "ask_consumption", "confidence": 0.45},
            {"name": "show_lines", "confidence": 0.3},
            {"name": "out_of_scope", "confidence": 0.2},
            {"name": "greet", "confidence": 0.01},
        ],
        entities=[{"entity": "phone_number", "value": "0470 12 34 56"}],
    )

    await ActionSuggestIntents().run(dispatcher, tracker, {})

    assert responses(dispatcher) == ["utter_ask_rephrase_suggestions"]
    assert dispatcher.messages[0]["buttons"] == [
        {
            "title": "Verbruik bekijken",
            "payload": '/ask_consumption{"phone_number": "0470 12 34 56"}',
        },
        {"title": "Mijn lijnen tonen", "payload": '/show_lines{"phone_number": "0470 12 34 56"}'},
    ]


async def test_fallback_without_candidates_just_asks_to_rephrase(dispatcher):
    tracker = make_tracker(
        "???", intent="nlu_fallback", intent_ranking=[{"name": "nlu_fallback", "confidence": 1}]
    )

    await ActionSuggestIntents().run(dispatcher, tracker, {})

    assert responses(dispatcher) == ["utter_ask_rephrase"]
