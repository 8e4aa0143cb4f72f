"""Prometheus metrics (prometheus-client), served at /metrics."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

EVENTS_PUBLISHED = Counter(
    "orderhub_events_published_total",
    "Events published from the outbox, by type and sink",
    ["type", "sink"],
    registry=REGISTRY,
)
PUBLISH_FAILURES = Counter(
    "orderhub_publish_failures_total",
    "Relay attempts that failed to publish, by sink",
    ["sink"],
    registry=REGISTRY,
)
OUTBOX_BACKLOG = Gauge(
    "orderhub_outbox_backlog", "Events written but not yet published", registry=REGISTRY
)
PUBLISH_LATENCY = Histogram(
    "orderhub_publish_latency_seconds",
    "From the event's transaction to its publication",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
    registry=REGISTRY,
)
CONSUMER_EVENTS = Counter(
    "orderhub_consumer_events_total",
    "Events handled by durable consumers, by outcome",
    ["consumer", "outcome"],
    registry=REGISTRY,
)
WEBHOOK_DELIVERIES = Counter(
    "orderhub_webhook_deliveries_total",
    "Webhook delivery attempts, by outcome",
    ["outcome"],
    registry=REGISTRY,
)
WEBHOOK_LATENCY = Histogram(
    "orderhub_webhook_latency_seconds",
    "Webhook request latency",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
WEBHOOK_PENDING = Gauge(
    "orderhub_webhook_pending", "Webhook deliveries waiting to be sent", registry=REGISTRY
)
