"""A plain yes or no to the question just asked goes to that question, whatever the intent.

At a summary waiting for confirmation, "oui, on arrête" was classified ``stop`` (and cancelled
the stop of the direct debit it meant to confirm), "yes deactivate" ``deactivate_line`` (and
started the form again), "jep" nothing at all. ``AnswerPolicy`` reads the words with the same
function as the actions (``actions.answers.yes_or_no``) and, right after such a message:

- a pending operation and no form → ``action_confirm_operation`` / ``action_cancel_operation``;
- a form asking one of its yes/no slots → the form, whose validator reads the same words;
- a pending operation and a change of mind that names a detail ("could you make it Pro
  Unlimited instead?", read as ``out_of_scope``), or a value of that operation's own parameters
  with a cue of a change ("on second thought, put her on Pro Smart" read as ``change_plan``,
  "zet als contact maar Sarah, 0470 00 00 16" read as nothing), or, at a deactivation, that the
  number is kept after all → ``action_confirm_operation``, which treats it as a correction and
  reads the new summary (or the prepaid-conversion offer) back instead of confirming.

Otherwise it abstains. Its priority is above RulePolicy's and below HandoffPolicy's, so an
agent's conversation stays with the agent.
"""

from __future__ import annotations

from typing import Any

from rasa.core.constants import POLICY_PRIORITY, RULE_POLICY_PRIORITY
from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME, REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from actions.answers import (
    DETAIL_ENTITIES,
    HOW_TO_INTENTS,
    YES_NO_SLOTS,
    asks_how,
    calls_off,
    corrects_pending,
    is_correction,
    is_quantity_change,
    is_question,
    names_detail_word,
    names_someone,
    yes_or_no,
)
from actions.cart_changes import order_waits, says_cart_change

