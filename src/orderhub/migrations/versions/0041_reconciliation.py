"""reconciliation of channel settlements and carrier bills (issue 17 item 4): settlement
imports and their rows, reconciliation runs and their findings, and periods (open or
closed) per tenant, scope (a channel or `carrier:<name>`) and month
(domain/reconciliation.py).

Revision ID: 0041
Revises: 0037 (the head on main when this branch started; the coordinator re-chains)
Create Date: 2026-12-07 12:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from orderhub.adapters.db.types import JSONDoc, Money, UTCDateTime

revision: str = "0041"
down_revision: str | None = "0040"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "settlement_imports",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(64), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("filename", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("skipped", sa.Integer, nullable=False),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
        sa.Column("imported_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("tenant_id", "scope", "period", "sha256",
                            name="uq_settlement_imports_file"),
    )
    op.create_index("ix_settlement_imports_period", "settlement_imports",
                    ["tenant_id", "period", "scope"])
    op.create_table(
        "settlement_rows",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("import_id", sa.String(40), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(64), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("reference", sa.String(300), nullable=False),
        sa.Column("order_ref", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("fee_type", sa.String(64), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("waybill", sa.String(64), nullable=False, server_default=""),
        sa.Column("weight_kg", Money()),
    )
    op.create_index("ix_settlement_rows_scope", "settlement_rows",
                    ["tenant_id", "scope", "period"])
    op.create_table(
        "reconciliation_runs",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(64), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("parameters", JSONDoc, nullable=False),
        sa.Column("summary", JSONDoc, nullable=False),
    )
    op.create_index("ix_reconciliation_runs_period", "reconciliation_runs",
                    ["tenant_id", "scope", "period", "created_at"])
    op.create_table(
        "reconciliation_findings",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(40), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("order_id", sa.String(40), nullable=False, server_default=""),
        sa.Column("external_id", sa.String(200), nullable=False, server_default=""),
        sa.Column("reference", sa.String(300), nullable=False, server_default=""),
        sa.Column("waybill", sa.String(64), nullable=False, server_default=""),
        sa.Column("fee_type", sa.String(64), nullable=False, server_default=""),
        sa.Column("expected", Money()),
        sa.Column("settled", Money()),
        sa.Column("currency", sa.String(3), nullable=False, server_default=""),
        sa.Column("row_count", sa.Integer, nullable=False),
        sa.Column("lines", JSONDoc, nullable=False),
        sa.Column("detail", JSONDoc, nullable=False),
    )
    op.create_index("ix_reconciliation_findings_run", "reconciliation_findings",
                    ["run_id", "code"])
    op.create_table(
        "reconciliation_periods",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("scope", sa.String(64), primary_key=True),
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("run_id", sa.String(40)),
        sa.Column("closed_at", UTCDateTime()),
        sa.Column("closed_by", sa.String(200)),
    )


def downgrade() -> None:
    op.drop_table("reconciliation_periods")
    op.drop_index("ix_reconciliation_findings_run", "reconciliation_findings")
    op.drop_table("reconciliation_findings")
    op.drop_index("ix_reconciliation_runs_period", "reconciliation_runs")
    op.drop_table("reconciliation_runs")
    op.drop_index("ix_settlement_rows_scope", "settlement_rows")
    op.drop_table("settlement_rows")
    op.drop_index("ix_settlement_imports_period", "settlement_imports")
    op.drop_table("settlement_imports")
