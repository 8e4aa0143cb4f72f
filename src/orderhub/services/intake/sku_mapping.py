"""The SKU crosswalk: (channel, channel SKU / barcode / title) -> master SKU.

Lines arrive with the channel's own codes. `resolve_lines` fills in master SKUs from the
stored mappings (then from exact matches of master codes and barcodes); a line that stays
unmapped holds its order, with ranked suggestions from fuzzy matching on codes, barcodes
and titles (Chinese titles included). Confirming a suggestion stores the mapping and sends
every order held for that code through validation again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from rapidfuzz import fuzz, process

from orderhub.domain.allocation import AllocationStrategy
from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import Order, OrderLine
from orderhub.services.unit_of_work import UnitOfWork, UowFactory

KEY_TYPES = ("sku", "barcode", "title")


def _keys(ln: OrderLine) -> list[tuple[str, str]]:
    return [
        (kt, v)
        for kt, v in (("sku", ln.channel_sku), ("barcode", ln.barcode), ("title", ln.title))
        if v
    ]


def resolve_lines(uow: UnitOfWork, tenant_id: str, orders: Sequence[Order]) -> int:
    """Fill in master SKUs for unmapped lines, in three queries for the whole batch."""
    pending = [(o, i, ln) for o in orders for i, ln in enumerate(o.lines) if not ln.sku]
    if not pending:
        return 0
    wanted = {(o.channel, kt, key) for o, _, ln in pending for kt, key in _keys(ln)}
    mapped = uow.sku_mappings.masters(tenant_id, wanted)
    known_codes = uow.sku_mappings.known_codes(
        tenant_id, {ln.channel_sku for _, _, ln in pending if ln.channel_sku}
    )
    by_barcode = uow.sku_mappings.codes_by_barcode(
        tenant_id, {ln.barcode for _, _, ln in pending if ln.barcode}
    )
    resolved = 0
    for o, i, ln in pending:
        master = next(
            (
                mapped[(o.channel, kt, key)]
                for kt, key in _keys(ln)
                if (o.channel, kt, key) in mapped
            ),
            None,
        )
        if master is None and ln.channel_sku in known_codes:
            master = ln.channel_sku
        if master is None and ln.barcode in by_barcode:
            master = by_barcode[ln.barcode]
        if master is not None:
            o.lines[i] = replace(ln, sku=master)
            resolved += 1
    return resolved


def suggest_for_lines(
    uow: UnitOfWork, tenant_id: str, lines: Sequence[tuple[Order, OrderLine]], limit: int = 5
) -> dict[tuple[str, int], list[dict[str, Any]]]:
    """Ranked master SKU candidates per unmapped line (score 0-100)."""
    rows = uow.sku_mappings.active_skus(tenant_id)
    if not rows:
        return {}
    codes = [r[0] for r in rows]
    names = [r[1] for r in rows]
    barcodes = {r[2]: r[0] for r in rows if r[2]}
    name_of = dict(zip(codes, names, strict=True))
    out: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for order, ln in lines:
        candidates: list[tuple[str, float, str]] = []
        if ln.barcode and ln.barcode in barcodes:
            candidates.append((barcodes[ln.barcode], 100.0, "barcode"))
        if ln.channel_sku:
            candidates += [
                (codes[idx], float(score), "code")
                for _, score, idx in process.extract(ln.channel_sku, codes, scorer=fuzz.ratio,
                                                     limit=limit)
            ]
        if ln.title:
            candidates += [
                (codes[idx], float(score), "title")
                for _, score, idx in process.extract(ln.title, names, scorer=fuzz.WRatio,
                                                     limit=limit)
            ]
        scored: dict[str, tuple[float, str]] = {}
        for code, score, on in candidates:
            if score > scored.get(code, (0.0, ""))[0]:
                scored[code] = (score, on)
        ranked = sorted(scored.items(), key=lambda kv: (-kv[1][0], kv[0]))[:limit]
        out[(order.id, ln.line_no)] = [
            {
                "sku": code,
                "name": name_of[code],
                "score": round(score, 1),
                "matched_on": on,
            }
            for code, (score, on) in ranked
            if score >= 40
        ]
    return out


def confirm_mapping(
    make_uow: UowFactory,
    tenant_id: str,
    channel: str,
    key_type: str,
    channel_key: str,
    master_sku: str,
    *,
    actor: str,
    now: datetime,
    strategy: AllocationStrategy,
    presale_lock: timedelta,
) -> dict[str, Any]:
    """Store the mapping and re-validate every order held for an unmapped line it covers."""
    from orderhub.services.intake.pipeline import run_pipeline

    errors = []
    if key_type not in KEY_TYPES:
        errors.append(FieldError("key_type", f"one of {', '.join(KEY_TYPES)}"))
    if not channel_key.strip():
        errors.append(FieldError("channel_key", "must not be empty"))
    with make_uow() as uow:
        if channel not in {c.code for c in uow.catalog.channels(tenant_id)}:
            errors.append(FieldError("channel", f"unknown channel '{channel}'"))
        if not uow.catalog.skus_by_code(tenant_id, [master_sku]):
            errors.append(FieldError("master_sku", f"unknown SKU '{master_sku}'"))
        if errors:
            raise InvalidInput(errors)
        # One upsert: concurrent confirmations of this key queue on its row, and each finds
        # the held orders the ones before it left.
        uow.sku_mappings.confirm(tenant_id, channel, key_type, channel_key, master_sku, actor, now)
        held_ids = uow.sku_mappings.held_order_ids(tenant_id, channel, key_type, channel_key)
        # Locked, then re-checked: a confirmation of another key of the same order that
        # committed meanwhile has already sent it on.
        orders = [
            o
            for o in uow.orders.get_many(tenant_id, held_ids, lock=True)
            if o.status == OrderStatus.ON_HOLD
        ]
        for o in orders:
            for i, ln in enumerate(o.lines):
                if (
                    not ln.sku
                    and getattr(ln, {"sku": "channel_sku"}.get(key_type, key_type)) == channel_key
                ):
                    o.map_line(i, master_sku, key_type, now, actor)
            o.resume(now, actor)
        resolve_lines(uow, tenant_id, orders)
        run_pipeline(uow, tenant_id, orders, strategy, now, actor, presale_lock)
        uow.commit()
        return {
            "channel": channel,
            "key_type": key_type,
            "channel_key": channel_key,
            "master_sku": master_sku,
            "orders_revalidated": [{"id": o.id, "status": o.status.value} for o in orders],
        }


def list_mappings(
    make_uow: UowFactory, tenant_id: str, channel: str | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    with make_uow() as uow:
        return uow.sku_mappings.list_mappings(tenant_id, channel, limit)
