"""indexes for the operations console: recent intake and date ranges, an external id in
any channel, a site's orders, orders finished against their promise (issue 15)

Revision ID: 0025
Revises: 0023
Create Date: 2026-12-07 02:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # channel and status too: the dashboard counts the last minute from the index alone
    op.create_index("ix_orders_tenant_created", "orders",
                    ["tenant_id", "created_at", "channel", "status"])
    op.create_index("ix_orders_tenant_external", "orders", ["tenant_id", "external_id"])
    op.create_index("ix_shipments_warehouse", "shipments",
                    ["tenant_id", "warehouse", "order_id"])
    op.create_index("ix_order_twins_finished", "order_twins", ["tenant_id", "finished_at"])


def downgrade() -> None:
    op.drop_index("ix_order_twins_finished", table_name="order_twins")
    op.drop_index("ix_shipments_warehouse", table_name="shipments")
    op.drop_index("ix_orders_tenant_external", table_name="orders")
    op.drop_index("ix_orders_tenant_created", table_name="orders")
