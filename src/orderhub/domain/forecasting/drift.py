"""Drift (预测漂移): a series whose live error has left its backtest band. The band is the
worst backtest window's WAPE of the serving model times `TOLERANCE` (at least
`FLOOR` above the backtest WAPE); the live WAPE is measured over the days since the fit
that now have actuals, once there are at least `MIN_DAYS` of them and something sold."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from orderhub.domain.forecasting.metrics import wape

TOLERANCE = 1.25
FLOOR = 0.15
MIN_DAYS = 7


@dataclass(frozen=True, slots=True)
class DriftCheck:
    live_wape: float | None
    band: float
    days: int
    drifted: bool


def band(backtest_wape: float, worst_window_wape: float) -> float:
    return max(worst_window_wape * TOLERANCE, backtest_wape + FLOOR)


def check(actual: Sequence[float], forecast: Sequence[float], limit: float) -> DriftCheck:
    live = wape(actual, forecast)
    drifted = len(actual) >= MIN_DAYS and live is not None and live > limit
    return DriftCheck(live, limit, len(actual), drifted)
