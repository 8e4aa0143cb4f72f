"""Background jobs with their records stored (services/background_jobs.py), on SQLite and
PostgreSQL: one run per key while it runs, then its result; a refusal kept with its words
and a fault as an internal error; a bulk job in chunks with every order's outcome, visible
only to its tenant and its creator (or the tenant's administrators)."""

from __future__ import annotations

import threading
import time
from typing import Any

from orderhub.bootstrap import Hub
from orderhub.console import bulk
from orderhub.domain.errors import Conflict
from orderhub.domain.jobs import JobRecord
from orderhub.services import background_jobs
from orderhub.services.background_jobs import JobContext
from tests.factories import T


def _finished(hub: Hub, job_id: str) -> JobRecord:
    deadline = time.monotonic() + 10
    while True:
        job = background_jobs.get(hub.read_uow, T, job_id, owner=None, now=hub.clock())
        assert job is not None
        if not job.running:
            return job
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_one_job_per_key_while_it_runs_then_its_result(hub: Hub) -> None:
    release = threading.Event()

    def work(job: JobContext) -> dict[str, Any]:
        job.stage("replaying")
        assert release.wait(5)
        return {"answer": 42}

    first = background_jobs.start(hub.uow, tenant_id=T, kind="sandbox", actor="user:a",
                                  clock=hub.clock, work=work, key="k")
    again = background_jobs.start(hub.uow, tenant_id=T, kind="sandbox", actor="user:b",
                                  clock=hub.clock, work=lambda job: {}, key="k")
    assert again.id == first.id and again.actor == "user:a" and again.running
    running = background_jobs.latest(hub.read_uow, T, "k", now=hub.clock())
    assert running is not None and running.state == "running"
    release.set()
    done = _finished(hub, first.id)
    assert (done.state, done.detail, done.stage) == ("done", {"answer": 42}, "done")
    assert done.seconds >= 0 and done.finished_at is not None
    rerun = background_jobs.start(hub.uow, tenant_id=T, kind="sandbox", actor="user:b",
                                  clock=hub.clock, work=lambda job: {"answer": 7}, key="k")
    assert rerun.id != first.id and _finished(hub, rerun.id).detail == {"answer": 7}


def test_a_refusal_is_kept_with_its_words_a_fault_as_internal(hub: Hub) -> None:
    def refused(job: JobContext) -> dict[str, Any]:
        raise ValueError("no past orders")

    def fault(job: JobContext) -> dict[str, Any]:
        raise RuntimeError("a secret detail")

    a = background_jobs.start(hub.uow, tenant_id=T, kind="sandbox", actor="user:a",
                              clock=hub.clock, work=refused)
    b = background_jobs.start(hub.uow, tenant_id=T, kind="sandbox", actor="user:a",
                              clock=hub.clock, work=fault)
    assert (_finished(hub, a.id).state, _finished(hub, a.id).error) == ("failed",
                                                                        "no past orders")
    failed = _finished(hub, b.id)
    assert failed.state == "failed" and "internal error" in failed.error
    assert "secret" not in failed.error


def test_a_bulk_job_runs_in_chunks_and_lists_refusals(hub: Hub) -> None:
    ids = [f"o{i}" for i in range(bulk.CHUNK * 2 + 3)]

    def work(order_id: str) -> str:
        if order_id == "o1":
            raise Conflict("order o1 is cancelled")
        if order_id == "o2":
            raise RuntimeError("boom")
        return "allocated"

    started = bulk.start(hub.uow, T, "user:op", "resume", ids, work, clock=hub.clock)
    _finished(hub, started.id)
    job = bulk.get(hub.read_uow, T, started.id, None, hub.clock())
    assert job is not None
    assert (job.done, job.total, job.percent, job.failed) == (len(ids), len(ids), 100, 2)
    assert job.results[1] == ("o1", "failed", "order o1 is cancelled")
    assert job.results[2][1] == "failed" and "internal error" in job.results[2][2]
    assert [r[0] for r in job.results] == ids
    assert bulk.get(hub.read_uow, T, job.id, "user:op", hub.clock()) is not None
    assert bulk.get(hub.read_uow, T, job.id, "user:someone-else", hub.clock()) is None
    assert bulk.get(hub.read_uow, "other-tenant", job.id, None, hub.clock()) is None
