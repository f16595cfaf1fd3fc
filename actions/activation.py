"""Activating a new number (manual: "Activer les numéros"), physical SIM or eSIM, new or ported.

``activation_form`` collects what the manual lists — SIM type, the new SIM's serial or the end
user's e-mail, the end user, new number or porting (residential: SIM card number at the current
operator; professional: customer number there), split bill with the end user's billing data,
tariff plan — asking only for what the user has not said yet. ``action_prepare_activation`` then
has the backend prepare ``activate_line`` and reads back the summary with its consequences; the
shared confirm action executes it (actions/operations.py). An end user may only replace their
own SIM: their request about it ("mijn simkaart is kapot, activeer de nieuwe") is handed to the
SIM replacement form.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import is_correction, said_yes_or_no
from actions.api.backend import (
    BackendClient,
    BackendError,
    CatalogItem,
    ChatIdentity,
    InvalidRequestError,
    Line,
    Operation,
)
from actions.common import (
    BackendAction,
    conversation_language,
    latest_intent,
    require_identity,
)
from actions.common import latest_text as message_text
from actions.fleet_extraction import (
    corrected_person_name,
    customer_number_in,
    digits_part,
    first,
    found_entities,
    name_in_opening,
    number_mode_in,
    number_type_in,
    other_operators_serial,
    our_serial,
    person_name,
    refuses_esim,
    replacement_reason_in,
    sim_type_in,
    split_bill_in,
)
from actions.formatting import format_money
from actions.line_resolution import resolve_line
from actions.operation_forms import MISHAPS, REPLACEMENT_FORM, OperationFormValidation
from actions.operations import (
    PENDING_ID_SLOT,
    PENDING_TYPE_SLOT,
    prepare_operation,
    register_done_vars,
    utter_backend_error,
)
from actions.phone import format_national
from actions.validators import (
    InvalidValue,
    check_current_sim_number,
    check_customer_number,
    check_email,
    check_iban,
    check_iccid,
    check_mobile_number,
    check_person_name,
    check_postal_address,
    other_sim_check_digit_ok,
)
from validation import fold

logger = logging.getLogger(__name__)

FORM = "activation_form"
# The current operator's SIM card number last pointed out as a likely typo (a digest).
SIM_DOUBT_SLOT = "current_sim_number_doubt"
NO_IBAN = "none"
# Backend 422 code → (slot to ask again, response that explains it).
ERROR_SLOTS: dict[str, tuple[str, str]] = {
    "iccid_not_numeric": ("new_iccid", "utter_invalid_iccid_not_numeric"),
    "iccid_wrong_length": ("new_iccid", "utter_invalid_iccid_wrong_length"),
    "iccid_not_ours": ("new_iccid", "utter_invalid_iccid_not_ours"),
    "iccid_check_digit": ("new_iccid", "utter_invalid_iccid_check_digit"),
    "iccid_unknown": ("new_iccid", "utter_invalid_iccid_unknown"),
    "iccid_in_use": ("new_iccid", "utter_invalid_iccid_in_use"),
    "email_invalid": ("esim_email", "utter_invalid_email"),
    "msisdn_invalid": ("port_msisdn", "utter_invalid_phone_number"),
    "msisdn_already_ours": ("port_msisdn", "utter_invalid_msisdn_already_ours"),
    "current_sim_number_invalid": ("current_sim_number", "utter_invalid_current_sim_number"),
    "current_customer_number_invalid": (
        "current_customer_number",
        "utter_invalid_current_customer_number",
    ),
    "iban_invalid": ("billing_iban", "utter_invalid_iban"),
    "plan_unknown": ("plan_code", "utter_invalid_plan"),
    "billing_required": ("billing_name", "utter_ask_activation_form_billing_name"),
}


def required_activation_slots(slots: dict[str, Any]) -> list[str]:
    """The slots this activation needs, in the order they are asked."""
    sim_type = slots.get("sim_type")
    required = ["sim_type"]
    if sim_type == "physical" or (sim_type is None and slots.get("new_iccid")):
        required.append("new_iccid")
    if sim_type == "esim" or (sim_type is None and slots.get("esim_email")):
        required.append("esim_email")
    required += ["end_user_name", "number_mode"]
    if slots.get("number_mode") == "port":
        required += ["port_msisdn", "number_type"]
        if slots.get("number_type") == "residential":
            required.append("current_sim_number")
        elif slots.get("number_type") == "professional":
            required.append("current_customer_number")
    required.append("split_bill")
    if slots.get("split_bill"):
        required += ["billing_name", "billing_address", "billing_email", "billing_iban"]
    required.append("plan_code")
    return required


# An end user's own SIM, read on folded text: "mijn simkaart", "op mijn nummer", "ma nouvelle
# carte SIM", "my number", "a new SIM card" (an end user has one line: theirs).
_OWN_SIM = re.compile(
    r"\b(?:my|mijn|m'n|ma|mon)\s+(?:own\s+|eigen\s+|new\s+|nieuwe?\s+|nouvel\w*\s+)?"
    r"(?:e?sims?|simkaart\w*|cartes?|card|kaart\w*|numbers?|numeros?|nummers?|lines?|lijn|"
    r"ligne|gsm\w*|phone|telefoon|telephone|portable)\b"
    r"|\b(?:new|nouvel\w*|nieuwe?)\s+(?:\w+\s+)?(?:e?sims?|simkaart\w*|cartes?|card|kaart\w*)\b"
)
# A line that does not exist yet: "a new number", "une ligne supplémentaire", "een tweede lijn",
# or a number brought from another operator ("mijn nummer van Proximus overzetten").
_NEW_LINE = re.compile(
    r"\b(?:new|nouvel\w*|nouveaux?|nieuwe?|extra|second\w*|deuxieme|tweede|additional|another|"
    r"autre|andere?)\s+(?:\w+\s+)?(?:lines?|lijn\w*|lignes?|numbers?|numeros?|nummers?|"
    r"abonnement\w*|subscriptions?)\b"
    r"|\b(?:lignes?|numeros?|abonnements?)\s+supplementaires?\b"
    r"|\b(?:port(?!ables?\b)\w*|overzet\w*|overdr\w*|meenemen|proximus|orange|telenet|scarlet|"
    r"voo|lyca\w*)\b"
)


def opens_afresh(tracker: Tracker, op_type: str | None) -> bool:
    """Whether a form opens on a typed request, not re-opened by a correction at the summary of
    its own ``op_type``: a request the form may hand over to another one."""
    correcting = tracker.get_slot(PENDING_TYPE_SLOT) == op_type and bool(
        tracker.get_slot(PENDING_ID_SLOT)
    )
    return (
        tracker.get_slot("requested_slot") is None
        and not message_text(tracker).startswith("/")
        and not correcting
    )


def about_own_sim(text: str) -> bool:
    """Whether a request to activate speaks of the caller's own SIM (broken, lost, stolen, or a
    new card for their number) rather than of a new line."""
    if replacement_reason_in(text) in MISHAPS:
        return True
    folded = fold(text)
    return _NEW_LINE.search(folded) is None and _OWN_SIM.search(folded) is not None


def utter_invalid(dispatcher: CollectingDispatcher, problem: InvalidValue, raw: str) -> None:
    """Say precisely what is wrong with a value, in the user's language."""
    code = problem.code
    if code in ERROR_SLOTS:
        variables = {"iccid": raw.strip(), "email": raw.strip(), "phone_number": raw.strip()}
        variables.update({k: str(v) for k, v in problem.details.items()})
        dispatcher.utter_message(response=ERROR_SLOTS[code][1], **variables)
    elif code == "name_invalid":
        dispatcher.utter_message(response="utter_invalid_name")
    elif code == "address_invalid":
        dispatcher.utter_message(response="utter_invalid_address")
    else:
        dispatcher.utter_message(response="utter_invalid_choice")


