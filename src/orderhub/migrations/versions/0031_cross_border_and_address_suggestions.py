"""cross-border worked out, address suggestions (issue 16, classes 3-5)

warehouses.country: the ISO country a site ships from (CN for every existing site; the
cross-border check compares it with the ship-to country). channels.cross_border: a
cross-border channel (every order it sends is cross-border); channels.ship_from_country:
the country its orders ship from by default, read before routing. orders.address_suggestion:
what enrichment suggested for a missing province/city/district (values, confidence,
source), kept until the operator accepts it or a rule auto-fills it.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("warehouses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("country", sa.String(2), server_default="CN",
                                      nullable=False))
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cross_border", sa.Boolean(),
                                      server_default=sa.text("(false)"), nullable=False))
        batch_op.add_column(sa.Column("ship_from_country", sa.String(2), server_default="",
                                      nullable=False))
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            "address_suggestion",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("address_suggestion")
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.drop_column("ship_from_country")
        batch_op.drop_column("cross_border")
    with op.batch_alter_table("warehouses", schema=None) as batch_op:
        batch_op.drop_column("country")
