"""What an anomaly does. Never drop an order: a high score with a reason code holds it
for a person (`suspected_fraud` for brushing and fraud patterns, `anomaly_review` for
prices and quantities); any reason code or a middling score flags it (an
`OrderAnomalyDetected` event, the order goes on); otherwise it passes.

`assess` runs a batch in input order: each order is compared with the sightings read for
the batch plus the batch's earlier orders, then becomes a sighting itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from orderhub.domain.anomaly.facts import Facts, Sighting, sightings
from orderhub.domain.anomaly.features import Cutoffs, Features, Recent, extract
from orderhub.domain.anomaly.reasons import FRAUD_CODES, Reason, ReasonCode, reasons, rules_score
from orderhub.domain.anomaly.settings import AnomalySettings
from orderhub.domain.fast_init import fast_init

RULES_ONLY = "rules"  # model_version when no trained model scored


class Scorer(Protocol):
    """A trained model: probabilities that orders are anomalous, from feature vectors."""

    @property
    def version(self) -> str: ...

    def probabilities(self, rows: Sequence[Sequence[float]]) -> list[float]: ...


class Action(StrEnum):
    PASS = "pass"
    FLAG = "flag"
    HOLD = "hold"


@fast_init
@dataclass(frozen=True, slots=True)
class Assessment:
    facts: Facts
    features: Features
    reasons: list[Reason]
    score: float
    action: Action
    model_version: str

    @property
    def hold_code(self) -> str:
        """The hold code a HOLD uses."""
        fraud = any(r.code in FRAUD_CODES for r in self.reasons)
        return "suspected_fraud" if fraud else "anomaly_review"

    @property
    def codes(self) -> list[str]:
        return [r.code.value for r in self.reasons]


def decide(found: list[Reason], score: float, s: AnomalySettings) -> Action:
    if score >= s.hold_threshold and any(r.code != ReasonCode.MODEL_OUTLIER for r in found):
        return Action.HOLD
    if found or score >= s.flag_threshold:
        return Action.FLAG
    return Action.PASS


def assess(batch: Sequence[Facts], history: list[Sighting], now: datetime,
           s: AnomalySettings, scorer: Scorer | None = None
           ) -> tuple[list[Assessment], list[Sighting]]:
    """Assess a batch; returns the assessments (input order) and the sightings to store."""
    recent = Recent.of(history)
    cut = Cutoffs.at(now, s)
    feats: list[Features] = []
    found: list[list[Reason]] = []
    left: list[Sighting] = []
    for f in batch:
        x = extract(f, recent, now, s, cut)
        feats.append(x)
        found.append(reasons(f, x, s))
        for row in sightings(f, now):
            recent.add(row)
            left.append(row)
    use = scorer if s.use_model else None
    if use is not None and batch:
        scores = [round(p, 4) for p in use.probabilities([x.vector() for x in feats])]
        version = use.version
    else:
        scores = [rules_score(r) for r in found]
        version = RULES_ONLY
    out: list[Assessment] = []
    for f, x, r, score in zip(batch, feats, found, scores, strict=True):
        if use is not None and not r and score >= s.flag_threshold:
            r = [Reason(ReasonCode.MODEL_OUTLIER,
                        f"the model scores this order {score:.2f}; no single rule explains it",
                        f"模型评分{score:.2f}，无单一规则可解释", {"score": score})]
        out.append(Assessment(f, x, r, score, decide(r, score, s), version))
    return out, left
