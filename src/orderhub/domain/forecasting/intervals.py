"""Prediction intervals (预测区间) from backtest residuals: the empirical quantiles of
(actual − forecast) of the serving model over every backtest window and horizon are added
to its point forecast (a split-conformal interval, with its finite-sample correction:
calibrated on the series' own out-of-sample errors, whatever the model), and floored at
zero (demand is not negative).
Without backtest residuals (a short series) the in-sample deviations from the mean serve.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

LEVELS = (80, 95)


def quantile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated empirical quantile (numpy's default)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


@dataclass(frozen=True, slots=True)
class Offsets:
    """What is added to a point forecast for each bound."""

    lo80: float
    hi80: float
    lo95: float
    hi95: float

    def apply(self, mean: float) -> tuple[float, float, float, float]:
        return (max(0.0, mean + self.lo80), max(0.0, mean + self.hi80),
                max(0.0, mean + self.lo95), max(0.0, mean + self.hi95))


def conformal_levels(n: int, coverage: float) -> tuple[float, float]:
    """The quantile levels of a two-sided split-conformal interval from n residuals: the
    tails' levels widened by the finite-sample factor (1 + 1/n), so that n residuals give
    at least `coverage` on a new point exchangeable with them."""
    alpha = 1 - coverage
    if n <= 0:
        return alpha / 2, 1 - alpha / 2
    hi = min(1.0, (1 - alpha / 2) * (1 + 1 / n))
    lo = max(0.0, alpha / 2 * (1 + 1 / n) - 1 / n)
    return lo, hi


def offsets(residuals: Sequence[float]) -> Offsets:
    lo80, hi80 = conformal_levels(len(residuals), 0.80)
    lo95, hi95 = conformal_levels(len(residuals), 0.95)
    return Offsets(quantile(residuals, lo80), quantile(residuals, hi80),
                   quantile(residuals, lo95), quantile(residuals, hi95))


def in_sample_residuals(values: Sequence[float]) -> list[float]:
    if not values:
        return [0.0]
    mean = sum(values) / len(values)
    return [v - mean for v in values]
