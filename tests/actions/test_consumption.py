"""Consumption: one number, the own line, the fleet; validation, scoping and failures."""

from __future__ import annotations

import asyncio
from datetime import date

import httpx
import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.consumption import ActionShowConsumption, ranking_in
from tests.actions.support import (
    FakeBackend,
    consumption,
    entity,
    error,
    line,
    make_tracker,
    me_end_user,
    me_fleet_manager,
    plain,
    responses,
)

TODAY = date(2026, 11, 26)


def action(backend: FakeBackend, timeout: float = 2.0) -> ActionShowConsumption:
    return ActionShowConsumption(backend.client(timeout), today=lambda: TODAY)


async def run(backend: FakeBackend, dispatcher: CollectingDispatcher, text: str, **kw: object):
    tracker = make_tracker(text, **kw)  # type: ignore[arg-type]
    return await action(backend).run(dispatcher, tracker, {})


async def test_fleet_manager_sees_employer_part_of_split_bill_line(backend, dispatcher):
    backend.on("GET", "/api/v1/lines", [line(split_bill=True)])
    backend.on(
        "GET",
        "/api/v1/lines/12/consumption",
        consumption(split_bill=True, part="employer", cost="12.50"),
    )

    events = await run(
        backend,
        dispatcher,
        "how much did 0470 12 34 56 use this month?",
        entities=[entity("phone_number", "0470 12 34 56"), entity("period", "this month")],
    )

    assert events == []
    assert responses(dispatcher) == ["utter_line_consumption", "utter_split_bill_employer_part"]
    message = dispatcher.messages[0]
    assert message["msisdn"] == "0470 12 34 56"
    assert plain(message["month"]) == "November 2026"
    assert plain(message["voice"]) == "312 mins"
    assert plain(message["data"]) == "5 GB"
    assert plain(message["cost"]) == "€12.50"
    lookup, usage = backend.requests
    assert lookup.url.params["msisdn"] == "+32470123456"
    assert usage.url.params["month"] == "2026-11"


async def test_identity_headers_come_from_the_channel_never_from_slots(backend, dispatcher):
    backend.on("GET", "/api/v1/lines", [line()])
    backend.on("GET", "/api/v1/lines/12/consumption", consumption())
    tracker = make_tracker(
        "usage of 0470123456",
        entities=[entity("phone_number", "0470123456")],
        slots={"active_role": "fleet_manager", "first_name": "Mallory"},
        channel="slack",
        sender_id="U123",
    )

    await action(backend).run(dispatcher, tracker, {})

    for request in backend.requests:
        assert request.headers["X-Service-Key"] == "test-service-key"
        assert request.headers["X-Chat-Channel"] == "slack"
        assert request.headers["X-Chat-Sender"] == "U123"


async def test_end_user_without_number_gets_own_line(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_end_user())
    backend.on("GET", "/api/v1/lines/12/consumption", consumption(split_bill=True, part="employee"))

    await run(backend, dispatcher, "ma consommation", slots={"language": "fr"})

    assert responses(dispatcher) == ["utter_line_consumption", "utter_split_bill_employee_part"]
    assert plain(dispatcher.messages[0]["month"]) == "novembre 2026"
    assert plain(dispatcher.messages[0]["data"]) == "5 Go"
    assert backend.paths() == ["/api/v1/me", "/api/v1/lines/12/consumption"]


async def test_end_user_slot_claiming_fleet_manager_is_ignored(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_end_user())
    backend.on("GET", "/api/v1/lines/12/consumption", consumption())

    await run(backend, dispatcher, "my usage", slots={"active_role": "fleet_manager"})

    assert "/api/v1/consumption" not in backend.paths()
    assert responses(dispatcher) == ["utter_line_consumption"]


