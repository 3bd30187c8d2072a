"""The open-ticket queue index leads with urgency: /queue and the web inbox read urgent tickets
first, then the oldest, from the index alone

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("state IN ('new', 'claimed', 'waiting_user', 'referred')")


def upgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_open_created_at", postgresql_where=OPEN, sqlite_where=OPEN)
        batch_op.create_index(
            "ix_ticket_open_urgent_created_at",
            [sa.text("urgent DESC"), "created_at", "id"],
            unique=False,
            postgresql_where=OPEN,
            sqlite_where=OPEN,
        )


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_ticket_open_urgent_created_at", postgresql_where=OPEN, sqlite_where=OPEN
        )
        batch_op.create_index(
            "ix_ticket_open_created_at",
            ["created_at", "id"],
            unique=False,
            postgresql_where=OPEN,
            sqlite_where=OPEN,
        )
