"""The base of every operation form's validator: interruptions, line lookup, two failures.

Conventions (docs/bot-fleet-notes.md):
- the validator runs on every user turn of its form; for an *interrupting* intent (``stop``,
  ``request_agent``, ``faq_*``, help, language) it returns nothing, so Rasa rejects the form and
  the per-form rules answer (then resume, or cancel);
- anything else is an answer: the subclass extracts and validates slot values from it and says
  what is wrong; the base then counts failed attempts at the requested slot and, after two,
  explains the slot (``utter_explain_<slot>``) and offers continue / cancel / agent buttons;
- operations are fleet-manager only by default: an end user is refused politely at activation.
"""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import (
    YES_NO_SLOTS,
    answers_slot,
    asks_for_person,
    asks_how,
    calls_off,
    corrects_rather_than_asks,
    is_correction,
    is_explicit_stop,
    is_question,
    names_someone,
    says_no_then_more,
    says_stop,
)
from actions.api.backend import (
    BackendClient,
    BackendError,
    ChatIdentity,
    Line,
    Operation,
)
from actions.common import (
    RESPONSE_PREFIX,
    entity_values,
    latest_intent,
    latest_text,
    require_identity,
)
from actions.fleet_extraction import replacement_reason_in
from actions.line_resolution import (
    line_buttons_shown_this_turn,
    names_another_person,
    resolve_line,
    utter_resolution_problem,
)
from actions.operations import (
    FAILED_ATTEMPTS_SLOT,
    PENDING_ID_SLOT,
    PENDING_TYPE_SLOT,
    START_PREFIX,
    clear_pending,
    corrects_the_pending,
    form_slot_resets,
    is_confident_request,
    is_local_pending,
    retry_minutes,
    utter_backend_error,
)
from actions.phone import format_national
from validation import OUR_ICCID_PREFIX, fold

logger = logging.getLogger(__name__)

LINE_SLOT = "target_line_id"
MAX_FAILED_ATTEMPTS = 2
# Intents the form does not treat as an answer: rules handle them (cancel, FAQ then resume...).
INTERRUPTING_INTENTS = frozenset(
    {"stop", "request_agent", "ask_help", "bot_challenge", "change_language", "goodbye"}
)
# Interruptions that never answer a question, whatever words they share with an answer.
HARD_INTERRUPTIONS = frozenset({"stop", "request_agent", "change_language"})
CONTINUE_INTENT = "continue_form"
# The how-to of each question's topic, for a question asked back at it.
SLOT_TOPICS = {
    "esim_email": "utter_faq_esim",
    "new_iccid": "utter_faq_iccid",
    "current_sim_number": "utter_faq_porting",
    "current_customer_number": "utter_faq_porting",
    "number_type": "utter_faq_porting",
    "repair_imei": "utter_faq_imei",
}


def _entity_names(tracker: Tracker) -> set[str]:
    return {
        str(e.get("entity"))
        for e in (tracker.latest_message or {}).get("entities") or []
        if e.get("entity")
    }


# Values a how-to question never carries: a message with one answers the form.
_STRONG_VALUES = frozenset({"iccid", "email", "iban"})
# Values that make "how do I …?" a request to do it ("how do I block roaming on 0470 …?").
_VALUE_ENTITIES = ("phone_number", "line_id", "iccid", "email", "iban")
CONFIRM_ACTION = "action_confirm_operation"
# Read-only questions about the account ("show me our lines first"): when the message holds no
# answer, the form lets go, the question is answered and the form asks again
# (actions/side_questions.py answers each of them).
SIDE_QUESTION_INTENTS = frozenset(
    {
        "show_lines",
        "ask_consumption",
        "show_invoices",
        "explain_invoice",
        "ask_invoice_paid",
        "ask_ticket_status",
        "ask_repair_status",
        "ask_order_status",
        "ask_activation_status",
    }
)


