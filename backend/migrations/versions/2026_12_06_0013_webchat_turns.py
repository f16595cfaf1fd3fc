"""Web chat turns: each widget message keyed by its client id, its replies linked to it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 19:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_turns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_session_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "sent",
                "late",
                "answered",
                "failed",
                name="web_turn_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["chat_session_id"],
            ["chat_sessions.id"],
            name=op.f("fk_web_turns_chat_session_id_chat_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_turns")),
        sa.UniqueConstraint(
            "chat_session_id", "client_id", name=op.f("uq_web_turns_chat_session_id_client_id")
        ),
    )
    # batch mode: SQLite cannot add a foreign key to an existing table in place.
    with op.batch_alter_table("web_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("turn_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_web_messages_turn_id"), ["turn_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_web_messages_turn_id_web_turns"),
            "web_turns",
            ["turn_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("web_messages", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_web_messages_turn_id_web_turns"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_web_messages_turn_id"))
        batch_op.drop_column("turn_id")
    op.drop_table("web_turns")
