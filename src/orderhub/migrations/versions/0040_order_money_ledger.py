"""order money ledger (issue 17 part 3): invoices per shipment, payments, cancellations,
credits and refunds of an order, split by line (docs/money.md).

Revision ID: 0040
Revises: 0037
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from orderhub.adapters.db.types import JSONDoc, Money, UTCDateTime

revision: str = "0040"
down_revision: str | None = "0039"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "order_money_entries",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(40), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("lines", JSONDoc, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("content", sa.String(64), nullable=False, server_default=""),
        sa.UniqueConstraint("tenant_id", "order_id", "seq", name="uq_order_money_entries_seq"),
    )


def downgrade() -> None:
    op.drop_table("order_money_entries")
