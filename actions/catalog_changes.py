"""Options and barrings: add/remove (block/unblock) one or several catalogue items on a line.

Both forms work the same way, so one base holds the logic and two small classes per form say
which catalogue, which words and which responses. The slot holds ``{"<on>": [...], "<off>": [...]}``
(e.g. ``{"add": ["data_boost_5gb"], "remove": []}``).
"""

from __future__ import annotations

import logging
import re
from abc import abstractmethod
from collections.abc import Callable
from typing import Any, NamedTuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import FILLERS
from actions.api.backend import (
    BackendClient,
    BackendError,
    CatalogItem,
    ChatIdentity,
    InvalidRequestError,
    Line,
    Operation,
)
from actions.catalog_text import Reading, refused_codes
from actions.common import (
    RESPONSE_PREFIX,
    BackendAction,
    chat_identity,
    conversation_language,
    entity_values,
    latest_text,
)
from actions.formatting import format_money
from actions.labels import PER_MONTH, label
from actions.operation_forms import LINE_SLOT, OperationFormValidation
from actions.operation_text import item_list, signed_money
from actions.operations import form_slot_resets, prepare_operation, utter_backend_error
from actions.phone import format_national
from validation import fold

logger = logging.getLogger(__name__)

Directions = Callable[[str, list[tuple[str, int]]], Reading]
Finder = Callable[[str, list[CatalogItem]], list[tuple[str, int, int]]]


class CatalogChange:
    """What differs between options and barrings."""

    slot: str
    form: str
    entity: str  # button payload entity carrying a code (toggles it)
    on_key: str  # "add" / "block"
    off_key: str  # "remove" / "unblock"
    find: Finder  # the items named in a text, with their spans
    directions: Directions
    on_label: dict[str, str]
    off_label: dict[str, str]
    op_type: str

    @staticmethod
    @abstractmethod
    async def catalogue(client: BackendClient, identity: ChatIdentity) -> list[CatalogItem]:
        """The items that can be changed."""

    @staticmethod
    @abstractmethod
    def current(line: Line) -> list[CatalogItem]:
        """The items now on the line (active options / blocked services)."""


class MessageChanges(NamedTuple):
    """What a message asks of a line's catalogue items."""

    result: dict[str, list[str]]  # ``{"<on>": [...], "<off>": [...]}``
    already_on: list[str]  # asked on, and on the line already (for a specific re-ask)
    already_off: list[str]  # asked off, and not on the line
    kept: frozenset[str]  # to stay as they are ("laissez-les bloqués")
    refused: frozenset[str]  # named right after a negation ("pas la multisim")


def changes_from_message(
    change: type[CatalogChange], tracker: Tracker, catalogue: list[CatalogItem], line: Line | None
) -> MessageChanges:
    """The requested changes, the codes already on / not on the line, and those kept."""
    current = {item.code for item in change.current(line)} if line else set()
    known = {item.code for item in catalogue}
    wanted: dict[str, bool | None] = {}
    for value in entity_values(tracker, change.entity):
        if value in known:
            wanted[value] = None  # a button toggles
    text = latest_text(tracker)
    kept: frozenset[str] = frozenset()
    refused: frozenset[str] = frozenset()
    if not text.startswith("/"):
        found = change.find(text, catalogue)
        mentions = [(code, at) for code, at, _ in found if code in known]
        reading = change.directions(text, mentions)
        wanted.update(reading.changes)
        kept = reading.kept
        refused = frozenset(refused_codes(text, mentions))
    result: dict[str, list[str]] = {change.on_key: [], change.off_key: []}
    already_on: list[str] = []
    already_off: list[str] = []
    for code, turn_on in wanted.items():
        if turn_on is None:
            turn_on = code not in current
        if line is not None and turn_on and code in current:
            already_on.append(code)
        elif line is not None and not turn_on and code not in current:
            already_off.append(code)
        else:
            result[change.on_key if turn_on else change.off_key].append(code)
    return MessageChanges(result, already_on, already_off, kept, refused)


