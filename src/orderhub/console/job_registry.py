"""The console's in-memory registry of background jobs (bulk actions, file imports): one
lock, the jobs by id, finished ones kept for `keep` and at most `max_jobs` (oldest
finished dropped first), each run in a daemon thread.

A job is visible to the person who started it, and to the tenant's administrators
(`owner_of`): a job id in a link or the browser history shows another operator's orders
and refusals otherwise. Anyone else gets "not found", as for an id that never existed.

The jobs live in this process's memory: a page can be left and come back to while the
process runs, a restart forgets them (what the job changed is stored by the services it
called), and with several server processes the page must come back to the same one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Generic, Protocol, TypeVar

from orderhub.domain.access import Principal, Role


class Job(Protocol):
    id: str
    tenant_id: str
    actor: str  # who started it (Principal.actor)
    started_at: datetime
    finished_at: datetime | None


def owner_of(principal: Principal) -> str | None:
    """Whose jobs `principal` may read: its own (its actor), or None for every job of its
    tenant (a tenant administrator, or the platform's operators)."""
    if principal.role == Role.TENANT_ADMIN or principal.platform:
        return None
    return principal.actor


J = TypeVar("J", bound=Job)


class JobRegistry(Generic[J]):
    def __init__(self, *, max_jobs: int, keep: timedelta, thread_prefix: str) -> None:
        self.lock = threading.Lock()  # also guards the jobs' progress fields
        self._jobs: dict[str, J] = {}
        self._max_jobs = max_jobs
        self._keep = keep
        self._prefix = thread_prefix

    def start(self, job: J, run: Callable[[J], None]) -> J:
        """Register `job` and run `run(job)` in a thread of its own."""
        with self.lock:
            self._forget_old(job.started_at)
            self._jobs[job.id] = job
        threading.Thread(target=run, args=(job,), daemon=True,
                         name=f"{self._prefix}-{job.id}").start()
        return job

    def get(self, tenant_id: str, job_id: str, owner: str | None) -> J | None:
        """The job, if it is the tenant's and (`owner` not None) started by `owner`."""
        with self.lock:
            job = self._jobs.get(job_id)
        if job is None or job.tenant_id != tenant_id:
            return None
        return job if owner is None or job.actor == owner else None

    def recent(self, tenant_id: str, owner: str | None, limit: int = 10) -> list[J]:
        with self.lock:
            mine = [j for j in self._jobs.values() if j.tenant_id == tenant_id
                    and (owner is None or j.actor == owner)]
        return sorted(mine, key=lambda j: j.started_at, reverse=True)[:limit]

    def _forget_old(self, now: datetime) -> None:
        for jid, j in list(self._jobs.items()):
            if j.finished_at is not None and now - j.finished_at > self._keep:
                del self._jobs[jid]
        finished = sorted((j for j in self._jobs.values() if j.finished_at is not None),
                          key=lambda j: j.started_at)
        while len(self._jobs) >= self._max_jobs and finished:
            del self._jobs[finished.pop(0).id]
