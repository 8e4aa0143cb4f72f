"""outbox.recorded_at: when the transaction that committed an event wrote it, carried as
the CloudEvents `recordedtime` extension next to `time` (when it occurred) (issue 13)

Revision ID: 0027
Revises: 0025
Create Date: 2026-12-07 05:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orderhub.adapters.db.types

revision: str = "0027"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: rows from before this revision have no record time (their `time` stands).
    op.add_column(
        "outbox",
        sa.Column("recorded_at", orderhub.adapters.db.types.UTCDateTime(timezone=True)),
    )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("recorded_at")
