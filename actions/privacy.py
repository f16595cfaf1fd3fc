"""Erase my data (GDPR): the user asks, the bot reads back what goes, "yes" files the request.

Only an explicit request gets there: a message about a password ("j'ai oublié mon mot de passe",
"wachtwoord vergeten") or a request the NLU is unsure of gets "did you mean...?" buttons (erase
my data / I forgot my password) instead of the erasure question.

The confirmation rides on the shared two-step flow (``actions/operations.py``): the pending id
``erasure:<key>`` is a local confirm, so "yes" / "no" / a typed ``/affirm`` with nothing pending
behave as for every other operation. The backend erases its transcripts and handoffs at once and
queues the conversations' sender ids; their tracker events are removed by ``python -m
bot.retention`` outside of any turn (deleting them during this turn would make Rasa write them
all back at the end of it).
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.access import mentions_password
from actions.api.backend import BackendClient
from actions.common import BackendAction, chat_identity, idempotency_key, require_identity
from actions.operations import PENDING_ID_SLOT, PENDING_TYPE_SLOT, register_local_confirm

ERASURE_PREFIX = "erasure:"
ERASURE_TYPE = "erase_my_data"
# Erasing is offered only for a request the NLU is sure of (a button is always sure); below this,
# or when the message talks about a password, the bot asks "did you mean...?" instead.
ERASURE_MIN_CONFIDENCE = 0.75


def is_explicit_request(tracker: Tracker) -> bool:
    """A button (``/request_data_erasure``) or a confident request that is not about a password."""
    message = tracker.latest_message or {}
    text = str(message.get("text") or "")
    if text.startswith("/"):
        return True
    confidence = float((message.get("intent") or {}).get("confidence") or 0.0)
    return confidence >= ERASURE_MIN_CONFIDENCE and not mentions_password(text)


class ActionAskDataErasure(BackendAction):
    """Say what an erasure removes (and what it keeps) and ask for a clear yes."""

    def name(self) -> str:
        return "action_ask_data_erasure"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if chat_identity(tracker) is None:
            dispatcher.utter_message(response="utter_login_required")
            return []
        if not is_explicit_request(tracker):
            # "I forgot my password" must never be read as "forget me": ask what was meant.
            dispatcher.utter_message(response="utter_erasure_or_password")
            return []
        dispatcher.utter_message(response="utter_ask_confirm_erasure")
        # The key is fixed here, so "yes" said twice (or retried) files one request.
        key = idempotency_key(tracker, ERASURE_TYPE)
        return [
            SlotSet(PENDING_ID_SLOT, f"{ERASURE_PREFIX}{key}"),
            SlotSet(PENDING_TYPE_SLOT, ERASURE_TYPE),
        ]


@register_local_confirm(ERASURE_PREFIX)
async def file_erasure_request(
    client: BackendClient, dispatcher: CollectingDispatcher, tracker: Tracker, pending_id: str
) -> None:
    """On "yes": the backend erases this person's conversations (backend errors: the caller's)."""
    await client.request_erasure(
        require_identity(tracker), idempotency_key=pending_id.removeprefix(ERASURE_PREFIX)
    )
    dispatcher.utter_message(response="utter_erasure_requested")
