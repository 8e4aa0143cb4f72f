"""indexes for the exception desk and the twin's risk model (issue 14)

- pending remedy proposals by expiry: the proposal-expiry job asks every few seconds for
  pending proposals past their expiry across tenants; without this it reads every proposal
  ever made. State first, then the expiry (the range), then tenant and exception so the
  job's batch is read from the index alone.
- delivered shipments by tenant and delivery time (partial: delivered ones only, so
  intake's inserts never touch it): the twin's measured carrier delays read the last
  deliveries.

Revision ID: 0028
Revises: 0025
Create Date: 2026-12-07 05:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_exception_proposals_pending_expiry", "exception_proposals",
                    ["state", "expires_at", "tenant_id", "exception_id"])
    op.create_index("ix_shipments_delivered", "shipments", ["tenant_id", "delivered_at"],
                    postgresql_where=sa.text("delivered_at IS NOT NULL"),
                    sqlite_where=sa.text("delivered_at IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_shipments_delivered", table_name="shipments")
    op.drop_index("ix_exception_proposals_pending_expiry", table_name="exception_proposals")
