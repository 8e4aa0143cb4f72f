"""group-buy pooling (issue 18 item 5): the pooling policy's versions, pools (one open per
tenant, channel and pickup point) and their members (an order in one pool at most).

Revision ID: 0047
Revises: 0045
Create Date: 2026-12-07 15:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from orderhub.adapters.db.types import JSONDoc, UTCDateTime

revision: str = "0047"
down_revision: str | None = "0046"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pool_policies",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("document", JSONDoc, nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "pools",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("pickup_site", sa.String(64), nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("radius_km", sa.Float, nullable=False),
        sa.Column("threshold", sa.Integer, nullable=False),
        sa.Column("policy_version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("member_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("closes_at", UTCDateTime(), nullable=False),
        sa.Column("close_reason", sa.String(16), nullable=False, server_default=""),
        sa.Column("closed_at", UTCDateTime()),
        sa.Column("closed_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("deliveries", JSONDoc, nullable=False),
    )
    op.create_index("uq_pools_open", "pools", ["tenant_id", "channel", "pickup_site"],
                    unique=True, postgresql_where=sa.text("status = 'open'"),
                    sqlite_where=sa.text("status = 'open'"))
    op.create_index("ix_pools_due", "pools", ["status", "closes_at"])
    op.create_index("ix_pools_tenant", "pools", ["tenant_id", "id"])
    op.create_table(
        "pool_members",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("order_id", sa.String(40), primary_key=True),
        sa.Column("pool_id", sa.String(40), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("distance_km", sa.Float, nullable=False),
        sa.Column("joined_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_pool_members_pool", "pool_members", ["pool_id", "position"])


def downgrade() -> None:
    op.drop_table("pool_members")
    op.drop_table("pools")
    op.drop_table("pool_policies")
