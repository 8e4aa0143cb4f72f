"""order customer ref

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 09:07:29.137482
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("customer_ref", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.create_index(
            "ix_orders_customer", ["tenant_id", "customer_ref", "created_at"], unique=False
        )
    # Orders stored before this revision: copy the ref out of the customer document.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE orders SET customer_ref = COALESCE(customer->>'ref', '')")
    else:
        op.execute("UPDATE orders SET customer_ref = COALESCE(json_extract(customer, '$.ref'), '')")


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_customer")
        batch_op.drop_column("customer_ref")