def find_plan(plans: Sequence[CatalogItem], value: str) -> CatalogItem | None:
    """The plan named by a code ("pro_smart") or by any of its names ("Pro Smart", "data seule")."""
    wanted = fold(value).replace("_", " ").replace("-", " ").strip()
    for plan in plans:
        names = [plan.code.replace("_", " "), plan.name, *plan.names.values()]
        if any(wanted == fold(name) for name in names):
            return plan
    for plan in plans:  # "pro smart plan", "data only"
        names = [plan.name, *plan.names.values()]
        if any(fold(name) in wanted or wanted in fold(name) for name in names if len(wanted) > 3):
            return plan
    return None


def plan_buttons(plans: Sequence[CatalogItem], language: str) -> list[dict[str, str]]:
    """One button per plan: "Pro Smart · € 25,00"."""
    buttons = []
    for plan in plans:
        price = format_money(plan.monthly_price, language) if plan.monthly_price is not None else ""
        title = f"{plan.label(language)} · {price}" if price else plan.label(language)
        buttons.append({"title": title, "payload": f'/inform{{"plan": "{plan.code}"}}'})
    return buttons


# What a how-to question about an activation is about.
_PORTING_TOPIC = re.compile(
    r"\b(?:port\w*|overzet\w*|overdragen|overstappen|keep (?:his|her|their|the) number|"
    r"garder (?:son|sa|le|leur) numero|nummer (?:\w+ )?(?:houden|behouden|meenemen))\b"
)
_ESIM_TOPIC = re.compile(r"\be ?sims?\b")


