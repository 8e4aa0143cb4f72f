"""Risk features (domain/risk): a snapshot holds only what is known at its time, features
read only the snapshot, the world the simulator observes is built from the past alone,
the SLA baseline behaves as its formula says, and the metrics match scikit-learn's."""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from orderhub.domain.risk.baseline import baseline_estimate, squash
from orderhub.domain.risk.features import categorical_row, numeric_row
from orderhub.domain.risk.metrics import auc, brier
from orderhub.domain.risk.snapshot import STAGES, OrderSnapshot
from orderhub.tools import month_simulation as ms

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def snap(at: datetime, stages: dict[str, datetime], **kw: object) -> OrderSnapshot:
    base: dict[str, object] = dict(
        order_id="o1", at=at, stages=stages, promised_by=T0 + timedelta(hours=60),
        service_level="standard", channel="tmall", warehouse="WH-DX", carrier="ZTO",
        origin_region="central", dest_region="south", lane_days=2.0)
    base.update(kw)
    return OrderSnapshot(**base)  # type: ignore[arg-type]


def test_a_snapshot_refuses_a_stage_entered_after_its_time() -> None:
    with pytest.raises(ValueError, match="after the snapshot time"):
        snap(T0, {"created": T0 - timedelta(hours=1), "validated": T0 + timedelta(minutes=1)})
    with pytest.raises(ValueError, match="missing before"):
        snap(T0, {"created": T0 - timedelta(hours=1), "reserved": T0})
    s = snap(T0, {"created": T0 - timedelta(hours=1), "validated": T0})
    assert s.stage == "validated" and s.stage_index == 1


@pytest.fixture(scope="module")
def month() -> ms.Month:
    return ms.simulate_month(ms.MonthConfig(days=12, orders_per_day=60, seed=5))


def test_features_do_not_change_when_the_future_does(month: ms.Month) -> None:
    """Cut orders in flight, rewrite everything after the cut (later stages, the outcome)
    and cut again: the features are the same."""
    rng = random.Random(1)
    for order in rng.sample(month.orders, 80):
        i = rng.randint(0, STAGES.index("in_transit"))
        begin, end = order.stages[STAGES[i]], order.stages[STAGES[i + 1]]
        at = begin + (end - begin) / 2
        before = month.snapshot(order, at)
        changed = copy.deepcopy(order)
        for stage in STAGES[i + 1:]:
            changed.stages[stage] += timedelta(hours=200)  # much later, and so late
        after = month.snapshot(changed, at)
        assert numeric_row(before) == numeric_row(after)
        assert categorical_row(before) == categorical_row(after)
        assert before.stages == after.stages
        assert changed.late  # the outcome changed too; the features did not


def test_the_observed_carrier_delays_use_only_past_deliveries(month: ms.Month) -> None:
    t0 = month.world.t0
    cut_hour = 5 * 24
    boundary = t0 + timedelta(hours=cut_hour)
    before = ms._carrier_delays(month.orders, t0, month.world.hours)
    changed = copy.deepcopy(month.orders)
    for o in changed:  # every delivery after the cut a week later
        if o.stages["delivered"] >= boundary:
            o.stages["delivered"] += timedelta(days=7)
    after = ms._carrier_delays(changed, t0, month.world.hours)
    for key in before:
        assert np.array_equal(before[key][:cut_hour + 1], after[key][:cut_hour + 1]), key
    assert any(not np.array_equal(before[k], after[k]) for k in before)  # the test can fail


def test_backlog_is_replayed_from_orders_released_before_each_hour(month: ms.Month) -> None:
    """The recorded backlog equals a replay of the queue with only earlier releases."""
    site = "SH-JD"
    queue = sorted((o for o in month.orders if o.warehouse == site),
                   key=lambda o: o.stages["released"])
    h = 8 * 24 + 10
    boundary = month.world.t0 + timedelta(hours=h)
    picked_by = sum(1 for o in queue if o.stages["picked"] < boundary)
    released_by = sum(1 for o in queue if o.stages["released"] < boundary)
    assert month.world.depth[site][h] == released_by - picked_by


def test_the_baseline_is_its_formula() -> None:
    assert squash(10, 10) == pytest.approx(0.5)
    assert squash(40, 10) < 0.01 < squash(12, 10) < 0.5 < squash(5, 10) < squash(-5, 10)
    created = T0 - timedelta(hours=2)
    s = snap(T0, {"created": created, "validated": created, "reserved": created,
                  "allocated": created}, promised_by=T0 + timedelta(hours=10))
    est = baseline_estimate(s)
    # release 0.5 h (passed: 0 left), pick 2, pack 0.5, pick-up 4, scan 2, transit 46
    assert est.expected_hours == pytest.approx(54.5)
    assert est.probability > 0.9
    assert "54.5 h of work left" in est.reasons()[0]
    delivered = {st: created for st in STAGES[:10]}
    done = baseline_estimate(snap(T0, delivered, promised_by=created - timedelta(hours=1)))
    assert done.probability == 1.0


def test_metrics_match_scikit_learn() -> None:
    from sklearn.metrics import brier_score_loss, roc_auc_score

    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 500)
    p = np.round(rng.random(500), 2)  # ties included
    assert auc(y, p) == pytest.approx(roc_auc_score(y, p))
    assert brier(y, p) == pytest.approx(brier_score_loss(y, p))


def test_the_month_is_the_same_for_the_same_seed() -> None:
    cfg = ms.MonthConfig(days=9, orders_per_day=30, seed=77)
    a, b = ms.simulate_month(cfg), ms.simulate_month(cfg)
    assert [(o.order_id, o.stages, o.promised_by, o.late) for o in a.orders] == [
        (o.order_id, o.stages, o.promised_by, o.late) for o in b.orders]
    assert a.world.incidents == b.world.incidents
    other = ms.simulate_month(ms.MonthConfig(days=9, orders_per_day=30, seed=78))
    assert [o.stages for o in other.orders] != [o.stages for o in a.orders]
