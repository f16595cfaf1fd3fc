"""Add or remove options on a line ("zet de databoost 5 GB aan op de gsm van Lotte")."""

from __future__ import annotations

from typing import Any

from actions.api.backend import BackendClient, CatalogItem, ChatIdentity, Line, Operation
from actions.catalog_changes import (
    ActionAskCatalogChange,
    ActionPrepareCatalogChange,
    CatalogChange,
    ValidateCatalogChangeForm,
)
from actions.catalog_text import OPTION_SYNONYMS, option_directions
from actions.labels import ADD, REMOVE
from actions.operations import register_done_vars


class OptionChange(CatalogChange):
    """Options: ``{"add": [...], "remove": [...]}``."""

    slot = "option_changes"
    form = "change_options_form"
    entity = "option"
    on_key = "add"
    off_key = "remove"
    synonyms = OPTION_SYNONYMS
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
