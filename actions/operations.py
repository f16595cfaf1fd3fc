"""Two-step operations (design.md §5): prepare → read back the summary → confirm or cancel.

Shared by every fleet operation (plan, options, barring, deactivation, activation, SIM...):

- ``prepare_operation`` asks the backend to prepare an operation (the backend validates, prices
  and stores it as *pending for this caller*), reads back the summary and asks for confirmation;
  the pending id lives in the slot ``pending_operation_id``, which only these actions set.
- ``action_confirm_operation`` executes it by that id (``Idempotency-Key: confirm:<id>``, so a
  retry after a timeout replays instead of changing twice); ``action_cancel_operation`` drops it.

A typed ``/affirm`` with nothing pending confirms nothing: there is no id to send, and a forged
id would belong to nobody (the backend answers 404 for another caller's operation).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Awaitable, Callable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import (
    DETAIL_ENTITIES,
    calls_off,
    corrects_pending,
    is_correction,
    is_question,
    names_detail_word,
    names_someone,
    yes_or_no,
)
from actions.api.backend import (
    BackendClient,
    BackendError,
    BackendUnavailableError,
    ChatIdentity,
    ConflictError,
    ForbiddenError,
    IdentityUnknownError,
    InvalidRequestError,
    NotFoundError,
    Operation,
    RateLimitedError,
)
from actions.catalog_text import BARRING_SYNONYMS, OPTION_SYNONYMS, PLAN_SYNONYMS, find_codes
from actions.common import (
    RESPONSE_PREFIX,
    BackendAction,
    chat_identity,
    conversation_language,
    idempotency_key,
    latest_text,
    require_identity,
)
from actions.line_resolution import match_lines_in_text
from actions.phone import format_national
from validation import fold

logger = logging.getLogger(__name__)

PENDING_ID_SLOT = "pending_operation_id"
PENDING_TYPE_SLOT = "pending_operation_type"
FAILED_ATTEMPTS_SLOT = "form_failed_attempts"

SummaryVars = Callable[[Operation, str], dict[str, Any]]
DoneVars = Callable[[Operation, str], dict[str, Any]]
# (response name, variables) of each consequence read back between summary and question.
NotesFn = Callable[[Operation, str], list[tuple[str, dict[str, Any]]]]

# op type → variables of ``utter_operation_done_<type>``; features register theirs at import.
_DONE_VARS: dict[str, DoneVars] = {}
# Pending "operations" that are not backend operations (e.g. a new helpdesk ticket read back
# before POST /tickets): pending-id prefix → what "yes" does; "no" just forgets them. What "yes"
# does may return the events of a next step (the comment a new ticket's opening announced).
LocalConfirm = Callable[
    [BackendClient, CollectingDispatcher, Tracker, str], Awaitable[list[EventType] | None]
]
_LOCAL_CONFIRMS: dict[str, LocalConfirm] = {}
# A change said while an order waits for "yes" ("make it 2, finance approved two", "make the
# Nokias black instead"): the shop registers how to apply it, by pending id or pending type; it
# returns ``None`` when the message changes nothing, and the answer goes on as usual.
QuantityChange = Callable[
    [BackendClient, CollectingDispatcher, Tracker, str], Awaitable[list[EventType] | None]
]
_QUANTITY_CHANGES: dict[str, QuantityChange] = {}
# What a "no" to an operation already changed ("cancelled" is not the whole truth when a SIM
# replacement's old card was blocked before): op type → follow-up that says so and offers the
# way back, or returns None when nothing was changed.
CancelFollowup = Callable[
    [BackendClient, CollectingDispatcher, Tracker, str], Awaitable[list[EventType] | None]
]
_CANCEL_FOLLOWUPS: dict[str, CancelFollowup] = {}
# What a confirmed operation leaves to say ("Tim's SIM is replaced, but Jonas's, blocked before
# the line was corrected, still is: unblock it?"): op type → follow-up that says so and offers
# the way back (a new pending operation), or returns None when there is nothing to add.
DoneFollowup = Callable[
    [BackendClient, CollectingDispatcher, Tracker, Operation], Awaitable[list[EventType] | None]
]
_DONE_FOLLOWUPS: dict[str, DoneFollowup] = {}
# The key of the follow-up of a form stopped before its summary (no pending operation yet): a
# step already done in the form ("block the old SIM now?") is said, not "nothing was changed".
STOPPED_FORM = "stopped_form"


def register_cancel_followup(op_type: str) -> Callable[[CancelFollowup], CancelFollowup]:
    """Decorator: run ``function`` after the pending ``op_type`` is cancelled; for an offer
    (``start:<action>`` as the key), on a "no" to it, to run instead what the no names."""

    def decorate(function: CancelFollowup) -> CancelFollowup:
        _CANCEL_FOLLOWUPS[op_type] = function
        return function

    return decorate


def register_done_followup(op_type: str) -> Callable[[DoneFollowup], DoneFollowup]:
    """Decorator: run ``function`` after the pending ``op_type`` is confirmed and done."""

    def decorate(function: DoneFollowup) -> DoneFollowup:
        _DONE_FOLLOWUPS[op_type] = function
        return function

    return decorate


def register_quantity_change(*pending: str) -> Callable[[QuantityChange], QuantityChange]:
    """Decorator: run ``function`` on a new quantity while one of ``pending`` waits."""

    def decorate(function: QuantityChange) -> QuantityChange:
        for key in pending:
            _QUANTITY_CHANGES[key] = function
        return function

    return decorate


def register_local_confirm(prefix: str) -> Callable[[LocalConfirm], LocalConfirm]:
    """Decorator: run ``function`` on "yes" when the pending id starts with ``prefix``."""

    def decorate(function: LocalConfirm) -> LocalConfirm:
        _LOCAL_CONFIRMS[prefix] = function
        return function

    return decorate


def is_local_pending(pending_id: str) -> bool:
    """Whether the pending id is a local confirmation (e.g. a ticket), not a backend one."""
    return _local_confirm(pending_id) is not None


def _local_confirm(pending_id: str) -> LocalConfirm | None:
    for prefix, function in _LOCAL_CONFIRMS.items():
        if pending_id.startswith(prefix):
            return function
    return None


def register_done_vars(op_type: str) -> Callable[[DoneVars], DoneVars]:
    """Decorator: variables for the "done" message of ``op_type`` (besides ``msisdn``).

    The optional key ``response`` names a variant instead of ``utter_operation_done_<type>``.
    """

    def decorate(function: DoneVars) -> DoneVars:
        _DONE_VARS[op_type] = function
        return function

    return decorate


def form_slot_resets(domain: DomainDict) -> list[EventType]:
    """Empty every form's slots, so the next operation starts from scratch."""
    names: set[str] = {FAILED_ATTEMPTS_SLOT}
    for form in (domain.get("forms") or {}).values():
        names.update((form or {}).get("required_slots") or [])
    return [SlotSet(name, None) for name in sorted(names)]


