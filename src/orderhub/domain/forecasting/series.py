"""Demand history as daily series per SKU × location, and what was done to get there.

A history row is (sku, location kind, location, day, quantity): from the hub's orders (by
ship-from warehouse, by destination region) or from an imported file. Shaping rules, each
counted in the `ShapeReport` (and, for files, reported with the row):

- a negative quantity is a return: not demand, left out of the series and counted;
- several rows of one SKU, location and day (duplicated days) are added up;
- a day without a row inside a series' span is a day without demand (gap filled with 0);
- a series starts on its first day with a sale and ends on the history's last day, so a
  SKU launched late is not padded with months of zeros;
- a series shorter than `MIN_BACKTEST_DAYS` (a SKU with one sale) is too short for a
  backtest: it is forecast by its historic mean and says so (selection.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

LOCATION_KINDS = ("warehouse", "region")
MAX_QUANTITY = 1_000_000
# Days a history row may have (pandas' day range ends in 2262; demand before 1970 is noise).
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2199, 12, 31)


class SeriesKey(NamedTuple):
    sku: str
    kind: str  # "warehouse" | "region"
    location: str

    def label(self) -> str:
        return f"{self.sku}@{self.kind}:{self.location}"


@dataclass(frozen=True, slots=True)
class HistoryRow:
    sku: str
    kind: str
    location: str
    day: date
    quantity: float
    row: int = 0  # the file's row number (1 = the header), 0 for the hub's own history

    @property
    def key(self) -> SeriesKey:
        return SeriesKey(self.sku, self.kind, self.location)


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One row of an imported file that was refused or changed, and why."""

    row: int
    field: str
    message: str
    refused: bool = True  # False: kept, but changed (a return left out, a day added up)

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message,
                "refused": self.refused}


@dataclass(frozen=True, slots=True)
class DailySeries:
    key: SeriesKey
    start: date
    values: tuple[float, ...]

    @property
    def end(self) -> date:
        return self.start + timedelta(days=len(self.values) - 1)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(len(self.values))]


@dataclass(slots=True)
class ShapeReport:
    rows: int = 0
    returns: int = 0  # rows with a negative quantity, left out
    returned_units: float = 0.0
    duplicate_days: int = 0  # rows added to another row of the same key and day
    gap_days: int = 0  # days filled with 0 inside series spans
    short_series: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "returns": self.returns,
                "returned_units": self.returned_units, "duplicate_days": self.duplicate_days,
                "gap_days": self.gap_days, "short_series": list(self.short_series)}


MIN_BACKTEST_DAYS = 21


def shape(rows: Iterable[HistoryRow], end: date | None = None) -> (
        tuple[dict[SeriesKey, DailySeries], ShapeReport]):
    """Daily series per key, ending on `end` (default: the last day seen anywhere)."""
    report = ShapeReport()
    daily: dict[SeriesKey, dict[date, float]] = {}
    for r in rows:
        report.rows += 1
        if r.quantity < 0:
            report.returns += 1
            report.returned_units += -r.quantity
            continue
        days = daily.setdefault(r.key, {})
        if r.day in days:
            report.duplicate_days += 1
        days[r.day] = days.get(r.day, 0.0) + r.quantity
    last = end or max((max(d) for d in daily.values() if d), default=None)
    out: dict[SeriesKey, DailySeries] = {}
    if last is None:
        return out, report
    for key in sorted(daily):
        days = {d: q for d, q in daily[key].items() if d <= last}
        selling = [d for d, q in days.items() if q > 0]
        if not selling:
            continue
        first = min(selling)
        n = (last - first).days + 1
        values = tuple(days.get(first + timedelta(days=i), 0.0) for i in range(n))
        report.gap_days += n - sum(1 for d in days if d >= first)
        if n < MIN_BACKTEST_DAYS:
            report.short_series.append(key.label())
        out[key] = DailySeries(key, first, values)
    return out, report


