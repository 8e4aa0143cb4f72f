"""Which model serves a series: the one with the lowest rolling-origin backtest error
(sum of absolute errors over every window, i.e. the series' WAPE), among the candidate
models; unless none beats the best of the baselines, in which case that baseline serves
and the forecast says why (`fallback_reason`). A series too short to backtest is
forecast by its historic mean, and says so too."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# statsforecast models (adapters/forecasting), each with the calendar adjustment
# (calendar.py), and their equal-weight ensemble (the mean of the four forecasts).
CANDIDATES = ("auto_ets", "auto_theta", "croston_optimized", "adida", "ensemble")
ENGINE_MODELS = CANDIDATES[:4]
BASELINES = ("seasonal_naive", "naive", "historic_mean")
MODELS = CANDIDATES + BASELINES


@dataclass(frozen=True, slots=True)
class Choice:
    model: str
    fallback_reason: str | None
    errors: dict[str, float]  # backtest absolute error per model (all of them)

    @property
    def best_baseline(self) -> str | None:
        scored = [b for b in BASELINES if b in self.errors]
        return min(scored, key=lambda b: self.errors[b]) if scored else None


def windows(length: int, horizon: int, count: int, min_train: int) -> list[int]:
    """Rolling origins: the training lengths of up to `count` windows of `horizon` days,
    the last ending with the history, each at least `min_train` days of training. Fewer
    windows (possibly none) when the history is short."""
    out = []
    for i in range(count, 0, -1):
        train = length - i * horizon
        if train >= min_train:
            out.append(train)
    return out


def choose(errors: Mapping[str, float],
           daily: Mapping[str, Sequence[float]] | None = None) -> Choice:
    """The serving model from each model's backtest absolute error. With `daily` (each
    model's absolute error per backtest day, the days in the same order for every model)
    a candidate must beat the best baseline by more than the noise of the comparison:
    its mean daily advantage over `MARGIN` standard errors of the paired differences.
    Otherwise a backtest won by luck (the winner's curse of picking among many models on
    a few weeks) would serve a model no better than the baseline."""
    scored = dict(errors)
    baselines = {m: e for m, e in scored.items() if m in BASELINES}
    candidates = {m: e for m, e in scored.items() if m in CANDIDATES}
    if not baselines:
        raise ValueError("a choice needs at least one baseline's backtest error")
    baseline = min(baselines, key=lambda m: (baselines[m], BASELINES.index(m)))
    if daily and "historic_mean" in baselines and baseline != "historic_mean":
        # the steadiest baseline stays unless another beats it beyond the noise, too
        t = _advantage(daily[baseline], daily["historic_mean"])
        if t is not None and t <= MARGIN:
            baseline = "historic_mean"
    if candidates:
        best = min(candidates, key=lambda m: (candidates[m], CANDIDATES.index(m)))
        if candidates[best] < baselines[baseline]:
            t = _advantage(daily[best], daily[baseline]) if daily else None
            if t is None or t > MARGIN:
                return Choice(best, None, scored)
            reason = (f"no model beat the best baseline by more than the backtest's noise: "
                      f"{best} error {candidates[best]:.4g} vs {baseline} "
                      f"{baselines[baseline]:.4g} (t = {t:.2f} < {MARGIN})")
        else:
            reason = (f"no model beat the best baseline in backtest: {best} error "
                      f"{candidates[best]:.4g} vs {baseline} {baselines[baseline]:.4g}")
    else:
        reason = "no model could be fitted"
    return Choice(baseline, reason, scored)


MARGIN = 1.0  # standard errors


def _advantage(model: Sequence[float], baseline: Sequence[float]) -> float | None:
    """The paired t statistic of baseline − model absolute errors (positive: the model
    is better); None with fewer than two days."""
    diffs = [b - m for m, b in zip(model, baseline, strict=True)]
    n = len(diffs)
    if n < 2:
        return None
    mean = sum(diffs) / n
    var = sum((d - mean) ** 2 for d in diffs) / (n - 1)
    if var == 0:
        return float("inf") if mean > 0 else 0.0
    return mean / math.sqrt(var / n)


def too_short(days: int) -> Choice:
    return Choice("historic_mean", f"history too short for a backtest ({days} day(s)): "
                  "historic mean", {})
