"""the order twin: SLA policies, each open order's twin, alerts (issue 14)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from orderhub.adapters.db.types import JSONDoc, UTCDateTime

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sla_policies",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("document", JSONDoc, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "order_twins",
        sa.Column("order_id", sa.String(40), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("stage_entered_at", UTCDateTime(), nullable=False),
        sa.Column("entries", JSONDoc, nullable=False),
        sa.Column("warehouse", sa.String(64), nullable=False, server_default=""),
        sa.Column("next_stage", sa.String(16)),
        sa.Column("next_due_at", UTCDateTime()),
        sa.Column("watch_at", UTCDateTime()),
        sa.Column("team", sa.String(64), nullable=False, server_default=""),
        sa.Column("promise_at", UTCDateTime()),
        sa.Column("slack_seconds", sa.BigInteger()),
        sa.Column("health", sa.Integer(), nullable=False),
        sa.Column("risk", sa.Float(), nullable=False),
        sa.Column("reasons", JSONDoc, nullable=False),
        sa.Column("held_since", UTCDateTime()),
        sa.Column("finished_at", UTCDateTime()),
        sa.Column("policy_version", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_order_twins_watch", "order_twins", ["watch_at"],
                    postgresql_where=sa.text("watch_at IS NOT NULL"),
                    sqlite_where=sa.text("watch_at IS NOT NULL"))
    op.create_index("ix_order_twins_health", "order_twins", ["tenant_id", "health"])
    op.create_table(
        "order_alerts",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("pass_started_at", UTCDateTime(), nullable=False),
        sa.Column("team", sa.String(64), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("details", JSONDoc, nullable=False),
        sa.Column("raised_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime()),
        sa.Column("escalate_at", UTCDateTime()),
        sa.Column("acknowledged_by", sa.String(200)),
        sa.Column("acknowledged_at", UTCDateTime()),
        sa.Column("resolved_at", UTCDateTime()),
        sa.Column("resolution", sa.Text()),
        sa.UniqueConstraint("tenant_id", "order_id", "kind", "stage", "pass_started_at",
                            name="uq_order_alerts_pass"),
    )
    op.create_index("ix_order_alerts_order", "order_alerts", ["tenant_id", "order_id"])
    op.create_index("ix_order_alerts_state", "order_alerts", ["tenant_id", "state", "raised_at"])
    op.create_index("ix_order_alerts_escalate", "order_alerts", ["escalate_at"],
                    postgresql_where=sa.text("state = 'open' AND escalate_at IS NOT NULL"),
                    sqlite_where=sa.text("state = 'open' AND escalate_at IS NOT NULL"))


def downgrade() -> None:
    op.drop_table("order_alerts")
    op.drop_table("order_twins")
    op.drop_table("sla_policies")
