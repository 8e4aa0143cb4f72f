"""Returns (RMA, docs/returns.md): the list (filtered by status, channel and SKU; each row
links to its order), the return rates per SKU and per channel (the KPI of
`GET /v1/returns/stats`, on a page of its own), and one return: its lines, the units
received with their grades, the refund and the return's own timeline (its events on the
order's timeline). The actions a principal may take are shown, nothing else: approve or
reject (returns:approve), receive with a grade per line (returns:write), record the
refund's payment with its reference (orders:bill, finance), all through
`hub.returns` (services/returns/desk.py), the use cases the API calls. A principal bound to
warehouses sees and acts only on the returns of orders shipped from them
(`views.get_return(..., warehouses=)`), as in the API. A page older than the return gets
the conflict message instead of acting on what the viewer did not see."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from orderhub.console import nav
from orderhub.console.deps import CheckedDep, ConsoleForbidden, Viewer, hub_of, needs
from orderhub.console.rendering import base_of, render
from orderhub.domain.access import Scope
from orderhub.domain.errors import Conflict, InvalidInput, NotFound
from orderhub.domain.returns import Grade, ReturnStatus
from orderhub.services.orders import views as order_views
from orderhub.services.returns import views
from orderhub.services.returns.desk import Receipt

router = APIRouter()
NAV = nav.register(nav.NavItem("returns", "/returns", Scope.RETURNS_READ, order=37))
PAGE_SIZE = 100
TOP_RATES = 20
MAX_REASON = 500
MAX_CODE = 64
DONE = ("approved", "rejected", "received", "refunded")
MAX_REFERENCE = 200


def _by_rate(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The highest return rates first (then the most units returned), the first few."""
    return sorted(rows, key=lambda r: (-float(r["rate"]), -r["returned"]))[:TOP_RATES]


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


@router.get("/returns")
def returns_list(request: Request, v: Viewer = Depends(needs(Scope.RETURNS_READ))
                 ) -> Response:
    hub = hub_of(request)
    tenant, bound = v.principal.tenant_id, v.principal.warehouses
    f = {k: request.query_params.get(k, "").strip() for k in ("status", "channel", "sku")}
    errors: dict[str, str] = {}
    if f["status"] and f["status"] not in ReturnStatus._value2member_map_:
        errors["status"] = "field.bad_choice"
    for name in ("channel", "sku"):
        if len(f[name]) > MAX_CODE or not f[name].isprintable():  # PostgreSQL refuses NUL
            errors[name] = "field.rejected"
    items: list[dict[str, Any]] = []
    if not errors:
        items = views.list_returns(hub.read_uow, tenant, status=f["status"] or None,
                                   channel=f["channel"] or None, sku=f["sku"] or None,
                                   limit=PAGE_SIZE, warehouses=bound)
    with hub.read_uow() as uow:
        channels = sorted(c.code for c in uow.catalog.channels(tenant))
    return render(request, v, "pages/returns.html", status=400 if errors else 200,
                  current=NAV.key, f=f, errors=errors, items=items,
                  statuses=[(s.value, f"ret.status_{s.value}") for s in ReturnStatus],
                  channels=[(c, c) for c in channels], page_size=PAGE_SIZE)


@router.get("/returns/rates")
def rates(request: Request, v: Viewer = Depends(needs(Scope.RETURNS_READ))) -> Response:
    """The return-rate KPI (units in returns / units shipped) per SKU and per channel, the
    highest first: aggregates over every shipped unit, so a page of its own rather than a
    part of the list every filter redraws."""
    hub = hub_of(request)
    stats = views.return_stats(hub.read_uow, v.principal.tenant_id,
                               warehouses=v.principal.warehouses)
    return render(request, v, "pages/return_rates.html", current=NAV.key, stats=stats,
                  rates_sku=_by_rate(stats["by_sku"]),
                  rates_channel=_by_rate(stats["by_channel"]), top=TOP_RATES)


def _known(return_id: str) -> None:
    """An id no return can have (a NUL, which PostgreSQL refuses in a query): not found."""
    if len(return_id) > MAX_CODE or not return_id.isprintable():
        raise NotFound(f"return {return_id!r} not found")


