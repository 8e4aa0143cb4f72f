"""carrier tracking checkpoints and signing secrets (issue 14, tracking)

`carrier_checkpoints`: every checkpoint a carrier pushed, unique per (tenant, carrier,
event id) so a repeated push is stored once; matched to a shipment by waybill, or kept as an
orphan (order_id null) until its waybill is booked. `carrier_tracking_secrets`: the secret
each carrier signs its pushes with, per tenant, stored encrypted. Shipments get an index on
(tenant, waybill) for the match.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from orderhub.adapters.db.types import UTCDateTime

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "carrier_checkpoints",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("carrier", sa.String(32), nullable=False),
        sa.Column("waybill", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("location", sa.String(200), nullable=False, server_default=""),
        sa.Column("description", sa.String(500), nullable=False, server_default=""),
        sa.Column("order_id", sa.String(40)),
        sa.Column("shipment_id", sa.String(40)),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("matched_at", UTCDateTime()),
        sa.UniqueConstraint("tenant_id", "carrier", "event_id",
                            name="uq_carrier_checkpoints_tenant_carrier_event"),
    )
    op.create_index("ix_carrier_checkpoints_waybill", "carrier_checkpoints",
                    ["tenant_id", "carrier", "waybill"])
    op.create_index("ix_carrier_checkpoints_order", "carrier_checkpoints",
                    ["tenant_id", "order_id"])
    op.create_index("ix_carrier_checkpoints_orphans", "carrier_checkpoints",
                    ["matched_at", "received_at"])
    op.create_index("ix_shipments_waybill", "shipments", ["tenant_id", "waybill"])
    op.create_table(
        "carrier_tracking_secrets",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("carrier", sa.String(32), primary_key=True),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("carrier_tracking_secrets")
    op.drop_index("ix_shipments_waybill", table_name="shipments")
    op.drop_index("ix_carrier_checkpoints_orphans", table_name="carrier_checkpoints")
    op.drop_index("ix_carrier_checkpoints_order", table_name="carrier_checkpoints")
    op.drop_index("ix_carrier_checkpoints_waybill", table_name="carrier_checkpoints")
    op.drop_table("carrier_checkpoints")
