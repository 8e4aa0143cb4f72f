"""The live network of a tenant as intake reads it, and the lock that keeps intake and
network changes apart.

`state()` gives validation and routing everything they read besides stock in one value
(`NetworkState`): carrier services with health, routing rules and validation checks, the
canary, region blocks, each site's picking queue. It is read inside the caller's
transaction and reused from a per-process cache while the tenant's network revision is
unchanged and the cache is younger than its time to live (queue counts drift in between;
the cache adds what this process plans, `note_planned`).

Serialisation: every network change (a site closed, reopened or resized, a carrier's state,
a lane table, a region block, a rule) first takes the tenant's network lock alone and bumps
`tenants.network_revision` (`bump()`); intake takes the same lock shared before it reads
anything else (`state()`), both held to commit. A change therefore waits for the intakes in
flight and then re-routes what they committed, and an intake that starts during a change
waits for it and then plans on the new network: no order commits to a site, carrier or
region closed under it. On PostgreSQL the lock is a transaction-scoped advisory lock (a
fair queue, so a steady stream of intake cannot starve a change); SQLite serialises writers
anyway.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Connection, func, select, text, update

from orderhub.adapters.db import tables as t
from orderhub.adapters.db.rule_repository import RuleRepository
from orderhub.adapters.db.stock_repository import StockRepository
from orderhub.domain.errors import InvalidInput
from orderhub.domain.routing.network import (
    DEMO_SERVICES,
    BlockDirection,
    CarrierService,
    RegionBlock,
    to_units,
)
from orderhub.domain.routing.state import Canary, NetworkState
from orderhub.domain.rules.effects import by_priority
from orderhub.domain.rules.model import (
    RoutingRule,
    is_check_doc,
    is_tier_doc,
    parse_rule,
)
from orderhub.domain.rules.rule_sets import parse_slice
from orderhub.domain.rules.validation import DEFAULT_RULES, Rule

log = logging.getLogger(__name__)


class StoredService(NamedTuple):
    """A stored carrier service and the operator's note on its state."""

    service: CarrierService
    note: str


class NetworkCache:
    """Per-process cache of each tenant's `NetworkState`, keyed by the network revision."""

    def __init__(self, ttl: float = 2.0) -> None:
        self.ttl = ttl
        self._states: dict[str, tuple[float, NetworkState]] = {}
        self._lock = threading.Lock()

    def get(self, tenant_id: str, revision: int) -> NetworkState | None:
        """The cached state if it is of `revision` and fresh; queue counts are a copy."""
        with self._lock:
            hit = self._states.get(tenant_id)
            if hit and hit[1].revision == revision and time.monotonic() - hit[0] < self.ttl:
                return replace(hit[1], backlog=dict(hit[1].backlog))
        return None

    def put(self, tenant_id: str, state: NetworkState) -> None:
        with self._lock:
            self._states[tenant_id] = (time.monotonic(), replace(state,
                                                                 backlog=dict(state.backlog)))

    def note_planned(self, tenant_id: str, sites: list[str]) -> None:
        """Orders just planned join their sites' queues, so the next batch sees them (an
        order whose transaction rolls back is corrected at the next read)."""
        with self._lock:
            hit = self._states.get(tenant_id)
            if hit:
                backlog = hit[1].backlog
                for code in sites:
                    backlog[code] = backlog.get(code, 0) + 1

    def invalidate(self) -> None:
        with self._lock:
            self._states.clear()


