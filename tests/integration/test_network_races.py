"""Network changes racing intake in another process (PostgreSQL): a site closed, a carrier
marked down or a region blocked while orders arrive must leave no open order committed to
the closed site, the downed carrier or the blocked region.

Before intake and network changes serialised on the tenant's network revision, intake
transactions that had read the site as active committed after the close's re-route and
stayed allocated there (25-31 orders in three runs of the issue's reproduction)."""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from orderhub.adapters.db import tables as t
from orderhub.bootstrap import Hub, bootstrap
from orderhub.config import Settings
from orderhub.domain.routing.network import BlockDirection, CarrierState
from orderhub.services.intake.submit import submit_orders
from orderhub.services.network import incidents
from tests.conftest import _truncate_pg
from tests.factories import T, draft, seed_network

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
OPEN = ("reserved", "allocated")


def _intake(url: str, prefix: str, started: Any, stop: Any, threads: int) -> None:
    """Another API process: single-order intake from several threads until told to stop."""
    hub = bootstrap(Settings(database_url=url), clock=lambda: NOW)
    count = [0]
    lock = threading.Lock()

    def loop(k: int) -> None:
        i = 0
        while not stop.is_set():
            submit_orders(hub.uow, T, [draft(f"{prefix}-{k}-{i}", [("A", 1)])],
                          strategy=hub.strategy, now=NOW, actor=f"p{k}",
                          presale_lock=hub.presale_lock, batch=False)
            i += 1
            with lock:
                count[0] += 1
                if count[0] >= 20:
                    started.set()

    workers = [threading.Thread(target=loop, args=(k,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    hub.close()


@pytest.fixture
def pg_hub(pg_schema_url: str) -> Iterator[Hub]:
    _truncate_pg(pg_schema_url)
    hub = bootstrap(Settings(database_url=pg_schema_url), clock=lambda: NOW)
    seed_network(hub, {("A", "SH"): 100_000, ("A", "BJ"): 100_000, ("A", "GZ"): 100_000})
    yield hub
    hub.close()


def _race(hub: Hub, url: str, change: Callable[[], None], prefix: str) -> None:
    """Run `change` in this process while another process takes orders in, and let intake
    go on a little after it."""
    ctx = mp.get_context("spawn")
    started, stop = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_intake, args=(url, prefix, started, stop, 4))
    proc.start()
    try:
        assert started.wait(60), "intake process did not start"
        change()
        time.sleep(0.5)
    finally:
        stop.set()
        proc.join(60)
    assert proc.exitcode == 0


def _open_planned(hub: Hub, **where: str) -> list[str]:
    s, o = t.shipments.c, t.orders.c
    q = (select(o.id).distinct().join(t.shipments, s.order_id == o.id)
         .where(o.tenant_id == T, s.status == "planned", o.status.in_(OPEN)))
    for column, value in where.items():
        q = q.where(getattr(s, column) == value)
    with hub.engine.connect() as conn:
        return [oid for (oid,) in conn.execute(q)]


def test_no_order_commits_to_a_site_closed_under_it(pg_hub: Hub, pg_schema_url: str) -> None:
    def close() -> None:
        incidents.close_warehouse(pg_hub.uow, T, "SH", reason="storm", actor="ops", now=NOW,
                                  strategy=pg_hub.strategy, presale_lock=pg_hub.presale_lock)

    _race(pg_hub, pg_schema_url, close, "CL")
    assert _open_planned(pg_hub, warehouse="SH") == []
    with pg_hub.engine.connect() as conn:
        r = t.reservations.c
        active_sh = conn.execute(select(r.order_id).where(
            r.warehouse == "SH", r.state == "active")).all()
    assert active_sh == []
    assert _open_planned(pg_hub)  # intake did go on, elsewhere


def test_no_order_commits_to_a_carrier_marked_down_under_it(pg_hub: Hub,
                                                           pg_schema_url: str) -> None:
    [first] = submit_orders(pg_hub.uow, T, [draft("FIRST")], strategy=pg_hub.strategy,
                            now=NOW, actor="t", presale_lock=pg_hub.presale_lock, batch=False)
    s = t.shipments.c
    with pg_hub.engine.connect() as conn:
        service = conn.execute(select(s.carrier_service).where(
            s.order_id == first.order_id)).scalar_one()

    def down() -> None:
        incidents.set_carrier_state(pg_hub.uow, T, service, CarrierState.DOWN,
                                    reason="timeouts", actor="ops", now=NOW,
                                    strategy=pg_hub.strategy,
                                    presale_lock=pg_hub.presale_lock)

    _race(pg_hub, pg_schema_url, down, "CD")
    assert _open_planned(pg_hub, carrier_service=service) == []
    assert _open_planned(pg_hub)


def test_no_order_commits_to_a_region_blocked_under_it(pg_hub: Hub,
                                                      pg_schema_url: str) -> None:
    def block() -> None:
        incidents.block_region(pg_hub.uow, T, "上海", BlockDirection.INBOUND, reason="typhoon",
                               actor="ops", now=NOW, strategy=pg_hub.strategy,
                               presale_lock=pg_hub.presale_lock)

    _race(pg_hub, pg_schema_url, block, "RB")
    o = t.orders.c
    with pg_hub.engine.connect() as conn:
        open_to_shanghai = conn.execute(select(o.id).where(
            o.tenant_id == T, o.status.in_(OPEN))).all()
        held = conn.execute(select(o.id).where(
            o.tenant_id == T, o.status == "on_hold")).all()
    assert open_to_shanghai == []  # every test order goes to Shanghai
    assert held  # the ones that came in after the block were held, not lost


def test_a_resumed_order_and_a_reopening_site_do_not_deadlock(
        pg_hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    """resume_order locks the order row, a reopen takes the network lock and wants that row:
    the resume takes the network lock first, so the reopen waits instead of deadlocking."""
    from orderhub.services.orders import fulfilment

    incidents.close_warehouse(pg_hub.uow, T, "SH", reason="x", actor="ops", now=NOW,
                              strategy=pg_hub.strategy, presale_lock=pg_hub.presale_lock)
    incidents.close_warehouse(pg_hub.uow, T, "BJ", reason="x", actor="ops", now=NOW,
                              strategy=pg_hub.strategy, presale_lock=pg_hub.presale_lock)
    incidents.close_warehouse(pg_hub.uow, T, "GZ", reason="x", actor="ops", now=NOW,
                              strategy=pg_hub.strategy, presale_lock=pg_hub.presale_lock)
    [r] = submit_orders(pg_hub.uow, T, [draft("H1")], strategy=pg_hub.strategy, now=NOW,
                        actor="t", presale_lock=pg_hub.presale_lock, batch=False)
    assert r.status == "on_hold" and r.order_id
    errors: list[BaseException] = []

    def reopen() -> None:
        try:
            incidents.update_warehouse(pg_hub.uow, T, "SH", {"active": True}, reason="back",
                                       actor="ops", now=NOW, strategy=pg_hub.strategy,
                                       presale_lock=pg_hub.presale_lock)
        except BaseException as exc:
            errors.append(exc)

    other = threading.Thread(target=reopen)
    real = fulfilment.run_pipeline

    def pause_then_run(*args: Any, **kwargs: Any) -> Any:
        other.start()  # the order row is locked now; the reopen starts and wants it
        time.sleep(1.0)
        return real(*args, **kwargs)

    monkeypatch.setattr(fulfilment, "run_pipeline", pause_then_run)
    order = fulfilment.resume_order(pg_hub.uow, T, r.order_id, now=NOW, actor="t",
                                    strategy=pg_hub.strategy,
                                    presale_lock=pg_hub.presale_lock)
    other.join(30)
    assert errors == []
    assert order.status.value == "on_hold"  # resumed while every site was still closed
    with pg_hub.engine.connect() as conn:
        status = conn.execute(select(t.orders.c.status).where(
            t.orders.c.id == r.order_id)).scalar_one()
    assert status == "allocated"  # then the reopen routed it to SH


def test_the_network_lock_is_per_schema(pg_schema_url: str) -> None:
    """Advisory locks are per database: the same tenant in another schema (another
    deployment, another test worker) must not wait for this schema's network change."""
    from sqlalchemy import create_engine, text

    from orderhub.adapters.db.engine import make_engine, normalise_url
    from orderhub.adapters.db.network_repository import NetworkRepository

    base, schema = pg_schema_url.rsplit("%3D", 1)
    other = f"o_{schema[2:]}"
    admin = create_engine(normalise_url(base.split("?")[0]))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{other}"'))
    first, second = make_engine(pg_schema_url), make_engine(f"{base}%3D{other}")
    try:
        with first.begin() as changing, second.begin() as taking:
            NetworkRepository(changing)._network_lock(T, shared=False)  # a change, held
            taking.execute(text("SET LOCAL lock_timeout = '2s'"))
            NetworkRepository(taking)._network_lock(T, shared=True)  # not queued behind it
        with first.begin() as changing, first.connect() as same:
            NetworkRepository(changing)._network_lock(T, shared=False)
            with same.begin():
                same.execute(text("SET LOCAL lock_timeout = '200ms'"))
                with pytest.raises(Exception, match="lock timeout"):
                    NetworkRepository(same)._network_lock(T, shared=True)  # same schema: waits
    finally:
        first.dispose()
        second.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{other}" CASCADE'))
        admin.dispose()
