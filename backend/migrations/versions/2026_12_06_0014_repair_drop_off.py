"""Repairs dropped off at a shop: the pickup value ``drop_off``, and no address for it.

``str_enum`` columns are VARCHAR plus a CHECK constraint on every backend (no native PostgreSQL
ENUM type), so the new value widens the CHECK constraint: no ``ALTER TYPE ... ADD VALUE``, which
would have to run outside the migration's transaction.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 22:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_PICKUPS = ("workplace", "other_address")
NEW_PICKUPS = (*OLD_PICKUPS, "drop_off")


def _pickup_type(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(
        *values, name="repair_pickup", native_enum=False, create_constraint=True, length=32
    )


def _set_pickups(
    values: tuple[str, ...], previous: tuple[str, ...], *, address_nullable: bool
) -> None:
    """Widen/narrow the CHECK constraint of repairs.pickup and set whether an address is needed."""
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot alter a constraint or a NOT NULL in place: the table is copied.
        with op.batch_alter_table("repairs", recreate="always") as batch_op:
            batch_op.alter_column(
                "pickup", existing_type=_pickup_type(previous), type_=_pickup_type(values)
            )
            batch_op.alter_column("address", existing_type=sa.JSON(), nullable=address_nullable)
        return
    op.drop_constraint("repair_pickup", "repairs", type_="check")
    listed = ", ".join(f"'{value}'" for value in values)
    op.create_check_constraint("repair_pickup", "repairs", f"pickup IN ({listed})")
    op.alter_column("repairs", "address", existing_type=sa.JSON(), nullable=address_nullable)


def upgrade() -> None:
    _set_pickups(NEW_PICKUPS, OLD_PICKUPS, address_nullable=True)


def downgrade() -> None:
    # A drop-off has no address and no courier: turning it into a pickup would send a courier
    # nowhere, and deleting it would lose a customer's repair. They are refused instead.
    dropped_off = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM repairs WHERE pickup = 'drop_off'")
    )
    if dropped_off:
        raise RuntimeError(
            f"{dropped_off} repair(s) are dropped off at a shop, which revision 0013 cannot "
            "store; change or delete them before downgrading."
        )
    _set_pickups(OLD_PICKUPS, NEW_PICKUPS, address_nullable=False)
