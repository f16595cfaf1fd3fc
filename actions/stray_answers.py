"""An answer given when no question waits: a device or a line picked, or a bare value.

``inform`` is one intent for every short answer — a value, a line picked ("die van Jan", a line
button), a device picked ("the second one", "de Samsung", a device button): alone, people's
words cannot tell them apart ("the first one" picks a line or a device), only the question
can. Inside a form the requested slot reads it; right after a device list a rule starts the
item form. Anywhere else this action reads the conversation: a device of the list shown
earlier or of the shop named, or a place to deliver to, starts the item form; a line of the
fleet asks what to do for it; anything else asks to rephrase.
"""

from __future__ import annotations

import logging

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api.backend import BackendError, BackendUnavailableError
from actions.common import BackendAction, chat_identity, entity_values, latest_text
from actions.line_resolution import resolve_line
from actions.operations import utter_backend_error
from actions.shop import (
    DEVICE_SLOT,
    names_a_device,
    opening_delivery,
    shown_by_name,
    shown_device,
)

logger = logging.getLogger(__name__)


class ActionReadStrayAnswer(BackendAction):
    """Route an ``inform`` outside any form: the item form, "what for that line?" or rephrase."""

    def name(self) -> str:
        return "action_read_stray_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = latest_text(tracker)
        if (
            entity_values(tracker, DEVICE_SLOT)
            or shown_device(tracker, text)
            or shown_by_name(tracker, text)
            # "il me faut un ifone 16 pro …, livré chez moi": where to deliver, so an order
            or opening_delivery(text, None)
        ):
            return [FollowupAction("shop_item_form")]
        identity = chat_identity(tracker)
        if identity is not None:
            try:
                # "trois Galaxy A56 gris graphite, livraison au siège": a device of the shop
                # named (before its line: "un iPhone pour ma ligne 0470…" is an order).
                if names_a_device(text, await self.backend.search_devices(identity, q="")):
                    return [FollowupAction("shop_item_form")]
                resolution = await resolve_line(self.backend, identity, tracker)
            except BackendUnavailableError as exc:
                utter_backend_error(dispatcher, exc)
                return []
            except BackendError as exc:
                # Not logged in, or no right to the fleet: it names no line of theirs.
                logger.info("Resolving a stray answer's line failed: %r", exc)
            else:
                if resolution.line is not None:
                    dispatcher.utter_message(response="utter_choose_line_without_operation")
                    return []
        dispatcher.utter_message(response="utter_ask_rephrase")
        return []