def _page(request: Request, v: Viewer, return_id: str, *, status: int = 200,
          message: str = "", detail: str = "", errors: dict[str, str] | None = None,
          form: dict[str, str] | None = None) -> Response:
    _known(return_id)
    hub = hub_of(request)
    tenant, bound = v.principal.tenant_id, v.principal.warehouses
    r = views.get_return(hub.read_uow, tenant, return_id, warehouses=bound)
    timeline = [e for e in order_views.get_timeline(hub.read_uow, tenant, r["order_id"],
                                                    warehouses=bound)
                if e["data"].get("return_id") == return_id]
    received = {u["line_no"]: u for u in r["received"]}
    may_decide = v.may(Scope.RETURNS_APPROVE) and r["status"] == ReturnStatus.REQUESTED.value
    may_receive = v.may(Scope.RETURNS_WRITE) and r["status"] == ReturnStatus.APPROVED.value
    may_refund = v.may(Scope.ORDERS_BILL) and r["status"] == ReturnStatus.RECEIVED.value
    warehouses: list[str] = []
    if may_receive:
        with hub.read_uow() as uow:
            warehouses = sorted(w.code for w in uow.catalog.warehouses(tenant)
                                if not bound or w.code in bound)
    done = request.query_params.get("done", "")
    return render(request, v, "pages/return.html", status=status, current=NAV.key, r=r,
                  timeline=timeline, received=received, message=message, detail=detail,
                  errors=errors or {}, form=form or {}, may_decide=may_decide,
                  may_receive=may_receive, may_refund=may_refund, warehouses=warehouses,
                  grades=[(g.value, f"ret.grade_{g.value}") for g in Grade],
                  done=f"ret.done_{done}" if done in DONE else "")


@router.get("/returns/{return_id}")
def return_page(request: Request, return_id: str,
                v: Viewer = Depends(needs(Scope.RETURNS_READ))) -> Response:
    return _page(request, v, return_id)


def _done(request: Request, return_id: str, what: str) -> Response:
    return RedirectResponse(f"{base_of(request)}/returns/{return_id}?done={what}",
                            status_code=303)


async def _checked_form(request: Request, v: Viewer, return_id: str, scope: Scope
                        ) -> tuple[FormData, bool]:
    """The form, after the scope and the visibility checks; and whether the page it came
    from is stale (the return changed since it was drawn)."""
    if not v.may(scope):
        raise ConsoleForbidden(scope.value)
    _known(return_id)
    hub = hub_of(request)
    shown = views.get_return(hub.read_uow, v.principal.tenant_id, return_id,
                             warehouses=v.principal.warehouses)
    form = await request.form()
    return form, _text(form, "version") != str(shown["version"])


async def _decide(request: Request, v: Viewer, return_id: str, approve: bool) -> Response:
    form, stale = await _checked_form(request, v, return_id, Scope.RETURNS_APPROVE)
    reason = _text(form, "reason")
    kept = {"reason": reason}
    if not approve and not reason:
        return _page(request, v, return_id, status=400, form=kept,
                     errors={"reason": "field.required"})
    if len(reason) > MAX_REASON:
        return _page(request, v, return_id, status=400, form=kept,
                     errors={"reason": "field.too_long", "reason__n": str(MAX_REASON)})
    if stale:
        return _page(request, v, return_id, status=409, message="error.conflict", form=kept)
    hub = hub_of(request)
    tenant, actor = v.principal.tenant_id, v.principal.actor
    try:
        if approve:
            hub.returns.approve(tenant, return_id, actor=actor, reason=reason)
        else:
            hub.returns.reject(tenant, return_id, actor=actor, reason=reason)
    except (Conflict, NotFound) as exc:
        return _page(request, v, return_id, status=409, message="ret.refused",
                     detail=str(exc), form=kept)
    except InvalidInput as exc:
        return _page(request, v, return_id, status=422, message="ret.refused",
                     detail=str(exc), form=kept)
    return _done(request, return_id, "approved" if approve else "rejected")


@router.post("/returns/{return_id}/approve")
async def approve(request: Request, return_id: str, v: CheckedDep) -> Response:
    return await _decide(request, v, return_id, approve=True)


