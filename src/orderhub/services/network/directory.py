"""The live routing network of a tenant, as the router reads it: carrier services with their
health, enabled routing rules, active region blocks and each site's picking queue.

Read with the caller's own connection (inside its transaction) and cached per tenant for
`ttl` seconds, so a batch of intake costs no extra queries; operator changes through the
API invalidate the cache at once. Queue counts are re-read every `ttl` seconds; in between,
the strategy adds each order it routes to the cached counts (`note_planned`), so the next
batch sees them (an order whose transaction then rolls back is corrected by the next read).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from orderhub.adapters.db import tables as t
from orderhub.adapters.db.stock_repository import StockRepository
from orderhub.domain.errors import InvalidInput
from orderhub.domain.routing.network import BlockDirection, RegionBlock
from orderhub.domain.routing.strategy import Canary, NetworkState
from orderhub.domain.rules.effects import by_priority
from orderhub.domain.rules.model import RoutingRule, is_check_doc, parse_rule
from orderhub.domain.rules.rule_sets import parse_slice
from orderhub.services.network.carriers import load_services

log = logging.getLogger(__name__)


def load_rules(conn: Connection, tenant_id: str, *, enabled_only: bool = True
               ) -> list[RoutingRule]:
    r = t.routing_rules.c
    query = select(t.routing_rules.c.doc, r.version, r.enabled).where(r.tenant_id == tenant_id)
    if enabled_only:
        query = query.where(r.enabled.is_(True))
    out = []
    for doc, version, enabled in conn.execute(query.order_by(r.code)):
        try:
            out.append(parse_rule({**doc, "enabled": enabled}, version=version))
        except InvalidInput as exc:  # validated when written; never let one stop intake
            log.error("routing rule %s v%s skipped: %s", doc.get("code"), version,
                      "; ".join(f"{e.loc}: {e.message}" for e in exc.errors))
    return by_priority(out)


def load_blocks(conn: Connection, tenant_id: str) -> list[RegionBlock]:
    b = t.region_blocks.c
    rows = conn.execute(select(b.area, b.direction, b.reason).where(
        b.tenant_id == tenant_id, b.active.is_(True)).order_by(b.id)).all()
    return [RegionBlock(area, BlockDirection(direction), reason)
            for area, direction, reason in rows]


def site_backlog(conn: Connection, tenant_id: str) -> dict[str, int]:
    """Open orders per site: planned shipments (allocated, released, picked, packed)."""
    s = t.shipments.c
    rows = conn.execute(select(s.warehouse, func.count()).where(
        s.tenant_id == tenant_id, s.status == "planned").group_by(s.warehouse)).all()
    return {code: int(n) for code, n in rows}


def load_canary(conn: Connection, tenant_id: str,
                live: list[RoutingRule] | None = None) -> Canary | None:
    """The canary's routing rules; a set without routing rules (checks only) routes its
    slice by the live ones."""
    rs = t.rule_sets.c
    row = conn.execute(select(rs.version, rs.slice, rs.rules).where(
        rs.tenant_id == tenant_id, rs.state == "canary")).first()
    if row is None:
        return None
    if not row[1]:
        return None
    rules: list[RoutingRule] = []
    checks: list[RoutingRule] = []
    for doc in row[2]:
        try:
            rule = parse_rule(doc)
        except InvalidInput:  # validated when the set was made
            log.error("canary v%s: rule %s skipped", row[0], doc.get("code"))
            continue
        (checks if rule.is_check else rules).append(rule)
    has_routing = not all(map(is_check_doc, row[2]))
    return Canary(row[0], parse_slice(row[1]),
                  by_priority(rules) if has_routing else by_priority(live or []),
                  tuple(checks))


def load_network(conn: Connection, tenant_id: str) -> NetworkState:
    services = load_services(conn, tenant_id)
    rules = load_rules(conn, tenant_id)
    blocks = load_blocks(conn, tenant_id)
    canary = load_canary(conn, tenant_id, rules)
    fingerprint = "|".join(
        [f"{s.code}:{s.state.value}:{s.delay_days}" for s in services]
        + [f"{r.code}@{r.version}" for r in rules]
        + [f"{b.area}/{b.direction.value}" for b in blocks]
        + ([f"canary@{canary.version}"] if canary else []))
    version = hashlib.sha256(fingerprint.encode()).hexdigest()[:10]
    rule_skus = sorted({s for r in [*rules, *(canary.rules if canary else [])]
                        for s in r.when.skus})
    levels = StockRepository(conn).levels(tenant_id, rule_skus) if rule_skus else {}
    return NetworkState(services, rules, blocks, site_backlog(conn, tenant_id), version,
                        canary, {k: lv.atp for k, lv in levels.items()})


class NetworkDirectory:
    """Per-tenant cache of `load_network`."""

    def __init__(self, ttl: float = 2.0) -> None:
        self.ttl = ttl
        self._cache: dict[str, tuple[float, NetworkState]] = {}
        self._lock = threading.Lock()

    def load(self, conn: Any, tenant_id: str, now: datetime) -> NetworkState:
        """The tenant's state; its queue counts are the caller's own copy."""
        with self._lock:
            hit = self._cache.get(tenant_id)
            if hit and time.monotonic() - hit[0] < self.ttl:
                return replace(hit[1], backlog=dict(hit[1].backlog))
        state = load_network(conn, tenant_id)
        with self._lock:
            self._cache[tenant_id] = (time.monotonic(), state)
            return replace(state, backlog=dict(state.backlog))

    def note_planned(self, tenant_id: str, sites: list[str]) -> None:
        with self._lock:
            hit = self._cache.get(tenant_id)
            if hit:
                backlog = hit[1].backlog
                for code in sites:
                    backlog[code] = backlog.get(code, 0) + 1

    def invalidate(self) -> None:
        with self._lock:
            self._cache.clear()
