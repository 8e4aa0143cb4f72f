"""Background jobs of the console: work too long for one request (a rule set's sandbox run)
runs on a small thread pool, and its state is kept here, server-side, so the user can
leave the page and come back (or reload) and see it running, done or failed.

The state is kept in memory, per process: a restart forgets running jobs (what a finished
job produced is persisted by the service it called: the sandbox records its report on the
rule set), and with several processes a page polls the process that started it only if
the balancer keeps it there (sticky sessions), else it shows the recorded report once the
run is done. One job per key at a time (a second start while one runs gets the running
one). Finished jobs are kept for `KEEP` and then dropped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)
KEEP = 3600.0  # seconds a finished job stays visible
WORKERS = 2


@dataclass
class Job:
    key: str  # e.g. "sandbox:<tenant>:<set id>"
    started_by: str
    started: float = field(default_factory=time.monotonic)
    state: str = "running"  # running | done | failed
    stage: str = "queued"  # what it is doing now (a catalogue key suffix)
    finished: float | None = None
    result: Any = None
    error: str = ""

    @property
    def seconds(self) -> float:
        return round((self.finished or time.monotonic()) - self.started, 1)


class Jobs:
    def __init__(self, workers: int = WORKERS) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="console-job")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Job | None:
        with self._lock:
            self._expire()
            return self._jobs.get(key)

    def start(self, key: str, started_by: str, work: Callable[[Job], Any]) -> Job:
        """Run `work(job)` in the background (it may set `job.stage`); the running job of
        the same key if there is one."""
        with self._lock:
            self._expire()
            current = self._jobs.get(key)
            if current is not None and current.state == "running":
                return current
            job = self._jobs[key] = Job(key, started_by)
        self._pool.submit(self._run, job, work)
        return job

    def _run(self, job: Job, work: Callable[[Job], Any]) -> None:
        job.stage = "running"
        try:
            job.result = work(job)
            job.state = "done"
        except Exception as exc:  # reported on the page, logged in full
            log.exception("console job %s failed", job.key)
            job.error = str(exc)[:500] or type(exc).__name__
            job.state = "failed"
        finally:
            job.finished = time.monotonic()
            job.stage = job.state

    def _expire(self) -> None:
        now = time.monotonic()
        for key in [k for k, j in self._jobs.items()
                    if j.finished is not None and now - j.finished > KEEP]:
            del self._jobs[key]


JOBS = Jobs()
