"""API keys, console users and sessions (issue 12, access control)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from orderhub.adapters.db.types import JSONDoc, UTCDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "credentials",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("user_id", sa.String(40)),
        sa.Column("role", sa.String(32)),
        sa.Column("scopes", JSONDoc, nullable=False),
        sa.Column("warehouses", JSONDoc, nullable=False, server_default="[]"),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("expires_at", UTCDateTime()),
        sa.Column("revoked_at", UTCDateTime()),
        sa.Column("last_used_at", UTCDateTime()),
        sa.Column("replaced_by", sa.String(40)),
    )
    op.create_index("ix_credentials_tenant", "credentials", ["tenant_id", "kind", "created_at"])
    op.create_table(
        "users",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("login", sa.String(200), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32)),
        sa.Column("scopes", JSONDoc, nullable=False),
        sa.Column("warehouses", JSONDoc, nullable=False, server_default="[]"),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("disabled_at", UTCDateTime()),
        sa.Column("last_login_at", UTCDateTime()),
        sa.UniqueConstraint("tenant_id", "login", name="uq_users_tenant_login"),
    )


def downgrade() -> None:
    op.drop_table("users")
    op.drop_index("ix_credentials_tenant", "credentials")
    op.drop_table("credentials")
