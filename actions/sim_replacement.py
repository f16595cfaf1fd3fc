"""Replacing a SIM card (manual: "Remplacer la carte SIM"): lost, stolen, broken, eSIM ↔ physical.

``sim_replacement_form`` asks which line (a fleet manager: any line of the company; an end user:
their own), why, and the new SIM (serial or eSIM e-mail). For a lost or stolen SIM it first
offers to block the old card at once: the question refers to a ``block_sim`` operation the
backend has prepared for this caller, and "yes" confirms exactly that operation. An opening
that only names an option ("a second SIM for her tablet", "cancel the multi-SIM") is handed to
the options form.
"""

from __future__ import annotations

import logging
import re
from decimal import Decimal
from functools import partial
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.activation import (
    extract_new_sim,
    next_slot_events,
    opens_afresh,
    reask_after_refusal,
)
from actions.answers import said_yes_or_no
from actions.api.backend import (
    BackendError,
    ChatIdentity,
    InvalidRequestError,
    Line,
    Operation,
)
from actions.catalog_text import find_options, words_besides
from actions.common import (
    BackendAction,
    idempotency_key,
    latest_intent,
    require_identity,
)
from actions.common import latest_text as message_text
from actions.fleet_extraction import (
    first,
    found_entities,
    replacement_reason_in,
    sim_type_in,
    words,
)
from actions.formatting import format_money
from actions.operation_forms import LINE_SLOT, MISHAPS, OperationFormValidation
from actions.operations import (
    prepare_operation,
    register_done_vars,
    utter_backend_error,
)
from actions.options import OptionChange
from actions.phone import format_national
from actions.sim_unblock import SUSPENDED

logger = logging.getLogger(__name__)

FORM = "sim_replacement_form"
BLOCK_OPERATION_SLOT = "block_operation_id"
_BLOCKABLE = ("lost", "stolen")

# The card itself changes, read on folded words: "a new SIM", "une nouvelle carte", "een nieuwe
# simkaart", "his new phone", "replace her SIM", "de simkaart vervangen", "switch to an eSIM".
_CARD = r"(?:e?sims?|simkaart\w*|cartes?|cards?|kaart\w*|puces?)"
_PHONE = (
    r"(?:phones?|smartphones?|iphones?|gsms?|telephones?|telefoons?|toestel\w*|portables?|"
    r"appareils?|devices?)"
)
_NEW = r"(?:new|nouvel\w*|nouveaux?|nieuwe?)"
_CHANGE = (
    r"(?:chang\w*|wissel\w*|vervang\w*|replac\w*|remplac\w*|swap\w*|renouvel\w*|switch\w*|"
    r"passer|overschakel\w*|overstap\w*|omzet\w*|overzet\w*|transf\w*|migr\w*|move\w*|"
    r"verplaats\w*|deplac\w*)"
)
_CARD_CHANGE = re.compile(
    rf"\b{_NEW} (?:\w+ )?(?:{_CARD}|{_PHONE})\b"
    rf"|\b{_CHANGE} (?:\w+ ){{0,3}}{_CARD}\b|\b{_CARD} (?:\w+ ){{0,3}}{_CHANGE}\b"
)
# Another device, the "other" reason of a request ("son nouveau gsm", "een nieuw toestel", "he
# is changing phones", "un téléphone neuf"); read on the accent-free words.
_NEW_DEVICE = re.compile(
    rf"\b{_NEW} (?:\w+ )?{_PHONE}\b|\b{_PHONE} (?:\w+ )?(?:neuf|neuve|nieuwe?)\b"
    rf"|\b{_CHANGE} (?:\w+ ){{0,2}}{_PHONE}\b"
)
_CHANGE_WORD = re.compile(rf"\b{_CHANGE}\b")


def required_replacement_slots(slots: dict[str, Any]) -> list[str]:
    """The slots this replacement needs, in the order they are asked."""
    required = [LINE_SLOT, "replacement_reason"]
    if slots.get("replacement_reason") in _BLOCKABLE:
        required.append("block_old_sim")
    required.append("sim_type")
    if slots.get("sim_type") == "physical":
        required.append("new_iccid")
    elif slots.get("sim_type") == "esim":
        required.append("esim_email")
    return required


