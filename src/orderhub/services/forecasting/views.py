"""Forecasts as documents (GET /v1/forecasts, `orderhub forecast show|models|runs`): the
daily points with their 80%/95% intervals and the serving model of each series, from the
latest run (or a named one); the champion/challenger table per segment."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from orderhub.domain.errors import NotFound
from orderhub.domain.forecasting.selection import BASELINES, CANDIDATES
from orderhub.services.unit_of_work import UowFactory


def _run_doc(r: Any) -> dict[str, Any]:
    return {"run_id": r.id, "created_at": r.created_at, "created_by": r.created_by,
            "source": r.source, "horizon": r.horizon, "history_from": r.history_from,
            "history_to": r.history_to, "summary": r.summary}


def runs(uow: UowFactory, tenant_id: str) -> dict[str, Any]:
    with uow() as u:
        return {"items": [_run_doc(r) for r in u.forecasts.runs(tenant_id)]}


def forecasts(uow: UowFactory, tenant_id: str, *, sku: str | None, warehouse: str | None,
              since: date | None, until: date | None, run_id: str | None = None) -> (
        dict[str, Any]):
    """The run's series matching the filters, each with its model, fallback reason and
    daily points. Without a warehouse, a SKU's series at every location and its
    reconciled total (level `sku`) come back."""
    with uow() as u:
        run = u.forecasts.run(tenant_id, run_id)
        if run is None:
            raise NotFound("no forecast run yet: run `orderhub forecast fit` "
                           "(POST /v1/forecasts/fit)" if run_id is None
                           else f"forecast run {run_id} not found")
        series = {(s.level, s.sku, s.location_kind, s.location): s
                  for s in u.forecasts.series(run.id, tenant_id, sku=sku)}
        points = u.forecasts.points(run.id, tenant_id, sku=sku, location=warehouse,
                                    since=since, until=until)
    grouped: dict[tuple[str, str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for level, s, kind, loc, p in points:
        if warehouse is not None and level != "sku_location":
            continue
        grouped[(level, s, kind, loc)].append(
            {"date": p.day, "mean": round(p.mean, 4),
             "interval_80": [round(p.lo80, 4), round(p.hi80, 4)],
             "interval_95": [round(p.lo95, 4), round(p.hi95, 4)]})
    items = []
    for key, pts in grouped.items():
        record = series.get(key)
        items.append({"level": key[0], "sku": key[1], "location_kind": key[2],
                      "location": key[3], "segment": record.segment if record else None,
                      "model": record.model if record else None,
                      "fallback_reason": record.fallback_reason if record else None,
                      "drifted": bool(record and record.drifted_at), "points": pts})
    return {"run": _run_doc(run), "items": items}


def champion_challenger(uow: UowFactory, tenant_id: str, run_id: str | None = None) -> (
        dict[str, Any]):
    """Per segment: each model's mean backtest WAPE over the segment's series, how many
    series it serves (the champion serves the most), and the baselines beside them."""
    with uow() as u:
        run = u.forecasts.run(tenant_id, run_id)
        if run is None:
            raise NotFound("no forecast run yet: run `orderhub forecast fit`")
        series = u.forecasts.series(run.id, tenant_id, level="sku_location")
    rows: list[dict[str, Any]] = []
    for segment in sorted({s.segment for s in series}):
        members = [s for s in series if s.segment == segment]
        served: dict[str, int] = defaultdict(int)
        wapes: dict[str, list[float]] = defaultdict(list)
        for s in members:
            served[s.model] += 1
            for model, w in (s.backtest.get("backtest_wape") or {}).items():
                if w is not None:
                    wapes[model].append(float(w))
        champion = max(served, key=lambda m: served[m])
        for model in (*CANDIDATES, *BASELINES):
            if model not in wapes and model not in served:
                continue
            values = wapes.get(model, [])
            rows.append({"segment": segment, "model": model,
                         "role": "champion" if model == champion else (
                             "baseline" if model in BASELINES else "challenger"),
                         "serves": served.get(model, 0),
                         "backtest_wape": round(sum(values) / len(values), 4)
                         if values else None, "series": len(members)})
    return {"run": _run_doc(run), "items": rows}
