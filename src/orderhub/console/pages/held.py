"""Held orders: the queue (filter by hold reason and channel, keyset pages of
services/orders/views.list_orders, as GET /v1/orders/held), one held order's workbench (its
reasons; fix the address, map a SKU with the crosswalk's suggestions, override reasons,
resume, cancel) and bulk resume / cancel of a selection with a progress indicator
(console/bulk.py).

Every action is the function the API route calls: holds.correct_address (PATCH
.../shipping-address), holds.accept_address_suggestion (POST
.../address-suggestion/accept), sku_mapping.confirm_mapping (POST /v1/sku-mappings),
holds.override_and_release (POST .../override), fulfilment.resume_order and
fulfilment.cancel_order. Each form carries the order's version: a page older than the order
gets the conflict message and a reload link instead of acting on what the viewer did not
see."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from orderhub.console import bulk, nav
from orderhub.console.deps import (
    CheckedDep,
    ConsoleForbidden,
    Viewer,
    hub_of,
    needs,
    owner_of,
)
from orderhub.console.rendering import base_of, render
from orderhub.domain.access import Scope
from orderhub.domain.errors import (
    Conflict,
    IllegalTransition,
    InvalidInput,
    NotFound,
    StockError,
)
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import HoldCode
from orderhub.services import catalog
from orderhub.services.intake import sku_mapping
from orderhub.services.intake.crosswalk import KEY_TYPES
from orderhub.services.orders import fulfilment, holds, views

router = APIRouter()
NAV = nav.register(nav.NavItem("held", "/held", Scope.ORDERS_READ, order=30))
PAGE_SIZE = 50
MAX_REASON = 500
ADDRESS_FIELDS = {"province": 64, "city": 64, "district": 64, "line1": 300,
                  "postal_code": 20, "name": 200, "phone": 40}
DONE = ("address", "address_resumed", "mapped", "override", "resume", "cancel",
        "suggestion")


async def _form(request: Request) -> FormData:
    return await request.form()


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


# ----- the queue ---------------------------------------------------------------------------
@router.get("/held")
def queue(request: Request, v: Viewer = Depends(needs(Scope.ORDERS_READ))) -> Response:
    hub = hub_of(request)
    raw = {k: request.query_params.get(k, "").strip() for k in ("hold", "channel", "cursor")}
    errors: dict[str, str] = {}
    if raw["hold"] and raw["hold"] not in HoldCode._value2member_map_:
        errors["hold"] = "field.bad_choice"
    if len(raw["channel"]) > 64:
        errors["channel"] = "field.too_long"
    page: dict[str, Any] = {"items": [], "next_cursor": None}
    if not errors:
        try:
            page = views.list_orders(
                hub.read_uow, v.principal.tenant_id, status=OrderStatus.ON_HOLD,
                hold_code=raw["hold"] or None, channel=raw["channel"] or None,
                cursor=raw["cursor"] or None, limit=PAGE_SIZE, pii=v.principal.pii,
                warehouses=v.principal.warehouses)
        except InvalidInput:
            errors["_form"] = "field.bad_cursor"
    query = {k: raw[k] for k in ("hold", "channel") if raw[k]}
    choices = catalog.filter_choices(hub.read_uow, v.principal.tenant_id)
    block = "rows" if request.headers.get("hx-target") == "held-results" and not errors \
        else None
    return render(request, v, "pages/held.html", block=block,
                  status=400 if errors else 200, current=NAV.key, f=raw, errors=errors,
                  items=page["items"], next_cursor=page["next_cursor"], query=query,
                  first_page=not raw["cursor"],
                  holds=[(c.value, f"hold.{c.value}") for c in HoldCode],
                  channels=choices["channels"],
                  may_manage=v.may(Scope.ORDERS_MANAGE), max_bulk=bulk.MAX_ORDERS)


# ----- one held order ----------------------------------------------------------------------
def _unmapped(order: dict[str, Any]) -> list[dict[str, Any]]:
    """The unmapped lines of the order, each with the keys it could be mapped by and the
    crosswalk's ranked suggestions (computed at intake, in the hold reason)."""
    out = []
    for r in order["hold_reasons"]:
        if r["code"] != HoldCode.UNMAPPED_SKU.value:
            continue
        d = r.get("details") or {}
        keys = [(kt, d.get({"sku": "channel_sku"}.get(kt, kt)) or "") for kt in KEY_TYPES]
        out.append({"line_no": r["line_no"], "by": [(kt, k) for kt, k in keys if k],
                    "suggestions": d.get("suggestions") or []})
    return out


