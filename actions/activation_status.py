"""Where are my activations and number transfers? ("où en est le portage ?", "waar zit mijn
nummeroverdracht?") — the fleet's lines waiting for an eSIM confirmation or a porting."""

from __future__ import annotations

import logging
from datetime import date

from babel.dates import format_date
from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api.backend import BackendError, ChatIdentity, Line, PendingActivation
from actions.common import (
    BackendAction,
    conversation_language,
    entity_values,
    latest_text,
    require_identity,
)
from actions.formatting import locale_for
from actions.line_resolution import match_lines_in_text
from actions.operations import utter_backend_error
from actions.phone import format_national
from validation import InvalidValue, check_be_mobile

# Status words decorating the data rows (sentences stay in domain.yml).
STATUS_LABELS: dict[str, dict[str, str]] = {
    "pending_esim_confirmation": {
        "fr": "eSIM envoyée, en attente de confirmation par l'utilisateur",
        "nl": "eSIM verstuurd, wacht op bevestiging door de gebruiker",
        "en": "eSIM sent, waiting for the user's confirmation",
    },
    "pending_activation": {
        "fr": "activation en cours",
        "nl": "activatie bezig",
        "en": "activation in progress",
    },
    "pending_porting": {
        "fr": "transfert demandé",
        "nl": "overdracht aangevraagd",
        "en": "transfer requested",
    },
    "requested": {
        "fr": "transfert demandé",
        "nl": "overdracht aangevraagd",
        "en": "transfer requested",
    },
    "accepted": {
        "fr": "transfert accepté par l'opérateur actuel",
        "nl": "overdracht aanvaard door de huidige operator",
        "en": "transfer accepted by the current operator",
    },
    "completed": {
        "fr": "transfert terminé",
        "nl": "overdracht afgerond",
        "en": "transfer completed",
    },
    "rejected": {
        "fr": "transfert refusé par l'opérateur actuel (vérifiez le numéro de client ou de SIM)",
        "nl": "overdracht geweigerd door de huidige operator (kijk klant- of simkaartnummer na)",
        "en": "transfer rejected by the current operator (check the customer or SIM number)",
    },
}
EXPECTED = {"fr": "prévu le", "nl": "verwacht op", "en": "expected on"}
SINCE = {"fr": "depuis le", "nl": "sinds", "en": "since"}
ESIM_WAITING = "pending_esim_confirmation"
logger = logging.getLogger(__name__)


def _day(iso: str, language: str) -> str:
    try:
        return format_date(date.fromisoformat(iso[:10]), "medium", locale=locale_for(language))
    except ValueError:
        return iso


def _label(status: str, language: str) -> str:
    return STATUS_LABELS.get(status, {}).get(language, status)


def state_parts(activation: PendingActivation, language: str) -> list[str]:
    """What the line waits for: the user's eSIM confirmation (since when), the transfer
    (expected when), else its status."""
    parts: list[str] = []
    if activation.esim_pending or activation.status == ESIM_WAITING:
        waiting = _label(ESIM_WAITING, language)
        if activation.created_at:
            waiting += f" {SINCE[language]} {_day(activation.created_at, language)}"
        parts.append(waiting)
    porting = activation.porting_request
    if porting:
        parts.append(_label(porting.status, language))
        if porting.expected_date:
            parts.append(f"{EXPECTED[language]} {_day(porting.expected_date, language)}")
    return parts or [_label(activation.status, language)]


def status_row(activation: PendingActivation, language: str) -> str:
    """• 0478 12 34 56 · Jan Peeters · transfer accepted … · expected on 3 Dec 2026."""
    parts = [format_national(activation.msisdn), activation.user_name or "—"]
    return "• " + " · ".join([*parts, *state_parts(activation, language)])


class ActionShowActivationStatus(BackendAction):
    """Lists pending activations and transfers, or the one for the number asked about."""

    def name(self) -> str:
        return "action_show_activation_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = conversation_language(tracker)
        wanted: str | None = None
        for raw in entity_values(tracker, "phone_number"):
            try:
                wanted = check_be_mobile(raw)
            except InvalidValue:
                dispatcher.utter_message(response="utter_invalid_phone_number", phone_number=raw)
                return []
        named: Line | None = None
        try:
            identity = require_identity(tracker)
            activations = await self.backend.list_activations(identity)
        except BackendError as exc:
            utter_backend_error(dispatcher, exc)
            return []
        if wanted is None:
            # "is marie's esim active?": the line of the person named, pending or not.
            named = await self._named_line(identity, latest_text(tracker))
            wanted = named.msisdn if named else None
        if wanted:
            activations = [a for a in activations if a.msisdn == wanted]
            if not activations and named is not None and named.status == "active":
                dispatcher.utter_message(
                    response="utter_line_active_nothing_pending",
                    msisdn=format_national(named.msisdn),
                    user_name=named.user_name or named.label or "—",
                )
                return []
            if not activations:
                dispatcher.utter_message(
                    response="utter_no_pending_activation_for", msisdn=format_national(wanted)
                )
                return []
        if not activations:
            dispatcher.utter_message(response="utter_no_pending_activations")
            return []
        rows = "\n".join(status_row(activation, language) for activation in activations)
        dispatcher.utter_message(response="utter_activation_status", rows=rows)
        return []

    async def _named_line(self, identity: ChatIdentity, text: str) -> Line | None:
        """The one line of the fleet whose user the question names, if any; the list of
        pending ones still answers when the lines cannot be read."""
        try:
            found, _ = match_lines_in_text(text, await self.backend.find_lines(identity))
        except BackendError as exc:
            logger.info("Lines unavailable for the status question: %r", exc)
            return None
        return found[0] if len(found) == 1 else None
