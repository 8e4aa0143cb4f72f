"""open twins by the due time of their next step, for the rescore job (issue 14)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 00:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_order_twins_overdue", "order_twins", ["next_due_at"],
                    postgresql_where=sa.text("finished_at IS NULL"),
                    sqlite_where=sa.text("finished_at IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_order_twins_overdue", table_name="order_twins")