def _workbench(request: Request, v: Viewer, order_id: str, *, status: int = 200,
               errors: dict[str, str] | None = None, message: str = "",
               detail: str = "", form: dict[str, str] | None = None,
               which: str = "") -> Response:
    hub = hub_of(request)
    order = views.get_order(hub.read_uow, v.principal.tenant_id, order_id,
                            pii=v.principal.pii, warehouses=v.principal.warehouses)
    held = order["status"] == OrderStatus.ON_HOLD.value
    done = request.query_params.get("done", "")
    return render(
        request, v, "pages/held_order.html", status=status, current=NAV.key, o=order,
        held=held, unmapped=_unmapped(order) if held else [],
        address={k: order["shipping_address"].get(k, "") for k in ADDRESS_FIELDS},
        errors=errors or {}, which=which, form=form or {}, message=message,
        detail=detail, done=f"held.done_{done}" if done in DONE else "",
        may_manage=v.may(Scope.ORDERS_MANAGE) and held,
        may_map=v.may(Scope.CROSSWALK_MANAGE) and held,
        may_cancel=v.may(Scope.ORDERS_MANAGE) and "cancelled" in order["next_statuses"])


@router.get("/held/{order_id}")
def workbench(request: Request, order_id: str,
              v: Viewer = Depends(needs(Scope.ORDERS_READ))) -> Response:
    return _workbench(request, v, order_id)


def _stale(request: Request, v: Viewer, order_id: str, version: str, which: str,
           form: dict[str, str]) -> Response | None:
    """The conflict page when the form was made from an older version of the order."""
    current = views.get_order(hub_of(request).read_uow, v.principal.tenant_id, order_id,
                              pii=v.principal.pii, warehouses=v.principal.warehouses)
    if str(current["version"]) != version:
        return _workbench(request, v, order_id, status=409, message="error.conflict",
                          which=which, form=form)
    return None


def _done(request: Request, order_id: str, what: str) -> Response:
    return RedirectResponse(f"{base_of(request)}/held/{order_id}?done={what}",
                            status_code=303)


def _field_errors(exc: InvalidInput, fields: set[str]) -> tuple[dict[str, str], str]:
    """Service field errors -> (field -> catalogue key, the service's words for the rest)."""
    errors: dict[str, str] = {}
    other = []
    for e in exc.errors:
        name = e.loc.rsplit(".", 1)[-1]
        if name in fields:
            errors[name] = "ops.rejected_because"
            errors[f"{name}__detail"] = e.message
        else:
            other.append(f"{e.loc}: {e.message}")
    return errors, "; ".join(other)


def _refused(request: Request, v: Viewer, order_id: str, exc: Exception, which: str,
             form: dict[str, str]) -> Response:
    """A service's refusal (the order moved on, an illegal step): 409 with its words."""
    return _workbench(request, v, order_id, status=409, message="held.refused",
                      detail=str(exc), which=which, form=form)


def _require(v: Viewer, scope: Scope) -> None:
    if not v.may(scope):
        raise ConsoleForbidden(scope.value)


