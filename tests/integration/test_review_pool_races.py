"""Review of group-buy pooling on PostgreSQL: a channel batch that re-sends an order
already waiting in a pool (its row is locked) and brings a new order for the same pool,
while a closer holds that pool's row and then locks its members (the closers' order: pool
row, then member rows). The batch must take the pool's row before any order row, or the
two deadlock."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from orderhub.adapters.channels.base import ChannelLine, ChannelOrder
from orderhub.adapters.db import tables as t
from orderhub.bootstrap import Hub
from orderhub.domain.lifecycle import OrderStatus as S
from orderhub.services.intake.submit import ingest_channel_orders
from orderhub.services.orders import fulfilment
from orderhub.services.pools import views
from tests.conftest import Clock
from tests.factories import T
from tests.integration.test_inventory_races import race
from tests.integration.test_pools import NEAR, atp, events, gb, setup, statuses, submit


def _co(ext: str, i: int, clock: Clock) -> ChannelOrder:
    return ChannelOrder(ext, "open", clock.now, "CNY",
                        [ChannelLine("A", "Apple", 1, Decimal("10.00"))],
                        shipping_address=replace(NEAR[i]))


@pytest.mark.postgres
def test_a_channel_batch_and_a_closer_take_pool_and_order_rows_in_one_order(
        hub: Hub, clock: Clock) -> None:
    if hub.engine.dialect.name != "postgresql":
        pytest.skip("a race needs PostgreSQL")
    setup(hub, threshold=30)

    def ingest(items: list[ChannelOrder]) -> list[str]:
        got = ingest_channel_orders(hub.uow, T, "tuan", items, strategy=hub.strategy,
                                    now=clock.now, actor="test",
                                    presale_lock=hub.presale_lock)
        return [r.order_id for r in got if r.order_id]

    first = _co("CG-1", 0, clock)
    [x] = ingest([first])
    [pool] = views.list_pools(hub.read_uow, T)
    errors: list[BaseException] = []
    done: list[list[str]] = []

    def batch() -> None:
        try:
            done.append(ingest([first, _co("CG-2", 1, clock)]))
        except BaseException as e:
            errors.append(e)

    with hub.engine.connect() as closer:
        closer.execute(text("SET lock_timeout = '10s'"))
        me = closer.execute(text("SELECT pg_backend_pid()")).scalar()
        closer.execute(select(t.pools.c.id).where(t.pools.c.id == pool["id"])
                       .with_for_update())  # a closer holds the pool's row ...
        worker = threading.Thread(target=batch)
        worker.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # ... until the batch waits for a lock
            with hub.engine.connect() as probe:
                waiting = probe.execute(text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE :me = ANY(pg_blocking_pids(pid))"), {"me": me}).scalar()
            if waiting:
                break
            time.sleep(0.05)
        time.sleep(0.2)
        # ... then locks the pool's members: the batch must not hold one of them
        closer.execute(select(t.orders.c.id).where(t.orders.c.id == x).with_for_update())
        closer.commit()
        worker.join(30)
    assert errors == [] and len(done) == 1
    assert statuses(hub, done[0]) == [S.VALIDATED, S.VALIDATED]
    [still] = views.list_pools(hub.read_uow, T)
    assert still["members"] == 2 and still["status"] == "open"


@pytest.mark.postgres
def test_a_cancel_racing_an_intake_that_fills_the_pool_never_routes_the_cancelled(
        hub: Hub, clock: Clock) -> None:
    if hub.engine.dialect.name != "postgresql":
        pytest.skip("a race needs PostgreSQL")
    setup(hub, threshold=4)
    ids = submit(hub, gb("CR-1", NEAR[0]), gb("CR-2", NEAR[1]), gb("CR-3", NEAR[2]))

    def work(i: int) -> object:
        if i == 0:
            return fulfilment.cancel_order(hub.uow, T, ids[0], "changed mind",
                                           now=clock.now, actor="ops")
        return submit(hub, gb("CR-4", NEAR[3]))

    done = race(2, work)
    [fourth] = done[1]  # type: ignore[misc]
    assert statuses(hub, [ids[0]]) == [S.CANCELLED]
    closed = events(hub, "PoolClosed")
    if closed:  # the intake counted the member before the cancel committed
        assert ids[0] not in closed[0]["orders"]
        assert statuses(hub, [*ids[1:], fourth]) == [S.ALLOCATED] * 3
        assert atp(hub, "A", "SH") == 7  # three reserved, the cancelled one not
    else:  # the cancel came first: three wait for a fourth
        assert statuses(hub, [*ids[1:], fourth]) == [S.VALIDATED] * 3
        [pool] = views.list_pools(hub.read_uow, T)
        assert pool["members"] == 3 and pool["status"] == "open"
