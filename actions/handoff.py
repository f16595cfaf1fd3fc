"""Live handoff: put the conversation in the helpdesk queue, relay the user's messages to the
agent while one has it, and offer an agent (or a ticket outside support hours) when the bot
failed twice in a row to understand.

While the ``handoff_active`` slot is true, ``bot/policies/handoff.py`` makes Rasa run
``action_relay_to_agent`` for every user message and nothing else, so the bot stays silent.
The backend clears the slot through Rasa's HTTP API when the agent hands back or closes; if that
call was lost, the relay action learns it from the backend's 409 and clears it itself.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api.backend import (
    BackendError,
    ConflictError,
    IdentityUnknownError,
    NotFoundError,
)
from actions.common import (
    BackendAction,
    conversation_language,
    latest_intent,
    latest_text,
    require_identity,
)

logger = logging.getLogger(__name__)

HANDOFF_SLOT = "handoff_active"
# How much of the conversation the agent gets to read first.
TRANSCRIPT_LIMIT = 50
# Bookkeeping slots and anything that could be a credential never reach the agent console.
_NOT_COLLECTED = frozenset(
    {
        HANDOFF_SLOT,
        "requested_slot",
        "language_source",
        "session_started_metadata",
        "pending_operation_id",
        "pending_operation_type",
        "block_operation_id",
        "form_failed_attempts",
    }
)
_SECRET_MARKERS = ("password", "secret", "token", "puk")
_DAYS = {
    "fr": ("lun", "mar", "mer", "jeu", "ven", "sam", "dim"),
    "nl": ("ma", "di", "wo", "do", "vr", "za", "zo"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
_ENGLISH_DAYS = tuple(day.lower() for day in _DAYS["en"])


def transcript(tracker: Tracker) -> list[dict[str, Any]]:
    """The last user and bot texts of the conversation, oldest first."""
    entries: list[dict[str, Any]] = []
    for event in tracker.events:
        author = {"user": "user", "bot": "bot"}.get(event.get("event"))
        text = event.get("text")
        if author is None or not isinstance(text, str) or not text:
            continue
        entries.append({"author": author, "text": text, "timestamp": event.get("timestamp")})
    return entries[-TRANSCRIPT_LIMIT:]


def collected_slots(tracker: Tracker) -> dict[str, Any]:
    """Slots the bot filled, for the agent: no empty values, no bookkeeping, no secrets."""
    collected: dict[str, Any] = {}
    for name, value in sorted(tracker.slots.items()):
        if value in (None, "", [], {}) or name in _NOT_COLLECTED:
            continue
        if any(marker in name for marker in _SECRET_MARKERS):
            continue
        collected[name] = value
    return collected


def conversation_ref(tracker: Tracker) -> dict[str, Any] | None:
    """Where Slack/Teams replies go, as the channel put it in the message metadata."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    ref = metadata.get("conversation_ref") if isinstance(metadata, dict) else None
    return ref if isinstance(ref, dict) else None


def handoff_reason(tracker: Tracker) -> str:
    """Why the conversation goes to the helpdesk: asked, after fallbacks, or from a form."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        if event.get("event") == "action" and event.get("name") == "action_deactivate_loop":
            return "support_flow"
    previous_bot_action = None
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                break
            seen_user = True
        elif seen_user and event.get("event") == "action" and event.get("name") != "action_listen":
            previous_bot_action = event.get("name")
            break
    return "fallback" if previous_bot_action == "action_offer_handoff" else "user_request"


def display_hours(hours: str, language: str) -> str:
    """``Mon-Fri 08:00-18:00 Europe/Brussels`` with the day names of ``language``.

    Belgian time is implied; any other zone is kept so the hours are never misread.
    """
    parts = hours.split()
    if len(parts) != 3:
        return hours
    days, window, zone = parts
    names = _DAYS.get(language, _DAYS["en"])
    translated = "-".join(
        names[_ENGLISH_DAYS.index(day.lower())] if day.lower() in _ENGLISH_DAYS else day
        for day in days.split("-")
    )
    shown = f"{translated} {window}"
    return shown if zone == "Europe/Brussels" else f"{shown} ({zone})"


class ActionRequestHandoff(BackendAction):
    """Queue the conversation for an agent, or offer a ticket outside support hours."""

    def name(self) -> str:
        return "action_request_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = conversation_language(tracker)
        try:
            identity = require_identity(tracker)
            await self.backend.create_handoff(
                identity,
                language=language,
                reason=handoff_reason(tracker),
                transcript=transcript(tracker),
                collected=collected_slots(tracker),
                conversation_ref=conversation_ref(tracker),
            )
        except IdentityUnknownError:
            dispatcher.utter_message(response="utter_handoff_login_first")
            return []
        except ConflictError as exc:
            if exc.code == "outside_support_hours":
                hours = display_hours(str(exc.details.get("support_hours") or ""), language)
                dispatcher.utter_message(response="utter_handoff_outside_hours", hours=hours)
            else:
                dispatcher.utter_message(response="utter_handoff_unavailable")
            return []
        except BackendError:
            dispatcher.utter_message(response="utter_handoff_unavailable")
            return []
        dispatcher.utter_message(response="utter_handoff_connecting")
        return [SlotSet(HANDOFF_SLOT, True)]


class ActionRelayToAgent(BackendAction):
    """Pass the user's message to the agent and say nothing (the agent answers)."""

    def name(self) -> str:
        return "action_relay_to_agent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = latest_text(tracker).strip()
        if not text:
            return []
        if latest_intent(tracker) == "stop":
            cancelled = await self._cancel_waiting(dispatcher, tracker)
            if cancelled is not None:
                return cancelled
        try:
            await self.backend.relay_to_agent(require_identity(tracker), text)
        except (ConflictError, NotFoundError, IdentityUnknownError):
            # The agent handed back or closed and the bot was not told: answer again from now.
            dispatcher.utter_message(response="utter_handoff_ended")
            return [SlotSet(HANDOFF_SLOT, False)]
        except BackendError:
            dispatcher.utter_message(response="utter_handoff_relay_failed")
        return []

    async def _cancel_waiting(
        self, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType] | None:
        """ "Stop" while still in the queue leaves it; with an agent it is relayed (None)."""
        try:
            await self.backend.cancel_handoff(require_identity(tracker))
        except ConflictError as exc:
            if exc.code == "handoff_active":
                return None
            dispatcher.utter_message(response="utter_handoff_ended")
            return [SlotSet(HANDOFF_SLOT, False)]
        except (NotFoundError, IdentityUnknownError):
            dispatcher.utter_message(response="utter_handoff_ended")
            return [SlotSet(HANDOFF_SLOT, False)]
        except BackendError:
            return None  # the relay below says the message could not be passed on
        dispatcher.utter_message(response="utter_handoff_cancelled")
        return [SlotSet(HANDOFF_SLOT, False)]


class ActionOfferHandoff(BackendAction):
    """Second misunderstanding in a row: offer an agent, or a ticket when the helpdesk is closed."""

    def name(self) -> str:
        return "action_offer_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = conversation_language(tracker)
        try:
            availability = await self.backend.handoff_availability(require_identity(tracker))
        except BackendError:
            dispatcher.utter_message(response="utter_fallback_give_up")
            return []
        if availability.open:
            dispatcher.utter_message(response="utter_offer_agent")
        else:
            hours = display_hours(availability.support_hours, language)
            dispatcher.utter_message(response="utter_fallback_give_up_ticket", hours=hours)
        return []