@router.post("/held/{order_id}/address")
async def fix_address(request: Request, order_id: str, v: CheckedDep) -> Response:
    _require(v, Scope.ORDERS_MANAGE)
    hub = hub_of(request)
    f = await _form(request)
    form = {k: _text(f, k) for k in (*ADDRESS_FIELDS, "reason", "version")}
    form["resume"] = "on" if _text(f, "resume") else ""
    errors: dict[str, str] = {}
    for name, limit in ADDRESS_FIELDS.items():
        if len(form[name]) > limit:
            errors[name] = "field.too_long"
            errors[f"{name}__n"] = str(limit)
    if not form["reason"]:
        errors["reason"] = "field.required"
    elif len(form["reason"]) > MAX_REASON:
        errors["reason"], errors["reason__n"] = "field.too_long", str(MAX_REASON)
    if errors:
        return _workbench(request, v, order_id, status=400, errors=errors, which="address",
                          form=form)
    if (stale := _stale(request, v, order_id, form["version"], "address", form)) is not None:
        return stale
    shown = views.get_order(hub.read_uow, v.principal.tenant_id, order_id,
                            pii=v.principal.pii, warehouses=v.principal.warehouses)
    # Only what the viewer changed (a field sent and different from what the viewer was
    # shown): a field shown masked and left alone is not overwritten.
    changes = {k: form[k] for k in ADDRESS_FIELDS
               if k in f and form[k] != shown["shipping_address"].get(k, "")}
    if not changes:
        return _workbench(request, v, order_id, status=400, errors={"_address": "held.no_change"},
                          which="address", form=form)
    try:
        holds.correct_address(hub.uow, v.principal.tenant_id, order_id, changes,
                              reason=form["reason"], actor=v.principal.actor, now=hub.clock())
        if form["resume"]:
            fulfilment.resume_order(hub.uow, v.principal.tenant_id, order_id,
                                    now=hub.clock(), actor=v.principal.actor,
                                    strategy=hub.strategy, presale_lock=hub.presale_lock)
    except InvalidInput as exc:
        errors, detail = _field_errors(exc, set(ADDRESS_FIELDS))
        return _workbench(request, v, order_id, status=400, errors=errors, which="address",
                          form=form, message="held.refused" if detail else "", detail=detail)
    except (Conflict, IllegalTransition, StockError) as exc:
        return _refused(request, v, order_id, exc, "address", form)
    return _done(request, order_id, "address_resumed" if form["resume"] else "address")


@router.post("/held/{order_id}/accept-address")
async def accept_address(request: Request, order_id: str, v: CheckedDep) -> Response:
    """The suggested divisions accepted (holds.accept_address_suggestion, as POST
    /v1/orders/{id}/address-suggestion/accept): filled in and the order resumed."""
    _require(v, Scope.ORDERS_MANAGE)
    hub = hub_of(request)
    f = await _form(request)
    form = {"version": _text(f, "version")}
    if (stale := _stale(request, v, order_id, form["version"], "suggestion", form)) is not None:
        return stale
    try:
        holds.accept_address_suggestion(hub.uow, v.principal.tenant_id, order_id, reason="",
                                        actor=v.principal.actor, now=hub.clock(),
                                        strategy=hub.strategy, presale_lock=hub.presale_lock)
    except (Conflict, IllegalTransition, StockError) as exc:
        return _refused(request, v, order_id, exc, "suggestion", form)
    return _done(request, order_id, "suggestion")


