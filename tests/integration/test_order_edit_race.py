"""An edit racing a release, in two processes on PostgreSQL: both made from the version they
read; for every order exactly one of them wins (the other is refused as stale or changed
meanwhile), and the stock reserved is exactly what the orders' active reservations hold."""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from orderhub.bootstrap import Hub, bootstrap
from orderhub.config import Settings
from orderhub.domain.errors import Conflict
from orderhub.services.intake.submit import submit_orders
from orderhub.services.orders import editing
from orderhub.services.orders.editing import EditRequest, LineQuantity
from tests.conftest import _truncate_pg
from tests.factories import T, draft, seed_network

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
ORDERS = 16


def _editor(url: str, jobs: list[tuple[str, int]], go: Any, out: Any) -> None:
    hub = bootstrap(Settings(database_url=url), clock=lambda: NOW)
    go.wait(60)
    won = []
    for oid, version in jobs:
        try:
            editing.change_order(hub.uow, T, oid, EditRequest(
                reason="race", quantities=(LineQuantity(1, 3),), expected_version=version),
                now=NOW, actor="editor", strategy=hub.strategy,
                presale_lock=hub.presale_lock)
            won.append(oid)
        except Conflict:
            pass
    out.put(("edit", won))
    hub.close()


def _releaser(url: str, jobs: list[tuple[str, int]], go: Any, out: Any) -> None:
    hub = bootstrap(Settings(database_url=url), clock=lambda: NOW)
    go.wait(60)
    won = []
    for oid, version in reversed(jobs):  # meet the editor in the middle, from both ends
        try:
            hub.waybills.release(T, oid, actor="wms", expected_version=version)
            won.append(oid)
        except Conflict:
            pass
    out.put(("release", won))
    hub.close()


@pytest.fixture
def pg_hub(pg_schema_url: str) -> Iterator[Hub]:
    _truncate_pg(pg_schema_url)
    hub = bootstrap(Settings(database_url=pg_schema_url), clock=lambda: NOW)
    seed_network(hub, {("A", "SH"): 200, ("A", "BJ"): 200})
    yield hub
    hub.close()


def test_an_edit_racing_a_release_exactly_one_wins(pg_hub: Hub, pg_schema_url: str) -> None:
    results = submit_orders(pg_hub.uow, T, [draft(f"R-{i}") for i in range(ORDERS)],
                            strategy=pg_hub.strategy, now=NOW, actor="t",
                            presale_lock=pg_hub.presale_lock)
    ids = [str(r.order_id) for r in results]
    with pg_hub.read_uow() as uow:
        jobs = [(o.id, o.version) for o in uow.orders.get_many(T, ids)]
    ctx = mp.get_context("spawn")
    go, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=f, args=(pg_schema_url, jobs, go, out))
             for f in (_editor, _releaser)]
    for p in procs:
        p.start()
    go.set()
    won = dict(out.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    edited, released = set(won["edit"]), set(won["release"])
    print(f"edits won {len(edited)}, releases won {len(released)} of {ORDERS}")
    assert edited | released == set(ids)  # every order: someone won ...
    assert not edited & released  # ... exactly one
    with pg_hub.read_uow() as uow:
        orders = {o.id: o for o in uow.orders.get_many(T, ids)}
        levels = uow.stock.levels(T, ["A"])
    for oid in edited:
        o = orders[oid]
        assert o.status.value == "allocated" and o.lines[0].quantity == 3
        assert sum(r.quantity for r in o.active_reservations()) == 3
    for oid in released:
        o = orders[oid]
        assert o.status.value == "released" and o.lines[0].quantity == 1
        assert sum(r.quantity for r in o.active_reservations()) == 1
    held: dict[str, int] = {}
    for o in orders.values():
        for r in o.active_reservations():
            held[r.warehouse] = held.get(r.warehouse, 0) + r.quantity
    assert {wh: lv.reserved for (_, wh), lv in levels.items()} == {
        wh: held.get(wh, 0) for (_, wh) in levels}
    assert sum(held.values()) == 3 * len(edited) + len(released)