def clear_pending() -> list[EventType]:
    """Forget the pending operation."""
    return [SlotSet(PENDING_ID_SLOT, None), SlotSet(PENDING_TYPE_SLOT, None)]


_CONFLICT_RESPONSES = {
    "out_of_stock": "utter_order_out_of_stock",
    "cart_empty": "utter_cart_empty",
    "line_state_conflict": "utter_line_state_conflict",
}


def utter_backend_error(dispatcher: CollectingDispatcher, exc: BackendError) -> None:
    """The polite answer to a backend refusal or failure (never silence)."""
    if isinstance(exc, IdentityUnknownError):
        dispatcher.utter_message(response="utter_login_required")
    elif isinstance(exc, ForbiddenError):
        dispatcher.utter_message(response="utter_fleet_manager_required")
    elif isinstance(exc, NotFoundError):
        dispatcher.utter_message(response="utter_operation_line_not_found")
    elif isinstance(exc, ConflictError) and exc.code in _CONFLICT_RESPONSES:
        # The shop's order: stock sold meanwhile, or nothing left to order.
        dispatcher.utter_message(response=_CONFLICT_RESPONSES[exc.code])
    elif isinstance(exc, ConflictError):
        dispatcher.utter_message(response="utter_operation_expired")
    elif isinstance(exc, RateLimitedError):
        dispatcher.utter_message(
            response="utter_rate_limited", minutes=retry_minutes(exc.retry_after)
        )
    else:
        dispatcher.utter_message(response="utter_backend_unavailable")


