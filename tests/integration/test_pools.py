"""Group-buy pooling end to end on a real database (SQLite and PostgreSQL): orders of a
pooled channel near a pickup point wait in a pool, which closes at its threshold, at the
end of its window or by a person, and is routed as one delivery; races on PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import time, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from orderhub.adapters.db import tables as t
from orderhub.bootstrap import Hub
from orderhub.domain.errors import Conflict, InvalidInput
from orderhub.domain.inventory import Channel, Warehouse
from orderhub.domain.lifecycle import OrderStatus as S
from orderhub.domain.order import Address
from orderhub.domain.routing.pricing import PICKUP
from orderhub.services import catalog
from orderhub.services.intake.submit import submit_orders
from orderhub.services.inventory import stock_control
from orderhub.services.orders import fulfilment
from orderhub.services.pools import closing, policy, views
from tests.conftest import Clock
from tests.factories import SHANGHAI, T, draft, seed_network
from tests.integration.test_inventory_races import race

# A pickup store in Pudong (it holds no stock) and buyers around it (about 1-3 km away).
STORE = Warehouse(T, "PU", "Pudong pickup", 31.2200, 121.5440, city="上海", province="上海",
                  kind="store", cutoff=time(18), capabilities=frozenset({"pickup"}))
NEAR = [replace(SHANGHAI, lat=31.2200 + d, lon=121.5440 + d) for d in (0.005, 0.01, 0.015,
                                                                        0.02, 0.008, 0.012)]
FAR = replace(SHANGHAI, lat=31.40, lon=121.30)  # ~30 km away


def setup(hub: Hub, threshold: int = 3, window: int = 120, **stock: int) -> None:
    seed_network(hub, stock={("A", "SH"): stock.get("sh", 10), ("A", "BJ"): stock.get("bj", 10),
                             ("B", "BJ"): 5})
    catalog.add_channels(hub.uow, [Channel(T, "tuan", "Community group buy")])
    catalog.add_warehouses(hub.uow, [STORE], hub.clock())
    policy.set_policy(hub.uow, T, {"channels": {"tuan": {
        "radius_km": 5, "window_minutes": window, "threshold": threshold}}},
        reason="launch", now=hub.clock(), actor="test")


def submit(hub: Hub, *drafts: Any) -> list[str]:
    out = submit_orders(hub.uow, T, list(drafts), strategy=hub.strategy, now=hub.clock(),
                        actor="test", presale_lock=hub.presale_lock)
    return [r.order_id for r in out if r.order_id]


def gb(ext: str, at: Address, qty: int = 1, sku: str = "A") -> Any:
    return draft(ext, [(sku, qty)], channel="tuan", address=at)


def statuses(hub: Hub, ids: list[str]) -> list[S]:
    with hub.read_uow() as uow:
        return [o.status for o in uow.orders.get_many(T, ids)]


def atp(hub: Hub, sku: str, wh: str) -> int:
    with hub.read_uow() as uow:
        lv = uow.stock.level(T, sku, wh)
    return 0 if lv is None else lv.atp


def events(hub: Hub, etype: str) -> list[dict[str, Any]]:
    with hub.engine.connect() as conn:
        rows = conn.execute(select(t.outbox.c.data).where(t.outbox.c.type == etype)
                            .order_by(t.outbox.c.id)).scalars().all()
    return [dict(r) for r in rows]


def pool_two_orders(hub: Hub) -> None:
    """For the every-event scenario: a two-order pool that closes at its threshold."""
    catalog.add_channels(hub.uow, [Channel(T, "tuan", "Community group buy")])
    catalog.add_warehouses(hub.uow, [STORE], hub.clock())
    stock_control.receive_stock(hub.uow, T, "A", "SH", 5, reference="ev-pool", now=hub.clock(),
                                actor="ops")
    policy.set_policy(hub.uow, T, {"channels": {"tuan": {"threshold": 2}}}, reason="ev",
                      now=hub.clock(), actor="test")
    ids = submit(hub, gb("EV-P1", NEAR[0]), gb("EV-P2", NEAR[1]))
    assert statuses(hub, ids) == [S.ALLOCATED, S.ALLOCATED]


def test_orders_wait_in_the_pool_then_go_as_one_delivery_at_the_threshold(hub: Hub) -> None:
    setup(hub, threshold=3)
    first = submit(hub, gb("G-1", NEAR[0]), gb("G-2", NEAR[1], 2))
    assert statuses(hub, first) == [S.VALIDATED, S.VALIDATED]
    assert atp(hub, "A", "SH") == 10  # nothing reserved while pooled
    [pool] = views.list_pools(hub.read_uow, T)
    assert pool["status"] == "open" and pool["members"] == 2 and pool["pickup_site"] == "PU"
    [third] = submit(hub, gb("G-3", NEAR[2]))
    ids = [*first, third]
    assert statuses(hub, ids) == [S.ALLOCATED] * 3
    assert atp(hub, "A", "SH") == 6  # one warehouse, the nearest that holds all of it
    with hub.read_uow() as uow:
        for o in uow.orders.get_many(T, ids):
            assert [(s.warehouse, s.carrier_service) for s in o.shipments] == [("SH", PICKUP)]
    shown = views.get_pool(hub.read_uow, T, pool["id"])
    assert shown["status"] == "closed" and shown["close_reason"] == "threshold"
    assert [m["order_id"] for m in shown["orders"]] == ids
    assert [d["warehouse"] for d in shown["deliveries"]] == ["SH"]
    [closed] = events(hub, "PoolClosed")
    assert closed["close_reason"] == "threshold" and closed["orders"] == ids
    assert closed["deliveries"][0]["orders"] == ids and closed["unrouted"] == []
    pooled = events(hub, "OrderPooled")
    assert [e["position"] for e in pooled] == [1, 2, 3]
    # each order keeps its own timeline: pooled, then reserved and allocated
    with hub.engine.connect() as conn:
        got = conn.execute(select(t.outbox.c.type).where(t.outbox.c.order_id == third)
                           .order_by(t.outbox.c.id)).scalars().all()
    assert got[-4:] == ["OrderValidated", "OrderPooled", "InventoryReserved", "OrderAllocated"]


def test_a_pool_closes_when_its_window_ends(hub: Hub, clock: Clock) -> None:
    setup(hub, threshold=30, window=120)
    ids = submit(hub, gb("W-1", NEAR[0]), gb("W-2", NEAR[1]))
    [job] = [j for j in hub.periodic_jobs() if j.name == "pool-close"]
    assert job.run_once(clock.now + timedelta(minutes=119)) == 0
    assert statuses(hub, ids) == [S.VALIDATED] * 2
    assert job.run_once(clock.now + timedelta(minutes=120)) == 1
    assert statuses(hub, ids) == [S.ALLOCATED] * 2
    assert job.run_once(clock.now + timedelta(minutes=121)) == 0  # closed once
    [closed] = events(hub, "PoolClosed")
    assert closed["close_reason"] == "window"


def test_an_order_after_the_window_opens_a_new_pool(hub: Hub, clock: Clock) -> None:
    setup(hub, threshold=30, window=60)
    old = submit(hub, gb("N-1", NEAR[0]))
    clock.now += timedelta(minutes=61)
    new = submit(hub, gb("N-2", NEAR[1]))
    assert statuses(hub, old) == [S.ALLOCATED]  # the late pool was closed and routed
    assert statuses(hub, new) == [S.VALIDATED]  # in a fresh pool
    pools = views.list_pools(hub.read_uow, T)
    assert sorted(p["status"] for p in pools) == ["closed", "open"]


def test_orders_far_away_or_of_other_channels_are_routed_alone(hub: Hub) -> None:
    setup(hub)
    far = submit(hub, gb("F-1", FAR))
    web = submit(hub, draft("F-2", [("A", 1)], channel="web", address=NEAR[0]))
    no_coords = submit(hub, gb("F-3", replace(SHANGHAI, city="北京市", province="北京市")))
    assert statuses(hub, far + web + no_coords) == [S.ALLOCATED] * 3
    assert views.list_pools(hub.read_uow, T) == []


def test_a_pool_split_by_stock_and_an_order_nobody_fills(hub: Hub) -> None:
    setup(hub, threshold=3, sh=2, bj=1)
    ids = submit(hub, gb("S-1", NEAR[0]), gb("S-2", NEAR[1]), gb("S-3", NEAR[2], 3))
    assert statuses(hub, ids) == [S.ALLOCATED, S.ALLOCATED, S.ON_HOLD]
    [closed] = events(hub, "PoolClosed")
    assert [d["warehouse"] for d in closed["deliveries"]] == ["SH"]
    assert closed["deliveries"][0]["orders"] == ids[:2] and closed["unrouted"] == [ids[2]]


def test_a_person_closes_a_pool_once_and_a_cancelled_member_stays_cancelled(
        hub: Hub, clock: Clock) -> None:
    setup(hub, threshold=30)
    ids = submit(hub, gb("M-1", NEAR[0]), gb("M-2", NEAR[1]))
    fulfilment.cancel_order(hub.uow, T, ids[1], "changed mind", now=clock.now, actor="ops")
    [pool] = views.list_pools(hub.read_uow, T)
    done = closing.close_pool(hub.uow, T, pool["id"], now=clock.now, actor="ops",
                              presale_lock=hub.presale_lock, reason="truck leaves early")
    assert done["close_reason"] == "manual" and done["orders"] == 1
    with hub.engine.connect() as conn:
        [detail] = conn.execute(select(t.audit_log.c.detail).where(
            t.audit_log.c.kind == "pool_change",
            t.audit_log.c.subject == f"pool/{pool['id']}")).scalars().all()
    assert detail["reason"] == "truck leaves early" and detail["members"] == 2
    assert statuses(hub, ids) == [S.ALLOCATED, S.CANCELLED]
    with pytest.raises(Conflict):
        closing.close_pool(hub.uow, T, pool["id"], now=clock.now, actor="ops",
                           presale_lock=hub.presale_lock)


def test_the_policy_is_versioned_audited_and_checked(hub: Hub, clock: Clock) -> None:
    setup(hub)
    with pytest.raises(InvalidInput) as bad:
        policy.set_policy(hub.uow, T, {"channels": {"tuan": {"radius_km": -1,
                                                             "threshold": 1.5}}},
                          reason="x", now=clock.now, actor="test")
    assert {e.loc for e in bad.value.errors} == {"channels.tuan.radius_km",
                                                 "channels.tuan.threshold"}
    policy.set_channel(hub.uow, T, "tuan", {"radius_km": 2}, reason="smaller", now=clock.now,
                       actor="test")
    got = policy.get_policy(hub.uow, T)
    assert got["version"] == 2
    assert got["document"]["channels"]["tuan"] == {"radius_km": 2.0, "window_minutes": 120,
                                                   "threshold": 30, "enabled": True}
    with pytest.raises(Conflict):
        policy.set_policy(hub.uow, T, {"channels": {}}, reason="stale", now=clock.now,
                          actor="test", expected_version=1)
    assert [v["version"] for v in policy.list_versions(hub.uow, T)] == [2, 1]
    with hub.engine.connect() as conn:
        kinds = conn.execute(select(func.count()).select_from(t.audit_log)
                             .where(t.audit_log.c.kind == "pool_change")).scalar_one()
    assert kinds == 2


def test_the_migration_builds_the_tables_as_tables_declares(hub: Hub) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import MetaData

    mine = ("pool_policies", "pools", "pool_members")
    only = MetaData(naming_convention=t.metadata.naming_convention)
    for name in mine:
        t.metadata.tables[name].to_metadata(only)
    with hub.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = [d for d in compare_metadata(ctx, only)
                if any(n in repr(d) for n in mine) and not (
                    isinstance(d, tuple) and d[0] == "remove_table")]
    assert diff == []


@pytest.mark.postgres
def test_concurrent_intakes_fill_one_pool_and_close_it_once(hub: Hub) -> None:
    if hub.engine.dialect.name != "postgresql":
        pytest.skip("a race needs PostgreSQL")
    setup(hub, threshold=4)
    got = race(6, lambda i: submit(hub, gb(f"R-{i}", NEAR[i])))
    ids = [oid for one in got for oid in one]
    with hub.engine.connect() as conn:
        members = conn.execute(select(t.pool_members.c.order_id, t.pool_members.c.pool_id,
                                      t.pool_members.c.position)).all()
    assert sorted(m[0] for m in members) == sorted(ids)  # each order in exactly one pool
    by_pool: dict[str, list[int]] = {}
    for _, pid, pos in members:
        by_pool.setdefault(pid, []).append(pos)
    assert sorted(sorted(v) for v in by_pool.values()) == [[1, 2], [1, 2, 3, 4]]
    closed = events(hub, "PoolClosed")
    assert len(closed) == 1 and len(closed[0]["orders"]) == 4
    assert sorted(statuses(hub, ids)).count(S.ALLOCATED) == 4


@pytest.mark.postgres
def test_two_closers_close_a_pool_once(hub: Hub, clock: Clock) -> None:
    if hub.engine.dialect.name != "postgresql":
        pytest.skip("a race needs PostgreSQL")
    setup(hub, threshold=30, window=60)
    ids = submit(hub, *(gb(f"C-{i}", NEAR[i]) for i in range(3)))
    later = clock.now + timedelta(minutes=60)
    done = race(3, lambda _i: closing.close_due(hub.uow, later, hub.presale_lock))
    assert sum(done) == 1
    assert len(events(hub, "PoolClosed")) == 1
    assert statuses(hub, ids) == [S.ALLOCATED] * 3
    assert atp(hub, "A", "SH") == 7  # reserved once


@pytest.mark.postgres
def test_an_intake_and_the_job_at_the_window_end_close_the_pool_once(
        hub: Hub, clock: Clock) -> None:
    if hub.engine.dialect.name != "postgresql":
        pytest.skip("a race needs PostgreSQL")
    setup(hub, threshold=30, window=60)
    first = submit(hub, gb("E-0", NEAR[0]), gb("E-1", NEAR[1]))
    clock.now += timedelta(minutes=60)

    def work(i: int) -> object:
        if i == 0:
            return closing.close_due(hub.uow, clock.now, hub.presale_lock)
        return submit(hub, gb(f"E-{i + 1}", NEAR[i + 1]))

    done = race(3, work)
    [closed] = events(hub, "PoolClosed")  # one close, by whichever came first
    assert closed["orders"] == first and done[0] in (0, 1)
    assert statuses(hub, first) == [S.ALLOCATED] * 2
    late = [oid for one in done[1:] for oid in one]  # type: ignore[union-attr]
    assert statuses(hub, late) == [S.VALIDATED] * 2  # both in the one new pool
    pools = views.list_pools(hub.read_uow, T, status="open")
    assert len(pools) == 1 and pools[0]["members"] == 2
