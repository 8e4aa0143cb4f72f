"""per-tenant data keys and blind indexes (issue 12, PII at rest)

`pii_keys` holds each tenant's data keys and blind-index key, wrapped by the master key;
orders gain `pii` (the ciphertext of names, phones, email, street and buyer free text) and
the blind-index columns; webhook and channel secrets become ciphertext (wider columns).
Orders stored before this revision keep their clear fields until `orderhub keys
rotate-data` rewrites them (the migration has no master key, by design).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from orderhub.adapters.db.types import UTCDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pii_keys",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("purpose", sa.String(16), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("wrapped", sa.Text(), nullable=False),
        sa.Column("master_key_id", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("pii", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("bidx_phone", sa.String(80)))
        batch.add_column(sa.Column("bidx_customer_phone", sa.String(80)))
        batch.add_column(sa.Column("bidx_email", sa.String(80)))
    op.create_index("ix_orders_bidx_phone", "orders", ["tenant_id", "bidx_phone"])
    op.create_index("ix_orders_bidx_customer_phone", "orders",
                    ["tenant_id", "bidx_customer_phone"])
    op.create_index("ix_orders_bidx_email", "orders", ["tenant_id", "bidx_email"])
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.alter_column("secret", type_=sa.Text(), existing_nullable=False)
    with op.batch_alter_table("channels") as batch:
        batch.alter_column("secret", type_=sa.Text(), existing_nullable=False,
                           existing_server_default="")


def downgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.alter_column("secret", type_=sa.String(200), existing_nullable=False,
                           existing_server_default="")
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.alter_column("secret", type_=sa.String(200), existing_nullable=False)
    op.drop_index("ix_orders_bidx_email", "orders")
    op.drop_index("ix_orders_bidx_customer_phone", "orders")
    op.drop_index("ix_orders_bidx_phone", "orders")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("bidx_email")
        batch.drop_column("bidx_customer_phone")
        batch.drop_column("bidx_phone")
        batch.drop_column("pii")
    op.drop_table("pii_keys")
