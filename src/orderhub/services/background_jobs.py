"""Background jobs started by a person (console bulk actions, file imports, sandbox runs,
routing waves): the work runs in a thread of the process that started it, and its record
(domain/jobs.py) is written to the database as it goes, so that any process shows it.

`start` inserts the record and starts the thread; the work gets a `JobContext` to say its
stage and progress (written at most every PROGRESS_SECONDS, and at the end) and returns
the job's result document. A heartbeat thread touches the record every HEARTBEAT_SECONDS
while the work runs, so a record left "running" by a process that died reads as
interrupted (domain/jobs.JobRecord.settled). A keyed job (one per rule set's sandbox, one
wave per tenant) is started once: a second start, from any process, gets the running one.
Finished jobs are forgotten after KEEP.

What a job changes is stored by the services it calls, each in its own transactions; the
record only tells the person how far it got.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy.exc import IntegrityError

from orderhub.domain.errors import DomainError
from orderhub.domain.ids import new_id
from orderhub.domain.jobs import HEARTBEAT_SECONDS, STALE, JobRecord, JobState
from orderhub.services.unit_of_work import UowFactory

log = logging.getLogger(__name__)
PROGRESS_SECONDS: Final = 0.5  # at most one progress write per job this often
KEEP: Final = timedelta(days=1)  # finished jobs stay visible this long
INTERNAL_ERROR: Final = "internal error (see the server log)"

Clock = Callable[[], datetime]


class JobContext:
    """What the work sees of its job: say the stage, report progress, keep results."""

    def __init__(self, make_uow: UowFactory, record: JobRecord, clock: Clock) -> None:
        self.make_uow = make_uow
        self.record = record
        self.clock = clock
        self._written = 0.0
        self._lock = threading.Lock()  # the heartbeat thread writes too

    def stage(self, stage: str) -> None:
        """What it does now (a console catalogue key suffix: "replaying", "optimising")."""
        self.record.stage = stage
        self._write(force=True)

    def progress(self, done: int, total: int | None = None,
                 detail: dict[str, Any] | None = None, *, force: bool = False) -> None:
        """Items done (of total); `detail`: results so far. Written when PROGRESS_SECONDS
        passed since the last write (or `force`)."""
        self.record.done = done
        if total is not None:
            self.record.total = total
        if detail is not None:
            self.record.detail = detail
        self._write(force=force)

    def beat(self) -> None:
        self._write(force=True, beat_only=True)

    def _write(self, *, force: bool, beat_only: bool = False) -> None:
        now_mono = time.monotonic()
        if not force and now_mono - self._written < PROGRESS_SECONDS:
            return
        with self._lock:
            self._written = now_mono
            r = self.record
            try:
                with self.make_uow() as uow:
                    if beat_only:
                        uow.jobs.progress(r.id, now=self.clock())
                    else:
                        uow.jobs.progress(r.id, now=self.clock(), stage=r.stage, done=r.done,
                                          total=r.total, detail=dict(r.detail))
                    uow.commit()
            except Exception:  # progress is best effort: the work goes on
                log.exception("could not record the progress of job %s", r.id)


def start(make_uow: UowFactory, *, tenant_id: str, kind: str, actor: str, clock: Clock,
          work: Callable[[JobContext], dict[str, Any]], id_prefix: str = "job",
          key: str | None = None, label: dict[str, Any] | None = None,
          total: int | None = None) -> JobRecord:
    """Record a running job and run `work` in a thread; with `key`, the job of that key
    that is already running (from this process or another) if there is one."""
    now = clock()
    record = JobRecord(id=new_id(id_prefix), tenant_id=tenant_id, kind=kind, actor=actor,
                       started_at=now, key=key, total=total, label=dict(label or {}),
                       heartbeat_at=now)
    try:
        with make_uow() as uow:
            uow.jobs.prune(now - KEEP)
            if key is not None:
                uow.jobs.interrupt_stale(tenant_id, key, now - STALE, now)
            uow.jobs.add(record)
            uow.commit()
    except IntegrityError:  # the key runs already: that job
        assert key is not None
        with make_uow() as uow:
            running = uow.jobs.latest_for_key(tenant_id, key)
        if running is None:
            raise
        return running.settled(now)
    context = JobContext(make_uow, record, clock)
    threading.Thread(target=_run, args=(context, work), daemon=True,
                     name=f"job-{record.id}").start()
    return record


def _run(context: JobContext, work: Callable[[JobContext], dict[str, Any]]) -> None:
    record = context.record
    stop = threading.Event()

    def heartbeat() -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            context.beat()

    beating = threading.Thread(target=heartbeat, daemon=True, name=f"job-beat-{record.id}")
    beating.start()
    state, detail = JobState.FAILED, dict(record.detail)
    try:
        record.stage = "running"
        detail = work(context)
        state = JobState.DONE
    except (DomainError, ValueError) as exc:  # a refusal: shown as said
        detail = {**record.detail, "error": str(exc)[:500] or type(exc).__name__}
    except Exception:
        log.exception("job %s (%s) failed", record.id, record.kind)
        detail = {**record.detail, "error": INTERNAL_ERROR}
    finally:
        stop.set()
        beating.join()
        _finish(context, state, detail)


def _finish(context: JobContext, state: str, detail: dict[str, Any]) -> None:
    """Record the end; when the result cannot be stored (a value the JSON column refuses),
    record the job failed with the internal error instead, so that it does not read as
    running (and hold its key) until it goes stale."""
    record = context.record
    for end, doc in ((state, detail), (JobState.FAILED, {"error": INTERNAL_ERROR})):
        try:
            with context.make_uow() as uow:
                uow.jobs.finish(record.id, end, now=context.clock(), done=record.done,
                                total=record.total, detail=doc)
                uow.commit()
            return
        except Exception:
            log.exception("could not record the end of job %s (%s)", record.id, end)


def get(read_uow: UowFactory, tenant_id: str, job_id: str, *, owner: str | None,
        now: datetime) -> JobRecord | None:
    """The job, if it is the tenant's and (`owner` not None) started by `owner`."""
    with read_uow() as uow:
        job = uow.jobs.get(tenant_id, job_id)
    if job is None or (owner is not None and job.actor != owner):
        return None
    return job.settled(now)


def latest(read_uow: UowFactory, tenant_id: str, key: str, *, now: datetime) -> JobRecord | None:
    """The newest job of `key` (running or not)."""
    with read_uow() as uow:
        job = uow.jobs.latest_for_key(tenant_id, key)
    return None if job is None else job.settled(now)


def recent(read_uow: UowFactory, tenant_id: str, kind: str, *, owner: str | None,
           now: datetime, limit: int = 10) -> list[JobRecord]:
    with read_uow() as uow:
        jobs = uow.jobs.recent(tenant_id, kind, owner, limit)
    return [j.settled(now) for j in jobs]
