"""channels and validation

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 08:34:52.321287
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import orderhub.adapters.db.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sku_mappings",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("key_type", sa.String(length=16), nullable=False),
        sa.Column("channel_key", sa.String(length=500), nullable=False),
        sa.Column("master_sku", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at", orderhub.adapters.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "channel", "key_type", "channel_key", name=op.f("pk_sku_mappings")
        ),
    )
    with op.batch_alter_table("sku_mappings", schema=None) as batch_op:
        batch_op.create_index("ix_sku_mappings_master", ["tenant_id", "master_sku"], unique=False)

    op.create_table(
        "validation_rule_history",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "snapshot",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "changed_at", orderhub.adapters.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_validation_rule_history")),
    )
    op.create_table(
        "validation_rules",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("check", sa.String(length=64), nullable=False),
        sa.Column(
            "params",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("description", sa.String(length=500), server_default="", nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column(
            "updated_at", orderhub.adapters.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("tenant_id", "code", name=op.f("pk_validation_rules")),
    )
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("adapter", sa.String(length=32), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("secret", sa.String(length=200), server_default="", nullable=False)
        )

    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel_sku", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("title", sa.String(length=500), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("barcode", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("hs_code", sa.String(length=20), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("origin_country", sa.String(length=2), server_default="", nullable=False)
        )

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "attributes",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                server_default="{}",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "cross_border", sa.Boolean(), server_default=sa.text("(false)"), nullable=False
            )
        )
        batch_op.add_column(
            sa.Column(
                "declared_value",
                orderhub.adapters.db.types.Money(precision=20, scale=6),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "stated_total",
                orderhub.adapters.db.types.Money(precision=20, scale=6),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "channel_updated_at",
                orderhub.adapters.db.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "overrides",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                server_default="[]",
                nullable=False,
            )
        )

    with op.batch_alter_table("skus", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "attributes",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                server_default="{}",
                nullable=False,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("skus", schema=None) as batch_op:
        batch_op.drop_column("attributes")

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("overrides")
        batch_op.drop_column("channel_updated_at")
        batch_op.drop_column("stated_total")
        batch_op.drop_column("declared_value")
        batch_op.drop_column("cross_border")
        batch_op.drop_column("attributes")

    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_column("origin_country")
        batch_op.drop_column("hs_code")
        batch_op.drop_column("barcode")
        batch_op.drop_column("title")
        batch_op.drop_column("channel_sku")

    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.drop_column("secret")
        batch_op.drop_column("adapter")

    op.drop_table("validation_rules")
    op.drop_table("validation_rule_history")
    with op.batch_alter_table("sku_mappings", schema=None) as batch_op:
        batch_op.drop_index("ix_sku_mappings_master")

    op.drop_table("sku_mappings")
