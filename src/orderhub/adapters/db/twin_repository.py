"""The order twin's storage: SLA policy versions, each open order's twin row (kept by the
`twin` consumer) and the alerts raised on orders.

Written in bulk: a consumer batch upserts its twins in one statement; the stall sweep reads
only rows whose `watch_at` has passed (a partial index); two sweepers serialise on the
orders' row locks, and an alert is unique per order, kind and stage pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from orderhub.adapters.db import tables as t
from orderhub.adapters.db.batching import chunks
from orderhub.adapters.db.order_repository import OrderRepository

_p = t.sla_policies.c
_w = t.order_twins.c
_a = t.order_alerts.c

TWIN_COLUMNS = [c.name for c in t.order_twins.columns]
ALERT_COLUMNS = [c.name for c in t.order_alerts.columns]


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    tenant_id: str
    version: int
    document: dict[str, Any]
    reason: str
    created_by: str
    created_at: datetime


def _visible(tenant_id: str, warehouses: frozenset[str]) -> Any:
    """The ids of the tenant's orders a caller bound to `warehouses` may see."""
    return select(t.orders.c.id).where(t.orders.c.tenant_id == tenant_id,
                                       OrderRepository.released_to(warehouses))


class TwinRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # ----- SLA policies ---------------------------------------------------------------------
    def policy(self, tenant_id: str) -> PolicyVersion | None:
        row = self.conn.execute(
            select(t.sla_policies).where(_p.tenant_id == tenant_id)
            .order_by(_p.version.desc()).limit(1)).mappings().first()
        return PolicyVersion(**row) if row else None

    def policy_version(self, tenant_id: str, version: int) -> PolicyVersion | None:
        row = self.conn.execute(select(t.sla_policies).where(
            _p.tenant_id == tenant_id, _p.version == version)).mappings().first()
        return PolicyVersion(**row) if row else None

    def policy_versions(self, tenant_id: str) -> list[PolicyVersion]:
        rows = self.conn.execute(select(t.sla_policies).where(_p.tenant_id == tenant_id)
                                 .order_by(_p.version.desc())).mappings()
        return [PolicyVersion(**r) for r in rows]

    def policy_heads(self, tenant_ids: Sequence[str]) -> dict[str, int]:
        """Each tenant's version in force (absent: the built-in policy), in one query."""
        if not tenant_ids:
            return {}
        rows = self.conn.execute(select(_p.tenant_id, func.max(_p.version))
                                 .where(_p.tenant_id.in_(list(tenant_ids)))
                                 .group_by(_p.tenant_id))
        return {r[0]: int(r[1]) for r in rows}

    def add_policy(self, p: PolicyVersion) -> None:
        """A new version; a concurrent writer of the same version loses (unique key)."""
        self.conn.execute(t.sla_policies.insert().values(
            tenant_id=p.tenant_id, version=p.version, document=p.document, reason=p.reason,
            created_by=p.created_by, created_at=p.created_at))

    # ----- twins ----------------------------------------------------------------------------
    def twins(self, tenant_id: str, order_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not order_ids:
            return {}
        rows = self.conn.execute(select(t.order_twins).where(
            _w.tenant_id == tenant_id, _w.order_id.in_(list(order_ids)))).mappings()
        return {r["order_id"]: dict(r) for r in rows}

    def save_twins(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert or replace twins, one statement for the batch."""
        if not rows:
            return
        insert = pg_insert if self.conn.dialect.name == "postgresql" else sqlite_insert
        stmt = insert(t.order_twins)
        values: dict[str, Any] = {c: stmt.excluded[c] for c in TWIN_COLUMNS
                                  if c != "order_id"}
        # A stall already raised for this stage pass (the sweep cleared watch_at) stays
        # raised, whatever this writer read before: evaluated on the row as it is now.
        same_pass = ((t.order_twins.c.next_stage == stmt.excluded.next_stage)
                     & (t.order_twins.c.stage_entered_at == stmt.excluded.stage_entered_at))
        values["watch_at"] = case((t.order_twins.c.watch_at.is_(None) & same_pass, None),
                                  else_=stmt.excluded.watch_at)
        stmt = stmt.on_conflict_do_update(index_elements=["order_id"], set_=values)
        self.conn.execute(stmt, [dict(r) for r in rows])

    def due_watches(self, now: datetime, limit: int) -> list[dict[str, Any]]:
        """Twins whose step in progress passed its window, oldest first. Not locked here:
        the sweep locks their orders first (the order every writer locks in) and reads
        the twins again under those locks."""
        q = (select(t.order_twins).where(_w.watch_at.is_not(None), _w.watch_at <= now)
             .order_by(_w.watch_at).limit(limit))
        return [dict(r) for r in self.conn.execute(q).mappings()]

    def due_for_rescore(self, now: datetime, updated_before: datetime,
                        limit: int) -> list[tuple[str, str]]:
        """(tenant, order) of open twins whose next step is overdue and that were not
        recomputed since `updated_before`, least recently first (partial index on the
        due time of open twins)."""
        q = (select(_w.tenant_id, _w.order_id)
             .where(_w.finished_at.is_(None), _w.next_due_at <= now,
                    _w.updated_at <= updated_before)
             .order_by(_w.updated_at).limit(limit))
        return [(r[0], r[1]) for r in self.conn.execute(q)]

    def set_watch(self, order_ids: Sequence[str], watch_at: datetime | None) -> None:
        if order_ids:
            self.conn.execute(update(t.order_twins).where(_w.order_id.in_(list(order_ids)))
                              .values(watch_at=watch_at))

    def order_facts(self, tenant_id: str, order_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """What the twin reads of each order, in two statements and without decrypting
        anything: status, channel, service level, promise, tier, holds, shipments."""
        if not order_ids:
            return {}
        o, s = t.orders.c, t.shipments.c
        out: dict[str, dict[str, Any]] = {}
        for chunk in chunks(sorted(set(order_ids))):
            # the customer's tier and the destination's province are read out of their
            # documents by the database (no decoding of whole documents per order)
            rows = self.conn.execute(select(
                o.id, o.status, o.channel, o.service_level, o.promised_delivery,
                o.customer["tier"].as_string().label("tier"), o.hold_reasons, o.created_at,
                o.shipping_address["province"].as_string().label("province"))
                .where(o.tenant_id == tenant_id, o.id.in_(chunk))).mappings()
            for r in rows:
                out[r["id"]] = {**r, "tier": r["tier"] or "", "province": r["province"] or "",
                                "shipments": []}
            ships = self.conn.execute(select(s.order_id, s.id, s.warehouse, s.status,
                                             s.carrier_service)
                                      .where(s.order_id.in_(chunk)).order_by(s.id))
            for oid, sid, wh, status, service in ships:
                if oid in out:
                    out[oid]["shipments"].append((sid, wh, status, service))
        return out

    def order_statuses(self, order_ids: Sequence[str]) -> dict[str, str]:
        """The orders' statuses as stored now (the twin may lag the event stream)."""
        if not order_ids:
            return {}
        rows = self.conn.execute(select(t.orders.c.id, t.orders.c.status)
                                 .where(t.orders.c.id.in_(list(order_ids))))
        return {r[0]: r[1] for r in rows}

    def list_twins(self, tenant_id: str, *, max_health: int | None = None,
                   min_risk: float | None = None, stage: str | None = None,
                   warehouse: str | None = None, limit: int = 50,
                   after: tuple[int, str] | None = None,
                   warehouses: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
        """Open orders' twins, least healthy first (keyset pagination on health, id); a
        caller bound to `warehouses` sees only orders released to them."""
        q = select(t.order_twins).where(_w.tenant_id == tenant_id, _w.finished_at.is_(None))
        if warehouses:
            q = q.where(_w.order_id.in_(_visible(tenant_id, warehouses)))
        if max_health is not None:
            q = q.where(_w.health <= max_health)
        if min_risk is not None:
            q = q.where(_w.risk >= min_risk)
        if stage:
            q = q.where(_w.stage == stage)
        if warehouse:
            q = q.where(_w.warehouse == warehouse)
        if after is not None:
            q = q.where((_w.health > after[0]) | ((_w.health == after[0])
                                                  & (_w.order_id > after[1])))
        q = q.order_by(_w.health, _w.order_id).limit(limit)
        return [dict(r) for r in self.conn.execute(q).mappings()]

    # ----- alerts ---------------------------------------------------------------------------
    def add_alerts(self, rows: Sequence[dict[str, Any]]) -> set[str]:
        """New alerts; one already raised for the same order, kind and stage pass (open or
        resolved) is left as it is. Returns the ids actually stored."""
        if not rows:
            return set()
        insert = pg_insert if self.conn.dialect.name == "postgresql" else sqlite_insert
        stored: set[str] = set()
        for row in rows:  # few at a time (alerts are rare); RETURNING says which were new
            result = self.conn.execute(insert(t.order_alerts).values(**row)
                                       .on_conflict_do_nothing().returning(_a.id))
            stored.update(r[0] for r in result)
        return stored

    def alert_passes(self, tenant_id: str, order_ids: Sequence[str],
                     kind: str) -> set[tuple[str, str, datetime]]:
        """(order, stage, pass start) of every alert of `kind`, open or resolved."""
        if not order_ids:
            return set()
        rows = self.conn.execute(select(_a.order_id, _a.stage, _a.pass_started_at).where(
            _a.tenant_id == tenant_id, _a.kind == kind, _a.order_id.in_(list(order_ids))))
        return {(r[0], r[1], r[2]) for r in rows}

    def alert_ids(self, tenant_id: str, ids: Sequence[str]) -> set[str]:
        if not ids:
            return set()
        rows = self.conn.execute(select(_a.id).where(_a.tenant_id == tenant_id,
                                                     _a.id.in_(list(ids))))
        return {r[0] for r in rows}

    def open_alerts(self, tenant_id: str, order_ids: Sequence[str]) -> list[dict[str, Any]]:
        if not order_ids:
            return []
        rows = self.conn.execute(select(t.order_alerts).where(
            _a.tenant_id == tenant_id, _a.order_id.in_(list(order_ids)),
            _a.state != "resolved").order_by(_a.raised_at)).mappings()
        return [dict(r) for r in rows]

    def resolve_alerts(self, ids: Sequence[str], at: datetime, resolution: str) -> None:
        if ids:
            self.conn.execute(update(t.order_alerts).where(_a.id.in_(list(ids)))
                              .values(state="resolved", resolved_at=at, resolution=resolution,
                                      escalate_at=None))

    def due_escalations(self, now: datetime, limit: int, *,
                        ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """Open alerts whose escalation time passed (`ids`: only these). Not locked: the
        sweep locks their orders first, then reads them again."""
        q = select(t.order_alerts).where(_a.state == "open", _a.escalate_at.is_not(None),
                                         _a.escalate_at <= now)
        if ids is not None:
            q = q.where(_a.id.in_(list(ids)))
        return [dict(r) for r in self.conn.execute(q.order_by(_a.escalate_at)
                                                   .limit(limit)).mappings()]

    def escalate(self, alert_id: str, level: int, team: str,
                 escalate_at: datetime | None) -> None:
        self.conn.execute(update(t.order_alerts).where(_a.id == alert_id).values(
            level=level, team=team, escalate_at=escalate_at))

    def alert(self, tenant_id: str, alert_id: str, *, lock: bool = False) -> (
            dict[str, Any] | None):
        q = select(t.order_alerts).where(_a.tenant_id == tenant_id, _a.id == alert_id)
        if lock and self.conn.dialect.name == "postgresql":
            q = q.with_for_update()
        row = self.conn.execute(q).mappings().first()
        return dict(row) if row else None

    def acknowledge(self, alert_id: str, by: str, at: datetime) -> None:
        self.conn.execute(update(t.order_alerts).where(_a.id == alert_id).values(
            state="acknowledged", acknowledged_by=by, acknowledged_at=at, escalate_at=None))

    def list_alerts(self, tenant_id: str, *, state: str | None = None,
                    kind: str | None = None, team: str | None = None,
                    order_id: str | None = None, limit: int = 50,
                    before: tuple[datetime, str] | None = None,
                    warehouses: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
        """Newest first (keyset pagination on raised_at, id); a caller bound to
        `warehouses` sees only alerts of orders released to them."""
        q = select(t.order_alerts).where(_a.tenant_id == tenant_id)
        if warehouses:
            q = q.where(_a.order_id.in_(_visible(tenant_id, warehouses)))
        if state == "unresolved":
            q = q.where(_a.state != "resolved")
        elif state:
            q = q.where(_a.state == state)
        if kind:
            q = q.where(_a.kind == kind)
        if team:
            q = q.where(_a.team == team)
        if order_id:
            q = q.where(_a.order_id == order_id)
        if before is not None:
            q = q.where((_a.raised_at < before[0]) | ((_a.raised_at == before[0])
                                                      & (_a.id < before[1])))
        q = q.order_by(_a.raised_at.desc(), _a.id.desc()).limit(limit)
        return [dict(r) for r in self.conn.execute(q).mappings()]

    # ----- alerts on the exception desk -------------------------------------------------
    def alerts_off_desk(self, *, order_ids: Sequence[str] | None = None,
                        limit: int = 500) -> list[dict[str, Any]]:
        """Unresolved alerts that never had an exception (`alert:<id>` as its source)."""
        e = t.exceptions.c
        q = select(t.order_alerts).where(
            _a.state.in_(["open", "acknowledged"]),
            ~select(e.id).where(e.tenant_id == _a.tenant_id, e.order_id == _a.order_id,
                                e.source == literal("alert:") + _a.id).exists())
        if order_ids is not None:
            q = q.where(_a.order_id.in_(list(order_ids)))
        q = q.order_by(_a.raised_at).limit(limit)
        return [dict(r) for r in self.conn.execute(q).mappings()]

    def desk_items_of_resolved_alerts(self, *, order_ids: Sequence[str] | None = None,
                                      limit: int = 500) -> list[tuple[str, str, str, str]]:
        """(tenant, order, source, resolution) of open exceptions whose alert resolved."""
        e = t.exceptions.c
        q = (select(e.tenant_id, e.order_id, e.source, _a.resolution)
             .join(t.order_alerts, (_a.tenant_id == e.tenant_id)
                   & (_a.order_id == e.order_id) & (e.source == literal("alert:") + _a.id))
             .where(e.state == "open", _a.state == "resolved"))
        if order_ids is not None:
            q = q.where(e.order_id.in_(list(order_ids)))
        return [(r[0], r[1], r[2], r[3] or "") for r in self.conn.execute(q.limit(limit))]

    def count_open(self, tenant_id: str,
                   warehouses: frozenset[str] = frozenset()) -> dict[str, int]:
        q = select(_a.kind, func.count()).where(_a.tenant_id == tenant_id,
                                                _a.state != "resolved")
        if warehouses:
            q = q.where(_a.order_id.in_(_visible(tenant_id, warehouses)))
        rows = self.conn.execute(q.group_by(_a.kind))
        return {r[0]: int(r[1]) for r in rows}
