"""the buyer's tracking page (issue 19): per-tenant keys that seal tracking links, per-order
revocations, and customer service's scripts (size guide, return policy, contact) per SKU,
category or the tenant's default.

Revision ID: 0045
Revises: 0037
Create Date: 2026-12-07 11:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from orderhub.adapters.db.types import UTCDateTime

revision: str = "0045"
down_revision: str | None = "0044"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tracking_link_keys",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("secret", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("retired_at", UTCDateTime()),
    )
    op.create_table(
        "tracking_link_revocations",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("order_id", sa.String(64), primary_key=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "service_scripts",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("target", sa.String(80), primary_key=True),
        sa.Column("lang", sa.String(8), primary_key=True),
        sa.Column("size_guide", sa.Text, nullable=False, server_default=""),
        sa.Column("return_policy", sa.Text, nullable=False, server_default=""),
        sa.Column("contact", sa.Text, nullable=False, server_default=""),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("service_scripts")
    op.drop_table("tracking_link_revocations")
    op.drop_table("tracking_link_keys")
