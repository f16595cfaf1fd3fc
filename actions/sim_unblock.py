"""A lost SIM found again: unblock it (operation ``unblock_sim``, the reverse of ``block_sim``).

Two ways in. "We found the phone, unblock the SIM" opens ``unblock_form`` (the line; an end
user's own). And a SIM replacement cancelled after the old card was blocked ("forget it, she
found it in her car") does not end on "nothing was changed": the card is still blocked, so the
bot says so and offers to unblock it, confirmed like any operation.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api.backend import BackendClient, BackendError, ChatIdentity, Line, Operation
from actions.common import BackendAction, require_identity
from actions.operation_forms import LINE_SLOT, OperationFormValidation
from actions.operations import (
    STOPPED_FORM,
    form_slot_resets,
    prepare_operation,
    register_cancel_followup,
    utter_backend_error,
)
from actions.phone import format_national

logger = logging.getLogger(__name__)

UNBLOCK_TYPE = "unblock_sim"
SUSPENDED = "suspended"


def _summary(operation: Operation, language: str) -> dict[str, Any]:
    msisdn = operation.summary.get("msisdn") or operation.msisdn or ""
    return {"msisdn": format_national(str(msisdn)) or "—"}


async def offer_unblock(
    client: BackendClient, dispatcher: CollectingDispatcher, tracker: Tracker, line: Line
) -> list[EventType]:
    """Prepare ``unblock_sim`` for ``line``, read it back and ask for the "yes"."""
    return await prepare_operation(
        dispatcher,
        tracker,
        client=client,
        op_type=UNBLOCK_TYPE,
        line_id=line.id,
        params={},
        summary_response="utter_summary_unblock_sim",
        summary_vars=_summary,
    )


class ValidateUnblockForm(OperationFormValidation):
    """The line whose SIM is unblocked: named, or an end user's own."""

    fleet_manager_only = False

    def name(self) -> str:
        return "validate_unblock_form"

    async def extract(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        identity: ChatIdentity,
        line: Line | None,
    ) -> dict[str, Any]:
        if line is None and not tracker.get_slot(LINE_SLOT):
            me = await self.backend.get_me(identity)
            if me.active_role != "fleet_manager" and me.line_id:
                return {LINE_SLOT: str(me.line_id)}  # an employee's SIM is their own line's
        return {}


class ActionPrepareUnblock(BackendAction):
    """Submit of ``unblock_form``: a SIM that works needs nothing, a blocked one is read back."""

    def name(self) -> str:
        return "action_prepare_unblock"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        line_id = tracker.get_slot(LINE_SLOT)
        if not line_id:
            return form_slot_resets(domain)  # the form was stopped; it already said why
        try:
            line = await self.backend.get_line(require_identity(tracker), int(line_id))
        except BackendError as exc:
            utter_backend_error(dispatcher, exc)
            return form_slot_resets(domain)
        if line.status != SUSPENDED:
            dispatcher.utter_message(
                response="utter_sim_not_blocked_now", msisdn=format_national(line.msisdn)
            )
            return form_slot_resets(domain)
        return [
            *form_slot_resets(domain),
            *await offer_unblock(self.backend, dispatcher, tracker, line),
        ]


@register_cancel_followup("replace_sim")
async def still_blocked_after_cancel(
    client: BackendClient, dispatcher: CollectingDispatcher, tracker: Tracker, pending_id: str
) -> list[EventType] | None:
    """A replacement cancelled after its old SIM was blocked: say the card is still blocked and
    offer to unblock it; ``None`` when the line is not blocked (nothing was changed)."""
    try:
        operation = await client.get_operation(require_identity(tracker), pending_id)
    except BackendError as exc:
        logger.info("Reading the cancelled replacement failed: %r", exc)
        return None
    return await _offer_if_blocked(client, dispatcher, tracker, operation.line_id)


@register_cancel_followup(STOPPED_FORM)
async def still_blocked_after_stop(
    client: BackendClient, dispatcher: CollectingDispatcher, tracker: Tracker, _: str
) -> list[EventType] | None:
    """A replacement stopped before its summary, after its old SIM was blocked ("laat maar,
    ze heeft hem teruggevonden"): the same as a cancelled one, never "nothing was changed"."""
    line_id = tracker.get_slot(LINE_SLOT)
    if tracker.get_slot("block_old_sim") is not True or not str(line_id or "").isdigit():
        return None
    return await _offer_if_blocked(client, dispatcher, tracker, int(str(line_id)))


async def _offer_if_blocked(
    client: BackendClient, dispatcher: CollectingDispatcher, tracker: Tracker, line_id: int | None
) -> list[EventType] | None:
    """Say the card is still blocked and offer to unblock it; ``None`` when it is not."""
    if line_id is None:
        return None
    try:
        line = await client.get_line(require_identity(tracker), line_id)
    except BackendError as exc:
        logger.info("Reading the replaced line failed: %r", exc)
        return None
    if line.status != SUSPENDED:
        return None
    dispatcher.utter_message(
        response="utter_replacement_cancelled_sim_still_blocked",
        msisdn=format_national(line.msisdn),
    )
    return await offer_unblock(client, dispatcher, tracker, line)
