"""Read models of group-buy pools: the list (newest first) and one pool with its orders."""

from __future__ import annotations

from typing import Any

from orderhub.domain.errors import NotFound
from orderhub.domain.pools.pool import Pool
from orderhub.services.unit_of_work import UowFactory


def _summary(p: Pool) -> dict[str, Any]:
    return {"id": p.id, "channel": p.channel, "pickup_site": p.pickup_site,
            "status": p.status.value, "members": p.member_count, "threshold": p.threshold,
            "radius_km": p.radius_km, "opened_at": p.opened_at, "closes_at": p.closes_at,
            "close_reason": p.close_reason or None, "closed_at": p.closed_at,
            "closed_by": p.closed_by or None, "policy_version": p.policy_version}


def list_pools(make_uow: UowFactory, tenant_id: str, *, status: str | None = None,
               channel: str | None = None, after: str | None = None,
               limit: int = 100) -> list[dict[str, Any]]:
    with make_uow() as uow:
        return [_summary(p) for p in uow.pools.search(tenant_id, status=status,
                                                      channel=channel, after=after,
                                                      limit=limit)]


def get_pool(make_uow: UowFactory, tenant_id: str, pool_id: str) -> dict[str, Any]:
    """The pool, its deliveries and its orders, each with its own current status."""
    with make_uow() as uow:
        pool = uow.pools.get(tenant_id, pool_id)
        if pool is None:
            raise NotFound(f"pool {pool_id} not found")
        members = uow.pools.members(tenant_id, pool_id)
        status = uow.orders.statuses(tenant_id, [m.order_id for m in members])
    return {**_summary(pool), "deliveries": pool.deliveries,
            "orders": [{"order_id": m.order_id, "position": m.position,
                        "distance_km": round(m.distance_km, 3), "joined_at": m.joined_at,
                        "status": status.get(m.order_id)} for m in members]}
