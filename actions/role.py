"""Switching a fleet manager between the user portal and the fleet manager portal."""

from __future__ import annotations

import re

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.access import mentions_password
from actions.answers import is_question
from actions.api.backend import (
    BackendError,
    ForbiddenError,
    IdentityUnknownError,
)
from actions.common import (
    BackendAction,
    entity_values,
    idempotency_key,
    latest_text,
    require_identity,
)
from validation import fold

ROLES = ("fleet_manager", "end_user")
_SWITCHED = {
    "fleet_manager": "utter_role_switched_fleet_manager",
    "end_user": "utter_role_switched_end_user",
}
_ALREADY = {
    "fleet_manager": "utter_role_already_fleet_manager",
    "end_user": "utter_role_already_end_user",
}


# An explicit request to be moved ("can you switch me there", "mets-moi en vue employé", "zet me
# op het gebruikersportaal", "kun je me naar de werknemersweergave zetten"), on folded text.
_SWITCH_ME = (
    r"(?:(?:switch|put|move|take|bring|set)\s+me|(?:mets|mettez|remets|remettez|passe|passez"
    r"|repasse|repassez|bascule|basculez)[- ]moi|me\s+(?:mettre|remettre|passer|repasser"
    r"|basculer)|(?:zet|breng|schakel|wissel|switch)\s+(?:me|mij)|(?:me|mij)(?:\s+\w+){0,4}"
    r"\s+(?:zetten|overschakelen|omschakelen|switchen))"
)
_EXPLICIT_SWITCH = re.compile(rf"\b{_SWITCH_ME}\b")
# A switching word near a word for a portal, a view or a role: "switch me to the employee view",
# "passer au portail utilisateur", "schakel over naar het gebruikersportaal". Not "zet"/"mets"
# alone: "mettez la recharge sur la ligne de l'utilisateur" moves no one.
_SWITCH_WORD = (
    rf"(?:{_SWITCH_ME}|switch\w*|swap|toggle|bascul\w*|wissel\w*|(?:over|om)?schakel\w*"
    r"|(?:re)?pass(?:er|e|ez)\s+(?:au|aux|en|sur|dans|vers|a))"
)
_PORTAL_WORD = (
    r"(?:\w*portal|portail\w*|\w*portaal|view|vue|\w*weergave|mode|modus|roles?|rol"
    r"|employees?|employe\w*|werknemer\w*|users?|utilisateur\w*|\w*gebruiker\w*"
    r"|fleet\s*managers?|fleetmanager\w*|gestionnaire|vlootbeheerder)"
)
_PORTAL = re.compile(rf"\b{_PORTAL_WORD}\b")
_SWITCH_TO_PORTAL = re.compile(
    rf"\b{_SWITCH_WORD}\b(?:\W+\w+){{0,5}}?\W+{_PORTAL_WORD}\b"
    rf"|\b{_PORTAL_WORD}\b(?:\W+\w+){{0,3}}?\W+{_SWITCH_WORD}\b"
)


def asks_to_be_switched(text: str) -> bool:
    """Whether a message asks in so many words to be switched ("can you switch me there"),
    whatever else it asks ("how do I get to the user portal?")."""
    return not mentions_password(text) and bool(_EXPLICIT_SWITCH.search(fold(text)))


def asks_for_a_portal(text: str) -> bool:
    """Whether a message (a greeting, say) asks to go to a portal, view or role: "Hallo!
    Switch me to the employee view pls", "bonjour, passer au portail utilisateur svp"."""
    folded = fold(text)
    if mentions_password(text):
        return False
    # "kun je me naar de werknemersweergave zetten": the portal inside the request itself
    inside = (_PORTAL.search(match.group()) for match in _EXPLICIT_SWITCH.finditer(folded))
    return bool(_SWITCH_TO_PORTAL.search(folded)) or any(inside)


def requested_role(values: list[str]) -> str | None:
    """The target role among the extracted ``portal_role`` entities (synonyms already mapped)."""
    for value in values:
        if value in ROLES:
            return value
    return None


class ActionSwitchRole(BackendAction):
    """``PUT /me/active-role``; the backend refuses (403) anyone who may not switch."""

    def name(self) -> str:
        return "action_switch_role"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = latest_text(tracker)
        if mentions_password(text):
            # "forgot my password" is not a role switch: offer both instead of switching.
            dispatcher.utter_message(response="utter_switch_or_password")
            return []
        asked = is_question(text) or text.rstrip().endswith("?")
        if (
            asked
            and not asks_to_be_switched(text)
            and not asks_for_a_portal(text)
            and not entity_values(tracker, "portal_role")
        ):
            # "ziet zij dan zelf haar deel van de factuur, of zie ik alles?" asks who sees what;
            # switching the asker's portal (at a summary, too) answers nothing.
            dispatcher.utter_message(response="utter_faq_role_switch")
            return []
        try:
            identity = require_identity(tracker)
            me = await self.backend.get_me(identity)
            # "switch role" without a target means the other portal.
            target = requested_role(entity_values(tracker, "portal_role")) or (
                "end_user" if me.active_role == "fleet_manager" else "fleet_manager"
            )
            if target == me.active_role:
                dispatcher.utter_message(response=_ALREADY[target])
                return [SlotSet("active_role", me.active_role)]
            me = await self.backend.set_active_role(
                identity, target, idempotency_key=idempotency_key(tracker, f"active-role:{target}")
            )
        except IdentityUnknownError:
            dispatcher.utter_message(response="utter_login_required")
            return []
        except ForbiddenError:
            dispatcher.utter_message(response="utter_role_switch_forbidden")
            return []
        except BackendError:
            dispatcher.utter_message(response="utter_backend_unavailable")
            return []

        dispatcher.utter_message(response=_SWITCHED.get(me.active_role, _SWITCHED[target]))
        return [SlotSet("active_role", me.active_role)]