async def test_fleet_manager_without_number_gets_fleet_totals_and_top_consumers(
    backend, dispatcher
):
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on(
        "GET",
        "/api/v1/consumption",
        {
            "month": "2026-10",
            "lines": [consumption(), consumption(line_id=13, msisdn="+32470000003")],
            "totals": {"voice_minutes": 600, "sms": 90, "data_mb": 10240, "cost": "1031.40"},
            "top_consumers": [consumption(split_bill=True, part="employer")],
        },
    )

    await run(
        backend,
        dispatcher,
        "verbruik van de vloot vorige maand",
        entities=[entity("period", "vorige maand")],
        slots={"language": "nl"},
    )

    assert responses(dispatcher) == [
        "utter_fleet_consumption",
        "utter_fleet_top_consumers",
        "utter_split_bill_employer_part",
    ]
    totals = dispatcher.messages[0]
    assert plain(totals["month"]) == "oktober 2026"
    assert plain(totals["cost"]) == "€ 1.031,40"
    assert totals["line_count"] == 2
    assert "0470 12 34 56 · Jan Peeters · € 31,40" in plain(dispatcher.messages[1]["top"])
    request = backend.requests[-1]
    assert request.url.params["month"] == "2026-10"
    assert request.url.params["top"] == "5"


async def test_number_not_among_callers_lines_is_not_found(backend, dispatcher):
    backend.on("GET", "/api/v1/lines", [])  # another company's number looks exactly the same

    await run(
        backend,
        dispatcher,
        "usage of 0470 99 99 99",
        entities=[entity("phone_number", "0470 99 99 99")],
    )

    assert responses(dispatcher) == ["utter_line_not_found"]
    assert dispatcher.messages[0]["msisdn"] == "0470 99 99 99"


async def test_consumption_404_is_reported_as_not_found(backend, dispatcher):
    backend.on("GET", "/api/v1/lines", [line()])
    backend.on("GET", "/api/v1/lines/12/consumption", error(404, "line_not_found"))

    await run(backend, dispatcher, "0470123456", entities=[entity("phone_number", "0470123456")])

    assert responses(dispatcher) == ["utter_line_not_found"]


@pytest.mark.parametrize(
    "typed", ["0470 12", "02 123 45 67", "+33 6 12 34 56 78", "0470 12 34 56 78 9"]
)
async def test_invalid_number_is_explained_without_calling_the_backend(backend, dispatcher, typed):
    await run(backend, dispatcher, typed, entities=[entity("phone_number", typed)])

    assert responses(dispatcher) == ["utter_invalid_phone_number"]
    assert dispatcher.messages[0]["phone_number"] == typed
    assert backend.requests == []


@pytest.mark.parametrize(
    "typed",
    [
        "0470123456",
        "0470 12 34 56",
        "0470/12.34.56",
        "0470-12-34-56",
        "+32 470 12 34 56",
        "+32470123456",
        "32470123456",
        "0032470123456",
        "0032 470 12 34 56",
    ],
)
async def test_every_usual_number_format_is_looked_up_in_e164(backend, dispatcher, typed):
    backend.on("GET", "/api/v1/lines", [line()])
    backend.on("GET", "/api/v1/lines/12/consumption", consumption())

    await run(backend, dispatcher, typed, entities=[entity("phone_number", typed)])

    assert backend.requests[0].url.params["msisdn"] == "+32470123456"
    assert responses(dispatcher) == ["utter_line_consumption"]


@pytest.mark.parametrize(
    ("text", "entities", "month"),
    [
        ("usage this month", ["this month"], "2026-11"),
        ("usage last month", ["last month"], "2026-10"),
        ("consommation du mois dernier", ["le mois dernier"], "2026-10"),
        ("consommation en octobre", ["octobre"], "2026-10"),
        ("consommation en février", ["février"], "2026-02"),
        ("verbruik in maart", ["maart"], "2026-03"),
        ("verbruik vorige maand", ["vorige maand"], "2026-10"),
        ("usage in December", ["December"], "2025-12"),
        ("usage in september 2025", ["september 2025"], "2025-09"),
        ("usage for 10/2026", ["10/2026"], "2026-10"),
        ("usage for 2026-09", ["2026-09"], "2026-09"),
        ("verbruik in mei", [], "2026-05"),  # the extractor missed it: the text still counts
        ("may I see my usage", [], "2026-11"),  # "may" the verb is not a month
        ("my usage", [], "2026-11"),
    ],
)
async def test_period_is_parsed_in_three_languages(backend, dispatcher, text, entities, month):
    backend.on("GET", "/api/v1/me", me_end_user())
    backend.on("GET", "/api/v1/lines/12/consumption", consumption(month=month))

    await run(backend, dispatcher, text, entities=[entity("period", value) for value in entities])

    assert backend.requests[-1].url.params["month"] == month


