"""Returns (RMA) on a real database (issue 17): two processes asking for the last returnable
unit of one line at once (exactly one wins), tenants kept apart, the forecasting feed, and
the migration matching the table definitions."""

from __future__ import annotations

import multiprocessing as mp
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

from orderhub.adapters.db import tables as t
from orderhub.bootstrap import Hub, bootstrap
from orderhub.config import Settings
from orderhub.domain.errors import DomainError, NotFound
from orderhub.domain.lifecycle import OrderStatus
from orderhub.services import catalog
from orderhub.services.intake.submit import submit_orders
from orderhub.services.orders import fulfilment
from orderhub.services.returns import views
from orderhub.services.returns.desk import Receipt
from tests.factories import T, draft, seed_network

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def shipped(hub: Hub, ext: str, qty: int) -> str:
    [r] = submit_orders(hub.uow, T, [draft(ext, [("A", qty)])], strategy=hub.strategy,
                        now=hub.clock(), actor="t", batch=False)
    assert r.order_id is not None
    hub.waybills.release(T, r.order_id, actor="t")
    for step in (OrderStatus.PICKED, OrderStatus.PACKED):
        fulfilment.advance_order(hub.uow, T, r.order_id, step, now=hub.clock(), actor="t")
    fulfilment.ship_order(hub.uow, T, r.order_id, None, now=hub.clock(), actor="t")
    return r.order_id


def _ask(url: str, order_id: str, start: Any, out: Any) -> None:
    """Another process: ask for the order's last unit back when told to start."""
    hub = bootstrap(Settings(database_url=url), clock=lambda: NOW)
    start.wait()
    try:
        rma = hub.returns.request(T, order_id, [(1, 1)], "damaged", actor="p")
        out.put(("ok", rma.id))
    except DomainError as exc:
        out.put(("refused", str(exc)))
    finally:
        hub.close()


@pytest.mark.postgres
def test_two_processes_asking_for_the_last_unit_one_wins(hub: Hub, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("a race of processes on PostgreSQL")
    seed_network(hub)
    oid = shipped(hub, "RACE-1", 2)
    hub.returns.request(T, oid, [(1, 1)], "damaged", actor="t")  # one of two taken
    ctx = mp.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_ask, args=(database_url, oid, start, out)) for _ in range(2)]
    for p in procs:
        p.start()
    start.set()
    results = sorted(out.get(timeout=60)[0] for _ in procs)
    for p in procs:
        p.join(30)
    assert results == ["ok", "refused"]
    with hub.read_uow() as uow:
        assert sum(r.units()[1] for r in uow.returns.for_order(T, oid)) == 2


def test_tenants_apart_and_the_forecasting_feed(hub: Hub) -> None:
    seed_network(hub)
    oid = shipped(hub, "FEED-1", 3)
    rma = hub.returns.request(T, oid, [(1, 3)], "wrong_item", actor="t")
    hub.returns.receive(T, rma.id, "SH", [Receipt(1, 2, "resell"), Receipt(1, 1, "scrap")],
                        actor="wh")
    day = NOW.date()
    [row] = list(views.returned_quantities(hub.read_uow, T, day, day))
    assert (row.sku, row.warehouse, row.received, row.restocked) == ("A", "SH", 3, 2)
    catalog.ensure_tenant(hub.uow, "t2", "Other", hub.clock())
    with pytest.raises(NotFound):
        views.get_return(hub.read_uow, "t2", rma.id)
    with pytest.raises(NotFound):
        hub.returns.approve("t2", rma.id, actor="x")
    assert list(views.returned_quantities(hub.read_uow, "t2", day, day)) == []
    assert views.return_stats(hub.read_uow, "t2")["returned"] == 0


def test_migration_matches_the_tables(hub: Hub) -> None:
    only = MetaData(naming_convention=t.metadata.naming_convention)
    names = ("return_requests", "return_lines", "return_units", "return_policies")
    for table in (t.return_requests, t.return_lines, t.return_units, t.return_policies):
        table.to_metadata(only)
    with hub.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = [d for d in compare_metadata(ctx, only)
                if any(n in repr(d) for n in names) and not (
                    isinstance(d, tuple) and d[0] == "remove_table")]
    assert diff == []