@router.post("/held/{order_id}/map-sku")
async def map_sku(request: Request, order_id: str, v: CheckedDep) -> Response:
    _require(v, Scope.CROSSWALK_MANAGE)
    hub = hub_of(request)
    f = await _form(request)
    form = {k: _text(f, k) for k in ("line_no", "key_type", "master_sku", "other_sku",
                                      "version")}
    which = f"map-{form['line_no']}"
    order = views.get_order(hub.read_uow, v.principal.tenant_id, order_id,
                            pii=v.principal.pii, warehouses=v.principal.warehouses)
    line = next((u for u in _unmapped(order) if str(u["line_no"]) == form["line_no"]), None)
    if str(order["version"]) != form["version"] or line is None:
        return _workbench(request, v, order_id, status=409, message="error.conflict",
                          which=which, form=form)
    errors: dict[str, str] = {}
    keys = dict(line["by"])
    if form["key_type"] not in keys:
        errors["key_type"] = "field.bad_choice"
    master = form["other_sku"] or form["master_sku"]
    if not master:
        errors["master_sku"] = "held.pick_sku"
    elif len(master) > 64:
        errors["other_sku"], errors["other_sku__n"] = "field.too_long", "64"
    if errors:
        return _workbench(request, v, order_id, status=400, errors=errors, which=which,
                          form=form)
    try:
        sku_mapping.confirm_mapping(
            hub.uow, v.principal.tenant_id, order["channel"], form["key_type"],
            keys[form["key_type"]], master, actor=v.principal.actor, now=hub.clock(),
            strategy=hub.strategy, presale_lock=hub.presale_lock)
    except InvalidInput as exc:
        errors = {"other_sku" if form["other_sku"] else "master_sku":
                  "held.unknown_sku"} if any(e.loc == "master_sku" for e in exc.errors) \
            else {}
        _, detail = _field_errors(exc, {"master_sku"})
        return _workbench(request, v, order_id, status=400, errors=errors, which=which,
                          form=form, message="held.refused" if detail else "", detail=detail)
    except (Conflict, IllegalTransition, StockError) as exc:
        return _refused(request, v, order_id, exc, which, form)
    return _done(request, order_id, "mapped")


@router.post("/held/{order_id}/override")
async def override(request: Request, order_id: str, v: CheckedDep) -> Response:
    _require(v, Scope.ORDERS_MANAGE)
    hub = hub_of(request)
    f = await _form(request)
    codes = [c for c in f.getlist("codes") if isinstance(c, str) and c]
    form = {"reason": _text(f, "reason"), "version": _text(f, "version"),
            "codes": ",".join(codes)}
    errors: dict[str, str] = {}
    if not codes:
        errors["codes"] = "held.pick_reasons"
    elif any(c not in HoldCode._value2member_map_ for c in codes):
        errors["codes"] = "field.bad_choice"
    if not form["reason"]:
        errors["override_reason"] = "field.required"
    elif len(form["reason"]) > MAX_REASON:
        errors["override_reason"], errors["override_reason__n"] = "field.too_long", "500"
    if errors:
        return _workbench(request, v, order_id, status=400, errors=errors, which="override",
                          form=form)
    if (stale := _stale(request, v, order_id, form["version"], "override", form)) is not None:
        return stale
    try:
        holds.override_and_release(hub.uow, v.principal.tenant_id, order_id, codes,
                                   reason=form["reason"], actor=v.principal.actor,
                                   now=hub.clock(), strategy=hub.strategy,
                                   presale_lock=hub.presale_lock)
    except InvalidInput as exc:
        _, detail = _field_errors(exc, set())
        return _workbench(request, v, order_id, status=400, which="override", form=form,
                          message="held.refused", detail=detail)
    except (Conflict, IllegalTransition, StockError) as exc:
        return _refused(request, v, order_id, exc, "override", form)
    return _done(request, order_id, "override")


@router.post("/held/{order_id}/resume")
async def resume(request: Request, order_id: str, v: CheckedDep) -> Response:
    _require(v, Scope.ORDERS_MANAGE)
    hub = hub_of(request)
    f = await _form(request)
    form = {"version": _text(f, "version")}
    if (stale := _stale(request, v, order_id, form["version"], "resume", form)) is not None:
        return stale
    try:
        fulfilment.resume_order(hub.uow, v.principal.tenant_id, order_id, now=hub.clock(),
                                actor=v.principal.actor, strategy=hub.strategy,
                                presale_lock=hub.presale_lock)
    except (Conflict, IllegalTransition, StockError) as exc:
        return _refused(request, v, order_id, exc, "resume", form)
    return _done(request, order_id, "resume")