async def test_phone_number_digits_are_not_read_as_a_month(backend, dispatcher):
    backend.on("GET", "/api/v1/lines", [line(msisdn="+32470102026")])
    backend.on("GET", "/api/v1/lines/12/consumption", consumption())

    await run(
        backend,
        dispatcher,
        "usage of 0470/10.20.26",
        entities=[entity("phone_number", "0470/10.20.26")],
    )

    assert backend.requests[-1].url.params["month"] == "2026-11"


async def test_anonymous_user_is_asked_to_log_in(backend, dispatcher):
    backend.on("GET", "/api/v1/me", error(401, "chat_identity_unknown"))

    await run(backend, dispatcher, "my usage")

    assert responses(dispatcher) == ["utter_login_required"]


def _slow(_request: httpx.Request):
    async def answer() -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200)

    return answer()


def _refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


@pytest.mark.parametrize(
    "answer",
    [
        error(500, "internal_error"),
        httpx.Response(502, text="Bad gateway"),
        httpx.Response(200, text="<html>not json</html>"),
        httpx.Response(200, json={"unexpected": "shape"}),
        error(401, "invalid_service_key"),
        _refused,
        _slow,
    ],
    ids=["500", "502-html", "not-json", "wrong-shape", "bad-service-key", "refused", "timeout"],
)
async def test_backend_failure_gives_a_polite_message_in_time(dispatcher, answer):
    backend = FakeBackend().on("GET", "/api/v1/me", answer)
    started = asyncio.get_running_loop().time()

    events = await ActionShowConsumption(backend.client(0.2), today=lambda: TODAY).run(
        dispatcher, make_tracker("my usage"), {}
    )

    assert asyncio.get_running_loop().time() - started < 1.0
    assert events == []
    assert responses(dispatcher) == ["utter_backend_unavailable"]


