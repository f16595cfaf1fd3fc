"""Linking a Slack or Teams user to a portal account with a single-use code (design.md §4).

The portal's "Link Slack / Teams" button shows an 8-character code; the user sends it to the
bot ("link ABCD2345"). The workspace/tenant and user ids come from the Rasa sender id, which
the verified channel sets (``"{team_id}:{user_id}"`` on Slack, ``"{tenant_id}:{aad_object_id}"``
on Teams) — never from slots or message metadata a client could write.
"""

from __future__ import annotations

import re

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api.backend import BackendError
from actions.common import BackendAction, chat_identity, entity_values, latest_text
from actions.formatting import SUPPORTED_LANGUAGES
from actions.session import profile_slots

# Rasa input channel -> the backend's platform name.
PLATFORMS = {"slack": "slack", "botframework": "teams"}
# The backend's code alphabet: no 0/O/1/I/L (read on one screen, typed into another).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
_CODE_TOKEN = re.compile(rf"(?<![\w-])[{CODE_ALPHABET}]{{{CODE_LENGTH}}}(?![\w-])", re.IGNORECASE)


def find_code(tracker: Tracker) -> str | None:
    """The link code of the latest message: the NLU entity, else an 8-character token.

    The entity regex only takes codes with a digit or in capitals (so that ordinary words are
    not tagged everywhere); the text search covers an all-letter code typed in lower case.
    """
    for value in entity_values(tracker, "link_code"):
        if _CODE_TOKEN.fullmatch(value.strip()):
            return value.strip().upper()
    candidates = _CODE_TOKEN.findall(latest_text(tracker))
    with_digit = [token for token in candidates if any(ch.isdigit() for ch in token)]
    chosen = (with_digit or candidates)[-1:]
    return chosen[0].upper() if chosen else None


def split_sender(sender_id: str) -> tuple[str, str] | None:
    """(workspace or tenant id, user id) of a platform sender id ``"<workspace>:<user>"``."""
    workspace_id, sep, user_id = sender_id.partition(":")
    return (workspace_id, user_id) if sep and workspace_id and user_id else None


class ActionLinkAccount(BackendAction):
    """Consumes a portal link code for this Slack/Teams user, then greets them by name."""

    def name(self) -> str:
        return "action_link_account"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        identity = chat_identity(tracker)
        platform = PLATFORMS.get(identity.channel) if identity else None
        ids = split_sender(identity.sender_id) if identity else None
        if identity is None or platform is None or ids is None:
            # The web widget is already bound to the logged-in account: nothing to link.
            dispatcher.utter_message(response="utter_link_not_here")
            return []
        code = find_code(tracker)
        if code is None:
            dispatcher.utter_message(response="utter_link_code_missing")
            return []
        workspace_id, user_id = ids
        try:
            await self.backend.link_platform_account(
                identity, platform=platform, workspace_id=workspace_id, user_id=user_id, code=code
            )
        except BackendError as exc:
            if exc.code == "link_code_invalid":
                dispatcher.utter_message(response="utter_link_code_invalid")
            else:
                dispatcher.utter_message(response="utter_backend_unavailable")
            return []
        try:
            me = await self.backend.get_me(identity)
        except BackendError:
            dispatcher.utter_message(response="utter_link_done_generic")
            return []
        company = me.company.name if me.company else ""
        dispatcher.utter_message(
            response="utter_link_done", first_name=me.first_name, company=company
        )
        events: list[EventType] = profile_slots(me)
        if tracker.get_slot("language_source") != "explicit" and me.language in SUPPORTED_LANGUAGES:
            # From now on the account's language, as at the start of a session (session.py).
            events.extend([SlotSet("language", me.language), SlotSet("language_source", "account")])
        return events