def _reason_in_words(text: str, *, answers: bool) -> str | None:
    """The reason a message gives, ``None`` when it gives none.

    What happened to the card is read wherever it is said ("le gsm de Thomas s'est fait voler",
    "la carte est endommagée"). A switch is taken from the answer to the reason question ("autre,
    il change de téléphone"), but from a request only when it says one: another device or the
    other type of SIM ("passer en eSIM"). "Active la nouvelle 8932…", "replace her SIM" say
    nothing of why (every replacement brings a new card), and a switch assumed there would skip
    the blocking and the fee of a lost or stolen card: the reason is asked.
    """
    reason = replacement_reason_in(text)
    if reason != "switch" or answers:
        return reason
    folded = " ".join(words(text))
    if _NEW_DEVICE.search(folded) or (
        sim_type_in(text) is not None and _CHANGE_WORD.search(folded)
    ):
        return reason
    return None


class ValidateSimReplacementForm(OperationFormValidation):
    """Line, reason, blocking the old SIM, and the new SIM."""

    fleet_manager_only = False
    # Checked before the old SIM is blocked: a refusal afterwards left the line suspended.
    rate_limited_flow = "activation"
    op_type = "replace_sim"  # its slots stay filled while the summary waits
    hands_over_porting = True

    def name(self) -> str:
        return f"validate_{FORM}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if await self._asks_an_option(tracker):
            # The options form reads the same message: the line and what to add or remove.
            return [*self._stop(domain), FollowupAction(OptionChange.form)]
        events = await super().run(dispatcher, tracker, domain)
        return next_slot_events(tracker, events, required_replacement_slots)

    async def _asks_an_option(self, tracker: Tracker) -> bool:
        """An opening that names an option of the catalogue and nothing that happened to the
        card ("X voudrait une deuxième carte SIM pour sa tablette", "cancel the multi-SIM on
        her line"): an option change, not a replacement."""
        if not opens_afresh(tracker, self.op_type):
            return False
        text = message_text(tracker)
        found = found_entities(tracker)
        said = [text, *(item.value for item in found if item.entity == "replacement_reason")]
        if first(found, "iccid") or any(replacement_reason_in(x) in MISHAPS for x in said):
            return False  # a new card's serial, or what happened to the old one
        try:
            options = await self.backend.list_options(require_identity(tracker))
        except BackendError as exc:  # the replacement goes on
            logger.info("Reading the options for a replacement request failed: %r", exc)
            return False
        known = {option.code for option in options}
        named = [span for span in find_options(text, options) if span[0] in known]
        # "une nouvelle carte SIM supplémentaire" is the option: its own words are set aside.
        return bool(named) and _CARD_CHANGE.search(words_besides(text, named)) is None

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
        values: dict[str, Any] = {}
        if line is None and requested in (None, LINE_SLOT) and not tracker.get_slot(LINE_SLOT):
            # An end user replaces their own SIM without having to name it.
            me = await self.backend.get_me(identity)
            if me.active_role != "fleet_manager" and me.line_id:
                values[LINE_SLOT] = str(me.line_id)
                line = await self.backend.get_line(identity, me.line_id)

        reason = first(found_entities(tracker), "replacement_reason")  # a button
        # The opening is the request, whatever it was classified as ("mijn simkaart is kapot,
        # kunt ge de nieuwe activeren?" reaches this form from the activation form).
        asked = requested in (None, "replacement_reason") or intent == "replace_sim"
        if reason is not None:
            reason = replacement_reason_in(reason)
        elif asked and not text.startswith("/"):
            reason = _reason_in_words(text, answers=requested == "replacement_reason")
        if reason is not None and not self._keeps_known_reason(tracker, requested, reason):
            values["replacement_reason"] = reason
        elif requested == "replacement_reason":
            dispatcher.utter_message(response="utter_invalid_choice")
            values["replacement_reason"] = None

        if requested == "block_old_sim":
            values.update(await self._block_answer(dispatcher, tracker, identity))
        elif line is not None:
            values.update(await self._moved_to(dispatcher, tracker, identity, line))

        slots = {**tracker.slots, **values}
        values.update(await extract_new_sim(self.backend, dispatcher, tracker, identity, slots))
        # Switching eSIM ↔ physical: the new type is the other one.
        if (
            slots.get("replacement_reason") == "switch"
            and "sim_type" not in values
            and not slots.get("sim_type")
            and line is not None
            and line.sim_type in ("esim", "physical")
        ):
            values["sim_type"] = "physical" if line.sim_type == "esim" else "esim"
        return values

    @staticmethod
    def _keeps_known_reason(tracker: Tracker, requested: str | None, reason: str) -> bool:
        """A reason already known stays unless the message answers the reason question or
        says what happened to the card: "my new phone takes an eSIM" after "my phone was
        stolen" changes the new SIM, never the stolen card into a switch (fee, blocking)."""
        known = tracker.get_slot("replacement_reason")
        return bool(known) and requested != "replacement_reason" and reason == "switch"

    async def _moved_to(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        identity: ChatIdentity,
        line: Line,
    ) -> dict[str, Any]:
        """The replacement moved to another line ("it's Tim who lost his phone, not Jonas"):
        the block answer was about the other line's card, so it is asked again for this one;
        a card already blocked stays so, which is said (its unblock is offered once the
        replacement is done, ``sim_unblock.other_still_blocked_after_done``)."""
        previous = str(tracker.get_slot(LINE_SLOT) or "")
        blocked = tracker.get_slot("block_old_sim")
        if not previous.isdigit() or int(previous) == line.id or blocked is None:
            return {}
        if blocked is True:
            try:
                earlier = await self.backend.get_line(identity, int(previous))
            except BackendError as exc:
                logger.info("Reading the line blocked earlier failed: %r", exc)
            else:
                if earlier.status == SUSPENDED:
                    dispatcher.utter_message(
                        response="utter_replacement_moved_sim_still_blocked",
                        msisdn=format_national(earlier.msisdn),
                        name=earlier.user_name or earlier.label or "—",
                    )
        return {"block_old_sim": None, BLOCK_OPERATION_SLOT: None}

    async def _block_answer(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        identity: ChatIdentity,
    ) -> dict[str, Any]:
        """Yes → confirm the prepared ``block_sim``; no → cancel it. Anything else: ask again."""
        operation_id = tracker.get_slot(BLOCK_OPERATION_SLOT)
        answer = said_yes_or_no(tracker)
        if answer is None:
            dispatcher.utter_message(response="utter_invalid_choice")
            return {"block_old_sim": None}
        if not operation_id:
            return {"block_old_sim": False}
        if not answer:
            try:
                await self.backend.cancel_operation(
                    identity, operation_id, idempotency_key=f"cancel:{operation_id}"
                )
            except BackendError as exc:  # it expires by itself
                logger.info("Cancelling block %s failed: %r", operation_id, exc)
            dispatcher.utter_message(response="utter_sim_not_blocked")
            return {"block_old_sim": False, BLOCK_OPERATION_SLOT: None}
        operation = await self.backend.confirm_operation(
            identity, operation_id, idempotency_key=f"confirm:{operation_id}"
        )
        dispatcher.utter_message(
            response="utter_sim_blocked",
            msisdn=format_national(operation.msisdn) if operation.msisdn else "—",
        )
        return {"block_old_sim": True, BLOCK_OPERATION_SLOT: None}


