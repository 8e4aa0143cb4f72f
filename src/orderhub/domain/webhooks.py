"""Webhook subscriptions and deliveries as records: what the webhook repository stores and the
webhook services hand to the API. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

PENDING, SUCCEEDED, DEAD = "pending", "succeeded", "dead"
STATUSES = (PENDING, SUCCEEDED, DEAD)


@dataclass(frozen=True, slots=True)
class WebhookEndpoint:
    id: str
    tenant_id: str
    url: str
    secret: str
    event_types: list[str]  # [] means every type
    description: str
    active: bool
    created_at: datetime
    updated_at: datetime

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    id: str
    tenant_id: str
    endpoint_id: str
    event_id: str
    event_type: str
    order_id: str
    status: str
    attempts: int  # attempts in the current round (a replay starts a new round)
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    last_latency_ms: float | None
    created_at: datetime
    updated_at: datetime
    payload: dict[str, Any] | None = None  # loaded only for a single delivery


@dataclass(frozen=True, slots=True)
class WebhookAttempt:
    attempt: int  # numbered across rounds, so a replayed delivery's log reads in order
    at: datetime
    outcome: str  # succeeded | retry | dead
    status_code: int | None
    latency_ms: float
    error: str


@dataclass(frozen=True, slots=True)
class DeliveryLog:
    delivery: WebhookDelivery
    attempts: list[WebhookAttempt]


@dataclass(frozen=True, slots=True)
class DeliveryPage:
    items: list[WebhookDelivery]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    """A due delivery a dispatcher holds a lease on: what it needs to send one attempt.
    `leased_until` is the lease as written; renewing or recording compares against it, so a
    dispatcher whose lease ran out and was taken over cannot extend it."""

    id: str
    attempts: int
    event_id: str
    payload: dict[str, Any]
    url: str
    secret: str
    leased_until: datetime


@dataclass(frozen=True, slots=True)
class AttemptOutcome:
    """The state a delivery moves to after one attempt, and the attempt's log line."""

    delivery_id: str
    attempts_before: int  # as claimed: the record is skipped if another worker moved on
    status: str
    attempts: int
    next_attempt_at: datetime | None
    status_code: int | None
    error: str
    latency_ms: float
    outcome: str  # succeeded | retry | dead, as logged
