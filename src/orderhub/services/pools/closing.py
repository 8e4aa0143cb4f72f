"""Closing a pool and routing it as one delivery (docs/pools.md).

A pool closes when its threshold is reached (at intake, `stage.py`), when its window ends
(the `pool-close` job, `close_due`) or when a person closes it (`close_pool`). Its members
still waiting (validated; a member cancelled or edited meanwhile went its own way) run the
intake pipeline once more with the pool's plan (`domain/pools/routing.PoolStrategy`): one
warehouse for all where stock allows, one consolidated delivery to the pickup point; each
order is reserved and allocated (or held) with its own events and timeline. `PoolClosed`
records the deliveries.

Exactly one close: the closer takes the tenant's network lock (shared, as intake does:
the same lock order), then the pool's row lock, and closes only a pool still open."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from orderhub.domain.errors import Conflict, NotFound
from orderhub.domain.events import PoolClosed
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import Order
from orderhub.domain.pools.pool import CloseReason, Pool
from orderhub.domain.pools.routing import PoolStrategy
from orderhub.services import audit
from orderhub.services.intake.pipeline import run_pipeline
from orderhub.services.unit_of_work import UnitOfWork, UowFactory

log = logging.getLogger(__name__)


def route_closed(uow: UnitOfWork, pool: Pool, now: datetime, actor: str,
                 presale_lock: timedelta) -> dict[str, Any]:
    """Route a pool just closed (in this unit of work) and record `PoolClosed`."""
    tenant = pool.tenant_id
    ids = [m.order_id for m in uow.pools.members(tenant, pool.id)]
    seen: dict[str, Order] = {o.id: o for o in uow.orders.seen()}
    missing = [i for i in ids if i not in seen]
    seen.update({o.id: o for o in uow.orders.get_many(tenant, missing, lock=True)})
    waiting = [seen[i] for i in ids if i in seen and seen[i].status == OrderStatus.VALIDATED]
    # Members cancelled or edited meanwhile went their own way: they leave the pool.
    uow.pools.remove_members(tenant, pool.id, [i for i in ids if i not in
                                               {o.id for o in waiting}])
    strategy = PoolStrategy(pool.id, waiting, (pool.lat, pool.lon))
    if waiting:
        run_pipeline(uow, tenant, waiting, strategy, now, actor, presale_lock)
    routed = {o.id for o in waiting if o.status == OrderStatus.ALLOCATED}
    deliveries = []
    for d in strategy.deliveries:
        orders = [oid for oid in d.orders if oid in routed]
        if orders:
            deliveries.append({**d.as_dict(), "orders": orders})
    pool.deliveries = deliveries
    pool.member_count = len(waiting)
    uow.pools.save(pool)
    unrouted = [o.id for o in waiting if o.id not in routed]
    uow.record(PoolClosed(tenant_id=tenant, occurred_at=now, actor=actor, pool_id=pool.id,
                          channel=pool.channel, pickup_site=pool.pickup_site,
                          close_reason=pool.close_reason, orders=[o.id for o in waiting],
                          deliveries=deliveries, unrouted=unrouted))
    return {"pool_id": pool.id, "close_reason": pool.close_reason,
            "orders": len(waiting), "routed": len(routed), "unrouted": unrouted,
            "deliveries": deliveries}


def _close(uow: UnitOfWork, tenant_id: str, pool_id: str, now: datetime, actor: str,
           presale_lock: timedelta, manual: bool, why: str = "") -> dict[str, Any] | None:
    # Lock order: the network lock (shared) first, then the pool's row, then its members'
    # order rows (route_closed): the order an intake that closes a pool takes them in.
    uow.network.lock_for_intake(tenant_id)
    pool = uow.pools.get(tenant_id, pool_id, lock=True)
    if pool is None:
        raise NotFound(f"pool {pool_id} not found")
    if pool.status != "open":
        if manual:
            raise Conflict(f"pool {pool_id} is already closed ({pool.close_reason})")
        return None  # another process closed it first
    reason = CloseReason.MANUAL if manual else pool.due_reason(now)
    if reason is None:
        return None
    pool.close(reason, now, actor)
    if manual:
        audit.note(uow, tenant_id, now, actor, "pool_change", f"pool/{pool_id}",
                   {"closed": pool_id, "members": pool.member_count, "reason": why})
    return route_closed(uow, pool, now, actor, presale_lock)


def close_pool(make_uow: UowFactory, tenant_id: str, pool_id: str, *, now: datetime,
               actor: str, presale_lock: timedelta, reason: str = "") -> dict[str, Any]:
    """A person closes an open pool before its threshold or window (`reason`: why, kept
    in the audit log)."""
    with make_uow() as uow:
        done = _close(uow, tenant_id, pool_id, now, actor, presale_lock, manual=True,
                      why=reason)
        assert done is not None
        uow.commit()
        return done


def close_due(make_uow: UowFactory, now: datetime, presale_lock: timedelta, *,
              actor: str = "scheduler", limit: int = 100) -> int:
    """Close and route every pool whose window ended (or that is full), each in its own
    transaction; a pool another process closed meanwhile is skipped. Returns how many
    this call closed."""
    with make_uow() as uow:
        due = uow.pools.due(now, limit)
    closed = 0
    for tenant_id, pool_id in due:
        try:
            with make_uow() as uow:
                if _close(uow, tenant_id, pool_id, now, actor, presale_lock,
                          manual=False) is not None:
                    uow.commit()
                    closed += 1
        except Exception:  # one tenant's failure does not hold up the others
            log.exception("closing pool %s of tenant %s failed", pool_id, tenant_id)
    return closed