class NetworkRepository:
    def __init__(self, conn: Connection, cache: NetworkCache | None = None) -> None:
        self.conn = conn
        self.cache = cache
        self._rules = RuleRepository(conn)
        self._changed: set[str] = set()  # tenants whose network this transaction changed
        self._shared: set[str] = set()  # tenants whose network lock it holds shared

    # ----- the lock between intake and network changes -----------------------------------
    def lock_for_intake(self, tenant_id: str) -> None:
        """Hold network changes off until this transaction ends: the shared network lock.
        A transaction that runs the pipeline takes it first, before any row lock: one that
        locked order or stock rows before asking for it could deadlock with a change that
        holds the lock alone and waits for those rows."""
        if tenant_id in self._shared or tenant_id in self._changed:
            return
        self._network_lock(tenant_id, shared=True)
        self._shared.add(tenant_id)

    def revision(self, tenant_id: str, *, share_lock: bool = False) -> int | None:
        """The tenant's network revision (None: no such tenant). With `share_lock`, network
        changes wait until this transaction ends; the revision is read after the lock is
        granted, so it is the one in force."""
        if share_lock:
            self.lock_for_intake(tenant_id)
        c = t.tenants.c
        row = self.conn.execute(select(c.network_revision).where(c.id == tenant_id)).first()
        return None if row is None else int(row[0])

    def bump(self, tenant_id: str) -> None:
        """Record that the network changes in this transaction: waits for the intakes in
        flight, holds them off until commit, and moves the revision on."""
        self._network_lock(tenant_id, shared=False)
        c = t.tenants.c
        self.conn.execute(update(t.tenants).where(c.id == tenant_id).values(
            network_revision=c.network_revision + 1))
        self._changed.add(tenant_id)

    def _network_lock(self, tenant_id: str, *, shared: bool) -> None:
        """A transaction-scoped advisory lock per tenant on PostgreSQL: intake shares it, a
        network change takes it alone. Unlike a share row lock, the lock queue is fair: a
        change waiting for it holds off new intakes instead of being starved by them.
        SQLite needs none: its writers are serialised (BEGIN IMMEDIATE)."""
        if self.conn.dialect.name != "postgresql":
            return
        fn = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        # Keyed by the schema too: advisory locks are per database, and deployments (or test
        # runs) in separate schemas of one database must not queue behind each other.
        self.conn.execute(text(f"SELECT {fn}(:key, hashtext(current_schema()))"),
                          {"key": _lock_key(tenant_id)})

    # ----- the state -----------------------------------------------------------------------
    def state(self, tenant_id: str) -> NetworkState | None:
        """The network in force for a batch of intake (None: no such tenant), read under the
        share lock; from the cache when it holds this revision."""
        revision = self.revision(tenant_id, share_lock=True)
        if revision is None:
            return None
        if self.cache is not None and tenant_id not in self._changed:
            hit = self.cache.get(tenant_id, revision)
            if hit is not None:
                return hit
        state = self.load(tenant_id, revision)
        # A state read after this transaction changed the network is not committed yet:
        # never share it with other transactions.
        if self.cache is not None and tenant_id not in self._changed:
            self.cache.put(tenant_id, state)
        return state

    def note_planned(self, tenant_id: str, sites: list[str]) -> None:
        if self.cache is not None:
            self.cache.note_planned(tenant_id, sites)

    def load(self, tenant_id: str, revision: int = 0) -> NetworkState:
        """Read the whole state now (no cache, no lock)."""
        services = self.services(tenant_id)
        rules = self.routing_rules(tenant_id)
        blocks = self.blocks(tenant_id)
        canary = self.canary(tenant_id, rules)
        fingerprint = "|".join(
            [f"{s.code}:{s.state.value}:{s.delay_days}" for s in services]
            + [f"{r.code}@{r.version}" for r in rules]
            + [f"{b.area}/{b.direction.value}" for b in blocks]
            + ([f"canary@{canary.version}"] if canary else []))
        version = hashlib.sha256(fingerprint.encode()).hexdigest()[:10]
        rule_skus = sorted({s for r in [*rules, *(canary.rules if canary else [])]
                            for s in r.when.skus})
        levels = StockRepository(self.conn).levels(tenant_id, rule_skus) if rule_skus else {}
        state = NetworkState(services, rules, blocks, self.site_backlog(tenant_id), version,
                             canary, {k: lv.atp for k, lv in levels.items()},
                             self.checks(tenant_id), revision)
        return self._with_sellout(tenant_id, state)

    def _with_sellout(self, tenant_id: str, state: NetworkState) -> NetworkState:
        """Planning's optional routing term: only when the tenant set a sell-out penalty,
        the latest forecast run's units per (SKU, warehouse) over its next three days
        from today (the database's date)."""
        row = self.conn.execute(select(t.planning_settings.c.settings).where(
            t.planning_settings.c.tenant_id == tenant_id)).first()
        try:
            penalty = Decimal(str((row[0] or {}).get("routing_sellout_penalty", "0"))) \
                if row else Decimal(0)
        except ArithmeticError:
            penalty = Decimal(0)
        if penalty <= 0:
            return state
        r, p = t.forecast_runs.c, t.forecast_points.c
        run = self.conn.execute(select(r.id).where(r.tenant_id == tenant_id).order_by(
            r.created_at.desc(), r.id.desc()).limit(1)).scalar()
        if run is None:
            return state
        days = [d for (d,) in self.conn.execute(
            select(p.day).where(p.run_id == run, p.tenant_id == tenant_id,
                               p.level == "sku_location", p.day >= func.current_date())
            .group_by(p.day).order_by(p.day).limit(3))]
        sellout: dict[tuple[str, str], float] = {}
        if days:
            for sku, loc, units in self.conn.execute(
                    select(p.sku, p.location, func.sum(p.mean)).where(
                        p.run_id == run, p.tenant_id == tenant_id,
                        p.level == "sku_location", p.location_kind == "warehouse",
                        p.day.in_(days)).group_by(p.sku, p.location)):
                if units and units > 0:
                    sellout[(sku, loc)] = float(units)
        return replace(state, sellout=sellout, sellout_penalty_units=to_units(penalty))

    # ----- its parts -----------------------------------------------------------------------
    def services(self, tenant_id: str) -> list[CarrierService]:
        c = t.carrier_services.c
        rows = self.conn.execute(select(t.carrier_services).where(c.tenant_id == tenant_id)
                                 .order_by(c.code)).mappings().all()
        return [service_of(r) for r in rows] if rows else list(DEMO_SERVICES)

    # ----- carrier services as stored (the demo ones until a tenant is seeded) ------------
    def stored_services(self, tenant_id: str) -> list[StoredService]:
        """The tenant's stored services with their notes, by code (empty: not seeded)."""
        c = t.carrier_services.c
        rows = self.conn.execute(select(t.carrier_services).where(c.tenant_id == tenant_id)
                                 .order_by(c.code)).mappings().all()
        return [StoredService(service_of(r), r["note"]) for r in rows]

    def stored_service(self, tenant_id: str, code: str) -> StoredService | None:
        c = t.carrier_services.c
        row = self.conn.execute(select(t.carrier_services).where(
            c.tenant_id == tenant_id, c.code == code)).mappings().first()
        return None if row is None else StoredService(service_of(row), row["note"])

    def seed_services(self, tenant_id: str, at: datetime) -> None:
        """Store the demo services for a tenant that has none yet, so they can be changed."""
        c = t.carrier_services.c
        if self.conn.execute(select(c.code).where(c.tenant_id == tenant_id).limit(1)).first():
            return
        self.conn.execute(t.carrier_services.insert(), [
            {"tenant_id": tenant_id, "code": s.code, "carrier": s.carrier,
             "service": s.service,
             "first_kg": {str(k): str(v) for k, v in s.first_kg.items()},
             "extra_kg": {str(k): str(v) for k, v in s.extra_kg.items()},
             "transit_days": {str(k): v for k, v in s.transit_days.items()},
             "lanes": _lanes_doc(s.lanes), "delay_days": s.delay_days, "max_kg": s.max_kg,
             "healthy": s.healthy, "note": "", "updated_at": at} for s in DEMO_SERVICES])

    def set_lanes(self, tenant_id: str, code: str, lanes: Mapping[tuple[str, str], int],
                  at: datetime) -> bool:
        """Replace a service's lane table; False when the tenant has no such service."""
        c = t.carrier_services.c
        result = self.conn.execute(update(t.carrier_services).where(
            c.tenant_id == tenant_id, c.code == code).values(
            lanes=_lanes_doc(lanes), updated_at=at))
        return bool(result.rowcount == 1)

    def routing_rules(self, tenant_id: str, *, enabled_only: bool = True
                      ) -> list[RoutingRule]:
        return self._rules.routing_rules(tenant_id, enabled_only=enabled_only)

    def checks(self, tenant_id: str) -> list[Rule]:
        """The tenant's validation checks, or the defaults while it has stored none."""
        return self._rules.checks(tenant_id) or list(DEFAULT_RULES)

    def blocks(self, tenant_id: str) -> list[RegionBlock]:
        b = t.region_blocks.c
        rows = self.conn.execute(select(b.area, b.direction, b.reason).where(
            b.tenant_id == tenant_id, b.active.is_(True)).order_by(b.id)).all()
        return [RegionBlock(area, BlockDirection(direction), reason)
                for area, direction, reason in rows]

    def site_backlog(self, tenant_id: str) -> dict[str, int]:
        """Open orders per site: planned shipments (allocated, released, picked, packed)."""
        s = t.shipments.c
        rows = self.conn.execute(select(s.warehouse, func.count()).where(
            s.tenant_id == tenant_id, s.status == "planned").group_by(s.warehouse)).all()
        return {code: int(n) for code, n in rows}

    # ----- changes ---------------------------------------------------------------------
    def set_carrier_state(self, tenant_id: str, code: str, *, healthy: bool,
                          delay_days: int, note: str, at: datetime) -> bool:
        c = t.carrier_services.c
        result = self.conn.execute(update(t.carrier_services).where(
            c.tenant_id == tenant_id, c.code == code).values(
            healthy=healthy, delay_days=delay_days, note=note, updated_at=at))
        return bool(result.rowcount == 1)

    def active_block(self, tenant_id: str, area: str, direction: str) -> int | None:
        """The id of the active block on `area` in `direction`, if any."""
        b = t.region_blocks.c
        row = self.conn.execute(select(b.id).where(
            b.tenant_id == tenant_id, b.area == area, b.direction == direction,
            b.active.is_(True))).first()
        return None if row is None else int(row[0])

    def add_block(self, tenant_id: str, area: str, direction: str, *, reason: str,
                  actor: str, at: datetime) -> int:
        b = t.region_blocks.c
        return int(self.conn.execute(t.region_blocks.insert().values(
            tenant_id=tenant_id, area=area, direction=direction, reason=reason,
            active=True, created_by=actor, created_at=at).returning(b.id)).scalar_one())

    def lift_block(self, tenant_id: str, block_id: int, *, actor: str, at: datetime) -> None:
        b = t.region_blocks.c
        self.conn.execute(update(t.region_blocks).where(
            b.tenant_id == tenant_id, b.id == block_id).values(
            active=False, lifted_by=actor, lifted_at=at))

    def block_view(self, tenant_id: str, block_id: int) -> dict[str, Any] | None:
        b = t.region_blocks.c
        row = self.conn.execute(select(t.region_blocks).where(
            b.tenant_id == tenant_id, b.id == block_id)).mappings().first()
        return None if row is None else _block_view(row)

    def block_views(self, tenant_id: str, *, active_only: bool = True
                    ) -> list[dict[str, Any]]:
        b = t.region_blocks.c
        q = select(t.region_blocks).where(b.tenant_id == tenant_id)
        if active_only:
            q = q.where(b.active.is_(True))
        return [_block_view(r) for r in self.conn.execute(q.order_by(b.id)).mappings()]

    def canary(self, tenant_id: str, live: list[RoutingRule] | None = None) -> Canary | None:
        """The canary's routing rules and checks; a set without routing rules (checks only)
        routes its slice by the live ones."""
        rs = t.rule_sets.c
        row = self.conn.execute(select(rs.version, rs.slice, rs.rules).where(
            rs.tenant_id == tenant_id, rs.state == "canary")).first()
        if row is None or not row[1]:
            return None
        rules: list[RoutingRule] = []
        checks: list[RoutingRule] = []
        tiers: list[RoutingRule] = []
        for doc in row[2]:
            try:
                rule = parse_rule(doc)
            except InvalidInput:  # validated when the set was made
                log.error("canary v%s: rule %s skipped", row[0], doc.get("code"))
                continue
            (checks if rule.is_check else tiers if rule.is_tier else rules).append(rule)
        has_routing = any(not is_check_doc(d) and not is_tier_doc(d) for d in row[2])
        return Canary(row[0], parse_slice(row[1]),
                      by_priority(rules) if has_routing else by_priority(live or []),
                      tuple(checks), tuple(tiers))


