"""The line corrected after it was chosen: while another question waits ("pardon, ce n'est pas
Dries, c'est Stijn Devos"), in a "yes" that points at another line ("oui, celle de Stijn"), and
in the answer to "do you really want to deactivate a line?" — never the first line run."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import FollowupAction

from actions.api.backend import Line
from actions.deactivation import ValidateDeactivateLineForm
from actions.line_resolution import match_lines_in_text
from actions.operations import ActionConfirmOperation
from actions.plans import ValidateChangePlanForm
from actions.sim_replacement import ValidateSimReplacementForm
from tests.actions.support import FakeBackend, line, make_tracker, me_fleet_manager, responses
from tests.actions.test_fleet_line_operations import DOMAIN, PLANS, operation, posts, slots_of

DRIES = line(53, "+32470000053", user_name="Dries Desmet", label="Dries Desmet")
STIJN = line(55, "+32470000055", user_name="Stijn Devos", label="Stijn Devos")
WOUTER = line(13, "+32470000013", user_name="Wouter De Smet", label="Wouter De Smet")
TIM = line(19, "+32470000019", user_name="Tim Aerts", label="Tim Aerts")
KEVIN = line(15, "+32470000015", user_name="Kevin Hermans", label="Kevin Hermans")
HANNE = line(22, "+32470000022", user_name="Hanne Stevens", label="Hanne Stevens")
LINES = [DRIES, STIJN, WOUTER, TIM, KEVIN, HANNE]


def fleet(backend: FakeBackend) -> FakeBackend:
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("GET", "/api/v1/lines", LINES)
    for item in LINES:
        backend.on("GET", f"/api/v1/lines/{item['id']}", item)
    backend.on("GET", "/api/v1/plans", PLANS)
    return backend


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Wacht, 't is ni voor Wouter, 't is voor Tim Aerts. Sorry!", ["Tim Aerts"]),
        ("'t Moet die van Hanne Stevens zijn, ni da van Kevin", ["Hanne Stevens"]),
        ("ce n'est pas Dries qui part, c'est Stijn Devos", ["Stijn Devos"]),
        ("not the one of Dries, Stijn's", ["Stijn Devos"]),
        ("pas pour Dries, pour Stijn", ["Stijn Devos"]),
        ("c'est pour Dries", ["Dries Desmet"]),
    ],
)
def test_a_name_after_not_is_the_line_not_meant(text: str, named: list[str]) -> None:
    lines = [Line.model_validate(item) for item in LINES]
    matches, _ = match_lines_in_text(text, lines)
    assert [found.user_name for found in matches] == named


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Ah pardon, je confonds : ce n'est pas Dries qui part, c'est Stijn Devos.", "inform"),
        ("Sorry, my mistake: not Dries, it's Stijn Devos who is leaving.", "deactivate_line"),
        ("Oei sorry, 't is ni voor Dries, 't is voor Stijn Devos.", "inform"),
    ],
)
async def test_a_line_corrected_at_a_later_question_replaces_it(
    backend: FakeBackend, dispatcher: Any, text: str, intent: str
) -> None:
    fleet(backend)
    asked = {"target_line_id": "53", "requested_slot": "keep_number"}
    tracker = make_tracker(text, intent=intent, slots=asked)

    events = await ValidateDeactivateLineForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    filled = slots_of(events)
    assert filled["target_line_id"] == "55"
    assert "keep_number" not in filled
    # Said back, and no "answer yes or no" for a message that was no answer to it.
    assert responses(dispatcher) == ["utter_line_switched"]
    assert dispatcher.messages[0]["msisdn"] == "0470 00 00 55"
    assert filled["form_failed_attempts"] == 0


async def test_a_line_corrected_with_the_answer_keeps_both(backend, dispatcher) -> None:
    fleet(backend)
    asked = {"target_line_id": "13", "requested_slot": "plan_code"}
    tracker = make_tracker(
        "wacht, 't is ni voor Wouter maar voor Tim Aerts, en zet hem op Pro Unlimited",
        intent="change_plan",
        slots=asked,
    )

    events = await ValidateChangePlanForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["target_line_id"] == "19"
    assert slots_of(events)["plan_code"] == "pro_unlimited"


async def test_a_later_answer_without_a_correction_never_changes_the_line(
    backend, dispatcher
) -> None:
    # "Stijn keeps it" answers the question about Dries's number; Stijn's line stays unchosen.
    fleet(backend)
    asked = {"target_line_id": "53", "requested_slot": "keep_number"}
    tracker = make_tracker("non, Stijn Devos s'en occupe", intent="deny", slots=asked)

    events = await ValidateDeactivateLineForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert "target_line_id" not in slots_of(events)
    assert slots_of(events)["keep_number"] is False


PENDING = {"pending_operation_id": "op_abc", "pending_operation_type": "deactivate_line"}


def dries_waits(backend: FakeBackend) -> None:
    """The deactivation of Dries's line waits for "yes"."""
    fleet(backend)
    backend.on(
        "GET",
        "/api/v1/operations/op_abc",
        operation("deactivate_line", {}, line_id=53, msisdn="+32470000053"),
    )


