"""Risk model versions (domain/risk/model.py): add a version, list them (without their
bytes), read the champion's bytes, and move the champion flag (one per tenant); and the
hub's own history the model learns from (`history`: orders and their events in bulk)."""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select, update

from orderhub.adapters.db import tables as t
from orderhub.adapters.db.batching import chunks
from orderhub.domain.risk.history import CarrierChange, OrderHistory

_m = t.risk_models.c


@dataclass(frozen=True, slots=True)
class RiskModelRecord:
    tenant_id: str
    version: int
    created_at: datetime
    created_by: str
    algorithm: str
    feature_version: int
    metrics: dict[str, Any]
    training: dict[str, Any]
    sha256: str
    champion: bool
    size_bytes: int


_COLUMNS = (_m.tenant_id, _m.version, _m.created_at, _m.created_by, _m.algorithm,
            _m.feature_version, _m.metrics, _m.training, _m.sha256, _m.champion,
            func.length(_m.model))


def _record(row: Any) -> RiskModelRecord:
    return RiskModelRecord(row[0], row[1], row[2], row[3], row[4], row[5], dict(row[6]),
                           dict(row[7]), row[8], bool(row[9]), int(row[10] or 0))


class RiskModelRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def next_version(self, tenant_id: str) -> int:
        last = self.conn.execute(select(func.max(_m.version)).where(
            _m.tenant_id == tenant_id)).scalar_one()
        return int(last or 0) + 1

    def add(self, record: RiskModelRecord, blob: bytes) -> None:
        self.conn.execute(t.risk_models.insert().values(
            tenant_id=record.tenant_id, version=record.version, created_at=record.created_at,
            created_by=record.created_by, algorithm=record.algorithm,
            feature_version=record.feature_version, metrics=record.metrics,
            training=record.training, model=blob, sha256=record.sha256, champion=False))

    def make_champion(self, tenant_id: str, version: int) -> None:
        """The one champion of the tenant: this version, no other."""
        self.conn.execute(update(t.risk_models).where(
            _m.tenant_id == tenant_id, _m.champion.is_(True), _m.version != version)
            .values(champion=False))
        self.conn.execute(update(t.risk_models).where(
            _m.tenant_id == tenant_id, _m.version == version).values(champion=True))

    def list(self, tenant_id: str) -> list[RiskModelRecord]:
        rows = self.conn.execute(select(*_COLUMNS).where(_m.tenant_id == tenant_id)
                                 .order_by(_m.version.desc()))
        return [_record(r) for r in rows]

    def get(self, tenant_id: str, version: int) -> RiskModelRecord | None:
        row = self.conn.execute(select(*_COLUMNS).where(
            _m.tenant_id == tenant_id, _m.version == version)).first()
        return _record(row) if row else None

    def champion(self, tenant_id: str) -> RiskModelRecord | None:
        row = self.conn.execute(select(*_COLUMNS).where(
            _m.tenant_id == tenant_id, _m.champion.is_(True))).first()
        return _record(row) if row else None

    def model_bytes(self, tenant_id: str, version: int) -> bytes | None:
        blob = self.conn.execute(select(_m.model).where(
            _m.tenant_id == tenant_id, _m.version == version)).scalar_one_or_none()
        return bytes(blob) if blob is not None else None

    # ----- the hub's own history (services/risk/hub_history.py) ---------------------------
    def history(self, tenant_id: str, since: datetime, until: datetime) -> Iterator[
            OrderHistory]:
        """Every order of the tenant created in [since, until) with all its events in
        sequence: one statement for the orders, one streamed for their events (ordered by
        order and sequence), whatever the number of orders. Nothing is decrypted: the
        destination province is the routing part of the address."""
        o, e = t.orders.c, t.outbox.c
        window = (o.tenant_id == tenant_id, o.created_at >= since, o.created_at < until)
        heads = {r.id: r for r in self.conn.execute(select(
            o.id, o.channel, o.service_level, o.shipping_address, o.created_at)
            .where(*window))}
        rows = self.conn.execute(
            select(e.order_id, e.type, e.status, e.occurred_at, e.data)
            .join(t.orders, t.orders.c.id == e.order_id)
            .where(*window).order_by(e.order_id, e.seq).execution_options(yield_per=5000))
        current: str | None = None
        events: builtins.list[tuple[str, str, datetime, dict[str, Any]]] = []

        def done(order_id: str) -> OrderHistory:
            h = heads[order_id]
            return OrderHistory(order_id, h.channel, h.service_level,
                                str((h.shipping_address or {}).get("province", "")),
                                h.created_at, tuple(events))

        for order_id, type_, status, at, data in rows:
            if order_id != current:
                if current is not None:
                    yield done(current)
                current, events = order_id, []
            events.append((type_, status, at, data or {}))
        if current is not None:
            yield done(current)

    def recent_deliveries(self, tenant_id: str, window: timedelta, limit: int) -> (
            builtins.list[OrderHistory]):
        """The orders whose shipments were delivered in the `window` before the tenant's
        latest delivery (at most `limit`, the latest first), with all their events, as
        `history` reads them: what the twin measures carrier delays from. The deliveries
        are found by ix_shipments_delivered (migration 0028), the events by order."""
        s, o, e = t.shipments.c, t.orders.c, t.outbox.c
        latest = self.conn.execute(select(func.max(s.delivered_at)).where(
            s.tenant_id == tenant_id, s.delivered_at.is_not(None))).scalar_one_or_none()
        if latest is None:
            return []
        ids: builtins.list[str] = []
        seen: set[str] = set()
        for (order_id,) in self.conn.execute(
                select(s.order_id).where(s.tenant_id == tenant_id,
                                         s.delivered_at.is_not(None),
                                         s.delivered_at > latest - window)
                .order_by(s.delivered_at.desc()).limit(limit)):
            if order_id not in seen:
                seen.add(order_id)
                ids.append(order_id)
        out: builtins.list[OrderHistory] = []
        for chunk in chunks(ids):
            heads = {r.id: r for r in self.conn.execute(select(
                o.id, o.channel, o.service_level,
                o.shipping_address["province"].as_string().label("province"), o.created_at)
                .where(o.tenant_id == tenant_id, o.id.in_(chunk)))}
            events: dict[str, builtins.list[tuple[str, str, datetime, dict[str, Any]]]] = {
                i: [] for i in heads}
            for order_id, type_, status, at, data in self.conn.execute(
                    select(e.order_id, e.type, e.status, e.occurred_at, e.data)
                    .where(e.order_id.in_(chunk)).order_by(e.order_id, e.seq)):
                if order_id in events:
                    events[order_id].append((type_, status, at, data or {}))
            out.extend(OrderHistory(h.id, h.channel, h.service_level, h.province or "",
                                    h.created_at, tuple(events[h.id]))
                       for h in heads.values())
        return out

    def carrier_changes(self, tenant_id: str, until: datetime) -> builtins.list[
            CarrierChange]:
        """Every carrier service state change of the tenant before `until`, in time order."""
        e = t.outbox.c
        rows = self.conn.execute(select(e.occurred_at, e.data).where(
            e.tenant_id == tenant_id, e.type == "CarrierStatusChanged",
            e.occurred_at < until).order_by(e.occurred_at, e.id))
        return [CarrierChange(at, str(d.get("carrier_service", "")), str(d.get("state") or (
            "up" if d.get("healthy", True) else "down")), int(d.get("delay_days") or 0))
            for at, d in rows]
