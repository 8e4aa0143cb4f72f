"""One order: summary, lines and money, shipments, the routing decision (chosen plan, the
candidates priced, sites excluded and why) and the timeline: the order twin's stages
(expected vs actual, health, risk; services/twin/views.py) and the events behind them.
One action here, cancel (orders:manage), shown only to a principal that holds the scope,
refused by the service's own rules otherwise; a page older than the order gets a
conflict message instead of acting on what the viewer did not see."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from orderhub.console.deps import CheckedDep, ConsoleForbidden, Viewer, hub_of, needs
from orderhub.console.rendering import base_of, render
from orderhub.domain.access import Scope
from orderhub.domain.errors import DomainError, IllegalTransition, InvalidInput
from orderhub.services.orders import fulfilment, views
from orderhub.services.twin.views import order_twin

router = APIRouter()
log = logging.getLogger(__name__)
MAX_REASON = 500


def _page(request: Request, v: Viewer, order_id: str, *, status: int = 200,
          errors: dict[str, str] | None = None, message: str = "",
          reason: str = "") -> Response:
    hub = hub_of(request)
    tenant, bound = v.principal.tenant_id, v.principal.warehouses
    order = views.get_order(hub.read_uow, tenant, order_id, pii=v.principal.pii,
                            warehouses=bound)
    decisions = views.get_routing(hub.read_uow, tenant, order_id, warehouses=bound)
    events = views.get_timeline(hub.read_uow, tenant, order_id, warehouses=bound)
    try:
        twin: dict[str, Any] | None = order_twin(hub.read_uow, tenant, order_id,
                                                 now=hub.clock(), warehouses=bound)
    except (DomainError, LookupError, ValueError):  # an order the twin cannot model
        log.exception("no twin for order %s", order_id)
        twin = None
    decision = decisions[-1] if decisions else None
    chosen = (decision or {}).get("chosen")
    others = [c for c in (decision or {}).get("candidates", []) if c != chosen]
    may_cancel = v.may(Scope.ORDERS_MANAGE) and "cancelled" in order["next_statuses"]
    return render(request, v, "pages/order.html", status=status, current="orders", o=order,
                  decision=decision, chosen=chosen, others=others, twin=twin,
                  events=list(reversed(events)), may_cancel=may_cancel,
                  errors=errors or {}, message=message, reason=reason)


@router.get("/orders/{order_id}")
def page(request: Request, order_id: str,
         v: Viewer = Depends(needs(Scope.ORDERS_READ))) -> Response:
    return _page(request, v, order_id)


@router.post("/orders/{order_id}/cancel")
def cancel(request: Request, order_id: str, v: CheckedDep,
           reason: Annotated[str, Form()] = "", version: Annotated[str, Form()] = "") -> Response:
    if not v.may(Scope.ORDERS_MANAGE):
        raise ConsoleForbidden(Scope.ORDERS_MANAGE.value)
    hub = hub_of(request)
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        key = "field.required" if not reason else "field.too_long"
        return _page(request, v, order_id, status=400, errors={"reason": key},
                     reason=reason)
    current = views.get_order(hub.read_uow, v.principal.tenant_id, order_id,
                              pii=v.principal.pii, warehouses=v.principal.warehouses)
    if str(current["version"]) != version:
        return _page(request, v, order_id, status=409, message="error.conflict",
                     reason=reason)
    try:
        fulfilment.cancel_order(hub.uow, v.principal.tenant_id, order_id, reason,
                                now=hub.clock(), actor=v.principal.actor)
    except IllegalTransition:
        return _page(request, v, order_id, status=409, message="error.conflict",
                     reason=reason)
    except InvalidInput:
        return _page(request, v, order_id, status=400, errors={"reason": "field.rejected"},
                     reason=reason)
    return RedirectResponse(f"{base_of(request)}/orders/{order_id}", status_code=303)