@pytest.mark.parametrize(
    "text", ["oui, celle de Stijn", "ja, die van Stijn", "yes, Stijn's line", "ok, for Stijn"]
)
async def test_a_yes_pointing_at_another_line_runs_nothing(backend, dispatcher, text) -> None:
    dries_waits(backend)
    backend.on("POST", "/api/v1/operations/op_abc/cancel", operation("deactivate_line", {}))
    tracker = make_tracker(text, intent="affirm", slots=PENDING)

    events = await ActionConfirmOperation(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert not any(r.url.path.endswith("/confirm") for r in posts(backend))
    assert FollowupAction("deactivate_line_form") in events


@pytest.mark.parametrize("text", ["oui, celle de Dries", "ja, die van Dries", "oui merci Stijn"])
async def test_a_yes_pointing_at_the_same_line_confirms(backend, dispatcher, text) -> None:
    dries_waits(backend)
    backend.on(
        "POST",
        "/api/v1/operations/op_abc/confirm",
        operation("deactivate_line", {}, line_id=53, msisdn="+32470000053", status="done"),
    )
    tracker = make_tracker(text, intent="affirm", slots=PENDING)

    await ActionConfirmOperation(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert [r.url.path for r in posts(backend)] == ["/api/v1/operations/op_abc/confirm"]


async def test_the_form_started_by_a_yes_to_the_doubt_asks_no_doubt_again(
    backend, dispatcher
) -> None:
    # "yes, Charlotte's line" to "do you really want to deactivate a line?" asked it again,
    # four times.
    fleet(backend)
    tracker = make_tracker("yes, the one of Stijn Devos", intent="affirm")
    tracker.latest_message["intent"]["confidence"] = 0.55
    tracker.events.append({"event": "action", "name": "action_confirm_operation"})
    tracker.events.append({"event": "action", "name": "deactivate_line_form"})

    events = await ValidateDeactivateLineForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert "utter_ask_meant_deactivate_line_form" not in responses(dispatcher)
    assert slots_of(events)["target_line_id"] == "55"


async def test_a_line_correction_read_as_a_side_question_still_switches(backend, dispatcher):
    # nl-1740: read as ask_activation_status, the status was answered, "Oké, dan voor Tim" said,
    # and the plan of Wouter's line changed anyway.
    fleet(backend)
    asked = {"target_line_id": "13", "requested_slot": "plan_code"}
    tracker = make_tracker(
        "Wacht, 't is ni voor Wouter, 't is voor Tim Aerts. Sorry!",
        intent="ask_activation_status",
        slots=asked,
    )

    events = await ValidateChangePlanForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["target_line_id"] == "19"
    assert responses(dispatcher) == ["utter_line_switched"]


# --- a yes that names what it confirms (fr-1803, nl-1803, en-1804: the summary came back) -------

PENDING_PLAN = {"pending_operation_id": "op_abc", "pending_operation_type": "change_plan"}


def plan_waits(backend: FakeBackend, code: str) -> None:
    shown = next(plan for plan in PLANS if plan["code"] == code)
    waiting = operation("change_plan", {"new_plan": shown})
    backend.on("GET", "/api/v1/operations/op_abc", waiting)
    backend.on("POST", "/api/v1/operations/op_abc/confirm", {**waiting, "status": "done"})
    backend.on("POST", "/api/v1/operations/op_abc/cancel", {**waiting, "status": "cancelled"})


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("oui, Pro Start", "pro_start"),
        ("ja, Unlimited, ok", "pro_unlimited"),
        ("ok yes, Pro Smart, confirmed", "pro_smart"),
    ],
)
async def test_a_yes_naming_the_plan_shown_confirms_it(backend, dispatcher, text, code) -> None:
    plan_waits(backend, code)
    tracker = make_tracker(text, intent="affirm", slots=PENDING_PLAN)

    await ActionConfirmOperation(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert [r.url.path for r in posts(backend)] == ["/api/v1/operations/op_abc/confirm"]


@pytest.mark.parametrize(
    "text", ["oui, Pro Smart", "ja maar Pro Unlimited", "yes, but make it Pro Smart instead"]
)
async def test_a_yes_naming_another_plan_changes_it(backend, dispatcher, text) -> None:
    plan_waits(backend, "pro_start")
    tracker = make_tracker(text, intent="affirm", slots=PENDING_PLAN)

    events = await ActionConfirmOperation(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert not any(r.url.path.endswith("/confirm") for r in posts(backend))
    assert FollowupAction("change_plan_form") in events


@pytest.mark.parametrize(
    "text",
    [
        "Actually, scrap that. Put him on Unlimited rather than Smart.",
        "non, mettez-le plutôt en Pro Unlimited au lieu du Pro Smart",
        "wacht, doe maar Unlimited in plaats van Smart",
    ],
)
async def test_the_plan_corrected_at_the_summary_is_not_the_one_it_replaces(
    backend, dispatcher, text
) -> None:
    # en-1807: "Unlimited rather than Smart" kept Smart (the last plan named), and "yes" ran it.
    fleet(backend)
    smart = next(plan for plan in PLANS if plan["code"] == "pro_smart")
    waiting = operation("change_plan", {"new_plan": smart}, line_id=53, msisdn="+32470000053")
    backend.on("GET", "/api/v1/operations/op_abc", waiting)
    backend.on("POST", "/api/v1/operations/op_abc/cancel", {**waiting, "status": "cancelled"})
    backend.on("GET", "/api/v1/lines/53", {**DRIES, "plan": PLANS[0]})
    tracker = make_tracker(text, intent="change_plan", slots=PENDING_PLAN)

    events = await ValidateChangePlanForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["plan_code"] == "pro_unlimited"


@pytest.mark.parametrize(
    "text",
    [
        "Kunde een nieuwe datalijn activeren op kaart 8932031100000000072, abonnement Enkel data "
        "50 GB? Op naam van Tim Aerts.",
        "activer une nouvelle ligne sur la carte 8932031100000000072 en Pro Smart pour Tim Aerts",
        "please activate a new line on SIM 8932031100000000072, Pro Smart, for Tim Aerts",
    ],
)
async def test_a_new_line_on_one_of_our_sims_read_as_a_plan_change_is_an_activation(
    backend, dispatcher, text
) -> None:
    # set14 nl-022: the plan of the user's existing line was asked for, three times.
    fleet(backend)
    tracker = make_tracker(
        text, intent="change_plan", entities=[{"entity": "iccid", "value": "8932031100000000072"}]
    )

    events = await ValidateChangePlanForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert FollowupAction("activation_form") in events
    assert posts(backend) == []


@pytest.mark.parametrize(
    ("form", "text", "serials"),
    [
        # set21 fr-004: a professional number from elsewhere on a new SIM, read as a plan change
        (ValidateChangePlanForm,
         "on reprend le numero pro de notre nouveau commercial Antoine Lefevre, 0496/12.34.56, "
         "il etait chez un autre operateur. j'ai la sim 8932031100000000056 ici. formule pro "
         "unlimited", ["8932031100000000056"]),
        # set21 en-003: the old operator's SIM beside ours made it a SIM replacement
        (ValidateSimReplacementForm,
         "Could you port Ben Carter's personal number 0477/45.67.89 over to us? It's a "
         "residential number, his current SIM card number is 8932 0500 9988 7766 554. The new "
         "SIM is 8932031100000000015. Pro Start please.",
         ["8932 0500 9988 7766 554", "8932031100000000015"]),
        (ValidateSimReplacementForm,
         "het nummer van Wim Verstraete moet overgezet worden naar ons, op een eSIM naar "
         "wim.verstraete@acme-logistics.example", []),
    ],
)  # fmt: skip
async def test_a_number_brought_from_another_operator_is_an_activation(
    backend, dispatcher, form, text, serials
) -> None:
    fleet(backend)
    entities = [{"entity": "iccid", "value": serial} for serial in serials]
    tracker = make_tracker(text, intent="replace_sim", entities=entities)

    events = await form(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert FollowupAction("activation_form") in events
    assert posts(backend) == []


@pytest.mark.parametrize(
    "text",
    [
        # set23 fr-005: "which plan?" was asked for a stolen phone's new card
        "Bonjour, le GSM de Karim a ete vole ce matin a la gare du Midi. Il faut une nouvelle "
        "carte, j'ai la 8932031100000000064 sous la main.",
        "de gsm van Tim is gestolen, ik heb een nieuwe kaart: 8932031100000000064",
        "Tim lost his phone, here's the new card 8932031100000000064",
    ],
)
async def test_a_mishap_and_a_new_card_read_as_a_plan_change_is_a_replacement(
    backend, dispatcher, text
) -> None:
    fleet(backend)
    tracker = make_tracker(
        text, intent="change_plan", entities=[{"entity": "iccid", "value": "8932031100000000064"}]
    )

    events = await ValidateChangePlanForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert FollowupAction("sim_replacement_form") in events
    assert posts(backend) == []


async def test_a_lost_phone_on_a_new_sim_stays_a_replacement(backend, dispatcher) -> None:
    fleet(backend)
    tracker = make_tracker(
        "Lotte a perdu son gsm, active la nouvelle SIM 8932031100000000015 sur son numéro",
        intent="replace_sim",
        entities=[{"entity": "iccid", "value": "8932031100000000015"}],
    )

    events = await ValidateSimReplacementForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert FollowupAction("activation_form") not in events


async def test_a_plan_change_naming_no_new_sim_stays_a_plan_change(backend, dispatcher) -> None:
    fleet(backend)
    tracker = make_tracker("activeer Pro Unlimited op de lijn van Tim Aerts", intent="change_plan")

    events = await ValidateChangePlanForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert FollowupAction("activation_form") not in events
    assert slots_of(events)["target_line_id"] == "19"
