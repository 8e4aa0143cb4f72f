"""pre-allocation 72 hours ahead (issue 18 item 3): per-tenant planning settings, plans and
their suggested transfers, transfer orders (created, shipped = in transit, received).

Revision ID: 0044
Revises: 0037
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from orderhub.adapters.db.types import JSONDoc, Money, UTCDateTime

revision: str = "0044"
down_revision: str | None = "0043"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "planning_settings",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("settings", JSONDoc, nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "preallocation_plans",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("horizon_hours", sa.Integer, nullable=False),
        sa.Column("forecast_run_id", sa.String(40), nullable=False),
        sa.Column("summary", JSONDoc, nullable=False),
    )
    op.create_index("ix_preallocation_plans_recent", "preallocation_plans",
                    ["tenant_id", "created_at"])
    op.create_table(
        "preallocation_suggestions",
        sa.Column("plan_id", sa.String(40), primary_key=True),
        sa.Column("n", sa.Integer, primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("origin", sa.String(64), nullable=False),
        sa.Column("destination", sa.String(64), nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("lead_days", sa.Integer, nullable=False),
        sa.Column("unit_cost", Money, nullable=False),
        sa.Column("cost", Money, nullable=False),
        sa.Column("expected_benefit", Money, nullable=False),
        sa.Column("why", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("flag", sa.Text, nullable=False),
        sa.Column("source_safety_stock", sa.Integer, nullable=False),
        sa.Column("transfer_id", sa.String(40), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("decided_at", UTCDateTime()),
    )
    op.create_table(
        "transfer_orders",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("origin", sa.String(64), nullable=False),
        sa.Column("destination", sa.String(64), nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("expected_at", UTCDateTime(), nullable=False),
        sa.Column("plan_id", sa.String(40), nullable=False),
        sa.Column("suggestion_n", sa.Integer, nullable=False),
        sa.Column("below_safety", sa.Boolean, nullable=False),
        sa.Column("shipped_at", UTCDateTime()),
        sa.Column("received_at", UTCDateTime()),
        sa.CheckConstraint("quantity > 0",
                           name=op.f("ck_transfer_orders_quantity_positive")),
    )
    op.create_index("ix_transfer_orders_open", "transfer_orders",
                    ["tenant_id", "status", "sku"])


def downgrade() -> None:
    for name in ("transfer_orders", "preallocation_suggestions", "preallocation_plans",
                 "planning_settings"):
        op.drop_table(name)
