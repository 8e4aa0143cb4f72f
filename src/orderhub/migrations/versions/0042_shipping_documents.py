"""shipping documents (issue 19 part 4): a tenant's label layouts per carrier (versioned) and
the record of each document produced for a shipment (kind, format, layout version, SHA-256;
never the bytes, which hold personal data: reprints render again from the order).

Revision ID: 0042
Revises: 0037 (the coordinator re-chains migrations when merging)
Create Date: 2026-12-07 12:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from orderhub.adapters.db.types import JSONDoc, UTCDateTime

revision: str = "0042"
down_revision: str | None = "0041"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "label_layouts",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("carrier", sa.String(32), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("document", JSONDoc, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "shipping_documents",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(40), nullable=False),
        sa.Column("shipment_id", sa.String(40), nullable=False),
        sa.Column("warehouse", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("carrier", sa.String(32), nullable=False),
        sa.Column("waybill", sa.String(64), nullable=False),
        sa.Column("layout_version", sa.String(32), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("tenant_id", "shipment_id", "kind", "format", "sha256",
                            name="uq_shipping_documents_content"),
    )
    op.create_index("ix_shipping_documents_order", "shipping_documents",
                    ["tenant_id", "order_id"])


def downgrade() -> None:
    op.drop_index("ix_shipping_documents_order", "shipping_documents")
    op.drop_table("shipping_documents")
    op.drop_table("label_layouts")
