"""Events: one order's event stream (the outbox entries of the order, as GET
/v1/orders/{id}/timeline), followed live while the page is open (htmx asks for the events
after the last one shown every 2 s; `orderhub events tail --order` is the CLI's blocking
follower of the same stream), and the webhooks: endpoints, their deliveries (status,
attempts, last error), the dead letters, and replay of one delivery or of an endpoint's
dead ones (services/events/webhooks, as /v1/webhooks/*)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from orderhub.console import nav
from orderhub.console.deps import CheckedDep, ConsoleForbidden, Viewer, hub_of, needs
from orderhub.console.rendering import base_of, render
from orderhub.domain.access import Scope
from orderhub.domain.errors import Conflict, InvalidInput, NotFound
from orderhub.domain.webhooks import STATUSES, WebhookDelivery
from orderhub.services.events.webhooks import deliveries, endpoints
from orderhub.services.orders import views

router = APIRouter()
NAV = nav.register(nav.NavItem("events", "/events", Scope.EVENTS_READ, order=80))
PAGE_SIZE = 50


def _delivery(d: WebhookDelivery) -> dict[str, Any]:
    return {"id": d.id, "endpoint_id": d.endpoint_id, "event_type": d.event_type,
            "order_id": d.order_id, "status": d.status, "attempts": d.attempts,
            "last_status_code": d.last_status_code, "last_error": d.last_error or "",
            "updated_at": d.updated_at}


def _order_events(request: Request, v: Viewer, order_id: str, after: int = 0
                  ) -> list[dict[str, Any]]:
    events = views.get_timeline(hub_of(request).read_uow, v.principal.tenant_id, order_id,
                                warehouses=v.principal.warehouses)
    return [e for e in events if e["seq"] > after]


@router.get("/events")
def page(request: Request, v: Viewer = Depends(needs(Scope.EVENTS_READ))) -> Response:
    hub = hub_of(request)
    tenant = v.principal.tenant_id
    order_id = request.query_params.get("order", "").strip()
    errors: dict[str, str] = {}
    events: list[dict[str, Any]] = []
    if len(order_id) > 64:
        errors["order"] = "net.too_long"
    elif order_id:
        try:
            events = _order_events(request, v, order_id)
        except NotFound:
            errors["order"] = "events.no_order"
    hooks: list[dict[str, Any]] = []
    dead: list[dict[str, Any]] = []
    if v.may(Scope.WEBHOOKS_READ):
        hooks = [{"id": e.id, "url": e.url, "event_types": e.event_types,
                  "description": e.description, "active": e.active}
                 for e in endpoints.list_endpoints(hub.read_uow, tenant)]
        dead = [_delivery(d) for d in
                deliveries.dead_letters(hub.read_uow, tenant, limit=PAGE_SIZE).items]
    return render(request, v, "pages/events.html", status=400 if errors else 200,
                  current=NAV.key, order_id=order_id, events=events, errors=errors,
                  last_seq=events[-1]["seq"] if events else 0, hooks=hooks, dead=dead,
                  may_hooks=v.may(Scope.WEBHOOKS_READ),
                  may_replay=v.may(Scope.WEBHOOKS_WRITE), message="")


@router.get("/events/follow")
def follow(request: Request, v: Viewer = Depends(needs(Scope.EVENTS_READ))) -> Response:
    """The order's events after `after` (htmx appends them), and the poller again."""
    order_id = request.query_params.get("order", "").strip()[:64]
    after_raw = request.query_params.get("after", "0")
    after = int(after_raw) if after_raw.isdigit() else 0
    try:
        events = _order_events(request, v, order_id, after)
    except NotFound:
        events = []
    return render(request, v, "pages/events.html", block="follow", order_id=order_id,
                  events=events, last_seq=events[-1]["seq"] if events else after)


@router.get("/events/webhooks/{endpoint_id}")
def endpoint_page(request: Request, endpoint_id: str,
                  v: Viewer = Depends(needs(Scope.WEBHOOKS_READ))) -> Response:
    return _endpoint(request, v, endpoint_id)


def _endpoint(request: Request, v: Viewer, endpoint_id: str, status_code: int = 200,
              message: str = "") -> Response:
    hub = hub_of(request)
    tenant = v.principal.tenant_id
    status = request.query_params.get("status", "").strip()
    cursor = request.query_params.get("cursor", "").strip() or None
    errors: dict[str, str] = {}
    if status and status not in STATUSES:
        errors["status"] = "field.bad_choice"
    endpoint = endpoints.get_endpoint(hub.read_uow, tenant, endpoint_id)
    items: list[dict[str, Any]] = []
    next_cursor = None
    if not errors:
        try:
            found = deliveries.list_deliveries(hub.read_uow, tenant, endpoint_id,
                                               status=status or None, cursor=cursor,
                                               limit=PAGE_SIZE)
            items, next_cursor = [_delivery(d) for d in found.items], found.next_cursor
        except InvalidInput:
            errors["cursor"] = "field.bad_cursor"
    return render(request, v, "pages/webhook.html", status=400 if errors else status_code,
                  current=NAV.key, e=endpoint, items=items, next_cursor=next_cursor,
                  chosen=status, errors=errors, statuses=[(s, f"wh.{s}") for s in STATUSES],
                  may_replay=v.may(Scope.WEBHOOKS_WRITE), message=message)


def _replayer(v: Viewer) -> None:
    if not v.may(Scope.WEBHOOKS_WRITE):
        raise ConsoleForbidden(Scope.WEBHOOKS_WRITE.value)


@router.post("/events/webhooks/deliveries/{delivery_id}/replay")
def replay_one(request: Request, delivery_id: str, v: CheckedDep) -> Response:
    _replayer(v)
    hub = hub_of(request)
    tenant = v.principal.tenant_id
    found = deliveries.get_delivery(hub.read_uow, tenant, delivery_id)  # 404 first
    endpoint_id = found.delivery.endpoint_id
    try:
        deliveries.replay_delivery(hub.uow, tenant, delivery_id, hub.clock())
    except Conflict:
        return _endpoint(request, v, endpoint_id, status_code=409,
                             message="events.replay_refused")
    if hub.webhooks is not None:
        hub.webhooks.notify()
    return RedirectResponse(f"{base_of(request)}/events/webhooks/{endpoint_id}?replayed=1",
                            status_code=303)


@router.post("/events/webhooks/{endpoint_id}/replay-dead")
def replay_dead(request: Request, endpoint_id: str, v: CheckedDep) -> Response:
    _replayer(v)
    hub = hub_of(request)
    try:
        n = deliveries.replay_dead(hub.uow, v.principal.tenant_id, endpoint_id, hub.clock())
    except Conflict:
        return _endpoint(request, v, endpoint_id, status_code=409,
                             message="events.replay_refused")
    if hub.webhooks is not None:
        hub.webhooks.notify()
    return RedirectResponse(
        f"{base_of(request)}/events/webhooks/{endpoint_id}?replayed={n}", status_code=303)
