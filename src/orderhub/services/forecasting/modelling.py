"""Fit every series through an engine and decide what serves it: backtest errors per
model, the choice with its fallback (domain/forecasting/selection), segments, and the
forecast with 80%/95% intervals from the serving model's backtest residuals. No storage:
fitting.py stores it, evaluation.py scores it on held-out days."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from orderhub.adapters.forecasting.engine import ForecastEngine
from orderhub.domain.forecasting import intervals, metrics, segments, selection
from orderhub.domain.forecasting.reconcile import Point
from orderhub.domain.forecasting.series import MIN_BACKTEST_DAYS, DailySeries, SeriesKey

REPORTED_BASELINES = selection.BASELINES


@dataclass(slots=True)
class SeriesFit:
    key: SeriesKey
    segment: segments.Segment
    model: str
    fallback_reason: str | None
    points: list[Point]
    backtest_wape: dict[str, float | None] = field(default_factory=dict)  # per model
    worst_window_wape: float | None = None  # the serving model's worst window
    baselines: dict[str, list[Point]] = field(default_factory=dict)  # evaluation only

    def summary(self) -> dict[str, object]:
        return {"backtest_wape": self.backtest_wape, "worst_window_wape":
                self.worst_window_wape}


def _points(series: DailySeries, values: Sequence[float], residuals: Sequence[float]) -> (
        list[Point]):
    off = intervals.offsets(residuals)
    first = series.end + timedelta(days=1)
    out = []
    for i, mean in enumerate(values):
        lo80, hi80, lo95, hi95 = off.apply(mean)
        out.append(Point(first + timedelta(days=i), mean, lo80, hi80, lo95, hi95))
    return out


def _historic_mean(series: DailySeries, horizon: int, reason: str) -> SeriesFit:
    mean = sum(series.values) / len(series.values)
    pts = _points(series, [mean] * horizon, intervals.in_sample_residuals(series.values))
    return SeriesFit(series.key, segments.segment(series.values), "historic_mean", reason,
                     pts, baselines={b: pts for b in REPORTED_BASELINES})


def fit(series: Mapping[SeriesKey, DailySeries], engine: ForecastEngine, *, horizon: int,
        windows: int, keep_baselines: bool = False) -> list[SeriesFit]:
    long = [s for s in series.values() if len(s.values) >= MIN_BACKTEST_DAYS]
    out = engine.run(long, horizon, windows)
    fits: list[SeriesFit] = []
    for key, s in sorted(series.items()):
        forecasts = out.forecasts.get(key)
        backtests = out.backtests.get(key)
        if forecasts is None:
            fits.append(_historic_mean(s, horizon, selection.too_short(len(s.values))
                                       .fallback_reason or ""))
            continue
        if not backtests:
            fits.append(_historic_mean(s, horizon, f"history too short for a {horizon}-day "
                                       f"backtest window ({len(s.values)} days): historic "
                                       "mean"))
            continue
        errors: dict[str, float] = {}
        residuals: dict[str, list[float]] = {}
        window_wapes: dict[str, list[float]] = {}
        actual_all: list[float] = []
        for model, runs in backtests.items():
            res: list[float] = []
            for train, predicted in runs:
                actual = list(s.values[train: train + len(predicted)])
                res.extend(a - p for a, p in zip(actual, predicted, strict=True))
                w = metrics.wape(actual, predicted)
                if w is not None:
                    window_wapes.setdefault(model, []).append(w)
                if model == selection.BASELINES[0]:
                    actual_all.extend(actual)
            residuals[model] = res
            errors[model] = sum(abs(r) for r in res)
        choice = selection.choose(errors)
        total = sum(actual_all)
        wapes = {m: (e / total if total > 0 else None) for m, e in errors.items()}
        worst = max(window_wapes.get(choice.model, []), default=None)
        fit_ = SeriesFit(key, segments.segment(s.values), choice.model,
                         choice.fallback_reason,
                         _points(s, forecasts[choice.model], residuals[choice.model]),
                         wapes, worst)
        if keep_baselines:
            fit_.baselines = {b: _points(s, forecasts[b], residuals[b])
                              for b in REPORTED_BASELINES}
        fits.append(fit_)
    return fits
