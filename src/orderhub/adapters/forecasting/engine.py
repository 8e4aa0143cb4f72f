"""The port the forecasting services fit through: daily series in, per model the backtest
forecasts of each rolling-origin window and the forecast of the next `horizon` days out.

    engine = StatsForecastEngine(n_jobs=2)
    out = engine.run(series, horizon=28, windows=2)
    out.forecasts[key]["auto_ets"]      # 28 floats
    out.backtests[key]["naive"]         # [(train_length, [28 floats]), ...]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from orderhub.domain.forecasting.series import DailySeries, SeriesKey


@dataclass(slots=True)
class EngineOutput:
    # key -> model -> [(training length, the window's forecasts)]
    backtests: dict[SeriesKey, dict[str, list[tuple[int, list[float]]]]] = field(
        default_factory=dict)
    # key -> model -> the next `horizon` days
    forecasts: dict[SeriesKey, dict[str, list[float]]] = field(default_factory=dict)


class ForecastEngine(Protocol):
    def run(self, series: Sequence[DailySeries], horizon: int, windows: int) -> (
            EngineOutput): ...