def is_interruption(intent: str | None) -> bool:
    """Whether ``intent`` interrupts a form instead of answering it."""
    return intent is not None and (
        intent in INTERRUPTING_INTENTS
        or intent in SIDE_QUESTION_INTENTS
        or intent.startswith("faq_")
    )


ACTIVATION_FORM = "activation_form"
REPLACEMENT_FORM = "sim_replacement_form"
# What happened to a card: it needs replacing.
MISHAPS = ("lost", "stolen", "broken")
# "nieuwe datalijn", "new line", "nouvelle ligne", "activeren", "activate", "mise en service".
_NEW_LINE_WORDS = re.compile(
    r"\b(?:nieuwe? \w*lijn|\w*lijn bij|datalijn|new (?:\w+ )?line|nouvelle (?:\w+ )?ligne|"
    r"activeer|activeren|activer|activez|activate|activation|activatie|mise en service)\b"
)


# "port Ben's number over to us", "il était chez un autre opérateur", "laten overzetten".
_PORTING_WORDS = re.compile(
    r"\b(?:port|porting|ported|porter|portage|portabilite|porteren|overzetten|overzet|"
    r"overdragen|over to us|naar ons|from (?:another|an other|his|her|their) (?:\w+ )?"
    r"(?:operator|provider|carrier)|chez (?:un autre|une autre|son|sa|l ancien) (?:\w+ )?"
    r"(?:operateur|fournisseur)|bij (?:een andere|zijn|haar|de vorige) (?:\w+ )?"
    r"(?:operator|provider))\b"
)
_ESIM_TO = re.compile(r"\be ?sim\b.*@|@.*\be ?sim\b")


def asks_for_a_new_line(text: str, serials: list[str]) -> bool:
    """Whether an opening asks for a new line on one of our SIM cards."""
    return _on_our_sim(serials) and _NEW_LINE_WORDS.search(fold(text)) is not None


def ports_a_number(text: str, serials: list[str]) -> bool:
    """Whether an opening brings a number from another operator onto one of our SIM cards or
    an eSIM ("port Ben Carter's number 0477… over to us, the new SIM is 893203…"): an
    activation that keeps the number, whatever else a SIM replacement shares with it."""
    folded = fold(text)
    new_sim = _on_our_sim(serials) or _ESIM_TO.search(folded) is not None
    return new_sim and _PORTING_WORDS.search(folded) is not None


def _on_our_sim(serials: list[str]) -> bool:
    return any(re.sub(r"\D", "", serial).startswith(OUR_ICCID_PREFIX) for serial in serials)


