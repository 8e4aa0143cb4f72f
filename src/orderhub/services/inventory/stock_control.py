"""Receipts, adjustments and safety stock; each persisted with a StockAdjusted event."""

from __future__ import annotations

from datetime import datetime

from orderhub.domain.errors import FieldError, InvalidInput, NotFound
from orderhub.domain.events import StockAdjusted
from orderhub.domain.inventory import StockLevel
from orderhub.services.unit_of_work import UnitOfWork, UowFactory


def _known_item(uow: UnitOfWork, tenant_id: str, sku: str, warehouse: str) -> None:
    errors = []
    if not uow.catalog.skus_by_code(tenant_id, [sku]):
        errors.append(FieldError("sku", f"unknown SKU '{sku}'"))
    if uow.catalog.warehouse(tenant_id, warehouse) is None:
        errors.append(FieldError("warehouse", f"unknown warehouse '{warehouse}'"))
    if errors:
        raise InvalidInput(errors)


def receive_stock(
    make_uow: UowFactory,
    tenant_id: str,
    sku: str,
    warehouse: str,
    quantity: int,
    *,
    reference: str,
    now: datetime,
    actor: str,
) -> StockLevel:
    if quantity <= 0:
        raise InvalidInput([FieldError("quantity", "a receipt must be a positive quantity")])
    with make_uow() as uow:
        _known_item(uow, tenant_id, sku, warehouse)
        level = uow.stock.receive(tenant_id, sku, warehouse, quantity, now, reference, actor)
        uow.record(
            StockAdjusted(
                tenant_id=tenant_id,
                occurred_at=now,
                actor=actor,
                reason="receipt",
                sku=sku,
                warehouse=warehouse,
                kind="receipt",
                on_hand_delta=quantity,
                reference=reference,
            )
        )
        uow.commit()
        return level


def receive_stock_many(
    make_uow: UowFactory,
    tenant_id: str,
    items: list[tuple[str, str, int]],
    *,
    reference: str,
    now: datetime,
    actor: str,
) -> int:
    """Many receipts (sku, warehouse, quantity) in one transaction, for loads and ASNs."""
    bad = [
        FieldError(f"{i}.quantity", "a receipt must be a positive quantity")
        for i, (_, _, q) in enumerate(items)
        if q <= 0
    ]
    if bad:
        raise InvalidInput(bad)
    with make_uow() as uow:
        skus = uow.catalog.skus_by_code(tenant_id, [s for s, _, _ in items])
        whs = {w.code for w in uow.catalog.warehouses(tenant_id)}
        for i, (sku, wh, _) in enumerate(items):
            if sku not in skus:
                bad.append(FieldError(f"{i}.sku", f"unknown SKU '{sku}'"))
            if wh not in whs:
                bad.append(FieldError(f"{i}.warehouse", f"unknown warehouse '{wh}'"))
        if bad:
            raise InvalidInput(bad)
        uow.stock.receive_many(tenant_id, items, now, reference, actor)
        for sku, wh, qty in items:
            uow.record(
                StockAdjusted(
                    tenant_id=tenant_id,
                    occurred_at=now,
                    actor=actor,
                    reason="receipt",
                    sku=sku,
                    warehouse=wh,
                    kind="receipt",
                    on_hand_delta=qty,
                    reference=reference,
                )
            )
        uow.commit()
        return len(items)


def adjust_stock(
    make_uow: UowFactory,
    tenant_id: str,
    sku: str,
    warehouse: str,
    delta: int,
    *,
    reason: str,
    reference: str,
    now: datetime,
    actor: str,
) -> StockLevel:
    errors = []
    if delta == 0:
        errors.append(FieldError("delta", "an adjustment must change the quantity"))
    if not reason.strip():
        errors.append(FieldError("reason", "an adjustment needs a reason (count, damage, ...)"))
    if errors:
        raise InvalidInput(errors)
    with make_uow() as uow:
        _known_item(uow, tenant_id, sku, warehouse)
        level = uow.stock.adjust(tenant_id, sku, warehouse, delta, now, reason, reference, actor)
        uow.record(
            StockAdjusted(
                tenant_id=tenant_id,
                occurred_at=now,
                actor=actor,
                reason=reason,
                sku=sku,
                warehouse=warehouse,
                kind="adjustment",
                on_hand_delta=delta,
                reference=reference,
            )
        )
        uow.commit()
        return level


def set_safety_stock(
    make_uow: UowFactory,
    tenant_id: str,
    sku: str,
    warehouse: str,
    safety_stock: int,
    *,
    reason: str,
    now: datetime,
    actor: str,
) -> StockLevel:
    if safety_stock < 0:
        raise InvalidInput([FieldError("safety_stock", "must not be negative")])
    with make_uow() as uow:
        _known_item(uow, tenant_id, sku, warehouse)
        level = uow.stock.set_safety_stock(
            tenant_id, sku, warehouse, safety_stock, now, reason, actor
        )
        uow.record(
            StockAdjusted(
                tenant_id=tenant_id,
                occurred_at=now,
                actor=actor,
                reason=reason or "safety stock",
                sku=sku,
                warehouse=warehouse,
                kind="safety_stock",
                on_hand_delta=0,
                safety_stock=safety_stock,
            )
        )
        uow.commit()
        return level


def stock_of_sku(make_uow: UowFactory, tenant_id: str, sku: str) -> list[StockLevel]:
    with make_uow() as uow:
        if not uow.catalog.skus_by_code(tenant_id, [sku]):
            raise NotFound(f"SKU '{sku}' not found")
        levels = uow.stock.levels(tenant_id, [sku])
        return sorted(levels.values(), key=lambda lv: lv.warehouse)