class ValidateActivationForm(OperationFormValidation):
    """Extracts and validates every detail of ``activation_form`` from each message."""

    needs_line = False
    rate_limited_flow = "activation"
    op_type = "activate_line"  # its slots stay filled while the summary waits
    bookkeeping_slots = frozenset({SIM_DOUBT_SLOT})

    def how_to_responses(self, text: str) -> tuple[str, ...]:
        """ "How do we bring a number over?", "comment on fait pour une eSIM ?": the porting or
        eSIM how-to; a plain "how do I activate a line?" starts the form, which explains as it
        asks."""
        folded = fold(text)
        if _PORTING_TOPIC.search(folded):
            return ("utter_faq_porting", "utter_can_do_activation")
        if _ESIM_TOPIC.search(folded):
            return ("utter_faq_esim", "utter_can_do_activation")
        return ()

    def name(self) -> str:
        return f"validate_{FORM}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if await self._replaces_a_sim(tracker):
            # A SIM replacement asked for in activation words (an end user may replace their
            # own SIM, never activate a line): the replacement form reads the same message
            # (the line, the new card, what happened).
            return [*self._stop(domain), FollowupAction(REPLACEMENT_FORM)]
        events = await super().run(dispatcher, tracker, domain)
        return next_slot_events(tracker, events, required_activation_slots)

    async def _replaces_a_sim(self, tracker: Tracker) -> bool:
        """An end user's opening about their own SIM ("mijn simkaart is kapot, ik heb een
        nieuwe gekregen: 8932…, kunt ge die activeren op mijn nummer?"). The words are read
        first: most activations cost no extra lookup."""
        text = message_text(tracker)
        if not opens_afresh(tracker, self.op_type) or not about_own_sim(text):
            return False
        try:
            identity = require_identity(tracker)
            me = await self.backend.get_me(identity)
            if me.active_role != "fleet_manager":
                return True
            # A fleet manager's "Joke's SIM is broken, here's a new one, activate it": a mishap
            # on a line of the fleet, and no new number asked for, is that line's replacement.
            if replacement_reason_in(text) not in MISHAPS or _NEW_LINE.search(fold(text)):
                return False
            return (await resolve_line(self.backend, identity, tracker)).line is not None
        except BackendError as exc:  # the form's own start says what failed
            logger.info("Reading the caller's role or line failed: %r", exc)
            return False

    async def extract(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        identity: ChatIdentity,
        line: Line | None,
    ) -> dict[str, Any]:
        requested = tracker.get_slot("requested_slot")
        intent = latest_intent(tracker)
        text = message_text(tracker)
        typed = not text.startswith("/")
        found = found_entities(tracker)
        values: dict[str, Any] = {}
        slots = dict(tracker.slots)

        def current(slot: str) -> Any:
            return values.get(slot, slots.get(slot))

        values.update(
            await extract_new_sim(
                self.backend, dispatcher, tracker, identity, slots, other_email="billing_email"
            )
        )

        if requested == "end_user_name" and typed:
            # "Ella Morris - sorry no, typo, it's Ella Morrison": the name said last.
            said_name = (is_correction(text) and corrected_person_name(text, "")) or person_name(
                text
            )
            values["end_user_name"] = checked(dispatcher, check_person_name, said_name)
        elif (
            requested is None
            and typed
            and not current("end_user_name")
            and (named := name_in_opening(text)) is not None
        ):
            # "le numéro de Nicolas Dupont qui arrive chez nous": asked again, it annoys.
            values["end_user_name"] = checked(dispatcher, check_person_name, named)
        elif (
            requested is None
            and typed
            and current("end_user_name")
            and is_correction(text)
            and (named := corrected_person_name(text, str(current("end_user_name")))) is not None
        ):
            # At the summary: "oei nee, 't is ni Gert maar Glenn, Glenn Hendrickx".
            values["end_user_name"] = checked(dispatcher, check_person_name, named)

        # New number or porting, and the porting details.
        number = first(found, "phone_number")
        mode = first(found, "number_mode")
        if mode is None and requested == "number_mode" and typed:
            mode = number_mode_in(text)
        elif mode is None and intent == "activate_line" and typed:
            mode = number_mode_in(text, strict=True)  # "a new SIM card" is not "a new number"
        if number is not None and requested in (None, "number_mode", "port_msisdn"):
            mode = "port"
        if mode in ("new", "port"):
            values["number_mode"] = mode
        elif requested == "number_mode":
            dispatcher.utter_message(response="utter_invalid_choice")
        if number is None and requested == "port_msisdn" and typed:
            number = text.strip()
        if number is not None and current("number_mode") == "port":
            values["port_msisdn"] = checked(dispatcher, check_mobile_number, number)

        kind = first(found, "number_type")
        if typed and requested == "number_type" and (kind is None or is_correction(text)):
            # "professionnel je pense... ah non attendez, … donc résidentiel": the words say
            # which kind came last, the extractor only the first.
            kind = text if number_type_in(text) or kind is None else kind
        if kind is not None:
            values["number_type"] = number_type_in(kind)
            if values["number_type"] is None:
                dispatcher.utter_message(response="utter_invalid_choice")

        if requested == "current_sim_number" and typed:
            raw = first(found, "iccid") or digits_part(text)
            values.update(other_sim_number(dispatcher, raw, doubted=current(SIM_DOUBT_SLOT)))
        elif requested is None and (theirs := other_operators_serial(found)) and our_serial(found):
            # "his current SIM card number is 8932 1000…, put him on the new SIM 893203…": the
            # other operator's card is the porting detail, ours the new SIM.
            values.update(other_sim_number(dispatcher, theirs, doubted=current(SIM_DOUBT_SLOT)))
        customer = customer_number_in(text) if typed else None
        if customer is None and requested == "current_customer_number" and typed:
            customer = customer_number_in(text, labelled=False) or text.strip()
        if customer is not None:
            values["current_customer_number"] = checked(dispatcher, check_customer_number, customer)
            if values["current_customer_number"] and current("number_type") is None:
                values["number_type"] = "professional"

        # Split bill and the end user's billing data.
        said = split_bill_in(text)
        if requested == "split_bill":
            if said is None:
                said = said_yes_or_no(tracker)
            if said is not None:
                values["split_bill"] = said
            else:
                dispatcher.utter_message(response="utter_invalid_choice")
        elif said is not None:
            values["split_bill"] = said
        if requested == "billing_name" and typed:
            values["billing_name"] = checked(dispatcher, check_person_name, person_name(text))
        if requested == "billing_address" and typed:
            address = checked(dispatcher, check_postal_address, text)
            values["billing_address"] = (
                f"{address['street']}, {address['postal_code']} {address['city']}"
                if address
                else None
            )
        iban = first(found, "iban")
        if requested == "billing_iban":
            if iban is None and said_yes_or_no(tracker) is False:
                values["billing_iban"] = NO_IBAN
            else:
                values["billing_iban"] = checked(dispatcher, check_iban, iban or text)

        # Tariff plan, against the company's catalogue. A change of mind names two ("le Pro
        # Unlimited c'est trop, mettez plutôt le Pro Smart"): the one wanted is not the plan
        # already chosen, and otherwise the last one named.
        plans_named = [
            item.value
            for item in sorted(found, key=lambda item: item.start or 0)
            if item.entity == "plan"
        ]
        plan = plans_named[-1] if plans_named else None
        if plan is None and requested == "plan_code" and typed:
            plan = text
        if plan is not None:
            plans = await self.backend.list_plans(identity)
            codes = [chosen.code for value in plans_named if (chosen := find_plan(plans, value))]
            wanted = [code for code in codes if code != slots.get("plan_code")] or codes
            chosen = find_plan(plans, wanted[-1]) if wanted else find_plan(plans, plan)
            values["plan_code"] = chosen.code if chosen else None
            if chosen is None:
                dispatcher.utter_message(response="utter_invalid_plan")
        return values


