"""Resending the eSIM e-mail (manual: "E-mail d'activation non reçu ?").

``esim_resend_form`` only needs the line (a fleet manager: any line; an end user: their own);
``action_resend_esim`` then asks the backend to mail the QR code again. The activation code
itself never passes through the bot: the backend mails it to the end user only.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.activation_status import ESIM_WAITING, STATUS_LABELS, state_parts
from actions.api.backend import (
    BackendError,
    ChatIdentity,
    ConflictError,
    Line,
)
from actions.common import (
    BackendAction,
    chat_identity,
    conversation_language,
    idempotency_key,
    latest_text,
    require_identity,
)
from actions.line_resolution import MAX_LINE_BUTTONS, line_buttons_shown_this_turn, line_payload
from actions.operation_forms import LINE_SLOT, OperationFormValidation
from actions.operations import utter_backend_error
from actions.phone import format_national
from validation import fold

logger = logging.getLogger(__name__)

FORM = "esim_resend_form"
# "Is de eSIM van Arne al actief? Zo niet, stuur de mail opnieuw", "toujours en attente ?",
# "is it active yet?": the request also asks where the eSIM stands. Words of the request
# itself ("activation e-mail", "activatiemail", "activer") do not count.
_ASKS_STATE = re.compile(
    r"\b(?:actie?f|active|activee?s?|activated|geactiveerd|status|statut|etat|pending"
    r"|en\s+attente|in\s+afwachting|confirmed|confirmee?|bevestigd|ou\s+en\s+est"
    r"|waar\s+staat|hoe\s+(?:zit|staat)\s+het)\b"
)


def asks_state(text: str) -> bool:
    """Whether the message asks if the eSIM is active yet."""
    return _ASKS_STATE.search(fold(text)) is not None


def request_text(tracker: Tracker) -> str:
    """What the user said since asking for the resend: the form's opening message and the
    answers after it (the line may have been asked for in between)."""
    texts: list[str] = []
    opened = False
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") == FORM:
            opened = True
        elif event.get("event") == "user":
            texts.insert(0, str(event.get("text") or ""))
            if opened:
                break
    return " ".join(texts) if opened else latest_text(tracker)


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

    ``GET /activations`` lists them; a button's line id is a hint that the form re-reads
    from the backend. Nothing waiting (or the backend unreachable): the plain question.
    """

    def name(self) -> str:
        return "action_ask_esim_resend_form_target_line_id"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if line_buttons_shown_this_turn(tracker):
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
                "payload": line_payload(activation.line_id),
            }
            for activation in pending[:MAX_LINE_BUTTONS]
        ]
        dispatcher.utter_message(
            response="utter_ask_esim_resend_form_target_line_id_pending", buttons=buttons
        )
        return []


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
            if asks_state(request_text(tracker)) and not await self._state_said(
                dispatcher, identity, line, conversation_language(tracker)
            ):
                return done
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

    async def _state_said(
        self, dispatcher: CollectingDispatcher, identity: ChatIdentity, line: Line, language: str
    ) -> bool:
        """Says where the eSIM stands; ``False`` when it is already active (nothing to resend).

        The waiting state and its date come from ``GET /activations`` (fleet managers only);
        without it the line's status still tells that the user has not confirmed yet.
        """
        msisdn, user_name = format_national(line.msisdn), line.user_name or line.label or "—"
        if line.status == "active" and line.sim_type == "esim":
            dispatcher.utter_message(
                response="utter_esim_already_active", msisdn=msisdn, user_name=user_name
            )
            return False
        if line.status != "pending_activation":
            return True  # the resend answers (nothing waits for a confirmation)
        try:
            activations = await self.backend.list_activations(identity)
        except BackendError as exc:
            logger.info("Activation state unavailable: %r", exc)
            activations = []
        found = next((a for a in activations if a.line_id == line.id), None)
        if found is not None:
            state = " · ".join(state_parts(found, language))
        elif line.sim_type == "esim":
            state = STATUS_LABELS[ESIM_WAITING][language]
        else:
            return True  # not an eSIM: the resend answers
        dispatcher.utter_message(
            response="utter_esim_state_pending", msisdn=msisdn, user_name=user_name, state=state
        )
        return True
