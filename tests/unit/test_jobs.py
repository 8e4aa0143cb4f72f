"""Periodic jobs and their scheduler, without threads: a fake steady clock decides what is
due, and each job runs once when asked."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

import pytest

from orderhub.services.jobs import Job, Scheduler, carrier_probe

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


class Steady:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_each_job_runs_on_its_own_interval() -> None:
    ran: list[tuple[str, datetime]] = []
    steady = Steady()
    scheduler = Scheduler(
        [
            Job("sweep", 10, lambda now: ran.append(("sweep", now))),
            Job("prune", 30, lambda now: ran.append(("prune", now)), first_after_seconds=10),
        ],
        lambda: NOW,
        monotonic=steady,
    )
    assert scheduler.run_due() == [] and scheduler.seconds_to_next() == 10
    steady.t += 10
    assert scheduler.run_due() == ["sweep", "prune"]
    assert ran == [("sweep", NOW), ("prune", NOW)]  # run with the hub's clock
    steady.t += 10
    assert scheduler.run_due() == ["sweep"]
    assert scheduler.run_due() == []  # at most once per turn
    steady.t += 20
    assert scheduler.run_due() == ["sweep", "prune"]


def test_a_failing_job_is_logged_and_holds_up_no_other(caplog: pytest.LogCaptureFixture) -> None:
    ran: list[str] = []

    def broken(_now: datetime) -> None:
        raise RuntimeError("database away")

    steady = Steady()
    scheduler = Scheduler(
        [Job("broken", 5, broken), Job("fine", 5, lambda _now: ran.append("fine"))],
        lambda: NOW,
        monotonic=steady,
    )
    steady.t += 5
    with caplog.at_level(logging.ERROR):
        assert scheduler.run_due() == ["broken", "fine"]
    assert ran == ["fine"]
    assert "periodic job broken failed" in caplog.text
    steady.t += 5
    assert scheduler.run_due() == ["broken", "fine"]  # tried again at its next turn


def test_job_run_once_returns_what_its_action_returns() -> None:
    assert Job("answer", 60, lambda now: now.year).run_once(NOW) == 2026


def test_carrier_probe_waits_until_there_is_a_desk() -> None:
    class Desk:
        probed = 0

        def probe(self) -> list[str]:
            self.probed += 1
            return ["sf-express"]

    desk: Desk | None = None
    job = carrier_probe(lambda: desk, 30)
    assert job.name == "carrier-probe" and job.run_once(NOW) == []
    desk = Desk()
    assert job.run_once(NOW) == ["sf-express"] and desk.probed == 1


def test_the_scheduler_thread_runs_due_jobs_until_stopped() -> None:
    ticked = threading.Event()
    scheduler = Scheduler([Job("tick", 0.01, lambda _now: ticked.set())], lambda: NOW)
    scheduler.start()
    try:
        assert ticked.wait(5)
    finally:
        scheduler.stop()
    ticked.clear()
    assert not ticked.wait(0.05)  # stopped: nothing runs any more