def other_sim_number(
    dispatcher: CollectingDispatcher, raw: str, *, doubted: str | None
) -> dict[str, Any]:
    """The current operator's SIM card number, or the question again. A number whose last digit
    is not its check digit is pointed out once (a typo is likely); sent again as it is, it is
    taken: the current operator checks its own card numbers in the porting request. What was
    pointed out is kept as a digest (the tracker store keeps no card number in clear)."""
    digits: str | None = checked(dispatcher, check_current_sim_number, raw)
    if digits is None:
        return {"current_sim_number": None}
    digest = hashlib.sha256(digits.encode()).hexdigest()[:16]
    if other_sim_check_digit_ok(digits) or digest == doubted:
        return {"current_sim_number": digits}
    dispatcher.utter_message(response="utter_doubt_current_sim_number")
    return {"current_sim_number": None, SIM_DOUBT_SLOT: digest}


def checked(dispatcher: CollectingDispatcher, check: Any, raw: str) -> Any:
    """``check(raw)``, or ``None`` after telling the user what is wrong."""
    try:
        return check(raw)
    except InvalidValue as problem:
        utter_invalid(dispatcher, problem, raw)
        return None


async def checked_iccid(
    client: BackendClient, dispatcher: CollectingDispatcher, identity: ChatIdentity, raw: str
) -> str | None:
    """Our checks first (precise and offline), then the company's SIM stock in the backend."""
    iccid = checked(dispatcher, check_iccid, raw)
    if iccid is None:
        return None
    try:
        await client.check_sim(identity, iccid)
    except InvalidRequestError as exc:
        utter_invalid(dispatcher, InvalidValue(exc.code or "", exc.details), raw)
        return None
    return str(iccid)