# Without a Retry-After the user is told to wait the backend's default window (one hour).
DEFAULT_RETRY_SECONDS = 3600


def retry_minutes(seconds: int | None) -> int:
    """Whole minutes until a rate limit frees up again (``Retry-After`` seconds), at least one."""
    return max(1, math.ceil((seconds if seconds is not None else DEFAULT_RETRY_SECONDS) / 60))


async def prepare_operation(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    *,
    client: BackendClient,
    op_type: str,
    line_id: int | None,
    params: dict[str, Any],
    summary_response: str,
    summary_vars: SummaryVars,
    notes: NotesFn | None = None,
) -> list[EventType]:
    """Prepare ``op_type`` in the backend, read back its summary and ask for confirmation.

    Raises ``InvalidRequestError`` (422) so that the caller re-asks the faulty slot with a
    specific explanation; every other failure is answered here and returns no pending id.
    """
    language = conversation_language(tracker)
    key = idempotency_key(tracker, f"prepare:{op_type}:{line_id}")
    try:
        identity = require_identity(tracker)
        operation = await client.create_operation(
            identity, op_type=op_type, line_id=line_id, params=params, idempotency_key=key
        )
    except InvalidRequestError:
        raise
    except BackendError as exc:
        logger.info("Preparing %s failed: %r", op_type, exc)
        utter_backend_error(dispatcher, exc)
        return clear_pending()
    dispatcher.utter_message(response=summary_response, **summary_vars(operation, language))
    # Consequences the manual warns about (eSIM confirmation, porting...), before the question.
    for note_response, note_vars in notes(operation, language) if notes else []:
        dispatcher.utter_message(response=note_response, **note_vars)
    dispatcher.utter_message(response="utter_ask_confirm_operation")
    return [SlotSet(PENDING_ID_SLOT, operation.id), SlotSet(PENDING_TYPE_SLOT, operation.type)]


# The line slot of the operation forms (``operation_forms.LINE_SLOT``).
CORRECTED_LINE_SLOT = "target_line_id"
# The forms that re-open on a correction at their summary ("ok but make it Pro Smart", "no
# wait, Pro Start", "and premium numbers too"): they rebuild the pending request and apply the
# message to it, then read the new summary back (``OperationFormValidation.pending_values``).
CORRECTION_FORMS = {
    "create_ticket": "ticket_form",
    "activate_line": "activation_form",
    "replace_sim": "sim_replacement_form",
    "change_plan": "change_plan_form",
    "change_options": "change_options_form",
    "change_barrings": "change_barrings_form",
    "setup_direct_debit": "direct_debit_form",
    "deactivate_line": "deactivate_line_form",
    "request_repair": "repair_form",
}
_TOKEN = re.compile(r"[\w+]+")
_CATALOGUE_WORDS = tuple(
    " ".join(_TOKEN.findall(fold(word)))
    for synonyms in (PLAN_SYNONYMS, OPTION_SYNONYMS, BARRING_SYNONYMS)
    for words in synonyms.values()
    for word in words
)


# A line pointed at by its user's name: "celle de Stijn", "la ligne de Lotte", "die van Hanne",
# "de lijn van Tim", "Charlotte's line", "the one for Jan" (a capitalised name right after).
_POINTS_AT_A_LINE = re.compile(
    r"\b(?:celle|celui|ligne|num[ée]ro|gsm|die|lijn|nummer|line|number|phone|one|"
    r"pour|voor|for)\s+(?:(?:de|d'|van|of|du|la|le|het|the)\s*)?[A-ZÀ-Ý][a-zà-ÿ]+"
    r"|\b[A-ZÀ-Ý][a-zà-ÿ]+['’]s\s+(?:line|number|phone|one)\b"
)


def mentions_details(tracker: Tracker) -> bool:
    """Whether a "yes"/"no" also changes something ("ok, but Pro Smart instead")."""
    message = tracker.latest_message or {}
    text = str(message.get("text") or "")
    if text.startswith("/"):
        return False  # a button: a plain answer
    if is_question(text):
        return False  # "yes, but what's the difference?" changes nothing
    if any(e.get("entity") in DETAIL_ENTITIES for e in message.get("entities") or []):
        return True
    if is_correction(text) and (names_someone(text) or names_detail_word(text)):
        return True  # "ik bedoelde Jonas, niet Tim", "so no split billing after all"
    # Words only: "les minutes internationales, elle…" names the option despite the comma.
    folded = f" {' '.join(_TOKEN.findall(fold(text)))} "
    return any(f" {word} " in folded for word in _CATALOGUE_WORDS)


