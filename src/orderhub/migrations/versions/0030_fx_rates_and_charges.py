"""exchange rates and the components of a channel's total (issue 16, classes 1 and 2)

fx_rates: a tenant's dated exchange rates into its base currency, with their source.
fx_settings: a tenant's base currency and how many days a rate may be used.
orders.amounts: charges outside the lines (fees, duties, tips, order-level discounts and
subsidies, adjustments), what the channel stated of each component, and the conversion into
the base currency the money checks used.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 09:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from orderhub.adapters.db.types import JSONDoc, Money, UTCDateTime

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fx_rates",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("effective_date", sa.Date(), primary_key=True),
        sa.Column("rate", Money(), nullable=False),
        sa.Column("source", sa.String(120), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "fx_settings",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("base_currency", sa.String(3), nullable=False),
        sa.Column("max_age_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
    )
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("amounts", JSONDoc, nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("amounts")
    op.drop_table("fx_settings")
    op.drop_table("fx_rates")
