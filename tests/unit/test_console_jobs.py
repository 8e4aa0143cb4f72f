"""The console's background jobs: one per key while it runs, its state kept for the page
to come back to, a failure reported with its error."""

from __future__ import annotations

import threading
import time

from orderhub.console.jobs import Job, Jobs


def _wait(jobs: Jobs, key: str) -> Job:
    deadline = time.monotonic() + 5
    while True:
        job = jobs.get(key)
        assert job is not None
        if job.state != "running":
            return job
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_one_job_per_key_while_it_runs_then_its_result() -> None:
    jobs = Jobs(workers=2)
    release = threading.Event()

    def work(job: Job) -> int:
        job.stage = "replaying"
        release.wait(5)
        return 42

    first = jobs.start("k", "user:a", work)
    again = jobs.start("k", "user:b", lambda job: 0)
    assert again is first and first.started_by == "user:a"
    assert jobs.get("k") is first and first.state == "running"
    release.set()
    done = _wait(jobs, "k")
    assert (done.state, done.result, done.stage) == ("done", 42, "done")
    assert done.seconds >= 0
    rerun = jobs.start("k", "user:b", lambda job: 7)  # a finished job may run again
    assert rerun is not first and _wait(jobs, "k").result == 7


def test_a_failure_is_kept_with_its_error() -> None:
    jobs = Jobs(workers=1)

    def work(job: Job) -> None:
        raise ValueError("no past orders")

    jobs.start("bad", "user:a", work)
    failed = _wait(jobs, "bad")
    assert (failed.state, failed.error) == ("failed", "no past orders")
    assert jobs.get("other") is None
