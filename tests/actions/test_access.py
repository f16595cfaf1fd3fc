"""Access (manual "Accès"): forgotten password (own account after a "yes", or a number given by
someone not logged in), registration e-mail again, and password questions never read as an
erasure or a role switch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from rasa_sdk.events import FollowupAction

from actions.access import (
    OWN_ACCOUNT,
    ActionAskRegistrationResendFormTargetLineId,
    ActionInviteEmployee,
    ActionPasswordReset,
    ActionResendRegistration,
    ValidatePasswordResetForm,
    ValidatePortalInvitationForm,
    ValidateRegistrationResendForm,
    mentions_password,
    mobile_number,
)
from actions.fallback import suggestion_buttons
from actions.faq import ActionAnswerFaq
from actions.privacy import ActionAskDataErasure
from actions.role import ActionSwitchRole
from tests.actions.support import (
    FakeBackend,
    entity,
    error,
    json_response,
    line,
    make_tracker,
    me_end_user,
    me_fleet_manager,
    responses,
)

DOMAIN: dict[str, Any] = {
    "forms": {
        "password_reset_form": {"required_slots": ["password_reset_gsm"]},
        "registration_resend_form": {"required_slots": ["target_line_id"]},
        "portal_invitation_form": {"required_slots": ["target_line_id", "invitation_email"]},
    },
    "responses": {
        "utter_faq_imei": [],
        "utter_faq_login": [],
        "utter_faq_account_locked": [],
        "utter_faq_role_switch": [],
    },
}
ANONYMOUS = error(401, "chat_identity_unknown")
JAN = line(3, "+32470000003", user_name="Jan Peeters", label="Jan Peeters")
LOTTE = line(4, "+32470000004", user_name="Lotte Maes", label="Lotte Maes")


def slots_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {event["name"]: event["value"] for event in events if event.get("event") == "slot"}


def posts(backend: FakeBackend) -> list[httpx.Request]:
    return [request for request in backend.requests if request.method == "POST"]


def stopped(events: list[dict[str, Any]]) -> bool:
    return {"event": "active_loop", "timestamp": None, "name": None} in events


# --- forgotten password: the caller's own account ---------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["j'ai oublié mon mot de passe", "ik ben mijn wachtwoord vergeten, mijn nummer is 0470000051"],
)
async def test_logged_in_the_link_is_for_the_own_account_whatever_number_is_typed(
    backend, dispatcher, text
):
    backend.on("GET", "/api/v1/me", me_end_user())
    tracker = make_tracker(
        text, intent="ask_password_reset", entities=[entity("phone_number", "0470000051")]
    )

    events = await ValidatePasswordResetForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["password_reset_gsm"] == OWN_ACCOUNT
    assert dispatcher.messages == []
    assert posts(backend) == []


async def test_own_account_gets_the_link_at_once_and_once(backend, dispatcher):
    backend.on(
        "POST",
        "/api/v1/me/password-reset",
        json_response(202, {"sent_to": "j***@acme.be", "expires_in_minutes": 30}),
    )
    tracker = make_tracker(
        "forgot my password", intent="ask_password_reset", slots={"password_reset_gsm": "own"}
    )

    done = await ActionPasswordReset(backend.client()).run(dispatcher, tracker, DOMAIN)
    again = await ActionPasswordReset(backend.client()).run(dispatcher, tracker, DOMAIN)

    first, retried = posts(backend)
    # A retried turn carries the same key: the backend sends one e-mail.
    assert first.headers["Idempotency-Key"] == retried.headers["Idempotency-Key"]
    assert responses(dispatcher) == ["utter_password_reset_sent"] * 2
    assert dispatcher.messages[-1]["sent_to"] == "j***@acme.be"
    assert dispatcher.messages[-1]["minutes"] == 30
    assert slots_of(done) == slots_of(again) == {"password_reset_gsm": None}


async def test_own_link_over_the_limit_says_when_to_retry(backend, dispatcher):
    backend.on(
        "POST",
        "/api/v1/me/password-reset",
        httpx.Response(
            429,
            json={"error": {"code": "rate_limited", "message": "x"}},
            headers={"Retry-After": "600"},
        ),
    )
    tracker = make_tracker(
        "mot de passe oublié", intent="ask_password_reset", slots={"password_reset_gsm": "own"}
    )

    await ActionPasswordReset(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_password_reset_limited"]
    assert dispatcher.messages[0]["minutes"] == 10


# --- forgotten password: someone not logged in ------------------------------------------------


async def test_not_logged_in_gets_the_how_to_and_the_number_question(backend, dispatcher):
    backend.on("GET", "/api/v1/me", ANONYMOUS)
    tracker = make_tracker("wachtwoord vergeten", intent="ask_password_reset")

    events = await ValidatePasswordResetForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_password_reset_how"]
    assert "password_reset_gsm" not in slots_of(events)
    assert not stopped(events)


async def test_not_logged_in_a_number_in_the_question_is_taken(backend, dispatcher):
    backend.on("GET", "/api/v1/me", ANONYMOUS)
    tracker = make_tracker(
        "I forgot my password, my number is 0470 00 00 51",
        intent="ask_password_reset",
        entities=[entity("phone_number", "0470 00 00 51")],
    )

    events = await ValidatePasswordResetForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["password_reset_gsm"] == "+32470000051"
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0470 00 00 51", "+32470000051"),
        ("+32 470 12 34 56", "+32470123456"),
        ("mijn nummer is 0470/12.34.56", "+32470123456"),
        ("0032470123456", "+32470123456"),
        ("02 123 45 67", None),  # a landline is no login
        ("12345", None),
        ("no idea", None),
    ],
)
def test_the_login_number_is_a_belgian_mobile(text, expected):
    assert mobile_number(make_tracker(text, intent="inform")) == expected


async def test_answers_to_the_number_question(backend, dispatcher):
    asked = {"requested_slot": "password_reset_gsm"}
    validator = ValidatePasswordResetForm(backend.client())

    good = await validator.run(
        dispatcher, make_tracker("0470 00 00 51", intent="inform", slots=asked), DOMAIN
    )
    bad = await validator.run(
        dispatcher, make_tracker("12345", intent="inform", slots=asked), DOMAIN
    )

    assert slots_of(good)["password_reset_gsm"] == "+32470000051"
    assert "password_reset_gsm" not in slots_of(bad)
    assert responses(dispatcher) == ["utter_invalid_password_reset_gsm"]
    assert backend.requests == []  # the validator never asks who has an account


async def test_two_wrong_numbers_explain_and_offer_a_way_out(backend, dispatcher):
    slots = {"requested_slot": "password_reset_gsm", "form_failed_attempts": 1.0}

    await ValidatePasswordResetForm(backend.client()).run(
        dispatcher, make_tracker("0470", intent="inform", slots=slots), DOMAIN
    )

    assert responses(dispatcher) == [
        "utter_invalid_password_reset_gsm",
        "utter_explain_password_reset_gsm",
        "utter_form_stuck",
    ]


async def test_no_to_the_number_question_ends_the_form(backend, dispatcher):
    tracker = make_tracker(
        "non merci", intent="deny", slots={"requested_slot": "password_reset_gsm"}
    )

    events = await ValidatePasswordResetForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_password_reset_not_sent"]
    assert stopped(events)
    assert slots_of(events)["password_reset_gsm"] is None


async def test_a_how_to_question_interrupts_the_number_question(backend, dispatcher):
    tracker = make_tracker(
        "hoe log ik in?", intent="faq_login", slots={"requested_slot": "password_reset_gsm"}
    )

    events = await ValidatePasswordResetForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert events == [] and dispatcher.messages == []  # rejected: the FAQ rule answers


async def test_the_number_gets_the_neutral_answer(backend, dispatcher):
    backend.on(
        "POST",
        "/api/v1/auth/password-reset",
        json_response(202, {"status": "accepted", "message": "…", "expires_in_minutes": 30}),
    )
    tracker = make_tracker(
        "0470 00 00 51", intent="inform", slots={"password_reset_gsm": "+32470000051"}
    )

    events = await ActionPasswordReset(backend.client()).run(dispatcher, tracker, DOMAIN)

    [sent] = posts(backend)
    assert json.loads(sent.content) == {"gsm": "+32470000051"}
    assert "Idempotency-Key" not in sent.headers  # never retried: no account to scope a key
    assert responses(dispatcher) == ["utter_password_reset_requested"]
    assert dispatcher.messages[0]["msisdn"] == "0470 00 00 51"
    assert slots_of(events) == {"password_reset_gsm": None}


async def test_backend_down_is_said(backend, dispatcher):
    backend.on("POST", "/api/v1/auth/password-reset", json_response(503, {}))
    tracker = make_tracker("x", intent="inform", slots={"password_reset_gsm": "+32470000051"})

    await ActionPasswordReset(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_backend_unavailable"]


async def test_a_stopped_form_sends_nothing(backend, dispatcher):
    events = await ActionPasswordReset(backend.client()).run(
        dispatcher, make_tracker("stop", intent="stop"), DOMAIN
    )

    assert backend.requests == [] and dispatcher.messages == []
    assert slots_of(events) == {"password_reset_gsm": None}


# --- registration e-mail again --------------------------------------------------------------


RESENT = {
    "account_id": 7, "first_name": "Jan", "last_name": "Peeters", "gsm": "+32470000003",
    "sent_to": "j***@acme-logistics.example", "expires_at": "2026-12-13T10:00:00Z",
}  # fmt: skip


def fleet(backend: FakeBackend) -> FakeBackend:
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("GET", "/api/v1/lines", [JAN, LOTTE])
    backend.on("GET", "/api/v1/lines/3", JAN)
    return backend


@pytest.mark.parametrize(
    "text",
    [
        "Jan didn't get his registration e-mail",
        "renvoie le mail d'inscription à Jan Peeters",
        "stuur de registratiemail opnieuw naar 0470 00 00 03",
    ],
)
async def test_fleet_manager_names_the_employee_in_the_request(backend, dispatcher, text):
    fleet(backend).on("GET", "/api/v1/lines", [JAN, LOTTE])
    entities = [entity("phone_number", "0470 00 00 03")] if "0470" in text else []
    tracker = make_tracker(text, intent="ask_registration_resend", entities=entities)

    events = await ValidateRegistrationResendForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["target_line_id"] == "3"
    assert dispatcher.messages == []


async def test_fleet_manager_without_a_name_is_asked_whom(backend, dispatcher):
    fleet(backend)
    tracker = make_tracker("resend the registration email", intent="ask_registration_resend")

    events = await ValidateRegistrationResendForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    await ActionAskRegistrationResendFormTargetLineId(backend.client()).run(
        dispatcher, tracker, DOMAIN
    )

    assert "target_line_id" not in slots_of(events) and not stopped(events)
    assert responses(dispatcher) == ["utter_ask_registration_resend_form_target_line_id"]


SOFIE = line(1, "+32470000001", user_name="Sofie Peeters", label="Sofie Peeters")


@pytest.mark.parametrize(
    "text",
    [
        "Bonjour, pourriez-vous renvoyer l'e-mail d'inscription au portail à un de nos employés ?"
        " Il ne le retrouve plus. Merci d'avance, Sofie",
        "Beste, zou u de registratiemail opnieuw kunnen versturen naar een van onze medewerkers?"
        " Hij vindt hem niet meer. Alvast bedankt, Sofie",
        "Hello, could you resend the portal registration e-mail to one of our employees? He "
        "cannot find it anymore.\nKind regards,\nSofie Peeters",
    ],
)
async def test_the_name_signing_a_request_is_not_the_employee_meant(backend, dispatcher, text):
    fleet(backend).on("GET", "/api/v1/lines", [SOFIE, JAN, LOTTE])
    tracker = make_tracker(text, intent="ask_registration_resend")

    events = await ValidateRegistrationResendForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert "target_line_id" not in slots_of(events) and not stopped(events)
    assert "utter_registration_already_done" not in responses(dispatcher)


@pytest.mark.parametrize("me", [me_end_user(), None])
async def test_employees_and_anonymous_are_told_how_it_works(backend, dispatcher, me):
    backend.on("GET", "/api/v1/me", me if me is not None else ANONYMOUS)
    tracker = make_tracker(
        "je n'ai pas reçu l'e-mail d'inscription", intent="ask_registration_resend"
    )

    events = await ValidateRegistrationResendForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_registration_email_help"]
    assert stopped(events)
    assert posts(backend) == []


async def test_resend_posts_with_a_stable_key_and_says_where_it_went(backend, dispatcher):
    fleet(backend).on(
        "POST",
        "/api/v1/lines/3/registration-email",
        json_response(202, RESENT),
    )
    tracker = make_tracker("Jan", intent="inform", slots={"target_line_id": "3"})
    action = ActionResendRegistration(backend.client())

    events = await action.run(dispatcher, tracker, DOMAIN)
    await action.run(dispatcher, tracker, DOMAIN)  # the same message again (a retry)

    first, second = posts(backend)
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    message = dispatcher.messages[0]
    assert message["response"] == "utter_registration_email_resent"
    assert (message["name"], message["msisdn"], message["sent_to"]) == (
        "Jan Peeters",
        "0470 00 00 03",
        "j***@acme-logistics.example",
    )
    assert slots_of(events) == {"target_line_id": None}


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (error(409, "account_already_registered"), "utter_registration_already_done"),
        (error(409, "no_portal_account"), "utter_offer_portal_invitation"),
        (error(404, "line_not_found"), "utter_operation_line_not_found"),
        (error(429, "rate_limited"), "utter_rate_limited"),
        (json_response(500, {}), "utter_backend_unavailable"),
    ],
)
async def test_resend_refusals_are_explained(backend, dispatcher, answer, expected):
    fleet(backend).on("POST", "/api/v1/lines/3/registration-email", answer)
    tracker = make_tracker("Jan", intent="inform", slots={"target_line_id": "3"})

    await ActionResendRegistration(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == [expected]


# --- password questions are never an erasure or a role switch ---------------------------------


@pytest.mark.parametrize(
    ("text", "confidence", "expected"),
    [
        ("j'ai oublié mon mot de passe", 0.9, "utter_erasure_or_password"),
        ("ik ben mijn wachtwoord vergeten", 0.99, "utter_erasure_or_password"),
        ("forget my password", 0.95, "utter_erasure_or_password"),
        ("forget it all", 0.5, "utter_erasure_or_password"),
        ("erase my data", 0.95, "utter_ask_confirm_erasure"),
        ("/request_data_erasure", 1.0, "utter_ask_confirm_erasure"),
    ],
)
async def test_erasure_needs_a_confident_request_not_about_a_password(
    backend, dispatcher, text, confidence, expected
):
    tracker = make_tracker(text, intent="request_data_erasure")
    tracker.latest_message["intent"]["confidence"] = confidence

    events = await ActionAskDataErasure(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == [expected]
    assert bool(slots_of(events)) == (expected == "utter_ask_confirm_erasure")


def test_the_did_you_mean_buttons_lead_to_both_intents():
    domain = yaml.safe_load(Path("domain.yml").read_text(encoding="utf-8"))
    for name, intents in [
        ("utter_erasure_or_password", {"/ask_password_reset", "/request_data_erasure"}),
        ("utter_switch_or_password", {"/ask_password_reset", "/switch_role"}),
    ]:
        for variant in domain["responses"][name]:
            assert {button["payload"] for button in variant["buttons"]} == intents


async def test_a_password_message_never_switches_the_role(backend, dispatcher):
    tracker = make_tracker("mot de passe oublié portail utilisateur", intent="switch_role")

    events = await ActionSwitchRole(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_switch_or_password"]
    assert events == [] and backend.requests == []


def test_fallback_suggests_forgot_password_first_and_never_a_role_switch():
    ranking = [
        {"name": "switch_role", "confidence": 0.3},
        {"name": "show_lines", "confidence": 0.2},
        {"name": "ask_password_reset", "confidence": 0.1},
    ]

    buttons = suggestion_buttons(ranking, [], "nl", text="mijn paswoord werkt ni")
    plain = suggestion_buttons(ranking, [], "nl", text="wa is da")

    assert [b["payload"] for b in buttons] == ["/ask_password_reset", "/show_lines"]
    assert buttons[0]["title"] == "Wachtwoord vergeten"
    assert plain[0]["payload"] == "/switch_role"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("j'ai oublié mon mdp", True),
        ("mot de pass", True),
        ("wachtwoord vergeten", True),
        ("paswoord kwijt", True),
        ("reset my pwd", True),
        ("ww vergeten", True),
        # bench/nlu_dev2: read as out of scope, the reset not even suggested
        ("ik weet mijn pasw ni meer", True),
        ("passw oublié", True),
        ("pas de souci", False),
        ("forget me", False),
        ("supprimez mes données", False),
        ("/ask_password_reset", False),
    ],
)
def test_password_words(text, expected):
    assert mentions_password(text) is expected


@pytest.mark.parametrize("intent", ["faq_imei", "faq_login", "faq_account_locked"])
async def test_access_and_device_questions_are_answered_from_the_domain(
    backend, dispatcher, intent
):
    backend.on("GET", "/api/v1/me", ANONYMOUS)  # nobody logged in: the how-to for all three
    await ActionAnswerFaq(backend.client()).run(
        dispatcher, make_tracker("?", intent=intent), DOMAIN
    )

    assert responses(dispatcher) == [f"utter_{intent}"]


@pytest.mark.parametrize(
    "typed",
    [
        "impossible de me connecter au portail, il dit que mes identifiants sont incorrects",
        "mijn account op het portaal is geblokkeerd, wat moet ik nu doen?",
        "my portal account is locked after too many wrong tries, what can I do?",
    ],
)
async def test_a_locked_out_user_gets_the_reset_link_at_once(backend, dispatcher, typed):
    backend.on("GET", "/api/v1/me", me_end_user())
    backend.on("GET", "/api/v1/lines", [line()])
    backend.on(
        "POST",
        "/api/v1/me/password-reset",
        json_response(202, {"sent_to": "j***@acme.be", "expires_in_minutes": 30}),
    )

    await ActionAnswerFaq(backend.client()).run(
        dispatcher, make_tracker(typed, intent="faq_account_locked"), DOMAIN
    )

    assert responses(dispatcher) == ["utter_account_locked_explained", "utter_password_reset_sent"]
    assert [r.url.path for r in posts(backend)] == ["/api/v1/me/password-reset"]


async def test_a_fleet_manager_naming_a_locked_out_employee_has_the_link_sent_to_them(
    backend, dispatcher
):
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("GET", "/api/v1/lines", [LOTTE, JAN])
    backend.on("GET", "/api/v1/lines/4", LOTTE)
    backend.on(
        "POST",
        "/api/v1/lines/4/password-reset",
        json_response(
            202,
            {"outcome": "reset_sent", "account_id": 9, "gsm": "+32470000004",
             "first_name": "Lotte", "last_name": "Maes", "sent_to": "l***@acme.be",
             "expires_at": "2026-12-06T22:30:00Z"},
        ),
    )  # fmt: skip
    tracker = make_tracker("Lotte Maes is locked out of the portal", intent="faq_account_locked")

    await ActionAnswerFaq(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert [r.url.path for r in posts(backend)] == ["/api/v1/lines/4/password-reset"]
    assert responses(dispatcher) == ["utter_employee_password_reset_sent"]


async def test_a_locked_account_asked_about_inside_a_form_is_only_explained(backend, dispatcher):
    tracker = make_tracker("and if my account gets locked?", intent="faq_account_locked")
    tracker.active_loop = {"name": "repair_form"}

    await ActionAnswerFaq(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_faq_account_locked"]
    assert backend.requests == []


async def test_a_role_switch_asked_for_is_done_not_explained(backend, dispatcher):
    # "zet mij eens in het gebruikersportaal" was classified as the how-to question.
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("PUT", "/api/v1/me/active-role", me_fleet_manager(active_role="end_user"))
    tracker = make_tracker("zet mij eens in het gebruikersportaal", intent="faq_role_switch")

    await ActionAnswerFaq(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert [r.method for r in backend.requests if r.method == "PUT"] == ["PUT"]
    assert "utter_faq_role_switch" not in responses(dispatcher)


async def test_how_to_switch_portals_is_still_explained(backend, dispatcher):
    tracker = make_tracker(
        "hoe wissel ik tussen het fleetmanagerportaal en het gebruikersportaal?",
        intent="faq_role_switch",
    )

    await ActionAnswerFaq(backend.client()).run(
        dispatcher, tracker, {**DOMAIN, "responses": {"utter_faq_role_switch": []}}
    )

    assert responses(dispatcher) == ["utter_faq_role_switch"]
    assert backend.requests == []


# --- a fleet manager's employee: reset link, registration again, or an invitation -------------

LIEN = line(52, "+32470000052", user_name="Lien Verhaeghe", label="Lien Verhaeghe")


@pytest.mark.parametrize(
    ("text", "slot"),
    [
        # "lien" is French for "link": written small, it names nobody
        ("impossible de me connecter, vous pouvez m'envoyer un lien pour en refaire un ?", "own"),
        ("it's no joke, I can't log in, send me a reset link", "own"),
        ("Lien kan niet meer inloggen, stuur haar een reset", "line:52"),
        ("mot de passe oublié pour Lien, envoyez-lui un lien svp", "line:52"),
    ],
)
async def test_a_first_name_that_is_an_everyday_word_names_somebody_only_capitalised(
    backend, dispatcher, text, slot
):
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("GET", "/api/v1/lines", [LIEN, JAN])
    tracker = make_tracker(text, intent="ask_password_reset")

    events = await ValidatePasswordResetForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["password_reset_gsm"] == slot


async def test_a_fleet_manager_naming_an_employee_resets_that_employees_password(
    backend, dispatcher
):
    # "Lotte can't log in, send her a reset": the link went to the fleet manager's own address.
    fleet(backend).on("GET", "/api/v1/lines/4", LOTTE)
    text = "Lotte can't log in to the portal, she forgot her password. Her number is 0470 00 00 04"
    tracker = make_tracker(
        text, intent="ask_password_reset", entities=[entity("phone_number", "0470 00 00 04")]
    )
    backend.on("GET", "/api/v1/lines", [LOTTE])

    events = await ValidatePasswordResetForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["password_reset_gsm"] == "line:4"
    sent = {"outcome": "reset_sent", "account_id": 9, "first_name": "Lotte", "last_name": "Maes",
            "gsm": "+32470000004", "sent_to": "l***@acme.be",
            "expires_at": "2026-12-06T22:30:00Z"}  # fmt: skip
    backend.on("POST", "/api/v1/lines/4/password-reset", json_response(202, sent))
    tracker.slots.update(slots_of(events))
    await ActionPasswordReset(backend.client()).run(dispatcher, tracker, DOMAIN)
    await ActionPasswordReset(backend.client()).run(dispatcher, tracker, DOMAIN)  # a retry

    first, second = posts(backend)
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert responses(dispatcher) == ["utter_employee_password_reset_sent"] * 2
    assert dispatcher.messages[0]["name"] == "Lotte Maes"
    assert dispatcher.messages[0]["sent_to"] == "l***@acme.be"


async def test_the_fleet_managers_own_number_is_their_own_reset(backend, dispatcher):
    fleet(backend).on("GET", "/api/v1/lines", [line(1, "+32470000001", user_name="Sofie")])
    tracker = make_tracker(
        "I forgot my password, my number is 0470 00 00 01",
        intent="ask_password_reset",
        entities=[entity("phone_number", "0470 00 00 01")],
    )
    events = await ValidatePasswordResetForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert slots_of(events)["password_reset_gsm"] == OWN_ACCOUNT


async def test_an_employee_without_account_is_offered_an_invitation(backend, dispatcher):
    fleet(backend).on("GET", "/api/v1/lines/4", LOTTE)
    backend.on("POST", "/api/v1/lines/4/password-reset", error(409, "no_portal_account"))
    tracker = make_tracker("x", intent="inform", slots={"password_reset_gsm": "line:4"})

    events = await ActionPasswordReset(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_offer_portal_invitation"]
    assert slots_of(events)["target_line_id"] == "4"
    assert FollowupAction("portal_invitation_form") in events


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("lotte.maes@acme-logistics.example", "lotte.maes@acme-logistics.example"),
        ("c'est lotte.maes@Acme-Logistics.example", "lotte.maes@acme-logistics.example"),
    ],
)
async def test_the_invitation_address_is_checked(backend, dispatcher, typed, expected):
    fleet(backend).on("GET", "/api/v1/lines/4", LOTTE)
    asked = {"target_line_id": "4", "requested_slot": "invitation_email"}
    tracker = make_tracker(typed, intent="inform", slots=asked)
    events = await ValidatePortalInvitationForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert slots_of(events)["invitation_email"] == expected

    wrong = make_tracker("lotte at acme", intent="inform", slots=asked)
    events = await ValidatePortalInvitationForm(backend.client()).run(dispatcher, wrong, DOMAIN)
    assert "invitation_email" not in slots_of(events)
    assert responses(dispatcher) == ["utter_invalid_invitation_email"]

    no = make_tracker("non merci", intent="deny", slots=asked)
    events = await ValidatePortalInvitationForm(backend.client()).run(dispatcher, no, DOMAIN)
    assert stopped(events) and responses(dispatcher)[-1] == "utter_portal_invitation_not_sent"
    assert posts(backend) == []


@pytest.mark.parametrize(
    "typed",
    [
        "je n'ai pas son adresse mail sous la main, on verra plus tard",
        "zijn mailadres heb ik niet, later misschien",
        "I don't have her e-mail right now",
    ],
)
async def test_an_address_not_at_hand_sends_nothing_and_ends(backend, dispatcher, typed):
    fleet(backend).on("GET", "/api/v1/lines/4", LOTTE)
    asked = {"target_line_id": "4", "requested_slot": "invitation_email"}
    tracker = make_tracker(typed, intent="inform", slots=asked)

    events = await ValidatePortalInvitationForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert stopped(events)
    assert responses(dispatcher) == ["utter_portal_invitation_not_sent"]
    assert posts(backend) == []


async def test_the_invitation_is_sent_once_to_the_address_given(backend, dispatcher):
    fleet(backend).on("GET", "/api/v1/lines/4", LOTTE)
    sent = {"account_id": 9, "first_name": "Lotte", "last_name": "Maes", "gsm": "+32470000004",
            "sent_to": "l***@acme.be", "expires_at": "2026-12-13T22:00:00Z"}  # fmt: skip
    backend.on("POST", "/api/v1/lines/4/portal-invitation", json_response(202, sent))
    slots = {"target_line_id": "4", "invitation_email": "lotte@acme.be"}
    tracker = make_tracker("lotte@acme.be", intent="inform", slots=slots)

    events = await ActionInviteEmployee(backend.client()).run(dispatcher, tracker, DOMAIN)
    await ActionInviteEmployee(backend.client()).run(dispatcher, tracker, DOMAIN)

    first, second = posts(backend)
    assert json.loads(first.content) == {"email": "lotte@acme.be"}
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert responses(dispatcher)[0] == "utter_portal_invitation_sent"
    assert slots_of(events) == {"target_line_id": None, "invitation_email": None}

    dispatcher.messages.clear()
    backend.on("POST", "/api/v1/lines/4/portal-invitation", error(409, "portal_login_taken"))
    await ActionInviteEmployee(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_portal_login_taken"]
