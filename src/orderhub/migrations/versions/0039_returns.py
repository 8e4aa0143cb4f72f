"""returns (issue 17, RMA): return requests with their lines, the units received per grade
and day, and each tenant's return policy document (domain/returns.py).

Revision ID: 0039
Revises: 0040 (this branch merged order-money, whose 0040 also revises 0037; the
brief said 0037: re-chain as the merge order needs)
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from orderhub.adapters.db.types import JSONDoc, Money, UTCDateTime

revision: str = "0039"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "return_requests",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("channel_ref", sa.String(200), nullable=False, server_default=""),
        sa.Column("exchange_order_id", sa.String(40), nullable=False, server_default=""),
        sa.Column("refund_total", Money),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("doc", JSONDoc, nullable=False),
    )
    op.create_index("ix_return_requests_order", "return_requests", ["tenant_id", "order_id"])
    op.create_index("ix_return_requests_status", "return_requests",
                    ["tenant_id", "status", "requested_at"])
    op.create_index("ix_return_requests_ref", "return_requests",
                    ["tenant_id", "channel", "channel_ref"])
    op.create_table(
        "return_lines",
        sa.Column("return_id", sa.String(40), primary_key=True),
        sa.Column("line_no", sa.Integer, primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
    )
    op.create_index("ix_return_lines_sku", "return_lines", ["tenant_id", "sku"])
    op.create_table(
        "return_units",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("return_id", sa.String(40), nullable=False),
        sa.Column("order_id", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("line_no", sa.Integer, nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("warehouse", sa.String(64), nullable=False),
        sa.Column("grade", sa.String(16), nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_return_units_day", "return_units", ["tenant_id", "day"])
    op.create_table(
        "return_policies",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("doc", JSONDoc, nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("return_policies")
    op.drop_index("ix_return_units_day", "return_units")
    op.drop_table("return_units")
    op.drop_index("ix_return_lines_sku", "return_lines")
    op.drop_table("return_lines")
    op.drop_index("ix_return_requests_ref", "return_requests")
    op.drop_index("ix_return_requests_status", "return_requests")
    op.drop_index("ix_return_requests_order", "return_requests")
    op.drop_table("return_requests")
