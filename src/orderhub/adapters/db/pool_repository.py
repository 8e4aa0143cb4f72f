"""Group-buy pools' storage: the pooling policy's versions, pools and their members.

Concurrency (docs/pools.md): an intake adding an order and a closer closing a pool both
take the pool's row lock (`get(..., lock=True)`, `open_pool(..., lock=True)`), so a pool
is closed once and its count is exact; at most one pool is open per tenant, channel and
pickup point (partial unique index `uq_pools_open`), and an order is a member of one pool
at most (the members' key is the order)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from orderhub.adapters.db import tables as t
from orderhub.domain.pools.pool import Pool, PoolStatus

_p = t.pool_policies.c
_x = t.pools.c
_m = t.pool_members.c


@dataclass(frozen=True, slots=True)
class PoolPolicyVersion:
    tenant_id: str
    version: int
    document: dict[str, Any]
    reason: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PoolMember:
    order_id: str
    position: int
    distance_km: float
    joined_at: datetime


def _pool(r: Any) -> Pool:
    return Pool(r["id"], r["tenant_id"], r["channel"], r["pickup_site"], r["lat"], r["lon"],
                r["radius_km"], r["threshold"], r["opened_at"], r["closes_at"],
                r["policy_version"], PoolStatus(r["status"]), r["member_count"],
                r["close_reason"], r["closed_at"], r["closed_by"], list(r["deliveries"]))


class PoolRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # ----- policy ---------------------------------------------------------------------------
    def policy(self, tenant_id: str) -> PoolPolicyVersion | None:
        row = self.conn.execute(select(t.pool_policies).where(_p.tenant_id == tenant_id)
                                .order_by(_p.version.desc()).limit(1)).mappings().first()
        return PoolPolicyVersion(**row) if row else None

    def policy_head(self, tenant_id: str) -> int:
        found = self.conn.execute(select(func.max(_p.version))
                                  .where(_p.tenant_id == tenant_id)).scalar()
        return int(found or 0)

    def policy_version(self, tenant_id: str, version: int) -> PoolPolicyVersion | None:
        row = self.conn.execute(select(t.pool_policies).where(
            _p.tenant_id == tenant_id, _p.version == version)).mappings().first()
        return PoolPolicyVersion(**row) if row else None

    def policy_versions(self, tenant_id: str) -> list[PoolPolicyVersion]:
        rows = self.conn.execute(select(t.pool_policies).where(_p.tenant_id == tenant_id)
                                 .order_by(_p.version.desc())).mappings()
        return [PoolPolicyVersion(**r) for r in rows]

    def add_policy(self, p: PoolPolicyVersion) -> None:
        """A new version; a concurrent writer of the same version loses (primary key)."""
        self.conn.execute(t.pool_policies.insert().values(
            tenant_id=p.tenant_id, version=p.version, document=p.document, reason=p.reason,
            created_by=p.created_by, created_at=p.created_at))

    # ----- pools ----------------------------------------------------------------------------
    def open_pools(self, tenant_id: str, channels: Sequence[str], *,
                   lock: bool = False) -> list[Pool]:
        """The open pools of these channels (row-locked with `lock`, in (channel, pickup
        point) order: the order the intake's pooling stage locks them in)."""
        if not channels:
            return []
        q = (select(t.pools).where(_x.tenant_id == tenant_id, _x.status == "open",
                                   _x.channel.in_(sorted(set(channels))))
             .order_by(_x.channel, _x.pickup_site))
        if lock:
            q = q.with_for_update()
        return [_pool(r) for r in self.conn.execute(q).mappings()]

    def open_pool(self, tenant_id: str, channel: str, pickup_site: str, *,
                  lock: bool = False) -> Pool | None:
        q = select(t.pools).where(_x.tenant_id == tenant_id, _x.channel == channel,
                                  _x.pickup_site == pickup_site, _x.status == "open")
        if lock:
            q = q.with_for_update()
        row = self.conn.execute(q).mappings().first()
        return _pool(row) if row else None

    def get(self, tenant_id: str, pool_id: str, *, lock: bool = False) -> Pool | None:
        q = select(t.pools).where(_x.tenant_id == tenant_id, _x.id == pool_id)
        if lock:
            q = q.with_for_update()
        row = self.conn.execute(q).mappings().first()
        return _pool(row) if row else None

    def insert(self, pool: Pool) -> None:
        """A new open pool; IntegrityError when another is open for its channel and pickup
        point (the caller runs it in a savepoint and joins that one)."""
        self.conn.execute(t.pools.insert().values(
            id=pool.id, tenant_id=pool.tenant_id, channel=pool.channel,
            pickup_site=pool.pickup_site, lat=pool.lat, lon=pool.lon,
            radius_km=pool.radius_km, threshold=pool.threshold,
            policy_version=pool.policy_version, status=pool.status.value,
            member_count=pool.member_count, opened_at=pool.opened_at,
            closes_at=pool.closes_at, close_reason=pool.close_reason,
            closed_at=pool.closed_at, closed_by=pool.closed_by, deliveries=pool.deliveries))

    def save(self, pool: Pool) -> None:
        self.conn.execute(update(t.pools).where(_x.id == pool.id).values(
            status=pool.status.value, member_count=pool.member_count,
            close_reason=pool.close_reason, closed_at=pool.closed_at,
            closed_by=pool.closed_by, deliveries=pool.deliveries))

    def add_members(self, tenant_id: str, rows: Sequence[tuple[str, str, int, float]],
                    at: datetime) -> None:
        """(pool id, order id, position, distance) rows in one statement; IntegrityError
        when an order is already in a pool."""
        self.conn.execute(t.pool_members.insert(), [
            {"tenant_id": tenant_id, "pool_id": pid, "order_id": oid, "position": pos,
             "distance_km": km, "joined_at": at} for pid, oid, pos, km in rows])

    def members(self, tenant_id: str, pool_id: str) -> list[PoolMember]:
        rows = self.conn.execute(select(t.pool_members).where(
            _m.tenant_id == tenant_id, _m.pool_id == pool_id).order_by(_m.position)).mappings()
        return [PoolMember(r["order_id"], r["position"], r["distance_km"], r["joined_at"])
                for r in rows]

    def remove_members(self, tenant_id: str, pool_id: str, order_ids: Sequence[str]) -> None:
        """Members that left the pool (cancelled, edited: gone their own way)."""
        if order_ids:
            self.conn.execute(t.pool_members.delete().where(
                _m.tenant_id == tenant_id, _m.pool_id == pool_id,
                _m.order_id.in_(list(order_ids))))

    def pool_of(self, tenant_id: str, order_id: str) -> str | None:
        return self.conn.execute(select(_m.pool_id).where(
            _m.tenant_id == tenant_id, _m.order_id == order_id)).scalar()

    def pooled(self, tenant_id: str, order_ids: Sequence[str]) -> set[str]:
        """Which of these orders are already in a pool."""
        if not order_ids:
            return set()
        return set(self.conn.execute(select(_m.order_id).where(
            _m.tenant_id == tenant_id, _m.order_id.in_(list(order_ids)))).scalars())

    def search(self, tenant_id: str, *, status: str | None = None, channel: str | None = None,
             after: str | None = None, limit: int = 100) -> list[Pool]:
        q = select(t.pools).where(_x.tenant_id == tenant_id)
        if status:
            q = q.where(_x.status == status)
        if channel:
            q = q.where(_x.channel == channel)
        if after:
            q = q.where(_x.id < after)
        q = q.order_by(_x.id.desc()).limit(limit)
        return [_pool(r) for r in self.conn.execute(q).mappings()]

    def due(self, now: datetime, limit: int = 100) -> list[tuple[str, str]]:
        """(tenant, pool id) of open pools whose window has ended or that are full, every
        tenant (the close job's sweep)."""
        rows = self.conn.execute(select(_x.tenant_id, _x.id).where(
            _x.status == "open",
            (_x.closes_at <= now) | (_x.member_count >= _x.threshold))
            .order_by(_x.closes_at).limit(limit))
        return [(r[0], r[1]) for r in rows]
