"""Tasks of the natural-dialogue evaluation (``bench/dialogues/FORMAT.md``) and what the bot asks.

Loading: a set is a folder with ``fr.yml``, ``nl.yml`` and ``en.yml`` (each a YAML list of tasks);
the file's name is the task's language.

Asking: after every bot turn the runner reads Rasa's tracker and turns what it finds into one of
the question kinds of ``bench/dialogues/capabilities.md`` (:func:`what_is_asked`):

1. an active form's ``requested_slot``, through :data:`SLOT_KINDS` (the forms of ``domain.yml``);
2. else a pending two-step operation (slot ``pending_operation_id``, set only by the prepare
   actions of ``actions/operations.py`` and by the local confirmations of tickets, erasure and the
   prepaid-conversion offer): ``confirm``, or ``offer`` for :data:`PENDING_KINDS`;
3. else a question asked by a response outside any form, in the last turn (:data:`UTTER_KINDS`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

LANGUAGES = ("fr", "nl", "en")
USERS = ("acme_fleet_manager", "acme_end_user", "brugge_fleet_manager")
INTERJECTION_KINDS = ("side_question", "change")

# Every question kind of capabilities.md (the keys of a task's ``answers``).
KINDS = frozenset(
    {
        "sim_type", "iccid", "email", "name", "number_choice", "port_number", "number_type",
        "current_sim_number", "current_customer_number", "split_bill", "billing_name",
        "billing_address", "billing_email", "billing_iban", "plan", "confirm", "line",
        "replacement_reason", "block_old_sim", "options", "barrings", "keep_number", "iban",
        "account_holder", "invoice_delivery", "invoice", "device", "colour", "capacity",
        "quantity", "device_for_line", "delivery", "delivery_address", "imei", "problem",
        "pickup", "address", "ticket_subject", "ticket_description", "contact_number",
        "ticket_reference", "ticket_comment", "gsm", "offer",
    }
)  # fmt: skip

# Form slot (domain.yml ``forms``) → question kind. A slot named like its kind needs no entry.
SLOT_KINDS: dict[str, str] = {
    # activation_form, sim_replacement_form
    "new_iccid": "iccid",
    "esim_email": "email",
    "end_user_name": "name",
    "number_mode": "number_choice",
    "port_msisdn": "port_number",
    "plan_code": "plan",  # change_plan_form too
    # every line-bound form (plan, options, barring, deactivation, SIM, eSIM, repair)
    "target_line_id": "line",
    "option_changes": "options",
    "barring_changes": "barrings",
    # billing
    "direct_debit_iban": "iban",
    "direct_debit_holder": "account_holder",
    "delivery_method": "invoice_delivery",
    # shop
    "shop_device_id": "device",
    "shop_colour": "colour",
    "shop_storage_gb": "capacity",
    "shop_quantity": "quantity",
    "shop_for_line_id": "device_for_line",
    "order_delivery": "delivery",
    "order_address": "delivery_address",
    # repairs
    "repair_imei": "imei",
    "repair_problem": "problem",
    "repair_pickup": "pickup",
    "repair_address": "address",
    # tickets
    "ticket_contact_number": "contact_number",
    # access: the address an employee without a portal account is invited at
    "invitation_email": "email",
}

# pending_operation_type → kind, when the pending "operation" is an offer rather than a summary
# (actions/deactivation.py: keeping the number offers a prepaid-conversion ticket).
PENDING_KINDS: dict[str, str] = {"prepaid_conversion": "offer"}
# pending_operation_id → kind, for a "shall I start…?" that offers something else than what was
# asked (actions/tickets.py: no such ticket to comment on, shall I open a new one?).
PENDING_ID_KINDS: dict[str, str] = {"start:ticket_form": "offer"}

# Questions asked outside a form, recognised by the response's name (tracker event metadata).
UTTER_KINDS: dict[str, str] = {
    "utter_which_line": "line",
    "utter_choose_line_without_operation": "line",
    "utter_which_invoice_to_pay": "invoice",
    "utter_which_cart_item": "device",
    "utter_offer_agent": "offer",
}


class TaskError(ValueError):
    """A task file that does not follow FORMAT.md."""


@dataclass(frozen=True)
class Interjection:
    at: str
    text: str
    kind: str  # side_question | change


@dataclass(frozen=True)
class Task:
    id: str
    language: str
    user: str  # the ``as`` key
    capability: str
    opening: str
    answers: dict[str, str]
    interjections: tuple[Interjection, ...]
    expect: tuple[dict[str, Any], ...]
    warnings: tuple[str, ...] = field(default=())


def _task(raw: Any, language: str, where: str) -> Task:
    if not isinstance(raw, dict):
        raise TaskError(f"{where}: a task must be a mapping")
    task_id = str(raw.get("id") or "")
    where = f"{where} {task_id or '?'}"
    for key in ("id", "as", "capability", "opening", "expect"):
        if not raw.get(key):
            raise TaskError(f"{where}: missing {key!r}")
    if raw["as"] not in USERS:
        raise TaskError(f"{where}: unknown user {raw['as']!r}")
    answers = raw.get("answers") or {}
    if not isinstance(answers, dict):
        raise TaskError(f"{where}: answers must be a mapping")
    interjections = []
    for item in raw.get("interjections") or []:
        if not isinstance(item, dict) or item.get("kind") not in INTERJECTION_KINDS:
            raise TaskError(f"{where}: bad interjection {item!r}")
        interjections.append(Interjection(str(item["at"]), str(item["text"]), str(item["kind"])))
    expect = raw["expect"]
    if not isinstance(expect, list) or not all(isinstance(e, dict) for e in expect):
        raise TaskError(f"{where}: expect must be a list of mappings")
    warnings = [f"unknown answer kind {key!r}" for key in answers if key not in KINDS]
    return Task(
        id=task_id,
        language=language,
        user=str(raw["as"]),
        capability=str(raw["capability"]),
        opening=str(raw["opening"]),
        answers={str(k): str(v) for k, v in answers.items()},
        interjections=tuple(interjections),
        expect=tuple(expect),
        warnings=tuple(warnings),
    )


def load_set(folder: Path, languages: tuple[str, ...] = LANGUAGES) -> list[Task]:
    """Every task of the set in ``folder`` (``<lang>.yml`` files; a missing one is skipped)."""
    tasks: list[Task] = []
    for language in languages:
        path = folder / f"{language}.yml"
        if not path.exists():
            continue
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        if not isinstance(raw, list):
            raise TaskError(f"{path}: expected a list of tasks")
        tasks += [_task(item, language, str(path.name)) for item in raw]
    ids = [task.id for task in tasks]
    if duplicates := sorted({i for i in ids if ids.count(i) > 1}):
        raise TaskError(f"duplicate task ids: {', '.join(duplicates)}")
    return tasks


# --------------------------------------------------------------------------- what the bot asks


@dataclass(frozen=True)
class Ask:
    """A question the bot is waiting on: its kind (None when no kind maps) and where it shows."""

    kind: str | None
    source: str  # "change_plan_form.target_line_id", "pending change_plan", "utter_which_line"
    slot: str | None = None


def slot_kind(slot: str) -> str | None:
    """The question kind of a form slot; None if none is known (add it to SLOT_KINDS)."""
    if slot in SLOT_KINDS:
        return SLOT_KINDS[slot]
    if slot in KINDS:
        return slot
    # Forms added after this table: a GSM number or a line by the usual slot names.
    if slot.endswith("gsm"):
        return "gsm"
    if slot.endswith("line_id"):
        return "line"
    return None


def last_turn_utterances(tracker: dict[str, Any]) -> list[str]:
    """Response names (``utter_…``) the bot sent after the latest user message."""
    names: list[str] = []
    for event in reversed(tracker.get("events") or []):
        if event.get("event") == "user":
            break
        if event.get("event") == "bot":
            name = (event.get("metadata") or {}).get("utter_action")
            if isinstance(name, str):
                names.append(name)
    return list(reversed(names))


def what_is_asked(tracker: dict[str, Any]) -> Ask | None:
    """What the bot waits for after its last turn, or None when it asks nothing."""
    slots = tracker.get("slots") or {}
    if slots.get("handoff_active"):
        return None  # an agent has (or will have) the conversation: the bot is silent
    loop = (tracker.get("active_loop") or {}).get("name")
    requested = slots.get("requested_slot")
    if loop and requested:
        return Ask(slot_kind(str(requested)), f"{loop}.{requested}", str(requested))
    if slots.get("pending_operation_id"):
        pending_type = str(slots.get("pending_operation_type") or "")
        pending_id = str(slots.get("pending_operation_id"))
        kind = PENDING_ID_KINDS.get(pending_id) or PENDING_KINDS.get(pending_type, "confirm")
        return Ask(kind, f"pending {pending_type or '?'}", "pending_operation_id")
    for name in reversed(last_turn_utterances(tracker)):
        if name in UTTER_KINDS:
            return Ask(UTTER_KINDS[name], name)
    return None
