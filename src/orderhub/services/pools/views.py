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


def _shipped_from(p: Pool, warehouses: frozenset[str]) -> set[str]:
    """The pool's orders in its deliveries from these warehouses."""
    return {oid for d in p.deliveries if d.get("warehouse") in warehouses
            for oid in d.get("orders", [])}


def list_pools(make_uow: UowFactory, tenant_id: str, *, status: str | None = None,
               channel: str | None = None, after: str | None = None,
               limit: int = 100, warehouses: frozenset[str] = frozenset()
               ) -> list[dict[str, Any]]:
    """Pools, newest first; a caller bound to `warehouses` (logistics) sees only the
    closed pools with a delivery from one of them."""
    with make_uow() as uow:
        found = uow.pools.search(tenant_id, status=status, channel=channel, after=after,
                                 limit=limit)
    if warehouses:
        found = [p for p in found if _shipped_from(p, warehouses)]
    return [_summary(p) for p in found]


def get_pool(make_uow: UowFactory, tenant_id: str, pool_id: str, *,
             warehouses: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The pool, its deliveries and its orders, each with its own current status; a
    caller bound to `warehouses` sees only its own deliveries and their orders."""
    with make_uow() as uow:
        pool = uow.pools.get(tenant_id, pool_id)
        if pool is None or (warehouses and not _shipped_from(pool, warehouses)):
            raise NotFound(f"pool {pool_id} not found")
        members = uow.pools.members(tenant_id, pool_id)
        if warehouses:
            mine = _shipped_from(pool, warehouses)
            members = [m for m in members if m.order_id in mine]
            pool.deliveries = [d for d in pool.deliveries if d.get("warehouse") in warehouses]
        status = uow.orders.statuses(tenant_id, [m.order_id for m in members])
    return {**_summary(pool), "deliveries": pool.deliveries,
            "orders": [{"order_id": m.order_id, "position": m.position,
                        "distance_km": round(m.distance_km, 3), "joined_at": m.joined_at,
                        "status": status.get(m.order_id)} for m in members]}
