"""A lost SIM found again: unblock it (operation ``unblock_sim``, the reverse of ``block_sim``).

Two ways in. "We found the phone, unblock the SIM" opens ``unblock_form`` (the line; an end
user's own). And a SIM replacement cancelled after the old card was blocked ("forget it, she
found it in her car") does not end on "nothing was changed": the card is still blocked, so the
bot says so and offers to unblock it, confirmed like any operation.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
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
    register_done_followup,
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


# What is said before the unblock offer: after a cancelled replacement, or after a replacement
# done on another line than the one blocked.
CANCELLED_STILL_BLOCKED = "utter_replacement_cancelled_sim_still_blocked"
OTHER_STILL_BLOCKED = "utter_other_sim_still_blocked"


def lines_blocked_in_this_request(tracker: Tracker) -> list[int]:
    """The lines whose old SIM this SIM replacement blocked ("yes" to "block it now?"), latest
    first; more than one when the replacement moved to another line afterwards ("it's Tim who
    lost his phone, not Jonas"). A request ends where the forms' slots were emptied."""
    line: object = None
    blocked: list[int] = []
    for event in tracker.events:
        if event.get("event") != "slot":
            continue
        name, value = event.get("name"), event.get("value")
        if name == LINE_SLOT:
            line = value
        elif name == "replacement_reason" and value is None:
            blocked = []  # another request (every operation empties the forms' slots)
        elif name == "block_old_sim" and value is True and str(line or "").isdigit():
            blocked = [int(str(line)), *(b for b in blocked if b != int(str(line)))]
    return blocked


@register_cancel_followup("replace_sim")
async def still_blocked_after_cancel(
    client: BackendClient, dispatcher: CollectingDispatcher, tracker: Tracker, pending_id: str
) -> list[EventType] | None:
    """A replacement cancelled after its old SIM was blocked: say the card is still blocked and
    offer to unblock it; ``None`` when no line is blocked (nothing was changed)."""
    try:
        operation = await client.get_operation(require_identity(tracker), pending_id)
    except BackendError as exc:
        logger.info("Reading the cancelled replacement failed: %r", exc)
        return None
    earlier = [id_ for id_ in lines_blocked_in_this_request(tracker) if id_ != operation.line_id]
    return await _offer_if_blocked(
        client, dispatcher, tracker, [operation.line_id, *earlier], CANCELLED_STILL_BLOCKED
    )


@register_cancel_followup(STOPPED_FORM)
async def still_blocked_after_stop(
    client: BackendClient, dispatcher: CollectingDispatcher, tracker: Tracker, _: str
) -> list[EventType] | None:
    """A replacement stopped before its summary, after its old SIM was blocked ("laat maar,
    ze heeft hem teruggevonden"): the same as a cancelled one, never "nothing was changed"."""
    line_id = tracker.get_slot(LINE_SLOT)
    now = str(line_id or "")
    current = [int(now)] if tracker.get_slot("block_old_sim") is True and now.isdigit() else []
    blocked = [*current, *(b for b in lines_blocked_in_this_request(tracker) if b not in current)]
    return await _offer_if_blocked(client, dispatcher, tracker, blocked, CANCELLED_STILL_BLOCKED)


@register_done_followup("replace_sim")
async def other_still_blocked_after_done(
    client: BackendClient, dispatcher: CollectingDispatcher, tracker: Tracker, done: Operation
) -> list[EventType] | None:
    """The replacement went to another line than the one whose SIM was blocked first ("it's
    Tim who lost his phone, not Jonas"): say that SIM is still blocked and offer to unblock it."""
    others = [id_ for id_ in lines_blocked_in_this_request(tracker) if id_ != done.line_id]
    return await _offer_if_blocked(client, dispatcher, tracker, others, OTHER_STILL_BLOCKED)


async def _offer_if_blocked(
    client: BackendClient,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    line_ids: Sequence[int | None],
    response: str,
) -> list[EventType] | None:
    """Say the first of these lines whose card is still blocked is, and offer to unblock it
    (one offer: one "yes" confirms one operation); ``None`` when none is blocked."""
    for line_id in line_ids:
        if line_id is None:
            continue
        try:
            line = await client.get_line(require_identity(tracker), line_id)
        except BackendError as exc:
            logger.info("Reading the replaced line failed: %r", exc)
            continue
        if line.status != SUSPENDED:
            continue
        dispatcher.utter_message(
            response=response,
            msisdn=format_national(line.msisdn),
            name=line.user_name or line.label or "—",
        )
        return await offer_unblock(client, dispatcher, tracker, line)
    return None
