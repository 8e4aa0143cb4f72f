"""Orders: search and filter (channel, status, external id, SKU, creation dates,
warehouse, hold reason, phone through the blind index), newest first, keyset pages of
services/orders/views.list_orders. An htmx request gets only the results block."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from orderhub.console import nav
from orderhub.console.deps import Viewer, hub_of, needs
from orderhub.console.rendering import render
from orderhub.domain.access import Scope
from orderhub.domain.errors import InvalidInput
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import HoldCode
from orderhub.services import catalog
from orderhub.services.orders import views

router = APIRouter()
NAV = nav.register(nav.NavItem("orders", "/orders", Scope.ORDERS_READ, order=20))
PAGE_SIZE = 50
FIELDS = ("channel", "status", "external_id", "sku", "date_from", "date_to", "warehouse",
          "hold", "phone")
MAX_LEN = {"external_id": 200, "sku": 64, "phone": 32, "channel": 64, "warehouse": 64}


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def parse_filters(raw: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Query values -> list_orders arguments, and field -> catalogue key for each bad one."""
    args: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, limit in MAX_LEN.items():
        if len(raw.get(name, "")) > limit:
            errors[name] = "field.too_long"
    for name in ("channel", "external_id", "sku", "warehouse", "phone"):
        if raw.get(name) and name not in errors:
            args[name] = raw[name]
    if raw.get("status"):
        if raw["status"] in OrderStatus._value2member_map_:
            args["status"] = OrderStatus(raw["status"])
        else:
            errors["status"] = "field.bad_choice"
    if raw.get("hold"):
        if raw["hold"] in HoldCode._value2member_map_:
            args["hold_code"] = raw["hold"]
        else:
            errors["hold"] = "field.bad_choice"
    days: dict[str, date] = {}
    for name in ("date_from", "date_to"):
        if raw.get(name):
            day = _date(raw[name])
            if day is None:
                errors[name] = "field.bad_date"
            else:
                days[name] = day
    if "date_from" in days:
        args["created_from"] = datetime.combine(days["date_from"], time(), UTC)
    if "date_to" in days:  # the whole day
        args["created_to"] = datetime.combine(days["date_to"] + timedelta(days=1), time(), UTC)
    if len(days) == 2 and days["date_to"] < days["date_from"]:
        errors["date_to"] = "field.range"
    return args, errors


def _service_errors(exc: InvalidInput) -> dict[str, str]:
    out = {}
    for e in exc.errors:
        name = {"hold_code": "hold", "created_from": "date_from",
                "created_to": "date_to"}.get(e.loc, e.loc)
        out[name if name in FIELDS else "_form"] = (
            "field.bad_cursor" if e.loc == "cursor" else "field.rejected")
    return out


@router.get("/orders")
def page(request: Request, v: Viewer = Depends(needs(Scope.ORDERS_READ))) -> Response:
    hub = hub_of(request)
    raw = {k: request.query_params.get(k, "").strip() for k in (*FIELDS, "cursor")}
    if raw["hold"] and not raw["status"]:
        # A reason is a held order's (validation clears them): search the held orders,
        # through ix_orders_tenant_status, not every order's reasons.
        raw["status"] = OrderStatus.ON_HOLD.value
    args, errors = parse_filters(raw)
    result: dict[str, Any] = {"items": [], "next_cursor": None}
    service_message = ""
    if not errors:
        try:
            result = views.list_orders(
                hub.read_uow, v.principal.tenant_id, **args, cursor=raw["cursor"] or None,
                limit=PAGE_SIZE, pii=v.principal.pii, warehouses=v.principal.warehouses)
        except InvalidInput as exc:
            errors = _service_errors(exc)
            service_message = "; ".join(f"{e.loc}: {e.message}" for e in exc.errors)
    choices = catalog.filter_choices(hub.read_uow, v.principal.tenant_id)
    query = {k: raw[k] for k in FIELDS if raw[k]}
    block, headers = None, None
    if request.headers.get("hx-target") == "results":  # htmx: only the results, unless
        block = "results"  # a field is wrong: then the form too (its errors by the fields)
        if errors:
            block, headers = "content", {"HX-Retarget": "#main", "HX-Reswap": "innerHTML"}
    return render(
        request, v, "pages/orders.html", block=block, headers=headers,
        status=400 if errors else 200,
        current=NAV.key, f=raw, errors=errors, service_message=service_message,
        items=result["items"], next_cursor=result["next_cursor"], query=query,
        first_page=not raw["cursor"],
        statuses=[(s.value, f"status.{s.value}") for s in OrderStatus],
        holds=[(c.value, f"hold.{c.value}") for c in HoldCode],
        channels=choices["channels"], warehouses=choices["warehouses"])
