"""approvals and alerts in chat apps (issue 19 item 3): chat channels (secrets encrypted),
chat user -> hub user mappings, the cards sent to the apps, and the card callbacks seen
(replay protection).

Revision ID: 0048
Revises: 0045
Create Date: 2026-12-07 15:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from orderhub.adapters.db.types import JSONDoc, UTCDateTime

revision: str = "0048"
down_revision: str | None = "0047"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_channels",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("app", sa.String(16), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("subjects", JSONDoc, nullable=False),
        sa.Column("secrets", sa.Text, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("tenant_id", "name", name="uq_chat_channels_name"),
    )
    op.create_table(
        "chat_identities",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("app", sa.String(16), primary_key=True),
        sa.Column("chat_user_id", sa.String(128), primary_key=True),
        sa.Column("login", sa.String(100), nullable=False),
        sa.Column("mapped_at", UTCDateTime(), nullable=False),
        sa.Column("mapped_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "chat_cards",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("channel_id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("event_id", sa.String(40), nullable=False),
        sa.Column("order_id", sa.String(40), nullable=False),
        sa.Column("exception_id", sa.String(40), nullable=False),
        sa.Column("remedy_n", sa.Integer, nullable=False),
        sa.Column("proposal_id", sa.String(40), nullable=False),
        sa.Column("rule_set_id", sa.Integer, nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UTCDateTime()),
        sa.Column("handed_at", UTCDateTime()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("channel_id", "event_id", name="uq_chat_cards_event"),
    )
    op.create_index("ix_chat_cards_due", "chat_cards", ["status", "next_attempt_at"])
    op.create_table(
        "chat_callbacks",
        sa.Column("channel_id", sa.String(40), primary_key=True),
        sa.Column("replay_key", sa.String(120), primary_key=True),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
    )
    op.create_index("ix_chat_callbacks_received", "chat_callbacks", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_chat_callbacks_received", table_name="chat_callbacks")
    op.drop_table("chat_callbacks")
    op.drop_index("ix_chat_cards_due", table_name="chat_cards")
    op.drop_table("chat_cards")
    op.drop_table("chat_identities")
    op.drop_table("chat_channels")
