"""anomaly price summary (issue 13: a bounded price-conflict read)

anomaly_price_summary: channel prices per tenant, SKU, channel, price (to the cent) and UTC
hour, the lines summed. The price-conflict feature read every price row of the batch's SKUs
of the last seven days from intake_fingerprints (one row per SKU, channel and price per
batch: the read grew with the batches in the window); it now reads the summary, which has
at most one row per price and hour. The existing price fingerprints are summed into it and
deleted from intake_fingerprints, which from now on holds identities only.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from orderhub.adapters.db.types import UTCDateTime

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = "tenant_id, sku, channel, price, bucket, lines"


def _hour(column: str) -> str:
    """The start of the UTC hour of a stored moment, as the column type stores it
    (SQLite: naive UTC text `YYYY-MM-DD HH:MM:SS.ffffff`; PostgreSQL: timestamptz)."""
    if op.get_bind().dialect.name == "sqlite":
        return f"substr({column}, 1, 13) || ':00:00.000000'"
    return f"date_trunc('hour', {column} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"


def upgrade() -> None:
    op.create_table(
        "anomaly_price_summary",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("sku", sa.String(80), primary_key=True),
        sa.Column("channel", sa.String(64), primary_key=True),
        sa.Column("price", sa.Float(), primary_key=True),
        sa.Column("bucket", UTCDateTime(), primary_key=True),
        sa.Column("lines", sa.Integer(), nullable=False),
        sqlite_with_rowid=False,
    )
    hour = _hour("seen_at")
    op.execute(
        f"INSERT INTO anomaly_price_summary ({_COLUMNS}) "
        f"SELECT tenant_id, key, channel, value, {hour}, SUM(quantity) "
        "FROM intake_fingerprints WHERE kind = 'price' "
        f"GROUP BY tenant_id, key, channel, value, {hour}"
    )
    op.execute("DELETE FROM intake_fingerprints WHERE kind = 'price'")


def downgrade() -> None:
    op.execute(
        "INSERT INTO intake_fingerprints (tenant_id, kind, key, seen_at, account, channel, "
        "value, quantity) SELECT tenant_id, 'price', sku, bucket, '', channel, price, lines "
        "FROM anomaly_price_summary"
    )
    op.drop_table("anomaly_price_summary")