PENDING_SLOT = "pending_slot"
PENDING_TYPE_SLOT = "pending_operation_type"
# Intents that start an operation of their own: asked as a question while a summary waits
# ("blijft zijn optie dan gewoon actief?" read as ``change_options``), they once dropped the
# waiting operation for a new form; the summary is finished first (``FINISH_FIRST``).
OPERATION_INTENTS = frozenset(
    {"request_data_erasure", "create_ticket", "add_ticket_comment", "request_repair",
     "search_device", "remove_cart_item", "place_order", "change_plan",
     "change_options", "change_barrings", "deactivate_line", "switch_role", "activate_line",
     "replace_sim", "unblock_sim", "resend_esim", "setup_direct_debit", "stop_direct_debit",
     "change_delivery_method", "ask_password_reset", "ask_registration_resend", "pay_invoice"}
)  # fmt: skip
FINISH_FIRST = "utter_finish_pending_first"
# A form waiting for "shall I start?" (``start:<form>``) and the intent that asks for it.
_START_INTENTS = {
    "start:order_delivery_form": "place_order",
    "start:ticket_form": "create_ticket",
}
SLOTS = "yes_no_slots"
CONFIRM_ACTION = "confirm_action"
CANCEL_ACTION = "cancel_action"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False
)
class AnswerPolicy(Policy):  # type: ignore[misc]  # rasa is untyped
    """Send a worded yes/no to the pending confirmation or to the form's yes/no question."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # Between RulePolicy (6) and HandoffPolicy (7): ties go to the higher priority.
            POLICY_PRIORITY: RULE_POLICY_PRIORITY + 0.5,
            PENDING_SLOT: "pending_operation_id",
            SLOTS: sorted(YES_NO_SLOTS),
            CONFIRM_ACTION: "action_confirm_operation",
            CANCEL_ACTION: "action_cancel_operation",
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Any | None = None,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, featurizer)
        self._pending_slot: str = config[PENDING_SLOT]
        self._yes_no_slots = frozenset(config[SLOTS])
        self._confirm: str = config[CONFIRM_ACTION]
        self._cancel: str = config[CANCEL_ACTION]

    def train(
        self,
        training_trackers: list[TrackerWithCachedStates],
        domain: Domain,
        **kwargs: Any,
    ) -> Resource:
        """Nothing to learn: the words and the slots decide."""
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """The question's own action right after a worded yes/no; else abstain."""
        action = (
            ACTION_LISTEN_NAME
            if self._ran_what_was_offered(tracker, domain)
            else self._answered_action(tracker)
        )
        probabilities = self._default_predictions(domain)
        if action is not None:
            probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities)

    def _ran_what_was_offered(self, tracker: DialogueStateTracker, domain: Domain) -> bool:
        """Whether the latest action is the one a "yes" to an offer ran as the confirm action's
        follow-up ("shall I send the open invoice's payment link?"), or a "no, the November one"
        as the cancel action's: then the turn is over, as no rule knows that action after a yes
        or a no. A form handed over goes on by its rules."""
        ran: list[str] = []
        for event in reversed(tracker.events):
            if isinstance(event, UserUttered):
                break
            if isinstance(event, ActionExecuted) and event.action_name:
                ran.append(event.action_name)
        return (
            len(ran) >= 2
            and ran[1] in (self._confirm, self._cancel)
            and ran[0] not in (self._confirm, self._cancel, ACTION_LISTEN_NAME)
            and ran[0] not in domain.form_names
        )

    def _answered_action(self, tracker: DialogueStateTracker) -> str | None:
        if tracker.latest_message is None:
            return None
        text = tracker.latest_message.text or ""
        answer = yes_or_no(text)
        entities = {e.get("entity") for e in tracker.latest_message.entities}
        # A correction naming a detail ("Pro Smart instead", "nee, zet Thomas als contact,
        # 0470 00 00 05": a "no" that goes on with a detail is no refusal) or a new quantity
        # ("make it 2").
        # "oei sorry, ik bedoelde Jonas, niet Tim": another line, named by its user.
        other_line = is_correction(text) and names_someone(text)
        correcting = (
            (is_correction(text) or answer is False)
            and not is_question(text)
            and (bool(entities & DETAIL_ENTITIES) or other_line or names_detail_word(text))
        ) or is_quantity_change(text)
        # A new value for the waiting operation's own parameter with a cue of a change ("on
        # second thought, put her on Pro Smart" read as ``change_plan``; "zet als contact maar
        # Sarah, 0470 00 00 16" read as nothing): that operation, corrected, never another one.
        pending_type = str(tracker.get_slot(PENDING_TYPE_SLOT) or "")
        named = {str(entity) for entity in entities if entity}
        correcting = correcting or corrects_pending(text, named, pending_type)
        # "make the Nokias black instead", "sans les Nokia": a change of the cart of the order
        # waiting for "yes", which the confirm action makes (actions/cart_changes.py).
        pending = tracker.get_slot(self._pending_slot)
        order = order_waits(pending, tracker.get_slot(PENDING_TYPE_SLOT))
        cart_change = order and says_cart_change(text)
        if tracker.latest_action_name == FINISH_FIRST:
            return str(ACTION_LISTEN_NAME)
        if tracker.latest_action_name in (self._confirm, self._cancel):
            # After the action this policy chose, the turn is over: left to the rules, the
            # message's own intent ("stop", "deactivate_line") would find no rule and fall back,
            # and the fallback's rewind would undo the action's events (the pending operation
            # came back and "yes" confirmed it again).
            if answer is not None or correcting:
                return str(ACTION_LISTEN_NAME)
            # The action has cleared what waited: the cart change (or call-off) is in the words.
            # A person asked for goes on with the rules' handoff.
            called_off = says_cart_change(text) or calls_off(text)
            return (
                ACTION_LISTEN_NAME if called_off and _intent(tracker) != "request_agent" else None
            )
        if tracker.latest_action_name != ACTION_LISTEN_NAME:
            return None
        form = tracker.active_loop_name
        if not form and pending and (correcting or cart_change):
            # "could you make it Pro Unlimited instead?" at a summary: the confirm action reads
            # it as a correction of the pending operation, whatever intent it was given.
            return self._confirm
        if answer is None and not form and self._asks_about_another(tracker, text, entities):
            return FINISH_FIRST
        if answer is None and not form and self._asks_again(tracker, text, entities):
            answer = True
        elif answer is None and not form and not entities & DETAIL_ENTITIES and calls_off(text):
            answer = False
        elif answer is None and not form and pending and is_correction(text):
            # "oops, wrong one" without the right detail yet: the confirm action says nothing
            # was done and how to change it; the message's own intent must not start or confirm.
            return None if is_question(text) else self._confirm
        if answer is None:
            return None
        if form:
            asked = tracker.get_slot(REQUESTED_SLOT)
            return form if asked in self._yes_no_slots else None
        if tracker.get_slot(self._pending_slot):
            return self._confirm if answer else self._cancel
        return None

    def _asks_about_another(
        self, tracker: DialogueStateTracker, text: str, entities: set[Any]
    ) -> bool:
        """A question that reads as another operation while a summary waits: the summary is
        answered first, nothing is dropped behind the user's back."""
        intent = _intent(tracker)
        # "et les appels sortants, on pourra les bloquer ensuite ? comme sur l'autre routeur"
        asked = "?" in text or is_question(text)
        if intent in HOW_TO_INTENTS and asks_how(text):
            return False  # the form answers how, and leaves the summary waiting
        return (
            bool(tracker.get_slot(self._pending_slot))
            and asked
            and intent in OPERATION_INTENTS
            and intent != tracker.get_slot(PENDING_TYPE_SLOT)
            and intent != _START_INTENTS.get(str(tracker.get_slot(self._pending_slot)))
            and not (is_correction(text) and entities & DETAIL_ENTITIES)
        )

    def _asks_again(self, tracker: DialogueStateTracker, text: str, entities: set[Any]) -> bool:
        """At a summary, asking for the very operation it shows is a yes ("in orde, plaats de
        bestelling" at the order summary once dropped the order and started a new one)."""
        pending_type = tracker.get_slot(PENDING_TYPE_SLOT)
        pending_id = str(tracker.get_slot(self._pending_slot) or "")
        intent = _intent(tracker)
        if not pending_id or intent is None or entities & DETAIL_ENTITIES or is_question(text):
            return False
        if is_correction(text) or calls_off(text):
            # "attendez, je me suis trompé… corrigez svp" changes, never confirms; "don't
            # deactivate it then", read as ``deactivate_line``, is no request for it (en-014).
            return False
        return intent == pending_type or intent == _START_INTENTS.get(pending_id)


def _intent(tracker: DialogueStateTracker) -> str | None:
    """The intent the classifier gave the latest message."""
    message = tracker.latest_message
    name = (message.intent or {}).get("name") if message is not None else None
    return name if isinstance(name, str) else None
