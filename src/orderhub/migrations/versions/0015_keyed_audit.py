"""keyed audit chain and signed checkpoints (issue 12, audit)

Entries written from now on are HMAC-SHA256 under the audit key (scheme `hmac-sha256`);
the entries already there keep `sha256` and stay valid as the chain's prefix (domain/audit.py:
an unkeyed entry after a keyed one is a break). Checkpoints are signed chain heads.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orderhub.adapters.db.types

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Time = orderhub.adapters.db.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    # A plain ADD COLUMN with a default: no table rebuild, however long the log is.
    op.add_column("audit_log", sa.Column("scheme", sa.String(16), nullable=False,
                                         server_default="sha256"))
    op.create_table(
        "audit_checkpoints",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("at", Time, nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "seq", name=op.f("pk_audit_checkpoints")),
    )


def downgrade() -> None:
    op.drop_table("audit_checkpoints")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("scheme")
