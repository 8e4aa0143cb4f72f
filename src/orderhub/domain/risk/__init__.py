"""Late-delivery risk: what an order in flight looks like at a moment (`OrderSnapshot`),
the features a model may read from it (only what is known at that moment), the SLA
arithmetic baseline, and the learned model (`model.py`, which alone imports scikit-learn).

    snapshot.py   OrderSnapshot, the 11 stages, calendar facts (China time)
    baseline.py   expected remaining hours from SLA arithmetic; P(late) by a logistic squash
    features.py   snapshot -> numeric row (+ categorical codes); names and groups
    model.py      train / predict / explain / serialise (scikit-learn, imported lazily)
    metrics.py    AUC and Brier score (pure numpy, so tests need no model)
"""

from orderhub.domain.risk.baseline import BaselineEstimate, baseline_estimate, expected_remaining
from orderhub.domain.risk.snapshot import STAGES, LabelledSnapshot, OrderSnapshot, RiskResult

__all__ = [
    "STAGES",
    "BaselineEstimate",
    "LabelledSnapshot",
    "OrderSnapshot",
    "RiskResult",
    "baseline_estimate",
    "expected_remaining",
]
