"""The fan-out: every published event an active endpoint subscribes to becomes a pending
delivery. Runs as the batch handler of the internal `webhooks` durable consumer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from orderhub.adapters.bus.envelope import Envelope
from orderhub.adapters.metrics import WEBHOOK_PENDING
from orderhub.domain.ids import new_id
from orderhub.domain.webhooks import PENDING, WebhookDelivery
from orderhub.services.unit_of_work import UowFactory


def enqueue_deliveries(make_uow: UowFactory, envelopes: Sequence[Envelope], now: datetime) -> int:
    """Create a pending delivery for every active endpoint subscribed to each event, in one
    transaction with two statements whatever the batch size. Idempotent: an (endpoint,
    event) pair already enqueued is skipped, so a redelivered batch creates nothing new.
    Returns the number of deliveries created."""
    if not envelopes:
        return 0
    tenants = sorted({e.tenant for e in envelopes})
    with make_uow() as uow:
        subscribers = uow.webhooks.subscribers(tenants)
        new: dict[tuple[str, str], WebhookDelivery] = {}
        for env in envelopes:
            for endpoint_id, types in subscribers.get(env.tenant, ()):
                if (types and env.type not in types) or (endpoint_id, env.id) in new:
                    continue
                new[(endpoint_id, env.id)] = WebhookDelivery(
                    id=new_id("whd"),
                    tenant_id=env.tenant,
                    endpoint_id=endpoint_id,
                    event_id=env.id,
                    event_type=env.type,
                    order_id=env.order_id,
                    status=PENDING,
                    attempts=0,
                    next_attempt_at=now,
                    last_status_code=None,
                    last_error="",
                    last_latency_ms=None,
                    created_at=now,
                    updated_at=now,
                    payload=env.to_dict(),
                )
        if not new:
            return 0
        created = uow.webhooks.add_deliveries(list(new.values()))
        uow.commit()
    WEBHOOK_PENDING.inc(created)
    return created


def enqueue_handler(
    make_uow: UowFactory,
    clock: Callable[[], datetime],
    *,
    on_enqueued: Callable[[], None] | None = None,
) -> Callable[[Sequence[Envelope]], None]:
    """A durable consumer's batch handler: enqueue the batch's deliveries, then (if any were
    created) call `on_enqueued`, typically `WebhookDispatcher.notify`, so they go out now
    rather than at the next poll. Safe to re-run on a redelivered batch."""

    def handle(envelopes: Sequence[Envelope]) -> None:
        if enqueue_deliveries(make_uow, envelopes, clock()) and on_enqueued is not None:
            on_enqueued()

    return handle
