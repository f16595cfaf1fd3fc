"""Change a line's tariff plan: which line, which plan (buttons with what each plan includes
and its price), summary, confirm; and the catalogue's plan list for "which plans do you have?".
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api.backend import (
    BackendError,
    CatalogItem,
    CatalogPlan,
    ChatIdentity,
    InvalidRequestError,
    Line,
    Operation,
)
from actions.catalog_text import PLAN_SYNONYMS, find_code, find_codes
from actions.common import (
    BackendAction,
    chat_identity,
    conversation_language,
    entity_values,
    latest_text,
)
from actions.formatting import format_data, format_minutes, format_money, format_number
from actions.labels import (
    NO_CALLS,
    NO_CALLS_SMS,
    NO_DATA,
    NO_SMS,
    PER_MONTH,
    UNLIMITED_CALLS,
    UNLIMITED_CALLS_SMS,
    UNLIMITED_DATA,
    UNLIMITED_SMS,
    label,
)
from actions.operation_forms import LINE_SLOT, OperationFormValidation
from actions.operation_text import item_name, money, signed_money
from actions.operations import (
    form_slot_resets,
    prepare_operation,
    register_done_vars,
    utter_backend_error,
)
from actions.phone import format_national

logger = logging.getLogger(__name__)

PLAN_SLOT = "plan_code"
FORM = "change_plan_form"


def _data(gigabytes: int | None, language: str) -> str:
    if gigabytes is None:
        return label(UNLIMITED_DATA, language)
    return format_data(gigabytes * 1024, language) if gigabytes else label(NO_DATA, language)


def _calls(minutes: int | None, language: str) -> str:
    if minutes is None:
        return label(UNLIMITED_CALLS, language)
    return format_minutes(minutes, language) if minutes else label(NO_CALLS, language)


def _texts(texts: int | None, language: str) -> str:
    if texts is None:
        return label(UNLIMITED_SMS, language)
    return f"{format_number(texts, language)} SMS" if texts else label(NO_SMS, language)


def _calls_and_texts(minutes: int | None, texts: int | None, language: str) -> list[str]:
    """ "300 min", "300 SMS"; said once when both are unlimited or both none."""
    if minutes is None and texts is None:
        return [label(UNLIMITED_CALLS_SMS, language)]
    if minutes == 0 and texts == 0:
        return [label(NO_CALLS_SMS, language)]
    return [_calls(minutes, language), _texts(texts, language)]


def plan_allowances(plan: CatalogPlan, language: str) -> list[str]:
    """What the plan includes as the catalogue gives it: ``["5 GB", "300 min", "300 SMS"]``."""
    if not plan.allowances_known:
        return []
    return [
        _data(plan.data_gb, language),
        *_calls_and_texts(plan.voice_minutes, plan.sms, language),
    ]


def plan_row(plan: CatalogPlan, language: str, *, per_month: bool = False) -> str:
    """``Pro Start · 5 GB · 300 min · 300 SMS · € 15,00`` (``/month`` on a button)."""
    parts = [plan.label(language), *plan_allowances(plan, language)]
    if plan.monthly_price is not None:
        price = money(plan.monthly_price, language)
        parts.append(f"{price}{label(PER_MONTH, language)}" if per_month else price)
    return " · ".join(parts)


def utter_plan_list(
    dispatcher: CollectingDispatcher, plans: list[CatalogPlan], text: str, language: str
) -> None:
    """The catalogue, each plan with its allowances and price; a plan the question names
    ("hoeveel data zit er in Pro Start?") is answered first, then the others."""
    named = {code for code, _ in find_codes(text, plans, PLAN_SYNONYMS)}
    asked = [plan for plan in plans if plan.code in named]
    others = [plan for plan in plans if plan.code not in named]
    if len(asked) == 1:
        dispatcher.utter_message(
            response="utter_plan_details",
            plan=plan_row(asked[0], language),
            plans="\n".join(f"• {plan_row(plan, language)}" for plan in others),
        )
        return
    rows = "\n".join(f"• {plan_row(plan, language)}" for plan in [*asked, *others])
    dispatcher.utter_message(response="utter_faq_plan_prices", plans=rows)


def plan_from_message(
    tracker: Tracker, plans: Sequence[CatalogItem], *current: str | None
) -> str | None:
    """A plan code from a button payload (``plan`` entity) or from the words of the message.

    "from Pro Start to Pro Unlimited" names two plans: the one asked for is not the line's
    ``current`` plan (nor, at a summary, the plan being corrected: "put him on Unlimited
    rather than Smart"), and otherwise the last one named.
    """
    codes = {plan.code for plan in plans}
    text = latest_text(tracker)
    named: list[str] = []
    for value in entity_values(tracker, "plan"):
        code = value if value in codes else find_code(value, plans, PLAN_SYNONYMS)
        if code:
            named.append(code)
    if not text.startswith("/"):
        named += [code for code, _ in find_codes(text, plans, PLAN_SYNONYMS) if code in codes]
    wanted = [code for code in named if code not in current] or named
    return wanted[-1] if wanted else None


class ValidateChangePlanForm(OperationFormValidation):
    """Slots ``target_line_id`` and ``plan_code``; the same plan as now is refused at once."""

    op_type = "change_plan"
    hands_over_new_lines = True
    hands_over_porting = True

    def name(self) -> str:
        return "validate_change_plan_form"

    def pending_values(self, operation: Operation) -> dict[str, Any]:
        new_plan = operation.summary.get("new_plan")
        code = new_plan.get("code") if isinstance(new_plan, dict) else None
        return {**super().pending_values(operation), PLAN_SLOT: code}

    async def extract(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        identity: ChatIdentity,
        line: Line | None,
    ) -> dict[str, Any]:
        requested = tracker.get_slot("requested_slot")
        if tracker.get_slot(PLAN_SLOT) and requested not in (PLAN_SLOT, None):
            return {}
        plans = await self.backend.list_plans(identity)
        current = line.plan.code if line is not None and line.plan is not None else None
        code = plan_from_message(tracker, plans, current, tracker.get_slot(PLAN_SLOT))
        if code is None or code == tracker.get_slot(PLAN_SLOT):
            if requested == PLAN_SLOT:
                dispatcher.utter_message(response="utter_invalid_plan_code")
            return {}
        if line is not None and line.plan is not None and line.plan.code == code:
            language = conversation_language(tracker)
            dispatcher.utter_message(
                response="utter_plan_unchanged", plan=item_name(line.plan.model_dump(), language)
            )
            return {PLAN_SLOT: None}
        return {PLAN_SLOT: code}


class ActionAskPlanCode(BackendAction):
    """Shows the current plan and one button per other plan, with its monthly price."""

    def name(self) -> str:
        return "action_ask_plan_code"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = conversation_language(tracker)
        identity = chat_identity(tracker)
        line_id = tracker.get_slot(LINE_SLOT)
        try:
            if identity is None or not line_id:
                raise BackendError("no line or identity")
            line = await self.backend.get_line(identity, int(line_id))
            plans = await self.backend.list_plans(identity)
        except BackendError as exc:
            utter_backend_error(dispatcher, exc)
            return [SlotSet("requested_slot", None)]
        current = line.plan.code if line.plan else None
        buttons = [
            {
                "title": plan_row(plan, language, per_month=True),
                "payload": f'/inform{{"plan": "{plan.code}"}}',
            }
            for plan in plans
            if plan.code != current
        ]
        dispatcher.utter_message(
            response="utter_ask_plan_code",
            msisdn=format_national(line.msisdn),
            user_name=line.user_name or "—",
            current_plan=item_name(line.plan.model_dump(), language) if line.plan else "—",
            current_price=format_money(line.plan.monthly_price, language)
            if line.plan and line.plan.monthly_price is not None
            else "—",
            buttons=buttons,
        )
        return []


def _summary_vars(operation: Operation, language: str) -> dict[str, Any]:
    summary = operation.summary
    return {
        "msisdn": format_national(operation.msisdn or ""),
        "user_name": summary.get("user_name") or "—",
        "current_plan": item_name(summary.get("current_plan"), language),
        "new_plan": item_name(summary.get("new_plan"), language),
        "new_price": money((summary.get("new_plan") or {}).get("monthly_price"), language)
        if isinstance(summary.get("new_plan"), dict)
        else "—",
        "monthly_difference": signed_money(summary.get("monthly_difference"), language),
    }


@register_done_vars("change_plan")
def _done_vars(operation: Operation, language: str) -> dict[str, Any]:
    result = operation.result or {}
    return {"plan": item_name(result.get("plan") or operation.summary.get("new_plan"), language)}


class ActionPrepareChangePlan(BackendAction):
    """Form submitted: the backend prepares the change; summary and yes/no follow."""

    def name(self) -> str:
        return "action_prepare_change_plan"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        line_id, plan_code = tracker.get_slot(LINE_SLOT), tracker.get_slot(PLAN_SLOT)
        if not line_id or not plan_code:
            return form_slot_resets(domain)  # the form was stopped; it already said why
        try:
            events = await prepare_operation(
                dispatcher,
                tracker,
                client=self.backend,
                op_type="change_plan",
                line_id=int(line_id),
                params={"plan_code": plan_code},
                summary_response="utter_summary_change_plan",
                summary_vars=_summary_vars,
            )
        except InvalidRequestError as exc:
            response = (
                "utter_plan_unchanged_generic"
                if exc.code == "plan_unchanged"
                else "utter_invalid_plan_code"
            )
            dispatcher.utter_message(response=response)
            return [SlotSet(PLAN_SLOT, None), FollowupAction(FORM)]
        return [*form_slot_resets(domain), *events]
