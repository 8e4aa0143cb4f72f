"""Stock changes as single conditional statements, so no read-then-write race can oversell.

`reserve` adds to `reserved` only where `on_hand - reserved - safety_stock >= qty` holds at
the moment of the update; on PostgreSQL a concurrent update of the same row waits and the
condition is re-checked against the committed row (READ COMMITTED re-evaluation). The row
stores on hand, reserved and safety stock only; ATP and shortfall are derived from them
(`StockLevel`), and as `qty` is positive the condition is exactly `ATP >= qty`: safety stock
above what is free leaves nothing to reserve, never a negative amount.

Receipts and adjustments claim their references first (`claim_references`): an insert that
does nothing when the key is there, so of two concurrent requests under one reference the
second waits for the first to commit and then finds its row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from orderhub.adapters.db import tables as t
from orderhub.adapters.db.batching import bulk_insert, chunks, sqlite_time
from orderhub.domain.errors import StockError
from orderhub.domain.inventory import StockLevel

StockKey = tuple[str, str]  # (sku, warehouse)


@dataclass(frozen=True, slots=True)
class StockReference:
    """A key a receipt or adjustment is made under, with the hash of what it asked for: a
    reference names one line (SKU, warehouse); an Idempotency-Key the whole request."""

    key_type: str  # reference | idempotency_key
    reference: str
    sku: str
    warehouse: str
    request_hash: str
    result: dict[str, Any] | None = None  # what the first request answered (when stored)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.key_type, self.reference, self.sku, self.warehouse)


_s = t.stock_items.c
_r = t.stock_references.c
_KEY = and_(
    _s.tenant_id == bindparam("b_tenant"),
    _s.sku == bindparam("b_sku"),
    _s.warehouse == bindparam("b_wh"),
)

_RESERVE_SQL = ("UPDATE stock_items SET reserved = reserved + {0}, updated_at = {0} "
                "WHERE tenant_id = {0} AND sku = {0} AND warehouse = {0} "
                "AND on_hand - reserved - safety_stock >= {0}")
_RESERVE_SQL_SQLITE = _RESERVE_SQL.format("?")
_RESERVE_SQL_PG = _RESERVE_SQL.format("%s")
_RELEASE = (
    update(t.stock_items)
    .where(_KEY, _s.reserved >= bindparam("b_qty"))
    .values(reserved=_s.reserved - bindparam("b_qty"), updated_at=bindparam("b_at"))
)
_COMMIT = (
    update(t.stock_items)
    .where(_KEY, _s.reserved >= bindparam("b_qty"), _s.on_hand >= bindparam("b_qty"))
    .values(
        reserved=_s.reserved - bindparam("b_qty"),
        on_hand=_s.on_hand - bindparam("b_qty"),
        updated_at=bindparam("b_at"),
    )
)
_ADJUST = (
    update(t.stock_items)
    .where(_KEY, _s.on_hand + bindparam("b_qty") >= _s.reserved)
    .values(on_hand=_s.on_hand + bindparam("b_qty"), updated_at=bindparam("b_at"))
)


class StockRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._pending_movements: list[dict[str, Any]] = []

    def levels(
        self, tenant_id: str, skus: Sequence[str], *, lock: bool = False
    ) -> dict[StockKey, StockLevel]:
        """Stock of the given SKUs in every warehouse; `lock` takes row locks in key order
        (PostgreSQL), so concurrent lockers cannot deadlock."""
        out: dict[StockKey, StockLevel] = {}
        for chunk in chunks(sorted(set(skus))):
            q = (
                select(_s.sku, _s.warehouse, _s.on_hand, _s.reserved, _s.safety_stock)
                .where(_s.tenant_id == tenant_id, _s.sku.in_(chunk))
                .order_by(_s.sku, _s.warehouse)
            )
            if lock:
                q = q.with_for_update()
            for sku, wh, on_hand, reserved, safety in self.conn.execute(q):
                out[(sku, wh)] = StockLevel(sku, wh, on_hand, reserved, safety)
        return out

    def level(self, tenant_id: str, sku: str, warehouse: str) -> StockLevel | None:
        return self.levels(tenant_id, [sku]).get((sku, warehouse))

    def page(self, tenant_id: str, *, warehouse: str | None = None, sku: str | None = None,
             after: StockKey | None = None, limit: int,
             below_safety: bool = False) -> list[StockLevel]:
        """Up to `limit` stock rows by (SKU, warehouse), from after the `after` key.
        `below_safety`: only rows whose ATP is below their safety stock (ATP is
        `max(0, on_hand - reserved - safety)`, so: safety > 0 and on_hand - reserved <
        2 * safety); it walks the same (tenant, SKU, warehouse) order, filtering."""
        q = select(_s.sku, _s.warehouse, _s.on_hand, _s.reserved, _s.safety_stock).where(
            _s.tenant_id == tenant_id)
        if warehouse:
            q = q.where(_s.warehouse == warehouse)
        if sku:
            q = q.where(_s.sku == sku)
        if below_safety:
            q = q.where(_s.safety_stock > 0,
                        _s.on_hand - _s.reserved < 2 * _s.safety_stock)
        if after:
            sku_after, wh_after = after
            q = q.where((_s.sku > sku_after)
                        | ((_s.sku == sku_after) & (_s.warehouse > wh_after)))
        q = q.order_by(_s.sku, _s.warehouse).limit(limit)
        return [StockLevel(*r) for r in self.conn.execute(q)]

    def _apply(
        self, stmt: Any, tenant_id: str, quantities: Mapping[StockKey, int], at: datetime
    ) -> bool:
        if not quantities:
            return True
        params = [
            {"b_tenant": tenant_id, "b_sku": sku, "b_wh": wh, "b_qty": qty, "b_at": at}
            for (sku, wh), qty in sorted(quantities.items())
        ]
        result = self.conn.execute(stmt, params)
        return bool(result.rowcount == len(params))

    def reserve(self, tenant_id: str, quantities: Mapping[StockKey, int], at: datetime) -> bool:
        """Reserve all or report failure (the caller rolls back to its savepoint): True only
        when every (sku, warehouse) had enough ATP at the instant of its update.

        Intake's hot path: driver SQL, one executemany in key order (rows locked in that
        order, so concurrent reservers cannot deadlock), parameters as tuples rather than
        through a compiled statement's per-row processing."""
        if not quantities:
            return True
        sqlite = self.conn.dialect.name == "sqlite"
        stamp = sqlite_time(at) if sqlite else at
        params = [(qty, stamp, tenant_id, sku, wh, qty)
                  for (sku, wh), qty in sorted(quantities.items())]
        result = self.conn.exec_driver_sql(_RESERVE_SQL_SQLITE if sqlite else _RESERVE_SQL_PG,
                                           params)
        return bool(result.rowcount == len(params))

    def reserve_below_safety(self, tenant_id: str, sku: str, warehouse: str, qty: int,
                             at: datetime) -> bool:
        """Reserve from on hand less reserved, ignoring safety stock (a transfer a person
        accepted although it dips into the source's safety stock); never more than free."""
        result = self.conn.execute(
            update(t.stock_items)
            .where(_s.tenant_id == tenant_id, _s.sku == sku, _s.warehouse == warehouse,
                   _s.on_hand - _s.reserved >= qty)
            .values(reserved=_s.reserved + qty, updated_at=at))
        return bool(result.rowcount == 1)

    def release(self, tenant_id: str, quantities: Mapping[StockKey, int], at: datetime) -> None:
        if not self._apply(_RELEASE, tenant_id, quantities, at):
            raise StockError(
                "release of more stock than is reserved; the stock record is "
                "inconsistent and nothing was changed"
            )

    def commit_shipment(
        self,
        tenant_id: str,
        quantities: Mapping[StockKey, int],
        at: datetime,
        reference: str,
        actor: str,
    ) -> None:
        """Goods leave: on hand and reserved both fall by the shipped quantity."""
        if not self._apply(_COMMIT, tenant_id, quantities, at):
            raise StockError("shipment commits more stock than is reserved or on hand")
        for (sku, wh), qty in quantities.items():
            self._movement(tenant_id, sku, wh, "shipment", -qty, "shipped", reference, actor, at)

    def receive(
        self,
        tenant_id: str,
        sku: str,
        warehouse: str,
        quantity: int,
        at: datetime,
        reference: str,
        actor: str,
        reason: str = "receipt",
    ) -> StockLevel:
        dialect = self.conn.dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = insert(t.stock_items).values(
            tenant_id=tenant_id,
            sku=sku,
            warehouse=warehouse,
            on_hand=quantity,
            reserved=0,
            safety_stock=0,
            updated_at=at,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[_s.tenant_id, _s.sku, _s.warehouse],
            set_={"on_hand": t.stock_items.c.on_hand + quantity, "updated_at": at},
        )
        self.conn.execute(stmt)
        self._movement(tenant_id, sku, warehouse, "receipt", quantity, reason, reference, actor, at)
        return self._must(tenant_id, sku, warehouse)

    def receive_many(
        self,
        tenant_id: str,
        items: Sequence[tuple[str, str, int]],
        at: datetime,
        reference: str,
        actor: str,
    ) -> None:
        """Bulk receipts (initial loads, ASN batches) in one statement."""
        if not items:
            return
        insert = pg_insert if self.conn.dialect.name == "postgresql" else sqlite_insert
        stmt = insert(t.stock_items).values(
            tenant_id=bindparam("b_tenant"),
            sku=bindparam("b_sku"),
            warehouse=bindparam("b_wh"),
            on_hand=bindparam("b_qty"),
            reserved=0,
            safety_stock=bindparam("b_safety"),
            updated_at=bindparam("b_at"),
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[_s.tenant_id, _s.sku, _s.warehouse],
            set_={"on_hand": t.stock_items.c.on_hand + stmt.excluded.on_hand, "updated_at": at},
        )
        self.conn.execute(
            stmt,
            [
                {
                    "b_tenant": tenant_id,
                    "b_sku": sku,
                    "b_wh": wh,
                    "b_qty": qty,
                    "b_safety": 0,
                    "b_at": at,
                }
                for sku, wh, qty in sorted(items)  # rows locked in key order: no deadlock
            ],
        )
        for sku, wh, qty in items:
            self._movement(tenant_id, sku, wh, "receipt", qty, "receipt", reference, actor, at)

    def adjust(
        self,
        tenant_id: str,
        sku: str,
        warehouse: str,
        delta: int,
        at: datetime,
        reason: str,
        reference: str,
        actor: str,
    ) -> StockLevel:
        if not self._apply(_ADJUST, tenant_id, {(sku, warehouse): delta}, at):
            level = self.level(tenant_id, sku, warehouse)
            if level is None:
                raise StockError(
                    f"no stock record for SKU {sku} in warehouse {warehouse}; post a receipt first"
                )
            if level.on_hand + delta < 0:
                raise StockError(
                    f"adjustment of {delta} would make on hand negative for SKU "
                    f"{sku} in {warehouse} ({level.on_hand} on hand)"
                )
            raise StockError(
                f"adjustment of {delta} would leave on hand ({level.on_hand + delta}) below "
                f"reserved ({level.reserved}) for SKU {sku} in {warehouse}; release or "
                "re-route the reserving orders first"
            )
        self._movement(tenant_id, sku, warehouse, "adjustment", delta, reason, reference, actor, at)
        return self._must(tenant_id, sku, warehouse)

    def set_safety_stock(
        self,
        tenant_id: str,
        sku: str,
        warehouse: str,
        safety_stock: int,
        at: datetime,
        reason: str,
        actor: str,
    ) -> StockLevel:
        result = self.conn.execute(
            update(t.stock_items)
            .where(_s.tenant_id == tenant_id, _s.sku == sku, _s.warehouse == warehouse)
            .values(safety_stock=safety_stock, updated_at=at)
        )
        if result.rowcount != 1:
            raise StockError(
                f"no stock record for SKU {sku} in warehouse {warehouse}; post a receipt first"
            )
        self._movement(
            tenant_id,
            sku,
            warehouse,
            "safety_stock",
            0,
            reason or f"safety stock set to {safety_stock}",
            "",
            actor,
            at,
        )
        return self._must(tenant_id, sku, warehouse)

    def claim_references(
        self, tenant_id: str, kind: str, claims: Sequence[StockReference], at: datetime
    ) -> list[StockReference]:
        """Store each key unless it is stored already; returns the ones that were, as stored
        (hash and result). Keys go in in sorted order, so concurrent claimers cannot deadlock;
        on PostgreSQL a claimer of a key another transaction holds waits for its outcome."""
        if not claims:
            return []
        insert = pg_insert if self.conn.dialect.name == "postgresql" else sqlite_insert
        stmt = (
            insert(t.stock_references)
            .on_conflict_do_nothing()
            .returning(_r.key_type, _r.reference, _r.sku, _r.warehouse)
        )
        rows = [
            {
                "tenant_id": tenant_id,
                "kind": kind,
                "key_type": c.key_type,
                "reference": c.reference,
                "sku": c.sku,
                "warehouse": c.warehouse,
                "request_hash": c.request_hash,
                "created_at": at,
            }
            for c in sorted(claims, key=lambda c: c.key)
        ]
        inserted: set[tuple[str, str, str, str]] = set()
        for chunk in chunks(rows):
            inserted.update((r[0], r[1], r[2], r[3]) for r in self.conn.execute(stmt, list(chunk)))
        wanted = {c.key for c in claims} - inserted
        stored: list[StockReference] = []
        for key_type, reference in sorted({(k[0], k[1]) for k in wanted}):
            for r in self.conn.execute(
                select(_r.sku, _r.warehouse, _r.request_hash, _r.result).where(
                    _r.tenant_id == tenant_id,
                    _r.kind == kind,
                    _r.key_type == key_type,
                    _r.reference == reference,
                )
            ):
                if (key_type, reference, r.sku, r.warehouse) in wanted:
                    stored.append(
                        StockReference(
                            key_type, reference, r.sku, r.warehouse, r.request_hash, r.result
                        )
                    )
        if len(stored) != len(wanted):  # a claim neither inserted nor found: cannot happen
            raise StockError(f"{kind} reference could not be recorded; send the request again")
        return stored

    def store_reference_result(
        self,
        tenant_id: str,
        kind: str,
        claims: Sequence[StockReference],
        result: dict[str, Any],
    ) -> None:
        """Keep the answer of the request that made these claims, for its repeats."""
        if not claims:
            return
        self.conn.execute(
            update(t.stock_references)
            .where(
                _r.tenant_id == bindparam("b_tenant"),
                _r.kind == bindparam("b_kind"),
                _r.key_type == bindparam("b_key_type"),
                _r.reference == bindparam("b_reference"),
                _r.sku == bindparam("b_sku"),
                _r.warehouse == bindparam("b_wh"),
            )
            .values(result=bindparam("b_result")),
            [
                {
                    "b_tenant": tenant_id,
                    "b_kind": kind,
                    "b_key_type": c.key_type,
                    "b_reference": c.reference,
                    "b_sku": c.sku,
                    "b_wh": c.warehouse,
                    "b_result": result,
                }
                for c in claims
            ],
        )

    def skus_on_hand(self, tenant_id: str, warehouse: str) -> list[str]:
        """The SKUs a site holds any of."""
        si = t.stock_items.c
        return [s for (s,) in self.conn.execute(select(si.sku).where(
            si.tenant_id == tenant_id, si.warehouse == warehouse, si.on_hand > 0))]

    def _must(self, tenant_id: str, sku: str, warehouse: str) -> StockLevel:
        level = self.level(tenant_id, sku, warehouse)
        assert level is not None
        return level

    def _movement(
        self,
        tenant_id: str,
        sku: str,
        warehouse: str,
        kind: str,
        delta: int,
        reason: str,
        reference: str,
        actor: str,
        at: datetime,
    ) -> None:
        self._pending_movements.append(
            {
                "tenant_id": tenant_id,
                "sku": sku,
                "warehouse": warehouse,
                "kind": kind,
                "on_hand_delta": delta,
                "reason": reason,
                "reference": reference,
                "actor": actor,
                "at": at,
            }
        )

    def flush(self) -> None:
        if self._pending_movements:
            bulk_insert(self.conn, t.stock_movements, self._pending_movements)
            self._pending_movements = []
