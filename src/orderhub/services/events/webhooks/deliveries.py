"""Deliveries as the tenant sees them: an endpoint's delivery list, the dead-letter list, one
delivery with its attempt log, and replay (one delivery, or every dead one)."""

from __future__ import annotations

from datetime import datetime

from orderhub.adapters.db.webhook_repository import WebhookRepository
from orderhub.adapters.metrics import WEBHOOK_PENDING
from orderhub.domain.errors import Conflict, FieldError, InvalidInput, NotFound
from orderhub.domain.webhooks import (
    DEAD,
    PENDING,
    STATUSES,
    DeliveryLog,
    DeliveryPage,
    WebhookDelivery,
)
from orderhub.services.events.webhooks.endpoints import load_endpoint
from orderhub.services.unit_of_work import UowFactory


def _load_delivery(repo: WebhookRepository, tenant_id: str, delivery_id: str) -> WebhookDelivery:
    found = repo.delivery(tenant_id, delivery_id)
    if found is None:
        raise NotFound(f"webhook delivery '{delivery_id}' not found")
    return found


def _check_status(status: str | None) -> None:
    if status is not None and status not in STATUSES:
        raise InvalidInput(
            [FieldError("status", f"must be one of {', '.join(STATUSES)}; got '{status}'")]
        )


# ----- queries ---------------------------------------------------------------------------------
def list_deliveries(
    make_uow: UowFactory,
    tenant_id: str,
    endpoint_id: str,
    *,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> DeliveryPage:
    """One endpoint's deliveries, newest first, optionally of one status (no payloads)."""
    _check_status(status)
    with make_uow() as uow:
        load_endpoint(uow.webhooks, tenant_id, endpoint_id)
        return uow.webhooks.page(
            tenant_id, endpoint_id=endpoint_id, status=status, cursor=cursor, limit=limit
        )


def dead_letters(
    make_uow: UowFactory,
    tenant_id: str,
    *,
    endpoint_id: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> DeliveryPage:
    """Deliveries that gave up, newest first: the tenant's dead-letter list."""
    with make_uow() as uow:
        if endpoint_id is not None:
            load_endpoint(uow.webhooks, tenant_id, endpoint_id)
        return uow.webhooks.page(
            tenant_id, endpoint_id=endpoint_id, status=DEAD, cursor=cursor, limit=limit
        )


def get_delivery(make_uow: UowFactory, tenant_id: str, delivery_id: str) -> DeliveryLog:
    """A delivery with its payload and every attempt, oldest first: the delivery log."""
    with make_uow() as uow:
        delivery = _load_delivery(uow.webhooks, tenant_id, delivery_id)
        attempts = uow.webhooks.attempts(delivery_id)
    return DeliveryLog(delivery=delivery, attempts=attempts)


# ----- replay ----------------------------------------------------------------------------------
def replay_delivery(
    make_uow: UowFactory, tenant_id: str, delivery_id: str, now: datetime
) -> WebhookDelivery:
    """Send a dead (or succeeded) delivery again: back to pending, due now, with a fresh
    attempt budget; its attempt log is kept and continues."""
    with make_uow() as uow:
        repo = uow.webhooks
        current = _load_delivery(repo, tenant_id, delivery_id)
        if current.status == PENDING:
            due = current.next_attempt_at.isoformat() if current.next_attempt_at else "soon"
            raise Conflict(
                f"delivery '{delivery_id}' is already pending; its next attempt is due at {due}"
            )
        endpoint = load_endpoint(repo, tenant_id, current.endpoint_id)
        if not endpoint.active:
            raise Conflict(
                f"webhook endpoint '{endpoint.id}' is inactive; activate it before replaying"
            )
        repo.requeue(delivery_id, current.status, now)
        replayed = _load_delivery(repo, tenant_id, delivery_id)
        uow.commit()
    WEBHOOK_PENDING.inc()
    return replayed


def replay_dead(
    make_uow: UowFactory, tenant_id: str, endpoint_id: str | None, now: datetime
) -> int:
    """Replay every dead delivery of one endpoint (or of every active endpoint of the
    tenant); returns how many were put back to pending."""
    with make_uow() as uow:
        if endpoint_id is not None:
            endpoint = load_endpoint(uow.webhooks, tenant_id, endpoint_id)
            if not endpoint.active:
                raise Conflict(
                    f"webhook endpoint '{endpoint_id}' is inactive; activate it before replaying"
                )
        count = uow.webhooks.requeue_dead(tenant_id, endpoint_id, now)
        uow.commit()
    WEBHOOK_PENDING.inc(count)
    return count
