"""Review of the stored background jobs (c80842f..2952477), on SQLite and PostgreSQL: a job
whose result cannot be stored still ends (it does not read "running" forever nor hold its
key), keys are one per tenant (another tenant's key of the same name is not a refusal), a
job's staleness outlasts a heartbeat waiting for SQLite's write lock, and the migration
builds console_jobs as tables.py declares it."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

from orderhub.adapters.db import tables as t
from orderhub.adapters.db.engine import SQLITE_BUSY_MS
from orderhub.bootstrap import Hub
from orderhub.domain.jobs import HEARTBEAT_SECONDS, STALE, JobRecord
from orderhub.services import background_jobs
from tests.factories import T


def _finished(hub: Hub, job_id: str, tenant: str = T, wait: float = 10) -> JobRecord:
    deadline = time.monotonic() + wait
    while True:
        job = background_jobs.get(hub.read_uow, tenant, job_id, owner=None, now=hub.clock())
        assert job is not None
        if not job.running:
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job.state}: {job}"
        time.sleep(0.02)


def test_a_job_whose_result_cannot_be_stored_still_ends_and_frees_its_key(hub: Hub) -> None:
    """A result the JSON column refuses (a dict keyed by numbers, as a Counter of rows
    would be): the job ends as failed with the internal error, and its key is free at
    once (with the Hub's clock standing still it read "running" for ever, holding it)."""
    key = f"wave:{T}"

    def work(job: Any) -> dict[str, Any]:
        return {"by_row": {1: 2}}

    first = background_jobs.start(hub.uow, tenant_id=T, kind="wave", actor="a",
                                  clock=hub.clock, work=work, key=key)
    ended = _finished(hub, first.id)
    assert ended.state == "failed" and "internal error" in ended.error
    again = background_jobs.start(hub.uow, tenant_id=T, kind="wave", actor="a",
                                  clock=hub.clock, work=lambda j: {"ok": 1}, key=key)
    assert again.id != first.id and _finished(hub, again.id).detail == {"ok": 1}


def test_a_key_is_one_per_tenant(hub: Hub) -> None:
    """Two tenants' jobs of the same key run side by side: another tenant's running job is
    neither returned nor an error."""
    held = JobRecord(id="job_other_1", tenant_id="other", kind="sandbox", actor="x",
                     started_at=hub.clock(), key="sandbox:1", heartbeat_at=hub.clock())
    with hub.uow() as uow:
        uow.jobs.add(held)
        uow.commit()
    mine = background_jobs.start(hub.uow, tenant_id=T, kind="sandbox", actor="a",
                                 clock=hub.clock, work=lambda j: {"n": 1}, key="sandbox:1")
    assert mine.id != held.id and mine.tenant_id == T
    assert _finished(hub, mine.id).detail == {"n": 1}
    with hub.read_uow() as uow:
        theirs = uow.jobs.get("other", held.id)
    assert theirs is not None and theirs.state == "running"  # untouched


def test_staleness_outlasts_a_heartbeat_waiting_for_the_sqlite_write_lock() -> None:
    """A heartbeat is a write: on SQLite it waits up to the busy timeout for the write lock
    (a long intake or wave transaction). A live job must not read as interrupted (and give
    its key to a second run) meanwhile."""
    waiting = timedelta(milliseconds=SQLITE_BUSY_MS)
    assert waiting + timedelta(seconds=HEARTBEAT_SECONDS) < STALE


def test_the_migration_builds_console_jobs_as_tables_declares(hub: Hub) -> None:
    only = MetaData(naming_convention=t.metadata.naming_convention)
    t.console_jobs.to_metadata(only)
    with hub.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = [d for d in compare_metadata(ctx, only)
                if "console_jobs" in repr(d) and not (
                    isinstance(d, tuple) and d[0] == "remove_table")]
    assert diff == []



def test_an_interrupted_job_ran_to_its_last_heartbeat(hub: Hub) -> None:
    """JobRecord.seconds of an interrupted job: to its last sign of life, also once a
    later start of its key marked it interrupted (finished_at: when that start came)."""
    started = hub.clock() - timedelta(hours=2)
    dead = JobRecord(id="job_dead_1", tenant_id=T, kind="wave", actor="a", started_at=started,
                     key=f"wave:{T}", heartbeat_at=started + timedelta(seconds=40))
    with hub.uow() as uow:
        uow.jobs.add(dead)
        uow.commit()
    assert background_jobs.get(hub.read_uow, T, dead.id, owner=None,
                               now=hub.clock()).seconds == 40.0  # type: ignore[union-attr]
    fresh = background_jobs.start(hub.uow, tenant_id=T, kind="wave", actor="b",
                                  clock=hub.clock, work=lambda j: {}, key=f"wave:{T}")
    _finished(hub, fresh.id)
    old = background_jobs.get(hub.read_uow, T, dead.id, owner=None, now=hub.clock())
    assert old is not None and old.state == "interrupted" and old.seconds == 40.0