# "… instead" replaces the changes being corrected; otherwise a correction adds to them
# ("and premium numbers too").
_INSTEAD_WORDS = ("instead", "plutot", "a la place", "in plaats", "liever", "toch", "juste",
                  "seulement", "uniquement", "only", "just", "alleen", "enkel")  # fmt: skip


_OKAY = frozenset({"ok", "oke", "okay"})
_ADDING_STARTS = frozenset({"and", "et", "en", "also", "aussi", "ook", "plus", "puis"})


def _without_in_fact(words: list[str]) -> list[str]:
    """``words`` without a leading "en fait" / "in fact" / "au fait"."""
    return words[2:] if words[:2] in (["en", "fait"], ["in", "fact"], ["au", "fait"]) else words


def merged_changes(
    change: type[CatalogChange], earlier: dict[str, list[str]], now: dict[str, list[str]]
) -> dict[str, list[str]]:
    """``earlier`` with the codes of ``now`` added, each moved to the direction said last."""
    keys = (change.on_key, change.off_key)
    said_now = {code for key in keys for code in now.get(key) or []}
    return {
        key: [c for c in earlier.get(key) or [] if c not in said_now] + list(now.get(key) or [])
        for key in keys
    }


class ValidateCatalogChangeForm(OperationFormValidation):
    """Validator of an options/barrings form."""

    change: type[CatalogChange]
    hands_over_new_lines = True
    hands_over_porting = True

    def pending_values(self, operation: Operation) -> dict[str, Any]:
        change = self.change
        changes = {
            key: [item["code"] for item in operation.summary.get(key) or [] if "code" in item]
            for key in (change.on_key, change.off_key)
        }
        return {**super().pending_values(operation), change.slot: changes}

    async def extract(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        identity: ChatIdentity,
        line: Line | None,
    ) -> dict[str, Any]:
        change = self.change
        requested = tracker.get_slot("requested_slot")
        earlier = tracker.get_slot(change.slot)
        if earlier and requested not in (change.slot, None):
            return {}
        language = conversation_language(tracker)
        catalogue = await change.catalogue(self.backend, identity)
        result, already_on, already_off, kept, refused = changes_from_message(
            change, tracker, catalogue, line
        )
        withdrawn: list[str] = []
        if isinstance(earlier, dict) and requested is None:
            # A correction: "not the minutes after all" takes back an addition being confirmed
            # (not an option of the line, so "already off" says nothing here), and "leave the
            # premium numbers blocked after all" takes back their unblocking.
            withdrawn += [c for c in already_off if c in (earlier.get(change.on_key) or [])]
            withdrawn += [c for c in already_on if c in (earlier.get(change.off_key) or [])]
            # "en fait non, pas la multisim, mets plutôt les 100 minutes": refused, whatever
            # direction the clause after it gives.
            withdrawn += [
                c
                for c in sorted(kept | refused)
                if c in (earlier.get(change.on_key) or []) + (earlier.get(change.off_key) or [])
            ]
            result = {
                key: [c for c in codes if c not in withdrawn] for key, codes in result.items()
            }
            already_on = [c for c in already_on if c not in withdrawn]
            already_off = [c for c in already_off if c not in withdrawn]
            earlier = {
                key: [c for c in earlier.get(key) or [] if c not in withdrawn]
                for key in (change.on_key, change.off_key)
            }
        names = {item.code: item.label(language) for item in catalogue}
        if already_on:
            dispatcher.utter_message(
                response=f"{RESPONSE_PREFIX}_{change.slot}_already_on",
                items=", ".join(names[code] for code in already_on),
            )
        if already_off:
            dispatcher.utter_message(
                response=f"{RESPONSE_PREFIX}_{change.slot}_already_off",
                items=", ".join(names[code] for code in already_off),
            )
        if result[change.on_key] or result[change.off_key]:
            words = re.findall(r"[a-z]+", fold(latest_text(tracker)))
            said = f" {' '.join(words)} "
            # "ah en zet er dan toch ne Databoost op": "and …" adds, whatever "toch" says.
            # "en fait, …" is no Dutch "and".
            first = next(
                (w for w in _without_in_fact(words) if w not in FILLERS and w not in _OKAY), ""
            )
            # "X in plaats van Y" names what it takes back: the rest of the request stands.
            instead = (
                first not in _ADDING_STARTS
                and not withdrawn
                and any(f" {word} " in said for word in _INSTEAD_WORDS)
            )
            if isinstance(earlier, dict) and requested is None and not instead:
                result = merged_changes(change, earlier, result)
            return {change.slot: result}
        if (
            isinstance(earlier, dict)
            and requested is None
            and earlier != tracker.get_slot(change.slot)
        ):
            return {change.slot: earlier}  # only withdrawals: what is left of the request
        if requested == change.slot and not (already_on or already_off):
            dispatcher.utter_message(response=f"{RESPONSE_PREFIX}_invalid_{change.slot}")
        return {}


