"""AUC (area under the ROC curve) and the Brier score, in numpy (the same figures as
scikit-learn's roc_auc_score and brier_score_loss; a unit test checks that)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Scores:
    auc: float
    brier: float
    n: int
    positives: int

    def as_dict(self) -> dict[str, float | int]:
        return {"auc": round(self.auc, 4), "brier": round(self.brier, 4), "n": self.n,
                "positives": self.positives}


def auc(labels: Sequence[int] | np.ndarray, probs: Sequence[float] | np.ndarray) -> float:
    """Mann-Whitney AUC with average ranks for ties; nan if only one class is present."""
    y = np.asarray(labels, dtype=np.int8)
    p = np.asarray(probs, dtype=np.float64)
    pos = int(y.sum())
    neg = len(y) - pos
    if pos == 0 or neg == 0:
        return float("nan")
    order = np.argsort(p, kind="mergesort")
    sorted_p = p[order]
    ranks = np.empty(len(p), dtype=np.float64)
    i = 0
    while i < len(p):  # average ranks over runs of equal scores
        j = i
        while j + 1 < len(p) and sorted_p[j + 1] == sorted_p[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[y == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))


def brier(labels: Sequence[int] | np.ndarray, probs: Sequence[float] | np.ndarray) -> float:
    y = np.asarray(labels, dtype=np.float64)
    p = np.asarray(probs, dtype=np.float64)
    return float(np.mean((p - y) ** 2)) if len(y) else float("nan")


def scores(labels: Sequence[int] | np.ndarray, probs: Sequence[float] | np.ndarray) -> Scores:
    y = np.asarray(labels, dtype=np.int8)
    return Scores(auc(y, probs), brier(y, probs), len(y), int(y.sum()))
