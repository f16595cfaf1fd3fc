"""Deactivate a number: warn about termination fees, offer prepaid conversion, confirm.

The manual: "Attention! L'utilisateur final souhaite-t-il conserver son numéro ? Si oui, veuillez
le faire convertir en numéro prépayé via notre support" and "des frais de résiliation pourraient
être appliqués". So the form asks whether the end user keeps the number (with the fee warning);
yes → no deactivation, a support ticket is offered instead (confirmed like an operation); no →
the backend prepares the deactivation with the exact fee, read back before the final "yes".
"""

from __future__ import annotations

import uuid
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import keeps_number, said_yes_or_no
from actions.api.backend import (
    BackendClient,
    ChatIdentity,
    InvalidRequestError,
    Line,
    Operation,
)
from actions.common import BackendAction, latest_text, require_identity
from actions.formatting import format_day
from actions.operation_forms import LINE_SLOT, OperationFormValidation
from actions.operation_text import item_name, money
from actions.operations import (
    PENDING_ID_SLOT,
    PENDING_TYPE_SLOT,
    form_slot_resets,
    prepare_operation,
    register_done_vars,
    register_local_confirm,
)
from actions.phone import format_national

KEEP_SLOT = "keep_number"


class ValidateDeactivateLineForm(OperationFormValidation):
    """Slots ``target_line_id`` and ``keep_number`` (yes/no)."""

    destructive = True  # only on a confident request: otherwise "did you mean…?" first
    # "wait, wrong one: it's Ruben's tablet that has to go" at the summary moves the request.
    op_type = "deactivate_line"
    how_to = ("utter_faq_termination_fee", "utter_can_do_deactivation")

    def pending_values(self, operation: Operation) -> dict[str, Any]:
        # A deactivation waiting for "yes" never keeps its number (that is a ticket instead).
        return {**super().pending_values(operation), KEEP_SLOT: False}

    def name(self) -> str:
        return "validate_deactivate_line_form"

    async def extract(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        identity: ChatIdentity,
        line: Line | None,
    ) -> dict[str, Any]:
        # "ah si, elle veut garder son numéro, elle le reprend à titre privé" (fr-012), "hij
        # neemt het mee", "it can go": said in so many words, in the opening, as the answer or
        # as a change at the summary ("she wants to keep her number after all", en-014).
        said = keeps_number(latest_text(tracker))
        if tracker.get_slot("requested_slot") != KEEP_SLOT:
            if line is not None and line.status == "deactivated":
                dispatcher.utter_message(
                    response="utter_line_already_deactivated", msisdn=format_national(line.msisdn)
                )
                return {LINE_SLOT: None}
            return {} if said is None else {KEEP_SLOT: said}
        if said is not None or (said := said_yes_or_no(tracker)) is not None:
            return {KEEP_SLOT: said}
        dispatcher.utter_message(response="utter_invalid_keep_number")
        return {}


def _summary_vars(operation: Operation, language: str) -> dict[str, Any]:
    summary = operation.summary
    end = summary.get("commitment_end")
    return {
        "msisdn": format_national(summary.get("msisdn") or operation.msisdn or ""),
        "user_name": summary.get("user_name") or "—",
        "plan": item_name(summary.get("plan"), language),
        "termination_fee": money(summary.get("termination_fee", "0"), language),
        "commitment_end": format_day(end, language) if isinstance(end, str) else "—",
    }


@register_done_vars("deactivate_line")
def _done_vars(operation: Operation, language: str) -> dict[str, Any]:
    return {}


class ActionPrepareDeactivateLine(BackendAction):
    """Keep the number → offer a prepaid-conversion ticket; else prepare the deactivation."""

    def name(self) -> str:
        return "action_prepare_deactivate_line"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        line_id, keep = tracker.get_slot(LINE_SLOT), tracker.get_slot(KEEP_SLOT)
        if not line_id or keep is None:
            return form_slot_resets(domain)  # the form was stopped; it already said why
        if keep:
            return self._offer_ticket(dispatcher, domain, int(line_id))
        try:
            events = await prepare_operation(
                dispatcher,
                tracker,
                client=self.backend,
                op_type="deactivate_line",
                line_id=int(line_id),
                params={"keep_number": False},
                summary_response="utter_summary_deactivate_line",
                summary_vars=_summary_vars,
            )
        except InvalidRequestError as exc:
            if exc.code == "keep_number_requires_support":
                return self._offer_ticket(dispatcher, domain, int(line_id))
            dispatcher.utter_message(response="utter_backend_unavailable")
            return form_slot_resets(domain)
        return [*form_slot_resets(domain), *events]

    @staticmethod
    def _offer_ticket(
        dispatcher: CollectingDispatcher, domain: DomainDict, line_id: int
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_keep_number_prepaid_offer")
        return [*form_slot_resets(domain), *offer_prepaid_ticket(line_id)]


# The ticket offered instead of a deactivation when the number must be kept (prepaid conversion):
# confirmed with "yes" like an operation, but it is a plain POST /tickets.
PREPAID_TICKET_SUBJECT = "prepaid_conversion"
_PREPAID_TICKET_PREFIX = "ticket:line:"
_TICKET_NAMESPACE = uuid.UUID("3f1d2a7e-8c44-4b5e-9a61-0c2e7b9d4f11")


def offer_prepaid_ticket(line_id: int) -> list[EventType]:
    """Pending "create a prepaid-conversion ticket for this line" (confirmed like an operation)."""
    return [
        SlotSet(PENDING_ID_SLOT, f"{_PREPAID_TICKET_PREFIX}{line_id}"),
        SlotSet(PENDING_TYPE_SLOT, PREPAID_TICKET_SUBJECT),
    ]


@register_local_confirm(_PREPAID_TICKET_PREFIX)
async def create_prepaid_ticket(
    client: BackendClient, dispatcher: CollectingDispatcher, tracker: Tracker, pending_id: str
) -> None:
    """On "yes": open the prepaid-conversion ticket for the line that is kept."""
    identity = require_identity(tracker)
    line_id = int(pending_id.removeprefix(_PREPAID_TICKET_PREFIX))
    line = await client.get_line(identity, line_id)
    me = await client.get_me(identity)
    # Stable per conversation and line: a retried "yes" replays the same ticket.
    key = str(uuid.uuid5(_TICKET_NAMESPACE, f"{tracker.sender_id}:prepaid:{line_id}"))
    ticket = await client.create_ticket(
        identity,
        subject_code=PREPAID_TICKET_SUBJECT,
        description=(
            f"Convert {line.msisdn} ({line.user_name or '-'}) to a prepaid number "
            "instead of deactivating it (requested by chat)."
        ),
        contact_number=me.gsm,
        line_id=line_id,
        idempotency_key=key,
    )
    dispatcher.utter_message(
        response="utter_prepaid_ticket_created",
        number=ticket.number,
        msisdn=format_national(line.msisdn),
    )
