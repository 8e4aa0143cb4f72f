"""the exception desk: exceptions, remedy proposals and approvals, SKU substitutions, the
tier policy (issue 14)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from orderhub.adapters.db.types import JSONDoc, Money, UTCDateTime

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "exceptions",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("dedupe", sa.String(250), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("tier", sa.String(4)),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("details", JSONDoc, nullable=False),
        sa.Column("remedies", JSONDoc, nullable=False),
        sa.Column("remedies_at", UTCDateTime()),
        sa.Column("generation", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("opened_by", sa.String(200), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime()),
        sa.Column("resolved_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("resolution", sa.Text(), nullable=False, server_default=""),
        sa.UniqueConstraint("tenant_id", "kind", "dedupe",
                            name="uq_exceptions_tenant_kind_dedupe"),
    )
    op.create_index("ix_exceptions_tenant_state", "exceptions", ["tenant_id", "state", "id"])
    op.create_index("ix_exceptions_tenant_order", "exceptions", ["tenant_id", "order_id"])
    op.create_table(
        "exception_proposals",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("exception_id", sa.String(40), nullable=False),
        sa.Column("remedy_n", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("tier", sa.String(4), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("remedy", JSONDoc, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("proposed_by", sa.String(200), nullable=False),
        sa.Column("proposed_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("decided_at", UTCDateTime()),
        sa.Column("decided_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("outcome", sa.Text(), nullable=False, server_default=""),
    )
    op.create_index("ix_exception_proposals_exception", "exception_proposals",
                    ["tenant_id", "exception_id"])
    op.create_table(
        "exception_approvals",
        sa.Column("proposal_id", sa.String(40), primary_key=True),
        sa.Column("approver", sa.String(200), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "sku_substitutions",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("sku", sa.String(64), primary_key=True),
        sa.Column("substitute", sa.String(64), primary_key=True),
        sa.Column("ratio", Money(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "exception_policies",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("document", JSONDoc, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("exception_policies")
    op.drop_table("sku_substitutions")
    op.drop_table("exception_approvals")
    op.drop_index("ix_exception_proposals_exception", table_name="exception_proposals")
    op.drop_table("exception_proposals")
    op.drop_index("ix_exceptions_tenant_order", table_name="exceptions")
    op.drop_index("ix_exceptions_tenant_state", table_name="exceptions")
    op.drop_table("exceptions")
