"""The usage meter: counts in memory, written by the usage-flush job as one upsert per
counter (added to what is stored), kept when a flush fails."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orderhub.bootstrap import Hub
from orderhub.services import jobs
from orderhub.services.metering import UsageMeter, flush
from orderhub.services.unit_of_work import UnitOfWork


def _stored(hub: Hub) -> dict[tuple[str, str], tuple[int, int, int, int]]:
    now = hub.clock()
    with hub.read_uow() as uow:
        return {(t.key, t.status_class): (t.calls, t.failed, t.orders, t.rows)
                for t in uow.usage.totals("default", now - timedelta(days=1),
                                          now + timedelta(days=1), "operation_status")}


def test_the_flush_job_upserts_and_adds(hub: Hub) -> None:
    now = hub.clock()
    meter = hub.meter
    for _ in range(3):
        meter.record("default", "k1", "POST /v1/orders", now, 201, orders=2)
    meter.record("default", "k2", "POST /v1/orders", now + timedelta(minutes=59), 422)
    meter.record("default", "k1", "GET /v1/orders", now + timedelta(hours=1), 200, rows=7)
    assert len(meter) == 3
    job = next(j for j in hub.periodic_jobs() if j.name == "usage-flush")
    assert job.run_once(now) == 3
    assert len(meter) == 0 and job.run_once(now) == 0
    meter.record("default", "k1", "POST /v1/orders", now + timedelta(minutes=5), 200, orders=1)
    assert flush(hub.uow, meter) == 1
    assert _stored(hub) == {("GET /v1/orders", "2xx"): (1, 0, 0, 7),
                            ("POST /v1/orders", "2xx"): (4, 0, 7, 0),
                            ("POST /v1/orders", "4xx"): (1, 1, 0, 0)}
    with hub.read_uow() as uow:  # one row per (credential, operation, hour, class)
        hours = uow.usage.totals("default", now - timedelta(days=1), now + timedelta(days=1),
                                 "hour")
    assert [(h.key[11:13], h.calls) for h in hours] == [("02", 5), ("03", 1)]


def test_a_failed_flush_keeps_the_counts(hub: Hub) -> None:
    meter = UsageMeter()
    meter.record("default", "k", "GET /v1/orders", hub.clock(), 200, rows=3)

    def broken() -> UnitOfWork:
        raise RuntimeError("database away")

    with pytest.raises(RuntimeError):
        jobs.usage_flush(broken, meter).run_once(hub.clock())
    assert len(meter) == 1
    assert flush(hub.uow, meter) == 1
    assert _stored(hub) == {("GET /v1/orders", "2xx"): (1, 0, 0, 3)}


def test_the_hub_writes_what_is_left_when_it_closes(hub: Hub) -> None:
    hub.meter.record("default", "k", "GET /v1/orders", hub.clock(), 200)
    hub.close()  # the engine opens again for this read
    with hub.read_uow() as uow:
        assert uow.usage.totals("default", hub.clock() - timedelta(hours=1),
                                hub.clock() + timedelta(hours=1), "operation")[0].calls == 1


def test_an_api_without_background_work_still_flushes(hub: Hub) -> None:
    """`serve --no-background`: the first metered call starts the usage-flush timer."""
    from tests.api import api_client

    assert hub._usage_scheduler is None
    with api_client(hub) as c:
        c.get("/healthz")  # public: not metered, nothing started
        assert hub._usage_scheduler is None
        assert c.get("/v1/orders").status_code == 200
    scheduler = hub._usage_scheduler
    assert scheduler is not None and [j.name for j in scheduler.jobs] == ["usage-flush"]
    hub.close()
    assert hub._usage_scheduler is None