@router.post("/returns/{return_id}/reject")
async def reject(request: Request, return_id: str, v: CheckedDep) -> Response:
    return await _decide(request, v, return_id, approve=False)


@router.post("/returns/{return_id}/receive")
async def receive(request: Request, return_id: str, v: CheckedDep) -> Response:
    """One row per line of the return: the units that arrived (0: none) and their grade."""
    form, stale = await _checked_form(request, v, return_id, Scope.RETURNS_WRITE)
    hub = hub_of(request)
    tenant, bound = v.principal.tenant_id, v.principal.warehouses
    shown = views.get_return(hub.read_uow, tenant, return_id, warehouses=bound)
    kept = {k: v_ for k, v_ in form.items() if isinstance(v_, str) and k != "csrf"}
    errors: dict[str, str] = {}
    warehouse = _text(form, "warehouse")
    if not warehouse:
        errors["warehouse"] = "field.required"
    elif bound and warehouse not in bound:
        errors["warehouse"] = "field.bad_choice"
    receipts: list[Receipt] = []
    index: dict[int, int] = {}  # position in `receipts` -> line number (for field errors)
    for ln in shown["lines"]:
        n = ln["line_no"]
        raw, grade = _text(form, f"qty-{n}"), _text(form, f"grade-{n}")
        # ASCII digits only ("²".isdigit() is true, int() refuses it), and few of them
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 9) \
                or int(raw) > ln["quantity"]:
            errors[f"qty-{n}"] = "ret.bad_quantity"
            errors[f"qty-{n}__n"] = str(ln["quantity"])
            continue
        if int(raw) == 0:
            continue
        if grade not in Grade._value2member_map_:
            errors[f"grade-{n}"] = "field.bad_choice"
            continue
        index[len(receipts)] = n
        receipts.append(Receipt(n, int(raw), grade))
    if not errors and not receipts:
        errors[f"qty-{shown['lines'][0]['line_no']}"] = "ret.none_received"
    if errors:
        return _page(request, v, return_id, status=400, errors=errors, form=kept)
    if stale:
        return _page(request, v, return_id, status=409, message="error.conflict", form=kept)
    try:
        hub.returns.receive(tenant, return_id, warehouse, receipts,
                            actor=v.principal.actor)
    except InvalidInput as exc:
        for e in exc.errors:
            parts = e.loc.split(".")
            if e.loc == "warehouse":
                key = "warehouse"
            elif len(parts) == 3 and parts[0] == "lines" and parts[1].isdigit():
                line_no = index.get(int(parts[1]))
                key = f"{'grade' if parts[2] == 'grade' else 'qty'}-{line_no}"
            else:
                return _page(request, v, return_id, status=422, message="ret.refused",
                             detail=str(exc), form=kept)
            errors[key] = "ops.rejected_because"
            errors[f"{key}__detail"] = e.message
        return _page(request, v, return_id, status=422, errors=errors, form=kept)
    except (Conflict, NotFound) as exc:
        return _page(request, v, return_id, status=409, message="ret.refused",
                     detail=str(exc), form=kept)
    return _done(request, return_id, "received")


@router.post("/returns/{return_id}/refund-complete")
async def refund_complete(request: Request, return_id: str, v: CheckedDep) -> Response:
    """Finance paid the refund: its reference, as POST /v1/returns/{id}/refund-complete."""
    form, stale = await _checked_form(request, v, return_id, Scope.ORDERS_BILL)
    reference = _text(form, "reference")
    kept = {"reference": reference}
    if not reference:
        return _page(request, v, return_id, status=400, form=kept,
                     errors={"reference": "field.required"})
    if len(reference) > MAX_REFERENCE:
        return _page(request, v, return_id, status=400, form=kept,
                     errors={"reference": "field.too_long", "reference__n": str(MAX_REFERENCE)})
    if stale:
        return _page(request, v, return_id, status=409, message="error.conflict", form=kept)
    try:
        hub_of(request).returns.complete_refund(v.principal.tenant_id, return_id, reference,
                                                actor=v.principal.actor)
    except (Conflict, NotFound, InvalidInput) as exc:
        return _page(request, v, return_id, status=409, message="ret.refused",
                     detail=str(exc), form=kept)
    return _done(request, return_id, "refunded")
