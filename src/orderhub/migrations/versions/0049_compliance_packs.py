"""compliance packs (issue 19 item 5): the packs a tenant has switched on, the version and
rules drafted from each, and the tenant's overrides of single pack rules.

Revision ID: 0049
Revises: 0045
Create Date: 2026-12-07 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from orderhub.adapters.db.types import JSONDoc, UTCDateTime

revision: str = "0049"
down_revision: str | None = "0048"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "compliance_packs",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("country", sa.String(2), primary_key=True),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("version", sa.String(16), nullable=False),
        sa.Column("rules", JSONDoc, nullable=False),
        sa.Column("overrides", JSONDoc, nullable=False),
        sa.Column("rule_set", sa.Integer),
        sa.Column("changed_by", sa.String(128), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("compliance_packs")
