"""Session start: caches who the user is (for display only) and the account's language."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api.backend import BackendError, IdentityUnknownError, Me
from actions.common import BackendAction, chat_identity
from actions.formatting import SUPPORTED_LANGUAGES

logger = logging.getLogger(__name__)

# An explicit language choice survives the end of a session; everything else is re-read.
_CARRIED_OVER = ("language", "language_source")


def profile_slots(me: Me | None) -> list[dict[str, Any]]:
    """Display-only cache of the account; authorization never reads these slots."""
    return [
        SlotSet("first_name", me.first_name if me else None),
        SlotSet("company_name", me.company.name if me and me.company else None),
        SlotSet("active_role", me.active_role if me else None),
    ]


class ActionSessionStart(BackendAction):
    """Starts a session and, when the channel identity is known, loads the profile."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events: list[EventType] = [SessionStarted()]
        carried = {slot: tracker.get_slot(slot) for slot in _CARRIED_OVER}
        explicit_choice = carried["language_source"] == "explicit"
        if explicit_choice:
            events.extend(SlotSet(slot, value) for slot, value in carried.items())

        identity = chat_identity(tracker)
        # Before the very first message Rasa has no input channel yet: nothing to look up,
        # action_detect_language will consult the account once the message is in.
        if identity is not None:
            try:
                me = await self.backend.get_me(identity)
            except IdentityUnknownError:
                me = None
            except BackendError:
                logger.info("Profile unavailable at session start for %s", tracker.sender_id)
                me = None
            if me is not None:
                events.extend(profile_slots(me))
                if not explicit_choice and me.language in SUPPORTED_LANGUAGES:
                    events.extend(
                        [SlotSet("language", me.language), SlotSet("language_source", "account")]
                    )

        events.append(ActionExecuted("action_listen"))
        return events