def _block_view(row: Any) -> dict[str, Any]:
    return {"id": row["id"], "area": row["area"], "direction": row["direction"],
            "reason": row["reason"], "active": row["active"], "created_by": row["created_by"],
            "created_at": row["created_at"], "lifted_by": row["lifted_by"],
            "lifted_at": row["lifted_at"]}


def _lock_key(tenant_id: str) -> int:
    """A stable signed 32-bit key for the tenant's network lock (the schema is the other)."""
    digest = hashlib.blake2b(f"orderhub.network:{tenant_id}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


def _lanes(doc: Mapping[str, Any]) -> dict[tuple[str, str], int]:
    out = {}
    for key, days in (doc or {}).items():
        origin, _, dest = key.partition(">")
        out[(origin, dest)] = int(days)
    return out


def _lanes_doc(lanes: Mapping[tuple[str, str], int]) -> dict[str, int]:
    return {f"{o}>{d}": days for (o, d), days in sorted(lanes.items())}


def service_of(row: Any) -> CarrierService:
    """A stored carrier service row as the router's value."""
    def zones(doc: dict[str, Any], cast: Callable[[Any], Any]) -> dict[int, Any]:
        return {int(k): cast(v) for k, v in doc.items()}

    return CarrierService(row["carrier"], row["service"], zones(row["first_kg"], Decimal),
                          zones(row["extra_kg"], Decimal), zones(row["transit_days"], int),
                          bool(row["healthy"]), _lanes(row["lanes"]), int(row["delay_days"]),
                          None if row["max_kg"] is None
                          else Decimal(row["max_kg"]).quantize(Decimal("0.01")))


__all__ = ["NetworkCache", "NetworkRepository", "StoredService", "service_of"]

