"""`forecast fit`: shape the history into daily series, fit and choose a model per series
(modelling.py), reconcile bottom-up (SKU × location → SKU → total) and store it all as a
new run (a version), with the ForecastFitted event and an audit entry in one transaction.
The latest run serves reads."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from orderhub.adapters.db.forecast_repository import RunRecord, SeriesRecord
from orderhub.adapters.forecasting.engine import ForecastEngine
from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.domain.events import ForecastFitted
from orderhub.domain.forecasting.reconcile import Point, bottom_up
from orderhub.domain.forecasting.series import shape
from orderhub.domain.ids import new_id
from orderhub.services import audit
from orderhub.services.forecasting import history
from orderhub.services.forecasting.modelling import fit
from orderhub.services.unit_of_work import UowFactory

ALL = "all"


def default_engine(n_jobs: int = 1) -> ForecastEngine:
    """statsforecast, fitting `n_jobs` series at a time (entry points pass the setting)."""
    from orderhub.adapters.forecasting.statsforecast_engine import StatsForecastEngine

    return StatsForecastEngine(n_jobs=n_jobs)


@dataclass(frozen=True, slots=True)
class FitResult:
    run_id: str
    series: int
    models: dict[str, int]
    fallbacks: int
    segments: dict[str, int]
    history: dict[str, Any]
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "series": self.series, "models": self.models,
                "fallbacks": self.fallbacks, "segments": self.segments,
                "history": self.history, "seconds": round(self.seconds, 2)}


def fit_and_store(uow: UowFactory, tenant_id: str, engine: ForecastEngine, *, source: str,
                  kind: str, since: date | None, until: date | None, horizon: int,
                  windows: int, actor: str, now: datetime,
                  train_days: int | None = None) -> FitResult:
    if not 1 <= horizon <= 366:
        raise InvalidInput([FieldError("horizon", "1 to 366 days")])
    if since is not None and until is not None and since > until:
        raise InvalidInput([FieldError("from", "after 'to'")])
    started = time.perf_counter()
    rows = history.load(uow, tenant_id, source=source, kind=kind, since=since, until=until)
    series, report = shape(rows, until)
    if not series:
        raise InvalidInput([FieldError("history", f"no demand in {source} history "
                                       f"({kind}) for the dates given: nothing to fit")])
    if train_days is not None and train_days < horizon * windows + 14:
        raise InvalidInput([FieldError("train_days", f"at least horizon × windows + 14 = "
                                       f"{horizon * windows + 14} days")])
    fits = fit(series, engine, horizon=horizon, windows=windows, train_days=train_days)
    first = min(s.start for s in series.values())
    last = max(s.end for s in series.values())
    run_id = new_id("fc")
    records: list[SeriesRecord] = []
    points: list[tuple[str, str, str, str, Point]] = []
    by_sku: dict[str, list[list[Point]]] = defaultdict(list)
    for f in fits:
        records.append(SeriesRecord(run_id, "sku_location", f.key.sku, f.key.kind,
                                    f.key.location, f.segment.value, f.model,
                                    f.fallback_reason, f.summary()))
        points.extend(("sku_location", f.key.sku, f.key.kind, f.key.location, p)
                      for p in f.points)
        by_sku[f.key.sku].append(f.points)
    sku_points: list[list[Point]] = []
    for sku, children in sorted(by_sku.items()):
        agg = bottom_up(children)
        sku_points.append(agg)
        records.append(SeriesRecord(run_id, "sku", sku, ALL, ALL, ALL, "bottom_up", None,
                                    {"children": len(children)}))
        points.extend(("sku", sku, ALL, ALL, p) for p in agg)
    records.append(SeriesRecord(run_id, "total", ALL, ALL, ALL, ALL, "bottom_up", None,
                                {"children": len(fits)}))
    points.extend(("total", ALL, ALL, ALL, p) for p in bottom_up(sku_points))
    models = dict(Counter(f.model for f in fits).most_common())
    fallbacks = sum(1 for f in fits if f.fallback_reason is not None)
    segments = dict(Counter(f.segment.value for f in fits))
    seconds = time.perf_counter() - started
    summary = {"series": len(fits), "models": models, "fallbacks": fallbacks,
               "segments": segments, "kind": kind, "windows": windows,
               "train_days": train_days,
               "history": report.as_dict(), "seconds": round(seconds, 2)}
    with uow() as u:
        u.forecasts.add_run(RunRecord(run_id, tenant_id, now, actor, source, horizon, first,
                                      last, summary), records, points)
        u.record(ForecastFitted(tenant_id=tenant_id, occurred_at=now, actor=actor,
                                run_id=run_id, series=len(fits), horizon=horizon,
                                models=models, fallbacks=fallbacks))
        audit.note(u, tenant_id, now, actor, "forecast_change", f"forecast-run/{run_id}",
                   {"source": source, "kind": kind, "series": len(fits), "models": models,
                    "fallbacks": fallbacks})
        u.commit()
    return FitResult(run_id, len(fits), models, fallbacks, segments, report.as_dict(),
                     seconds)
