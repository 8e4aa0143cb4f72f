"""The simple baselines every model is measured against, computed here (they need no
fitting): seasonal-naive (the same weekday a week ago, repeated), naive (yesterday,
repeated) and the historic mean."""

from __future__ import annotations

from collections.abc import Sequence

SEASON = 7


def seasonal_naive(history: Sequence[float], horizon: int) -> list[float]:
    if len(history) < SEASON:
        return naive(history, horizon)
    week = list(history[-SEASON:])
    return [week[i % SEASON] for i in range(horizon)]


def naive(history: Sequence[float], horizon: int) -> list[float]:
    return [float(history[-1]) if history else 0.0] * horizon


def historic_mean(history: Sequence[float], horizon: int) -> list[float]:
    return [sum(history) / len(history) if history else 0.0] * horizon


BASELINE_FORECASTS = {"seasonal_naive": seasonal_naive, "naive": naive,
                      "historic_mean": historic_mean}