async def extract_new_sim(
    client: BackendClient,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    identity: ChatIdentity,
    slots: dict[str, Any],
    *,
    other_email: str | None = None,
) -> dict[str, Any]:
    """SIM type, the new SIM's ICCID or the eSIM e-mail (activation and replacement forms).

    An ICCID implies a physical SIM and an e-mail an eSIM, so "activate 8932…" needs no
    SIM-type question. ``other_email`` is a slot that takes an e-mail when it is the question.
    """
    requested = tracker.get_slot("requested_slot")
    text = message_text(tracker)
    typed = not text.startswith("/")
    found = found_entities(tracker)
    values: dict[str, Any] = {}

    def current(slot: str) -> Any:
        return values.get(slot, slots.get(slot))

    if sim := first(found, "sim_type"):
        values["sim_type"] = sim_type_in(sim)
        if values["sim_type"] == "esim" and refuses_esim(text):
            # "Marie's new phone doesn't do eSIM, so she needs a SIM replacement"
            values["sim_type"] = "physical"
    elif requested == "sim_type" and typed:
        values["sim_type"] = sim_type_in(text)
        if values["sim_type"] is None:
            dispatcher.utter_message(response="utter_invalid_choice")

    iccid = our_serial(found, last=is_correction(text)) or first(found, "iccid")
    if requested == "current_sim_number":
        iccid = None  # those digits answer the porting question
    if iccid is None and requested == "new_iccid" and typed:
        iccid = digits_part(text)
    if iccid is not None:
        values["new_iccid"] = await checked_iccid(client, dispatcher, identity, iccid)
        if values["new_iccid"]:
            # A new SIM's serial is a physical SIM, whatever else the sentence says about eSIMs
            # ("son gsm ne prend pas l'eSIM, j'ai la 8932…").
            values["sim_type"] = "physical"

    email = first(found, "email")
    email_slot = other_email if other_email and requested == other_email else "esim_email"
    if email is None and requested and requested in ("esim_email", other_email) and typed:
        email = text.strip()
    if email is not None and (email_slot != "esim_email" or current("sim_type") != "physical"):
        values[email_slot] = checked(dispatcher, check_email, email)
        if email_slot == "esim_email" and values[email_slot] and current("sim_type") is None:
            values["sim_type"] = "esim"
    # A change of SIM type ("nee wacht, toch liever eSIM") drops the other type's detail, so the
    # summary and the operation follow the new type.
    if values.get("sim_type") == "esim" and "new_iccid" not in values and current("new_iccid"):
        values["new_iccid"] = None
    if (
        values.get("sim_type") == "physical"
        and "esim_email" not in values
        and current("esim_email")
    ):
        values["esim_email"] = None
    return values


