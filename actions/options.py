"""Add or remove options on a line ("zet de databoost 5 GB aan op de gsm van Lotte").

An opening that puts the line on a plan and asks for no option ("zet Kevin op Pro Smart, hij
koopt elke maand ne databoost bij") is handed to the plan form.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.activation import opens_afresh
from actions.api.backend import (
    BackendClient,
    BackendError,
    CatalogItem,
    ChatIdentity,
    Line,
    Operation,
)
from actions.catalog_changes import (
    ActionAskCatalogChange,
    ActionPrepareCatalogChange,
    CatalogChange,
    ValidateCatalogChangeForm,
)
from actions.catalog_text import (
    asks_an_option,
    find_options,
    names_plan_target,
    option_directions,
)
from actions.common import latest_text, require_identity
from actions.labels import ADD, REMOVE
from actions.operations import register_done_vars
from actions.plans import FORM as PLAN_FORM

logger = logging.getLogger(__name__)


class OptionChange(CatalogChange):
    """Options: ``{"add": [...], "remove": [...]}``."""

    slot = "option_changes"
    form = "change_options_form"
    entity = "option"
    on_key = "add"
    off_key = "remove"
    find = staticmethod(find_options)
    directions = staticmethod(option_directions)
    on_label = ADD
    off_label = REMOVE
    op_type = "change_options"

    @staticmethod
    async def catalogue(client: BackendClient, identity: ChatIdentity) -> list[CatalogItem]:
        return await client.list_options(identity)

    @staticmethod
    def current(line: Line) -> list[CatalogItem]:
        return line.options


class ValidateChangeOptionsForm(ValidateCatalogChangeForm):
    """Slots ``target_line_id`` and ``option_changes``."""

    change = OptionChange
    op_type = OptionChange.op_type

    def name(self) -> str:
        return "validate_change_options_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if await self._asks_a_plan(tracker):
            # The plan form reads the same message: the line and the plan come from it.
            return [*self._stop(domain), FollowupAction(PLAN_FORM)]
        return list(await super().run(dispatcher, tracker, domain))

    async def _asks_a_plan(self, tracker: Tracker) -> bool:
        """An opening that puts the line on a plan and asks for no option ("zet Kevin op Pro
        Smart, hij koopt elke maand ne databoost bij"): a plan change, not an option change."""
        if not opens_afresh(tracker, self.op_type):
            return False
        text = latest_text(tracker)
        try:
            identity = require_identity(tracker)
            plans = await self.backend.list_plans(identity)
            if not names_plan_target(text, plans):
                return False
            options = await self.backend.list_options(identity)
        except BackendError as exc:  # the form goes on; its own steps say what failed
            logger.info("Reading the catalogue for a plan request failed: %r", exc)
            return False
        return not asks_an_option(text, plans, options)


class ActionAskOptionChanges(ActionAskCatalogChange):
    """Current options and one add/remove button per option."""

    change = OptionChange

    def name(self) -> str:
        return "action_ask_option_changes"


class ActionPrepareChangeOptions(ActionPrepareCatalogChange):
    """Prepares ``change_options``."""

    change = OptionChange

    def name(self) -> str:
        return "action_prepare_change_options"


@register_done_vars("change_options")
def _done_vars(operation: Operation, language: str) -> dict[str, Any]:
    return {}
