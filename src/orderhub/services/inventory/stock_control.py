"""Receipts, adjustments and safety stock; each persisted with a StockAdjusted event.

Receipts and adjustments are idempotent by their reference: a reference names one line
(SKU, warehouse) of a receipt or an adjustment, per tenant and kind, so one ASN or count
sheet covers many lines. A repeat with the same content answers with the stored result
and changes nothing; other content under a used reference is an IdempotencyConflict. An
Idempotency-Key, when given, covers the whole request the same way. An empty reference
without a key de-duplicates nothing (every such request is a new movement).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from orderhub.adapters.db.stock_repository import StockReference
from orderhub.domain.errors import FieldError, IdempotencyConflict, InvalidInput, NotFound
from orderhub.domain.events import StockAdjusted
from orderhub.domain.inventory import StockLevel
from orderhub.services import audit
from orderhub.services.unit_of_work import UnitOfWork, UowFactory


@dataclass(frozen=True, slots=True)
class StockChange:
    """The level after a receipt or adjustment; `replayed` when the request repeated one
    already made under its reference or Idempotency-Key, so nothing changed now."""

    level: StockLevel
    replayed: bool = False


def _hash(doc: Mapping[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _claims(
    kind: str,
    reference: str,
    idempotency_key: str | None,
    lines: Sequence[Mapping[str, Any]],
) -> list[StockReference]:
    """One claim per line under a reference (lines of one SKU and warehouse add up), and
    one for the whole request under an Idempotency-Key."""
    claims: list[StockReference] = []
    if reference.strip():
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for ln in lines:
            doc = merged.setdefault((ln["sku"], ln["warehouse"]), {**ln, "quantity": 0})
            doc["quantity"] += ln["quantity"]
        claims += [
            StockReference("reference", reference, sku, wh, _hash({"kind": kind, **doc}))
            for (sku, wh), doc in merged.items()
        ]
    if idempotency_key:
        request = {"kind": kind, "reference": reference, "lines": list(lines)}
        claims.append(StockReference("idempotency_key", idempotency_key, "", "", _hash(request)))
    return claims


def _claim(
    uow: UnitOfWork, tenant_id: str, kind: str, claims: list[StockReference], now: datetime
) -> list[StockReference]:
    """Claim the request's keys; returns those a repeat of the same request made before.
    Raises IdempotencyConflict if one was used for other content (the caller rolls back)."""
    asked = {c.key: c for c in claims}
    stored = uow.stock.claim_references(tenant_id, kind, claims, now)
    for old in stored:
        if old.request_hash == asked[old.key].request_hash:
            continue
        if old.key_type == "idempotency_key":
            raise IdempotencyConflict(
                f"Idempotency-Key '{old.reference}' was used before with a different request "
                "body; use a new key for a new request"
            )
        raise IdempotencyConflict(
            f"{kind} reference '{old.reference}' was already used for SKU {old.sku} in "
            f"warehouse {old.warehouse} with other content; use a new reference for a new {kind}"
        )
    return stored


def _level_doc(level: StockLevel) -> dict[str, Any]:
    return {
        "sku": level.sku,
        "warehouse": level.warehouse,
        "on_hand": level.on_hand,
        "reserved": level.reserved,
        "safety_stock": level.safety_stock,
    }


def _replay(
    uow: UnitOfWork, tenant_id: str, sku: str, warehouse: str, stored: list[StockReference]
) -> StockChange:
    """The stored answer of the first request (the current level if a batch made it)."""
    for old in stored:
        if old.result is not None:
            return StockChange(StockLevel(**old.result), replayed=True)
    level = uow.stock.level(tenant_id, sku, warehouse)
    assert level is not None  # a stored claim means the item was received
    return StockChange(level, replayed=True)


def _known_item(uow: UnitOfWork, tenant_id: str, sku: str, warehouse: str) -> None:
    errors = []
    if not uow.catalog.skus_by_code(tenant_id, [sku]):
        errors.append(FieldError("sku", f"unknown SKU '{sku}'"))
    if uow.catalog.warehouse(tenant_id, warehouse) is None:
        errors.append(FieldError("warehouse", f"unknown warehouse '{warehouse}'"))
    if errors:
        raise InvalidInput(errors)


def _change_once(make_uow: UowFactory, claims: list[StockReference], event: StockAdjusted,
                 change: Callable[[UnitOfWork], StockLevel]) -> StockChange:
    """One receipt or adjustment of one item, once per claim: a repeat answers with the
    stored result; the first applies `change`, stores its result and records `event`."""
    with make_uow() as uow:
        _known_item(uow, event.tenant_id, event.sku, event.warehouse)
        stored = _claim(uow, event.tenant_id, event.kind, claims, event.occurred_at)
        if stored:
            return _replay(uow, event.tenant_id, event.sku, event.warehouse, stored)
        level = change(uow)
        uow.stock.store_reference_result(event.tenant_id, event.kind, claims,
                                         _level_doc(level))
        uow.record(event)
        audit.note(uow, event.tenant_id, event.occurred_at, event.actor, "stock_change",
                   f"stock/{event.sku}@{event.warehouse}",
                   {"change": event.kind, "delta": event.on_hand_delta, "reason": event.reason,
                    "reference": event.reference, "on_hand": level.on_hand})
        uow.commit()
        return StockChange(level)


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
    idempotency_key: str | None = None,
) -> StockChange:
    """Goods in: on hand rises, once per reference line (or Idempotency-Key)."""
    if quantity <= 0:
        raise InvalidInput([FieldError("quantity", "a receipt must be a positive quantity")])
    claims = _claims(
        "receipt",
        reference,
        idempotency_key,
        [{"sku": sku, "warehouse": warehouse, "quantity": quantity}],
    )
    return _change_once(
        make_uow, claims,
        StockAdjusted(tenant_id=tenant_id, occurred_at=now, actor=actor, reason="receipt",
                      sku=sku, warehouse=warehouse, kind="receipt", on_hand_delta=quantity,
                      reference=reference),
        lambda uow: uow.stock.receive(tenant_id, sku, warehouse, quantity, now, reference,
                                      actor))


def receive_stock_many(
    make_uow: UowFactory,
    tenant_id: str,
    items: list[tuple[str, str, int]],
    *,
    reference: str,
    now: datetime,
    actor: str,
) -> int:
    """Many receipts (sku, warehouse, quantity) in one transaction, for loads and ASNs.

    The reference covers the batch: each of its lines is received once, so a repeated
    batch receives nothing and a later part of the same ASN only its new lines; a line that
    came before with another quantity refuses the whole batch. Returns the lines received.
    """
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
        lines = [{"sku": s, "warehouse": w, "quantity": q} for s, w, q in items]
        stored = _claim(uow, tenant_id, "receipt", _claims("receipt", reference, None, lines), now)
        done = {(old.sku, old.warehouse) for old in stored}
        fresh = [(s, w, q) for s, w, q in items if (s, w) not in done]
        if not fresh:
            return 0
        uow.stock.receive_many(tenant_id, fresh, now, reference, actor)
        # One entry for the batch (a load or an ASN), its lines in it.
        audit.note(uow, tenant_id, now, actor, "stock_change", f"stock-receipt/{reference}",
                   {"change": "receipt", "reference": reference,
                    "lines": [[sku, wh, qty] for sku, wh, qty in fresh]})
        for sku, wh, qty in fresh:
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
        return len(fresh)


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
    idempotency_key: str | None = None,
) -> StockChange:
    """Correct on hand with a reason, once per reference line (or Idempotency-Key)."""
    errors = []
    if delta == 0:
        errors.append(FieldError("delta", "an adjustment must change the quantity"))
    if not reason.strip():
        errors.append(FieldError("reason", "an adjustment needs a reason (count, damage, ...)"))
    if errors:
        raise InvalidInput(errors)
    claims = _claims(
        "adjustment",
        reference,
        idempotency_key,
        [{"sku": sku, "warehouse": warehouse, "quantity": delta, "reason": reason}],
    )
    return _change_once(
        make_uow, claims,
        StockAdjusted(tenant_id=tenant_id, occurred_at=now, actor=actor, reason=reason,
                      sku=sku, warehouse=warehouse, kind="adjustment", on_hand_delta=delta,
                      reference=reference),
        lambda uow: uow.stock.adjust(tenant_id, sku, warehouse, delta, now, reason, reference,
                                     actor))


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
        before = uow.stock.level(tenant_id, sku, warehouse)
        level = uow.stock.set_safety_stock(
            tenant_id, sku, warehouse, safety_stock, now, reason, actor
        )
        audit.note(uow, tenant_id, now, actor, "stock_change", f"stock/{sku}@{warehouse}",
                   {"change": "safety_stock", "reason": reason, "fields": {"safety_stock": {
                       "before": before.safety_stock if before else None,
                       "after": safety_stock}}})
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