def next_slot_events(tracker: Tracker, events: list[EventType], required: Any) -> list[EventType]:
    """Add the next slot to ask (or ``None``: done) to the validator's events.

    Empty events on a fresh user message mean "not an answer" (an interruption): keep them
    empty so that Rasa rejects the form and a rule answers. When the form resumes afterwards,
    tell Rasa which slot to ask again, since only we know which slots apply.
    """
    if any(event.get("event") == "active_loop" for event in events):
        return events  # the form was stopped
    if not events and tracker.latest_action_name == "action_listen":
        return events
    slots = dict(tracker.slots)
    for event in events:
        if event.get("event") == "slot":
            slots[event["name"]] = event["value"]
    missing = next((slot for slot in required(slots) if slots.get(slot) is None), None)
    return [*events, SlotSet("requested_slot", missing)]


class ActionAskActivationFormPlanCode(BackendAction):
    """Asks for the plan with one button per plan of the company, with its monthly price."""

    def name(self) -> str:
        return "action_ask_activation_form_plan_code"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            identity = require_identity(tracker)
            plans = await self.backend.list_plans(identity)
        except BackendError as exc:
            utter_backend_error(dispatcher, exc)
            return []
        if not plans:
            dispatcher.utter_message(response="utter_no_plans")
            return []
        language = conversation_language(tracker)
        dispatcher.utter_message(
            response="utter_ask_activation_form_plan_code", buttons=plan_buttons(plans, language)
        )
        return []


def activation_params(slots: dict[str, Any], language: str) -> dict[str, Any]:
    """The ``activate_line`` params (docs/api-fleet-operations.md) from the form's slots."""
    esim = slots.get("sim_type") == "esim"
    number: dict[str, Any] = {"mode": "new"}
    if slots.get("number_mode") == "port":
        number = {"mode": "port", "msisdn": slots.get("port_msisdn")}
        number["number_type"] = slots.get("number_type")
        if slots.get("number_type") == "residential":
            number["current_sim_number"] = slots.get("current_sim_number")
        else:
            number["current_customer_number"] = slots.get("current_customer_number")
    billing = None
    if slots.get("split_bill"):
        address = check_postal_address(str(slots.get("billing_address") or ""))
        iban = slots.get("billing_iban")
        billing = {
            "name": slots.get("billing_name"),
            **address,
            "email": slots.get("billing_email"),
            "iban": None if iban in (None, NO_IBAN) else iban,
        }
    return {
        "sim_type": "esim" if esim else "physical",
        **({"email": slots.get("esim_email")} if esim else {"iccid": slots.get("new_iccid")}),
        "end_user_name": slots.get("end_user_name"),
        "end_user_language": language,
        "number": number,
        "split_bill": bool(slots.get("split_bill")),
        "billing": billing,
        "plan_code": slots.get("plan_code"),
        "option_codes": [],
    }


def activation_summary_vars(operation: Operation, language: str) -> dict[str, Any]:
    """Variables of ``utter_activation_summary`` from the backend's summary."""
    summary = operation.summary
    plan = summary.get("plan") or {}
    plan_name = (plan.get("names") or {}).get(language) or plan.get("name") or "—"
    msisdn = summary.get("msisdn")
    number = format_national(msisdn) if msisdn else "—"
    labels = _LABELS[language]
    if summary.get("number_mode") == "port":
        number = f"{number} ({labels['port']})"
    elif msisdn:
        number = f"{number} ({labels['new']})"
    sim = (
        f"eSIM → {summary.get('email')}"
        if summary.get("sim_type") == "esim"
        else f"{labels['physical']} {summary.get('iccid')}"
    )
    total = summary.get("monthly_total") or plan.get("monthly_price") or "0"
    return {
        "end_user_name": summary.get("end_user_name") or "—",
        "sim": sim,
        "number": number,
        "plan": plan_name,
        "monthly_total": format_money(_decimal(total), language),
        "split_bill": labels["yes"] if summary.get("split_bill") else labels["no"],
    }


