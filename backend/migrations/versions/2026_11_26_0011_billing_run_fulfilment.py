"""Billing run and fulfilment: invoice delivery method, order and repair status history.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 14:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "delivery_method",
                sa.Enum(
                    "post",
                    "email_sms",
                    name="invoice_delivery_method",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=True,
            )
        )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_history", sa.JSON(), nullable=True))
    with op.batch_alter_table("repairs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_history", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("repairs", schema=None) as batch_op:
        batch_op.drop_column("status_history")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("status_history")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        # The CHECK constraint names the column: it goes first (SQLite copies the table).
        batch_op.drop_constraint(batch_op.f("ck_invoices_invoice_delivery_method"), type_="check")
        batch_op.drop_column("delivery_method")
