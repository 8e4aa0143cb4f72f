"""Scoring for the order twin: `RiskScorer.for_tenant(uow, tenant).score(snapshots)`.

The scorer holds the tenant's champion model, loaded once per process and version (the
champion's version is looked up on each `for_tenant`, a one-row read without the model's
bytes), or none: without a trained champion, or when the stored one cannot be loaded (its
digest or feature version does not match), it answers with the SLA-arithmetic baseline,
whose reasons are its own components.

    scorer = RiskScorer.for_tenant(hub.read_uow, tenant)
    for r in scorer.score(snapshots):   # one batch: features, one predict, reasons
        r.probability, r.reasons, r.source
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from orderhub.domain.risk.baseline import baseline_estimate
from orderhub.domain.risk.history import CarrierDelays
from orderhub.domain.risk.model import ModelIntegrityError, RiskModel, say
from orderhub.domain.risk.snapshot import OrderSnapshot, RiskResult
from orderhub.services.risk import carrier_delays
from orderhub.services.unit_of_work import UowFactory

log = logging.getLogger(__name__)

_CACHE: dict[tuple[str, int, str], RiskModel] = {}
_LOCK = threading.Lock()
_MAX_CACHED = 8


def clear_cache() -> None:
    with _LOCK:
        _CACHE.clear()
    carrier_delays.clear_cache()


class RiskScorer:
    def __init__(self, model: RiskModel | None = None, version: int | None = None,
                 carrier_delays: CarrierDelays | None = None) -> None:
        self.model = model
        self.version = version
        # The carriers' measured delays now (for_tenant, with a champion): what a live
        # snapshot's `carrier_delay_hours` is, as training read it (twin/risk.apply).
        self.carrier_delays = carrier_delays

    @property
    def source(self) -> str:
        return f"model:v{self.version}" if self.model is not None else "baseline"

    @classmethod
    def for_tenant(cls, uow: UowFactory, tenant_id: str) -> RiskScorer:
        """The tenant's champion (cached per process), or the baseline without one."""
        with uow() as u:
            record = u.risk_models.champion(tenant_id)
            if record is None:
                return cls()
            key = (tenant_id, record.version, record.sha256)
            with _LOCK:
                model = _CACHE.get(key)
            if model is None:
                blob = u.risk_models.model_bytes(tenant_id, record.version)
        if model is None:
            try:
                assert blob is not None
                model = RiskModel.from_bytes(blob, record.sha256)
            except ModelIntegrityError as exc:
                log.warning("risk model v%s of %s not usable (%s): scoring with the "
                            "baseline", record.version, tenant_id, exc)
                return cls()
            with _LOCK:
                if len(_CACHE) >= _MAX_CACHED:
                    _CACHE.pop(next(iter(_CACHE)))
                _CACHE[key] = model
        return cls(model, record.version, carrier_delays.measured(uow, tenant_id))

    def score(self, snapshots: Sequence[OrderSnapshot], *,
              reasons_from: float = 0.0) -> list[RiskResult]:
        """P(late) and reasons for each snapshot, in order. Reasons cost the model nine
        more predictions a row: only rows with a probability of at least `reasons_from`
        get them (the others an empty list). A delivered order's outcome is known: 1 or
        0, whatever the model would say."""
        if not snapshots:
            return []
        if self.model is None:
            out = []
            for s in snapshots:
                b = baseline_estimate(s)
                out.append(RiskResult(s.order_id, b.probability, b.reasons(), "baseline",
                                      b.reasons_zh()))
            return out
        x = self.model.matrix(snapshots)
        probs = self.model.predict_matrix(x)
        groups: list[list[tuple[str, float]] | None] = [None] * len(snapshots)
        rows = [i for i, p in enumerate(probs) if p >= reasons_from]
        if rows:
            top = self.model.top_groups([snapshots[i] for i in rows], probs[rows], x[rows])
            for i, chosen in zip(rows, top, strict=True):
                groups[i] = chosen
        results = []
        for s, p, found in zip(snapshots, probs, groups, strict=True):
            if "delivered" in s.stages:
                b = baseline_estimate(s)
                results.append(RiskResult(s.order_id, b.probability, b.reasons(), "outcome",
                                          b.reasons_zh()))
            elif found is None:
                results.append(RiskResult(s.order_id, float(p), [], self.source))
            else:
                results.append(RiskResult(s.order_id, float(p), say(found, s), self.source,
                                          say(found, s, "zh")))
        return results
