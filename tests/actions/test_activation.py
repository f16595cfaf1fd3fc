"""Activation, SIM replacement, eSIM resend and status: validators, extraction, backend calls."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet

from actions.activation import (
    ActionPrepareActivation,
    ValidateActivationForm,
    activation_params,
    required_activation_slots,
)
from actions.activation_status import ActionShowActivationStatus
from actions.esim import ActionAskEsimResendFormTargetLineId, ActionResendEsim
from actions.fleet_extraction import (
    number_mode_in,
    number_type_in,
    refuses_esim,
    replacement_reason_in,
    split_bill_in,
)
from actions.sim_replacement import (
    ActionAskSimReplacementFormBlockOldSim,
    ValidateSimReplacementForm,
)
from actions.validators import (
    InvalidValue,
    check_current_sim_number,
    check_customer_number,
    check_email,
    check_iban,
    check_iccid,
    check_mobile_number,
    check_postal_address,
)
from tests.actions.support import (
    entity,
    error,
    json_response,
    line,
    make_tracker,
    me_end_user,
    me_fleet_manager,
    responses,
)

GOOD_ICCID = "8932030000000000125"
PLANS = [
    {"code": "pro_start", "name": "Pro Start", "monthly_price": "15.00", "names": {}},
    {"code": "pro_smart", "name": "Pro Smart", "monthly_price": "25.00", "names": {}},
]
DOMAIN: dict[str, Any] = {"forms": {"activation_form": {"required_slots": ["sim_type"]}}}


def slots_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


# --- validators -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code", "details"),
    [
        ("8932O30000000000125", "iccid_not_numeric", {}),
        ("89320300000", "iccid_wrong_length", {"length": 11}),
        ("893203000000000000000012", "iccid_wrong_length", {"length": 24}),
        ("8944000000000000001", "iccid_not_ours", {"prefix": "894400"}),
        ("8932030000000000126", "iccid_check_digit", {"check_digit": "6"}),
    ],
)
def test_iccid_errors_say_precisely_what_is_wrong(raw, code, details):
    with pytest.raises(InvalidValue) as caught:
        check_iccid(raw)
    assert caught.value.code == code
    assert details.items() <= caught.value.details.items()


def test_iccid_check_digit_error_knows_the_expected_digit():
    with pytest.raises(InvalidValue) as caught:
        check_iccid("8932030000000000126")
    assert caught.value.details["expected_check_digit"] == "5"


def test_iccid_accepts_groups_of_digits():
    assert check_iccid("8932 0300 0000 0000 125") == GOOD_ICCID
    assert check_iccid("8932-0300-0000-0000-125") == GOOD_ICCID


def test_email_iban_number_and_address():
    assert check_email("Jan.Peeters@ACME.be") == "Jan.Peeters@acme.be"
    for bad in ["jan.peeters@", "jan peeters@acme.be", "acme.be"]:
        with pytest.raises(InvalidValue, match="email_invalid"):
            check_email(bad)
    assert check_iban("BE62 5100 0754 7061") == "BE62510007547061"
    for bad in ("BE68 5390 0754 7035", "BE68 5390 0754 7034"):  # check digits; no bank 539
        with pytest.raises(InvalidValue) as caught:
            check_iban(bad)
        assert caught.value.code == "iban_invalid"
    assert check_mobile_number("0478 12 34 56") == "+32478123456"
    with pytest.raises(InvalidValue, match="msisdn_invalid"):
        check_mobile_number("02 123 45 67")
    assert check_postal_address("Kerkstraat 12, 9000 Gent") == {
        "street": "Kerkstraat 12",
        "postal_code": "9000",
        "city": "Gent",
    }
    with pytest.raises(InvalidValue, match="address_invalid"):
        check_postal_address("Gent")


def test_porting_sim_number_and_customer_number():
    assert check_current_sim_number("8944 0000 0000 0000 001") == "8944000000000000001"
    with pytest.raises(InvalidValue, match="current_sim_number_invalid"):
        check_current_sim_number("12345")
    # No check digit required: the current operator judges its own cards (the form warns once).
    assert check_current_sim_number("8944000000000000002") == "8944000000000000002"
    assert check_customer_number("1234567") == "1234567"
    with pytest.raises(InvalidValue, match="current_customer_number_invalid"):
        check_customer_number("ab")


@pytest.mark.parametrize(
    ("request_text", "mode"),
    [
        ("je voudrais activer une nouvelle carte SIM physique", None),
        ("ik wil een nieuwe simkaart activeren", None),
        ("activer une eSIM pour le portable de Jan", None),
        ("activer un nouveau numéro", "new"),
        ("activate a new number on Pro Smart", "new"),
        ("nieuw nummer activeren", "new"),
        ("activate an eSIM for Jan, keep his number 0478 12 34 56", "port"),
        ("eSIM voor Lotte, ze wil haar nummer behouden", "port"),
        ("une eSIM pour Jan, il garde son numéro", "port"),
    ],
)
def test_a_new_sim_card_in_a_request_is_not_a_new_number(request_text, mode):
    assert number_mode_in(request_text, strict=True) == mode


def test_answers_to_the_number_question_stay_loose():
    assert number_mode_in("un nouveau") == "new"
    assert number_mode_in("garder l'ancien") == "port"
    assert number_mode_in("elle garde son numéro actuel") == "port"
    assert number_mode_in("hij houdt zijn nummer") == "port"
    assert number_mode_in("ze behoudt haar nummer") == "port"
    assert number_mode_in("il conserve son numéro") == "port"


# --- form extraction ------------------------------------------------------------------------


def fleet_backend(backend, *, sim_check: httpx.Response | None = None):
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("GET", "/api/v1/plans", PLANS)
    backend.on("GET", "/api/v1/sims/check", sim_check or json_response(200, {"valid": True}))
    return backend


async def test_several_details_at_once_fill_only_what_was_said(backend, dispatcher):
    fleet_backend(backend)
    text = (
        "activate an eSIM for jan.peeters@acme.be on the Pro Smart plan, keep his number "
        "0478 12 34 56, professional, customer number 1234567"
    )
    tracker = make_tracker(
        text,
        intent="activate_line",
        entities=[
            entity("sim_type", "eSIM"),
            entity("email", "jan.peeters@acme.be"),
            entity("plan", "Pro Smart"),
            entity("phone_number", "0478 12 34 56"),
            entity("number_type", "professional"),
        ],
    )
    events = await ValidateActivationForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    filled = slots_of(events)
    assert filled["sim_type"] == "esim"
    assert filled["esim_email"] == "jan.peeters@acme.be"
    assert filled["plan_code"] == "pro_smart"
    assert filled["number_mode"] == "port"
    assert filled["port_msisdn"] == "+32478123456"
    assert filled["number_type"] == "professional"
    assert filled["current_customer_number"] == "1234567"
    # Only the end user's name and the split bill question are left.
    assert filled["requested_slot"] == "end_user_name"
    assert responses(dispatcher) == []


PORTING_SLOTS = {
    "sim_type": "physical",
    "new_iccid": GOOD_ICCID,
    "end_user_name": "Eline Wuyts",
    "number_mode": "port",
    "port_msisdn": "+32478234567",
    "plan_code": "pro_smart",
}


@pytest.mark.parametrize(
    "text",
    [
        "het simkaartnummer bij BASE is 8932 1000 1122 3344 556",
        "le numero de sa carte SIM Proximus est 8932 0200 4455 6677 881",
        "his BASE SIM card number is 8932 1000 9988 7766 554",
    ],
)
async def test_a_sim_number_without_its_check_digit_is_doubted_once_then_taken(
    backend, dispatcher, text
):
    fleet_backend(backend)
    slots = {**PORTING_SLOTS, "number_type": "residential", "requested_slot": "current_sim_number"}
    digits = "".join(ch for ch in text if ch.isdigit())
    first = make_tracker(text, intent="inform", slots=slots)
    filled = slots_of(await ValidateActivationForm(backend.client()).run(dispatcher, first, DOMAIN))
    assert filled["current_sim_number"] is None
    assert responses(dispatcher) == ["utter_doubt_current_sim_number"]
    doubt = filled["current_sim_number_doubt"]
    assert digits not in doubt  # a digest: no card number in clear in the tracker store

    # Another number is doubted in its turn; the same one again was read off the card: taken.
    other = make_tracker("8932100011223344551", intent="inform", slots={**slots, **filled})
    dispatcher.messages.clear()
    refiled = slots_of(
        await ValidateActivationForm(backend.client()).run(dispatcher, other, DOMAIN)
    )
    assert refiled["current_sim_number_doubt"] not in (None, doubt)
    again = make_tracker(text, intent="inform", slots={**slots, **filled})
    dispatcher.messages.clear()
    filled = slots_of(await ValidateActivationForm(backend.client()).run(dispatcher, again, DOMAIN))
    assert filled["current_sim_number"] == digits
    assert responses(dispatcher) == []


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("le numero client chez Orange est 3045128876", "3045128876"),
        ("klantnummer bij Orange: 55012345", "55012345"),
        ("their customer number at Orange is CUST-88123", "CUST88123"),
        ("c'est 3045 1288 76 sur la facture", "3045128876"),
        ("son numéro client chez l'autre opérateur c'est le 5512334490", "5512334490"),
    ],
)
async def test_the_customer_number_is_found_in_a_sentence(backend, dispatcher, text, number):
    fleet_backend(backend)
    slots = {
        **PORTING_SLOTS,
        "number_type": "professional",
        "requested_slot": "current_customer_number",
    }
    tracker = make_tracker(text, intent="inform", slots=slots)
    filled = slots_of(
        await ValidateActivationForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    )
    assert filled["current_customer_number"] == number
    assert responses(dispatcher) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("slt faut reprendre le numero de Nicolas Dupont qui arrive chez nous, nouvelle carte",
         "Nicolas Dupont"),
        ("a new line for our new colleague Sara Peeters please", "Sara Peeters"),
        ("nieuwe lijn voor Pieter Van den Broeck aub", "Pieter Van den Broeck"),
        ("activate a line for Pro Unlimited", None),  # a plan, not a person
    ],
)  # fmt: skip
async def test_the_new_users_name_in_the_opening_is_not_asked_again(
    backend, dispatcher, text, name
):
    fleet_backend(backend)
    tracker = make_tracker(text, intent="activate_line")
    filled = slots_of(
        await ValidateActivationForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    )
    assert filled.get("end_user_name") == name


async def test_an_iccid_implies_a_physical_sim(backend, dispatcher):
    fleet_backend(backend)
    tracker = make_tracker(
        f"activate SIM {GOOD_ICCID}", intent="activate_line", entities=[entity("iccid", GOOD_ICCID)]
    )
    filled = slots_of(
        await ValidateActivationForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    )
    assert filled["sim_type"] == "physical" and filled["new_iccid"] == GOOD_ICCID
    assert filled["requested_slot"] == "end_user_name"


async def test_an_answer_never_replaces_a_slot_accepted_earlier(backend, dispatcher):
    # The current operator's SIM number (another 8932… serial) answers the porting question;
    # it once replaced the new SIM's serial and sent the user back to the first question.
    fleet_backend(backend)
    other_operator_sim = "8932101234567890123"
    accepted = {
        "sim_type": "physical",
        "new_iccid": GOOD_ICCID,
        "end_user_name": "Jan Peeters",
        "number_mode": "port",
        "port_msisdn": "+32478123456",
        "number_type": "residential",
        "plan_code": "pro_start",
        "requested_slot": "current_sim_number",
    }
    tracker = make_tracker(
        f"my current SIM is {other_operator_sim}, and make it Pro Smart",
        intent="inform",
        entities=[entity("iccid", other_operator_sim), entity("plan", "Pro Smart")],
        slots=accepted,
    )

    filled = slots_of(
        await ValidateActivationForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    )

    assert filled["current_sim_number"] == other_operator_sim
    assert "new_iccid" not in filled and "sim_type" not in filled
    assert "plan_code" not in filled  # chosen earlier: a later sentence does not re-read it
    assert filled["requested_slot"] == "split_bill"


@pytest.mark.parametrize(
    ("typed", "response", "variable"),
    [
        ("89320300000", "utter_invalid_iccid_wrong_length", ("length", "11")),
        ("8944000000000000001", "utter_invalid_iccid_not_ours", ("prefix", "894400")),
        ("8932030000000000126", "utter_invalid_iccid_check_digit", ("check_digit", "6")),
        ("8932O30000000000125", "utter_invalid_iccid_not_numeric", None),
    ],
)
async def test_invalid_iccid_is_explained_and_asked_again(
    backend, dispatcher, typed, response, variable
):
    fleet_backend(backend)
    tracker = make_tracker(
        typed, intent="inform", slots={"requested_slot": "new_iccid", "sim_type": "physical"}
    )
    events = await ValidateActivationForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    filled = slots_of(events)
    assert filled["new_iccid"] is None
    assert filled["requested_slot"] == "new_iccid"
    assert responses(dispatcher) == [response]
    if variable:
        assert str(dispatcher.messages[0][variable[0]]) == variable[1]
    assert "/api/v1/sims/check" not in backend.paths()


@pytest.mark.parametrize(
    ("code", "response"),
    [
        ("iccid_unknown", "utter_invalid_iccid_unknown"),
        ("iccid_in_use", "utter_invalid_iccid_in_use"),
    ],
)
async def test_backend_says_the_sim_is_not_in_stock_or_in_use(backend, dispatcher, code, response):
    fleet_backend(backend, sim_check=error(422, code))
    tracker = make_tracker(
        GOOD_ICCID,
        intent="inform",
        entities=[entity("iccid", GOOD_ICCID)],
        slots={"requested_slot": "new_iccid", "sim_type": "physical"},
    )
    events = await ValidateActivationForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert slots_of(events)["new_iccid"] is None
    assert responses(dispatcher) == [response]


async def test_second_failure_explains_the_slot(backend, dispatcher):
    fleet_backend(backend)
    tracker = make_tracker(
        "12345",
        intent="inform",
        slots={"requested_slot": "new_iccid", "sim_type": "physical", "form_failed_attempts": 1.0},
    )
    await ValidateActivationForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == [
        "utter_invalid_iccid_wrong_length",
        "utter_explain_new_iccid",
        "utter_form_stuck",
    ]


async def test_faq_question_inside_the_form_is_not_an_answer(backend, dispatcher):
    fleet_backend(backend)
    tracker = make_tracker(
        "what is an ICCID?", intent="faq_iccid", slots={"requested_slot": "new_iccid"}
    )
    assert await ValidateActivationForm(backend.client()).run(dispatcher, tracker, DOMAIN) == []


async def test_end_user_cannot_activate(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_end_user())
    tracker = make_tracker("activate a new number", intent="activate_line")
    events = await ValidateActivationForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_fleet_manager_required"]
    assert {"event": "active_loop", "name": None} in [
        {k: e.get(k) for k in ("event", "name")} for e in events
    ]


def test_required_slots_follow_the_answers():
    assert "new_iccid" in required_activation_slots({"sim_type": "physical"})
    assert "esim_email" not in required_activation_slots({"sim_type": "physical"})
    port = {"sim_type": "esim", "number_mode": "port", "number_type": "residential"}
    assert "current_sim_number" in required_activation_slots(port)
    assert "billing_iban" in required_activation_slots({"split_bill": True})


# --- prepare and the backend ----------------------------------------------------------------

FILLED = {
    "sim_type": "esim",
    "esim_email": "jan.peeters@acme.be",
    "end_user_name": "Jan Peeters",
    "number_mode": "port",
    "port_msisdn": "+32478123456",
    "number_type": "professional",
    "current_customer_number": "1234567",
    "split_bill": True,
    "billing_name": "Jan Peeters",
    "billing_address": "Kerkstraat 12, 9000 Gent",
    "billing_email": "jan@home.be",
    "billing_iban": "none",
    "plan_code": "pro_smart",
}


def operation(**overrides: Any) -> dict[str, Any]:
    return {
        "id": "op_abc",
        "type": "activate_line",
        "status": "pending",
        "line_id": None,
        "msisdn": "+32478123456",
        "summary": {
            "sim_type": "esim",
            "email": "jan.peeters@acme.be",
            "end_user_name": "Jan Peeters",
            "msisdn": "+32478123456",
            "number_mode": "port",
            "number_type": "professional",
            "plan": {"code": "pro_smart", "name": "Pro Smart", "monthly_price": "25.00"},
            "monthly_total": "25.00",
            "split_bill": True,
            "billing": {"name": "Jan Peeters", "email": "jan@home.be"},
            "esim_confirmation_required": True,
        },
        **overrides,
    }


async def test_prepare_sends_the_activation_params_with_a_stable_key(backend, dispatcher):
    backend.on("POST", "/api/v1/operations", json_response(201, operation()))
    tracker = make_tracker("pro smart", intent="inform", slots=FILLED)
    action = ActionPrepareActivation(backend.client())
    events = await action.run(dispatcher, tracker, {})
    await action.run(dispatcher, tracker, {})
    first, second = backend.requests
    body = json.loads(first.content)
    assert body["type"] == "activate_line" and body["line_id"] is None
    params = body["params"]
    assert params["sim_type"] == "esim" and params["email"] == "jan.peeters@acme.be"
    assert "iccid" not in params
    assert params["number"] == {
        "mode": "port",
        "msisdn": "+32478123456",
        "number_type": "professional",
        "current_customer_number": "1234567",
    }
    assert params["billing"] == {
        "name": "Jan Peeters",
        "street": "Kerkstraat 12",
        "postal_code": "9000",
        "city": "Gent",
        "email": "jan@home.be",
        "iban": None,
    }
    assert params["plan_code"] == "pro_smart" and params["end_user_language"] == "en"
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert responses(dispatcher)[:5] == [
        "utter_activation_summary",
        "utter_activation_note_esim",
        "utter_activation_note_porting",
        "utter_activation_note_split_bill",
        "utter_ask_confirm_operation",
    ]
    assert SlotSet("pending_operation_id", "op_abc") in events


def test_physical_new_number_params():
    params = activation_params(
        {
            "sim_type": "physical",
            "new_iccid": GOOD_ICCID,
            "number_mode": "new",
            "split_bill": False,
        },
        "nl",
    )
    assert params["iccid"] == GOOD_ICCID and "email" not in params
    assert params["number"] == {"mode": "new"} and params["billing"] is None


async def test_backend_refusal_reopens_the_form_on_that_slot(backend, dispatcher):
    backend.on(
        "POST",
        "/api/v1/operations",
        json_response(422, {"error": {"code": "msisdn_already_ours", "field": "number.msisdn"}}),
    )
    tracker = make_tracker("pro smart", intent="inform", slots=FILLED)
    events = await ActionPrepareActivation(backend.client()).run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_invalid_msisdn_already_ours"]
    assert dispatcher.messages[0]["phone_number"] == "0478 12 34 56"
    assert SlotSet("port_msisdn", None) in events
    assert FollowupAction("activation_form") in events


async def test_backend_down_while_preparing(backend, dispatcher):
    backend.on("POST", "/api/v1/operations", httpx.Response(503))
    tracker = make_tracker("pro smart", intent="inform", slots=FILLED)
    await ActionPrepareActivation(backend.client()).run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_backend_unavailable"]


# --- SIM replacement ------------------------------------------------------------------------


async def test_lost_sim_offers_to_block_and_yes_confirms_that_operation(backend, dispatcher):
    block = operation(id="op_block", type="block_sim", line_id=12, msisdn="+32470123456")
    block["summary"] = {"msisdn": "+32470123456", "iccid": "8932030000000000012"}
    backend.on("POST", "/api/v1/operations", json_response(201, block))
    backend.on(
        "POST",
        "/api/v1/operations/op_block/confirm",
        json_response(200, {**block, "status": "done"}),
    )
    tracker = make_tracker(
        "/inform", intent="inform", slots={"target_line_id": "12", "replacement_reason": "lost"}
    )
    events = await ActionAskSimReplacementFormBlockOldSim(backend.client()).run(
        dispatcher, tracker, {}
    )
    assert json.loads(backend.requests[0].content)["type"] == "block_sim"
    assert SlotSet("block_operation_id", "op_block") in events
    assert responses(dispatcher) == ["utter_ask_block_old_sim"]

    backend.on("GET", "/api/v1/lines/12", line())
    answer = make_tracker(
        "yes",
        intent="affirm",
        slots={
            "target_line_id": "12",
            "replacement_reason": "lost",
            "requested_slot": "block_old_sim",
            "block_operation_id": "op_block",
        },
    )
    dispatcher.messages.clear()
    events = await ValidateSimReplacementForm(backend.client()).run(dispatcher, answer, {})
    filled = slots_of(events)
    assert filled["block_old_sim"] is True
    assert filled["requested_slot"] == "sim_type"
    confirm = backend.requests[-1]
    assert confirm.url.path == "/api/v1/operations/op_block/confirm"
    assert confirm.headers["Idempotency-Key"] == "confirm:op_block"
    assert responses(dispatcher) == ["utter_sim_blocked"]


async def test_a_new_sims_serial_makes_a_physical_sim_whatever_is_said_of_esims(
    backend, dispatcher
):
    fleet_backend(backend)
    backend.on("GET", "/api/v1/lines/12", line())
    backend.on("GET", "/api/v1/lines", [line()])
    tracker = make_tracker(
        f"son nouveau gsm ne prend pas l'eSIM, faut une vraie carte, j'ai la {GOOD_ICCID}",
        intent="replace_sim",
        entities=[entity("sim_type", "eSIM"), entity("iccid", GOOD_ICCID)],
        slots={"target_line_id": "12", "replacement_reason": "other"},
    )
    filled = slots_of(
        await ValidateSimReplacementForm(backend.client()).run(dispatcher, tracker, {})
    )
    assert filled["sim_type"] == "physical" and filled["new_iccid"] == GOOD_ICCID


async def test_changing_to_an_esim_drops_the_physical_sims_serial(backend, dispatcher):
    fleet_backend(backend)
    backend.on("GET", "/api/v1/lines/12", line())
    tracker = make_tracker(
        "nee wacht, toch liever eSIM, zijn mail is karim@acme.be",
        intent="inform",
        entities=[entity("sim_type", "eSIM"), entity("email", "karim@acme.be")],
        slots={"target_line_id": "12", "replacement_reason": "broken", "sim_type": "physical",
               "new_iccid": GOOD_ICCID, "requested_slot": "block_old_sim"},
    )  # fmt: skip
    filled = slots_of(
        await ValidateSimReplacementForm(backend.client()).run(dispatcher, tracker, {})
    )
    assert filled["sim_type"] == "esim" and filled["esim_email"] == "karim@acme.be"
    assert filled["new_iccid"] is None


async def test_another_companys_line_is_not_found(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("GET", "/api/v1/lines", [])
    tracker = make_tracker(
        "replace the SIM of 0470 00 00 51",
        intent="replace_sim",
        entities=[entity("phone_number", "0470 00 00 51")],
    )
    events = await ValidateSimReplacementForm(backend.client()).run(dispatcher, tracker, {})
    assert "target_line_id" not in slots_of(events)
    assert responses(dispatcher) == ["utter_line_reference_not_found"]


# --- eSIM resend and status -----------------------------------------------------------------


async def test_resend_esim_uses_a_stable_key_and_says_where_it_went(backend, dispatcher):
    waiting = line(18, "+32470000018", sim_type="esim", status="pending_activation")
    backend.on("GET", "/api/v1/lines/18", waiting)
    backend.on(
        "POST", "/api/v1/lines/18/esim/resend", json_response(202, {"sent_to": "l***@acme.be"})
    )
    tracker = make_tracker("resend the esim", intent="resend_esim", slots={"target_line_id": "18"})
    action = ActionResendEsim(backend.client())
    await action.run(dispatcher, tracker, {})
    await action.run(dispatcher, tracker, {})
    posts = [r for r in backend.requests if r.method == "POST"]
    assert posts[0].headers["Idempotency-Key"] == posts[1].headers["Idempotency-Key"]
    assert responses(dispatcher) == ["utter_esim_resent", "utter_esim_resent"]
    assert dispatcher.messages[0]["sent_to"] == "l***@acme.be"
    assert dispatcher.messages[0]["msisdn"] == "0470 00 00 18"


async def test_resend_for_an_esim_in_use_says_a_fresh_one_was_sent(backend, dispatcher):
    backend.on("GET", "/api/v1/lines/7", line(7, "+32470000007", sim_type="esim"))
    backend.on(
        "POST", "/api/v1/lines/7/esim/resend", json_response(202, {"sent_to": "p***@acme.be"})
    )
    tracker = make_tracker(
        "Pieter deleted the mail with his QR code, can you send it again?",
        intent="resend_esim",
        slots={"target_line_id": "7"},
    )
    await ActionResendEsim(backend.client()).run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_esim_fresh_sent"]


async def test_resend_without_a_line_offers_the_lines_waiting_for_esim_confirmation(
    backend, dispatcher
):
    pending_esim = {
        "line_id": 23,
        "msisdn": "+32470000023",
        "user_name": "Arne De Clercq",
        "status": "pending_activation",
        "sim_type": "esim",
        "esim_pending": True,
        "porting_request": None,
    }
    porting = {**pending_esim, "line_id": 24, "msisdn": "+32475123456", "esim_pending": False}
    backend.on("GET", "/api/v1/activations", json_response(200, [pending_esim, porting]))
    tracker = make_tracker("resend the esim", intent="resend_esim")
    await ActionAskEsimResendFormTargetLineId(backend.client()).run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_ask_esim_resend_form_target_line_id_pending"]
    assert dispatcher.messages[0]["buttons"] == [
        {"title": "Arne De Clercq · 0470 00 00 23", "payload": '/inform{"line_id": "23"}'}
    ]


async def test_resend_does_not_ask_twice_after_the_ambiguity_buttons(backend, dispatcher):
    tracker = make_tracker("resend the esim of Jan", intent="resend_esim")
    tracker.events.append(
        {
            "event": "bot",
            "text": "Several lines match.",
            "data": {"buttons": [{"title": "Jan", "payload": '/inform{"line_id": "3"}'}]},
        }
    )
    await ActionAskEsimResendFormTargetLineId(backend.client()).run(dispatcher, tracker, {})
    assert dispatcher.messages == []
    assert backend.requests == []


@pytest.mark.parametrize(
    "answer", [json_response(200, []), error(403, "fleet_manager_required"), httpx.Response(500)]
)
async def test_resend_without_pending_esims_asks_for_the_number(backend, dispatcher, answer):
    backend.on("GET", "/api/v1/activations", answer)
    tracker = make_tracker("resend the esim", intent="resend_esim")
    await ActionAskEsimResendFormTargetLineId(backend.client()).run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_ask_esim_resend_form_target_line_id"]
    assert not dispatcher.messages[0].get("buttons")


async def test_resend_when_no_esim_is_pending(backend, dispatcher):
    backend.on("GET", "/api/v1/lines/12", line())
    backend.on("POST", "/api/v1/lines/12/esim/resend", error(409, "esim_not_pending"))
    tracker = make_tracker("resend the esim", intent="resend_esim", slots={"target_line_id": "12"})
    events = await ActionResendEsim(backend.client()).run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_esim_not_pending"]
    assert SlotSet("target_line_id", None) in events


async def test_resend_backend_down(backend, dispatcher):
    backend.on("GET", "/api/v1/lines/12", httpx.Response(500))
    tracker = make_tracker("resend the esim", intent="resend_esim", slots={"target_line_id": "12"})
    await ActionResendEsim(backend.client()).run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_backend_unavailable"]


async def test_status_lists_pending_activations_and_portings(backend, dispatcher):
    backend.on(
        "GET",
        "/api/v1/activations",
        [
            {
                "line_id": 30, "msisdn": "+32478123456", "user_name": "Jan Peeters",
                "status": "pending_porting", "sim_type": "physical", "created_at": "2026-11-26",
                "porting_request": {
                    "id": 1, "msisdn": "+32478123456", "number_type": "professional",
                    "status": "accepted", "requested_at": "2026-11-26",
                    "expected_date": "2026-12-03",
                },
            },
            {
                "line_id": 31, "msisdn": "+32470000031", "user_name": "Lotte Maes",
                "status": "pending_esim_confirmation", "sim_type": "esim",
                "created_at": "2026-11-26", "porting_request": None,
            },
        ],
    )  # fmt: skip
    tracker = make_tracker("status of my porting", intent="ask_activation_status")
    await ActionShowActivationStatus(backend.client()).run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_activation_status"]
    rows = dispatcher.messages[0]["rows"]
    assert "0478 12 34 56 · Jan Peeters · transfer accepted" in rows
    assert "3 Dec 2026" in rows
    assert "0470 00 00 31 · Lotte Maes · eSIM sent" in rows


async def test_status_is_for_fleet_managers(backend, dispatcher):
    backend.on("GET", "/api/v1/activations", error(403, "fleet_manager_required"))
    tracker = make_tracker("status of my porting", intent="ask_activation_status")
    await ActionShowActivationStatus(backend.client()).run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_fleet_manager_required"]


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("it's a private number", "residential"),
        ("c'est un abonnement privé", "residential"),
        ("het is een privénummer", "residential"),
        ("numéro perso", "residential"),
        ("mijn eigen nummer", "residential"),
        ("bedrijfsnummer", "professional"),
        ("a work number", "professional"),
        ("c'est au nom de la société", "professional"),
        ("neen, zakelijk", "professional"),
        ("gewoon", None),
        # a change of mind inside the answer (set20 fr-2014): the last kind said
        (
            "professionnel je pense... ah non attendez, elle l'avait en abonnement privé chez "
            "Orange, donc résidentiel",
            "residential",
        ),
        ("zakelijk denk ik, nee wacht, het is een privénummer", "residential"),
        ("residential I think, no sorry, it's a business number", "professional"),
    ],
)
def test_the_kind_of_number_is_understood_in_peoples_words(typed, kind):
    assert number_type_in(typed) == kind


@pytest.mark.parametrize(
    ("typed", "split"),
    [
        ("activate an eSIM without split bill", False),
        ("sans split bill stp", False),
        ("zonder split bill", False),
        ("geen split bill nodig", False),
        ("non, pas de split-bill", False),
        # Flemish (nl-1709: "gene split bill" started the split bill questions)
        ("pro start, nieuw nummer, gene split bill", False),
        ("genen split bill aub", False),
        ("nie met split bill", False),
        # dropping it (set20 nl-2008)
        ("laat die split bill maar vallen", False),
        ("forget the split bill", False),
        ("laisse tomber le split bill", False),
        ("with split bill", True),
        ("oui en split bill", True),
        ("activate a SIM for Jan", None),
    ],
)
def test_a_negated_split_bill_is_a_no(typed, split):
    assert split_bill_in(typed) is split


async def test_an_opening_without_split_bill_does_not_ask_for_billing_data(backend, dispatcher):
    fleet_backend(backend)
    tracker = make_tracker(
        "activate an eSIM for jan.peeters@acme.be without split bill",
        intent="activate_line",
        entities=[entity("sim_type", "eSIM"), entity("email", "jan.peeters@acme.be")],
    )
    filled = slots_of(
        await ValidateActivationForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    )
    assert filled["split_bill"] is False
    assert filled["requested_slot"] == "end_user_name"


async def test_the_activation_limit_is_said_before_the_first_question(backend, dispatcher):
    fleet_backend(backend)
    backend.on(
        "GET",
        "/api/v1/rate-limits/activation",
        {"flow": "activation", "allowed": False, "retry_after": 600},
    )
    tracker = make_tracker("I want to activate a new eSIM", intent="activate_line")

    events = await ValidateActivationForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_rate_limited"]
    assert dispatcher.messages[0]["minutes"] == 10
    assert ActiveLoop(None) in events  # no question asked, nothing to fill in for nothing


async def test_a_lost_sim_replacement_over_the_limit_blocks_nothing(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on(
        "GET",
        "/api/v1/rate-limits/activation",
        {"flow": "activation", "allowed": False, "retry_after": 120},
    )
    tracker = make_tracker(
        "Jan lost his phone, block the SIM and send a new one", intent="replace_sim"
    )

    events = await ValidateSimReplacementForm(backend.client()).run(dispatcher, tracker, {})

    assert responses(dispatcher) == ["utter_rate_limited"]
    assert backend.paths() == ["/api/v1/rate-limits/activation"]  # no block_sim prepared
    assert ActiveLoop(None) in events


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("autre, elle change juste de telephone", "switch"),
        ("hij is zijn gsm kwijtgeraakt", "lost"),
        ("gsm is gejat op de trein", "stolen"),
        ("on me l'a volé", "stolen"),
        ("screen cracked", "broken"),
        ("the volume button", None),
        # what happened to the card wins over the wish that comes with it
        ("la sim est morte (plus reconnue par son tel), on peut passer en esim ?", "broken"),
        ("haar sim is dood, ze wil overschakelen naar een eSIM", "broken"),
        ("the SIM is dead, can we switch him to an eSIM?", "broken"),
        # a card that stopped working, in a few words (not a switch, whatever phone it was in)
        ("De simkaart van Ines doet het niet meer (geen service, ook niet in een ander toestel)",
         "broken"),
        ("zijn sim werkt niet meer, ook niet in een nieuwe gsm", "broken"),
        ("ze heeft geen bereik meer sinds gisteren", "broken"),
        ("sa carte SIM ne marche plus, même dans un autre téléphone", "broken"),
        ("la SIM ne fonctionne plus", "broken"),
        ("plus de réseau depuis ce matin", "broken"),
        ("her SIM stopped working, even in another phone", "broken"),
        ("his SIM is not working, no signal at all", "broken"),
        ("no service since this morning", "broken"),
        ("my phone was stolen, so no service of course", "stolen"),
        # a reason denied is none
        ("niet gestolen, gewoon kapot", "broken"),
        ("elle n'est pas perdue, on la lui a volée", "stolen"),
        ("not lost, it was stolen", "stolen"),
        ("wacht, mijn nieuwe toestel kan eSIM aan", "switch"),
    ],
)  # fmt: skip
def test_the_replacement_reason_is_understood_in_peoples_words(typed, reason):
    assert replacement_reason_in(typed) == reason


PENDING_REPLACEMENT = {
    "pending_operation_id": "op_rep",
    "pending_operation_type": "replace_sim",
    "target_line_id": "12",
    "replacement_reason": "stolen",
    "block_old_sim": True,
    "sim_type": "physical",
    "new_iccid": GOOD_ICCID,
}


def pending_replacement(backend) -> None:
    """A replace_sim of line 12 waiting for "yes"; the correction cancels it."""
    fleet_backend(backend)
    backend.on("GET", "/api/v1/lines", [line()])
    backend.on("GET", "/api/v1/lines/12", line())
    waiting = operation(id="op_rep", type="replace_sim", line_id=12, summary={})
    backend.on("GET", "/api/v1/operations/op_rep", waiting)
    backend.on("POST", "/api/v1/operations/op_rep/cancel", {**waiting, "status": "cancelled"})


@pytest.mark.parametrize(
    "text",
    [
        "wacht, mijn nieuwe toestel kan eSIM aan. Doe toch maar een eSIM",
        "attendez, mon nouveau téléphone accepte l'eSIM. Faites plutôt une eSIM",
        "wait, my new phone takes an eSIM. Make it an eSIM after all",
    ],
)
async def test_a_change_of_sim_at_the_summary_keeps_the_reason_already_known(
    backend, dispatcher, text
):
    # "Mijn eigen gsm is gestolen …" then "mijn nieuwe toestel kan eSIM aan" ended as a switch
    # (no fee, no blocking): the correction re-read the reason from "nieuwe toestel".
    pending_replacement(backend)
    tracker = make_tracker(
        text,
        intent="replace_sim",
        entities=[entity("sim_type", "eSIM")],
        slots=PENDING_REPLACEMENT,
    )

    filled = slots_of(
        await ValidateSimReplacementForm(backend.client()).run(dispatcher, tracker, {})
    )

    assert filled["sim_type"] == "esim"
    assert filled.get("replacement_reason", "stolen") == "stolen"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("sorry, hij is niet gestolen maar gewoon kapot", "broken"),
        ("pardon, en fait elle l'a perdue", "lost"),
        ("sorry, actually the SIM just stopped working", "broken"),
    ],
)
async def test_another_mishap_said_later_changes_the_reason(backend, dispatcher, text, reason):
    pending_replacement(backend)
    tracker = make_tracker(text, intent="replace_sim", slots=PENDING_REPLACEMENT)

    filled = slots_of(
        await ValidateSimReplacementForm(backend.client()).run(dispatcher, tracker, {})
    )

    assert filled["replacement_reason"] == reason


async def test_the_reason_question_answered_with_a_switch_takes_it(backend, dispatcher):
    fleet_backend(backend)
    backend.on("GET", "/api/v1/lines/12", line())
    tracker = make_tracker(
        "hij krijgt gewoon een nieuw toestel",
        intent="inform",
        slots={"target_line_id": "12", "replacement_reason": "lost",
               "requested_slot": "replacement_reason"},
    )  # fmt: skip

    filled = slots_of(
        await ValidateSimReplacementForm(backend.client()).run(dispatcher, tracker, {})
    )

    assert filled["replacement_reason"] == "switch"


async def test_a_change_of_mind_mid_form_replaces_the_accepted_answer(backend, dispatcher):
    # Asked for the physical SIM's serial, the user switches to an eSIM; the classifier reads
    # it as the eSIM FAQ, which used to answer the FAQ and ask for the serial again, forever.
    fleet_backend(backend)
    tracker = make_tracker(
        "ah attends non, finalement fais une eSIM, son gsm est compatible",
        intent="faq_esim",
        entities=[entity("sim_type", "eSIM")],
        slots={"sim_type": "physical", "requested_slot": "new_iccid"},
    )

    filled = slots_of(
        await ValidateActivationForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    )

    assert filled["sim_type"] == "esim"
    assert filled["requested_slot"] == "esim_email"


@pytest.mark.parametrize(
    "text",
    [
        "c'est quoi une eSIM ?",
        # set20 nl-2012: "eigenlijk" made it a change of mind, and the question an invalid
        # e-mail address
        "werkt da eigenlijk op elke gsm, zo'n eSIM? zijn toestel is al wa ouder",
        "does an eSIM actually work on any phone?",
    ],
)
async def test_a_real_faq_question_mid_form_still_interrupts(backend, dispatcher, text):
    fleet_backend(backend)
    tracker = make_tracker(
        text,
        intent="faq_esim",
        entities=[entity("sim_type", "eSIM")],
        slots={"sim_type": "physical", "requested_slot": "new_iccid"},
    )

    events = await ValidateActivationForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert events == []  # rejected: the FAQ rule answers, then the form resumes


async def test_a_correction_at_the_activation_summary_changes_only_what_was_said(
    backend, dispatcher
):
    fleet_backend(backend)
    backend.on("GET", "/api/v1/operations/op_abc", operation())
    backend.on("POST", "/api/v1/operations/op_abc/cancel", {**operation(), "status": "cancelled"})
    tracker = make_tracker(
        "could you make it Pro Start instead?",
        intent="out_of_scope",
        entities=[entity("plan", "Pro Start")],
        slots={
            **FILLED,
            "pending_operation_id": "op_abc",
            "pending_operation_type": "activate_line",
        },
    )

    events = await ValidateActivationForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    filled = slots_of(events)
    assert filled["plan_code"] == "pro_start"
    assert filled["requested_slot"] is None  # nothing else to ask: the new summary follows
    assert filled["pending_operation_id"] is None
    assert "/api/v1/operations/op_abc/cancel" in backend.paths()
    assert responses(dispatcher) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("my colleague Marie Lambert lost her phone, can you get her a new eSIM?", "Marie Lambert"),
        ("ma collègue Marie a cassé sa carte SIM, il lui en faut une nouvelle", "Marie"),
        ("de simkaart van collega Pieter Goossens is kapot", "Pieter Goossens"),
    ],
)  # fmt: skip
async def test_an_end_user_asking_for_a_colleagues_line_is_told_whom_to_ask(
    backend, dispatcher, text, name
):
    backend.on("GET", "/api/v1/me", me_end_user())
    backend.on("GET", "/api/v1/lines", [line(user_name="Jan Janssens", label="Jan Janssens")])
    tracker = make_tracker(text, intent="replace_sim")

    events = await ValidateSimReplacementForm(backend.client()).run(dispatcher, tracker, {})

    assert responses(dispatcher) == ["utter_only_own_line"]
    assert dispatcher.messages[0]["name"] == name
    assert ActiveLoop(None) in events  # nothing asked, nothing blocked on the own line
    assert [r.method for r in backend.requests] == ["GET"] * len(backend.requests)


async def test_a_fleet_manager_naming_a_colleague_of_the_fleet_gets_that_line(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("GET", "/api/v1/rate-limits/activation", {"flow": "activation", "allowed": True})
    backend.on("GET", "/api/v1/lines", [line(user_name="Marie Lambert", label="Marie Lambert")])
    tracker = make_tracker("my colleague Marie Lambert broke her SIM card", intent="replace_sim")

    events = await ValidateSimReplacementForm(backend.client()).run(dispatcher, tracker, {})

    assert "utter_only_own_line" not in responses(dispatcher)
    assert slots_of(events)["target_line_id"] == "12"


async def test_an_opening_naming_nobody_else_costs_no_extra_lookup(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_end_user())
    backend.on("GET", "/api/v1/rate-limits/activation", {"flow": "activation", "allowed": True})
    backend.on("GET", "/api/v1/lines", [line(user_name="Jan Janssens", label="Jan Janssens")])
    tracker = make_tracker("my SIM card is broken, I need a new one", intent="replace_sim")

    await ValidateSimReplacementForm(backend.client()).run(dispatcher, tracker, {})

    assert "utter_only_own_line" not in responses(dispatcher)
    assert backend.paths().count("/api/v1/lines") == 1  # the line lookup, not a second one


@pytest.mark.parametrize(
    "text",
    [
        "new foreman Bart Coppens keeps his private number 0496 12 34 56, his current SIM card "
        "number is {theirs}; put him on the new SIM {ours}, Pro Smart",
        "nouvelle ligne pour Bart Coppens, il garde son numéro privé 0496 12 34 56, sa carte "
        "actuelle est la {theirs}, la nouvelle SIM est la {ours}",
        "nieuwe lijn voor Bart Coppens, hij houdt zijn privénummer 0496 12 34 56, huidige "
        "simkaart {theirs}, nieuwe simkaart {ours}",
    ],
)
async def test_with_two_serials_in_the_opening_ours_is_the_new_sim(backend, dispatcher, text):
    # en-1858: the other operator's card, named first, was taken for the new SIM ("not one of
    # ours"), and the new SIM was never read.
    fleet_backend(backend)
    theirs, ours = "8932101234567890123", GOOD_ICCID
    tracker = make_tracker(
        text.format(theirs=theirs, ours=ours),
        intent="activate_line",
        entities=[entity("iccid", theirs), entity("iccid", ours)],
    )

    filled = slots_of(
        await ValidateActivationForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    )

    assert filled["new_iccid"] == ours and filled["sim_type"] == "physical"
    assert filled["current_sim_number"] == theirs
    assert "utter_invalid_iccid_not_ours" not in responses(dispatcher)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("is marie's esim active? she set up her new phone yesterday", "en"),
        ("l'eSIM de Marie est-elle activée ? elle a scanné le code", "fr"),
        ("is de eSIM van Marie al actief?", "nl"),
    ],
)
async def test_status_of_a_named_line_that_is_active(backend, dispatcher, text, language):
    # en-1832: the pending list (without Marie) answered a question about Marie's eSIM.
    marie = line(12, "+32470000012", user_name="Marie Claes", label="Marie Claes")
    backend.on("GET", "/api/v1/activations", [])
    backend.on("GET", "/api/v1/lines", [marie, line(3, "+32470000003")])
    tracker = make_tracker(text, intent="ask_activation_status", slots={"language": language})

    await ActionShowActivationStatus(backend.client()).run(dispatcher, tracker, {})

    assert responses(dispatcher) == ["utter_line_active_nothing_pending"]
    assert dispatcher.messages[0]["msisdn"] == "0470 00 00 12"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("c'est quoi la différence entre Pro Start et Pro Smart déjà ?", "fr"),
        ("wat is het verschil tussen Pro Start en Pro Smart?", "nl"),
        ("what's the difference between Pro Start and Pro Smart again?", "en"),
    ],
)
async def test_a_question_naming_plans_at_the_plan_question_chooses_none(
    backend, dispatcher, text, language
):
    # set20 fr-2015: Pro Smart, the last plan named, was taken and the summary followed.
    fleet_backend(backend)
    asked = {**FILLED, "plan_code": None, "requested_slot": "plan_code", "language": language}
    tracker = make_tracker(
        text,
        intent="faq_plan_prices",
        entities=[entity("plan", "Pro Start"), entity("plan", "Pro Smart")],
        slots=asked,
    )

    events = await ValidateActivationForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert events == []  # the form lets the FAQ rule answer, then asks again


@pytest.mark.parametrize(
    ("text", "intent", "name"),
    [
        ("Arthur Lemaire... ah non pardon je confonds avec un client, c'est Arthur Lemoine",
         "request_agent", "Arthur Lemoine"),
        ("Arthur Lemoine", "request_agent", "Arthur Lemoine"),
        ("Ella Morris - sorry no, typo, it's Ella Morrison", "inform", "Ella Morrison"),
        ("Sander Goethals, nee wacht, Sander Goossens", "inform", "Sander Goossens"),
    ],
)  # fmt: skip
async def test_a_name_read_as_a_request_for_an_agent_is_the_answer(
    backend, dispatcher, text, intent, name
):
    # set20 fr-2010: the handoff started at "what's the user's name?".
    fleet_backend(backend)
    asked = {**FILLED, "end_user_name": None, "requested_slot": "end_user_name"}
    tracker = make_tracker(text, intent=intent, slots=asked)

    events = await ValidateActivationForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["end_user_name"] == name


async def test_a_request_for_a_person_in_a_form_still_interrupts(backend, dispatcher):
    fleet_backend(backend)
    asked = {**FILLED, "end_user_name": None, "requested_slot": "end_user_name"}
    tracker = make_tracker("je veux parler à un conseiller", intent="request_agent", slots=asked)

    events = await ValidateActivationForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert events == []


async def test_a_serial_corrected_in_the_same_message_is_the_last_one(backend, dispatcher):
    # set20 nl-2010: "8932…031... oei nee sorry, da was de verkeerde kaart, 't is 8932…049"
    # activated the wrong card.
    fleet_backend(backend)
    first, second = "8932031100000000031", "8932031100000000049"
    tracker = make_tracker(
        f"{first}... oei nee sorry, da was de verkeerde kaart, 't is {second}",
        intent="inform",
        entities=[entity("iccid", first), entity("iccid", second)],
        slots={"requested_slot": "new_iccid", "sim_type": "physical"},
    )

    events = await ValidateActivationForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["new_iccid"] == second


async def test_a_kind_of_number_corrected_in_the_same_message_is_the_last_one(backend, dispatcher):
    # set20 fr-2014: the extractor's first kind ("professionnel") won over the one said last,
    # and the customer number was asked for a private number.
    fleet_backend(backend)
    tracker = make_tracker(
        "professionnel je pense... ah non attendez, elle l'avait en abonnement privé chez "
        "Orange, donc résidentiel",
        intent="inform",
        entities=[entity("number_type", "professionnel")],
        slots={"requested_slot": "number_type", "number_mode": "port",
               "port_msisdn": "+32468456789", "sim_type": "physical"},
    )  # fmt: skip

    events = await ValidateActivationForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["number_type"] == "residential"


async def test_dropping_the_split_bill_mid_form_skips_its_questions(backend, dispatcher):
    # set20 nl-2008: read as an invoice question, it showed the whole invoice and asked the
    # billing address again; the split bill was activated.
    fleet_backend(backend)
    tracker = make_tracker(
        "wacht eh, ik heb hem net gesproken: laat die split bill maar vallen, alles mag op de "
        "factuur van de firma",
        intent="explain_invoice",
        slots={"requested_slot": "billing_address", "sim_type": "physical",
               "new_iccid": GOOD_ICCID, "end_user_name": "Sander Goethals",
               "number_mode": "new", "plan_code": "pro_start", "split_bill": True,
               "billing_name": "Sander Goethals"},
    )  # fmt: skip

    events = await ValidateActivationForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    filled = slots_of(events)
    assert filled["split_bill"] is False
    assert filled["requested_slot"] is None  # nothing left to ask: the summary comes next


@pytest.mark.parametrize(
    "text",
    [
        # set20 nl-2015 (a regression of the correction below): "privégebruik" made the
        # professional number residential, and the old operator's SIM number was asked
        "ah wacht, doe het toch maar met split bill, hij wil zijn privégebruik zelf betalen",
        "oh wait, make it Pro Unlimited after all, he's on the road all the time",
    ],
)
async def test_a_correction_at_the_summary_leaves_the_kind_of_number_alone(
    backend, dispatcher, text
):
    fleet_backend(backend)
    backend.on("GET", "/api/v1/operations/op_abc", operation())
    backend.on("POST", "/api/v1/operations/op_abc/cancel", {**operation(), "status": "cancelled"})
    tracker = make_tracker(
        text,
        intent="activate_line",
        slots={
            **FILLED,
            "pending_operation_id": "op_abc",
            "pending_operation_type": "activate_line",
        },
    )

    events = await ValidateActivationForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events).get("number_type", "professional") == "professional"


async def test_a_change_to_a_physical_sim_read_as_the_esim_faq_is_an_answer(backend, dispatcher):
    # set23 nl-005: the eSIM FAQ was answered and the e-mail asked again; the eSIM went out.
    fleet_backend(backend)
    tracker = make_tracker(
        f"hmm nee, ik denk dat die tablet geen eSIM ondersteunt. doe maar een gewone simkaart, "
        f"ik heb hier kaart {GOOD_ICCID}",
        intent="faq_esim",
        entities=[entity("sim_type", "eSIM"), entity("iccid", GOOD_ICCID)],
        slots={"requested_slot": "esim_email", "sim_type": "esim", "end_user_name": "Dieter W",
               "number_mode": "new", "plan_code": "data_only_50gb", "split_bill": False},
    )  # fmt: skip

    filled = slots_of(
        await ValidateActivationForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    )

    assert (filled["sim_type"], filled["new_iccid"]) == ("physical", GOOD_ICCID)


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        # set23 en-003: the eSIM e-mail was asked for a phone that "doesn't do eSIM"
        ("Marie Lambert's new phone doesn't do eSIM, so she needs a SIM replacement", True),
        ("son gsm ne prend pas l'eSIM", True),
        ("ik denk dat die tablet geen eSIM ondersteunt", True),
        ("pas de souci, une eSIM", False), ("give her an eSIM", False),
        ("no problem, an eSIM then", False),
    ],
)  # fmt: skip
def test_an_esim_named_to_say_it_cannot_be_one(text: str, refused: bool) -> None:
    assert refuses_esim(text) is refused


async def test_a_phone_without_esim_gets_a_physical_sim(backend, dispatcher):
    fleet_backend(backend)
    tracker = make_tracker(
        "activate a line for Jan Peeters, his phone doesn't do eSIM",
        intent="activate_line",
        entities=[entity("sim_type", "eSIM")],
    )

    events = await ValidateActivationForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["sim_type"] == "physical"


@pytest.mark.parametrize(
    ("requested", "text", "response"),
    [
        # set23 nl-007: "not a valid e-mail address" for a question about the phone
        ("esim_email", "moet mijn toestel daar iets speciaals voor kunnen? het is drie jaar oud",
         "utter_faq_esim"),
        ("new_iccid", "c'est où ce numéro, sur la carte ?", "utter_faq_iccid"),
        ("current_customer_number", "where does he find that?", "utter_faq_porting"),
    ],
)  # fmt: skip
async def test_a_question_at_a_question_gets_its_topics_how_to(
    backend, dispatcher, requested, text, response
):
    fleet_backend(backend)
    slots = {"requested_slot": requested, "sim_type": "esim" if "esim" in requested else "physical"}
    tracker = make_tracker(text, intent="out_of_scope", slots=slots)

    events = await ValidateActivationForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == [response]
    assert slots_of(events).get(requested) is None  # asked again