def owns_a_mistake(tracker: Tracker) -> bool:
    """ "Attendez, je me suis trompé, corrigez svp" at a summary: not a yes, whatever the
    classifier made of it ("sorry, yes" and "oups, oui vas-y" still say yes)."""
    text = str((tracker.latest_message or {}).get("text") or "")
    return (
        not text.startswith("/")
        and is_correction(text)
        and not is_question(text)
        and yes_or_no(text) is not True
    )


def corrects_the_pending(tracker: Tracker) -> bool:
    """A new value for one of the waiting operation's own parameters, with a cue of a change
    ("nee wacht, geef haar toch een eSIM", "zet als contact maar Sarah, 0470 00 00 16"),
    whatever intent it was given (``answers.corrects_pending``)."""
    message = tracker.latest_message or {}
    entities = {str(e.get("entity")) for e in message.get("entities") or [] if e.get("entity")}
    pending_type = str(tracker.get_slot(PENDING_TYPE_SLOT) or "")
    return corrects_pending(str(message.get("text") or ""), entities, pending_type)


async def correction_events(
    client: BackendClient,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    pending_type: Any,
) -> list[EventType]:
    """Re-open the pending operation's form for a correction; where no form can take one, say
    that nothing was done and how to change it (never execute or drop it silently).

    The form's validator reads the correction and takes the pending request over
    (``OperationFormValidation.run``). The pending operation's line is set before the form
    starts as well: where that take-over cannot happen (the operation expired or the backend
    failed meanwhile), the form still knows the line and asks only what the correction left.
    """
    if form := CORRECTION_FORMS.get(str(pending_type)):
        pending_id = str(tracker.get_slot(PENDING_ID_SLOT) or "")
        prefilled: list[EventType] = []
        if pending_id and not is_local_pending(pending_id) and (identity := chat_identity(tracker)):
            try:
                operation = await client.get_operation(identity, pending_id)
                if operation.line_id is not None:
                    prefilled.append(SlotSet(CORRECTED_LINE_SLOT, str(operation.line_id)))
            except BackendError as exc:
                logger.info("Reading %s for a correction failed: %r", pending_id, exc)
        return [*prefilled, FollowupAction(form)]
    dispatcher.utter_message(response="utter_correction_restart")
    dispatcher.utter_message(response="utter_ask_confirm_operation")
    return []


# A pending id ``start:<form>``: the bot asked whether a destructive request was meant; "yes"
# starts that form (with the line named at first), "no" forgets it.
START_PREFIX = "start:"
# Below this NLU confidence a request that opens a destructive form is asked back first.
DESTRUCTIVE_MIN_CONFIDENCE = 0.8


def is_confident_request(tracker: Tracker) -> bool:
    """A button, or a typed request the classifier is sure of."""
    message = tracker.latest_message or {}
    if str(message.get("text") or "").startswith("/"):
        return True
    confidence = (message.get("intent") or {}).get("confidence") or 0.0
    return float(confidence) >= DESTRUCTIVE_MIN_CONFIDENCE


# Below this NLU confidence a typed "yes" is not trusted to execute a costly change.
CONFIRM_MIN_CONFIDENCE = 0.6


def is_clear_yes(tracker: Tracker) -> bool:
    """A button press (``/affirm``) or a confidently recognised typed "yes"."""
    message = tracker.latest_message or {}
    if str(message.get("text") or "").startswith("/"):
        return True
    if yes_or_no(str(message.get("text") or "")) is True:
        return True  # "oui merci", "jep": the words are clear even when the classifier is not
    confidence = (message.get("intent") or {}).get("confidence") or 0.0
    return float(confidence) >= CONFIRM_MIN_CONFIDENCE


