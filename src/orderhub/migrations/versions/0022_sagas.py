"""compensation sagas (issue 14, compensation)

`sagas`: one row per compensation saga (domain/saga.py): kind, state, its steps (each
pending/done/failed with attempts and the last error) and what they act on as JSON, and
`next_attempt_at`, which the saga-resume job reads through the index on (state,
next_attempt_at).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from orderhub.adapters.db.types import JSONDoc, UTCDateTime

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sagas",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("cause", sa.String(1000), nullable=False, server_default=""),
        sa.Column("steps", JSONDoc, nullable=False),
        sa.Column("data", JSONDoc, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False, server_default=""),
        sa.Column("next_attempt_at", UTCDateTime()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_sagas_due", "sagas", ["state", "next_attempt_at"])
    op.create_index("ix_sagas_order", "sagas", ["tenant_id", "order_id"])


def downgrade() -> None:
    op.drop_index("ix_sagas_order", table_name="sagas")
    op.drop_index("ix_sagas_due", table_name="sagas")
    op.drop_table("sagas")
