"""Switching a fleet manager between the user portal and the fleet manager portal."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.access import mentions_password
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

ROLES = ("fleet_manager", "end_user")
_SWITCHED = {
    "fleet_manager": "utter_role_switched_fleet_manager",
    "end_user": "utter_role_switched_end_user",
}
_ALREADY = {
    "fleet_manager": "utter_role_already_fleet_manager",
    "end_user": "utter_role_already_end_user",
}


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
        if mentions_password(latest_text(tracker)):
            # "forgot my password" is not a role switch: offer both instead of switching.
            dispatcher.utter_message(response="utter_switch_or_password")
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
