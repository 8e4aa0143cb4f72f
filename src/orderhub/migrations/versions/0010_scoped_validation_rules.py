"""validation rules join the one rule model: a scope (the conditions that select orders)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("validation_rules") as batch:
        batch.add_column(sa.Column("scope", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("validation_rules") as batch:
        batch.drop_column("scope")
