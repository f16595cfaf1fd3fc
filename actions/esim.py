"""Resending the eSIM e-mail (manual: "E-mail d'activation non reçu ?").

``esim_resend_form`` only needs the line (a fleet manager: any line; an end user: their own);
``action_resend_esim`` then asks the backend to mail the QR code again. The activation code
itself never passes through the bot: the backend mails it to the end user only.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api.backend import (
    BackendError,
    ChatIdentity,
    ConflictError,
    Line,
)
from actions.common import BackendAction, chat_identity, idempotency_key, require_identity
from actions.line_resolution import MAX_LINE_BUTTONS
from actions.operation_forms import LINE_SLOT, OperationFormValidation
from actions.operations import utter_backend_error
from actions.phone import format_national

logger = logging.getLogger(__name__)

FORM = "esim_resend_form"


class ValidateEsimResendForm(OperationFormValidation):
    """Which line's eSIM e-mail to resend; an end user's own line needs no question."""

    fleet_manager_only = False

    def name(self) -> str:
        return f"validate_{FORM}"

    async def extract(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        identity: ChatIdentity,
        line: Line | None,
    ) -> dict[str, Any]:
        requested = tracker.get_slot("requested_slot")
        if line is None and requested in (None, LINE_SLOT) and not tracker.get_slot(LINE_SLOT):
            me = await self.backend.get_me(identity)
            if me.active_role != "fleet_manager" and me.line_id:
                return {LINE_SLOT: str(me.line_id)}
        return {}


class ActionAskEsimResendFormTargetLineId(BackendAction):
    """Asks which line, offering the fleet's lines waiting for an eSIM confirmation as buttons.

    ``GET /activations`` lists them; a button is a ``choose_line`` hint that the form re-reads
    from the backend. Nothing waiting (or the backend unreachable): the plain question.
    """

    def name(self) -> str:
        return "action_ask_esim_resend_form_target_line_id"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if _line_buttons_shown_this_turn(tracker):
            return []  # "which one?" with buttons (ambiguous name) is the question already
        identity = chat_identity(tracker)
        pending = []
        try:
            if identity is not None:
                activations = await self.backend.list_activations(identity)
                pending = [a for a in activations if a.esim_pending]
        except BackendError as exc:
            logger.info("Listing pending eSIMs failed: %r", exc)
        if not pending:
            dispatcher.utter_message(response="utter_ask_esim_resend_form_target_line_id")
            return []
        buttons = [
            {
                "title": f"{activation.user_name or '—'} · {format_national(activation.msisdn)}",
                "payload": f'/choose_line{{"line_id": "{activation.line_id}"}}',
            }
            for activation in pending[:MAX_LINE_BUTTONS]
        ]
        dispatcher.utter_message(
            response="utter_ask_esim_resend_form_target_line_id_pending", buttons=buttons
        )
        return []


def _line_buttons_shown_this_turn(tracker: Tracker) -> bool:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        buttons = (event.get("data") or {}).get("buttons") or []
        if event.get("event") == "bot" and any(
            str(button.get("payload", "")).startswith("/choose_line") for button in buttons
        ):
            return True
    return False


class ActionResendEsim(BackendAction):
    """``POST /lines/{id}/esim/resend`` with a stable Idempotency-Key for this request."""

    def name(self) -> str:
        return "action_resend_esim"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        line_id = tracker.get_slot(LINE_SLOT)
        if not line_id:
            return []  # the form was stopped
        done = [SlotSet(LINE_SLOT, None)]
        msisdn = "—"
        try:
            identity = require_identity(tracker)
            line = await self.backend.get_line(identity, int(line_id))
            msisdn = format_national(line.msisdn)
            # Same user message, same key: the client's resend after a lost answer replays the
            # first result, so the user never gets a second mail.
            key = idempotency_key(tracker, f"esim_resend:{line.id}")
            sent = await self.backend.resend_esim(identity, line.id, idempotency_key=key)
        except ConflictError:
            dispatcher.utter_message(response="utter_esim_not_pending", msisdn=msisdn)
            return done
        except BackendError as exc:
            utter_backend_error(dispatcher, exc)
            return done
        # An eSIM in use cannot be downloaded twice: the backend mailed a fresh one, and the
        # line runs on the current one until the new one is confirmed.
        response = "utter_esim_fresh_sent" if line.status == "active" else "utter_esim_resent"
        dispatcher.utter_message(response=response, msisdn=msisdn, sent_to=sent.sent_to)
        return done
