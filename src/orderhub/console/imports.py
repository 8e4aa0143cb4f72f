"""File imports started from the console: the upload is read in the request, then
`services/intake/file_import.import_file` (the service `orderhub import` calls) runs in a
background thread, reporting orders done of total through its `progress` hook; the page
polls the job's progress fragment (htmx) and shows the report when it is done.

As console/bulk.py: the jobs live in this process's memory (console/job_registry.py, kept
for KEEP after they finish, at most MAX_JOBS), so the page can be left and come back to
while the process runs; a restart forgets the job (the imported orders are stored, each
batch in its own transaction), and with several server processes the page must come back
to the same one.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from orderhub.console.job_registry import JobRegistry
from orderhub.domain.errors import DomainError
from orderhub.domain.ids import new_id
from orderhub.services.intake.file_import import ImportReport

log = logging.getLogger(__name__)
MAX_JOBS: Final = 100
KEEP: Final = timedelta(hours=1)

# The import's work: called with the progress hook (done, total), returns the report.
Work = Callable[[Callable[[int, int], None]], ImportReport]


@dataclass
class ImportJob:
    id: str
    tenant_id: str
    actor: str
    file_name: str
    channel: str
    started_at: datetime
    done: int = 0  # orders through intake
    total: int | None = None  # orders in the file, once it is read
    report: ImportReport | None = None
    error: str = ""  # the service's refusal (a bad file, an unknown channel)
    finished_at: datetime | None = None

    @property
    def running(self) -> bool:
        return self.finished_at is None

    @property
    def percent(self) -> int:
        if not self.total:
            return 0 if self.running else 100
        return round(100 * self.done / self.total)


class ImportJobs:
    def __init__(self) -> None:
        self._registry: JobRegistry[ImportJob] = JobRegistry(
            max_jobs=MAX_JOBS, keep=KEEP, thread_prefix="console-import")
        self._lock = self._registry.lock

    def start(self, tenant_id: str, actor: str, file_name: str, channel: str, work: Work,
              *, now: datetime | None = None) -> ImportJob:
        job = ImportJob(new_id("imp"), tenant_id, actor, file_name, channel,
                        now or datetime.now(UTC))
        return self._registry.start(job, lambda j: self._run(j, work))

    def get(self, tenant_id: str, job_id: str, owner: str | None) -> ImportJob | None:
        """A copy taken under the lock: the page renders one consistent state (the thread may
        finish while it renders; read live, the page could say "done" without the report's
        refused rows). Only if `owner` started it (None: any; job_registry.owner_of)."""
        job = self._registry.get(tenant_id, job_id, owner)
        if job is None:
            return None
        with self._lock:
            return copy.copy(job)

    def recent(self, tenant_id: str, owner: str | None, limit: int = 10) -> list[ImportJob]:
        return self._registry.recent(tenant_id, owner, limit)

    def _run(self, job: ImportJob, work: Work) -> None:
        def progress(done: int, total: int) -> None:
            with self._lock:
                job.done, job.total = done, total

        try:
            report = work(progress)
            with self._lock:
                job.report = report
                if job.total is None:  # nothing to ingest: every row refused, or none
                    job.total = 0
        except (ValueError, DomainError) as exc:  # the service's refusal: shown as said
            with self._lock:
                job.error = str(exc)[:500]
        except Exception:
            log.exception("console import %s failed", job.id)
            with self._lock:
                job.error = "internal error (see the server log)"
        finally:
            with self._lock:
                job.finished_at = datetime.now(UTC)


JOBS: Final = ImportJobs()