class ActionAskSimReplacementFormBlockOldSim(BackendAction):
    """Prepares ``block_sim`` for the line, then asks whether to block the old SIM now."""

    def name(self) -> str:
        return "action_ask_sim_replacement_form_block_old_sim"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        line_id = tracker.get_slot(LINE_SLOT)
        try:
            identity = require_identity(tracker)
            operation = await self.backend.create_operation(
                identity,
                op_type="block_sim",
                line_id=int(line_id),
                params={},
                idempotency_key=idempotency_key(tracker, f"prepare:block_sim:{line_id}"),
            )
        except (BackendError, TypeError, ValueError) as exc:
            logger.info("Preparing block_sim failed: %r", exc)
            if isinstance(exc, BackendError):
                utter_backend_error(dispatcher, exc)
            # Go on with the replacement itself; blocking is only offered.
            return [SlotSet("block_old_sim", False)]
        msisdn = operation.summary.get("msisdn") or operation.msisdn
        dispatcher.utter_message(
            response="utter_ask_block_old_sim", msisdn=format_national(msisdn) if msisdn else "—"
        )
        return [SlotSet(BLOCK_OPERATION_SLOT, operation.id)]


# The reason read back with its fee: a lost or stolen card costs a fee, a broken one or a switch
# is free (``backend/operations/handlers/replace_sim.py``), so a wrong reason shows at once.
_REASON_LABELS = {
    "fr": {"lost": "carte perdue", "stolen": "carte volée", "broken": "carte abîmée",
           "switch": "changement de carte (eSIM ↔ physique, nouvel appareil)"},
    "nl": {"lost": "kaart verloren", "stolen": "kaart gestolen", "broken": "kaart kapot",
           "switch": "kaartwissel (eSIM ↔ fysiek, nieuw toestel)"},
    "en": {"lost": "card lost", "stolen": "card stolen", "broken": "card broken",
           "switch": "card change (eSIM ↔ physical, new device)"},
}  # fmt: skip
_ALREADY_BLOCKED = {"fr": "(déjà bloquée)", "nl": "(al geblokkeerd)", "en": "(already blocked)"}


