"""The learned late-delivery model: gradient-boosted trees (scikit-learn's
HistGradientBoostingClassifier, categories native) with isotonic calibration over three
folds, so its probabilities can be read as probabilities (Brier score) and not only ranked
(AUC).

Reasons are computed honestly, by difference from a reference: for each feature group
(features.GROUPS) the snapshot's values are replaced by the training set's typical values
(median of numbers, most frequent category) and the model is asked again; a group's
effect is how much the probability falls without it. The groups that raise the risk most
(by at least `min_effect`) are said in words, each with its effect in points.

Serialised with pickle (`to_bytes`): only the hub writes these bytes (`orderhub risk
train`), the store keeps their SHA-256, and `from_bytes` checks it before unpickling.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from orderhub.domain.risk.features import (
    CATEGORICAL,
    FEATURE_VERSION,
    FEATURES,
    GROUPS,
    NUMERIC,
    categorical_row,
    describe_group,
    numeric_row,
)
from orderhub.domain.risk.snapshot import OrderSnapshot

ALGORITHM = "hist_gradient_boosting+isotonic(cv=3)"


class ModelIntegrityError(ValueError):
    """Stored model bytes do not match their recorded digest."""


@dataclass(frozen=True)
class TrainingParams:
    max_iter: int = 150
    learning_rate: float = 0.05
    max_leaf_nodes: int = 15
    min_samples_leaf: int = 80
    l2_regularization: float = 1.0
    calibration_folds: int = 3
    threads: int = 1  # OpenMP threads; more thrash on a shared, busy machine
    ensemble: bool = True  # a calibrated model per fold (False: one, faster, worse Brier)


@dataclass
class RiskModel:
    estimator: Any  # a fitted CalibratedClassifierCV
    vocab: dict[str, dict[str, int]]  # categorical feature -> category -> code
    reference: np.ndarray  # one encoded row of typical values
    feature_version: int = FEATURE_VERSION

    # ---- features as a matrix -------------------------------------------------------
    def matrix(self, snapshots: Sequence[OrderSnapshot]) -> np.ndarray:
        return encode(snapshots, self.vocab)

    def predict(self, snapshots: Sequence[OrderSnapshot]) -> np.ndarray:
        if not snapshots:
            return np.zeros(0)
        return self.predict_matrix(self.matrix(snapshots))

    def predict_matrix(self, x: np.ndarray) -> np.ndarray:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="openmp"):  # batches are small
            return np.asarray(self.estimator.predict_proba(x)[:, 1], dtype=np.float64)

    # ---- reasons --------------------------------------------------------------------
    def effects(self, x: np.ndarray, probs: np.ndarray) -> dict[str, np.ndarray]:
        """Group -> per-row effect: p(x) - p(x with the group at its typical value)."""
        n = len(x)
        blocks = []
        for members in GROUPS.values():
            xg = x.copy()
            for name in members:
                col = FEATURES.index(name)
                xg[:, col] = self.reference[col]
            blocks.append(xg)
        others = self.predict_matrix(np.vstack(blocks)) if n else np.zeros(0)
        return {g: probs - others[i * n:(i + 1) * n] for i, g in enumerate(GROUPS)}

    def top_groups(self, snapshots: Sequence[OrderSnapshot], probs: np.ndarray,
                   x: np.ndarray | None = None, *, top: int = 3,
                   min_effect: float = 0.03) -> list[list[tuple[str, float]]]:
        """Per snapshot, the groups that raise its probability most: (group, effect)."""
        if not snapshots:
            return []
        effects = self.effects(self.matrix(snapshots) if x is None else x, probs)
        out = []
        for i in range(len(snapshots)):
            ranked = sorted(((float(e[i]), g) for g, e in effects.items()), reverse=True)
            out.append([(g, eff) for eff, g in ranked[:top] if eff >= min_effect])
        return out

    def explain(self, snapshots: Sequence[OrderSnapshot], probs: np.ndarray,
                x: np.ndarray | None = None, *, lang: str = "en") -> list[list[str]]:
        """Reasons in words ("en" or "zh"), each with its effect in points."""
        return [say(groups, s, lang)
                for groups, s in zip(self.top_groups(snapshots, probs, x), snapshots,
                                     strict=True)]

    # ---- storage --------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        return pickle.dumps({"estimator": self.estimator, "vocab": self.vocab,
                             "reference": self.reference,
                             "feature_version": self.feature_version, "features": FEATURES},
                            protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def from_bytes(blob: bytes, sha256: str) -> RiskModel:
        if hashlib.sha256(blob).hexdigest() != sha256:
            raise ModelIntegrityError("stored risk model does not match its digest")
        doc = pickle.loads(blob)  # bytes the hub wrote; digest checked above
        if tuple(doc["features"]) != FEATURES or doc["feature_version"] != FEATURE_VERSION:
            raise ModelIntegrityError(
                f"risk model has feature version {doc['feature_version']}, this code "
                f"{FEATURE_VERSION}: train a new one")
        return RiskModel(doc["estimator"], doc["vocab"], doc["reference"],
                         doc["feature_version"])


def say(groups: list[tuple[str, float]], s: OrderSnapshot, lang: str = "en") -> list[str]:
    if not groups:
        return ["没有突出的单一因素" if lang == "zh" else "no single factor stands out"]
    unit = "个百分点" if lang == "zh" else "pts"
    return [f"{describe_group(g, s, lang)} (+{eff * 100:.0f} {unit})" for g, eff in groups]


def digest(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()


def encode(snapshots: Sequence[OrderSnapshot], vocab: dict[str, dict[str, int]]) -> np.ndarray:
    """Snapshots as a float matrix in FEATURES order; unknown categories become NaN (the
    trees send them the way missing values go)."""
    x = np.empty((len(snapshots), len(FEATURES)), dtype=np.float64)
    k = len(NUMERIC)
    for i, s in enumerate(snapshots):
        x[i, :k] = numeric_row(s)
        for j, (name, value) in enumerate(zip(CATEGORICAL, categorical_row(s), strict=True)):
            x[i, k + j] = vocab[name].get(value, np.nan)
    return x


def build_vocab(snapshots: Sequence[OrderSnapshot]) -> dict[str, dict[str, int]]:
    values: dict[str, set[str]] = {name: set() for name in CATEGORICAL}
    for s in snapshots:
        for name, value in zip(CATEGORICAL, categorical_row(s), strict=True):
            values[name].add(value)
    return {name: {v: i for i, v in enumerate(sorted(vs))} for name, vs in values.items()}


def train_model(snapshots: Sequence[OrderSnapshot], labels: Sequence[int], *, seed: int,
                params: TrainingParams | None = None) -> RiskModel:
    """Fit the calibrated model on labelled snapshots (label 1: delivered late)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import HistGradientBoostingClassifier

    p = params or TrainingParams()
    y = np.asarray(labels, dtype=np.int8)
    if len(set(y.tolist())) < 2:
        raise ValueError("training needs both late and on-time orders")
    vocab = build_vocab(snapshots)
    x = encode(snapshots, vocab)
    mask = [name in CATEGORICAL for name in FEATURES]
    trees = HistGradientBoostingClassifier(
        categorical_features=mask, max_iter=p.max_iter, learning_rate=p.learning_rate,
        max_leaf_nodes=p.max_leaf_nodes, min_samples_leaf=p.min_samples_leaf,
        l2_regularization=p.l2_regularization, early_stopping=False, random_state=seed)
    estimator = CalibratedClassifierCV(trees, method="isotonic", cv=p.calibration_folds,
                                       ensemble=p.ensemble)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=p.threads, user_api="openmp"):
        estimator.fit(x, y)
    reference = np.nanmedian(x, axis=0)
    for j in range(len(CATEGORICAL)):  # the most frequent category, not a median code
        col = x[:, len(NUMERIC) + j]
        col = col[~np.isnan(col)].astype(np.int64)
        reference[len(NUMERIC) + j] = float(np.bincount(col).argmax()) if len(col) else 0.0
    return RiskModel(estimator, vocab, reference)
