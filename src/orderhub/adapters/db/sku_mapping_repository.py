"""The SKU crosswalk: (channel, key type, channel key) -> master SKU, and the catalogue and
held-order reads the crosswalk needs.

`confirm` is one upsert (INSERT ... ON CONFLICT DO UPDATE on PostgreSQL and SQLite), so
concurrent confirmations of one mapping serialise on its row and all succeed; a
delete-then-insert would let a second confirmer hit the first one's unique key.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from orderhub.adapters.db import tables as t
from orderhub.adapters.db.batching import chunks
from orderhub.domain.lifecycle import OrderStatus

MappingKey = tuple[str, str, str]  # (channel, key type, channel key)

_m = t.sku_mappings.c
_k = t.skus.c
_LINE_COLUMN = {
    "sku": t.order_lines.c.channel_sku,
    "barcode": t.order_lines.c.barcode,
    "title": t.order_lines.c.title,
}
_FIELDS = ("channel", "key_type", "channel_key", "master_sku", "created_by", "created_at")


class SkuMappingRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def masters(self, tenant_id: str, keys: Iterable[MappingKey]) -> dict[MappingKey, str]:
        """The master SKU of each stored key, one IN list per channel and key type."""
        by_kind: dict[tuple[str, str], set[str]] = {}
        for ch, kt, key in keys:
            by_kind.setdefault((ch, kt), set()).add(key)
        out: dict[MappingKey, str] = {}
        for (ch, kt), wanted in by_kind.items():
            for chunk in chunks(sorted(wanted)):
                for key, master in self.conn.execute(
                    select(_m.channel_key, _m.master_sku).where(
                        _m.tenant_id == tenant_id,
                        _m.channel == ch,
                        _m.key_type == kt,
                        _m.channel_key.in_(chunk),
                    )
                ):
                    out[(ch, kt, key)] = master
        return out

    def known_codes(self, tenant_id: str, codes: Iterable[str]) -> set[str]:
        """Which of these codes are master SKU codes (active or not)."""
        out: set[str] = set()
        for chunk in chunks(sorted(set(codes))):
            out.update(
                r[0]
                for r in self.conn.execute(
                    select(_k.code).where(_k.tenant_id == tenant_id, _k.code.in_(chunk))
                )
            )
        return out

    def codes_by_barcode(self, tenant_id: str, barcodes: Iterable[str]) -> dict[str, str]:
        """Barcode -> master SKU code, for the barcodes the catalogue knows."""
        out: dict[str, str] = {}
        for chunk in chunks(sorted(set(barcodes))):
            for code, barcode in self.conn.execute(
                select(_k.code, _k.barcode).where(
                    _k.tenant_id == tenant_id, _k.barcode.in_(chunk)
                )
            ):
                out[barcode] = code
        return out

    def active_skus(self, tenant_id: str) -> list[tuple[str, str, str]]:
        """(code, name, barcode) of every active SKU: the candidates for suggestions."""
        return [
            (r[0], r[1], r[2])
            for r in self.conn.execute(
                select(_k.code, _k.name, _k.barcode).where(
                    _k.tenant_id == tenant_id, _k.active.is_(True)
                )
            )
        ]

    def confirm(
        self,
        tenant_id: str,
        channel: str,
        key_type: str,
        channel_key: str,
        master_sku: str,
        actor: str,
        at: datetime,
    ) -> None:
        """Store the mapping, or point the stored one at `master_sku` (one statement)."""
        insert = pg_insert if self.conn.dialect.name == "postgresql" else sqlite_insert
        stmt = insert(t.sku_mappings).values(
            tenant_id=tenant_id,
            channel=channel,
            key_type=key_type,
            channel_key=channel_key,
            master_sku=master_sku,
            created_by=actor,
            created_at=at,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[_m.tenant_id, _m.channel, _m.key_type, _m.channel_key],
            set_={
                "master_sku": stmt.excluded.master_sku,
                "created_by": stmt.excluded.created_by,
                "created_at": stmt.excluded.created_at,
            },
        )
        self.conn.execute(stmt)

    def held_order_ids(
        self, tenant_id: str, channel: str, key_type: str, channel_key: str
    ) -> list[str]:
        """Orders of the channel on hold with an unmapped line carrying this key."""
        return [
            r[0]
            for r in self.conn.execute(
                select(t.order_lines.c.order_id)
                .distinct()
                .join(t.orders, t.orders.c.id == t.order_lines.c.order_id)
                .where(
                    t.orders.c.tenant_id == tenant_id,
                    t.orders.c.channel == channel,
                    t.orders.c.status == OrderStatus.ON_HOLD.value,
                    t.order_lines.c.sku == "",
                    _LINE_COLUMN[key_type] == channel_key,
                )
            )
        ]

    def list_mappings(
        self, tenant_id: str, channel: str | None = None, limit: int = 500
    ) -> list[dict[str, Any]]:
        q = select(*(getattr(_m, f) for f in _FIELDS)).where(_m.tenant_id == tenant_id)
        if channel:
            q = q.where(_m.channel == channel)
        q = q.order_by(_m.channel, _m.key_type, _m.channel_key).limit(limit)
        return [dict(r) for r in self.conn.execute(q).mappings()]
