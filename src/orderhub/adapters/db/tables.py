"""Table definitions. Natural keys (tenant, code) for catalogue rows keep stock updates to
one statement with no lookups; orders use time-ordered ids generated in-process."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from orderhub.adapters.db.types import JSONDoc, Money, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# An autoincrementing 64-bit key that SQLite also accepts as its ROWID alias.
BigId = BigInteger().with_variant(Integer(), "sqlite")

tenants = Table(
    "tenants",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    # Bumped by every network change; intake reads it under a share lock (see
    # adapters/db/network_repository.py).
    Column("network_revision", Integer, nullable=False, server_default="0"),
)

channels = Table(
    "channels",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    # Which adapter reads this channel's payloads and the secret its webhooks are signed with.
    Column("adapter", String(32), nullable=False, server_default=""),
    Column("secret", Text, nullable=False, server_default=""),  # ciphertext (PII part)
    # live, or shadow: orders validated and routed, never reserved (domain/cutover.py)
    Column("mode", String(16), nullable=False, server_default="live"),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
)

warehouses = Table(
    "warehouses",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("region", String(64), nullable=False, default=""),
    Column("city", String(64), nullable=False, default=""),
    Column("daily_capacity", Integer, nullable=False, default=0),
    Column("cutoff", String(5), nullable=False, default="16:00"),
    Column("timezone", String(64), nullable=False, default="Asia/Shanghai"),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime(), nullable=False),
    # routing profile (migration 0007)
    Column("province", String(32), nullable=False, server_default=""),
    Column("kind", String(16), nullable=False, server_default="warehouse"),
    Column("handling_per_order", Money, nullable=False, server_default="3.00"),
    Column("handling_per_unit", Money, nullable=False, server_default="0.50"),
    Column("capabilities", JSONDoc, nullable=False, server_default="[]"),
    Column("max_queue_days", Integer, nullable=False, server_default="2"),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
)

skus = Table(
    "skus",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("code", String(64), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("list_price", Money()),
    Column("barcode", String(64), nullable=False, default=""),
    Column("weight_kg", Money()),
    Column("active", Boolean, nullable=False, default=True),
    # Compliance and sellability facts: category, formula_stage, alcohol, floor_price,
    # channels (where sellable), max_per_customer, hs_code, origin_country.
    Column("attributes", JSONDoc, nullable=False, server_default="{}"),
    Column("created_at", UTCDateTime(), nullable=False),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
)

stock_items = Table(
    "stock_items",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("sku", String(64), primary_key=True),
    Column("warehouse", String(64), primary_key=True),
    Column("on_hand", Integer, nullable=False, default=0),
    Column("reserved", Integer, nullable=False, default=0),
    Column("safety_stock", Integer, nullable=False, default=0),
    Column("updated_at", UTCDateTime(), nullable=False),
    CheckConstraint("on_hand >= 0", name="on_hand_non_negative"),
    CheckConstraint("reserved >= 0", name="reserved_non_negative"),
    CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
    CheckConstraint("safety_stock >= 0", name="safety_non_negative"),
    ForeignKeyConstraint(["tenant_id", "sku"], ["skus.tenant_id", "skus.code"]),
    ForeignKeyConstraint(["tenant_id", "warehouse"], ["warehouses.tenant_id", "warehouses.code"]),
)
Index("ix_stock_items_warehouse", stock_items.c.tenant_id, stock_items.c.warehouse)

stock_movements = Table(
    "stock_movements",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("tenant_id", String(64), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("warehouse", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("on_hand_delta", Integer, nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("reference", String(200), nullable=False, default=""),
    Column("actor", String(200), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
)
Index(
    "ix_stock_movements_item",
    stock_movements.c.tenant_id,
    stock_movements.c.sku,
    stock_movements.c.warehouse,
    stock_movements.c.id,
)

# The references (and Idempotency-Keys) receipts and adjustments were made under: the first
# insert of a key wins, a repeat with the same request hash answers with the stored result.
# A reference names one line (SKU, warehouse) of a receipt or adjustment, so one ASN covers
# many lines; an Idempotency-Key covers the whole request (sku and warehouse left empty).
stock_references = Table(
    "stock_references",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("kind", String(16), primary_key=True),  # receipt | adjustment
    Column("key_type", String(16), primary_key=True),  # reference | idempotency_key
    Column("reference", String(200), primary_key=True),
    Column("sku", String(64), primary_key=True),
    Column("warehouse", String(64), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("result", JSONDoc, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

orders = Table(
    "orders",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("external_id", String(200), nullable=False),
    Column("order_type", String(16), nullable=False),
    Column("status", String(32), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("subtotal", Money(), nullable=False),
    Column("discount_total", Money(), nullable=False),
    Column("tax_total", Money(), nullable=False),
    Column("shipping_fee", Money(), nullable=False),
    Column("grand_total", Money(), nullable=False),
    Column("customer", JSONDoc, nullable=False),
    Column("shipping_address", JSONDoc, nullable=False),
    Column("hold_reasons", JSONDoc, nullable=False),
    Column("placed_at", UTCDateTime()),
    Column("requested_delivery", Date),
    Column("service_level", String(16), nullable=False, server_default="standard"),
    Column("pickup_store", String(64), nullable=False, server_default=""),
    Column("promised_delivery", Date),
    Column("presale_release", Date),
    Column("presale_lock_until", UTCDateTime()),
    Column("payload_hash", String(64), nullable=False),
    Column("attributes", JSONDoc, nullable=False, server_default="{}"),
    Column("cross_border", Boolean, nullable=False, server_default=text("false")),
    Column("declared_value", Money()),
    Column("stated_total", Money()),
    Column("channel_updated_at", UTCDateTime()),
    Column("overrides", JSONDoc, nullable=False, server_default="[]"),
    # Charges outside the lines, the channel's stated components, the conversion into the
    # tenant's base currency the checks used (migration 0030): {"charges": [...],
    # "stated": {...}, "fx": {...}}
    Column("amounts", JSONDoc, nullable=False, server_default="{}"),
    # The channel's customer id, as a column: per-customer rules look orders up by it.
    Column("customer_ref", String(200), nullable=False, server_default=""),
    Column("version", Integer, nullable=False),
    Column("event_seq", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("tenant_id", "channel", "external_id", name="uq_orders_channel_external_id"),
)
Index("ix_orders_tenant_status", orders.c.tenant_id, orders.c.status, orders.c.id)
Index("ix_orders_tenant_id", orders.c.tenant_id, orders.c.id)
Index("ix_orders_customer", orders.c.tenant_id, orders.c.customer_ref, orders.c.created_at)
# Recent intake and date ranges (console dashboard and order search; migration 0025);
# channel and status let the dashboard count the last minute from the index alone.
Index("ix_orders_tenant_created", orders.c.tenant_id, orders.c.created_at, orders.c.channel,
      orders.c.status)
# An external id whatever the channel (console search; the unique key leads with channel).
Index("ix_orders_tenant_external", orders.c.tenant_id, orders.c.external_id)

order_lines = Table(
    "order_lines",
    metadata,
    Column("order_id", String(40), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", Money(), nullable=False),
    Column("discount", Money(), nullable=False),
    Column("tax", Money(), nullable=False),
    Column("channel_sku", String(200), nullable=False, server_default=""),
    Column("title", String(500), nullable=False, server_default=""),
    Column("barcode", String(64), nullable=False, server_default=""),
    Column("hs_code", String(20), nullable=False, server_default=""),
    Column("origin_country", String(2), nullable=False, server_default=""),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    ForeignKeyConstraint(["order_id"], ["orders.id"]),
)
Index("ix_order_lines_sku", order_lines.c.tenant_id, order_lines.c.sku)

shipments = Table(
    "shipments",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("order_id", String(40), nullable=False),
    Column("tenant_id", String(64), nullable=False),
    Column("warehouse", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("dispatched_at", UTCDateTime()),
    Column("delivered_at", UTCDateTime()),
    Column("carrier_service", String(64), nullable=False, server_default=""),
    Column("waybill", String(64), nullable=False, server_default=""),
    ForeignKeyConstraint(["order_id"], ["orders.id"]),
)
Index("ix_shipments_order", shipments.c.order_id)
# Deliveries of the last hours: the twin's measured carrier delays (migration 0028). Only
# delivered shipments are in it, so intake's inserts never touch it.
Index("ix_shipments_delivered", shipments.c.tenant_id, shipments.c.delivered_at,
      postgresql_where=text("delivered_at IS NOT NULL"),
      sqlite_where=text("delivered_at IS NOT NULL"))
# The picking queue per site (open shipments) and the orders on a carrier, in one lookup.
Index("ix_shipments_queue", shipments.c.tenant_id, shipments.c.status, shipments.c.warehouse)
# The orders of one site, any shipment state (console order search; migration 0025).
Index("ix_shipments_warehouse", shipments.c.tenant_id, shipments.c.warehouse,
      shipments.c.order_id)

reservations = Table(
    "reservations",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("order_id", String(40), nullable=False),
    Column("tenant_id", String(64), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("warehouse", String(64), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("shipment_id", String(40), nullable=False),
    Column("state", String(16), nullable=False),
    Column("expires_at", UTCDateTime()),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    ForeignKeyConstraint(["order_id"], ["orders.id"]),
)
Index("ix_reservations_order", reservations.c.order_id)
Index(
    "ix_reservations_expiry",
    reservations.c.expires_at,
    postgresql_where=text("state = 'active' AND expires_at IS NOT NULL"),
    sqlite_where=text("state = 'active' AND expires_at IS NOT NULL"),
)

# The transactional outbox, kept after publication as the event log behind each order's
# timeline. Rows are written in the same transaction as the state change they describe.
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("event_id", String(40), nullable=False, unique=True),
    Column("tenant_id", String(64), nullable=False),
    Column("order_id", String(40), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("type", String(64), nullable=False),
    Column("status", String(32), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("data", JSONDoc, nullable=False),
    Column("occurred_at", UTCDateTime(), nullable=False),
    Column("published_at", UTCDateTime()),
    # Publication order, assigned by the single active relay: durable consumers of the
    # embedded log read by position, which (unlike id) never has gaps behind commits.
    Column("position", BigInteger, unique=True),
    # When the committing transaction wrote the row (its flush at commit): CloudEvents
    # `recordedtime`, next to `time` = occurred_at. Null for rows older than 0027.
    Column("recorded_at", UTCDateTime()),
)
Index("ix_outbox_order_seq", outbox.c.order_id, outbox.c.seq)
Index(
    "ix_outbox_unpublished",
    outbox.c.id,
    postgresql_where=text("published_at IS NULL"),
    sqlite_where=text("published_at IS NULL"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("order_ids", JSONDoc, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# ----- event consumers ---------------------------------------------------------------------
consumer_offsets = Table(
    "consumer_offsets",
    metadata,
    Column("consumer", String(100), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# Event ids a durable consumer has handled: redelivered events are skipped (idempotency).
consumer_inbox = Table(
    "consumer_inbox",
    metadata,
    Column("consumer", String(100), primary_key=True),
    Column("event_id", String(40), primary_key=True),
    Column("processed_at", UTCDateTime(), nullable=False),
)

# Events a consumer gave up on after N failed attempts, with the last error.
parked_events = Table(
    "parked_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("consumer", String(100), nullable=False),
    Column("event_id", String(40), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("envelope", JSONDoc, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("error", Text, nullable=False),
    Column("parked_at", UTCDateTime(), nullable=False),
    UniqueConstraint("consumer", "event_id", name="uq_parked_events_consumer_event"),
)

# ----- webhooks ------------------------------------------------------------------------------
webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("url", String(2000), nullable=False),
    Column("secret", Text, nullable=False),  # ciphertext (PII part)
    Column("event_types", JSONDoc, nullable=False),  # [] means every type
    Column("description", String(500), nullable=False, default=""),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
)
Index("ix_webhook_endpoints_tenant", webhook_endpoints.c.tenant_id)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("endpoint_id", String(40), nullable=False),
    Column("event_id", String(40), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("order_id", String(40), nullable=False),
    Column("payload", JSONDoc, nullable=False),  # the CloudEvents envelope as sent
    Column("status", String(16), nullable=False),  # pending | succeeded | dead
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime()),
    Column("last_status_code", Integer),
    Column("last_error", Text, nullable=False, default=""),
    Column("last_latency_ms", Float),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_deliveries_endpoint_event"),
    ForeignKeyConstraint(["endpoint_id"], ["webhook_endpoints.id"]),
)
Index(
    "ix_webhook_deliveries_due", webhook_deliveries.c.status, webhook_deliveries.c.next_attempt_at
)
Index(
    "ix_webhook_deliveries_endpoint",
    webhook_deliveries.c.endpoint_id,
    webhook_deliveries.c.created_at,
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("delivery_id", String(40), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("outcome", String(16), nullable=False),  # succeeded | retry | dead
    Column("status_code", Integer),
    Column("latency_ms", Float, nullable=False),
    Column("error", Text, nullable=False, default=""),
    ForeignKeyConstraint(["delivery_id"], ["webhook_deliveries.id"]),
)
Index("ix_webhook_attempts_delivery", webhook_attempts.c.delivery_id, webhook_attempts.c.attempt)

# ----- channel ingestion and validation --------------------------------------------------------
# The crosswalk: a channel's SKU code, barcode or title -> the master SKU.
sku_mappings = Table(
    "sku_mappings",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("channel", String(64), primary_key=True),
    Column("key_type", String(16), primary_key=True),  # sku | barcode | title
    Column("channel_key", String(500), primary_key=True),
    Column("master_sku", String(64), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)
Index("ix_sku_mappings_master", sku_mappings.c.tenant_id, sku_mappings.c.master_sku)

# A channel's saved column mapping for tabular imports: {file header: canonical field}.
import_mappings = Table(
    "import_mappings",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("channel", String(64), primary_key=True),
    Column("mapping", JSONDoc, nullable=False),
    Column("updated_by", String(200), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# Validation rules are data: one row per rule, its parameters and version; every change is
# appended to validation_rule_history.
validation_rules = Table(
    "validation_rules",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("code", String(64), primary_key=True),
    Column("level", String(16), nullable=False),  # format | availability | compliance
    Column("check", String(64), nullable=False),
    Column("params", JSONDoc, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("description", String(500), nullable=False, server_default=""),
    Column("version", Integer, nullable=False),
    Column("updated_by", String(200), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("scope", JSONDoc, nullable=True),  # the `when` of the rule: which orders it checks
)

validation_rule_history = Table(
    "validation_rule_history",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("tenant_id", String(64), nullable=False),
    Column("code", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("snapshot", JSONDoc, nullable=False),
    Column("changed_by", String(200), nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("changed_at", UTCDateTime(), nullable=False),
)

# Every routing decision: candidates with their cost and promise breakdown, exclusions.
routing_decisions = Table(
    "routing_decisions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("tenant_id", String(64), nullable=False),
    Column("order_id", String(40), nullable=False),
    Column("strategy", String(64), nullable=False),
    Column("decision", JSONDoc, nullable=False),
    Column("decided_at", UTCDateTime(), nullable=False),
)
Index("ix_routing_decisions_order", routing_decisions.c.order_id, routing_decisions.c.id)

# Carrier services the router may use, their zone prices and transit times, and health.
carrier_services = Table(
    "carrier_services",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("code", String(64), primary_key=True),  # carrier:service
    Column("carrier", String(32), nullable=False),
    Column("service", String(32), nullable=False),
    Column("first_kg", JSONDoc, nullable=False),  # zone -> price of the first kilogram
    Column("extra_kg", JSONDoc, nullable=False),  # zone -> price per further kilogram
    Column("transit_days", JSONDoc, nullable=False),  # zone -> days
    Column("healthy", Boolean, nullable=False),
    Column("note", String(500), nullable=False, server_default=""),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("delay_days", Integer, nullable=False, server_default="0"),  # while degraded
    Column("lanes", JSONDoc, nullable=False, server_default="{}"),  # "east>south" -> days
    Column("max_kg", Money),
)

# Live blocks: a province or lane region closed to shipping out of it, into it, or both.
region_blocks = Table(
    "region_blocks",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("tenant_id", String(64), nullable=False),
    Column("area", String(32), nullable=False),
    Column("direction", String(16), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("lifted_by", String(200)),
    Column("lifted_at", UTCDateTime()),
)
Index("ix_region_blocks_active", region_blocks.c.tenant_id, region_blocks.c.active)

# Routing rules as data (domain/rules/model.py), versioned with who, when and why.
routing_rules = Table(
    "routing_rules",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("code", String(64), primary_key=True),
    Column("doc", JSONDoc, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_by", String(200), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

routing_rule_history = Table(
    "routing_rule_history",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("tenant_id", String(64), nullable=False),
    Column("code", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("doc", JSONDoc, nullable=False),
    Column("changed_by", String(200), nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("changed_at", UTCDateTime(), nullable=False),
)
Index("ix_routing_rule_history_code", routing_rule_history.c.tenant_id,
      routing_rule_history.c.code, routing_rule_history.c.id)

# Tamper-evident audit log (domain/audit.py): per tenant a hash chain of rule changes and of
# the automated decisions rules made; `audit_heads` holds each chain's last link.
audit_log = Table(
    "audit_log",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("detail", JSONDoc, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    # sha256 (before migration 0015) or hmac-sha256 (keyed with the audit key)
    Column("scheme", String(16), nullable=False, server_default="sha256"),
)
Index("ix_audit_log_subject", audit_log.c.tenant_id, audit_log.c.subject)

audit_heads = Table(
    "audit_heads",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

# Rule sets (domain/rules/rule_sets.py): proposed routing rule sets with their lifecycle,
# sandbox report, canary slice, and the live rules they replaced (for rollback).
rule_sets = Table(
    "rule_sets",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("tenant_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("rules", JSONDoc, nullable=False),
    Column("warnings", JSONDoc, nullable=False),
    Column("sandbox", JSONDoc),
    Column("slice", JSONDoc),
    Column("previous", JSONDoc),  # the live rules at activation, for a rollback
    Column("reason", Text, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("changed_at", UTCDateTime(), nullable=False),
    Column("canary_at", UTCDateTime()),
    Column("canary_until", UTCDateTime()),  # when it was activated or rolled back
    UniqueConstraint("tenant_id", "version", name="uq_rule_sets_version"),
)
Index("ix_rule_sets_state", rule_sets.c.tenant_id, rule_sets.c.state)
# At most one canary per tenant, even when two requests race.
Index("uq_rule_sets_one_canary", rule_sets.c.tenant_id, unique=True,
      postgresql_where=text("state = 'canary'"), sqlite_where=text("state = 'canary'"))

# ----- access (issue 12): API keys, console users, their sessions ---------------------------
# A credential is what a caller presents: an API key or a console session. Only a SHA-256 of
# its secret is stored (secrets are 24 random bytes: a slow hash adds nothing). Tenant "*"
# holds platform operators' credentials.
credentials = Table(
    "credentials",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),  # key | session
    Column("name", String(200), nullable=False),  # the key's name or the user's login
    Column("user_id", String(40)),  # sessions: whose
    Column("role", String(32)),
    Column("scopes", JSONDoc, nullable=False),  # listed scopes (narrow the role)
    Column("warehouses", JSONDoc, nullable=False, server_default="[]"),
    Column("secret_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("expires_at", UTCDateTime()),
    Column("revoked_at", UTCDateTime()),
    Column("last_used_at", UTCDateTime()),
    Column("replaced_by", String(40)),  # rotation: the key that took over
)
Index("ix_credentials_tenant", credentials.c.tenant_id, credentials.c.kind,
      credentials.c.created_at)

users = Table(
    "users",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("login", String(200), nullable=False),
    Column("display_name", String(200), nullable=False),
    Column("role", String(32)),
    Column("scopes", JSONDoc, nullable=False),
    Column("warehouses", JSONDoc, nullable=False, server_default="[]"),
    Column("password_hash", String(300), nullable=False),  # scrypt, with its parameters
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("disabled_at", UTCDateTime()),
    Column("last_login_at", UTCDateTime()),
    UniqueConstraint("tenant_id", "login", name="uq_users_tenant_login"),
)

# Audit anchors (issue 12, audit; domain/audit.py Checkpoint): signed checkpoints of each
# tenant's chain head, also appended to an export file outside the database.
audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", String(64), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("signature", String(128), nullable=False),
)
# ----- personal data at rest (issue 12, PII; adapters/crypto) ----------------------------------
# Each tenant's data keys (purpose "data", versioned: new writes use the newest, every version
# still decrypts) and its blind-index key (purpose "index"), stored only wrapped by the master
# key named in master_key_id. Nothing here opens without the master key, which is not stored.
pii_keys = Table(
    "pii_keys",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("purpose", String(16), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("wrapped", Text, nullable=False),  # base64(nonce + AES-GCM(master, key))
    Column("master_key_id", String(32), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# Orders: names, phones, email, street and buyer free text live only in `pii` (one
# ciphertext per order); the bidx_* columns are keyed blind indexes for exact lookup.
# Province, city, district and postcode stay in `shipping_address` in clear (routing).
orders.append_column(Column("pii", Text, nullable=False, server_default=""))
orders.append_column(Column("bidx_phone", String(80)))
orders.append_column(Column("bidx_customer_phone", String(80)))
orders.append_column(Column("bidx_email", String(80)))
Index("ix_orders_bidx_phone", orders.c.tenant_id, orders.c.bidx_phone)
Index("ix_orders_bidx_customer_phone", orders.c.tenant_id, orders.c.bidx_customer_phone)
Index("ix_orders_bidx_email", orders.c.tenant_id, orders.c.bidx_email)

# Cross-border worked out and address suggestions (migration 0031, issue 16): the country a
# site ships from, a cross-border channel and its default ship-from country, and what
# enrichment suggested for an order's missing province/city/district (until accepted).
warehouses.append_column(Column("country", String(2), nullable=False, server_default="CN"))
channels.append_column(Column("cross_border", Boolean, nullable=False,
                              server_default=text("(false)")))
channels.append_column(Column("ship_from_country", String(2), nullable=False,
                              server_default=""))
orders.append_column(Column("address_suggestion", JSONDoc, nullable=True))

# Metering (issue 12, Order-as-a-Service): calls, orders and rows per tenant, credential,
# operation (method and route template), hour and status class; one upsert per key per flush.
usage_counters = Table(
    "usage_counters",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("credential_id", String(64), primary_key=True),
    Column("operation", String(200), primary_key=True),
    Column("hour", UTCDateTime(), primary_key=True),
    Column("status_class", String(3), primary_key=True),  # 2xx, 4xx, 5xx
    Column("calls", BigInteger, nullable=False, server_default="0"),
    Column("orders", BigInteger, nullable=False, server_default="0"),
    Column("rows", BigInteger, nullable=False, server_default="0"),
)
Index("ix_usage_counters_hour", usage_counters.c.tenant_id, usage_counters.c.hour)

# The order twin (issue 14). SLA policies: one JSON document per tenant and version (the
# highest version is in force); calendars are part of the document.
sla_policies = Table(
    "sla_policies",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("document", JSONDoc, nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# Each open order's twin, kept by the `twin` consumer from the event stream: its stage
# entry times, health, risk and `watch_at`, the moment its step in progress counts as
# stalled. The stall sweep reads only the rows whose watch_at has passed (partial index),
# never all open orders.
order_twins = Table(
    "order_twins",
    metadata,
    Column("order_id", String(40), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("status", String(32), nullable=False),
    Column("stage", String(16), nullable=False),
    Column("stage_entered_at", UTCDateTime(), nullable=False),
    Column("entries", JSONDoc, nullable=False),  # stage -> ISO time, on the current path
    Column("warehouse", String(64), nullable=False, server_default=""),
    Column("next_stage", String(16)),
    Column("next_due_at", UTCDateTime()),
    Column("watch_at", UTCDateTime()),
    Column("team", String(64), nullable=False, server_default=""),
    Column("promise_at", UTCDateTime()),
    Column("slack_seconds", BigInteger),
    Column("health", Integer, nullable=False),
    Column("risk", Float, nullable=False),
    Column("reasons", JSONDoc, nullable=False),
    Column("held_since", UTCDateTime()),
    Column("finished_at", UTCDateTime()),
    Column("policy_version", Integer, nullable=False, server_default="0"),
    Column("updated_at", UTCDateTime(), nullable=False),
)
Index("ix_order_twins_watch", order_twins.c.watch_at,
      postgresql_where=text("watch_at IS NOT NULL"), sqlite_where=text("watch_at IS NOT NULL"))
Index("ix_order_twins_health", order_twins.c.tenant_id, order_twins.c.health)
# Open twins by the due time of their next step: the rescore job reads the overdue ones.
Index("ix_order_twins_overdue", order_twins.c.next_due_at,
      postgresql_where=text("finished_at IS NULL"), sqlite_where=text("finished_at IS NULL"))
# Orders finished in a window, against their promise (console dashboard; migration 0025).
Index("ix_order_twins_finished", order_twins.c.tenant_id, order_twins.c.finished_at)

# Alerts on orders: a stalled step or a promise at risk, assigned to a team, escalated if
# nobody acknowledges it, resolved when the order moves. One stall alert per stage pass.
order_alerts = Table(
    "order_alerts",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("order_id", String(40), nullable=False),
    Column("kind", String(16), nullable=False),  # stalled | at_risk
    Column("stage", String(16), nullable=False),  # the step waited for
    Column("pass_started_at", UTCDateTime(), nullable=False),  # entry of the stage before
    Column("team", String(64), nullable=False),
    Column("level", Integer, nullable=False, server_default="0"),
    Column("state", String(16), nullable=False),  # open | acknowledged | resolved
    Column("reason", Text, nullable=False),
    Column("details", JSONDoc, nullable=False),
    Column("raised_at", UTCDateTime(), nullable=False),
    Column("due_at", UTCDateTime()),
    Column("escalate_at", UTCDateTime()),
    Column("acknowledged_by", String(200)),
    Column("acknowledged_at", UTCDateTime()),
    Column("resolved_at", UTCDateTime()),
    Column("resolution", Text),
    UniqueConstraint("tenant_id", "order_id", "kind", "stage", "pass_started_at",
                     name="uq_order_alerts_pass"),
)
Index("ix_order_alerts_order", order_alerts.c.tenant_id, order_alerts.c.order_id)
Index("ix_order_alerts_state", order_alerts.c.tenant_id, order_alerts.c.state,
      order_alerts.c.raised_at)
Index("ix_order_alerts_escalate", order_alerts.c.escalate_at,
      postgresql_where=text("state = 'open' AND escalate_at IS NOT NULL"),
      sqlite_where=text("state = 'open' AND escalate_at IS NOT NULL"))

# Late-delivery risk models (issue 14, the order twin's risk; domain/risk/model.py): each
# trained version with its held-out metrics and the model itself (pickle bytes, checked
# against sha256 on load). One champion per tenant is what the scorer loads.
risk_models = Table(
    "risk_models",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("algorithm", String(100), nullable=False),
    Column("feature_version", Integer, nullable=False),
    Column("metrics", JSONDoc, nullable=False),  # model and baseline AUC/Brier on held-out days
    Column("training", JSONDoc, nullable=False),  # history source, seed, days, rows
    Column("model", LargeBinary, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("champion", Boolean, nullable=False, default=False),
)

# ----- carrier tracking (issue 14; domain/tracking.py) ---------------------------------------
# Every checkpoint a carrier pushed, once per (tenant, carrier, carrier's event id): matched to
# its shipment by waybill when it arrives, or kept as an orphan (order_id null) and matched
# when the waybill is booked at release or by the tracking-match job.
carrier_checkpoints = Table(
    "carrier_checkpoints",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("tenant_id", String(64), nullable=False),
    Column("carrier", String(32), nullable=False),
    Column("waybill", String(64), nullable=False),
    Column("event_id", String(128), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("location", String(200), nullable=False, server_default=""),
    Column("description", String(500), nullable=False, server_default=""),
    Column("order_id", String(40)),
    Column("shipment_id", String(40)),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("matched_at", UTCDateTime()),
    UniqueConstraint("tenant_id", "carrier", "event_id",
                     name="uq_carrier_checkpoints_tenant_carrier_event"),
)
Index("ix_carrier_checkpoints_waybill", carrier_checkpoints.c.tenant_id,
      carrier_checkpoints.c.carrier, carrier_checkpoints.c.waybill)
Index("ix_carrier_checkpoints_order", carrier_checkpoints.c.tenant_id,
      carrier_checkpoints.c.order_id)
# Orphans by arrival, for the tracking-match job (matched_at is null until matched).
Index("ix_carrier_checkpoints_orphans", carrier_checkpoints.c.matched_at,
      carrier_checkpoints.c.received_at)
# A shipment by its waybill: tracking pushes match theirs in one query per batch.
Index("ix_shipments_waybill", shipments.c.tenant_id, shipments.c.waybill)

# The secret each carrier signs its tracking pushes with, per tenant (ciphertext, like
# webhook and channel secrets).
carrier_tracking_secrets = Table(
    "carrier_tracking_secrets",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("carrier", String(32), primary_key=True),
    Column("secret", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# ----- the exception desk (issue 14; domain/exceptions) -------------------------------------
# One row per exception; `dedupe` is its source while open (so (tenant, kind, source) opens
# once) and source#id once resolved (a later one may open again). `remedies` holds the
# current ranked candidates as JSON (each with the basis it was computed from).
exceptions = Table(
    "exceptions",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("order_id", String(40), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("source", String(200), nullable=False),
    Column("dedupe", String(250), nullable=False),
    Column("state", String(16), nullable=False),
    Column("tier", String(4)),  # the best remedy's tier (filters)
    Column("reason", Text, nullable=False, server_default=""),
    Column("details", JSONDoc, nullable=False),
    Column("remedies", JSONDoc, nullable=False),
    Column("remedies_at", UTCDateTime()),
    Column("generation", Integer, nullable=False, server_default="0"),
    Column("opened_at", UTCDateTime(), nullable=False),
    Column("opened_by", String(200), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("resolved_at", UTCDateTime()),
    Column("resolved_by", String(200), nullable=False, server_default=""),
    Column("resolution", Text, nullable=False, server_default=""),
    UniqueConstraint("tenant_id", "kind", "dedupe", name="uq_exceptions_tenant_kind_dedupe"),
)
Index("ix_exceptions_tenant_state", exceptions.c.tenant_id, exceptions.c.state, exceptions.c.id)
Index("ix_exceptions_tenant_order", exceptions.c.tenant_id, exceptions.c.order_id)

# A remedy someone asked for that needs approval (L2, L3), and each person's decision.
exception_proposals = Table(
    "exception_proposals",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("exception_id", String(40), nullable=False),
    Column("remedy_n", Integer, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("tier", String(4), nullable=False),
    Column("state", String(16), nullable=False),
    Column("remedy", JSONDoc, nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("proposed_by", String(200), nullable=False),
    Column("proposed_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("decided_at", UTCDateTime()),
    Column("decided_by", String(200), nullable=False, server_default=""),
    Column("outcome", Text, nullable=False, server_default=""),
)
Index("ix_exception_proposals_exception", exception_proposals.c.tenant_id,
      exception_proposals.c.exception_id)
# The proposal-expiry job: pending proposals past their expiry, from the index alone
# (migration 0028).
Index("ix_exception_proposals_pending_expiry", exception_proposals.c.state,
      exception_proposals.c.expires_at, exception_proposals.c.tenant_id,
      exception_proposals.c.exception_id)

exception_approvals = Table(
    "exception_approvals",
    metadata,
    Column("proposal_id", String(40), primary_key=True),
    Column("approver", String(200), primary_key=True),  # once per person (four-eyes)
    Column("tenant_id", String(64), nullable=False),
    Column("decision", String(16), nullable=False),  # approve | reject
    Column("reason", Text, nullable=False, server_default=""),
    Column("at", UTCDateTime(), nullable=False),
)

# SKU substitutions: `substitute` may replace `sku`, `ratio` units for each unit ordered.
sku_substitutions = Table(
    "sku_substitutions",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("sku", String(64), primary_key=True),
    Column("substitute", String(64), primary_key=True),
    Column("ratio", Money(), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# The desk's tier policy per tenant, one row per version (the newest is in force).
exception_policies = Table(
    "exception_policies",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("document", JSONDoc, nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# ----- anomaly detection at intake (issue 14, item 5; domain/anomaly) --------------------------
# Intake fingerprints: one row per identity key an order used (phone, ship-to address, account,
# basket: keyed blind-index digests, never the value); read once per batch for all its keys,
# written in bulk, pruned past each kind's window. Prices are in `anomaly_price_summary`
# (migration 0029 moved the price rows there).
intake_fingerprints = Table(
    "intake_fingerprints",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("tenant_id", String(64), nullable=False),
    Column("kind", String(12), nullable=False),  # phone, address, account, basket, price
    Column("key", String(80), nullable=False),  # b1.<hmac> digest; for price the SKU code
    Column("seen_at", UTCDateTime(), nullable=False),
    Column("account", String(80), nullable=False, server_default=""),  # digest of the account
    Column("channel", String(64), nullable=False, server_default=""),
    Column("value", Float, nullable=False, server_default="0"),  # order total / unit price
    Column("quantity", Integer, nullable=False, server_default="0"),
)
Index("ix_intake_fingerprints_key", intake_fingerprints.c.tenant_id,
      intake_fingerprints.c.kind, intake_fingerprints.c.key, intake_fingerprints.c.seen_at)
Index("ix_intake_fingerprints_seen", intake_fingerprints.c.seen_at)

# Channel prices seen per SKU, summed per hour (domain/anomaly/facts.py: `price_buckets`):
# the price-conflict feature reads the lines of the batch's SKUs since the start of the hour
# its window starts in, so the read is bounded by the SKUs' distinct prices and the window's
# hours, not by how many orders there were. Upserted once per batch in intake's transaction.
anomaly_price_summary = Table(
    "anomaly_price_summary",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("sku", String(80), primary_key=True),
    Column("channel", String(64), primary_key=True),
    Column("price", Float, primary_key=True),  # net unit price, to the cent
    Column("bucket", UTCDateTime(), primary_key=True),  # the hour (UTC) the lines were seen
    Column("lines", Integer, nullable=False),
    sqlite_with_rowid=False,
)

# What the detector found (held or flagged), for GET /v1/anomalies and the exception desk.
anomaly_detections = Table(
    "anomaly_detections",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("tenant_id", String(64), nullable=False),
    Column("order_id", String(40), nullable=False),
    Column("detected_at", UTCDateTime(), nullable=False),
    Column("action", String(8), nullable=False),  # hold, flag
    Column("score", Float, nullable=False),
    Column("codes", JSONDoc, nullable=False),  # reason codes
    Column("reasons", JSONDoc, nullable=False),  # code, message, message_zh, evidence
    Column("model_version", String(40), nullable=False),
)
Index("ix_anomaly_detections_recent", anomaly_detections.c.tenant_id,
      anomaly_detections.c.detected_at)
Index("ix_anomaly_detections_order", anomaly_detections.c.tenant_id,
      anomaly_detections.c.order_id)

# A tenant's anomaly settings (domain/anomaly/settings.py): the fields that differ from the
# defaults, versioned; every change is audited.
anomaly_settings = Table(
    "anomaly_settings",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("doc", JSONDoc, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("updated_by", String(200), nullable=False),
)

# Compensation sagas (domain/saga.py): one row per saga, its steps as JSON; the resume job
# reads running ones whose next attempt is due (index on state, next_attempt_at).
sagas = Table(
    "sagas",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("order_id", String(40), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("state", String(16), nullable=False),
    Column("cause", String(1000), nullable=False, server_default=""),
    Column("steps", JSONDoc, nullable=False),
    Column("data", JSONDoc, nullable=False),
    Column("actor", String(200), nullable=False, server_default=""),
    Column("next_attempt_at", UTCDateTime()),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)
Index("ix_sagas_due", sagas.c.state, sagas.c.next_attempt_at)
Index("ix_sagas_order", sagas.c.tenant_id, sagas.c.order_id)

# Background jobs of the console (domain/jobs.py): one row per job, its progress and result
# written by the process that runs it, read by any process. `running_key` is the job's key
# while it runs (NULL otherwise): the unique index makes "one running job per key" hold
# across processes.
console_jobs = Table(
    "console_jobs",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("job_key", String(200)),
    Column("running_key", String(200), unique=True),
    Column("state", String(16), nullable=False),
    Column("stage", String(40), nullable=False),
    Column("done", Integer, nullable=False, server_default="0"),
    Column("total", Integer),
    Column("label", JSONDoc, nullable=False),
    Column("detail", JSONDoc, nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("heartbeat_at", UTCDateTime()),
    Column("finished_at", UTCDateTime()),
)
Index("ix_console_jobs_recent", console_jobs.c.tenant_id, console_jobs.c.kind,
      console_jobs.c.started_at)
Index("ix_console_jobs_key", console_jobs.c.tenant_id, console_jobs.c.job_key,
      console_jobs.c.started_at)
Index("ix_console_jobs_finished", console_jobs.c.finished_at)
# Channel cut-over in shadow mode (domain/cutover.py, migration 0033): what the hub made of
# each order of a channel in shadow (never an order: no stock, no events, no personal data),
# and the legacy system's export of the same orders, compared per external id.
shadow_orders = Table(
    "shadow_orders",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("channel", String(64), primary_key=True),
    Column("external_id", String(200), primary_key=True),
    Column("id", String(40), nullable=False),
    Column("status", String(16), nullable=False),
    Column("warehouses", JSONDoc, nullable=False),
    Column("grand_total", Money, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("hold_codes", JSONDoc, nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("placed_at", UTCDateTime()),
    Column("moment", UTCDateTime(), nullable=False),  # placed_at, else received_at
    Column("payload_hash", String(64), nullable=False, server_default=""),
    Column("channel_updated_at", UTCDateTime()),
    Column("updated_at", UTCDateTime(), nullable=False),
)
Index("ix_shadow_orders_moment", shadow_orders.c.tenant_id, shadow_orders.c.channel,
      shadow_orders.c.moment)

legacy_orders = Table(
    "legacy_orders",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("channel", String(64), primary_key=True),
    Column("external_id", String(200), primary_key=True),
    Column("status", String(64), nullable=False, server_default=""),
    Column("warehouses", JSONDoc, nullable=False),
    Column("total", Money, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("held", Boolean, nullable=False),
    Column("hold_reason", String(500), nullable=False, server_default=""),
    Column("placed_at", UTCDateTime()),
    Column("line", Integer, nullable=False, server_default="0"),
    Column("source", String(300), nullable=False, server_default=""),  # the file's name
    Column("imported_at", UTCDateTime(), nullable=False),
)

# Exchange rates (domain/fx.py; migration 0030): a tenant's dated rates into its base
# currency (one row per currency and effective date; a new load of the same day replaces
# it), and the tenant's base currency and staleness limit.
fx_rates = Table(
    "fx_rates",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("effective_date", Date, primary_key=True),
    Column("rate", Money(), nullable=False),
    Column("source", String(120), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("updated_by", String(200), nullable=False),
)

fx_settings = Table(
    "fx_settings",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("base_currency", String(3), nullable=False),
    Column("max_age_days", Integer, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("updated_by", String(200), nullable=False),
)

# Demand forecasting (migration 0037, docs/forecasting.md). Imported history: one data set
# per name, replaced whole on re-import. A fit run is a version: its series (serving model,
# fallback, backtest errors) and its daily points with 80%/95% intervals, per level
# (sku_location: a SKU at a warehouse or region; sku: all its locations; total).
forecast_history = Table(
    "forecast_history",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("tenant_id", String(64), nullable=False),
    Column("dataset", String(64), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("location_kind", String(16), nullable=False),
    Column("location", String(64), nullable=False),
    Column("day", Date, nullable=False),
    Column("quantity", Float, nullable=False),
)
Index("ix_forecast_history_dataset", forecast_history.c.tenant_id, forecast_history.c.dataset,
      forecast_history.c.day)

forecast_runs = Table(
    "forecast_runs",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("source", String(64), nullable=False),
    Column("horizon", Integer, nullable=False),
    Column("history_from", Date, nullable=False),
    Column("history_to", Date, nullable=False),
    Column("summary", JSONDoc, nullable=False),
)
Index("ix_forecast_runs_recent", forecast_runs.c.tenant_id, forecast_runs.c.created_at)

forecast_series = Table(
    "forecast_series",
    metadata,
    Column("run_id", String(40), primary_key=True),
    Column("level", String(16), primary_key=True),
    Column("sku", String(64), primary_key=True),
    Column("location_kind", String(16), primary_key=True),
    Column("location", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("segment", String(16), nullable=False),
    Column("model", String(32), nullable=False),
    Column("fallback_reason", Text),
    Column("backtest", JSONDoc, nullable=False),
    Column("drifted_at", UTCDateTime()),
)

forecast_points = Table(
    "forecast_points",
    metadata,
    Column("run_id", String(40), primary_key=True),
    Column("level", String(16), primary_key=True),
    Column("sku", String(64), primary_key=True),
    Column("location_kind", String(16), primary_key=True),
    Column("location", String(64), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("mean", Float, nullable=False),
    Column("lo80", Float, nullable=False),
    Column("hi80", Float, nullable=False),
    Column("lo95", Float, nullable=False),
    Column("hi95", Float, nullable=False),
)

# ----- the buyer's tracking page (issue 19; domain/tracking_page.py) ------------------------
# Per-tenant keys that seal tracking links (stored encrypted like other secrets); a new
# version retires the old ones (their links answer 404).
tracking_link_keys = Table(
    "tracking_link_keys",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("secret", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("retired_at", UTCDateTime()),
)

# An order's links issued up to `revoked_at` no longer open.
tracking_link_revocations = Table(
    "tracking_link_revocations",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("order_id", String(64), primary_key=True),
    Column("revoked_at", UTCDateTime(), nullable=False),
)

# Customer service's script per SKU, category or the tenant's default ("*"), per language.
service_scripts = Table(
    "service_scripts",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("target", String(80), primary_key=True),
    Column("lang", String(8), primary_key=True),
    Column("size_guide", Text, nullable=False, server_default=""),
    Column("return_policy", Text, nullable=False, server_default=""),
    Column("contact", Text, nullable=False, server_default=""),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("updated_by", String(200), nullable=False),
)
# ----- shipping documents (issue 19 part 4; domain/labels.py, migration 0042) ---------------
# A tenant's own label layout per carrier, every saved version kept (the newest is used;
# the built-in layouts ship in adapters/labels/layouts/).
label_layouts = Table(
    "label_layouts",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("carrier", String(32), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("document", JSONDoc, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(200), nullable=False),
)

# The documents produced for a shipment: a record and the SHA-256 of the bytes, never the
# bytes (they hold the receiver's name, phone and address: a reprint renders them again
# from the order, whose personal data is encrypted at rest). One row per distinct content.
shipping_documents = Table(
    "shipping_documents",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("tenant_id", String(64), nullable=False),
    Column("order_id", String(40), nullable=False),
    Column("shipment_id", String(40), nullable=False),
    Column("warehouse", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("format", String(8), nullable=False),
    Column("carrier", String(32), nullable=False),
    Column("waybill", String(64), nullable=False),
    Column("layout_version", String(32), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("pages", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(200), nullable=False),
    UniqueConstraint("tenant_id", "shipment_id", "kind", "format", "sha256",
                     name="uq_shipping_documents_content"),
)
Index("ix_shipping_documents_order", shipping_documents.c.tenant_id,
      shipping_documents.c.order_id)
# Reconciliation of channel settlements and carrier bills (migration 0041,
# domain/reconciliation.py). A scope is a channel code or `carrier:<name>`; a period is a
# month (YYYY-MM, China time). Imports keep their rows; a run's findings are its report; a
# closed period refuses imports and runs.
settlement_imports = Table(
    "settlement_imports",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("scope", String(64), nullable=False),
    Column("source", String(64), nullable=False),
    Column("period", String(7), nullable=False),
    Column("filename", String(300), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("skipped", Integer, nullable=False),
    Column("imported_at", UTCDateTime(), nullable=False),
    Column("imported_by", String(200), nullable=False),
    UniqueConstraint("tenant_id", "scope", "period", "sha256",
                     name="uq_settlement_imports_file"),
)
Index("ix_settlement_imports_period", settlement_imports.c.tenant_id,
      settlement_imports.c.period, settlement_imports.c.scope)

settlement_rows = Table(
    "settlement_rows",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("import_id", String(40), nullable=False),
    Column("tenant_id", String(64), nullable=False),
    Column("scope", String(64), nullable=False),
    Column("period", String(7), nullable=False),
    Column("line", Integer, nullable=False),
    Column("reference", String(300), nullable=False),
    Column("order_ref", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("fee_type", String(64), nullable=False),
    Column("amount", Money(), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("occurred_at", UTCDateTime(), nullable=False),
    Column("waybill", String(64), nullable=False, server_default=""),
    Column("weight_kg", Money()),
)
Index("ix_settlement_rows_scope", settlement_rows.c.tenant_id, settlement_rows.c.scope,
      settlement_rows.c.period)

reconciliation_runs = Table(
    "reconciliation_runs",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("scope", String(64), nullable=False),
    Column("period", String(7), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("parameters", JSONDoc, nullable=False),
    Column("summary", JSONDoc, nullable=False),
)
Index("ix_reconciliation_runs_period", reconciliation_runs.c.tenant_id,
      reconciliation_runs.c.scope, reconciliation_runs.c.period,
      reconciliation_runs.c.created_at)

reconciliation_findings = Table(
    "reconciliation_findings",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("run_id", String(40), nullable=False),
    Column("tenant_id", String(64), nullable=False),
    Column("code", String(32), nullable=False),
    Column("order_id", String(40), nullable=False, server_default=""),
    Column("external_id", String(200), nullable=False, server_default=""),
    Column("reference", String(300), nullable=False, server_default=""),
    Column("waybill", String(64), nullable=False, server_default=""),
    Column("fee_type", String(64), nullable=False, server_default=""),
    Column("expected", Money()),
    Column("settled", Money()),
    Column("currency", String(3), nullable=False, server_default=""),
    Column("row_count", Integer, nullable=False),
    Column("lines", JSONDoc, nullable=False),
    Column("detail", JSONDoc, nullable=False),
)
Index("ix_reconciliation_findings_run", reconciliation_findings.c.run_id,
      reconciliation_findings.c.code)

reconciliation_periods = Table(
    "reconciliation_periods",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("scope", String(64), primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("status", String(16), nullable=False),  # open | closed
    Column("run_id", String(40)),  # the run the period was closed on
    Column("closed_at", UTCDateTime()),
    Column("closed_by", String(200)),
)

# Pre-allocation 72 hours ahead (migration 0044, issue 18 item 3): per-tenant planning
# settings, plans with their suggested transfers, and transfer orders (created: reserved
# at the source; shipped: in transit; received: on hand at the destination).
planning_settings = Table(
    "planning_settings",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("settings", JSONDoc, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("updated_by", String(200), nullable=False),
)

# Returns (RMA, migration 0039; domain/returns.py). A return's head with its document
# (lines, replacement, receipts, refund, decision), its lines (for return rates), the
# units received per grade and day (for restock and forecasting), and each tenant's return
# policy document. No personal data: the customer is the order's.
return_requests = Table(
    "return_requests",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("order_id", String(40), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("source", String(16), nullable=False),
    Column("channel_ref", String(200), nullable=False, server_default=""),
    Column("exchange_order_id", String(40), nullable=False, server_default=""),
    Column("refund_total", Money),
    Column("requested_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
    Column("doc", JSONDoc, nullable=False),
)
Index("ix_return_requests_order", return_requests.c.tenant_id, return_requests.c.order_id)
Index("ix_return_requests_status", return_requests.c.tenant_id, return_requests.c.status,
      return_requests.c.requested_at)
Index("ix_return_requests_ref", return_requests.c.tenant_id, return_requests.c.channel,
      return_requests.c.channel_ref)

return_lines = Table(
    "return_lines",
    metadata,
    Column("return_id", String(40), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("quantity", Integer, nullable=False),
)
Index("ix_return_lines_sku", return_lines.c.tenant_id, return_lines.c.sku)

return_units = Table(
    "return_units",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("tenant_id", String(64), nullable=False),
    Column("return_id", String(40), nullable=False),
    Column("order_id", String(40), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("warehouse", String(64), nullable=False),
    Column("grade", String(16), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("day", Date, nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
)
Index("ix_return_units_day", return_units.c.tenant_id, return_units.c.day)

return_policies = Table(
    "return_policies",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("doc", JSONDoc, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("updated_by", String(200), nullable=False),
)

preallocation_plans = Table(
    "preallocation_plans",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("horizon_hours", Integer, nullable=False),
    Column("forecast_run_id", String(40), nullable=False),
    Column("summary", JSONDoc, nullable=False),
)
Index("ix_preallocation_plans_recent", preallocation_plans.c.tenant_id,
      preallocation_plans.c.created_at)

preallocation_suggestions = Table(
    "preallocation_suggestions",
    metadata,
    Column("plan_id", String(40), primary_key=True),
    Column("n", Integer, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("origin", String(64), nullable=False),
    Column("destination", String(64), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("lead_days", Integer, nullable=False),
    Column("unit_cost", Money, nullable=False),
    Column("cost", Money, nullable=False),
    Column("expected_benefit", Money, nullable=False),
    Column("why", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("flag", Text, nullable=False),
    Column("source_safety_stock", Integer, nullable=False),
    Column("transfer_id", String(40), nullable=False),
    Column("decided_by", String(200), nullable=False),
    Column("decided_at", UTCDateTime()),
)

transfer_orders = Table(
    "transfer_orders",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("origin", String(64), nullable=False),
    Column("destination", String(64), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("expected_at", UTCDateTime(), nullable=False),
    Column("plan_id", String(40), nullable=False),
    Column("suggestion_n", Integer, nullable=False),
    Column("below_safety", Boolean, nullable=False),
    Column("shipped_at", UTCDateTime()),
    Column("received_at", UTCDateTime()),
    CheckConstraint("quantity > 0", name="quantity_positive"),
)
Index("ix_transfer_orders_open", transfer_orders.c.tenant_id, transfer_orders.c.status,
      transfer_orders.c.sku)
# The order money ledger (domain/order_ledger.py, docs/money.md): one row per entry, its
# split by line in `lines`; `seq` orders an order's entries (migration 0040).
order_money_entries = Table(
    "order_money_entries",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("order_id", String(40), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount", Money(), nullable=False),
    Column("lines", JSONDoc, nullable=False),
    Column("reason", Text, nullable=False),
    Column("source", String(200), nullable=False),
    Column("occurred_at", UTCDateTime(), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("content", String(64), nullable=False, server_default=""),
    UniqueConstraint("tenant_id", "order_id", "seq", name="uq_order_money_entries_seq"),
)

# ----- customer notifications (issue 19; migration 0043) ---------------------------------------
# A tenant's own templates (the shipped defaults live in domain/notifications.py).
notification_templates = Table(
    "notification_templates",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("event", String(100), primary_key=True),  # event type name (.checkpoint kind)
    Column("channel", String(32), primary_key=True),  # sales channel or "default"
    Column("language", String(8), primary_key=True),
    Column("medium", String(16), primary_key=True),  # email | sms | wechat | *
    Column("subject", Text, nullable=False, default=""),
    Column("body", Text, nullable=False),
    Column("urgent", Boolean, nullable=False, default=False),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("updated_by", String(200), nullable=False),
)

notification_settings = Table(
    "notification_settings",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("media", JSONDoc, nullable=False),
    Column("quiet_start", String(5)),  # HH:MM local, or NULL
    Column("quiet_end", String(5)),
    Column("timezone", String(64), nullable=False),
    Column("language", String(8), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# Opt-outs: by customer ref ("customer") or by recipient blind index ("recipient"), per
# medium ("*": every medium).
notification_optouts = Table(
    "notification_optouts",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("subject", String(200), primary_key=True),
    Column("medium", String(16), primary_key=True),
    Column("label", String(200), nullable=False, default=""),  # masked, for lists
    Column("source", String(32), nullable=False),  # api | cli | link
    Column("created_at", UTCDateTime(), nullable=False),
)

notification_messages = Table(
    "notification_messages",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("order_id", String(40), nullable=False),
    Column("event_id", String(40), nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("medium", String(16), nullable=False),
    Column("idempotency_key", String(64), nullable=False),
    Column("recipient", Text, nullable=False),  # ciphertext ("" when there is none)
    Column("recipient_masked", String(200), nullable=False),
    Column("recipient_index", String(100), nullable=False),  # blind index ("" if none)
    Column("language", String(8), nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime()),
    Column("event_recorded_at", UTCDateTime()),
    Column("handed_at", UTCDateTime()),  # last handed to the provider
    Column("unsubscribe_token", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("tenant_id", "idempotency_key", name="uq_notification_messages_key"),
)
Index("ix_notification_messages_due", notification_messages.c.status,
      notification_messages.c.next_attempt_at)
Index("ix_notification_messages_order", notification_messages.c.tenant_id,
      notification_messages.c.order_id)
Index("ix_notification_messages_token", notification_messages.c.unsubscribe_token)

# The delivery log: every state a message went through, with its reason.
notification_log = Table(
    "notification_log",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("message_id", String(40), nullable=False),
    Column("tenant_id", String(64), nullable=False),
    Column("order_id", String(40), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("state", String(16), nullable=False),
    Column("detail", Text, nullable=False, default=""),
)
Index("ix_notification_log_order", notification_log.c.tenant_id, notification_log.c.order_id,
      notification_log.c.id)

# Compliance packs a tenant has switched on (domain/compliance_packs.py): the shipped
# version its rules were drafted from, those rules as drafted (for an upgrade's diff), its
# overrides of single pack rules (each with who, when, why) and the rule set last drafted.
compliance_packs = Table(
    "compliance_packs",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("country", String(2), primary_key=True),
    Column("enabled", Boolean, nullable=False),
    Column("version", String(16), nullable=False),
    Column("rules", JSONDoc, nullable=False),
    Column("overrides", JSONDoc, nullable=False),
    Column("rule_set", Integer),
    Column("changed_by", String(128), nullable=False),
    Column("changed_at", UTCDateTime(), nullable=False),
)
# ----- approvals and alerts in chat apps (issue 19 item 3; migration 0048) -----------------
# A tenant's chat channels (a DingTalk robot, a WeCom robot and app, a Slack app): the
# secrets (webhook URL with its token, signing and callback secrets) encrypted as one doc.
chat_channels = Table(
    "chat_channels",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("app", String(16), nullable=False),
    Column("name", String(100), nullable=False),
    Column("subjects", JSONDoc, nullable=False),
    Column("secrets", Text, nullable=False),  # ciphertext
    Column("enabled", Boolean, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("tenant_id", "name", name="uq_chat_channels_name"),
)
# Chat user id -> hub user (console login): who a card's click acts as.
chat_identities = Table(
    "chat_identities",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("app", String(16), primary_key=True),
    Column("chat_user_id", String(128), primary_key=True),
    Column("login", String(100), nullable=False),
    Column("mapped_at", UTCDateTime(), nullable=False),
    Column("mapped_by", String(200), nullable=False),
)
# Cards to send (sent by the notification dispatcher: lease, back-off, dead letter) and
# what a card's buttons decide (its exception and remedy).
chat_cards = Table(
    "chat_cards",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("channel_id", String(40), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("event_id", String(40), nullable=False),
    Column("order_id", String(40), nullable=False, default=""),
    Column("exception_id", String(40), nullable=False, default=""),
    Column("remedy_n", Integer, nullable=False, default=0),
    Column("proposal_id", String(40), nullable=False, default=""),
    Column("rule_set_id", Integer, nullable=False, default=0),  # a canary to activate
    Column("requested_by", String(200), nullable=False, default=""),  # who asked
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime()),
    Column("handed_at", UTCDateTime()),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("channel_id", "event_id", name="uq_chat_cards_event"),
)
Index("ix_chat_cards_due", chat_cards.c.status, chat_cards.c.next_attempt_at)
# ----- group-buy pooling (issue 18 item 5; domain/pools, migration 0047) ------------------
# The pooling policy: one document per tenant and version (the highest is in force).
pool_policies = Table(
    "pool_policies",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("document", JSONDoc, nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# A pool: at most one open per tenant, channel and pickup point (partial unique index), so
# two intakes opening one at once collide and the loser joins the winner's.
pools = Table(
    "pools",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("pickup_site", String(64), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("radius_km", Float, nullable=False),
    Column("threshold", Integer, nullable=False),
    Column("policy_version", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("member_count", Integer, nullable=False, server_default="0"),
    Column("opened_at", UTCDateTime(), nullable=False),
    Column("closes_at", UTCDateTime(), nullable=False),
    Column("close_reason", String(16), nullable=False, server_default=""),
    Column("closed_at", UTCDateTime()),
    Column("closed_by", String(200), nullable=False, server_default=""),
    Column("deliveries", JSONDoc, nullable=False),
)
Index("uq_pools_open", pools.c.tenant_id, pools.c.channel, pools.c.pickup_site, unique=True,
      postgresql_where=text("status = 'open'"), sqlite_where=text("status = 'open'"))
Index("ix_pools_due", pools.c.status, pools.c.closes_at)
Index("ix_pools_tenant", pools.c.tenant_id, pools.c.id)

# Its members: an order is in one pool at most (the key is the order).
pool_members = Table(
    "pool_members",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("order_id", String(40), primary_key=True),
    Column("pool_id", String(40), nullable=False),
    Column("position", Integer, nullable=False),
    Column("distance_km", Float, nullable=False),
    Column("joined_at", UTCDateTime(), nullable=False),
)
Index("ix_pool_members_pool", pool_members.c.pool_id, pool_members.c.position)
# Card callbacks verified (replay protection): one request (its signature) decides once;
# the same again gets the first answer, its signature with another body is refused.
chat_callbacks = Table(
    "chat_callbacks",
    metadata,
    Column("channel_id", String(40), primary_key=True),
    Column("replay_key", String(120), primary_key=True),
    Column("body_sha256", String(64), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("outcome", String(16), nullable=False, default=""),
    Column("answer", Text, nullable=False, default=""),
)
Index("ix_chat_callbacks_received", chat_callbacks.c.received_at)
# ----- 3PL bidding (issue 18 item 4; domain/bidding.py) ---------------------------------------
# Providers that may bid, each with its signing secret (encrypted, like webhook secrets).
bid_providers = Table(
    "bid_providers",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("sites", JSONDoc, nullable=False),
    Column("endpoint", Text, nullable=False, default=""),
    Column("secret", Text, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)
# The tenant's bidding policy: which orders are offered, the window, the award rule.
bid_policies = Table(
    "bid_policies",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("doc", JSONDoc, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("updated_by", String(200), nullable=False),
)
# One offer per order offered; `status` open -> awarded | fallback, changed once (a
# conditional update: of two processes closing it, one decides).
bid_offers = Table(
    "bid_offers",
    metadata,
    Column("offer_id", String(40), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("order_id", String(40), nullable=False),
    Column("site", String(32), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(16), nullable=False),
    Column("opened_at", UTCDateTime(), nullable=False),
    Column("closes_at", UTCDateTime(), nullable=False),
    Column("providers", JSONDoc, nullable=False),
    Column("reference", JSONDoc, nullable=False),
    Column("requested_at", UTCDateTime()),
    Column("invited", Integer, nullable=False, default=0),
    Column("received", Integer, nullable=False, default=0),
    Column("decided_at", UTCDateTime()),
    Column("winner", String(32)),
    Column("price", Money()),
    Column("promised_by", UTCDateTime()),
    Column("decision", JSONDoc),
)
Index("ix_bid_offers_due", bid_offers.c.status, bid_offers.c.closes_at)
Index("ix_bid_offers_order", bid_offers.c.tenant_id, bid_offers.c.order_id)
# Every bid received, as read: accepted, late or malformed (with the problem).
bids = Table(
    "bids",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("tenant_id", String(64), nullable=False),
    Column("offer_id", String(40), nullable=False),
    Column("provider", String(32), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("price", Money()),
    Column("promised_by", UTCDateTime()),
    Column("problem", Text, nullable=False, default=""),
    Column("message_id", String(100)),  # webhook-id: a replayed message is refused
)
Index("ix_bids_offer", bids.c.offer_id)
Index("ux_bids_message", bids.c.tenant_id, bids.c.provider, bids.c.message_id, unique=True)