def _started_by_confirmation(tracker: Tracker) -> bool:
    """Whether this turn's confirm action started the form: the answer to "do you really want
    to deactivate a line?" ("yes, Charlotte's line", "wait, it's 0470 00 00 20, not Pieter's")."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "action" and event.get("name") == CONFIRM_ACTION:
            return True
    return False


def accepted_slots_kept(
    tracker: Tracker,
    requested: str | None,
    values: dict[str, Any],
    bookkeeping: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """``values`` without those that would change a slot the form has already accepted.

    The opening message (nothing requested yet) may fill any slot; afterwards a message fills
    the requested slot and slots still empty ("8932…" answering "physical or eSIM?"), never
    one accepted earlier: digits typed for the current operator's SIM must not replace the new
    SIM's serial, nor a later sentence's "pro" the plan chosen three questions ago. Unless the
    user says they changed their mind ("finalement une eSIM", "toch liever Pro Smart").
    ``bookkeeping`` slots are the form's own notes, never an answer: always written.
    """
    text = latest_text(tracker)
    if requested is None or is_correction(text):
        return values
    if requested not in YES_NO_SLOTS and says_no_then_more(text):
        # "hmm nee, die tablet ondersteunt geen eSIM. doe maar een gewone simkaart, 8932…" at
        # the e-mail question: a "no" to the question asked, then what to do instead.
        return values
    return {
        slot: value
        for slot, value in values.items()
        if slot == requested or slot in bookkeeping or tracker.get_slot(slot) is None
    }


class OperationFormValidation(FormValidationAction, ABC):  # type: ignore[misc]
    """Base validator; subclasses implement ``extract`` for their own slots."""

    #: Only a fleet manager may run this form (the backend checks it anyway).
    fleet_manager_only = True
    #: Slots the form writes for itself (not answers), updated whatever was asked.
    bookkeeping_slots: frozenset[str] = frozenset()
    #: Whether the form needs a line (slot ``target_line_id``).
    needs_line = True
    #: The operation this form prepares: a correction at its summary re-opens the form.
    op_type: str | None = None
    #: The backend's rate-limited flow this form ends in: checked before the first question.
    rate_limited_flow: str | None = None
    #: A destructive form starts only on a confident request; otherwise the bot asks first
    #: (``utter_ask_meant_<form>``) and a "yes" starts it (``action_confirm_operation``).
    destructive = False
    #: A request for a helpdesk ticket in so many words opens the ticket form instead ("ik zou
    #: een ticket willen openen, welke extra data-opties zijn er?" read as ``change_options``,
    #: and refused to an end user).
    hands_over_ticket_requests = True
    #: An opening with one of our SIM serials and the words of a new line opens the activation
    #: form instead (plan, option and barring changes are never about a new SIM).
    hands_over_new_lines = False
    #: An opening that brings a number from another operator onto one of our SIMs or an eSIM
    #: opens the activation form instead (a SIM replacement shares the new SIM with it).
    hands_over_porting = False
    #: What answers "how do I …?" about this operation when it names no line or value yet:
    #: the how-to, then how to ask for it here (the form does not start).
    how_to: tuple[str, ...] = ()

    def pending_values(self, operation: Operation) -> dict[str, Any]:
        """Slot values that ask again for the pending ``operation`` (a correction edits them)."""
        return {LINE_SLOT: str(operation.line_id)} if operation.line_id else {}

    def __init__(self, backend: BackendClient | None = None) -> None:
        self._backend = backend

    @abstractmethod
    def name(self) -> str:
        """``validate_<form>``."""

    @property
    def backend(self) -> BackendClient:
        """The backend client, created from the settings on first use."""
        if self._backend is None:
            self._backend = BackendClient.from_settings()
        return self._backend

    @abstractmethod
    async def extract(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        identity: ChatIdentity,
        line: Line | None,
    ) -> dict[str, Any]:
        """Validated values of this form's own slots found in the latest message.

        Utter a specific explanation for a value that is wrong, and leave it out.
        """

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent = latest_intent(tracker)
        requested = tracker.get_slot("requested_slot")
        if intent == "request_agent" and requested and not asks_for_person(latest_text(tracker)):
            # "Arthur Lemaire… ah non pardon je confonds avec un client, c'est Arthur Lemoine"
            # at "what's the user's name?" read as a request for an agent: no word of the
            # message asks for a person, so it is an answer (the handoff started instead).
            intent = "inform"
        # An interruption-looking message may still answer the question ("bon ben le bleu
        # alors" read as goodbye): unless it is a hard one, the form tries it as an answer and
        # lets it interrupt only when it holds no value for the requested slot.
        # Re-opened by a correction at this form's own summary ("nee wacht, doe direct Pro
        # Unlimited", whatever intent it was given): the message edits the pending request. A
        # hard interruption only when it carries the correction's value ("nee wacht, geef haar
        # toch een eSIM, op ines@…" read as ``stop`` re-read the unchanged summary and ran it).
        correcting = (
            requested is None
            and self.op_type is not None
            and tracker.get_slot(PENDING_TYPE_SLOT) == self.op_type
            and bool(tracker.get_slot(PENDING_ID_SLOT))
            and (intent not in HARD_INTERRUPTIONS or corrects_the_pending(tracker))
        )
        if requested is None and not correcting and self.hands_over_ticket_requests:
            # Imported here: the ticket forms build on this module.
            from actions.tickets import TICKET_FORM, opens_a_ticket

            if opens_a_ticket(latest_text(tracker)):
                # The ticket form reads the same message: subject, description, contact.
                return [*self._stop(domain), FollowupAction(TICKET_FORM)]
        serials = entity_values(tracker, "iccid")
        if (
            requested is None
            and not correcting
            and (
                (self.hands_over_new_lines and asks_for_a_new_line(latest_text(tracker), serials))
                or (self.hands_over_porting and ports_a_number(latest_text(tracker), serials))
            )
        ):
            # "kunde een nieuwe datalijn activeren op kaart 893203…, abonnement Enkel data" read
            # as a plan change: a new SIM and a new line are an activation; so is a number
            # brought from another operator onto a new SIM, read as a SIM replacement.
            return [*self._stop(domain), FollowupAction(ACTIVATION_FORM)]
        if (
            requested is None
            and not correcting
            and self.hands_over_new_lines
            and _on_our_sim(serials)
            and replacement_reason_in(latest_text(tracker)) in MISHAPS
        ):
            # "le GSM de Karim a été volé ce matin. Il faut une nouvelle carte, j'ai la 8932…"
            # read as a plan change: a stolen, lost or broken card and a new one of ours are
            # that line's SIM replacement.
            return [*self._stop(domain), FollowupAction(REPLACEMENT_FORM)]
        if requested is None and not correcting and self._asks_how(tracker):
            # "and how would we switch to direct debit for future invoices?": explained, with
            # how to ask for it, rather than a first question nobody asked for.
            for response in self.how_to_responses(latest_text(tracker)):
                dispatcher.utter_message(response=response)
            if tracker.get_slot(PENDING_ID_SLOT):
                # Asked while a summary waits: it still does, with its slots.
                dispatcher.utter_message(response="utter_ask_confirm_operation")
            return [SlotSet("requested_slot", None), ActiveLoop(None)]
        maybe_interruption = (
            is_interruption(intent)
            and not correcting
            and not self._answers_in_words(tracker, requested, intent)
        )
        # "ça change quoi si c'est un numéro pro ou perso ?" asks about the choice; it does not
        # make it, whatever words of an answer it contains.
        # A how-to question without a question word ("does an eSIM work on any phone?").
        text = latest_text(tracker)
        asked = is_question(text) or (str(intent).startswith("faq_") and "?" in text)
        asks_back = asked and not corrects_rather_than_asks(text)
        # "laat de koerier het maar ophalen" read as ``stop`` ("laat … maar"): a stop in no
        # explicit words is tried as an answer first, and stops only when it holds none.
        soft_stop = intent == "stop" and not (
            is_explicit_stop(text) or calls_off(text) or says_stop(text)
        )
        hard = intent in HARD_INTERRUPTIONS and not soft_stop
        if maybe_interruption and (requested is None or hard or asks_back):
            return []
        if (
            requested in SLOT_TOPICS
            and not maybe_interruption
            and "?" in text
            and not corrects_rather_than_asks(text)
            and not answers_slot(requested, text, _entity_names(tracker))
        ):
            # "moet mijn toestel daar iets speciaals voor kunnen?" at the eSIM e-mail question
            # (read as nothing in particular): a question about the question's own topic gets
            # that topic's how-to, and the question again, not "not a valid e-mail address".
            dispatcher.utter_message(response=SLOT_TOPICS[str(requested)])
            return [SlotSet(FAILED_ATTEMPTS_SLOT, tracker.get_slot(FAILED_ATTEMPTS_SLOT))]
        answer_dispatcher = CollectingDispatcher() if maybe_interruption else dispatcher
        values: dict[str, Any] = {}
        ambiguous = False
        try:
            identity = require_identity(tracker)
            if requested is None and self.fleet_manager_only:
                me = await self.backend.get_me(identity)
                if me.active_role != "fleet_manager":
                    dispatcher.utter_message(response="utter_fleet_manager_required")
                    return self._stop(domain)
            if requested is None and self.rate_limited_flow is not None:
                wait = await self.backend.rate_limit_retry_after(identity, self.rate_limited_flow)
                if wait is not None:
                    minutes = retry_minutes(wait)
                    dispatcher.utter_message(response="utter_rate_limited", minutes=minutes)
                    return self._stop(domain)
            if requested is None and not correcting:
                stale = self._stale_slots(tracker, domain)
                tracker.slots.update(stale)  # the extraction below reads a fresh request
                values.update(stale)
            if requested is None and (pending_id := tracker.get_slot(PENDING_ID_SLOT)):
                seeded = await self._take_over_pending(
                    dispatcher, identity, str(pending_id), tracker.get_slot(PENDING_TYPE_SLOT)
                )
                tracker.slots.update(seeded)  # the extraction below edits the pending request
                values.update(seeded)
            line: Line | None = None
            switched = False
            if self.needs_line:
                if requested is None and await self._about_a_colleague(
                    dispatcher, tracker, identity
                ):
                    return self._stop(domain)
                line, ambiguous, line_values = await self._line(
                    dispatcher, tracker, identity, requested
                )
                values.update(line_values)
                switched = requested not in (None, LINE_SLOT) and LINE_SLOT in line_values
                if switched and line is not None:
                    # "pardon, c'est Stijn, pas Dries" while another question waits: said back,
                    # and the question is asked again for that line (an answer in the same
                    # message still counts). Whatever the classifier read ("'t is ni voor
                    # Wouter, 't is voor Tim" as a status question), it is no interruption.
                    maybe_interruption = False
                    answer_dispatcher = CollectingDispatcher()
                    dispatcher.utter_message(
                        response="utter_line_switched",
                        msisdn=format_national(line.msisdn),
                        user_name=line.user_name or line.label or "—",
                    )
            # A correction at this form's own summary already said what it is about, and a
            # "yes" (or a correction) to "do you really want to …?" already answered the doubt.
            destructive_doubt = (
                self.destructive and not correcting and not _started_by_confirmation(tracker)
            )
            if requested is None and destructive_doubt and not is_confident_request(tracker):
                return self._ask_meant(dispatcher, domain, values.get(LINE_SLOT))
            if intent != CONTINUE_INTENT:
                values.update(await self.extract(answer_dispatcher, tracker, identity, line))
            if switched and values.get(requested) is not None:
                dispatcher.messages.extend(answer_dispatcher.messages)
            if maybe_interruption:
                # "wacht, laat die split bill maar vallen, alles mag op de factuur van de firma"
                # (read as an invoice question) at the billing address: it changes an earlier
                # answer, so it is no interruption either.
                changed = is_correction(latest_text(tracker)) and any(
                    slot != requested and tracker.get_slot(slot) not in (None, value)
                    for slot, value in values.items()
                    if slot not in self.bookkeeping_slots
                )
                if values.get(requested) is None and not changed:
                    return []  # not an answer after all: the rules answer the interruption
                dispatcher.messages.extend(answer_dispatcher.messages)
        except BackendError as exc:
            logger.info("%s: backend failed: %r", self.name(), exc)
            utter_backend_error(dispatcher, exc)
            return self._stop(domain)

        values = accepted_slots_kept(tracker, requested, values, self.bookkeeping_slots)
        failures = int(tracker.get_slot(FAILED_ATTEMPTS_SLOT) or 0)
        if requested and values.get(requested) is None and intent != CONTINUE_INTENT:
            failures = 0 if ambiguous or switched else failures + 1
            if failures >= MAX_FAILED_ATTEMPTS:
                dispatcher.utter_message(response=f"{RESPONSE_PREFIX}_explain_{requested}")
                dispatcher.utter_message(response="utter_form_stuck")
                failures = 0
        else:
            failures = 0
        events: list[EventType] = [SlotSet(slot, value) for slot, value in values.items()]
        if requested is None:
            # A new operation starts: a "yes" must never confirm an older, forgotten summary.
            events += clear_pending()
        # Always at least one event: the form then goes on (re-asks) instead of being rejected.
        events.append(SlotSet(FAILED_ATTEMPTS_SLOT, float(failures)))
        return events

    def how_to_responses(self, text: str) -> tuple[str, ...]:
        """The responses that answer a how-to question about this operation (none: the form
        starts)."""
        return self.how_to

    def _asks_how(self, tracker: Tracker) -> bool:
        """A how-to question about this operation that names no line and no value of its own."""
        text = latest_text(tracker)
        if not self.how_to_responses(text) or not asks_how(text) or names_someone(text):
            return False
        return not any(entity_values(tracker, entity) for entity in _VALUE_ENTITIES)

    @staticmethod
    def _answers_in_words(tracker: Tracker, requested: str | None, intent: str | None) -> bool:
        """An answer the classifier took for an interruption: a worded yes/no to a yes/no
        question ("oui, on arrête" read as ``stop``, "elle le reprend à titre privé" as
        ``faq_termination_fee``), a value of the asked slot's shape, valid or not ("SIM number
        at his current operator: 8932…" read as ``faq_porting``: the number is checked and,
        if wrong, explained), or a change of mind that names the topic of a FAQ ("ah non,
        finalement une eSIM" read as ``faq_esim``)."""
        text = latest_text(tracker)
        if (
            requested not in YES_NO_SLOTS
            and text.rstrip().endswith("?")
            and is_question(text)
            and not is_correction(text)
        ):
            # "c'est quoi la différence entre Pro Start et Pro Smart déjà ?" at "which plan?":
            # the values it names are asked about, not chosen (the last one was taken).
            return False
        entities = _entity_names(tracker)
        # A worded yes/no answers even read as a stop; a number or an address never turns a
        # stop or a request for a person into an answer.
        hard = intent in HARD_INTERRUPTIONS and requested not in YES_NO_SLOTS
        if answers_slot(requested, text, entities) and not hard:
            return True
        if requested and str(intent).startswith("faq_") and entities & _STRONG_VALUES:
            # "hmm nee, die tablet ondersteunt geen eSIM. doe maar een gewone simkaart, ik heb
            # hier kaart 8932…" at the e-mail question: a how-to never carries a SIM serial.
            return "?" not in text
        return (
            bool(requested) and str(intent).startswith("faq_") and corrects_rather_than_asks(text)
        )

    def _stale_slots(self, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """The answers a dropped summary of this form left behind (a form whose slots stay
        filled while its summary waits, left for another request): a new request starts from
        what it says. The line stays: "and block roaming too" means the line just named."""
        if self.op_type is None:
            return {}
        form = self.name().removeprefix("validate_")
        required = (domain.get("forms") or {}).get(form, {}).get("required_slots") or []
        return {
            slot: None
            for slot in required
            if slot != LINE_SLOT
            and slot not in self.bookkeeping_slots
            and tracker.get_slot(slot) is not None
        }

    async def _take_over_pending(
        self,
        dispatcher: CollectingDispatcher,
        identity: ChatIdentity,
        pending_id: str,
        pending_type: str | None,
    ) -> dict[str, Any]:
        """The form starts while a summary waits for "yes": the same operation is being
        corrected (its request becomes this form's slots); another one replaces it, and the
        user is told so. Either way the old pending operation is cancelled, never run."""
        if is_local_pending(pending_id):
            # A summary the action server keeps itself (a new ticket): its slots are still
            # filled, so a correction only has to re-open the form.
            if self.op_type is not None and pending_type == self.op_type:
                return {}
        else:
            try:
                pending = await self.backend.get_operation(identity, pending_id)
                if pending.status != "pending":
                    return {}  # done, cancelled or expired meanwhile: nothing waits any more
                await self.backend.cancel_operation(
                    identity, pending_id, idempotency_key=f"cancel:{pending_id}"
                )
            except BackendError as exc:
                logger.info("%s: could not take over %s: %r", self.name(), pending_id, exc)
                return {}  # it expires by itself; "yes" cannot reach it once the slot is cleared
            if self.op_type is not None and pending.type == self.op_type:
                return self.pending_values(pending)
        dispatcher.utter_message(response="utter_pending_operation_replaced")
        return {}

    async def _line(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        identity: ChatIdentity,
        requested: str | None,
    ) -> tuple[Line | None, bool, dict[str, Any]]:
        """The form's line: the one named now, else the one chosen earlier.

        Once chosen, the line is not re-read from the answers to later questions (a number in
        "my colleague's number is 0470…" is no new line), unless the user says they got it
        wrong ("pardon, ce n'est pas Dries, c'est Stijn Devos", "'t is ni voor Wouter, 't is
        voor Tim Aerts"): then the line named now replaces it."""
        current = tracker.get_slot(LINE_SLOT)
        # A line button (its payload's line id) re-chooses the line whatever was asked.
        later_answer = (
            requested is not None
            and requested != LINE_SLOT
            and not entity_values(tracker, "line_id")
        )
        text = latest_text(tracker)
        names_a_line = names_someone(text) or bool(
            entity_values(tracker, "phone_number") or entity_values(tracker, "line_id")
        )
        if current and later_answer and not (is_correction(text) and names_a_line):
            return await self.backend.get_line(identity, int(current)), False, {}
        resolution = await resolve_line(self.backend, identity, tracker)
        if (
            current
            and later_answer
            and (resolution.line is None or resolution.line.id == int(current))
        ):
            # A correction of another answer, or naming nobody we know: the line stays.
            return await self.backend.get_line(identity, int(current)), False, {}
        if current and resolution.line is None and not resolution.referenced:
            # An opening or a correction that names no line keeps the one chosen before.
            return await self.backend.get_line(identity, int(current)), False, {}
        if resolution.line is not None:
            return resolution.line, False, {LINE_SLOT: str(resolution.line.id)}
        if resolution.referenced:
            utter_resolution_problem(dispatcher, resolution)
        return None, bool(resolution.candidates), {}

    async def _about_a_colleague(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, identity: ChatIdentity
    ) -> bool:
        """An end user asking for a colleague's line ("my colleague Marie lost her phone, get
        her a new eSIM") is told whom to ask; the request never falls on their own line.
        The words are read first: most openings name nobody, and cost no extra lookup."""
        if not names_another_person(latest_text(tracker)):
            return False
        resolution = await resolve_line(self.backend, identity, tracker)
        if not resolution.other_person:
            return False
        if (await self.backend.get_me(identity)).active_role == "fleet_manager":
            return False  # a fleet manager hears that no such line is in the fleet
        dispatcher.utter_message(response="utter_only_own_line", name=resolution.not_found)
        return True

    def _ask_meant(
        self, dispatcher: CollectingDispatcher, domain: DomainDict, line_id: str | None
    ) -> list[EventType]:
        """Stop before the first question and ask whether this is really what was meant; the
        line already named is kept for when the answer is yes."""
        form = self.name().removeprefix("validate_")
        dispatcher.utter_message(response=f"{RESPONSE_PREFIX}_ask_meant_{form}")
        return [
            *self._stop(domain),
            SlotSet(LINE_SLOT, line_id),
            SlotSet(PENDING_ID_SLOT, f"{START_PREFIX}{form}"),
            SlotSet(PENDING_TYPE_SLOT, START_PREFIX.rstrip(":")),
        ]

    @staticmethod
    def _stop(domain: DomainDict) -> list[EventType]:
        """End the form without an operation (the submit action then does nothing)."""
        return [*form_slot_resets(domain), SlotSet("requested_slot", None), ActiveLoop(None)]


class ActionAskTargetLineId(Action):  # type: ignore[misc]  # rasa_sdk is untyped
    """Asks which line, unless this turn already showed one button per matching line."""

    def name(self) -> str:
        return "action_ask_target_line_id"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if line_buttons_shown_this_turn(tracker):
            return []  # "which one?" with buttons is the question
        dispatcher.utter_message(response="utter_ask_target_line_id")
        return []