class ActionConfirmOperation(BackendAction):
    """On "yes": execute the pending operation of this conversation, if any."""

    def name(self) -> str:
        return "action_confirm_operation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        pending_id = tracker.get_slot(PENDING_ID_SLOT)
        pending_type = tracker.get_slot(PENDING_TYPE_SLOT)
        identity = chat_identity(tracker)
        if not pending_id or not isinstance(pending_id, str) or identity is None:
            dispatcher.utter_message(response="utter_nothing_to_confirm")
            return clear_pending()
        change = _QUANTITY_CHANGES.get(pending_id) or _QUANTITY_CHANGES.get(str(pending_type))
        if change is not None and (
            (changed := await change(self.backend, dispatcher, tracker, pending_id)) is not None
        ):
            return changed
        corrected = mentions_details(tracker) or corrects_the_pending(tracker)
        if (
            corrected
            and not is_local_pending(pending_id)
            and not pending_id.startswith(START_PREFIX)
        ):
            corrected = not await self._repeats_the_plan(identity, pending_id, tracker)
        if calls_off(latest_text(tracker)) and not corrected:
            # "Don't deactivate it then", "ne la désactivez pas": never a yes nor a start,
            # whatever sent it here; at worst it cancels (with a new detail it corrects, below).
            return list(await ActionCancelOperation(self.backend).run(dispatcher, tracker, domain))
        if pending_id.startswith(START_PREFIX):
            # "Do you really want to deactivate a line?" — yes: the form starts now.
            return [*clear_pending(), FollowupAction(pending_id.removeprefix(START_PREFIX))]
        if not corrected and not is_local_pending(pending_id):
            corrected = await self._points_at_another_line(identity, pending_id, tracker)
        if corrected or owns_a_mistake(tracker):
            # "ok, make it Smart instead": what runs must be what the user saw last.
            return await correction_events(self.backend, dispatcher, tracker, pending_type)
        if not is_clear_yes(tracker):
            # Executing needs an unmistakable "yes": a guess (gibberish read as affirm at 0.5)
            # asks again and keeps the pending operation.
            dispatcher.utter_message(response="utter_ask_confirm_operation")
            return []
        language = conversation_language(tracker)
        try:
            if (local := _local_confirm(pending_id)) is not None:
                if (then := await local(self.backend, dispatcher, tracker, pending_id)) is not None:
                    return [*clear_pending(), *form_slot_resets(domain), *then]
            else:
                operation = await self._confirm(identity, pending_id)
                self._utter_done(dispatcher, operation, language)
                if (followup := _DONE_FOLLOWUPS.get(operation.type)) is not None and (
                    offered := await followup(self.backend, dispatcher, tracker, operation)
                ) is not None:
                    return [*clear_pending(), *form_slot_resets(domain), *offered]
        except NotFoundError:
            # Not this caller's operation (or a forged id): nothing happened.
            dispatcher.utter_message(response="utter_nothing_to_confirm")
        except BackendError as exc:
            logger.info("Confirming %s failed: %r", pending_type, exc)
            utter_backend_error(dispatcher, exc)
            if isinstance(exc, BackendUnavailableError):
                # Keep the id: "yes" again retries with the same Idempotency-Key.
                dispatcher.utter_message(response="utter_confirm_retry_hint")
                return []
        return [*clear_pending(), *form_slot_resets(domain)]

    async def _repeats_the_plan(
        self, identity: ChatIdentity, pending_id: str, tracker: Tracker
    ) -> bool:
        """ "oui, Pro Start" / "ja, Unlimited, ok" / "ok yes, Pro Smart, confirmed" at the summary
        that shows that very plan: a yes that says what it confirms, not a change (read as one,
        the same summary came back after every yes)."""
        message = tracker.latest_message or {}
        text = latest_text(tracker)
        if yes_or_no(text) is not True or is_correction(text) or is_question(text):
            return False
        entities = {str(e.get("entity")) for e in message.get("entities") or []}
        named = {code for code, _ in find_codes(text, [], PLAN_SYNONYMS)}
        if not named or entities - {"plan"}:
            return False
        try:
            operation = await self.backend.get_operation(identity, pending_id)
        except BackendError as exc:
            logger.info("Reading %s failed: %r", pending_id, exc)
            return False
        shown = operation.summary.get("new_plan") or operation.summary.get("plan")
        return isinstance(shown, dict) and named == {shown.get("code")}

    async def _points_at_another_line(
        self, identity: ChatIdentity, pending_id: str, tracker: Tracker
    ) -> bool:
        """ "oui, celle de Stijn" / "ja, die van Hanne" at the summary of Dries's line: a yes
        to another line than the one shown, so no yes to this summary (the form re-opens for
        the line named). Read only when the message points at somebody's line."""
        text = latest_text(tracker)
        if not _POINTS_AT_A_LINE.search(text):
            return False
        try:
            operation = await self.backend.get_operation(identity, pending_id)
            if operation.line_id is None:
                return False
            matches, _ = match_lines_in_text(text, await self.backend.find_lines(identity))
        except BackendError as exc:
            logger.info("Reading the line named at %s failed: %r", pending_id, exc)
            return False
        return bool(matches) and all(line.id != operation.line_id for line in matches)

    async def _confirm(self, identity: Any, operation_id: str) -> Operation:
        # The client re-sends a confirm that got no answer with this same key (the backend
        # replays it if the first one went through); "yes" again later uses it too.
        return await self.backend.confirm_operation(
            identity, operation_id, idempotency_key=f"confirm:{operation_id}"
        )

    def _utter_done(
        self, dispatcher: CollectingDispatcher, operation: Operation, language: str
    ) -> None:
        variables: dict[str, Any] = {
            "msisdn": format_national(operation.msisdn) if operation.msisdn else "—"
        }
        extra = _DONE_VARS.get(operation.type)
        if extra is not None:
            variables.update(extra(operation, language))
        # A done-vars function may pick a variant ("response"), e.g. eSIM vs physical SIM.
        default = f"{RESPONSE_PREFIX}_operation_done_{operation.type}"
        dispatcher.utter_message(response=str(variables.pop("response", default)), **variables)


