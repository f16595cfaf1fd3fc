"""Fallback: ask to rephrase and offer the likely intents as buttons (first stage)."""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.access import mentions_password
from actions.common import conversation_language
from actions.labels import intent_title

MAX_SUGGESTIONS = 3
# Below this an intent is noise, not a suggestion worth a button.
MIN_SUGGESTION_CONFIDENCE = 0.08
_NOT_SUGGESTED = {"nlu_fallback", "out_of_scope"}


# A message about a password: "forgot my password" comes first and a role switch is never
# suggested for it (nor is erasure, which has no button title at all).
RESET_INTENT = "ask_password_reset"
_NOT_FOR_PASSWORDS = {"switch_role", "request_data_erasure"}


def suggestion_buttons(
    ranking: list[dict[str, Any]],
    entities: list[dict[str, Any]],
    language: str,
    *,
    text: str = "",
) -> list[dict[str, str]]:
    """Buttons for the likeliest intents, carrying the entities already understood."""
    if mentions_password(text):
        others = [c for c in ranking if c.get("name") not in _NOT_FOR_PASSWORDS | {RESET_INTENT}]
        ranking = [{"name": RESET_INTENT, "confidence": 1.0}, *others]
    entity_payload = {
        str(entity["entity"]): entity.get("value")
        for entity in entities
        if entity.get("entity") and entity.get("value") is not None
    }
    payload_suffix = json.dumps(entity_payload, ensure_ascii=False) if entity_payload else ""
    buttons: list[dict[str, str]] = []
    for candidate in ranking:
        name = candidate.get("name")
        if not isinstance(name, str) or name in _NOT_SUGGESTED:
            continue
        if float(candidate.get("confidence") or 0.0) < MIN_SUGGESTION_CONFIDENCE:
            continue
        title = intent_title(name, language)
        if title is None:
            continue
        buttons.append({"title": title, "payload": "/" + name + payload_suffix})
        if len(buttons) == MAX_SUGGESTIONS:
            break
    return buttons


class ActionSuggestIntents(Action):  # type: ignore[misc]
    """First fallback stage; a second fallback in a row is answered by a rule."""

    def name(self) -> str:
        return "action_suggest_intents"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        message = tracker.latest_message or {}
        buttons = suggestion_buttons(
            list(message.get("intent_ranking") or []),
            list(message.get("entities") or []),
            conversation_language(tracker),
            text=str(message.get("text") or ""),
        )
        if buttons:
            dispatcher.utter_message(response="utter_ask_rephrase_suggestions", buttons=buttons)
        else:
            dispatcher.utter_message(response="utter_ask_rephrase")
        return []
