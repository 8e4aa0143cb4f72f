"""Carrier tracking checkpoints and the carriers' signing secrets (`uow.tracking`).

A push is stored with one statement: `INSERT ... ON CONFLICT (tenant, carrier, event id) DO
NOTHING RETURNING event_id` (SQLite and PostgreSQL), so a checkpoint pushed twice, even by
two concurrent requests, is stored once and only the request that stored it records it on
the order. Shipments are found by waybill with one query per batch. Checkpoints with no
shipment yet are orphans (`order_id` null) until `match` attaches them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, DateTime, String, and_, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from orderhub.adapters.crypto.keyring import PiiCipher
from orderhub.adapters.db import tables as t
from orderhub.domain.tracking import Checkpoint, CheckpointKind, carrier_of

_c = t.carrier_checkpoints.c
_ARRAY_TYPES: dict[str, Any] = {"at": DateTime(timezone=True),
                                "received_at": DateTime(timezone=True),
                                "matched_at": DateTime(timezone=True)}
_s = t.shipments.c
_k = t.carrier_tracking_secrets.c


@dataclass(frozen=True, slots=True)
class ShipmentRef:
    """A shipment a waybill belongs to."""

    order_id: str
    shipment_id: str
    carrier: str
    waybill: str


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    checkpoint: Checkpoint
    order_id: str | None
    shipment_id: str | None
    received_at: datetime
    matched_at: datetime | None


def _secret_field(carrier: str) -> str:
    return f"carrier_tracking_secrets.secret/{carrier}"


def _checkpoint(m: Any) -> Checkpoint:
    return Checkpoint(carrier=m["carrier"], waybill=m["waybill"], event_id=m["event_id"],
                      kind=CheckpointKind(m["kind"]), at=m["at"], location=m["location"],
                      description=m["description"])


def _stored(m: Any) -> StoredCheckpoint:
    return StoredCheckpoint(_checkpoint(m), m["order_id"], m["shipment_id"], m["received_at"],
                            m["matched_at"])


class TrackingRepository:
    def __init__(self, conn: Connection, pii: PiiCipher) -> None:
        self.conn = conn
        self.pii = pii  # signing secrets are stored as ciphertext

    def _insert_if_absent(self) -> Insert:
        table = t.carrier_checkpoints
        keys = ["tenant_id", "carrier", "event_id"]
        if self.conn.dialect.name == "postgresql":
            return postgresql.insert(table).on_conflict_do_nothing(index_elements=keys)
        if self.conn.dialect.name == "sqlite":
            return sqlite.insert(table).on_conflict_do_nothing(index_elements=keys)
        raise NotImplementedError(f"no insert-if-absent for dialect {self.conn.dialect.name}")

    # ----- checkpoints ----------------------------------------------------------------------
    def shipments_by_waybill(self, tenant_id: str, carrier: str,
                             waybills: Sequence[str]) -> dict[str, ShipmentRef]:
        """The tenant's shipments booked with `carrier` under these waybills, in one query
        (a waybill is a carrier's: the same number with another carrier is not a match)."""
        wanted = sorted({w for w in waybills if w})
        if not wanted:
            return {}
        q = select(_s.order_id, _s.id, _s.carrier_service, _s.waybill).where(
            _s.tenant_id == tenant_id, _s.waybill.in_(bindparam("b_wb", expanding=True)))
        out: dict[str, ShipmentRef] = {}
        for order_id, sid, service, waybill in self.conn.execute(q, {"b_wb": wanted}):
            if carrier_of(service) == carrier:
                out[waybill] = ShipmentRef(order_id, sid, carrier, waybill)
        return out

    def add(self, tenant_id: str, items: Sequence[tuple[Checkpoint, ShipmentRef | None]],
            now: datetime) -> set[str]:
        """Store checkpoints not stored before (matched to a shipment or orphans); returns
        the event ids this call stored (the others were there already)."""
        if not items:
            return set()
        rows = [{
            "tenant_id": tenant_id, "carrier": c.carrier, "waybill": c.waybill,
            "event_id": c.event_id, "kind": c.kind.value, "at": c.at, "location": c.location,
            "description": c.description, "order_id": ref.order_id if ref else None,
            "shipment_id": ref.shipment_id if ref else None, "received_at": now,
            "matched_at": now if ref else None,
        } for c, ref in items]
        if self.conn.dialect.name == "postgresql":
            return self._add_unnest(rows)
        stmt = self._insert_if_absent().returning(_c.event_id)
        return {eid for (eid,) in self.conn.execute(stmt, rows)}

    def _add_unnest(self, rows: list[dict[str, Any]]) -> set[str]:
        """PostgreSQL: one INSERT ... SELECT FROM unnest(one array per column), a dozen
        parameters whatever the batch size (a VALUES list of 13,000 parameters spends most
        of its time being rendered and split client-side)."""
        cols = [c for c in t.carrier_checkpoints.c if c.name != "id"]
        arrays = [bindparam(f"a_{c.name}", [r[c.name] for r in rows],
                            type_=postgresql.ARRAY(_ARRAY_TYPES.get(c.name, String())))
                  for c in cols]
        source = func.unnest(*arrays).table_valued(
            *[c.name for c in cols]).render_derived(name="src")
        stmt = (postgresql.insert(t.carrier_checkpoints)
                .from_select([c.name for c in cols],
                             select(*[source.c[c.name] for c in cols]))
                .on_conflict_do_nothing(index_elements=["tenant_id", "carrier", "event_id"])
                .returning(_c.event_id))
        return {eid for (eid,) in self.conn.execute(stmt)}

    def orphans_for(self, tenant_id: str, refs: Sequence[ShipmentRef]) -> list[
            tuple[Checkpoint, ShipmentRef]]:
        """Orphan checkpoints of these shipments' waybills (taken under row locks on
        PostgreSQL, so two matchers cannot both attach one)."""
        by_key = {(r.carrier, r.waybill): r for r in refs if r.waybill}
        if not by_key:
            return []
        q = (select(t.carrier_checkpoints)
             .where(_c.tenant_id == tenant_id,
                    _c.carrier.in_(bindparam("b_carrier", expanding=True)),
                    _c.waybill.in_(bindparam("b_wb", expanding=True)),
                    _c.matched_at.is_(None))
             .order_by(_c.id).with_for_update())
        out = []
        for m in self.conn.execute(q, {"b_carrier": sorted({c for c, _ in by_key}),
                                       "b_wb": sorted({w for _, w in by_key})}).mappings():
            ref = by_key.get((m["carrier"], m["waybill"]))
            if ref is not None:
                out.append((_checkpoint(m), ref))
        return out

    def mark_matched(self, tenant_id: str, matched: Sequence[tuple[Checkpoint, ShipmentRef]],
                     now: datetime) -> None:
        if not matched:
            return
        stmt = (update(t.carrier_checkpoints)
                .where(and_(_c.tenant_id == bindparam("b_tenant"),
                            _c.carrier == bindparam("b_carrier"),
                            _c.event_id == bindparam("b_event")))
                .values(order_id=bindparam("b_order"), shipment_id=bindparam("b_shipment"),
                        matched_at=bindparam("b_at")))
        self.conn.execute(stmt, [{"b_tenant": tenant_id, "b_carrier": c.carrier,
                                  "b_event": c.event_id, "b_order": r.order_id,
                                  "b_shipment": r.shipment_id, "b_at": now}
                                 for c, r in matched])

    def matchable_orphans(self, received_since: datetime,
                          limit: int) -> list[tuple[str, ShipmentRef]]:
        """(tenant, shipment) pairs whose waybill has orphan checkpoints received since
        `received_since`, across tenants: what the tracking-match job retries (found by
        the orphans index, then each waybill by the shipments' one). A waybill matches only
        within its own tenant."""
        q = (select(_c.tenant_id, _s.order_id, _s.id, _s.carrier_service, _s.waybill,
                    _c.carrier)
             .select_from(t.carrier_checkpoints.join(
                 t.shipments, and_(_s.tenant_id == _c.tenant_id, _s.waybill == _c.waybill)))
             .where(_c.matched_at.is_(None), _c.received_at >= received_since)
             .distinct().limit(limit))
        out = []
        for tenant_id, order_id, sid, service, waybill, carrier in self.conn.execute(q):
            if carrier_of(service) == carrier:
                out.append((tenant_id, ShipmentRef(order_id, sid, carrier, waybill)))
        return out

    def for_order(self, tenant_id: str, order_id: str) -> list[StoredCheckpoint]:
        q = (select(t.carrier_checkpoints)
             .where(_c.tenant_id == tenant_id, _c.order_id == order_id)
             .order_by(_c.at, _c.id))
        return [_stored(m) for m in self.conn.execute(q).mappings()]

    def orphan_count(self, tenant_id: str) -> int:
        return int(self.conn.execute(select(func.count()).where(
            _c.tenant_id == tenant_id, _c.matched_at.is_(None))).scalar_one())

    # ----- signing secrets ------------------------------------------------------------------
    def secret(self, tenant_id: str, carrier: str) -> str | None:
        stored = self.conn.execute(select(_k.secret).where(
            _k.tenant_id == tenant_id, _k.carrier == carrier)).scalar_one_or_none()
        if stored is None:
            return None
        return self.pii.decrypt_text(tenant_id, _secret_field(carrier), stored)

    def set_secret(self, tenant_id: str, carrier: str, secret: str, now: datetime) -> bool:
        """Set or replace the carrier's secret; returns whether one was replaced."""
        sealed = self.pii.encrypt_text(tenant_id, _secret_field(carrier), secret)
        done = self.conn.execute(update(t.carrier_tracking_secrets).where(
            _k.tenant_id == tenant_id, _k.carrier == carrier).values(
            secret=sealed, updated_at=now))
        if done.rowcount:
            return True
        self.conn.execute(t.carrier_tracking_secrets.insert().values(
            tenant_id=tenant_id, carrier=carrier, secret=sealed, created_at=now,
            updated_at=now))
        return False

    def reencrypt_secrets(self, tenant_id: str) -> int:
        """Secrets not under the tenant's newest data key, rewritten under it."""
        version = self.pii.current_version(tenant_id)
        rows = self.conn.execute(select(_k.carrier, _k.secret).where(
            _k.tenant_id == tenant_id,
            ~_k.secret.startswith(f"p1.{version}.", autoescape=True))).all()
        for carrier, stored in rows:
            field = _secret_field(carrier)
            clear = self.pii.decrypt_text(tenant_id, field, stored)
            self.conn.execute(update(t.carrier_tracking_secrets).where(
                _k.tenant_id == tenant_id, _k.carrier == carrier).values(
                secret=self.pii.encrypt_text(tenant_id, field, clear)))
        return len(rows)
