"""The SKU crosswalk, read: (channel, channel SKU / barcode / title) -> master SKU.

Lines arrive with the channel's own codes. `resolve_lines` fills in master SKUs from the
stored mappings (then from exact matches of master codes and barcodes); a line that stays
unmapped holds its order, with ranked suggestions (`suggest_for_lines`) from fuzzy matching
on codes, barcodes and titles (Chinese titles included). Confirming a mapping is
`sku_mapping.confirm_mapping`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from rapidfuzz import fuzz, process

from orderhub.domain.order import Order, OrderLine
from orderhub.services.unit_of_work import UnitOfWork

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
