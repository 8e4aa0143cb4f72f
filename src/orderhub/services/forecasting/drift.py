"""`forecast drift`: the live error of a run's forecasts against the demand that has
arrived since (from the run's own source), per series; a series whose live WAPE leaves
its backtest band (domain/forecasting/drift.py) is flagged once, with a ForecastDrifted
event, in one transaction."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from orderhub.domain.errors import NotFound
from orderhub.domain.events import ForecastDrifted
from orderhub.domain.forecasting import drift
from orderhub.services.forecasting import history
from orderhub.services.unit_of_work import UowFactory


@dataclass(frozen=True, slots=True)
class DriftRow:
    sku: str
    location: str
    model: str
    live_wape: float | None
    band: float
    days: int
    drifted: bool
    new: bool

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


def check(uow: UowFactory, tenant_id: str, *, run_id: str | None, actor: str,
          now: datetime) -> tuple[str, list[DriftRow]]:
    with uow() as u:
        run = u.forecasts.run(tenant_id, run_id)
        if run is None:
            raise NotFound("no forecast run yet: run `orderhub forecast fit`")
        series = u.forecasts.series(run.id, tenant_id, level="sku_location")
        points = u.forecasts.points(run.id, tenant_id, level="sku_location")
    kind = str(run.summary.get("kind", "warehouse"))
    start = run.history_to + timedelta(days=1)
    rows = history.load(uow, tenant_id, source=run.source, kind=kind, since=start, until=None)
    actual: dict[tuple[str, str, str], dict[date, float]] = defaultdict(dict)
    last_seen: date | None = None
    for r in rows:
        if r.quantity >= 0:
            days = actual[(r.sku, r.kind, r.location)]
            days[r.day] = days.get(r.day, 0.0) + r.quantity
        last_seen = r.day if last_seen is None or r.day > last_seen else last_seen
    forecast: dict[tuple[str, str, str], list[tuple[date, float]]] = defaultdict(list)
    for _, sku, k, loc, p in points:
        forecast[(sku, k, loc)].append((p.day, p.mean))
    out: list[DriftRow] = []
    flagged: list[tuple[str, str, str, str]] = []
    events: list[ForecastDrifted] = []
    for s in series:
        key = (s.sku, s.location_kind, s.location)
        wape = (s.backtest.get("backtest_wape") or {}).get(s.model)
        worst = s.backtest.get("worst_window_wape")
        if wape is None or worst is None or last_seen is None:
            continue
        live = [(d, m) for d, m in forecast[key] if d <= last_seen]
        seen = actual.get(key, {})
        result = drift.check([seen.get(d, 0.0) for d, _ in live], [m for _, m in live],
                             drift.band(float(wape), float(worst)))
        new = result.drifted and s.drifted_at is None
        out.append(DriftRow(s.sku, f"{s.location_kind}:{s.location}", s.model,
                            result.live_wape, result.band, result.days, result.drifted, new))
        if new:
            flagged.append(("sku_location", *key))
            events.append(ForecastDrifted(
                tenant_id=tenant_id, occurred_at=now, actor=actor, run_id=run.id,
                sku=s.sku, location=f"{s.location_kind}:{s.location}", model=s.model,
                live_wape=round(result.live_wape or 0.0, 4), band=round(result.band, 4),
                days=result.days))
    if flagged:
        with uow() as u:
            u.forecasts.mark_drifted(run.id, flagged, now)
            for e in events:
                u.record(e)
            u.commit()
    return run.id, out
