"""The pooling stage of the intake pipeline (after validation and screening, before
routing): a new, valid B2C order of a channel the pooling policy names, located within the
radius of a pickup point, joins the open pool of its channel for that point (one is opened
when none is) instead of being routed on its own. It is validated and waits with no stock
reserved (docs/pools.md says why). A pool that reaches its threshold here, or an open one
found past its window, is closed; the pipeline routes the closed pools at its end, in the
same transaction.

Locks: the pipeline holds the tenant's network lock (shared) first; then each pool's row
(`FOR UPDATE`), so two intakes adding to one pool serialise and its count stays exact;
two opening the same pool collide on `uq_pools_open` and the loser joins the winner's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from orderhub.domain.geo import locate
from orderhub.domain.inventory import Warehouse
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import Order, OrderType
from orderhub.domain.pools.policy import ChannelPooling, PoolPolicy
from orderhub.domain.pools.pool import CloseReason, PickupPoint, Pool, choose_pickup
from orderhub.services.pools.policy import policy_in_force
from orderhub.services.unit_of_work import UnitOfWork


def pickup_points(warehouses: Sequence[Warehouse]) -> list[PickupPoint]:
    return [PickupPoint(w.code, w.lat, w.lon) for w in warehouses
            if w.active and "pickup" in w.capabilities]


def pool_orders(uow: UnitOfWork, tenant_id: str, warehouses: Sequence[Warehouse],
                new: Sequence[Order], valid: list[Order], now: datetime, actor: str
                ) -> tuple[list[Order], list[Pool]]:
    """The valid orders still to route now, and the pools closed here (to route)."""
    fresh = {o.id for o in new}
    candidates = [o for o in valid if o.id in fresh and o.order_type == OrderType.B2C]
    if not candidates:
        return valid, []
    policy = policy_in_force(uow, tenant_id)
    if not policy.channels:
        return valid, []
    points = pickup_points(warehouses)
    groups: dict[tuple[str, str], list[tuple[Order, tuple[float, float]]]] = {}
    for o in candidates:
        rule = policy.for_channel(o.channel)
        if rule is None or not points:
            continue
        location = locate(o.shipping_address)
        chosen = choose_pickup(location, o.pickup_store, points, rule)
        if chosen is None or location is None:
            continue
        groups.setdefault((o.channel, chosen[0].code), []).append((o, location))
    pooled: set[str] = set()
    closed: list[Pool] = []
    for (channel, code) in sorted(groups):  # one lock order for every intake
        rule = policy.for_channel(channel)
        assert rule is not None
        point = next(p for p in points if p.code == code)
        pool = _open_pool(uow, tenant_id, rule, point, policy, now, actor, closed)
        rows: list[tuple[str, str, int, float]] = []  # written once per group
        for o, location in groups[(channel, code)]:
            if pool.status != "open" or not pool.accepts(channel, location, now):
                _write(uow, tenant_id, pool, rows, now)
                pool = _open_pool(uow, tenant_id, rule, point, policy, now, actor, closed)
            full = pool.add_member()
            km = pool.distance_km(location)
            rows.append((pool.id, o.id, pool.last_position, km))
            o.join_pool(pool.id, code, km, pool.closes_at, pool.last_position, now, actor)
            pooled.add(o.id)
            if full:
                pool.close(CloseReason.THRESHOLD, now, actor)
                closed.append(pool)
        _write(uow, tenant_id, pool, rows, now)
    return [o for o in valid if o.id not in pooled], closed


def _write(uow: UnitOfWork, tenant_id: str, pool: Pool,
           rows: list[tuple[str, str, int, float]], now: datetime) -> None:
    """The pool's new members (one statement) and its count and state."""
    if rows:
        uow.pools.add_members(tenant_id, rows, now)
        rows.clear()
    uow.pools.save(pool)


def lock_open_pools(uow: UnitOfWork, tenant_id: str, channel: str) -> None:
    """A channel batch that updates stored orders locks its channel's open pools first
    (one indexed query; none for a channel that pools nothing): a stored order may wait in
    one of them, and a closer takes the pool's row before its members' order rows. Taking
    an order row first, then the pool's in this stage, deadlocked with a closer."""
    uow.pools.open_pools(tenant_id, [channel], lock=True)


_WAITING = frozenset({OrderStatus.CREATED.value, OrderStatus.VALIDATED.value})


def live_members(uow: UnitOfWork, pool: Pool) -> int:
    """How many of the (locked) pool's members still wait in it; a member cancelled or
    edited meanwhile (routed on its own) leaves it here, so the threshold counts only the
    orders the pool will route. The leaver itself never touches the pool's row (it holds
    its order's row lock: taking the pool's after it would invert the closers' order)."""
    members = uow.pools.members(pool.tenant_id, pool.id)
    pool.last_position = max((m.position for m in members), default=0)
    ids = [m.order_id for m in members]
    if not ids:
        return 0
    stored = uow.orders.statuses(pool.tenant_id, ids)
    mine = {o.id: o.status.value for o in uow.orders.seen()}  # changed in this transaction
    gone = [i for i in ids if mine.get(i, stored.get(i)) not in _WAITING]
    uow.pools.remove_members(pool.tenant_id, pool.id, gone)
    return len(ids) - len(gone)


def _open_pool(uow: UnitOfWork, tenant_id: str, rule: ChannelPooling, point: PickupPoint,
               policy: PoolPolicy, now: datetime, actor: str, closed: list[Pool]) -> Pool:
    """The channel's open pool for the point, locked; an open one found past its window
    (the close job has not come by yet) is closed first; a new one where none is open."""
    for _ in range(3):
        pool = uow.pools.open_pool(tenant_id, rule.channel, point.code, lock=True)
        if pool is not None:
            pool.member_count = live_members(uow, pool)
            reason = pool.due_reason(now)
            if reason is None:
                return pool
            pool.close(reason, now, actor)
            uow.pools.save(pool)
            closed.append(pool)
        fresh = Pool.open(tenant_id, rule, point, now, policy.version)
        try:
            with uow.savepoint():
                uow.pools.insert(fresh)
            return fresh
        except IntegrityError:  # another intake opened it first: join that one
            continue
    raise RuntimeError(f"could not open or join a pool for {rule.channel}/{point.code}")
