"""tenants.network_revision: the row that serialises intake with network changes

Every change to a tenant's network (sites, carriers, region blocks, rules) bumps the
revision in its transaction; intake reads it under a share lock first, so no order commits
to a site, carrier or region that closed under it (and cached network state is reused only
while the revision is unchanged).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.add_column(sa.Column("network_revision", sa.Integer(), nullable=False,
                                   server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("network_revision")
