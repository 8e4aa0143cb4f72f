"""Inventory: per SKU and warehouse on hand, reserved, safety stock and ATP, with a warning
where ATP is below the safety stock (and a filter for only those, on the server), keyset
pages of services/orders/views.list_stock (as GET /v1/inventory); receipts and adjustments
with a reason through services/inventory/stock_control (as POST /v1/inventory/receipts and
/adjustments), their field errors next to the fields in the viewer's language."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from orderhub.console import nav
from orderhub.console.deps import CheckedDep, ConsoleForbidden, Viewer, hub_of, needs
from orderhub.console.rendering import base_of, render
from orderhub.domain.access import Scope
from orderhub.domain.errors import IdempotencyConflict, InvalidInput, StockError
from orderhub.services import catalog
from orderhub.services.inventory import stock_control
from orderhub.services.orders import views

router = APIRouter()
NAV = nav.register(nav.NavItem("inventory", "/inventory", Scope.INVENTORY_READ, order=40))
PAGE_SIZE = 50
MAX_QTY = 100_000_000
LIMITS = {"sku": 64, "warehouse": 64, "reference": 200, "reason": 500}
# what the service says about a field -> the catalogue's words for it
SERVICE_KEYS = {"sku": "inv.unknown_sku", "warehouse": "inv.unknown_warehouse",
                "quantity": "inv.positive", "delta": "inv.not_zero", "reason": "field.required"}


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _page(request: Request, v: Viewer, *, status: int = 200, which: str = "",
          form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
          message: str = "", detail: str = "") -> Response:
    hub = hub_of(request)
    raw = {k: request.query_params.get(k, "").strip()
           for k in ("warehouse", "sku", "low", "cursor")}
    filter_errors: dict[str, str] = {}
    for name in ("warehouse", "sku"):
        if len(raw[name]) > 64:
            filter_errors[name] = "field.too_long"
            filter_errors[f"{name}__n"] = "64"
    if raw["cursor"] and raw["cursor"].count("|") != 1:
        filter_errors["_filters"] = "field.bad_cursor"
    page: dict[str, Any] = {"items": [], "next_cursor": None}
    if not filter_errors:
        page = views.list_stock(hub.read_uow, v.principal.tenant_id,
                                warehouse=raw["warehouse"] or None, sku=raw["sku"] or None,
                                after=raw["cursor"] or None, limit=PAGE_SIZE,
                                below_safety=raw["low"] == "1")
    choices = catalog.filter_choices(hub.read_uow, v.principal.tenant_id)
    query = {k: raw[k] for k in ("warehouse", "sku", "low") if raw[k]}
    done = request.query_params.get("done", "")
    return render(request, v, "pages/inventory.html",
                  status=400 if filter_errors and status == 200 else status,
                  current=NAV.key, f=raw, filter_errors=filter_errors, items=page["items"],
                  next_cursor=page["next_cursor"], query=query, first_page=not raw["cursor"],
                  warehouses=choices["warehouses"], may_write=v.may(Scope.INVENTORY_WRITE),
                  which=which, form=form or {}, errors=errors or {}, message=message,
                  detail=detail,
                  done=f"inv.done_{done}" if done in ("receipt", "adjustment") else "",
                  changed=request.query_params.get("item", ""))


@router.get("/inventory")
def page(request: Request, v: Viewer = Depends(needs(Scope.INVENTORY_READ))) -> Response:
    return _page(request, v)


def _check(form: dict[str, str], number: str) -> tuple[dict[str, str], int]:
    errors: dict[str, str] = {}
    for name in ("sku", "warehouse"):
        if not form[name]:
            errors[name] = "field.required"
    for name, limit in LIMITS.items():
        if len(form.get(name, "")) > limit:
            errors[name], errors[f"{name}__n"] = "field.too_long", str(limit)
    value = 0
    try:
        value = int(form[number])
    except ValueError:
        errors[number] = "field.required" if not form[number] else "inv.whole_number"
    else:
        if abs(value) > MAX_QTY:
            errors[number] = "inv.too_big"
    return errors, value


def _service_errors(exc: InvalidInput, which: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    for e in exc.errors:
        name = e.loc.rsplit(".", 1)[-1]
        if name in SERVICE_KEYS:
            errors[f"{which}-{name}"] = SERVICE_KEYS[name]
        else:
            errors[f"{which}-_form"] = "ops.rejected_because"
            errors[f"{which}-_form__detail"] = e.message
    return errors


def _prefixed(errors: dict[str, str], which: str) -> dict[str, str]:
    return {f"{which}-{k}": val for k, val in errors.items()}


def _after(request: Request, what: str, sku: str, warehouse: str) -> Response:
    q = urlencode({"sku": sku, "done": what, "item": f"{sku}|{warehouse}"})
    return RedirectResponse(f"{base_of(request)}/inventory?{q}", status_code=303)


@router.post("/inventory/receipts")
async def receive(request: Request, v: CheckedDep) -> Response:
    if not v.may(Scope.INVENTORY_WRITE):
        raise ConsoleForbidden(Scope.INVENTORY_WRITE.value)
    hub = hub_of(request)
    f = await request.form()
    form = {k: _text(f, k) for k in ("sku", "warehouse", "quantity", "reference")}
    errors, quantity = _check(form, "quantity")
    if "quantity" not in errors and quantity <= 0:
        errors["quantity"] = "inv.positive"
    if errors:
        return _page(request, v, status=400, which="receipt", form=form,
                     errors=_prefixed(errors, "receipt"))
    try:
        stock_control.receive_stock(hub.uow, v.principal.tenant_id, form["sku"],
                                    form["warehouse"], quantity, reference=form["reference"],
                                    now=hub.clock(), actor=v.principal.actor)
    except InvalidInput as exc:
        return _page(request, v, status=400, which="receipt", form=form,
                     errors=_service_errors(exc, "receipt"))
    except IdempotencyConflict:
        return _page(request, v, status=409, which="receipt", form=form,
                     errors={"receipt-reference": "inv.reference_used"})
    except StockError as exc:
        return _page(request, v, status=409, which="receipt", form=form,
                     message="inv.refused", detail=str(exc))
    return _after(request, "receipt", form["sku"], form["warehouse"])


@router.post("/inventory/adjustments")
async def adjust(request: Request, v: CheckedDep) -> Response:
    if not v.may(Scope.INVENTORY_WRITE):
        raise ConsoleForbidden(Scope.INVENTORY_WRITE.value)
    hub = hub_of(request)
    f = await request.form()
    form = {k: _text(f, k) for k in ("sku", "warehouse", "delta", "reason", "reference")}
    errors, delta = _check(form, "delta")
    if "delta" not in errors and delta == 0:
        errors["delta"] = "inv.not_zero"
    if not form["reason"]:
        errors["reason"] = "field.required"
    if errors:
        return _page(request, v, status=400, which="adjustment", form=form,
                     errors=_prefixed(errors, "adjustment"))
    try:
        stock_control.adjust_stock(hub.uow, v.principal.tenant_id, form["sku"],
                                   form["warehouse"], delta, reason=form["reason"],
                                   reference=form["reference"], now=hub.clock(),
                                   actor=v.principal.actor)
    except InvalidInput as exc:
        return _page(request, v, status=400, which="adjustment", form=form,
                     errors=_service_errors(exc, "adjustment"))
    except IdempotencyConflict:
        return _page(request, v, status=409, which="adjustment", form=form,
                     errors={"adjustment-reference": "inv.reference_used"})
    except StockError as exc:  # e.g. below what is reserved
        return _page(request, v, status=409, which="adjustment", form=form,
                     errors={"adjustment-delta": "inv.below_reserved"},
                     message="inv.refused", detail=str(exc))
    return _after(request, "adjustment", form["sku"], form["warehouse"])
