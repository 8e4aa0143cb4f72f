"""The console's background jobs are stored, not kept in one process's memory: a bulk
action started through one server process is shown by another (`orderhub serve --workers
N` puts the page's polls on any of them), a keyed job (a wave, a rule set's sandbox) runs
once across processes, and a job whose process died reads as interrupted and frees its key.

Two apps on two Hubs over the same database stand for two server processes: they share
nothing but the database (their own engines, sessions and threads).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orderhub.api.app import create_app
from orderhub.bootstrap import Hub, bootstrap
from orderhub.config import Settings
from orderhub.domain.ids import new_id
from orderhub.domain.jobs import STALE, JobRecord
from orderhub.services import background_jobs
from orderhub.services.access import users
from orderhub.services.background_jobs import JobContext
from orderhub.services.intake.submit import submit_orders
from tests.conftest import Clock
from tests.console_support import PASSWORD, csrf_of
from tests.factories import SHANGHAI, T, draft, seed_network


@pytest.fixture
def other_hub(database_url: str, clock: Clock, hub: Hub) -> Iterator[Hub]:
    """A second server process's Hub: same database, nothing else shared."""
    h = bootstrap(Settings(database_url=database_url), clock=clock)
    yield h
    h.close()


@pytest.fixture
def apps(hub: Hub, other_hub: Hub) -> tuple[Any, Any]:
    seed_network(hub)
    for login, role in (("op", "operations"), ("op2", "operations"),
                        ("boss", "tenant_admin")):
        users.create_user(hub.uow, T, login=login, role=role, password=PASSWORD,
                          granter=None, actor="test", now=hub.clock())
    return create_app(hub), create_app(other_hub)


def _client(app: Any, login: str = "op") -> TestClient:
    c = TestClient(app, follow_redirects=False)
    form = c.get("/console/sign-in")
    r = c.post("/console/sign-in", data={"tenant": T, "login": login, "password": PASSWORD,
                                         "csrf": csrf_of(form.text)})
    assert r.status_code == 303, r.text
    return c


def _held(hub: Hub, n: int) -> list[str]:
    drafts = [draft(f"J-{i}", address=replace(SHANGHAI, district="")) for i in range(n)]
    out = submit_orders(hub.uow, T, drafts, strategy=hub.strategy, now=hub.clock(),
                        actor="test", presale_lock=hub.presale_lock)
    return [str(r.order_id) for r in out]


def _wait_done(c: TestClient, location: str) -> str:
    deadline = time.monotonic() + 20
    while True:
        page = c.get(location, headers={"HX-Request": "true"})
        assert page.status_code == 200, page.text
        if 'data-state="done"' in page.text:
            return page.text
        assert time.monotonic() < deadline, page.text
        time.sleep(0.05)


def _finished(hub: Hub, job_id: str) -> JobRecord:
    """Wait for a job's thread to record its end (before the test closes the Hub)."""
    deadline = time.monotonic() + 20
    while True:
        job = background_jobs.get(hub.read_uow, T, job_id, owner=None, now=hub.clock())
        if job is not None and not job.running:
            return job
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_a_bulk_job_started_on_one_process_is_followed_on_another(
        apps: tuple[Any, Any], hub: Hub) -> None:
    first, second = apps
    ids = _held(hub, 3)
    a = _client(first)
    started = a.post("/console/held/bulk", data={
        "csrf": csrf_of(a.get("/console/held").text), "ids": ids, "action": "cancel",
        "reason": "duplicates"})
    assert started.status_code == 303
    location = started.headers["location"]
    b = _client(second)  # the same person, on the other process
    html = _wait_done(b, location)
    assert 'data-progress="3/3"' in html and html.count('data-result="ok"') == 3
    page = b.get(location)
    assert page.status_code == 200 and "3 of 3 done, 0 refused." in page.text
    # still only its creator's (and the tenant admins'), on every process
    assert _client(second, "op2").get(location).status_code == 404
    assert _client(second, "boss").get(location).status_code == 200


