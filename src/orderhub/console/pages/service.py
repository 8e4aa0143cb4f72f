"""Customer service's lookup (issue 19): find an order by the buyer's phone (through the
blind index), its number on the channel or a waybill, and see the story the buyer's
tracking page tells, the service script for its products (size guide, return policy,
contact) and the recipient as the operator's role may see it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from orderhub.console import nav
from orderhub.console.deps import Viewer, hub_of, needs
from orderhub.console.rendering import render
from orderhub.console.tracking_site import when
from orderhub.domain.access import Scope
from orderhub.domain.errors import InvalidInput, NotFound
from orderhub.services.tracking import story

router = APIRouter()
NAV = nav.register(nav.NavItem("service", "/service", Scope.ORDERS_READ, order=25))
FIELDS = {"phone": 32, "external_id": 200, "waybill": 64}


@router.get("/service")
def page(request: Request, v: Viewer = Depends(needs(Scope.ORDERS_READ))) -> Response:
    hub = hub_of(request)
    tenant, bound = v.principal.tenant_id, v.principal.warehouses
    raw = {k: request.query_params.get(k, "").strip() for k in (*FIELDS, "order")}
    errors = {k: "field.too_long" for k, n in FIELDS.items() if len(raw[k]) > n}
    found: list[dict[str, Any]] | None = None
    message = ""
    asked = any(raw[k] for k in FIELDS)
    if asked and not errors:
        try:
            found = story.find_orders(hub.read_uow, tenant, phone=raw["phone"],
                                      external_id=raw["external_id"], waybill=raw["waybill"],
                                      pii=v.principal.pii, warehouses=bound)
        except InvalidInput:
            message = "service.need_one"
    chosen = raw["order"] or (found[0]["order_id"] if found and len(found) == 1 else "")
    s: dict[str, Any] | None = None
    if chosen:
        try:
            s = story.service_story(hub.read_uow, tenant, chosen, pii=v.principal.pii,
                                    lang=v.lang, warehouses=bound)
        except NotFound:
            message = "service.none"
    query = {k: raw[k] for k in FIELDS if raw[k]}
    return render(request, v, "pages/service.html", status=400 if errors else 200,
                  current=NAV.key, f=raw, errors=errors, found=found, s=s,
                  message=message, query=query, when=when,
                  fields=[(k, n) for k, n in FIELDS.items()])