@router.post("/held/{order_id}/cancel")
async def cancel(request: Request, order_id: str, v: CheckedDep) -> Response:
    _require(v, Scope.ORDERS_MANAGE)
    hub = hub_of(request)
    f = await _form(request)
    form = {"cancel_reason": _text(f, "reason"), "version": _text(f, "version")}
    if not form["cancel_reason"] or len(form["cancel_reason"]) > MAX_REASON:
        errors = {"cancel_reason": "field.required"} if not form["cancel_reason"] else {
            "cancel_reason": "field.too_long", "cancel_reason__n": "500"}
        return _workbench(request, v, order_id, status=400, errors=errors, which="cancel",
                          form=form)
    if (stale := _stale(request, v, order_id, form["version"], "cancel", form)) is not None:
        return stale
    try:
        fulfilment.cancel_order(hub.uow, v.principal.tenant_id, order_id,
                                form["cancel_reason"], now=hub.clock(),
                                actor=v.principal.actor)
    except (Conflict, IllegalTransition, StockError) as exc:
        return _refused(request, v, order_id, exc, "cancel", form)
    return _done(request, order_id, "cancel")


# ----- bulk actions ------------------------------------------------------------------------
@router.post("/held/bulk")
async def start_bulk(request: Request, v: CheckedDep) -> Response:
    _require(v, Scope.ORDERS_MANAGE)
    hub = hub_of(request)
    f = await _form(request)
    ids = list(dict.fromkeys(i for i in f.getlist("ids") if isinstance(i, str) and i))
    action, reason = _text(f, "action"), _text(f, "reason")
    problem = ""
    if action not in ("resume", "cancel"):
        problem = "held.bulk_bad_action"
    elif not ids:
        problem = "held.bulk_none"
    elif len(ids) > bulk.MAX_ORDERS:
        problem = "held.bulk_too_many"
    elif (action == "cancel" and not reason) or len(reason) > MAX_REASON:
        problem = "held.bulk_reason"
    if problem:
        return render(request, v, "pages/held_bulk.html", status=400, current=NAV.key,
                      job=None, problem=problem, max_bulk=bulk.MAX_ORDERS)
    tenant, actor = v.principal.tenant_id, v.principal.actor
    bound = v.principal.warehouses
    for order_id in ids:  # only orders this viewer may see (else: not found, as one by one)
        views.ensure_visible(hub.read_uow, tenant, order_id, bound)

    def work(order_id: str) -> str:
        if action == "resume":
            order = fulfilment.resume_order(hub.uow, tenant, order_id, now=hub.clock(),
                                            actor=actor, strategy=hub.strategy,
                                            presale_lock=hub.presale_lock)
        else:
            order = fulfilment.cancel_order(hub.uow, tenant, order_id, reason,
                                            now=hub.clock(), actor=actor)
        return order.status.value

    job = bulk.start(hub.uow, tenant, actor, action, ids, work, clock=hub.clock)
    return RedirectResponse(f"{base_of(request)}/held/jobs/{job.id}", status_code=303)


@router.get("/held/jobs/{job_id}")
def bulk_progress(request: Request, job_id: str,
                  v: Viewer = Depends(needs(Scope.ORDERS_READ))) -> Response:
    hub = hub_of(request)
    job = bulk.get(hub.read_uow, v.principal.tenant_id, job_id, owner_of(v.principal),
                   hub.clock())
    if job is None:
        raise NotFound(f"bulk job {job_id} not found")
    block = "progress" if request.headers.get("hx-request") else None
    return render(request, v, "pages/held_bulk.html", block=block, current=NAV.key, job=job,
                  problem="", max_bulk=bulk.MAX_ORDERS)
