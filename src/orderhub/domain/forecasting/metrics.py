"""Accuracy metrics over many points at once (a level, a segment, a series):

- WAPE = Σ|forecast − actual| / Σ actual (weighted absolute percentage error; None when
  nothing sold: there is no scale to weigh by);
- MASE = mean |forecast − actual| / the in-sample MAE of the weekly seasonal-naive
  forecast (the one-step naive's when a series is shorter than two weeks; None if flat);
- bias = Σ(forecast − actual) / Σ actual (positive: over-forecast);
- coverage = the share of actual values inside [lo, hi].
"""

from __future__ import annotations

from collections.abc import Sequence


def wape(actual: Sequence[float], forecast: Sequence[float]) -> float | None:
    total = sum(actual)
    if total <= 0:
        return None
    return sum(abs(f - a) for a, f in zip(actual, forecast, strict=True)) / total


def bias(actual: Sequence[float], forecast: Sequence[float]) -> float | None:
    total = sum(actual)
    if total <= 0:
        return None
    return sum(f - a for a, f in zip(actual, forecast, strict=True)) / total


def mae(actual: Sequence[float], forecast: Sequence[float]) -> float:
    if not actual:
        return 0.0
    return sum(abs(f - a) for a, f in zip(actual, forecast, strict=True)) / len(actual)


def naive_scale(history: Sequence[float], season: int = 7) -> float | None:
    """In-sample MAE of the seasonal-naive forecast: MASE's denominator."""
    lag = season if len(history) > 2 * season else 1
    if len(history) <= lag:
        return None
    scale = sum(abs(history[i] - history[i - lag]) for i in range(lag, len(history)))
    scale /= len(history) - lag
    return scale if scale > 0 else None


def mase(actual: Sequence[float], forecast: Sequence[float], scale: float | None) -> (
        float | None):
    if scale is None or not actual:
        return None
    return mae(actual, forecast) / scale


def coverage(actual: Sequence[float], lo: Sequence[float], hi: Sequence[float]) -> (
        float | None):
    if not actual:
        return None
    inside = sum(1 for a, low, high in zip(actual, lo, hi, strict=True) if low <= a <= high)
    return inside / len(actual)
