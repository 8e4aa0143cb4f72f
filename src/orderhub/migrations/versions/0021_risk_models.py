"""late-delivery risk models (issue 14, the order twin's risk)

Each trained version of a tenant's risk model: its held-out metrics (model and SLA
baseline), how it was trained, the serialised model and its sha256, and the champion flag
the scorer loads. The model is kept in the database rather than as a file under the key
directory so every API process and worker reads the same champion in one query, it is
backed up and restored with the history it belongs to, and a new version and its champion
flag commit in one transaction (a few hundred kB per version).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 23:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from orderhub.adapters.db.types import JSONDoc, UTCDateTime

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "risk_models",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("algorithm", sa.String(100), nullable=False),
        sa.Column("feature_version", sa.Integer(), nullable=False),
        sa.Column("metrics", JSONDoc, nullable=False),
        sa.Column("training", JSONDoc, nullable=False),
        sa.Column("model", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("champion", sa.Boolean(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("risk_models")
