"""Fit every series through an engine and decide what serves it: backtest errors per
model, the choice with its fallback (domain/forecasting/selection), segments, and the
forecast with 80%/95% intervals from the serving model's backtest residuals. No storage:
fitting.py stores it, evaluation.py scores it on held-out days.

The candidate models see the history with promotion days cleansed and their forecasts
get the promotion uplift back (domain/forecasting/calendar.py); the baselines
(domain/forecasting/baselines.py) see the raw history, as a planner's spreadsheet would.
Every model is scored on the same raw actuals of the same rolling-origin windows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from orderhub.adapters.forecasting.engine import ForecastEngine
from orderhub.domain.forecasting import calendar, intervals, metrics, segments, selection
from orderhub.domain.forecasting.baselines import BASELINE_FORECASTS
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


def _points(first: date, values: Sequence[float], residuals: Sequence[float],
            factors: Sequence[float] | None = None) -> list[Point]:
    """Points from `first` on; a promotion day's interval offsets scale with its uplift."""
    off = intervals.offsets(residuals)
    out = []
    for i, mean in enumerate(values):
        k = factors[i] if factors is not None else 1.0
        out.append(Point(first + timedelta(days=i), mean, max(0.0, mean + off.lo80 * k),
                         max(0.0, mean + off.hi80 * k), max(0.0, mean + off.lo95 * k),
                         max(0.0, mean + off.hi95 * k)))
    return out


def _historic_mean(series: DailySeries, horizon: int, reason: str) -> SeriesFit:
    mean = sum(series.values) / len(series.values)
    pts = _points(series.end + timedelta(days=1), [mean] * horizon,
                  intervals.in_sample_residuals(series.values))
    return SeriesFit(series.key, segments.segment(series.values), "historic_mean", reason,
                     pts, baselines={b: pts for b in REPORTED_BASELINES})


def _ensemble(per_model: Mapping[str, Sequence[float]]) -> list[float]:
    runs = [per_model[m] for m in selection.ENGINE_MODELS if m in per_model]
    return [sum(col) / len(col) for col in zip(*runs, strict=True)]


def fit(series: Mapping[SeriesKey, DailySeries], engine: ForecastEngine, *, horizon: int,
        windows: int, keep_baselines: bool = False,
        train_days: int | None = None) -> list[SeriesFit]:
    """`train_days`: the candidate models see only the last N days (faster; the backtest
    windows are inside them); the calendar uplift and the baselines see everything."""
    long = [s for s in series.values() if len(s.values) >= MIN_BACKTEST_DAYS]
    factors = calendar.uplifts([(s.start, list(s.values)) for s in long])
    cleansed = []
    for s in long:
        values = calendar.cleanse(list(s.values), s.start)
        cut = max(0, len(values) - train_days) if train_days else 0
        cleansed.append(DailySeries(s.key, s.start + timedelta(days=cut), tuple(values[cut:])))
    offsets = {c.key: (c.start - s.start).days for c, s in zip(cleansed, long, strict=True)}
    out = engine.run(cleansed, horizon, windows)
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
        shifted = {m: [(train + offsets[key], p) for train, p in runs]
                   for m, runs in backtests.items()}
        fits.append(_fit_one(s, forecasts, shifted, factors, horizon, keep_baselines))
    return fits


def _fit_one(s: DailySeries, forecasts: Mapping[str, list[float]],
             backtests: Mapping[str, list[tuple[int, list[float]]]],
             factors: Mapping[str, float], horizon: int, keep_baselines: bool) -> SeriesFit:
    trains = [train for train, _ in next(iter(backtests.values()))]

    def lift(first_index: int, values: Sequence[float]) -> list[float]:
        return [v * calendar.uplift(s.start + timedelta(days=first_index + i), dict(factors))
                for i, v in enumerate(values)]

    # every model's forecast of every window, on the raw scale
    windows: dict[str, list[list[float]]] = {}
    for model, runs in backtests.items():
        windows[model] = [lift(train, predicted) for train, predicted in runs]
    windows["ensemble"] = [_ensemble({m: windows[m][w] for m in windows})
                           for w in range(len(trains))]
    for name, baseline in BASELINE_FORECASTS.items():
        windows[name] = [baseline(s.values[:train], len(windows["ensemble"][w]))
                         for w, train in enumerate(trains)]
    errors: dict[str, float] = {}
    residuals: dict[str, list[float]] = {}
    window_wapes: dict[str, list[float]] = {}
    actual_total = 0.0
    for model, predictions in windows.items():
        res: list[float] = []
        for train, predicted in zip(trains, predictions, strict=True):
            actual = list(s.values[train: train + len(predicted)])
            res.extend(a - p for a, p in zip(actual, predicted, strict=True))
            w = metrics.wape(actual, predicted)
            if w is not None:
                window_wapes.setdefault(model, []).append(w)
            if model == "naive":
                actual_total += sum(actual)
        residuals[model] = res
        errors[model] = sum(abs(r) for r in res)
    choice = selection.choose(errors, {m: [abs(r) for r in res]
                                       for m, res in residuals.items()})
    n = len(s.values)
    future_factors = [calendar.uplift(s.start + timedelta(days=n + i), dict(factors))
                      for i in range(horizon)]
    lifted = {m: lift(n, v) for m, v in forecasts.items()}
    lifted["ensemble"] = _ensemble(lifted)
    for name, baseline in BASELINE_FORECASTS.items():
        lifted[name] = baseline(s.values, horizon)
    first = s.end + timedelta(days=1)
    serving_factors = future_factors if choice.model in selection.CANDIDATES else None
    wapes = {m: (e / actual_total if actual_total > 0 else None) for m, e in errors.items()}
    fit_ = SeriesFit(s.key, segments.segment(s.values), choice.model, choice.fallback_reason,
                     _points(first, lifted[choice.model], residuals[choice.model],
                             serving_factors),
                     wapes, max(window_wapes.get(choice.model, []), default=None))
    if keep_baselines:
        fit_.baselines = {b: _points(first, lifted[b], residuals[b]) for b in REPORTED_BASELINES}
    return fit_
