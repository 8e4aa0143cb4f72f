"""3PL bidding (issue 18 item 4): providers with their signing secrets, the tenant's bidding
policy, offers (one per order offered, decided once) and every bid received.

Revision ID: 0046
Revises: 0045
Create Date: 2026-12-07 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from orderhub.adapters.db.types import JSONDoc, Money, UTCDateTime

revision: str = "0046"
down_revision: str | None = "0045"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "bid_providers",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sites", JSONDoc, nullable=False),
        sa.Column("endpoint", sa.Text, nullable=False, server_default=""),
        sa.Column("secret", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "bid_policies",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("doc", JSONDoc, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "bid_offers",
        sa.Column("offer_id", sa.String(40), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(40), nullable=False),
        sa.Column("site", sa.String(32), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("closes_at", UTCDateTime(), nullable=False),
        sa.Column("providers", JSONDoc, nullable=False),
        sa.Column("reference", JSONDoc, nullable=False),
        sa.Column("requested_at", UTCDateTime()),
        sa.Column("invited", sa.Integer, nullable=False, server_default="0"),
        sa.Column("received", sa.Integer, nullable=False, server_default="0"),
        sa.Column("decided_at", UTCDateTime()),
        sa.Column("winner", sa.String(32)),
        sa.Column("price", Money()),
        sa.Column("promised_by", UTCDateTime()),
        sa.Column("decision", JSONDoc),
    )
    op.create_index("ix_bid_offers_due", "bid_offers", ["status", "closes_at"])
    op.create_index("ix_bid_offers_order", "bid_offers", ["tenant_id", "order_id"])
    op.create_table(
        "bids",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("offer_id", sa.String(40), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("price", Money()),
        sa.Column("promised_by", UTCDateTime()),
        sa.Column("problem", sa.Text, nullable=False, server_default=""),
        sa.Column("message_id", sa.String(100)),
    )
    op.create_index("ix_bids_offer", "bids", ["offer_id"])
    op.create_index("ux_bids_message", "bids", ["tenant_id", "provider", "message_id"],
                    unique=True)


def downgrade() -> None:
    op.drop_index("ux_bids_message", table_name="bids")
    op.drop_index("ix_bids_offer", table_name="bids")
    op.drop_table("bids")
    op.drop_index("ix_bid_offers_order", table_name="bid_offers")
    op.drop_index("ix_bid_offers_due", table_name="bid_offers")
    op.drop_table("bid_offers")
    op.drop_table("bid_policies")
    op.drop_table("bid_providers")