# Words that decorate data in the summary rows (sentences stay in domain.yml).
_LABELS = {
    "fr": {
        "port": "repris",
        "new": "nouveau",
        "physical": "SIM physique",
        "yes": "oui",
        "no": "non",
    },
    "nl": {
        "port": "overgezet",
        "new": "nieuw",
        "physical": "fysieke sim",
        "yes": "ja",
        "no": "nee",
    },
    "en": {"port": "ported", "new": "new", "physical": "physical SIM", "yes": "yes", "no": "no"},
}


def _decimal(value: Any) -> Any:
    from decimal import Decimal, InvalidOperation

    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal("0")


@register_done_vars("activate_line")
def activation_done_vars(operation: Operation, language: str) -> dict[str, Any]:
    """The done message depends on what happens next: active, eSIM to confirm, or porting."""
    result = operation.result or {}
    status = result.get("status")
    response = "utter_operation_done_activate_line"
    if status == "pending_esim_confirmation":
        response = "utter_operation_done_activate_line_esim"
    elif status == "pending_porting":
        response = "utter_operation_done_activate_line_porting"
    msisdn = result.get("msisdn") or operation.msisdn
    return {
        "response": response,
        "msisdn": format_national(msisdn) if msisdn else "—",
        "end_user_name": operation.summary.get("end_user_name") or "—",
    }


class ActionPrepareActivation(BackendAction):
    """After the form: prepare ``activate_line``, read back the summary, ask to confirm."""

    def name(self) -> str:
        return "action_prepare_activation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        slots = dict(tracker.slots)
        if not slots.get("sim_type") or not slots.get("plan_code"):
            return []  # the form was stopped: nothing to prepare
        language = conversation_language(tracker)
        try:
            events = await prepare_operation(
                dispatcher,
                tracker,
                client=self.backend,
                op_type="activate_line",
                line_id=None,
                params=activation_params(slots, language),
                summary_response="utter_activation_summary",
                summary_vars=activation_summary_vars,
                notes=activation_notes,
            )
        except InvalidRequestError as exc:
            return reask_after_refusal(dispatcher, exc, slots)
        return events


def activation_notes(operation: Operation, language: str) -> list[tuple[str, dict[str, Any]]]:
    """The consequences the manual warns about, read back before the confirmation question."""
    summary = operation.summary
    notes: list[tuple[str, dict[str, Any]]] = []
    name = summary.get("end_user_name") or "—"
    if summary.get("esim_confirmation_required") or summary.get("sim_type") == "esim":
        notes.append(
            ("utter_activation_note_esim", {"end_user_name": name, "email": summary.get("email")})
        )
    if summary.get("number_mode") == "port":
        msisdn = summary.get("msisdn")
        notes.append(
            (
                "utter_activation_note_porting",
                {"phone_number": format_national(msisdn) if msisdn else "—"},
            )
        )
    if summary.get("split_bill"):
        billing = summary.get("billing") or {}
        notes.append(
            (
                "utter_activation_note_split_bill",
                {
                    "billing_name": billing.get("name") or name,
                    "billing_email": billing.get("email") or "—",
                },
            )
        )
    return notes


def reask_after_refusal(
    dispatcher: CollectingDispatcher,
    exc: InvalidRequestError,
    slots: dict[str, Any],
    *,
    form: str = FORM,
) -> list[EventType]:
    """The backend refused a value: explain it and reopen the form on that slot."""
    slot, response = ERROR_SLOTS.get(exc.code or "", ("", "utter_backend_unavailable"))
    raw = str(slots.get(slot) or "")
    shown = format_national(raw) if raw.startswith("+") else raw
    variables = {"iccid": raw, "email": raw, "phone_number": shown}
    variables.update({k: str(v) for k, v in exc.details.items()})
    dispatcher.utter_message(response=response, **variables)
    if not slot:
        return []
    return [SlotSet(slot, None), FollowupAction(form)]
