"""demand forecasts (issue 18): imported demand history, fit runs (versions), the serving
model per series with its backtest errors, and daily forecast points with 80%/95%
prediction intervals per level (docs/forecasting.md).

Revision ID: 0037
Revises: 0036 (the head on main when this branch started; the brief said 0029, which 0036 already revises)
Create Date: 2026-12-07 09:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from orderhub.adapters.db.types import JSONDoc, UTCDateTime

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _key() -> list[sa.Column]:  # type: ignore[type-arg]
    return [sa.Column("run_id", sa.String(40), primary_key=True),
            sa.Column("level", sa.String(16), primary_key=True),
            sa.Column("sku", sa.String(64), primary_key=True),
            sa.Column("location_kind", sa.String(16), primary_key=True),
            sa.Column("location", sa.String(64), primary_key=True)]


def upgrade() -> None:
    op.create_table(
        "forecast_history",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("dataset", sa.String(64), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("location_kind", sa.String(16), nullable=False),
        sa.Column("location", sa.String(64), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("quantity", sa.Float, nullable=False),
    )
    op.create_index("ix_forecast_history_dataset", "forecast_history",
                    ["tenant_id", "dataset", "day"])
    op.create_table(
        "forecast_runs",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("horizon", sa.Integer, nullable=False),
        sa.Column("history_from", sa.Date, nullable=False),
        sa.Column("history_to", sa.Date, nullable=False),
        sa.Column("summary", JSONDoc, nullable=False),
    )
    op.create_index("ix_forecast_runs_recent", "forecast_runs", ["tenant_id", "created_at"])
    op.create_table(
        "forecast_series",
        *_key(),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("segment", sa.String(16), nullable=False),
        sa.Column("model", sa.String(32), nullable=False),
        sa.Column("fallback_reason", sa.Text),
        sa.Column("backtest", JSONDoc, nullable=False),
        sa.Column("drifted_at", UTCDateTime()),
    )
    op.create_table(
        "forecast_points",
        *_key(),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("mean", sa.Float, nullable=False),
        sa.Column("lo80", sa.Float, nullable=False),
        sa.Column("hi80", sa.Float, nullable=False),
        sa.Column("lo95", sa.Float, nullable=False),
        sa.Column("hi95", sa.Float, nullable=False),
    )


def downgrade() -> None:
    for name in ("forecast_points", "forecast_series", "forecast_runs", "forecast_history"):
        op.drop_table(name)
