""" "What can you do?": the answer depends on the role the backend reports."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api.backend import BackendUnavailableError, IdentityUnknownError
from actions.common import BackendAction, require_identity


class ActionShowCapabilities(BackendAction):
    """Lists what the user can ask, for a fleet manager, an end user or an anonymous visitor."""

    def name(self) -> str:
        return "action_show_capabilities"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            identity = require_identity(tracker)
            me = await self.backend.get_me(identity)
        except IdentityUnknownError:
            dispatcher.utter_message(response="utter_capabilities_anonymous")
            return []
        except BackendUnavailableError:
            dispatcher.utter_message(response="utter_capabilities_generic")
            return []

        if me.active_role == "fleet_manager":
            dispatcher.utter_message(response="utter_capabilities_fleet_manager")
        else:
            dispatcher.utter_message(response="utter_capabilities_end_user")
            if me.can_switch_role:
                dispatcher.utter_message(response="utter_capabilities_switch_hint")
        return []
