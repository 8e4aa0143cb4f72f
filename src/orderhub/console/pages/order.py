"""One order: summary, lines and money, shipments, the routing decision (chosen plan, the
candidates priced, sites excluded and why) and the timeline: the order twin's stages
(expected vs actual, health, risk; services/twin/views.py) and the events behind them.
Two actions here, cancel and edit (quantities, ship-to; orders:manage, through the same
service as PATCH /v1/orders/{id}), shown only to a principal that holds the scope, refused
by the service's own rules otherwise; a page older than the order gets a conflict message
instead of acting on what the viewer did not see."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from orderhub.console.deps import CheckedDep, ConsoleForbidden, Viewer, hub_of, needs
from orderhub.console.rendering import base_of, render
from orderhub.domain.access import Scope
from orderhub.domain.errors import (
    Conflict,
    DomainError,
    IllegalTransition,
    InvalidInput,
    StaleVersion,
)
from orderhub.services.orders import editing, fulfilment, views
from orderhub.services.twin.views import order_twin

router = APIRouter()
log = logging.getLogger(__name__)
MAX_REASON = 500
EDITABLE_HERE = ("created", "validated", "on_hold", "reserved", "allocated", "released",
                 "picked")
# The ship-to fields the edit form offers, each with its label's catalogue key.
EDIT_ADDRESS = (("province", "order.edit_province"), ("city", "order.edit_city"),
                ("district", "order.edit_district"), ("line1", "order.edit_line1"),
                ("name", "order.edit_name"), ("phone", "order.edit_phone"))


def _page(request: Request, v: Viewer, order_id: str, *, status: int = 200,
          errors: dict[str, str] | None = None, message: str = "",
          reason: str = "", detail: str = "") -> Response:
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
    may_edit = v.may(Scope.ORDERS_MANAGE) and order["status"] in EDITABLE_HERE
    return render(request, v, "pages/order.html", status=status, current="orders", o=order,
                  decision=decision, chosen=chosen, others=others, twin=twin,
                  events=list(reversed(events)), may_cancel=may_cancel, may_edit=may_edit,
                  errors=errors or {}, message=message, reason=reason, detail=detail,
                  address_fields=EDIT_ADDRESS)


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


@router.post("/orders/{order_id}/edit")
def edit(request: Request, order_id: str, v: CheckedDep,
         line_no: Annotated[list[str] | None, Form()] = None,
         quantity: Annotated[list[str] | None, Form()] = None,
         province: Annotated[str, Form()] = "", city: Annotated[str, Form()] = "",
         district: Annotated[str, Form()] = "", line1: Annotated[str, Form()] = "",
         name: Annotated[str, Form()] = "", phone: Annotated[str, Form()] = "",
         edit_reason: Annotated[str, Form()] = "",
         version: Annotated[str, Form()] = "") -> Response:
    """Change quantities and the ship-to (only the fields filled in) through the one
    editing service; the order's version from the page guards against a stale page."""
    if not v.may(Scope.ORDERS_MANAGE):
        raise ConsoleForbidden(Scope.ORDERS_MANAGE.value)
    hub = hub_of(request)
    reason = edit_reason.strip()
    if not reason or len(reason) > MAX_REASON:
        key = "field.required" if not reason else "field.too_long"
        return _page(request, v, order_id, status=400, errors={"edit_reason": key})
    current = views.get_order(hub.read_uow, v.principal.tenant_id, order_id,
                              pii=v.principal.pii, warehouses=v.principal.warehouses)
    shown = {int(ln["line_no"]): int(ln["quantity"]) for ln in current["lines"]}
    changes: list[editing.LineQuantity] = []
    for no_text, qty_text in zip(line_no or [], quantity or [], strict=False):
        try:
            no, qty = int(no_text), int(qty_text)
        except ValueError:
            return _page(request, v, order_id, status=400, message="order.edit_rejected",
                         detail=f"{no_text}: {qty_text}")
        if shown.get(no) != qty:
            changes.append(editing.LineQuantity(no, qty))
    typed = {"province": province, "city": city, "district": district, "line1": line1,
             "name": name, "phone": phone}
    address = {k: val.strip() for k, val in typed.items() if val.strip()}
    try:
        editing.change_order(
            hub.uow, v.principal.tenant_id, order_id, editing.EditRequest(
                reason=reason, quantities=tuple(changes), address=address or None,
                expected_version=int(version) if version.isdigit() else None),
            now=hub.clock(), actor=v.principal.actor, strategy=hub.strategy,
            presale_lock=hub.presale_lock)
    except StaleVersion:
        return _page(request, v, order_id, status=409, message="error.conflict")
    except InvalidInput as exc:
        return _page(request, v, order_id, status=400, message="order.edit_rejected",
                     detail="; ".join(f"{e.loc}: {e.message}" for e in exc.errors))
    except Conflict as exc:
        return _page(request, v, order_id, status=409, message="order.edit_refused",
                     detail=str(exc))
    return RedirectResponse(f"{base_of(request)}/orders/{order_id}", status_code=303)
