"""Risk model versions on a real store: training stores a version with its metrics and
an event and audit entry, the champion is the one scored, and without one the scorer
answers with the SLA baseline."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orderhub.bootstrap import Hub
from orderhub.domain.risk.snapshot import LabelledSnapshot
from orderhub.services.risk import RiskScorer, clear_cache, training, views
from orderhub.tools.month_simulation import MonthConfig, month_history


@pytest.fixture(scope="module")
def history() -> list[LabelledSnapshot]:
    return month_history(MonthConfig(days=14, orders_per_day=120, seed=11))


def test_scorer_falls_back_to_the_baseline_without_a_model(
        hub: Hub, history: list[LabelledSnapshot]) -> None:
    clear_cache()
    scorer = RiskScorer.for_tenant(hub.read_uow, "default")
    assert scorer.source == "baseline"
    results = scorer.score([h.snapshot for h in history[:20]])
    assert len(results) == 20
    assert all(r.source == "baseline" and 0 <= r.probability <= 1 for r in results)
    assert all(r.reasons_zh and "承诺" in r.reasons_zh[0] for r in results)
    assert all("h to the promise" in r.reasons[0] or "promise passed" in r.reasons[0]
               for r in results)


def test_train_store_list_and_score_with_the_champion(
        hub: Hub, history: list[LabelledSnapshot]) -> None:
    clear_cache()
    first = training.train_and_store(
        hub.uow, "default", history, train_days=10, seed=11, source={"source": "test"},
        actor="ops-lily", now=hub.clock(), promote=False)
    assert first.version == 1 and not first.champion
    assert RiskScorer.for_tenant(hub.read_uow, "default").source == "baseline"

    hub.clock.now += timedelta(minutes=5)  # type: ignore[attr-defined]
    second = training.train_and_store(
        hub.uow, "default", history, train_days=10, seed=11, source={"source": "test"},
        actor="ops-lily", now=hub.clock())
    doc = views.list_models(hub.read_uow, "default")
    assert [i["version"] for i in doc["items"]] == [2, 1]
    assert doc["items"][1]["metrics"]["model"]["auc"] > 0.5
    assert doc["items"][1]["training"]["train_rows"] == first.train_rows
    # champion only when it beats the baseline on both figures (on these days, the
    # Double 11 peak unseen in training, its Brier score does not)
    assert second.champion == second.evaluation.beats_baseline
    assert doc["champion"] == (2 if second.champion else None)
    training.promote(hub.uow, "default", 1, actor="ops-lily", reason="test", now=hub.clock())
    scorer = RiskScorer.for_tenant(hub.read_uow, "default")
    assert scorer.source == "model:v1"
    results = scorer.score([h.snapshot for h in history[-50:]])
    assert all(r.source == "model:v1" and r.reasons for r in results)
    assert RiskScorer.for_tenant(hub.read_uow, "default").model is scorer.model  # cached
    assert views.list_models(hub.read_uow, "default")["champion"] == 1
    with hub.read_uow() as uow:
        events = uow.conn.exec_driver_sql(
            "SELECT count(*) FROM outbox WHERE type = 'RiskModelTrained'").scalar_one()
        entries = [e for e in uow.audit.chain("default") if e.kind == "risk_model_change"]
    assert events == 2
    assert [e.subject for e in entries] == ["risk-model/1", "risk-model/2", "risk-model/1"]
