""" "Show my lines": the fleet for a fleet manager, the own line for an end user."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api.backend import BackendError, CatalogItem, IdentityUnknownError, Line
from actions.catalog_text import OPTION_SYNONYMS, PLAN_SYNONYMS, find_code, find_codes
from actions.common import BackendAction, conversation_language, latest_text, require_identity
from actions.labels import line_status
from actions.phone import format_national

# One compact row per line: a whole fleet of a few dozen lines stays one readable bubble.
MAX_LISTED_LINES = 30
_SEPARATOR = " · "
_ESIM = re.compile(r"\be-?sim", re.IGNORECASE)


def filtered_lines(lines: list[Line], text: str, plans: Sequence[CatalogItem]) -> list[Line]:
    """The lines the question narrows to: "on Pro Smart", "eSIM lines", "with roaming"."""
    if text.startswith("/"):
        return lines
    plan = find_code(text, plans, PLAN_SYNONYMS)
    if plan is not None:
        lines = [line for line in lines if line.plan is not None and line.plan.code == plan]
    if _ESIM.search(text):
        lines = [line for line in lines if line.sim_type == "esim"]
    options = {code for code, _ in find_codes(text, [], OPTION_SYNONYMS)}
    if options:
        lines = [line for line in lines if options & {option.code for option in line.options}]
    return lines


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
        # Without the catalogue the whole fleet is still the answer.
        with contextlib.suppress(BackendError):
            plans = await self.backend.list_plans(identity)
            lines = filtered_lines(lines, latest_text(tracker), plans)
        if not lines:
            dispatcher.utter_message(response="utter_no_lines_match")
            return []
        rows = "\n".join(line_row(line, language) for line in lines[:MAX_LISTED_LINES])
        dispatcher.utter_message(response="utter_fleet_lines", count=len(lines), lines=rows)
        if len(lines) > MAX_LISTED_LINES:
            dispatcher.utter_message(
                response="utter_fleet_lines_more", remaining=len(lines) - MAX_LISTED_LINES
            )
        return []
