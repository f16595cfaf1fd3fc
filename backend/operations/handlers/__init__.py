"""The registry of operation types."""

from __future__ import annotations

from typing import Any

from backend.operations.handlers.activate_line import ActivateLine
from backend.operations.handlers.base import OperationHandler
from backend.operations.handlers.billing import (
    ChangeDeliveryMethod,
    SetupDirectDebit,
    StopDirectDebit,
)
from backend.operations.handlers.block_sim import BlockSim, UnblockSim
from backend.operations.handlers.change_barrings import ChangeBarrings
from backend.operations.handlers.change_options import ChangeOptions
from backend.operations.handlers.change_plan import ChangePlan
from backend.operations.handlers.deactivate_line import DeactivateLine
from backend.operations.handlers.place_order import PlaceOrder
from backend.operations.handlers.replace_sim import ReplaceSim
from backend.operations.handlers.request_repair import RequestRepair
from backend.operations.models import OperationType

HANDLERS: dict[OperationType, OperationHandler[Any]] = {
    handler.op_type: handler
    for handler in (
        ActivateLine(),
        ReplaceSim(),
        BlockSim(),
        UnblockSim(),
        ChangePlan(),
        ChangeOptions(),
        ChangeBarrings(),
        DeactivateLine(),
        SetupDirectDebit(),
        StopDirectDebit(),
        ChangeDeliveryMethod(),
        RequestRepair(),
        PlaceOrder(),
    )
}
