"""The operation type ``unblock_sim``: a SIM blocked as lost was found again.

``str_enum`` columns are VARCHAR plus a CHECK constraint on every backend (no native PostgreSQL
ENUM type), so the new value widens the CHECK constraint of ``operations.type``.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 22:35:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_TYPES = (
    "activate_line",
    "replace_sim",
    "block_sim",
    "change_plan",
    "change_options",
    "change_barrings",
    "deactivate_line",
    "setup_direct_debit",
    "stop_direct_debit",
    "change_delivery_method",
    "request_repair",
    "place_order",
)
NEW_TYPES = (*OLD_TYPES, "unblock_sim")


def _operation_type(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(
        *values, name="operation_type", native_enum=False, create_constraint=True, length=32
    )


def _set_operation_types(values: tuple[str, ...], previous: tuple[str, ...]) -> None:
    """Widen/narrow the CHECK constraint of operations.type."""
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot alter a constraint in place: the table is copied.
        with op.batch_alter_table("operations", recreate="always") as batch_op:
            batch_op.alter_column(
                "type", existing_type=_operation_type(previous), type_=_operation_type(values)
            )
        return
    op.drop_constraint("operation_type", "operations", type_="check")
    listed = ", ".join(f"'{value}'" for value in values)
    op.create_check_constraint("operation_type", "operations", f"type IN ({listed})")


def upgrade() -> None:
    _set_operation_types(NEW_TYPES, OLD_TYPES)


def downgrade() -> None:
    # For SIMs in no stock, a line's last block_sim/unblock_sim says whether its SIM is blocked
    # (handlers/block_sim.py): deleting an unblock would make the earlier block the last word
    # again and a later suspension liftable by the bot. They are refused instead.
    unblocks = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM operations WHERE type = 'unblock_sim'")
    )
    if unblocks:
        raise RuntimeError(
            f"{unblocks} operation(s) are SIM unblocks, which revision 0014 cannot store; "
            "delete them before downgrading."
        )
    _set_operation_types(OLD_TYPES, NEW_TYPES)
