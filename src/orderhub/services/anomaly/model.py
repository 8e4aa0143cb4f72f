"""The anomaly model: trained on labelled traffic replayed through the same pure detector
intake runs (domain/anomaly: facts, features, reasons; the sightings kept in memory
instead of the fingerprint table), stored versioned beside the keys, and evaluated on
other seeds.

Why a gradient-boosted classifier (scikit-learn's HistGradientBoostingClassifier) and not
an IsolationForest: the generator gives labels, and the question a person is asked ("is
this brushing or fraud?") is a supervised one. An IsolationForest scores what is rare,
and most rare orders are legitimate (a VIP's big basket, an office of colleagues, a gift
to another province): on the training seeds it held far more clean orders for the same
recall. The boosted trees learn the combinations (a young account *and* cheap single
items *and* a shared address) that separate the patterns from clean traffic, they take
missing values (an account age a channel did not send) natively, and scoring a batch is
one vectorised call. The reason codes stay the explanation: a hold needs a high score
*and* at least one reason code, so every held order says why in words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from orderhub.adapters.anomaly_model import ModelStore, SklearnScorer
from orderhub.domain.anomaly.decision import Assessment, Scorer, assess
from orderhub.domain.anomaly.facts import Sighting, order_facts
from orderhub.domain.anomaly.metrics import Outcome, quality
from orderhub.domain.anomaly.settings import AnomalySettings
from orderhub.domain.order import Order

CLEAN = "clean"
# One seed's traffic: batches in time order, each (submitted at, [(order, label)]).
Batches = Sequence[tuple[datetime, Sequence[tuple[Order, str]]]]

PARAMS: dict[str, Any] = {"max_iter": 200, "learning_rate": 0.08, "max_leaf_nodes": 15,
                          "min_samples_leaf": 20, "l2_regularization": 1.0,
                          "random_state": 0}


def replay(seed_batches: Batches, settings: AnomalySettings,
           scorer: Scorer | None) -> list[tuple[str, Assessment]]:
    """Run a seed's batches through the detector in memory; (label, assessment) each."""
    history: list[Sighting] = []
    out: list[tuple[str, Assessment]] = []
    for now, group in seed_batches:
        found, seen = assess([order_facts(o) for o, _ in group], history, now, settings,
                             scorer)
        history.extend(seen)
        out.extend((label, a) for (_, label), a in zip(group, found, strict=True))
    return out


def fit(corpus: Iterable[Batches], settings: AnomalySettings | None = None) -> Any:
    """A classifier fitted on the corpus's feature vectors (label: anomalous or clean)."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier

    s = settings or AnomalySettings()
    xs: list[list[float]] = []
    ys: list[int] = []
    for batches in corpus:
        for label, a in replay(batches, s, None):
            xs.append(a.features.vector())
            ys.append(int(label != CLEAN))
    from threadpoolctl import threadpool_limits

    model = HistGradientBoostingClassifier(**PARAMS)
    # One thread: on a shared machine OpenMP's threads mostly wait for each other (a fit
    # of the training seeds took seconds single-threaded, minutes with two contended).
    with threadpool_limits(limits=1):
        model.fit(np.asarray(xs, dtype=float), np.asarray(ys))
    return model


def evaluate(corpus: Iterable[Batches], pattern_codes: Mapping[str, frozenset[str]],
             settings: AnomalySettings | None = None,
             scorer: Scorer | None = None) -> dict[str, Any]:
    """Quality figures (domain/anomaly/metrics) of the detector on the corpus."""
    s = settings or AnomalySettings()
    outcomes = [Outcome(label, a.action.value, tuple(a.codes))
                for batches in corpus for label, a in replay(batches, s, scorer)]
    return quality(outcomes, pattern_codes)


def train(store: ModelStore, training: Sequence[Batches], seeds: Sequence[int],
          pattern_codes: Mapping[str, frozenset[str]], now: datetime) -> dict[str, Any]:
    """Fit on the training seeds, store as a new version (current from now on); the
    metadata keeps the seeds, the parameters and the figures on the training seeds."""
    import sklearn

    model = fit(training)
    scorer = SklearnScorer(model, "candidate")
    figures = evaluate(training, pattern_codes, scorer=scorer)
    version = store.save(model, {
        "trained_at": now.isoformat(), "algorithm": "HistGradientBoostingClassifier",
        "params": PARAMS, "training_seeds": list(seeds),
        "sklearn": sklearn.__version__, "training_figures": figures})
    return {"version": version, "training_seeds": list(seeds),
            "training_figures": figures}
