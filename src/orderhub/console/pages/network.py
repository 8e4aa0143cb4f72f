"""The network: warehouses with their picking queue (backlog) and status, carrier services
and their health, region blocks, and a map of them (ECharts scatter on longitude/latitude:
no map geometry is needed, the coordinates come from domain/geo.py). The actions are the
API's: close / reopen a warehouse (POST /v1/warehouses/{code}/close, PATCH active=true),
mark a carrier service down / degraded / up (PATCH /v1/carriers/{code}), block / lift a
region (POST /v1/routing/blocks, .../lift), each through the same function of
services/network/incidents.py, each with a reason; the page then shows the re-routing
report (re-routed, held, flagged: services/network/reports.py)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request
from starlette.responses import Response

from orderhub.console import nav
from orderhub.console.deps import CheckedDep, ConsoleForbidden, Viewer, hub_of, needs
from orderhub.console.rendering import render
from orderhub.domain.access import Scope
from orderhub.domain.errors import Conflict, InvalidInput, NotFound
from orderhub.domain.geo import place
from orderhub.domain.routing.lanes import PROVINCE_REGION, REGION_NAMES_ZH, REGIONS
from orderhub.domain.routing.network import BlockDirection, CarrierState
from orderhub.services.network import carriers, incidents
from orderhub.services.network.reports import Outcome, RerouteReport
from orderhub.services.network.views import network_view

router = APIRouter()
NAV = nav.register(nav.NavItem("network", "/network", Scope.NETWORK_READ, order=50))
MAX_REASON = 500
Errors = dict[str, str]


def _map_data(sites: list[dict[str, Any]], blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """Points for the map: sites ([lon, lat], code, status, queue) and blocked areas (a
    province's centroid; a region: each of its provinces)."""
    points = []
    for s in sites:
        at = place(s["province"])
        if at is not None:
            points.append({"name": s["code"], "value": [at[1], at[0], s["queue"]],
                           "active": s["active"]})
    blocked = []
    for b in blocks:
        provinces = ([p for p, r in PROVINCE_REGION.items() if r == b["area"]]
                     if b["area"] in REGIONS else [b["area"]])
        for p in provinces:
            at = place(p)
            if at is not None:
                blocked.append({"name": f"{p} ({b['direction']})", "value": [at[1], at[0]]})
    return {"sites": points, "blocked": blocked}


def report_view(report: RerouteReport | None) -> dict[str, Any] | None:
    if report is None:
        return None
    data = report.as_dict()
    counts = data["counts"]
    data["routed"] = sum(counts[o.value] for o in (Outcome.PROMISE_KEPT, Outcome.PROMISE_LATER,
                                                    Outcome.FIRST_PROMISE))
    return data


def _page(request: Request, v: Viewer, *, status: int = 200, errors: Errors | None = None,
          form: str = "", values: dict[str, str] | None = None, message: str = "",
          report: dict[str, Any] | None = None) -> Response:
    hub = hub_of(request)
    tenant = v.principal.tenant_id
    net = network_view(hub.read_uow, tenant)
    services = carriers.list_carriers(hub.read_uow, tenant)
    blocks = incidents.list_blocks(hub.read_uow, tenant)
    map_json = json.dumps(_map_data(net["sites"], blocks), ensure_ascii=False)
    areas = [(r, f"{r} {REGION_NAMES_ZH[r]}") for r in REGIONS] + [
        (p, p) for p in PROVINCE_REGION]
    return render(request, v, "pages/network.html", status=status, current=NAV.key,
                  net=net, services=services, blocks=blocks, map_json=map_json,
                  may_write=v.may(Scope.NETWORK_WRITE), errors=errors or {}, form=form,
                  values=values or {}, message=message, report=report, areas=areas,
                  directions=[d.value for d in BlockDirection],
                  states=[s.value for s in CarrierState])


@router.get("/network")
def page(request: Request, v: Viewer = Depends(needs(Scope.NETWORK_READ))) -> Response:
    return _page(request, v)


def _writer(v: Viewer) -> None:
    if not v.may(Scope.NETWORK_WRITE):
        raise ConsoleForbidden(Scope.NETWORK_WRITE.value)


def _reason_error(reason: str) -> str | None:
    if not reason:
        return "field.required"
    return "net.too_long" if len(reason) > MAX_REASON else None


def _field_errors(exc: InvalidInput, known: tuple[str, ...]) -> Errors:
    return {(e.loc if e.loc in known else "_form"): "field.rejected" for e in exc.errors}


def _act(request: Request, v: Viewer, form: str, values: dict[str, str],
         action: Any, known: tuple[str, ...] = ("reason",)) -> Response:
    """Run one incident function and show its report; a wrong field, a conflict or an
    unknown target as a message by the form, never a 5xx."""
    bad = _reason_error(values.get("reason", ""))
    if bad:
        return _page(request, v, status=400, errors={"reason": bad}, form=form, values=values)
    try:
        report = action()
    except InvalidInput as exc:
        return _page(request, v, status=400, errors=_field_errors(exc, known), form=form,
                     values=values)
    except Conflict:
        return _page(request, v, status=409, message="net.conflict", form=form,
                     values=values)
    except NotFound:
        return _page(request, v, status=404, message="error.not_found", form=form,
                     values=values)
    return _page(request, v, report=report_view(report) or {"none": True}, form=form)


@router.post("/network/warehouses/{code}/close")
def close(request: Request, code: str, v: CheckedDep,
          reason: Annotated[str, Form()] = "") -> Response:
    _writer(v)
    hub = hub_of(request)
    reason = reason.strip()
    return _act(request, v, f"wh-{code}", {"reason": reason}, lambda: incidents.close_warehouse(
        hub.uow, v.principal.tenant_id, code, reason=reason, actor=v.principal.actor,
        now=hub.clock(), strategy=hub.strategy, presale_lock=hub.presale_lock))


@router.post("/network/warehouses/{code}/reopen")
def reopen(request: Request, code: str, v: CheckedDep,
           reason: Annotated[str, Form()] = "") -> Response:
    _writer(v)
    hub = hub_of(request)
    reason = reason.strip()
    return _act(request, v, f"wh-{code}", {"reason": reason}, lambda: incidents.update_warehouse(
        hub.uow, v.principal.tenant_id, code, {"active": True}, reason=reason,
        actor=v.principal.actor, now=hub.clock(), strategy=hub.strategy,
        presale_lock=hub.presale_lock)[1])


@router.post("/network/carriers/{code}")
def carrier_state(request: Request, code: str, v: CheckedDep,
                  state: Annotated[str, Form()] = "", delay_days: Annotated[str, Form()] = "0",
                  reason: Annotated[str, Form()] = "") -> Response:
    _writer(v)
    hub = hub_of(request)
    values = {"state": state, "delay_days": delay_days, "reason": reason.strip()}
    form = f"cs-{code}"
    errors: Errors = {}
    if state not in CarrierState._value2member_map_:
        errors["state"] = "field.bad_choice"
    try:
        delay = int(delay_days or "0")
        if not 0 <= delay <= 30:
            raise ValueError
    except ValueError:
        errors["delay_days"] = "net.bad_number"
        delay = 0
    if errors:
        return _page(request, v, status=400, errors=errors, form=form, values=values)
    return _act(request, v, form, values, lambda: incidents.set_carrier_state(
        hub.uow, v.principal.tenant_id, code, CarrierState(state), delay_days=delay,
        reason=values["reason"], actor=v.principal.actor, now=hub.clock(),
        strategy=hub.strategy, presale_lock=hub.presale_lock)[1],
        known=("reason", "delay_days"))


@router.post("/network/blocks")
def block(request: Request, v: CheckedDep, area: Annotated[str, Form()] = "",
          direction: Annotated[str, Form()] = "both",
          reason: Annotated[str, Form()] = "") -> Response:
    _writer(v)
    hub = hub_of(request)
    values = {"area": area.strip(), "direction": direction, "reason": reason.strip()}
    errors: Errors = {}
    if not values["area"]:
        errors["area"] = "field.required"
    elif len(values["area"]) > 32:
        errors["area"] = "net.too_long"
    if direction not in BlockDirection._value2member_map_:
        errors["direction"] = "field.bad_choice"
    if errors:
        return _page(request, v, status=400, errors=errors, form="block", values=values)
    return _act(request, v, "block", values, lambda: incidents.block_region(
        hub.uow, v.principal.tenant_id, values["area"], BlockDirection(direction),
        reason=values["reason"], actor=v.principal.actor, now=hub.clock(),
        strategy=hub.strategy, presale_lock=hub.presale_lock)[1], known=("area", "reason"))


@router.post("/network/blocks/{block_id}/lift")
def lift(request: Request, block_id: Annotated[int, Path(ge=1, le=2**53)], v: CheckedDep,
         reason: Annotated[str, Form()] = "") -> Response:
    _writer(v)
    hub = hub_of(request)
    reason = reason.strip()
    return _act(request, v, f"bl-{block_id}", {"reason": reason}, lambda: incidents.lift_block(
        hub.uow, v.principal.tenant_id, block_id, reason=reason, actor=v.principal.actor,
        now=hub.clock(), strategy=hub.strategy, presale_lock=hub.presale_lock)[1])
