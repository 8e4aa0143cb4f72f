"""The learned risk model against the SLA-arithmetic baseline on held-out days.

The model's settings (domain/risk/model.TrainingParams) were chosen looking only at the
month simulated with seed 42. This test judges them on seed 2027's month, which was not
looked at while choosing: days 1-23 train, days 24-30 are held out."""

from __future__ import annotations

import pytest

from orderhub.domain.risk.model import ModelIntegrityError, RiskModel, digest, train_model
from orderhub.domain.risk.snapshot import LabelledSnapshot
from orderhub.services.risk.training import evaluate, split
from orderhub.tools.month_simulation import MonthConfig, month_history

Trained = tuple[RiskModel, list[LabelledSnapshot]]
HELD_OUT_SEED = 2027  # never used for tuning (that was seed 42)


@pytest.fixture(scope="module")
def trained() -> tuple[RiskModel, list[LabelledSnapshot]]:
    history = month_history(MonthConfig(orders_per_day=300, seed=HELD_OUT_SEED))
    train, test = split(history, 23)
    model = train_model([h.snapshot for h in train], [int(h.late) for h in train],
                        seed=HELD_OUT_SEED)
    return model, test


def test_the_model_beats_the_baseline_on_held_out_days(trained: Trained) -> None:
    model, test = trained
    result = evaluate(model, test)
    assert result.model is not None
    assert result.model.positives > 100 and result.model.n > 3000
    assert result.model.auc > result.baseline.auc + 0.01, result.as_dict()
    assert result.model.brier < result.baseline.brier, result.as_dict()
    assert result.beats_baseline


def test_reasons_name_what_raises_the_risk(trained: Trained) -> None:
    model, test = trained
    snaps = [h.snapshot for h in test[:400]]
    probs = model.predict(snaps)
    reasons = model.explain(snaps, probs)
    assert len(reasons) == len(snaps)
    riskiest = max(range(len(snaps)), key=lambda i: probs[i])
    assert probs[riskiest] > 0.3
    assert reasons[riskiest] != ["no single factor stands out"]
    assert all("pts)" in r for r in reasons[riskiest])
    # effects are honest differences: removing the named group lowers the probability
    effects = model.effects(model.matrix(snaps), probs)
    top = max(effects, key=lambda g: effects[g][riskiest])
    assert effects[top][riskiest] >= 0.03


def test_stored_bytes_round_trip_and_a_changed_byte_is_refused(
        trained: Trained) -> None:
    model, test = trained
    blob = model.to_bytes()
    again = RiskModel.from_bytes(blob, digest(blob))
    snaps = [h.snapshot for h in test[:50]]
    assert (again.predict(snaps) == model.predict(snaps)).all()
    with pytest.raises(ModelIntegrityError):
        RiskModel.from_bytes(blob[:-1] + bytes([blob[-1] ^ 1]), digest(blob))


def test_the_scorer_gives_reasons_from_a_probability_on(trained: Trained) -> None:
    from orderhub.services.risk import RiskScorer

    model, test = trained
    snaps = [h.snapshot for h in test[:300]]
    full = RiskScorer(model, 4).score(snaps)
    some = RiskScorer(model, 4).score(snaps, reasons_from=0.3)
    assert [r.probability for r in full] == [r.probability for r in some]
    assert all(r.source == "model:v4" and r.reasons and r.reasons_zh for r in full)
    assert all(len(r.reasons) == len(r.reasons_zh) for r in full)
    assert all((r.reasons == []) == (r.probability < 0.3) for r in some)
    assert any(r.probability >= 0.3 for r in some)
