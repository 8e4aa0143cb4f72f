"""/v1/warehouses, /v1/skus and /v1/channels: reference data."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from orderhub.adapters.channels.registry import ADAPTERS
from orderhub.api import metering
from orderhub.api.bodies import json_body_doc, json_list_body
from orderhub.api.deps import ActorDep, HubDep, TenantDep
from orderhub.api.schemas import (
    ChannelIn,
    ChannelOut,
    SkuIn,
    SkuOut,
    SkuPage,
    SkuPatch,
    Text,
    WarehouseIn,
    WarehouseOut,
    WarehousePatch,
)
from orderhub.domain.errors import FieldError, InvalidInput, NotFound
from orderhub.domain.inventory import Channel, Sku, Warehouse
from orderhub.services import catalog
from orderhub.services.network import incidents

router = APIRouter(prefix="/v1", tags=["catalogue"])


def _wh(w: Warehouse) -> dict[str, Any]:
    d = asdict(w)
    d.pop("tenant_id")
    d["capabilities"] = sorted(w.capabilities)
    return d


def warehouse_of(tenant: str, body: WarehouseIn) -> Warehouse:
    fields = body.model_dump()
    fields["capabilities"] = frozenset(fields["capabilities"])
    return Warehouse(tenant_id=tenant, **fields)


def _sku(s: Sku) -> dict[str, Any]:
    d = asdict(s)
    d.pop("tenant_id")
    return d


@router.post("/warehouses", response_model=WarehouseOut, status_code=201)
def create_warehouse(body: WarehouseIn, hub: HubDep, tenant: TenantDep,
                     actor: ActorDep) -> Any:
    w = warehouse_of(tenant, body)
    catalog.add_warehouses(hub.uow, [w], hub.clock(), actor=actor)
    return _wh(w)


@router.get("/warehouses", response_model=list[WarehouseOut])
def list_warehouses(hub: HubDep, tenant: TenantDep) -> Any:
    with hub.read_uow() as uow:
        return [_wh(w) for w in uow.catalog.warehouses(tenant)]


@router.get("/warehouses/{code}", response_model=WarehouseOut)
def get_warehouse(code: str, hub: HubDep, tenant: TenantDep) -> Any:
    with hub.read_uow() as uow:
        w = uow.catalog.warehouse(tenant, code)
    if w is None:
        raise NotFound(f"warehouse '{code}' not found")
    return _wh(w)


class OrderOutcomeOut(BaseModel):
    order_id: str
    outcome: str = Field(description="promise_kept, promise_later, first_promise, held, "
                                     "still_held or flagged")
    sites: list[str] = Field(description="where a routed order is planned now")
    promised_before: str | None = Field(description="the date promised before the change")
    promised: str | None = Field(description="the date promised now (routed orders)")


class RerouteOut(BaseModel):
    cause: str = Field(description="What happened, as recorded on the orders' timelines")
    warehouse: str
    looked_at: int = Field(description="orders the change looked at: the sum of `counts`")
    counts: dict[str, int] = Field(description="orders per outcome (each order has one): "
                                               "promise_kept, promise_later, first_promise "
                                               "(routed), held, still_held, flagged")
    rerouted: dict[str, list[str]] = Field(description="order id -> its new warehouse(s)")
    held: list[str] = Field(description="orders put on hold by this change")
    still_held: list[str] = Field(description="held orders tried again that stay on hold")
    flagged: list[str] = Field(description="orders already released there: exception raised")
    promises_kept: int = Field(description="re-routed orders whose promised date held")
    promises_later: dict[str, str] = Field(description="order id -> its later promised date")
    orders: list[OrderOutcomeOut] = Field(description="every order looked at, with its outcome")
    warnings: list[str] = Field(description="for example SKUs now unavailable everywhere")


class WarehouseChangeOut(WarehouseOut):
    reroute: RerouteOut | None = Field(
        None, description="What closing or cutting capacity did to open orders")


@router.patch("/warehouses/{code}", response_model=WarehouseChangeOut)
def patch_warehouse(code: str, body: WarehousePatch, hub: HubDep, tenant: TenantDep,
                    actor: ActorDep) -> Any:
    """Change capacity, costs, capabilities or cut-off, or close (active=false) / reopen a
    warehouse. Closing re-routes its open orders as `POST /close` does; cutting capacity
    re-routes the newest open orders its picking queue can no longer hold."""
    changes = body.model_dump(exclude_none=True, exclude={"reason"})
    if "capabilities" in changes:
        changes["capabilities"] = frozenset(changes["capabilities"])
    updated, report = incidents.update_warehouse(
        hub.uow, tenant, code, changes, reason=body.reason, actor=actor, now=hub.clock(),
        strategy=hub.strategy, presale_lock=hub.presale_lock)
    return {**_wh(updated), "reroute": report.as_dict() if report else None}


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text = Field(min_length=1, max_length=500, description="Why (storm, outage, ...)")


@router.post("/warehouses/{code}/close", response_model=RerouteOut)
def close_warehouse(code: str, body: CloseIn, hub: HubDep, tenant: TenantDep,
                    actor: ActorDep) -> Any:
    """Close a warehouse now: orders allocated to it but not yet released are re-routed in
    the same transaction; orders already released to it get an exception for a person."""
    report = incidents.close_warehouse(hub.uow, tenant, code, reason=body.reason,
                                            actor=actor, now=hub.clock(), strategy=hub.strategy,
                                            presale_lock=hub.presale_lock)
    return report.as_dict()


@router.post("/skus", response_model=SkuOut, status_code=201)
def create_sku(body: SkuIn, hub: HubDep, tenant: TenantDep, actor: ActorDep,
               request: Request) -> Any:
    s = Sku(tenant_id=tenant, **body.model_dump())
    catalog.add_skus(hub.uow, [s], hub.clock(), actor=actor)
    metering.count(request, rows=1)
    return _sku(s)


SKU_BATCH = 10_000


@router.post("/skus/batch", response_model=list[SkuOut], status_code=201,
             openapi_extra=json_body_doc(Annotated[list[SkuIn],
                                                   Field(max_length=SKU_BATCH)]))
def create_skus(hub: HubDep, tenant: TenantDep, actor: ActorDep, request: Request,
                body: list[SkuIn] = json_list_body(SkuIn, SKU_BATCH)) -> Any:
    """Up to 10,000 SKUs in one transaction (parsed off the event loop)."""
    items = [Sku(tenant_id=tenant, **b.model_dump()) for b in body]
    if items:
        catalog.add_skus(hub.uow, items, hub.clock(), actor=actor)
    metering.count(request, rows=len(items))
    return [_sku(s) for s in items]


@router.get("/skus", response_model=SkuPage)
def list_skus(
    hub: HubDep,
    tenant: TenantDep,
    q: Annotated[str | None, Query(max_length=100, description="code or name contains")] = None,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Any:
    with hub.read_uow() as uow:
        items = uow.catalog.list_skus(tenant, cursor, limit + 1, q)
    more = len(items) > limit
    items = items[:limit]
    return {
        "items": [_sku(s) for s in items],
        "next_cursor": items[-1].code if more and items else None,
    }


@router.get("/skus/{code}", response_model=SkuOut)
def get_sku(code: str, hub: HubDep, tenant: TenantDep) -> Any:
    with hub.read_uow() as uow:
        found = uow.catalog.skus_by_code(tenant, [code])
    if code not in found:
        raise NotFound(f"SKU '{code}' not found")
    return _sku(found[code])


@router.patch("/skus/{code}", response_model=SkuOut)
def patch_sku(code: str, body: SkuPatch, hub: HubDep, tenant: TenantDep,
              actor: ActorDep) -> Any:
    """Make a SKU sellable or not; orders for an inactive SKU are held."""
    catalog.set_sku_active(hub.uow, tenant, code, body.active, actor=actor, now=hub.clock())
    return get_sku(code, hub, tenant)


@router.post("/channels", response_model=ChannelOut, status_code=201)
def create_channel(body: ChannelIn, hub: HubDep, tenant: TenantDep, actor: ActorDep) -> Any:
    if body.adapter and body.adapter not in ADAPTERS:
        raise InvalidInput([FieldError("adapter", f"unknown adapter '{body.adapter}'; one of "
                                       + ", ".join(sorted(ADAPTERS)))])
    catalog.add_channels(hub.uow, [Channel(tenant_id=tenant, **body.model_dump())],
                         actor=actor, now=hub.clock())
    return body.model_dump(exclude={"secret"})


@router.get("/channels", response_model=list[ChannelOut])
def list_channels(hub: HubDep, tenant: TenantDep) -> Any:
    with hub.read_uow() as uow:
        return [
            {"code": c.code, "name": c.name, "kind": c.kind, "active": c.active,
             "adapter": c.adapter, "mode": c.mode, "cross_border": c.cross_border,
             "ship_from_country": c.ship_from_country}
            for c in uow.catalog.channels(tenant)
        ]
