"""Train a risk model on labelled history, evaluate it and the SLA baseline on held-out
days, store the version, and make it the champion when it beats the baseline.

History is a list of `LabelledSnapshot`s, each with the day its order was placed: days
1..train_days train the model, later days are held out (the model never sees their
outcomes). The champion rule: better than the baseline on both AUC and Brier score on the
held-out days (and `promote` not turned off).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orderhub.adapters.db.risk_model_repository import RiskModelRecord
from orderhub.domain.errors import FieldError, InvalidInput, NotFound
from orderhub.domain.events import RiskModelTrained
from orderhub.domain.risk.baseline import baseline_estimate
from orderhub.domain.risk.features import FEATURE_VERSION
from orderhub.domain.risk.metrics import Scores, scores
from orderhub.domain.risk.model import ALGORITHM, RiskModel, TrainingParams, digest, train_model
from orderhub.domain.risk.snapshot import LabelledSnapshot
from orderhub.services import audit
from orderhub.services.unit_of_work import UowFactory


@dataclass(frozen=True)
class Evaluation:
    model: Scores | None
    baseline: Scores

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"baseline": self.baseline.as_dict()}
        if self.model is not None:
            out["model"] = self.model.as_dict()
        return out

    @property
    def beats_baseline(self) -> bool:
        return (self.model is not None and self.model.auc > self.baseline.auc
                and self.model.brier < self.baseline.brier)


@dataclass(frozen=True)
class TrainingResult:
    version: int
    champion: bool
    evaluation: Evaluation
    train_rows: int
    test_rows: int
    train_days: int = 0


def split(history: Sequence[LabelledSnapshot], train_days: int) -> tuple[
        list[LabelledSnapshot], list[LabelledSnapshot]]:
    return ([h for h in history if h.day <= train_days],
            [h for h in history if h.day > train_days])


def evaluate(model: RiskModel | None, held_out: Sequence[LabelledSnapshot]) -> Evaluation:
    """AUC and Brier of the model (if any) and of the baseline on the same snapshots."""
    labels = [int(h.late) for h in held_out]
    snaps = [h.snapshot for h in held_out]
    base = scores(labels, [baseline_estimate(s).probability for s in snaps])
    return Evaluation(scores(labels, model.predict(snaps)) if model else None, base)


def _check(history: Sequence[LabelledSnapshot], train_days: int) -> tuple[
        list[LabelledSnapshot], list[LabelledSnapshot]]:
    train, test = split(history, train_days)
    errors = []
    for name, part in (("training days", train), ("held-out days", test)):
        lates = sum(h.late for h in part)
        if not part or lates in (0, len(part)):
            errors.append((name, "needs both late and on-time orders"))
    if errors:
        raise InvalidInput([FieldError(loc, msg) for loc, msg in errors])
    return train, test


def train_and_store(uow: UowFactory, tenant_id: str, history: Sequence[LabelledSnapshot], *,
                    train_days: int, seed: int, source: dict[str, Any], actor: str,
                    now: datetime, promote: bool = True,
                    params: TrainingParams | None = None) -> TrainingResult:
    """Train on days 1..train_days, evaluate on the rest, store as the next version."""
    train, test = _check(history, train_days)
    model = train_model([h.snapshot for h in train], [int(h.late) for h in train], seed=seed,
                        params=params)
    evaluation = evaluate(model, test)
    blob = model.to_bytes()
    champion = promote and evaluation.beats_baseline
    training = {**source, "seed": seed, "train_days": train_days, "train_rows": len(train),
                "test_rows": len(test)}
    with uow() as u:
        version = u.risk_models.next_version(tenant_id)
        u.risk_models.add(RiskModelRecord(
            tenant_id, version, now, actor, ALGORITHM, FEATURE_VERSION, evaluation.as_dict(),
            training, digest(blob), champion, len(blob)), blob)
        if champion:
            u.risk_models.make_champion(tenant_id, version)
        u.record(RiskModelTrained(tenant_id=tenant_id, occurred_at=now, actor=actor,
                                  version=version, champion=champion,
                                  metrics=evaluation.as_dict()))
        audit.note(u, tenant_id, now, actor, "risk_model_change", f"risk-model/{version}",
                   {"champion": champion, "metrics": evaluation.as_dict(),
                    "training": training})
        u.commit()
    return TrainingResult(version, champion, evaluation, len(train), len(test), train_days)


def load_version(uow: UowFactory, tenant_id: str, version: int | None) -> tuple[
        int, RiskModel] | None:
    """A stored version (the champion if None), or None if there is none."""
    with uow() as u:
        record = (u.risk_models.champion(tenant_id) if version is None
                  else u.risk_models.get(tenant_id, version))
        if record is None:
            return None
        blob = u.risk_models.model_bytes(tenant_id, record.version)
    assert blob is not None
    return record.version, RiskModel.from_bytes(blob, record.sha256)


def promote(uow: UowFactory, tenant_id: str, version: int, *, actor: str, reason: str,
            now: datetime) -> None:
    """Make a stored version the champion by hand (audited), whatever its metrics."""
    with uow() as u:
        if u.risk_models.get(tenant_id, version) is None:
            raise NotFound(f"risk model version {version}")
        u.risk_models.make_champion(tenant_id, version)
        audit.note(u, tenant_id, now, actor, "risk_model_change", f"risk-model/{version}",
                   {"champion": True, "reason": reason})
        u.commit()