_FIELDS = {"sku": ("sku", "item", "product"), "warehouse": ("warehouse", "site"),
           "region": ("region", "province"), "date": ("date", "day", "ds"),
           "quantity": ("quantity", "qty", "units", "y")}


def _column(header: Mapping[str, Any], name: str) -> str | None:
    lowered = {str(h).strip().lower(): h for h in header}
    for alias in _FIELDS[name]:
        if alias in lowered:
            return str(lowered[alias])
    return None


def parse_rows(records: Iterable[Mapping[str, Any]]) -> tuple[list[HistoryRow],
                                                             list[RowProblem]]:
    """Rows of a file (header names as keys; row 2 is the first data row) to history rows.
    Needed: sku, date, quantity and either warehouse or region. A row with a missing or
    malformed field is refused with its row and field; returns and duplicated days are
    kept and noted (shape() leaves returns out and adds duplicates up)."""
    rows: list[HistoryRow] = []
    problems: list[RowProblem] = []
    seen: dict[tuple[str, str, str, date], int] = {}
    columns: dict[str, str | None] | None = None
    for index, record in enumerate(records, start=2):
        if columns is None:
            columns = {n: _column(record, n) for n in _FIELDS}
            missing = [n for n in ("sku", "date", "quantity") if columns[n] is None]
            if columns["warehouse"] is None and columns["region"] is None:
                missing.append("warehouse or region")
            if missing:
                return [], [RowProblem(1, "header", f"missing column(s): {', '.join(missing)}")]
        row, problem = _row(index, record, columns)
        if problem is not None:
            problems.append(problem)
            continue
        assert row is not None
        if row.quantity < 0:
            problems.append(RowProblem(index, "quantity", f"{row.quantity:g} is a return: "
                                       "left out of demand", refused=False))
        marker = (row.sku, row.kind, row.location, row.day)
        if marker in seen and row.quantity >= 0:
            problems.append(RowProblem(index, "date", f"{row.day} repeats row {seen[marker]} "
                                       "for this SKU and location: quantities added up",
                                       refused=False))
        seen.setdefault(marker, index)
        rows.append(row)
    return rows, problems


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _row(index: int, record: Mapping[str, Any], columns: Mapping[str, str | None]) -> (
        tuple[HistoryRow | None, RowProblem | None]):
    def get(name: str) -> str:
        column = columns[name]
        return _text(record.get(column)) if column is not None else ""

    sku = get("sku")
    if not sku or len(sku) > 64:
        return None, RowProblem(index, "sku", "empty" if not sku else "longer than 64")
    kind, location = "warehouse", get("warehouse")
    if not location:
        kind, location = "region", get("region")
    if not location or len(location) > 64:
        return None, RowProblem(index, "warehouse", "neither warehouse nor region given"
                                if not location else "longer than 64")
    raw_day = record.get(columns["date"]) if columns["date"] else None
    if isinstance(raw_day, datetime):
        day = raw_day.date()
    elif isinstance(raw_day, date):
        day = raw_day
    else:
        try:
            day = date.fromisoformat(_text(raw_day)[:10])
        except ValueError:
            return None, RowProblem(index, "date", f"'{_text(raw_day)}' is not a date "
                                    "(YYYY-MM-DD)")
    if not FIRST_DAY <= day <= LAST_DAY:  # a daily series from year 1 is millions of days
        return None, RowProblem(index, "date", f"{day} is outside {FIRST_DAY} to {LAST_DAY}")
    text = get("quantity")
    try:
        quantity = float(text)
    except ValueError:
        return None, RowProblem(index, "quantity", f"'{text}' is not a number")
    if not math.isfinite(quantity) or abs(quantity) > MAX_QUANTITY:
        return None, RowProblem(index, "quantity", f"'{text}' is out of range")
    return HistoryRow(sku, kind, location, day, quantity, index), None
