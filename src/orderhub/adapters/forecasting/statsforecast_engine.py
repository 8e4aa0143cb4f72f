"""statsforecast (Nixtla) behind the engine port: AutoETS and AutoTheta (weekly season),
CrostonOptimized and ADIDA (intermittent demand), all fitted in one `StatsForecast` per
call, in parallel over series with `n_jobs` (the baselines need no fitting:
domain/forecasting/baselines.py). The backtest is statsforecast's own
`cross_validation` (rolling origin, step = horizon). The first call in a process compiles
numba code (seconds); later calls reuse it (statsforecast caches it on disk too)."""

from __future__ import annotations

import os
import warnings
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from orderhub.adapters.forecasting.engine import EngineOutput
from orderhub.domain.forecasting.selection import ENGINE_MODELS
from orderhub.domain.forecasting.series import DailySeries, SeriesKey

SEASON = 7


def _models() -> list[Any]:
    from statsforecast.models import ADIDA, AutoETS, AutoTheta, CrostonOptimized

    return [AutoETS(season_length=SEASON, alias="auto_ets"),
            AutoTheta(season_length=SEASON, alias="auto_theta"),
            CrostonOptimized(alias="croston_optimized"), ADIDA(alias="adida")]


MODEL_NAMES = ENGINE_MODELS


class StatsForecastEngine:
    def __init__(self, n_jobs: int = 1) -> None:
        self.n_jobs = n_jobs
        os.environ.setdefault("NIXTLA_ID_AS_COL", "1")

    def _frame(self, series: Sequence[DailySeries], ids: dict[str, SeriesKey],
               cut: dict[str, int] | None = None) -> Any:
        import pandas as pd  # type: ignore[import-untyped, unused-ignore]

        parts = []
        for i, s in enumerate(series):
            uid = f"s{i}"
            ids[uid] = s.key
            values = s.values if cut is None else s.values[: cut[uid]]
            parts.append(pd.DataFrame({
                "unique_id": uid, "ds": pd.date_range(s.start, periods=len(values), freq="D"),
                "y": [float(v) for v in values]}))
        return pd.concat(parts, ignore_index=True)

    def run(self, series: Sequence[DailySeries], horizon: int, windows: int) -> EngineOutput:
        from statsforecast import StatsForecast

        out = EngineOutput()
        if not series:
            return out
        ids: dict[str, SeriesKey] = {}
        frame = self._frame(series, ids)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sf = StatsForecast(models=_models(), freq="D", n_jobs=self.n_jobs)
            forecast = sf.forecast(df=frame, h=horizon)
            self._collect_forecasts(forecast, ids, out)
            # backtests, grouped by how many windows each series' length allows
            by_windows: dict[int, list[DailySeries]] = defaultdict(list)
            for s in series:
                n = min(windows, (len(s.values) - 2 * SEASON) // horizon)
                if n >= 1:
                    by_windows[n].append(s)
            for n, group in sorted(by_windows.items()):
                gids: dict[str, SeriesKey] = {}
                gframe = self._frame(group, gids)
                cv = sf.cross_validation(df=gframe, h=horizon, n_windows=n, step_size=horizon)
                self._collect_backtests(cv, gids, group, out)
        return out

    @staticmethod
    def _collect_forecasts(frame: Any, ids: dict[str, SeriesKey], out: EngineOutput) -> None:
        frame = frame.sort_values(["unique_id", "ds"])
        for uid, rows in frame.groupby("unique_id", sort=False):
            out.forecasts[ids[str(uid)]] = {
                m: [max(0.0, float(v)) for v in rows[m].tolist()] for m in MODEL_NAMES}

    @staticmethod
    def _collect_backtests(cv: Any, ids: dict[str, SeriesKey], group: Sequence[DailySeries],
                           out: EngineOutput) -> None:
        starts = {s.key: s.start for s in group}
        cv = cv.sort_values(["unique_id", "cutoff", "ds"])
        for (uid, cutoff), rows in cv.groupby(["unique_id", "cutoff"], sort=False):
            key = ids[str(uid)]
            train = (cutoff.date() - starts[key]).days + 1
            models = out.backtests.setdefault(key, {})
            for m in MODEL_NAMES:
                values = [max(0.0, float(v)) for v in rows[m].tolist()]
                models.setdefault(m, []).append((train, values))
