"""Web chat messages carry the language they are written in (NULL: unknown, e.g. the user's).

The page around the widget follows the conversation's language, and each bubble gets ``lang``.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 08:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("web_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "language",
                sa.Enum(
                    "fr",
                    "nl",
                    "en",
                    name="language",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("web_messages", schema=None) as batch_op:
        # SQLite's batch copy would otherwise keep the CHECK on the dropped column.
        batch_op.drop_constraint(op.f("ck_web_messages_language"), type_="check")
        batch_op.drop_column("language")
