"""Review of pre-allocation races on PostgreSQL, two processes at once: a ship and a
cancel of one transfer: exactly one wins, stock moves once (shipped: on hand and
reserved fall; cancelled: the reservation is released), never both."""

from __future__ import annotations

import multiprocessing as mp
from typing import Any

import pytest

from orderhub.bootstrap import Hub, bootstrap
from orderhub.config import Settings
from orderhub.domain.errors import DomainError
from orderhub.services.planning import preallocation, transfers
from tests.factories import T
from tests.integration.test_preallocation import level
from tests.integration.test_preallocation_races import NOW, pg_hub

__all__ = ["pg_hub"]
pytestmark = pytest.mark.postgres


def _act(url: str, action: str, ref: str, barrier: Any, out: Any) -> None:
    hub = bootstrap(Settings(database_url=url), clock=lambda: NOW)
    barrier.wait(30)
    try:
        getattr(transfers, action)(hub.uow, T, ref, actor="p", now=NOW)
        out.put((action, "ok"))
    except DomainError as exc:
        out.put((action, f"refused: {exc}"))
    finally:
        hub.close()


def test_ship_and_cancel_at_once_move_stock_once(pg_hub: Hub, pg_schema_url: str) -> None:
    from orderhub.adapters.planning.highs_solver import HighsPreallocationSolver

    result = preallocation.preallocate(pg_hub.uow, pg_hub.read_uow,
                                       HighsPreallocationSolver(), T, actor="t", now=NOW)
    (tid,) = transfers.accept(pg_hub.uow, T, result.plan.id, None, actor="t",
                              now=NOW).transfer_ids
    with pg_hub.uow() as u:
        tr = u.planning.transfer(T, tid)
    assert tr is not None
    q = tr.quantity
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_act, args=(pg_schema_url, a, tid, barrier, out))
             for a in ("ship", "cancel")]
    for p in procs:
        p.start()
    got = dict(out.get(timeout=90) for _ in procs)
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert sorted(v == "ok" for v in got.values()) == [False, True], got
    with pg_hub.uow() as u:
        after = u.planning.transfer(T, tid)
    assert after is not None
    if got["ship"] == "ok":
        assert after.status.value == "shipped"
        assert level(pg_hub, "A", "SH") == (100 - q, 0, 100 - q)
    else:
        assert after.status.value == "cancelled"
        assert level(pg_hub, "A", "SH") == (100, 0, 100)
