"""anomaly detection at intake (issue 14, item 5)

intake_fingerprints: the keyed digests of the phones, addresses, accounts and baskets
orders used, and channel prices per SKU, read once per intake batch for its velocity
features and pruned past each kind's window. anomaly_detections: what was held or flagged.
anomaly_settings: a tenant's thresholds, versioned.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from orderhub.adapters.db.types import JSONDoc, UTCDateTime

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "intake_fingerprints",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
        sa.Column("account", sa.String(80), nullable=False, server_default=""),
        sa.Column("channel", sa.String(64), nullable=False, server_default=""),
        sa.Column("value", sa.Float(), nullable=False, server_default="0"),
        sa.Column("quantity", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_index("ix_intake_fingerprints_key", "intake_fingerprints",
                    ["tenant_id", "kind", "key", "seen_at"])
    op.create_index("ix_intake_fingerprints_seen", "intake_fingerprints", ["seen_at"])
    op.create_table(
        "anomaly_detections",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(40), nullable=False),
        sa.Column("detected_at", UTCDateTime(), nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("codes", JSONDoc, nullable=False),
        sa.Column("reasons", JSONDoc, nullable=False),
        sa.Column("model_version", sa.String(40), nullable=False),
    )
    op.create_index("ix_anomaly_detections_recent", "anomaly_detections",
                    ["tenant_id", "detected_at"])
    op.create_index("ix_anomaly_detections_order", "anomaly_detections",
                    ["tenant_id", "order_id"])
    op.create_table(
        "anomaly_settings",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("doc", JSONDoc, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("anomaly_settings")
    op.drop_index("ix_anomaly_detections_order", table_name="anomaly_detections")
    op.drop_index("ix_anomaly_detections_recent", table_name="anomaly_detections")
    op.drop_table("anomaly_detections")
    op.drop_index("ix_intake_fingerprints_seen", table_name="intake_fingerprints")
    op.drop_index("ix_intake_fingerprints_key", table_name="intake_fingerprints")
    op.drop_table("intake_fingerprints")
