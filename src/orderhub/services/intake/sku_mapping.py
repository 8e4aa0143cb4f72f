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
from sqlalchemy import select

from orderhub.adapters.db import tables as t
from orderhub.adapters.db.batching import chunks
from orderhub.domain.allocation import AllocationStrategy
from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import Order, OrderLine
from orderhub.services.unit_of_work import UnitOfWork, UowFactory

KEY_TYPES = ("sku", "barcode", "title")
_m = t.sku_mappings.c


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
    mapped: dict[tuple[str, str, str], str] = {}
    by_key: dict[tuple[str, str], set[str]] = {}
    for ch, kt, key in wanted:
        by_key.setdefault((ch, kt), set()).add(key)
    for (ch, kt), keys in by_key.items():  # one IN list per channel and key type
        for chunk in chunks(sorted(keys)):
            for key, master in uow.conn.execute(
                select(_m.channel_key, _m.master_sku).where(
                    _m.tenant_id == tenant_id, _m.channel == ch, _m.key_type == kt,
                    _m.channel_key.in_(chunk))):
                mapped[(ch, kt, key)] = master
    codes = {ln.channel_sku for _, _, ln in pending if ln.channel_sku}
    known_codes: set[str] = set()
    for chunk in chunks(sorted(codes)):
        known_codes.update(r[0] for r in uow.conn.execute(select(t.skus.c.code).where(
            t.skus.c.tenant_id == tenant_id, t.skus.c.code.in_(chunk))))
    barcodes = {ln.barcode for _, _, ln in pending if ln.barcode}
    by_barcode: dict[str, str] = {}
    if barcodes:
        for code, bc in uow.conn.execute(
            select(t.skus.c.code, t.skus.c.barcode).where(
                t.skus.c.tenant_id == tenant_id, t.skus.c.barcode.in_(sorted(barcodes))
            )
        ):
            by_barcode[bc] = code
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
    rows = uow.conn.execute(
        select(t.skus.c.code, t.skus.c.name, t.skus.c.barcode).where(
            t.skus.c.tenant_id == tenant_id, t.skus.c.active.is_(True)
        )
    ).all()
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
        uow.conn.execute(
            t.sku_mappings.delete().where(
                _m.tenant_id == tenant_id,
                _m.channel == channel,
                _m.key_type == key_type,
                _m.channel_key == channel_key,
            )
        )
        uow.conn.execute(
            t.sku_mappings.insert().values(
                tenant_id=tenant_id,
                channel=channel,
                key_type=key_type,
                channel_key=channel_key,
                master_sku=master_sku,
                created_by=actor,
                created_at=now,
            )
        )
        column = {
            "sku": t.order_lines.c.channel_sku,
            "barcode": t.order_lines.c.barcode,
            "title": t.order_lines.c.title,
        }[key_type]
        held_ids = [
            r[0]
            for r in uow.conn.execute(
                select(t.order_lines.c.order_id)
                .distinct()
                .join(t.orders, t.orders.c.id == t.order_lines.c.order_id)
                .where(
                    t.orders.c.tenant_id == tenant_id,
                    t.orders.c.channel == channel,
                    t.orders.c.status == OrderStatus.ON_HOLD.value,
                    t.order_lines.c.sku == "",
                    column == channel_key,
                )
            )
        ]
        orders = uow.orders.get_many(tenant_id, held_ids, lock=True)
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
    q = select(t.sku_mappings).where(_m.tenant_id == tenant_id)
    if channel:
        q = q.where(_m.channel == channel)
    with make_uow() as uow:
        rows = (
            uow.conn.execute(q.order_by(_m.channel, _m.key_type, _m.channel_key).limit(limit))
            .mappings()
            .all()
        )
    return [
        {
            k: r[k]
            for k in (
                "channel",
                "key_type",
                "channel_key",
                "master_sku",
                "created_by",
                "created_at",
            )
        }
        for r in rows
    ]
