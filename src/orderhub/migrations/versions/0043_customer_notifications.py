"""customer notifications (issue 19 item 1): tenant templates, settings (quiet hours,
media, language), opt-outs, messages (one per event, recipient and medium; recipient
encrypted) and the delivery log.

Revision ID: 0043
Revises: 0037
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from orderhub.adapters.db.types import JSONDoc, UTCDateTime

revision: str = "0043"
down_revision: str | None = "0042"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "notification_templates",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("event", sa.String(100), primary_key=True),
        sa.Column("channel", sa.String(32), primary_key=True),
        sa.Column("language", sa.String(8), primary_key=True),
        sa.Column("medium", sa.String(16), primary_key=True),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("urgent", sa.Boolean, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "notification_settings",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("media", JSONDoc, nullable=False),
        sa.Column("quiet_start", sa.String(5)),
        sa.Column("quiet_end", sa.String(5)),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "notification_optouts",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("subject", sa.String(200), primary_key=True),
        sa.Column("medium", sa.String(16), primary_key=True),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "notification_messages",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(40), nullable=False),
        sa.Column("event_id", sa.String(40), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("medium", sa.String(16), nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=False),
        sa.Column("recipient", sa.Text, nullable=False),
        sa.Column("recipient_masked", sa.String(200), nullable=False),
        sa.Column("recipient_index", sa.String(100), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UTCDateTime()),
        sa.Column("event_recorded_at", UTCDateTime()),
        sa.Column("handed_at", UTCDateTime()),
        sa.Column("unsubscribe_token", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("tenant_id", "idempotency_key",
                            name="uq_notification_messages_key"),
    )
    op.create_index("ix_notification_messages_due", "notification_messages",
                    ["status", "next_attempt_at"])
    op.create_index("ix_notification_messages_order", "notification_messages",
                    ["tenant_id", "order_id"])
    op.create_index("ix_notification_messages_token", "notification_messages",
                    ["unsubscribe_token"])
    op.create_table(
        "notification_log",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("message_id", sa.String(40), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(40), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_notification_log_order", "notification_log",
                    ["tenant_id", "order_id", "id"])


def downgrade() -> None:
    op.drop_table("notification_log")
    op.drop_table("notification_messages")
    op.drop_table("notification_optouts")
    op.drop_table("notification_settings")
    op.drop_table("notification_templates")
