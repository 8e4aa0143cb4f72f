"""usage counters per tenant, key and operation (issue 12, metering)

One row per (tenant, credential, operation, hour, status class), added to by each flush of
the API processes' in-memory meters (services/metering.py): the usage API and the monthly
statement read it.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from orderhub.adapters.db.types import UTCDateTime

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "usage_counters",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("credential_id", sa.String(64), primary_key=True),
        sa.Column("operation", sa.String(200), primary_key=True),
        sa.Column("hour", UTCDateTime(), primary_key=True),
        sa.Column("status_class", sa.String(3), primary_key=True),
        sa.Column("calls", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("orders", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("rows", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.create_index("ix_usage_counters_hour", "usage_counters", ["tenant_id", "hour"])


def downgrade() -> None:
    op.drop_index("ix_usage_counters_hour", table_name="usage_counters")
    op.drop_table("usage_counters")