def test_a_keyed_job_runs_once_across_processes(hub: Hub, other_hub: Hub) -> None:
    release = threading.Event()
    runs: list[str] = []

    def work(job: JobContext) -> dict[str, Any]:
        runs.append(job.record.id)
        job.stage("optimising")
        assert release.wait(20)
        return {"result": {"n": 1}}

    key = f"wave:{T}"
    one = background_jobs.start(hub.uow, tenant_id=T, kind="wave", actor="a",
                                clock=hub.clock, work=work, key=key)
    two = background_jobs.start(other_hub.uow, tenant_id=T, kind="wave", actor="b",
                                clock=other_hub.clock, work=work, key=key)
    assert two.id == one.id and two.actor == "a" and two.running
    release.set()
    job = _finished(other_hub, one.id)
    assert job.state == "done" and job.detail == {"result": {"n": 1}} and runs == [one.id]
    # finished: the key is free again
    release.clear()
    three = background_jobs.start(hub.uow, tenant_id=T, kind="wave", actor="c",
                                  clock=hub.clock, work=lambda j: {}, key=key)
    assert three.id != one.id and _finished(hub, three.id).state == "done"


def test_a_job_whose_process_died_reads_interrupted_and_frees_its_key(
        apps: tuple[Any, Any], hub: Hub, clock: Clock) -> None:
    first, _ = apps
    started = clock() - timedelta(minutes=5)
    dead = JobRecord(id=new_id("blk"), tenant_id=T, kind="bulk", actor="user:op",
                     started_at=started, total=10, done=4, label={"action": "resume"},
                     detail={"results": [["o1", "ok", "allocated"]]},
                     heartbeat_at=started + timedelta(seconds=20))
    wave = JobRecord(id=new_id("job"), tenant_id=T, kind="wave", actor="op",
                     started_at=started, key=f"wave:{T}", heartbeat_at=started)
    with hub.uow() as uow:
        uow.jobs.add(dead)
        uow.jobs.add(wave)
        uow.commit()
    c = _client(first)
    page = c.get(f"/console/held/jobs/{dead.id}", headers={"HX-Request": "true"})
    assert page.status_code == 200
    assert 'data-state="interrupted"' in page.text and 'data-progress="4/10"' in page.text
    assert "hx-trigger" not in page.text  # nothing to poll for
    c.cookies.set("oh_lang", "zh", path="/console")
    assert "已中断" in c.get(f"/console/held/jobs/{dead.id}").text
    # the wave page shows the dead wave as interrupted; starting a wave is offered again
    c.cookies.set("oh_lang", "en", path="/console")
    network = c.get("/console/network/wave")
    assert network.status_code == 200 and 'data-job="interrupted"' in network.text
    # a new start takes the key over from the dead job
    assert clock() - (wave.heartbeat_at or started) > STALE
    fresh = background_jobs.start(hub.uow, tenant_id=T, kind="wave", actor="op",
                                  clock=hub.clock, work=lambda j: {}, key=f"wave:{T}")
    assert fresh.id != wave.id and _finished(hub, fresh.id).state == "done"
    with hub.read_uow() as uow:
        old = uow.jobs.get(T, wave.id)
    assert old is not None and old.state == "interrupted" and old.finished_at is not None


def test_finished_jobs_are_forgotten_after_keep(hub: Hub, clock: Clock) -> None:
    old = clock() - background_jobs.KEEP - timedelta(minutes=1)
    gone = JobRecord(id=new_id("imp"), tenant_id=T, kind="import", actor="op",
                     started_at=old, state="done", finished_at=old, heartbeat_at=old)
    kept = JobRecord(id=new_id("imp"), tenant_id=T, kind="import", actor="op",
                     started_at=clock(), state="done", finished_at=clock(), heartbeat_at=clock())
    with hub.uow() as uow:
        uow.jobs.add(gone)
        uow.jobs.add(kept)
        uow.commit()
    new = background_jobs.start(hub.uow, tenant_id=T, kind="import", actor="op",
                                clock=hub.clock, work=lambda j: {})
    _finished(hub, new.id)
    with hub.read_uow() as uow:
        assert uow.jobs.get(T, gone.id) is None
        assert uow.jobs.get(T, kept.id) is not None