def replacement_summary_vars(
    operation: Operation, language: str, *, reason: str, blocked: bool
) -> dict[str, Any]:
    """Variables of ``utter_replacement_summary``; ``blocked``: the old SIM was blocked already
    (the block offered for a lost or stolen card)."""
    summary = operation.summary
    labels = {"fr": "SIM physique", "nl": "fysieke sim", "en": "physical SIM"}[language]

    def sim(kind: Any, iccid: Any, email: Any) -> str:
        if kind == "esim":
            return f"eSIM → {email}" if email else "eSIM"
        return f"{labels} {iccid}" if iccid else labels

    old_sim = sim(summary.get("old_sim_type"), summary.get("old_iccid"), None)
    return {
        "msisdn": format_national(operation.msisdn) if operation.msisdn else "—",
        "reason": _REASON_LABELS[language].get(reason, reason),
        "old_sim": f"{old_sim} {_ALREADY_BLOCKED[language]}" if blocked else old_sim,
        "new_sim": sim(summary.get("new_sim_type"), summary.get("iccid"), summary.get("email")),
        "fee": format_money(Decimal(str(summary.get("fee") or "0")), language),
    }


def replacement_notes(operation: Operation, language: str) -> list[tuple[str, dict[str, Any]]]:
    """eSIM: the user must confirm from the e-mail."""
    summary = operation.summary
    if summary.get("new_sim_type") == "esim" or summary.get("esim_confirmation_required"):
        return [("utter_replacement_note_esim", {"email": summary.get("email") or "—"})]
    return []


@register_done_vars("replace_sim")
def replacement_done_vars(operation: Operation, language: str) -> dict[str, Any]:
    """eSIM replacement: the user still has to confirm from the e-mail."""
    result = operation.result or {}
    if result.get("sim_type") == "esim" or result.get("status") == "pending_esim_confirmation":
        return {"response": "utter_operation_done_replace_sim_esim"}
    return {}


@register_done_vars("block_sim")
def block_done_vars(operation: Operation, language: str) -> dict[str, Any]:
    """Blocking confirmed through the generic confirmation (not the form's question)."""
    return {"response": "utter_sim_blocked"}


class ActionPrepareSimReplacement(BackendAction):
    """After the form: prepare ``replace_sim``, read back the summary, ask to confirm."""

    def name(self) -> str:
        return "action_prepare_sim_replacement"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        slots = dict(tracker.slots)
        line_id = slots.get(LINE_SLOT)
        if not line_id or not slots.get("sim_type") or not slots.get("replacement_reason"):
            return []  # the form was stopped
        esim = slots.get("sim_type") == "esim"
        params: dict[str, Any] = {
            "reason": slots.get("replacement_reason"),
            "sim_type": "esim" if esim else "physical",
            **({"email": slots.get("esim_email")} if esim else {"iccid": slots.get("new_iccid")}),
        }
        try:
            events = await prepare_operation(
                dispatcher,
                tracker,
                client=self.backend,
                op_type="replace_sim",
                line_id=int(line_id),
                params=params,
                summary_response="utter_replacement_summary",
                summary_vars=partial(
                    replacement_summary_vars,
                    reason=str(params["reason"]),
                    blocked=slots.get("block_old_sim") is True,
                ),
                notes=replacement_notes,
            )
        except InvalidRequestError as exc:
            events = reask_after_refusal(dispatcher, exc, slots, form=FORM)
        return [SlotSet(BLOCK_OPERATION_SLOT, None), *events]
