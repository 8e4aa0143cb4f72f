"""Webhooks: tenants register endpoints; every published event an endpoint subscribes to
becomes a delivery, sent signed (Standard Webhooks) and retried with backoff until it
succeeds or goes dead (the dead-letter list), from where it can be replayed.

One concern per module, each persisting through `uow.webhooks` (adapters/db/webhook_repository):

  endpoints    registration, changes, secret rotation, removal; URL and type checks
  fanout       event consumer --enqueue_deliveries--> webhook_deliveries (pending, one per
               endpoint+event)
  dispatcher   WebhookDispatcher: claim due rows (short transaction, a lease ahead)
               -> POST outside any transaction -> record the attempt and the new state
  deliveries   delivery list, dead letters, the attempt log, replay

Delivery is at least once. A crash between claim and record leaves the delivery leased
until its lease runs out (10 s; a live dispatcher's heartbeat renews it while the request is
in flight); it is then sent again. Receivers de-duplicate on `webhook-id` (the event id, the
same on every attempt), as Standard Webhooks asks of them.

The names below are re-exported for callers of the former single module; new code imports
from the concern module.
"""

from orderhub.domain.webhooks import (
    DEAD,
    PENDING,
    STATUSES,
    SUCCEEDED,
    DeliveryLog,
    DeliveryPage,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from orderhub.services.events.webhooks.deliveries import (
    dead_letters,
    get_delivery,
    list_deliveries,
    replay_dead,
    replay_delivery,
)
from orderhub.services.events.webhooks.dispatcher import WebhookDispatcher
from orderhub.services.events.webhooks.endpoints import (
    create_endpoint,
    delete_endpoint,
    get_endpoint,
    list_endpoints,
    normalise_event_types,
    private_target,
    rotate_secret,
    update_endpoint,
    validate_url,
)
from orderhub.services.events.webhooks.fanout import enqueue_deliveries, enqueue_handler

__all__ = [
    "DEAD",
    "PENDING",
    "STATUSES",
    "SUCCEEDED",
    "DeliveryLog",
    "DeliveryPage",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookDispatcher",
    "WebhookEndpoint",
    "create_endpoint",
    "dead_letters",
    "delete_endpoint",
    "enqueue_deliveries",
    "enqueue_handler",
    "get_delivery",
    "get_endpoint",
    "list_deliveries",
    "list_endpoints",
    "normalise_event_types",
    "private_target",
    "replay_dead",
    "replay_delivery",
    "rotate_secret",
    "update_endpoint",
    "validate_url",
]
