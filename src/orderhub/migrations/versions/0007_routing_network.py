"""routing network: site profiles, shipment carriers, lanes, region blocks, routing rules

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 13:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import orderhub.adapters.db.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
Money = orderhub.adapters.db.types.Money(precision=20, scale=6)
Time = orderhub.adapters.db.types.UTCDateTime(timezone=True)
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("warehouses", sa.Column("province", sa.String(32), server_default="", nullable=False))
    op.add_column("warehouses", sa.Column("kind", sa.String(16), server_default="warehouse", nullable=False))
    op.add_column("warehouses", sa.Column("handling_per_order", Money, server_default="3.00", nullable=False))
    op.add_column("warehouses", sa.Column("handling_per_unit", Money, server_default="0.50", nullable=False))
    op.add_column("warehouses", sa.Column("capabilities", JSON, server_default="[]", nullable=False))
    op.add_column("warehouses", sa.Column("max_queue_days", sa.Integer(), server_default="2", nullable=False))
    op.add_column("orders", sa.Column("service_level", sa.String(16), server_default="standard", nullable=False))
    op.add_column("orders", sa.Column("pickup_store", sa.String(64), server_default="", nullable=False))
    op.add_column("shipments", sa.Column("carrier_service", sa.String(64), server_default="", nullable=False))
    op.add_column("shipments", sa.Column("waybill", sa.String(64), server_default="", nullable=False))
    op.create_index("ix_shipments_queue", "shipments", ["tenant_id", "status", "warehouse"])
    op.add_column("carrier_services", sa.Column("delay_days", sa.Integer(), server_default="0", nullable=False))
    op.add_column("carrier_services", sa.Column("lanes", JSON, server_default="{}", nullable=False))
    op.add_column("carrier_services", sa.Column("max_kg", Money, nullable=True))
    op.create_table(
        "region_blocks",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("area", sa.String(32), nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("lifted_by", sa.String(200), nullable=True),
        sa.Column("lifted_at", Time, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_region_blocks")),
    )
    op.create_index("ix_region_blocks_active", "region_blocks", ["tenant_id", "active"])
    op.create_table(
        "routing_rules",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("doc", JSON, nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", Time, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "code", name=op.f("pk_routing_rules")),
    )
    op.create_table(
        "routing_rule_history",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("doc", JSON, nullable=False),
        sa.Column("changed_by", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("changed_at", Time, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_rule_history")),
    )
    op.create_index("ix_routing_rule_history_code", "routing_rule_history",
                    ["tenant_id", "code", "id"])


def downgrade() -> None:
    op.drop_index("ix_routing_rule_history_code", table_name="routing_rule_history")
    op.drop_table("routing_rule_history")
    op.drop_table("routing_rules")
    op.drop_index("ix_region_blocks_active", table_name="region_blocks")
    op.drop_table("region_blocks")
    with op.batch_alter_table("carrier_services") as b:
        for c in ("max_kg", "lanes", "delay_days"):
            b.drop_column(c)
    op.drop_index("ix_shipments_queue", table_name="shipments")
    with op.batch_alter_table("shipments") as b:
        for c in ("waybill", "carrier_service"):
            b.drop_column(c)
    with op.batch_alter_table("orders") as b:
        for c in ("pickup_store", "service_level"):
            b.drop_column(c)
    with op.batch_alter_table("warehouses") as b:
        for c in ("max_queue_days", "capabilities", "handling_per_unit", "handling_per_order",
                  "kind", "province"):
            b.drop_column(c)