class ActionAskCatalogChange(BackendAction):
    """Shows what is on the line now and one toggle button per catalogue item."""

    change: type[CatalogChange]

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        change = self.change
        language = conversation_language(tracker)
        identity = chat_identity(tracker)
        line_id = tracker.get_slot(LINE_SLOT)
        try:
            if identity is None or not line_id:
                raise BackendError("no line or identity")
            line = await self.backend.get_line(identity, int(line_id))
            catalogue = await change.catalogue(self.backend, identity)
        except BackendError as exc:
            utter_backend_error(dispatcher, exc)
            return [SlotSet("requested_slot", None)]
        current = {item.code for item in change.current(line)}
        buttons = []
        for item in catalogue:
            verb = label(change.off_label if item.code in current else change.on_label, language)
            price = ""
            if item.monthly_price and item.code not in current:
                price = (
                    f" · {format_money(item.monthly_price, language)}{label(PER_MONTH, language)}"
                )
            buttons.append(
                {
                    "title": f"{verb}: {item.label(language)}{price}",
                    "payload": f'/inform{{"{change.entity}": "{item.code}"}}',
                }
            )
        dispatcher.utter_message(
            response=f"{RESPONSE_PREFIX}_ask_{change.slot}",
            msisdn=format_national(line.msisdn),
            user_name=line.user_name or "—",
            current=item_list(change.current(line), language),
            buttons=buttons,
        )
        return []


class ActionPrepareCatalogChange(BackendAction):
    """Form submitted: the backend prepares the change; summary and yes/no follow."""

    change: type[CatalogChange]

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        change = self.change
        line_id, wanted = tracker.get_slot(LINE_SLOT), tracker.get_slot(change.slot)
        if not line_id or not isinstance(wanted, dict):
            return form_slot_resets(domain)  # the form was stopped; it already said why
        params = {
            change.on_key: list(wanted.get(change.on_key) or []),
            change.off_key: list(wanted.get(change.off_key) or []),
        }
        try:
            events = await prepare_operation(
                dispatcher,
                tracker,
                client=self.backend,
                op_type=change.op_type,
                line_id=int(line_id),
                params=params,
                summary_response=f"{RESPONSE_PREFIX}_summary_{change.op_type}",
                summary_vars=self.summary_vars,
            )
        except InvalidRequestError as exc:
            logger.info("%s refused: %s", change.op_type, exc.code)
            dispatcher.utter_message(response=f"{RESPONSE_PREFIX}_invalid_{change.slot}")
            return [SlotSet(change.slot, None), FollowupAction(change.form)]
        return [*form_slot_resets(domain), *events]

    def summary_vars(self, operation: Operation, language: str) -> dict[str, Any]:
        """Variables of ``utter_summary_<type>``."""
        change = self.change
        summary = operation.summary
        current = summary.get(f"current_{change.slot.split('_')[0]}s")
        return {
            "msisdn": format_national(operation.msisdn or ""),
            "user_name": summary.get("user_name") or "—",
            "current": item_list(current, language),
            "turn_on": item_list(summary.get(change.on_key), language),
            "turn_off": item_list(summary.get(change.off_key), language),
            "monthly_difference": signed_money(summary.get("monthly_difference", "0"), language),
        }
