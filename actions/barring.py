"""Block or unblock services on a line ("block roaming and premium numbers on 0470 00 00 05")."""

from __future__ import annotations

from actions.api.backend import BackendClient, CatalogItem, ChatIdentity, Line
from actions.catalog_changes import (
    ActionAskCatalogChange,
    ActionPrepareCatalogChange,
    CatalogChange,
    ValidateCatalogChangeForm,
)
from actions.catalog_text import barring_directions, find_barrings
from actions.labels import BLOCK, UNBLOCK


class BarringChange(CatalogChange):
    """Barrings: ``{"block": [...], "unblock": [...]}``."""

    slot = "barring_changes"
    form = "change_barrings_form"
    entity = "barring_service"
    on_key = "block"
    off_key = "unblock"
    find = staticmethod(find_barrings)
    directions = staticmethod(barring_directions)
    on_label = BLOCK
    off_label = UNBLOCK
    op_type = "change_barrings"

    @staticmethod
    async def catalogue(client: BackendClient, identity: ChatIdentity) -> list[CatalogItem]:
        return await client.list_barrable_services(identity)

    @staticmethod
    def current(line: Line) -> list[CatalogItem]:
        return line.barrings


class ValidateChangeBarringsForm(ValidateCatalogChangeForm):
    """Slots ``target_line_id`` and ``barring_changes``."""

    change = BarringChange
    op_type = BarringChange.op_type
    how_to = ("utter_faq_barring", "utter_can_do_barring")

    def name(self) -> str:
        return "validate_change_barrings_form"


class ActionAskBarringChanges(ActionAskCatalogChange):
    """Blocked services now and one block/unblock button per service."""

    change = BarringChange

    def name(self) -> str:
        return "action_ask_barring_changes"


class ActionPrepareChangeBarrings(ActionPrepareCatalogChange):
    """Prepares ``change_barrings``."""

    change = BarringChange

    def name(self) -> str:
        return "action_prepare_change_barrings"
