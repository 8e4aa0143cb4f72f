"""channel cut-over in shadow mode (issue 16)

channels.mode: live (orders reserve stock, as before) or shadow (orders validated and
routed, never reserved). shadow_orders: what the hub made of each order of a channel in
shadow (status, planned sites, total, hold codes; no personal data). legacy_orders: the
legacy system's export of the same orders, which the cut-over report compares with them.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from orderhub.adapters.db.types import JSONDoc, Money, UTCDateTime

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.add_column(sa.Column("mode", sa.String(16), nullable=False,
                                   server_default="live"))
    op.create_table(
        "shadow_orders",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(64), primary_key=True),
        sa.Column("external_id", sa.String(200), primary_key=True),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("warehouses", JSONDoc, nullable=False),
        sa.Column("grand_total", Money(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("hold_codes", JSONDoc, nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("placed_at", UTCDateTime()),
        sa.Column("moment", UTCDateTime(), nullable=False),
        sa.Column("payload_hash", sa.String(64), nullable=False, server_default=""),
        sa.Column("channel_updated_at", UTCDateTime()),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_shadow_orders_moment", "shadow_orders",
                    ["tenant_id", "channel", "moment"])
    op.create_table(
        "legacy_orders",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(64), primary_key=True),
        sa.Column("external_id", sa.String(200), primary_key=True),
        sa.Column("status", sa.String(64), nullable=False, server_default=""),
        sa.Column("warehouses", JSONDoc, nullable=False),
        sa.Column("total", Money(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("held", sa.Boolean(), nullable=False),
        sa.Column("hold_reason", sa.String(500), nullable=False, server_default=""),
        sa.Column("placed_at", UTCDateTime()),
        sa.Column("line", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("source", sa.String(300), nullable=False, server_default=""),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("legacy_orders")
    op.drop_index("ix_shadow_orders_moment", table_name="shadow_orders")
    op.drop_table("shadow_orders")
    with op.batch_alter_table("channels") as batch:
        batch.drop_column("mode")
