"""Pre-allocation races on PostgreSQL, two processes at once: accepting the same plan
creates one transfer order (one reservation), shipping the same transfer moves stock
once; the loser is told why."""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from orderhub.adapters.planning.highs_solver import HighsPreallocationSolver
from orderhub.bootstrap import Hub, bootstrap
from orderhub.config import Settings
from orderhub.domain.errors import DomainError
from orderhub.services.planning import preallocation, transfers
from orderhub.services.planning import settings as planning_settings
from tests.conftest import _truncate_pg
from tests.factories import T, seed_network
from tests.integration.test_preallocation import level, store_forecasts

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def _act(url: str, action: str, ref: str, barrier: Any, out: Any) -> None:
    hub = bootstrap(Settings(database_url=url), clock=lambda: NOW)
    barrier.wait(30)
    try:
        if action == "accept":
            r = transfers.accept(hub.uow, T, ref, None, actor="p", now=NOW)
            out.put(("ok", r.transfer_ids, [s["reason"] for s in r.skipped]))
        else:
            transfers.ship(hub.uow, T, ref, actor="p", now=NOW)
            out.put(("ok", [], []))
    except DomainError as exc:
        out.put(("refused", [], [str(exc)]))
    finally:
        hub.close()


def _twice(url: str, action: str, ref: str) -> list[tuple[str, list[str], list[str]]]:
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_act, args=(url, action, ref, barrier, out))
             for _ in range(2)]
    for p in procs:
        p.start()
    results = [out.get(timeout=90) for _ in procs]
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    return results


@pytest.fixture
def pg_hub(pg_schema_url: str) -> Iterator[Hub]:
    _truncate_pg(pg_schema_url)
    hub = bootstrap(Settings(database_url=pg_schema_url), clock=lambda: NOW)
    seed_network(hub, {("A", "SH"): 100, ("A", "BJ"): 2})
    planning_settings.change(hub.uow, T, {"lost_sale_margin": "1"}, actor="t", now=NOW)
    store_forecasts(hub, {("A", "SH"): 3, ("A", "BJ"): 10})
    yield hub
    hub.close()


def test_two_processes_accept_and_ship_the_same_transfer(pg_hub: Hub,
                                                          pg_schema_url: str) -> None:
    result = preallocation.preallocate(pg_hub.uow, pg_hub.read_uow,
                                       HighsPreallocationSolver(), T, actor="t", now=NOW)
    assert result.suggestions == 1
    accepted = _twice(pg_schema_url, "accept", result.plan.id)
    ids = [i for _, got, _ in accepted for i in got]
    assert len(ids) == 1, accepted
    # the other found it accepted once the first committed: nothing left to accept
    assert sorted(len(got) for _, got, _ in accepted) == [0, 1], accepted
    with pg_hub.uow() as u:
        tr = u.planning.transfer(T, ids[0])
    assert tr is not None
    assert level(pg_hub, "A", "SH") == (100, tr.quantity, 100 - tr.quantity)

    shipped = _twice(pg_schema_url, "ship", ids[0])
    assert sorted(s for s, _, _ in shipped) == ["ok", "refused"], shipped
    assert level(pg_hub, "A", "SH") == (100 - tr.quantity, 0, 100 - tr.quantity)
