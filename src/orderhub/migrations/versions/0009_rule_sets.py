"""rule sets: lifecycle, sandbox, canary

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 17:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import orderhub.adapters.db.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
Time = orderhub.adapters.db.types.UTCDateTime(timezone=True)
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "rule_sets",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("rules", JSON, nullable=False),
        sa.Column("warnings", JSON, nullable=False),
        sa.Column("sandbox", JSON, nullable=True),
        sa.Column("slice", JSON, nullable=True),
        sa.Column("previous", JSON, nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("changed_at", Time, nullable=False),
        sa.Column("canary_at", Time, nullable=True),
        sa.Column("canary_until", Time, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_sets")),
        sa.UniqueConstraint("tenant_id", "version", name="uq_rule_sets_version"),
    )
    op.create_index("ix_rule_sets_state", "rule_sets", ["tenant_id", "state"])
    op.create_index("uq_rule_sets_one_canary", "rule_sets", ["tenant_id"], unique=True,
                    postgresql_where=sa.text("state = 'canary'"),
                    sqlite_where=sa.text("state = 'canary'"))


def downgrade() -> None:
    op.drop_index("uq_rule_sets_one_canary", table_name="rule_sets")
    op.drop_index("ix_rule_sets_state", table_name="rule_sets")
    op.drop_table("rule_sets")
