"""/v1/inventory: stock per SKU and warehouse, receipts, adjustments, safety stock."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response

from orderhub.api.deps import ActorDep, HubDep, TenantDep
from orderhub.api.schemas import (
    AdjustmentIn,
    ReceiptIn,
    SafetyStockIn,
    SkuStockOut,
    StockLevelOut,
    StockPage,
)
from orderhub.services.inventory import stock_control
from orderhub.services.orders import views

router = APIRouter(prefix="/v1/inventory", tags=["inventory"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Optional client key for the whole request: a retry with the same key and "
        "body changes nothing and returns the stored result; the same key with another body "
        "is a 409",
    ),
]
_ONCE: dict[int | str, dict[str, Any]] = {
    200: {"description": "A repeat of a request made before (same reference or key): nothing "
          "changed; the stored result"},
    409: {"description": "The reference or Idempotency-Key was used with other content, or "
          "the change would break a stock invariant"},
}


@router.get("", response_model=StockPage)
def list_stock(
    hub: HubDep,
    tenant: TenantDep,
    warehouse: Annotated[str | None, Query(max_length=64)] = None,
    sku: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Any:
    return views.list_stock(
        hub.read_uow, tenant, warehouse=warehouse, sku=sku, after=cursor, limit=limit
    )


@router.get("/{sku}", response_model=SkuStockOut)
def sku_stock(sku: str, hub: HubDep, tenant: TenantDep) -> Any:
    """One SKU across all warehouses, with network totals."""
    levels = stock_control.stock_of_sku(hub.read_uow, tenant, sku)
    return {
        "sku": sku,
        "on_hand": sum(lv.on_hand for lv in levels),
        "reserved": sum(lv.reserved for lv in levels),
        "safety_stock": sum(lv.safety_stock for lv in levels),
        "atp": sum(lv.atp for lv in levels),
        "shortfall": sum(lv.shortfall for lv in levels),
        "warehouses": [views.level_view(lv) for lv in levels],
    }


@router.post("/receipts", response_model=StockLevelOut, status_code=201, responses=_ONCE)
def receipt(
    body: ReceiptIn,
    hub: HubDep,
    tenant: TenantDep,
    actor: ActorDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Goods received into a warehouse: on hand rises, once per reference line or key."""
    change = stock_control.receive_stock(
        hub.uow,
        tenant,
        body.sku,
        body.warehouse,
        body.quantity,
        reference=body.reference,
        now=hub.clock(),
        actor=actor,
        idempotency_key=idempotency_key,
    )
    return _answer(change, response)


@router.post("/adjustments", response_model=StockLevelOut, status_code=201, responses=_ONCE)
def adjustment(
    body: AdjustmentIn,
    hub: HubDep,
    tenant: TenantDep,
    actor: ActorDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Correct on-hand stock (cycle count, damage, loss) with a reason, once per reference
    line or key."""
    change = stock_control.adjust_stock(
        hub.uow,
        tenant,
        body.sku,
        body.warehouse,
        body.delta,
        reason=body.reason,
        reference=body.reference,
        now=hub.clock(),
        actor=actor,
        idempotency_key=idempotency_key,
    )
    return _answer(change, response)


def _answer(change: stock_control.StockChange, response: Response) -> dict[str, Any]:
    if change.replayed:
        response.status_code = 200
    return views.level_view(change.level)


@router.put("/{sku}/{warehouse}/safety-stock", response_model=StockLevelOut)
def safety_stock(
    sku: str, warehouse: str, body: SafetyStockIn, hub: HubDep, tenant: TenantDep, actor: ActorDep
) -> Any:
    """Stock kept back from promising in this warehouse."""
    level = stock_control.set_safety_stock(
        hub.uow,
        tenant,
        sku,
        warehouse,
        body.safety_stock,
        reason=body.reason,
        now=hub.clock(),
        actor=actor,
    )
    return views.level_view(level)
