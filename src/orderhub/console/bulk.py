"""Bulk actions of the console (resume or cancel many held orders): a job runs in a
background thread, in chunks of CHUNK orders, each order through the same service function
the API route calls (so each order is its own transaction, as one API call is: a failure
stops nothing but that order); the page polls the job's progress fragment (htmx).

The jobs live in this process's memory (JOBS, a console/job_registry.py registry), kept for
KEEP after they finish, at most MAX_JOBS: a restart forgets them (the orders' own state and
timelines are what is kept).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final

from orderhub.console.job_registry import JobRegistry
from orderhub.domain.errors import DomainError
from orderhub.domain.ids import new_id

log = logging.getLogger(__name__)
CHUNK: Final = 20
MAX_ORDERS: Final = 500  # per job
MAX_JOBS: Final = 200
KEEP: Final = timedelta(hours=1)

# One order's work: returns the order's status afterwards (raises DomainError to refuse).
Work = Callable[[str], str]


@dataclass
class BulkJob:
    id: str
    tenant_id: str
    actor: str
    action: str  # "resume" | "cancel"
    order_ids: list[str]
    started_at: datetime
    done: int = 0
    results: list[tuple[str, str, str]] = field(default_factory=list)  # id, ok|failed, text
    finished_at: datetime | None = None

    @property
    def total(self) -> int:
        return len(self.order_ids)

    @property
    def running(self) -> bool:
        return self.finished_at is None

    @property
    def percent(self) -> int:
        return 100 if not self.order_ids else round(100 * self.done / self.total)

    @property
    def failed(self) -> int:
        return sum(1 for _, outcome, _ in self.results if outcome == "failed")


class BulkJobs:
    def __init__(self) -> None:
        self._registry: JobRegistry[BulkJob] = JobRegistry(
            max_jobs=MAX_JOBS, keep=KEEP, thread_prefix="console-bulk")
        self._lock = self._registry.lock

    def start(self, tenant_id: str, actor: str, action: str, order_ids: list[str],
              work: Work, *, now: datetime | None = None) -> BulkJob:
        job = BulkJob(new_id("blk"), tenant_id, actor, action, list(order_ids),
                      now or datetime.now(UTC))
        return self._registry.start(job, lambda j: self._run(j, work))

    def get(self, tenant_id: str, job_id: str, owner: str | None) -> BulkJob | None:
        """The job if `owner` started it (None: any of the tenant's; job_registry.owner_of)."""
        return self._registry.get(tenant_id, job_id, owner)

    def _run(self, job: BulkJob, work: Work) -> None:
        for start in range(0, job.total, CHUNK):
            for order_id in job.order_ids[start:start + CHUNK]:
                try:
                    result = (order_id, "ok", work(order_id))
                except DomainError as exc:  # refused for this order: say why, go on
                    result = (order_id, "failed", str(exc))
                except Exception:  # a fault: logged, the job goes on with the next order
                    log.exception("bulk %s of order %s failed", job.action, order_id)
                    result = (order_id, "failed", "internal error (see the server log)")
                with self._lock:
                    job.results.append(result)
                    job.done += 1
        with self._lock:
            job.finished_at = datetime.now(UTC)


JOBS: Final = BulkJobs()
