""" "Show my lines": the fleet for a fleet manager, the own line for an end user."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api.backend import BackendError, IdentityUnknownError, Line
from actions.common import BackendAction, conversation_language, require_identity
from actions.labels import line_status
from actions.phone import format_national

# A chat bubble stays readable up to about ten rows; beyond that ask for a specific number.
MAX_LISTED_LINES = 10
_SEPARATOR = " · "


def line_row(line: Line, language: str) -> str:
    """One data row: number, user, plan, status (data joined, no sentence)."""
    parts = [
        format_national(line.msisdn),
        line.user_name or line.label or "—",
        line.plan.name if line.plan else "—",
        line_status(line.status, language),
    ]
    return "• " + _SEPARATOR.join(parts)


class ActionShowLines(BackendAction):
    """Lists the lines the backend lets this caller see."""

    def name(self) -> str:
        return "action_show_lines"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = conversation_language(tracker)
        try:
            identity = require_identity(tracker)
            me = await self.backend.get_me(identity)
            lines = await self.backend.find_lines(identity)
        except IdentityUnknownError:
            dispatcher.utter_message(response="utter_login_required")
            return []
        except BackendError:  # down, or a 403/404 on a list route: nothing the user can fix
            dispatcher.utter_message(response="utter_backend_unavailable")
            return []

        if me.active_role != "fleet_manager":
            own = next((line for line in lines if line.id == me.line_id), None) or (
                lines[0] if lines else None
            )
            if own is None:
                dispatcher.utter_message(response="utter_no_own_line")
                return []
            dispatcher.utter_message(
                response="utter_own_line",
                msisdn=format_national(own.msisdn),
                plan=own.plan.name if own.plan else "—",
                status=line_status(own.status, language),
            )
            return []

        if not lines:
            dispatcher.utter_message(response="utter_no_lines")
            return []
        rows = "\n".join(line_row(line, language) for line in lines[:MAX_LISTED_LINES])
        dispatcher.utter_message(response="utter_fleet_lines", count=len(lines), lines=rows)
        if len(lines) > MAX_LISTED_LINES:
            dispatcher.utter_message(
                response="utter_fleet_lines_more", remaining=len(lines) - MAX_LISTED_LINES
            )
        return []
