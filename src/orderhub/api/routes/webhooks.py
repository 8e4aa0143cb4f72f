"""/v1/webhooks: endpoints a tenant registers, their delivery log, dead letters and replay.

Messages follow Standard Webhooks (standardwebhooks.com): each POST carries `webhook-id`
(the event id), `webhook-timestamp` and `webhook-signature` (v1, HMAC-SHA256 with the
endpoint's secret); the body is the event's CloudEvents envelope. The secret is returned
only when an endpoint is created or its secret rotated. Delivery is at least once (a message
in flight when a dispatcher crashes is sent again within one lease): receivers de-duplicate
on `webhook-id`, which is the same on every attempt.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from orderhub.api.deps import ActorDep, HubDep, TenantDep
from orderhub.api.schemas import Flag, Text
from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.domain.webhooks import DeliveryPage, WebhookDelivery, WebhookEndpoint
from orderhub.services.events.webhooks import deliveries, endpoints

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

DeliveryStatus = Literal["pending", "succeeded", "dead"]
_URL_DOC = "Where events are POSTed: an absolute http or https URL (at most 2000 characters)"
_TYPES_DOC = (
    "Event types to receive, for example ['OrderCreated', 'OrderCancelled']; "
    "empty (the default) means every type"
)


# ----- models ----------------------------------------------------------------------------------
class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WebhookEndpointIn(Strict):
    """A new endpoint."""

    url: str = Field(max_length=2000, description=_URL_DOC)
    event_types: list[str] = Field(default_factory=list, max_length=100, description=_TYPES_DOC)
    description: Text = Field("", max_length=500, description="A note for people")
    active: Flag = Field(True, description="Inactive endpoints receive nothing")
    secret: str | None = Field(
        None,
        max_length=200,
        description="Signing secret, 'whsec_' + base64 of 24..64 random bytes; "
        "generated when omitted",
    )


class WebhookEndpointPatch(Strict):
    """Fields to change; omitted fields stay as they are."""

    url: str | None = Field(None, max_length=2000, description=_URL_DOC)
    event_types: list[str] | None = Field(None, max_length=100, description=_TYPES_DOC)
    description: Text | None = Field(None, max_length=500, description="A note for people")
    active: Flag | None = Field(
        None,
        description="false pauses the endpoint: no new deliveries, pending ones wait unsent",
    )


class SecretRotationIn(Strict):
    secret: str | None = Field(
        None, max_length=200, description="The new secret; generated when omitted"
    )


class WebhookEndpointOut(BaseModel):
    id: str = Field(description="Endpoint id")
    url: str = Field(description=_URL_DOC)
    event_types: list[str] = Field(description="Subscribed event types; empty means all")
    description: str
    active: bool = Field(description="Whether the endpoint receives deliveries")
    created_at: datetime
    updated_at: datetime


class WebhookEndpointWithSecret(WebhookEndpointOut):
    secret: str = Field(
        description="Signing secret (Standard Webhooks, v1). Store it now: it is not shown again"
    )


class DeliveryOut(BaseModel):
    id: str = Field(description="Delivery id (one per endpoint and event)")
    endpoint_id: str
    event_id: str = Field(description="The event id, sent as the webhook-id header")
    event_type: str = Field(description="Short event type, for example OrderCreated")
    order_id: str = Field(description="The order the event is about; empty for stock events")
    status: DeliveryStatus = Field(
        description="pending (waiting or retrying), succeeded, or dead (gave up: a dead letter)"
    )
    attempts: int = Field(description="Attempts since the delivery was (re)queued")
    next_attempt_at: datetime | None = Field(description="When it is tried next, if pending")
    last_status_code: int | None = Field(description="HTTP status of the last attempt, if any")
    last_error: str = Field(description="Why the last attempt failed; empty if it did not")
    last_latency_ms: float | None = Field(description="Duration of the last attempt")
    created_at: datetime
    updated_at: datetime


class AttemptOut(BaseModel):
    attempt: int = Field(description="1-based, counted across replays")
    at: datetime
    outcome: Literal["succeeded", "retry", "dead"] = Field(
        description="succeeded; retry (failed, will be retried); dead (failed, given up)"
    )
    status_code: int | None = Field(description="HTTP status; null when no answer arrived")
    latency_ms: float
    error: str = Field(description="Timeout, connection error or the answer's status and body")


class DeliveryDetail(DeliveryOut):
    payload: dict[str, Any] = Field(description="The CloudEvents envelope sent as the body")
    log: list[AttemptOut] = Field(description="Every attempt, oldest first")


class DeliveryPageOut(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")


class ReplayOut(BaseModel):
    replayed: int = Field(description="Deliveries put back to pending, due now")


# ----- mapping ---------------------------------------------------------------------------------
def _endpoint(e: WebhookEndpoint, *, with_secret: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": e.id,
        "url": e.url,
        "event_types": e.event_types,
        "description": e.description,
        "active": e.active,
        "created_at": e.created_at,
        "updated_at": e.updated_at,
    }
    if with_secret:
        out["secret"] = e.secret
    return out


def _delivery(d: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": d.id,
        "endpoint_id": d.endpoint_id,
        "event_id": d.event_id,
        "event_type": d.event_type,
        "order_id": d.order_id,
        "status": d.status,
        "attempts": d.attempts,
        "next_attempt_at": d.next_attempt_at,
        "last_status_code": d.last_status_code,
        "last_error": d.last_error,
        "last_latency_ms": d.last_latency_ms,
        "created_at": d.created_at,
        "updated_at": d.updated_at,
    }


def _page(page: DeliveryPage) -> dict[str, Any]:
    return {"items": [_delivery(d) for d in page.items], "next_cursor": page.next_cursor}


CursorQuery = Annotated[
    str | None, Query(max_length=64, description="next_cursor of the previous page")
]
LimitQuery = Annotated[int, Query(ge=1, le=500, description="Page size")]


# ----- routes (fixed paths before /{endpoint_id}) ---------------------------------------------
def _refuse_private(url: str, allowed: bool) -> None:
    """Webhooks must not be a way to reach the hub's own network (SSRF)."""
    reason = "" if allowed else endpoints.private_target(url)
    if reason:
        raise InvalidInput([FieldError("url", f"{reason}; set "
                                       "ORDERHUB_WEBHOOK_ALLOW_PRIVATE_TARGETS=true to allow it")])


