"""Greeting that knows who is talking (first name, role, company); a greeting that also asks
for the other portal ("Hallo! Switch me to the employee view pls") is that switch."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import is_question
from actions.api.backend import BackendUnavailableError, IdentityUnknownError
from actions.common import BackendAction, latest_text, require_identity
from actions.role import ActionSwitchRole, asks_for_a_portal, asks_to_be_switched
from actions.session import profile_slots


class ActionGreet(BackendAction):
    """Greets by name with the active role, or invites an anonymous visitor to log in."""

    def name(self) -> str:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = latest_text(tracker)
        if asks_for_a_portal(text) and (not is_question(text) or asks_to_be_switched(text)):
            # "Hallo! Switch me to the employee view pls": the switch is what is asked, the
            # greeting only its politeness (a "how do I switch?" gets the greeting).
            return list(await ActionSwitchRole(self.backend).run(dispatcher, tracker, domain))
        try:
            identity = require_identity(tracker)
            me = await self.backend.get_me(identity)
        except IdentityUnknownError:
            dispatcher.utter_message(response="utter_greet_anonymous")
            return profile_slots(None)
        except BackendUnavailableError:
            dispatcher.utter_message(response="utter_greet_generic")
            return []

        company = me.company.name if me.company else ""
        if me.active_role == "fleet_manager":
            response = "utter_greet_fleet_manager"
        else:
            response = "utter_greet_end_user"
        dispatcher.utter_message(response=response, first_name=me.first_name, company=company)
        return profile_slots(me)
