"""Demand forecasting's storage (migration 0037): the hub's own demand history read from
orders (`hub_history`), imported history (`replace_dataset`, `dataset_history`), fit runs
with their series and daily points, and the drift flag per series."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Date, cast, delete, func, select, update

from orderhub.adapters.db import tables as t
from orderhub.adapters.db.batching import bulk_insert, chunks
from orderhub.domain.forecasting.reconcile import Point
from orderhub.domain.forecasting.series import HistoryRow

_h, _r, _s, _p = (t.forecast_history.c, t.forecast_runs.c, t.forecast_series.c,
                  t.forecast_points.c)


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: str
    tenant_id: str
    created_at: datetime
    created_by: str
    source: str
    horizon: int
    history_from: date
    history_to: date
    summary: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SeriesRecord:
    run_id: str
    level: str
    sku: str
    location_kind: str
    location: str
    segment: str
    model: str
    fallback_reason: str | None
    backtest: dict[str, Any]
    drifted_at: datetime | None = None


def _run(row: Any) -> RunRecord:
    return RunRecord(row.id, row.tenant_id, row.created_at, row.created_by, row.source,
                     row.horizon, row.history_from, row.history_to, dict(row.summary))


class ForecastRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # ----- history ---------------------------------------------------------------------
    def hub_history(self, tenant_id: str, kind: str, since: datetime, until: datetime) -> (
            builtins.list[HistoryRow]):
        """Daily demand from the hub's orders created in [since, until): by ship-from
        warehouse (the units reserved there, reservations not released or expired), or
        by destination region (the province of the shipping address, every line of an
        order not cancelled). Nothing personal is read but the province, which is kept
        in clear for routing."""
        o = t.orders.c
        day = cast(o.created_at, Date) if self.conn.dialect.name == "postgresql" else \
            func.date(o.created_at)
        window = (o.tenant_id == tenant_id, o.created_at >= since, o.created_at < until)
        out: builtins.list[HistoryRow] = []
        if kind == "warehouse":
            r = t.reservations.c
            rows = self.conn.execute(
                select(r.sku, r.warehouse, day.label("day"), func.sum(r.quantity))
                .join(t.orders, t.orders.c.id == r.order_id)
                .where(*window, r.tenant_id == tenant_id,
                       r.state.in_(("active", "committed")))
                .group_by(r.sku, r.warehouse, day))
            for sku, warehouse, d, qty in rows:
                out.append(HistoryRow(sku, "warehouse", warehouse, _day(d), float(qty)))
            return out
        lines = t.order_lines.c
        totals: dict[tuple[str, str, date], float] = {}
        for sku, address, created, qty in self.conn.execute(
                select(lines.sku, o.shipping_address, o.created_at, lines.quantity)
                .join(t.orders, t.orders.c.id == lines.order_id)
                .where(*window, o.status != "cancelled")):
            province = str((address or {}).get("province", "")) or "unknown"
            k = (sku, province, created.date())
            totals[k] = totals.get(k, 0.0) + float(qty)
        return [HistoryRow(s, "region", p, d, q) for (s, p, d), q in sorted(totals.items())]

    def replace_dataset(self, tenant_id: str, dataset: str, rows: Sequence[HistoryRow]) -> int:
        """The data set's rows, replacing what an earlier import of it stored."""
        self.conn.execute(delete(t.forecast_history).where(
            _h.tenant_id == tenant_id, _h.dataset == dataset))
        bulk_insert(self.conn, t.forecast_history, [
            {"tenant_id": tenant_id, "dataset": dataset, "sku": r.sku,
             "location_kind": r.kind, "location": r.location, "day": r.day,
             "quantity": r.quantity} for r in rows])
        return len(rows)

    def datasets(self, tenant_id: str) -> builtins.list[tuple[str, int, date, date]]:
        return [(d, int(n), _day(a), _day(b)) for d, n, a, b in self.conn.execute(
            select(_h.dataset, func.count(), func.min(_h.day), func.max(_h.day))
            .where(_h.tenant_id == tenant_id).group_by(_h.dataset).order_by(_h.dataset))]

    def dataset_history(self, tenant_id: str, dataset: str, since: date | None,
                        until: date | None) -> builtins.list[HistoryRow]:
        q = select(_h.sku, _h.location_kind, _h.location, _h.day, _h.quantity).where(
            _h.tenant_id == tenant_id, _h.dataset == dataset)
        if since is not None:
            q = q.where(_h.day >= since)
        if until is not None:
            q = q.where(_h.day <= until)
        return [HistoryRow(s, k, loc, _day(d), float(qty))
                for s, k, loc, d, qty in self.conn.execute(q)]

    # ----- runs ------------------------------------------------------------------------
    def add_run(self, run: RunRecord, series: Iterable[SeriesRecord],
                points: Iterable[tuple[str, str, str, str, Point]]) -> None:
        self.conn.execute(t.forecast_runs.insert().values(
            id=run.id, tenant_id=run.tenant_id, created_at=run.created_at,
            created_by=run.created_by, source=run.source, horizon=run.horizon,
            history_from=run.history_from, history_to=run.history_to, summary=run.summary))
        bulk_insert(self.conn, t.forecast_series, [
            {"run_id": run.id, "level": s.level, "sku": s.sku,
             "location_kind": s.location_kind, "location": s.location,
             "tenant_id": run.tenant_id, "segment": s.segment, "model": s.model,
             "fallback_reason": s.fallback_reason, "backtest": s.backtest}
            for s in series])
        bulk_insert(self.conn, t.forecast_points, [
            {"run_id": run.id, "level": level, "sku": sku, "location_kind": kind,
             "location": loc, "day": p.day, "tenant_id": run.tenant_id, "mean": p.mean,
             "lo80": p.lo80, "hi80": p.hi80, "lo95": p.lo95, "hi95": p.hi95}
            for level, sku, kind, loc, p in points])

    def runs(self, tenant_id: str, limit: int = 20) -> builtins.list[RunRecord]:
        return [_run(r) for r in self.conn.execute(
            select(t.forecast_runs).where(_r.tenant_id == tenant_id)
            .order_by(_r.created_at.desc(), _r.id.desc()).limit(limit))]

    def run(self, tenant_id: str, run_id: str | None) -> RunRecord | None:
        """The run named, or the latest one."""
        q = select(t.forecast_runs).where(_r.tenant_id == tenant_id)
        q = q.where(_r.id == run_id) if run_id else q.order_by(_r.created_at.desc(),
                                                               _r.id.desc()).limit(1)
        row = self.conn.execute(q).first()
        return _run(row) if row else None

    def series(self, run_id: str, tenant_id: str, *, level: str | None = None,
               sku: str | None = None) -> builtins.list[SeriesRecord]:
        q = select(t.forecast_series).where(_s.run_id == run_id, _s.tenant_id == tenant_id)
        if level is not None:
            q = q.where(_s.level == level)
        if sku is not None:
            q = q.where(_s.sku == sku)
        return [SeriesRecord(r.run_id, r.level, r.sku, r.location_kind, r.location,
                             r.segment, r.model, r.fallback_reason, dict(r.backtest),
                             r.drifted_at)
                for r in self.conn.execute(q.order_by(_s.level, _s.sku, _s.location))]

    def points(self, run_id: str, tenant_id: str, *, sku: str | None = None,
               location: str | None = None, level: str | None = None,
               since: date | None = None, until: date | None = None) -> (
            builtins.list[tuple[str, str, str, str, Point]]):
        q = select(_p.level, _p.sku, _p.location_kind, _p.location, _p.day, _p.mean,
                   _p.lo80, _p.hi80, _p.lo95, _p.hi95).where(
            _p.run_id == run_id, _p.tenant_id == tenant_id)
        for column, value in ((_p.sku, sku), (_p.location, location), (_p.level, level)):
            if value is not None:
                q = q.where(column == value)
        if since is not None:
            q = q.where(_p.day >= since)
        if until is not None:
            q = q.where(_p.day <= until)
        q = q.order_by(_p.level, _p.sku, _p.location, _p.day)
        return [(lv, s, k, loc, Point(_day(d), m, a, b, c, e))
                for lv, s, k, loc, d, m, a, b, c, e in self.conn.execute(q)]

    def mark_drifted(self, run_id: str, keys: Sequence[tuple[str, str, str, str]],
                     at: datetime) -> None:
        for chunk in chunks(list(keys)):
            for level, sku, kind, loc in chunk:
                self.conn.execute(update(t.forecast_series).where(
                    _s.run_id == run_id, _s.level == level, _s.sku == sku,
                    _s.location_kind == kind, _s.location == loc).values(drifted_at=at))


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
