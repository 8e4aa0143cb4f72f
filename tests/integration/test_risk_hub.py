"""The risk model's hub-history path: a few simulated days written into the hub through
its real services, read back in bulk as labelled snapshots. Each snapshot is what the
order's own stored events up to its moment imply, and nothing later can change it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from orderhub.bootstrap import Hub
from orderhub.domain.risk.history import snapshot_at, stage_times
from orderhub.domain.risk.snapshot import CHINA_TZ
from orderhub.domain.twin.stages import Stage, entries_from_events
from orderhub.services.risk.hub_history import hub_snapshots, read_history, train_from_hub
from orderhub.tools.demo import build_demo
from orderhub.tools.month_simulation import MonthConfig, drive_sample, simulate_month
from tests.conftest import Clock

START = date(2026, 11, 16)


def _drive(hub: Hub, clock: Clock) -> None:
    build_demo(hub, skus=200, now=datetime(2026, 11, 1, tzinfo=UTC))
    month = simulate_month(MonthConfig(days=6, start=START, orders_per_day=60, seed=5))
    report = drive_sample(hub, "default", month, 80)
    assert report.delivered > 50 and report.checkpoints >= report.delivered
    clock.now = datetime(2026, 12, 6, tzinfo=UTC)


def test_hub_snapshots_are_what_the_events_imply_never_see_later_and_train(
        hub: Hub, clock: Clock) -> None:
    _drive(hub, clock)
    found = hub_snapshots(hub.uow, "default", days=25, now=clock.now, seed=11)
    assert found.first_day == clock.now.astimezone(CHINA_TZ).date() - timedelta(days=24)
    items = found.items
    assert len(items) > 80 and {True, False} <= {h.late for h in items}
    since = datetime(2026, 11, 10, tzinfo=UTC)
    with hub.read_uow() as uow:
        history = read_history(uow, "default", since, clock.now)
        orders = {o.id: o for o in uow.orders.get_many(
            "default", sorted({h.snapshot.order_id for h in items}))}
        events = {oid: [(e.type, e.status, e.occurred_at, e.data)
                        for e in uow.outbox.for_order("default", oid)]
                  for oid in orders}
    by_id = {o.order_id: o for o in history.orders}
    stages_seen = set()
    for item in items:
        s = item.snapshot
        stored = events[s.order_id]
        known = [e for e in stored if e[2] <= s.at]
        # the stages: the twin's fold of the events up to the moment, nothing after it
        assert s.stages == stage_times(entries_from_events(known))
        assert all(when <= s.at for when in s.stages.values())
        stages_seen.add(s.stage)
        # the promise and the site as the order stands now (no re-route here)
        order = orders[s.order_id]
        assert order.promised_delivery is not None
        promise = datetime.combine(order.promised_delivery + timedelta(days=1),
                                   datetime.min.time(), CHINA_TZ)
        assert s.promised_by == promise and s.warehouse == order.shipments[0].warehouse
        delivered = entries_from_events(stored)[Stage.DELIVERED]
        assert item.late == (delivered > promise) and s.at < delivered
        # leakage: the history cut at the snapshot's moment gives the same snapshot
        cut = history.cut(s.at)
        again = snapshot_at(cut, next(o for o in cut.orders if o.order_id == s.order_id),
                            s.at)
        assert again == s
        assert again.queue_depth == s.queue_depth
        assert again.carrier_delay_hours == s.carrier_delay_hours
        assert snapshot_at(history, by_id[s.order_id], s.at) == s
    assert {"released", "picked", "shipped", "in_transit"} <= stages_seen
    assert any(i.snapshot.queue_depth > 0 for i in items)

    # trained from the hub: versioned, model and baseline on the held-out days
    result, source = train_from_hub(hub.uow, "default", days=25, held_out_days=2, seed=3,
                                    actor="test", now=clock.now)
    assert source["source"] == "hub" and result.version == 1
    assert result.train_rows > 0 and result.test_rows > 0
    metrics = result.evaluation.as_dict()
    assert {"model", "baseline"} <= set(metrics)
    with hub.read_uow() as uow:
        record = uow.risk_models.get("default", 1)
    assert record is not None and record.training["source"] == "hub"