@router.post("", response_model=WebhookEndpointWithSecret, status_code=201)
def create_endpoint(body: WebhookEndpointIn, hub: HubDep, tenant: TenantDep,
                    actor: ActorDep) -> Any:
    """Register an endpoint. The response carries the signing secret, this once."""
    _refuse_private(body.url, hub.settings.webhook_allow_private_targets)
    endpoint = endpoints.create_endpoint(
        hub.uow,
        tenant,
        body.url,
        hub.clock(),
        event_types=body.event_types,
        description=body.description,
        active=body.active,
        secret=body.secret,
        actor=actor,
    )
    return _endpoint(endpoint, with_secret=True)


@router.get("", response_model=list[WebhookEndpointOut])
def list_endpoints(hub: HubDep, tenant: TenantDep) -> Any:
    return [_endpoint(e) for e in endpoints.list_endpoints(hub.read_uow, tenant)]


@router.get("/dead-letters", response_model=DeliveryPageOut)
def list_dead_letters(
    hub: HubDep,
    tenant: TenantDep,
    endpoint_id: Annotated[
        str | None, Query(max_length=64, description="Only this endpoint's dead letters")
    ] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Any:
    """Deliveries that gave up (a permanent error, or every attempt failed), newest first."""
    page = deliveries.dead_letters(
        hub.read_uow, tenant, endpoint_id=endpoint_id, cursor=cursor, limit=limit
    )
    return _page(page)


@router.get("/deliveries/{delivery_id}", response_model=DeliveryDetail)
def get_delivery(delivery_id: str, hub: HubDep, tenant: TenantDep) -> Any:
    """One delivery with its payload and every attempt (the delivery log)."""
    found = deliveries.get_delivery(hub.read_uow, tenant, delivery_id)
    return {
        **_delivery(found.delivery),
        "payload": found.delivery.payload or {},
        "log": [
            {
                "attempt": a.attempt,
                "at": a.at,
                "outcome": a.outcome,
                "status_code": a.status_code,
                "latency_ms": a.latency_ms,
                "error": a.error,
            }
            for a in found.attempts
        ],
    }


@router.post("/deliveries/{delivery_id}/replay", response_model=DeliveryOut)
def replay_delivery(delivery_id: str, hub: HubDep, tenant: TenantDep) -> Any:
    """Send a dead or succeeded delivery again, now, with a fresh attempt budget."""
    delivery = deliveries.replay_delivery(hub.uow, tenant, delivery_id, hub.clock())
    if hub.webhooks is not None:
        hub.webhooks.notify()
    return _delivery(delivery)


@router.get("/{endpoint_id}", response_model=WebhookEndpointOut)
def get_endpoint(endpoint_id: str, hub: HubDep, tenant: TenantDep) -> Any:
    return _endpoint(endpoints.get_endpoint(hub.read_uow, tenant, endpoint_id))


@router.patch("/{endpoint_id}", response_model=WebhookEndpointOut)
def patch_endpoint(
    endpoint_id: str, body: WebhookEndpointPatch, hub: HubDep, tenant: TenantDep,
    actor: ActorDep
) -> Any:
    """Change the URL, the subscribed types or the description, or pause/resume."""
    if body.url is not None:
        _refuse_private(body.url, hub.settings.webhook_allow_private_targets)
    endpoint = endpoints.update_endpoint(
        hub.uow,
        tenant,
        endpoint_id,
        hub.clock(),
        url=body.url,
        event_types=body.event_types,
        active=body.active,
        description=body.description,
        actor=actor,
    )
    return _endpoint(endpoint)


@router.delete("/{endpoint_id}", status_code=204)
def delete_endpoint(endpoint_id: str, hub: HubDep, tenant: TenantDep,
                    actor: ActorDep) -> Response:
    """Remove an endpoint. One with deliveries is deactivated instead, keeping its log."""
    endpoints.delete_endpoint(hub.uow, tenant, endpoint_id, hub.clock(), actor=actor)
    return Response(status_code=204)


@router.post("/{endpoint_id}/rotate-secret", response_model=WebhookEndpointWithSecret)
def rotate_secret(
    endpoint_id: str, hub: HubDep, tenant: TenantDep, actor: ActorDep,
    body: SecretRotationIn | None = None
) -> Any:
    """Replace the signing secret; later attempts are signed with the new one."""
    endpoint = endpoints.rotate_secret(
        hub.uow, tenant, endpoint_id, hub.clock(), secret=body.secret if body else None,
        actor=actor
    )
    return _endpoint(endpoint, with_secret=True)


@router.get("/{endpoint_id}/deliveries", response_model=DeliveryPageOut)
def list_deliveries(
    endpoint_id: str,
    hub: HubDep,
    tenant: TenantDep,
    status: Annotated[
        DeliveryStatus | None, Query(description="Only deliveries in this status")
    ] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Any:
    """The endpoint's deliveries, newest first."""
    page = deliveries.list_deliveries(
        hub.read_uow, tenant, endpoint_id, status=status, cursor=cursor, limit=limit
    )
    return _page(page)


@router.post("/{endpoint_id}/replay-dead", response_model=ReplayOut)
def replay_dead(endpoint_id: str, hub: HubDep, tenant: TenantDep) -> Any:
    """Replay every dead delivery of this endpoint."""
    replayed = deliveries.replay_dead(hub.uow, tenant, endpoint_id, hub.clock())
    if hub.webhooks is not None:
        hub.webhooks.notify()
    return {"replayed": replayed}