async def test_next_message_works_after_a_failure(dispatcher):
    calls = {"n": 0}

    def flaky(_request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            return error(503, "unavailable")
        return httpx.Response(200, json=me_end_user())

    backend = FakeBackend().on("GET", "/api/v1/me", flaky)
    backend.on("GET", "/api/v1/lines/12/consumption", consumption())
    consumption_action = action(backend)

    await consumption_action.run(dispatcher, make_tracker("my usage"), {})
    await consumption_action.run(dispatcher, make_tracker("my usage"), {})

    assert responses(dispatcher) == ["utter_backend_unavailable", "utter_line_consumption"]


async def test_end_user_without_a_line(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_end_user(line_id=None))

    await run(backend, dispatcher, "my usage")

    assert responses(dispatcher) == ["utter_no_own_line"]


async def test_fleet_manager_names_a_line_by_person_or_last_digits(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("GET", "/api/v1/lines", [line(), line(13, "+32470000013", user_name="Lotte Maes")])
    backend.on("GET", "/api/v1/lines/13/consumption", consumption(line_id=13, month="2026-10"))

    await run(backend, dispatcher, "how much did Lotte use last month?")

    assert responses(dispatcher) == ["utter_line_consumption"]
    assert backend.requests[-1].url.path == "/api/v1/lines/13/consumption"
    assert backend.requests[-1].url.params["month"] == "2026-10"
    assert "/api/v1/consumption" not in backend.paths()


async def test_two_lines_with_the_same_first_name_offer_buttons(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on(
        "GET",
        "/api/v1/lines",
        [line(), line(14, "+32470000014", user_name="Jan Maes", label="Jan Maes")],
    )

    await run(backend, dispatcher, "Jan's usage in october")

    assert responses(dispatcher) == ["utter_which_line"]
    payloads = [button["payload"] for button in dispatcher.messages[0]["buttons"]]
    assert payloads[1] == '/ask_consumption{"phone_number": "+32470000014", "period": "2026-10"}'


async def test_who_used_the_most_data_is_a_ranking_by_data(backend, dispatcher):
    # "who used the most data this month?" got the fleet totals ranked by cost.
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    heavy = consumption(line_id=11, msisdn="+32470000011", user_name="Bram Jacobs", data_mb=43971)
    light = consumption(line_id=3, msisdn="+32470000003", user_name="Jan Peeters", data_mb=512)
    backend.on(
        "GET",
        "/api/v1/consumption",
        {
            "month": "2026-12",
            "lines": [light, heavy],
            "totals": {"voice_minutes": 600, "sms": 90, "data_mb": 44483, "cost": "80.00"},
            "top_consumers": [light, heavy],
        },
    )

    await run(backend, dispatcher, "who used the most data this month?", slots={"language": "en"})

    rows = plain(dispatcher.messages[1]["top"]).splitlines()
    assert rows[0] == "• 0470 00 00 11 · Bram Jacobs · 42.94 GB"
    assert rows[1].startswith("• 0470 00 00 03 · Jan Peeters · 512 MB")


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        # set27 nl-043: "gesurft" was no data word, the ranking came by cost
        ("wie heeft er in november het meest gesurft?", "data"),
        ("qui a le plus surfé sur internet ce mois-ci ?", "data"),
        ("who downloaded the most GB in october?", "data"),
        ("wie heeft het meest gebeld vorige maand?", "voice"),
        ("qui a le plus téléphoné en octobre ?", "voice"),
        ("who talked the most last month?", "voice"),
        ("who texted the most?", "sms"),
        ("wie heeft het meest ge-sms't?", "sms"),
        ("qui a le plus roamé cet été ?", "roaming"),
        ("wie is de grootste verbruiker deze maand?", "cost"),
        ("who was the most expensive this month?", "cost"),
        ("qui coûte le plus cher ce mois ?", "cost"),
    ],
)
def test_a_ranking_is_by_what_the_question_names(question: str, kind: str) -> None:
    assert ranking_in(question) == kind


@pytest.mark.parametrize(
    "question",
    [
        "hoeveel heeft die vorige maand eigenlijk verbruikt?",
        "combien il a consommé le mois passé ?",
        "how much did she use last month?",
    ],
)
async def test_a_question_pointing_back_is_about_the_line_being_changed(
    backend, dispatcher, question
):
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("GET", "/api/v1/lines", [line(), line(13, "+32470000013", user_name="Lotte Maes")])
    backend.on("GET", "/api/v1/lines/13/consumption", consumption(line_id=13, month="2026-10"))

    await run(backend, dispatcher, question, slots={"target_line_id": "13"})

    assert responses(dispatcher) == ["utter_line_consumption"]
    assert backend.requests[-1].url.path == "/api/v1/lines/13/consumption"
    assert "/api/v1/consumption" not in backend.paths()


async def test_a_fleet_question_during_an_operation_stays_about_the_fleet(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("GET", "/api/v1/lines", [line()])
    backend.on(
        "GET",
        "/api/v1/consumption",
        {"month": "2026-10", "lines": [consumption()], "top_consumers": [],
         "totals": {"voice_minutes": 1, "sms": 1, "data_mb": 1, "cost": "1.00"}},
    )  # fmt: skip

    await run(
        backend, dispatcher, "how much did we use last month?", slots={"target_line_id": "13"}
    )

    assert responses(dispatcher)[0] == "utter_fleet_consumption"


async def test_a_question_pointing_back_at_a_summary_is_about_its_line(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("GET", "/api/v1/lines", [line(), line(13, "+32470000013", user_name="Jan Peeters")])
    backend.on(
        "GET",
        "/api/v1/operations/op-7",
        {"id": "op-7", "type": "change_plan", "status": "pending", "line_id": 13},
    )
    backend.on("GET", "/api/v1/lines/13/consumption", consumption(line_id=13, month="2026-10"))

    await run(
        backend,
        dispatcher,
        "hoeveel heeft die vorige maand eigenlijk verbruikt?",
        slots={"pending_operation_id": "op-7", "pending_operation_type": "change_plan"},
    )

    assert responses(dispatcher) == ["utter_line_consumption"]
    assert backend.requests[-1].url.path == "/api/v1/lines/13/consumption"


FLEET = {
    "month": "2026-11",
    "lines": [consumption(), consumption(line_id=13, msisdn="+32470000013")],
    "totals": {"voice_minutes": 600, "sms": 90, "data_mb": 10240, "cost": "1031.40"},
    "top_consumers": [],
}


@pytest.mark.parametrize(
    ("language", "question"),
    [
        ("en", "how much have I used on my own line so far this month?"),
        ("en", "what's the usage on my phone this month"),
        ("fr", "je voudrais voir mon propre usage ce mois-ci"),
        ("fr", "combien j'ai consommé sur ma ligne ce mois-ci ?"),
        ("nl", "wat is mijn eigen verbruik deze maand?"),
        ("nl", "hoeveel data heb ik al verbruikt op mijn lijn?"),
    ],
)
async def test_a_fleet_manager_asking_about_their_own_line_gets_that_line(
    backend, dispatcher, language, question
):
    backend.on("GET", "/api/v1/me", me_fleet_manager(line_id=1))
    backend.on("GET", "/api/v1/lines/1/consumption", consumption(line_id=1, msisdn="+32470000001"))
    backend.on("GET", "/api/v1/consumption", FLEET)

    await run(backend, dispatcher, question, slots={"language": language})

    assert responses(dispatcher) == ["utter_line_consumption"]
    assert dispatcher.messages[0]["msisdn"] == "0470 00 00 01"
    assert backend.requests[-1].url.params["month"] == "2026-11"
    assert "/api/v1/consumption" not in backend.paths()


async def test_a_fleet_manager_without_an_own_line_is_told_so(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_fleet_manager(line_id=None))

    await run(backend, dispatcher, "mijn eigen verbruik", slots={"language": "nl"})

    assert responses(dispatcher) == ["utter_no_own_line"]


@pytest.mark.parametrize(
    ("language", "question"),
    [
        ("en", "What did Pieter Goossens use in November (data, calls, texts)? And what was the "
               "whole fleet's total for that month?"),
        ("fr", "Qu'a consommé Pieter Goossens en novembre ? Et le total de toute la flotte pour "
               "ce mois-là ?"),
        ("nl", "Wat heeft Pieter Goossens in november verbruikt? En wat was het totaal van de "
               "hele vloot die maand?"),
    ],
)  # fmt: skip
async def test_one_line_and_the_fleet_total_asked_at_once_are_both_answered(
    backend, dispatcher, language, question
):
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on(
        "GET", "/api/v1/lines", [line(), line(13, "+32470000013", user_name="Pieter Goossens")]
    )
    backend.on("GET", "/api/v1/lines/13/consumption", consumption(line_id=13, month="2026-11"))
    backend.on("GET", "/api/v1/consumption", FLEET)

    await action(backend).run(dispatcher, make_tracker(question, slots={"language": language}), {})

    assert responses(dispatcher) == ["utter_line_consumption", "utter_fleet_consumption"]
    usage, fleet = (r for r in backend.requests if "consumption" in r.url.path)
    assert usage.url.path == "/api/v1/lines/13/consumption"
    assert usage.url.params["month"] == fleet.url.params["month"] == "2026-11"


async def test_a_number_and_the_fleet_total_asked_at_once_are_both_answered(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("GET", "/api/v1/lines", [line()])
    backend.on("GET", "/api/v1/lines/12/consumption", consumption())
    backend.on("GET", "/api/v1/consumption", FLEET)

    await run(
        backend,
        dispatcher,
        "usage of 0470 12 34 56 this month, and for all our lines?",
        entities=[entity("phone_number", "0470 12 34 56")],
    )

    assert responses(dispatcher) == ["utter_line_consumption", "utter_fleet_consumption"]


async def test_an_end_user_asking_about_the_fleet_too_gets_only_their_line(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_end_user())
    backend.on("GET", "/api/v1/lines", [line()])
    backend.on("GET", "/api/v1/lines/12/consumption", consumption())

    await run(
        backend,
        dispatcher,
        "usage of 0470 12 34 56, and the whole fleet?",
        entities=[entity("phone_number", "0470 12 34 56")],
    )

    assert responses(dispatcher) == ["utter_line_consumption"]
    assert "/api/v1/consumption" not in backend.paths()
