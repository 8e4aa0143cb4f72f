"""Rolling-origin evaluation (`orderhub forecast backtest`, benchmarks/forecast_accuracy):
the history is cut at `origins` successive points, `horizon` days apart, the last one
`horizon` days before its end; at each cut the whole fit runs on what came before
(including its own inner backtest to choose models) and its forecast is compared with the
days that followed, beside the baselines' forecasts made at the same cut. Scores per level
(SKU × location × day, SKU × day, total × day, SKU × week) and, at the bottom level, per
segment: WAPE, MASE, bias and 80%/95% interval coverage."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from orderhub.adapters.forecasting.engine import ForecastEngine
from orderhub.domain.forecasting import metrics
from orderhub.domain.forecasting.reconcile import Point, bottom_up
from orderhub.domain.forecasting.selection import BASELINES
from orderhub.domain.forecasting.series import MIN_BACKTEST_DAYS, DailySeries, SeriesKey
from orderhub.services.forecasting.modelling import fit

FORECAST = "forecast"
LABELS = (FORECAST, *BASELINES)
LEVELS = ("sku_location_day", "sku_day", "total_day", "sku_week")


@dataclass(slots=True)
class _Held:
    """One series at one cut: what it had before, what came after, what each said."""

    key: SeriesKey
    segment: str
    history: list[float]
    actual: list[float]
    predicted: dict[str, list[Point]]


@dataclass(slots=True)
class Score:
    level: str
    segment: str
    label: str
    wape: float | None
    mase: float | None
    bias: float | None
    coverage80: float | None
    coverage95: float | None
    series: int
    points: int

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


@dataclass(slots=True)
class Evaluation:
    scores: list[Score] = field(default_factory=list)
    models: dict[str, int] = field(default_factory=dict)  # serving model -> series count
    fallbacks: int = 0
    series: int = 0

    def score(self, level: str, segment: str, label: str) -> Score | None:
        for s in self.scores:
            if (s.level, s.segment, s.label) == (level, segment, label):
                return s
        return None

    def as_dict(self) -> dict[str, Any]:
        return {"scores": [s.as_dict() for s in self.scores], "models": self.models,
                "fallbacks": self.fallbacks, "series": self.series}


def evaluate(series: Mapping[SeriesKey, DailySeries], engine: ForecastEngine, *,
             horizon: int, origins: int, windows: int) -> Evaluation:
    result = Evaluation()
    held: list[tuple[int, _Held]] = []
    for origin in range(origins, 0, -1):
        cut: dict[SeriesKey, DailySeries] = {}
        after: dict[SeriesKey, list[float]] = {}
        for key, s in series.items():
            train = len(s.values) - origin * horizon
            if train < MIN_BACKTEST_DAYS or sum(s.values[:train]) <= 0:
                continue
            cut[key] = DailySeries(key, s.start, s.values[:train])
            after[key] = list(s.values[train: train + horizon])
        for f in fit(cut, engine, horizon=horizon, windows=windows, keep_baselines=True):
            result.series += 1
            result.models[f.model] = result.models.get(f.model, 0) + 1
            result.fallbacks += f.fallback_reason is not None
            predicted = {FORECAST: f.points, **f.baselines}
            held.append((origin, _Held(f.key, f.segment.value, list(cut[f.key].values),
                                       after[f.key], predicted)))
    result.scores = _scores(held)
    return result


def _score(level: str, segment: str, label: str, items: Sequence[_Held]) -> Score:
    actual: list[float] = []
    mean: list[float] = []
    lo80: list[float] = []
    hi80: list[float] = []
    lo95: list[float] = []
    hi95: list[float] = []
    abs_err = scaled = 0.0
    for h in items:
        pts = h.predicted[label]
        actual.extend(h.actual)
        mean.extend(p.mean for p in pts)
        lo80.extend(p.lo80 for p in pts)
        hi80.extend(p.hi80 for p in pts)
        lo95.extend(p.lo95 for p in pts)
        hi95.extend(p.hi95 for p in pts)
        scale = metrics.naive_scale(h.history, 1 if level == "sku_week" else 7)
        if scale is not None:
            abs_err += sum(abs(p.mean - a) for p, a in zip(pts, h.actual, strict=True))
            scaled += scale * len(h.actual)
    weekly = level == "sku_week"
    return Score(level, segment, label, metrics.wape(actual, mean), abs_err / scaled
                 if scaled else None, metrics.bias(actual, mean),
                 None if weekly else metrics.coverage(actual, lo80, hi80),
                 None if weekly else metrics.coverage(actual, lo95, hi95),
                 len(items), len(actual))


def _aggregate(items: Sequence[_Held], key: SeriesKey, segment: str) -> _Held:
    length = min(len(h.history) for h in items)
    history = [sum(h.history[len(h.history) - length + i] for h in items)
               for i in range(length)]
    actual = [sum(col) for col in zip(*(h.actual for h in items), strict=True)]
    predicted = {label: bottom_up(h.predicted[label] for h in items) for label in LABELS}
    return _Held(key, segment, history, actual, predicted)


def _weekly(h: _Held) -> _Held:
    weeks = len(h.actual) // 7
    history = h.history[len(h.history) % 7:]
    hist_w = [sum(history[i * 7:(i + 1) * 7]) for i in range(len(history) // 7)]
    actual = [sum(h.actual[i * 7:(i + 1) * 7]) for i in range(weeks)]
    predicted = {}
    for label, pts in h.predicted.items():
        predicted[label] = [Point(pts[i * 7].day, sum(p.mean for p in pts[i * 7:(i + 1) * 7]),
                                  0.0, 0.0, 0.0, 0.0) for i in range(weeks)]
    return _Held(h.key, h.segment, hist_w, actual, predicted)


def _scores(held: Sequence[tuple[int, _Held]]) -> list[Score]:
    bottom = [h for _, h in held]
    by_sku: dict[tuple[int, str], list[_Held]] = defaultdict(list)
    by_total: dict[int, list[_Held]] = defaultdict(list)
    for origin, h in held:
        by_sku[(origin, h.key.sku)].append(h)
        by_total[origin].append(h)
    skus = [_aggregate(items, SeriesKey(sku, "all", "all"), "all")
            for (_, sku), items in sorted(by_sku.items())]
    totals = [_aggregate(items, SeriesKey("all", "all", "all"), "all")
              for _, items in sorted(by_total.items())]
    weeks = [_weekly(h) for h in skus]
    out: list[Score] = []
    segments = sorted({h.segment for h in bottom})
    for label in LABELS:
        out.append(_score("sku_location_day", "all", label, bottom))
        for seg in segments:
            out.append(_score("sku_location_day", seg,
                              label, [h for h in bottom if h.segment == seg]))
        out.append(_score("sku_day", "all", label, skus))
        out.append(_score("total_day", "all", label, totals))
        out.append(_score("sku_week", "all", label, weeks))
    return out


def shift(start: Any, days: int) -> Any:
    return start + timedelta(days=days)