class ActionCancelOperation(BackendAction):
    """On "no" / "stop": drop the pending operation (or the stopped form) and say so."""

    def name(self) -> str:
        return "action_cancel_operation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        pending_id = tracker.get_slot(PENDING_ID_SLOT)
        identity = chat_identity(tracker)
        pending_type = tracker.get_slot(PENDING_TYPE_SLOT)
        corrected = mentions_details(tracker) or corrects_the_pending(tracker)
        if pending_id and pending_type in CORRECTION_FORMS and corrected:
            # "no wait, Pro Start"
            return await correction_events(self.backend, dispatcher, tracker, pending_type)
        if pending_id and isinstance(pending_id, str) and pending_id.startswith(START_PREFIX):
            # "non, celle de novembre" to what was offered: a no that says what instead.
            instead = _CANCEL_FOLLOWUPS.get(pending_id)
            if identity is not None and instead is not None:
                redirected = await instead(self.backend, dispatcher, tracker, pending_id)
                if redirected is not None:
                    return [*clear_pending(), *redirected]
            dispatcher.utter_message(response="utter_start_declined")  # nothing was started
            return [*clear_pending(), *form_slot_resets(domain)]
        if pending_id and isinstance(pending_id, str) and identity is not None:
            if _local_confirm(pending_id) is None:
                try:
                    await self.backend.cancel_operation(
                        identity, pending_id, idempotency_key=f"cancel:{pending_id}"
                    )
                except BackendError as exc:
                    # It expires by itself after 15 minutes; the user's "no" is what matters.
                    logger.info("Cancelling %s failed: %r", pending_id, exc)
                followup = _CANCEL_FOLLOWUPS.get(str(pending_type))
                if followup is not None:
                    offered = await followup(self.backend, dispatcher, tracker, pending_id)
                    if offered is not None:
                        return [*clear_pending(), *form_slot_resets(domain), *offered]
            dispatcher.utter_message(response="utter_operation_cancelled")
        else:
            followup = _CANCEL_FOLLOWUPS.get(STOPPED_FORM)
            offered = None
            if followup is not None and identity is not None:
                offered = await followup(self.backend, dispatcher, tracker, "")
            if offered is not None:
                return [*clear_pending(), *form_slot_resets(domain), *offered]
            dispatcher.utter_message(response="utter_form_cancelled")
        return [*clear_pending(), *form_slot_resets(domain)]
