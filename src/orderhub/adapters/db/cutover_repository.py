"""Channel cut-over: the shadow records of channels in shadow mode and the legacy system's
export of the same orders (domain/cutover.py). Neither holds personal data."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, func, select

from orderhub.adapters.db import tables as t
from orderhub.domain.cutover import LegacyRow, ShadowRecord, ShadowStatus
from orderhub.domain.money import quantize

_CHUNK = 500


def _record(r: Any) -> ShadowRecord:
    return ShadowRecord(
        id=r["id"], channel=r["channel"], external_id=r["external_id"],
        status=ShadowStatus(r["status"]), warehouses=tuple(r["warehouses"] or ()),
        grand_total=quantize(Decimal(r["grand_total"]), r["currency"]), currency=r["currency"],
        hold_codes=tuple(r["hold_codes"] or ()), received_at=r["received_at"],
        placed_at=r["placed_at"], payload_hash=r["payload_hash"],
        channel_updated_at=r["channel_updated_at"])


def _legacy(r: Any) -> LegacyRow:
    return LegacyRow(
        external_id=r["external_id"], status=r["status"],
        warehouses=tuple(r["warehouses"] or ()),
        total=quantize(Decimal(r["total"]), r["currency"]),
        currency=r["currency"], held=bool(r["held"]), hold_reason=r["hold_reason"],
        placed_at=r["placed_at"], line=r["line"])


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i:i + _CHUNK]


class CutoverRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # shadow records ---------------------------------------------------------------------
    def shadow_by_keys(self, tenant_id: str, channel: str, external_ids: Sequence[str]
                       ) -> dict[str, ShadowRecord]:
        c = t.shadow_orders.c
        out: dict[str, ShadowRecord] = {}
        for part in _chunks(sorted(set(external_ids))):
            rows = self.conn.execute(select(t.shadow_orders).where(
                c.tenant_id == tenant_id, c.channel == channel,
                c.external_id.in_(part)).with_for_update()).mappings()
            out.update((r["external_id"], _record(r)) for r in rows)
        return out

    def save_shadow(self, tenant_id: str, records: Sequence[ShadowRecord], now: datetime,
                    replace: Sequence[ShadowRecord] = ()) -> None:
        """Insert new records; `replace`: records that supersede stored ones (same key)."""
        c = t.shadow_orders.c
        for r in replace:
            self.conn.execute(delete(t.shadow_orders).where(
                c.tenant_id == tenant_id, c.channel == r.channel,
                c.external_id == r.external_id))
        rows = [{"tenant_id": tenant_id, "channel": r.channel, "external_id": r.external_id,
                 "id": r.id, "status": r.status.value, "warehouses": list(r.warehouses),
                 "grand_total": r.grand_total, "currency": r.currency,
                 "hold_codes": list(r.hold_codes), "received_at": r.received_at,
                 "placed_at": r.placed_at, "moment": r.moment, "payload_hash": r.payload_hash,
                 "channel_updated_at": r.channel_updated_at, "updated_at": now}
                for r in [*records, *replace]]
        if rows:
            self.conn.execute(t.shadow_orders.insert(), rows)

    def shadow_records(self, tenant_id: str, channel: str, start: datetime | None = None,
                       end: datetime | None = None) -> list[ShadowRecord]:
        c = t.shadow_orders.c
        q = select(t.shadow_orders).where(c.tenant_id == tenant_id, c.channel == channel)
        if start is not None:
            q = q.where(c.moment >= start)
        if end is not None:
            q = q.where(c.moment < end)
        return [_record(r) for r in self.conn.execute(q.order_by(c.external_id)).mappings()]

    def channels_with_records(self, tenant_id: str, channels: Iterable[str]) -> set[str]:
        """Which of `channels` have shadow records (a channel promoted live keeps them;
        intake asks so that their updates do not become live orders): one probe each."""
        c = t.shadow_orders.c
        return {ch for ch in sorted(set(channels)) if self.conn.execute(
            select(c.external_id).where(c.tenant_id == tenant_id, c.channel == ch).limit(1)
        ).first() is not None}

    def shadow_count(self, tenant_id: str, channel: str) -> int:
        c = t.shadow_orders.c
        return int(self.conn.execute(select(func.count()).where(
            c.tenant_id == tenant_id, c.channel == channel)).scalar_one())

    # legacy export ----------------------------------------------------------------------
    def save_legacy(self, tenant_id: str, channel: str, rows: Sequence[LegacyRow],
                    source: str, now: datetime) -> int:
        """Rows of a legacy export; a row for an order imported before replaces it.
        Returns how many of them replaced a stored row."""
        c = t.legacy_orders.c
        keys = [r.external_id for r in rows]
        replaced = 0
        for part in _chunks(keys):
            replaced += self.conn.execute(delete(t.legacy_orders).where(
                c.tenant_id == tenant_id, c.channel == channel,
                c.external_id.in_(part))).rowcount or 0
        if rows:
            self.conn.execute(t.legacy_orders.insert(), [
                {"tenant_id": tenant_id, "channel": channel, "external_id": r.external_id,
                 "status": r.status, "warehouses": list(r.warehouses), "total": r.total,
                 "currency": r.currency, "held": r.held, "hold_reason": r.hold_reason,
                 "placed_at": r.placed_at, "line": r.line, "source": source,
                 "imported_at": now} for r in rows])
        return replaced

    def legacy_rows(self, tenant_id: str, channel: str) -> list[LegacyRow]:
        c = t.legacy_orders.c
        q = select(t.legacy_orders).where(c.tenant_id == tenant_id, c.channel == channel)
        return [_legacy(r) for r in self.conn.execute(q.order_by(c.external_id)).mappings()]

    def legacy_count(self, tenant_id: str, channel: str) -> int:
        c = t.legacy_orders.c
        return int(self.conn.execute(select(func.count()).where(
            c.tenant_id == tenant_id, c.channel == channel)).scalar_one())
