"""Metering (issue 12): every authenticated call counted per tenant, credential, operation,
hour and status class, with the orders and rows it carried; the usage report and the
monthly statement priced from the service catalogue.

Counting must not cost a database write per request: the API adds to a `UsageMeter` in
memory and a periodic job (`services/jobs.py: usage-flush`, and once more at shutdown)
writes what accumulated with one upsert per counter key. A process that dies between
flushes loses at most one interval of counts.
"""

from __future__ import annotations

import calendar
import threading
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from orderhub.adapters.db.usage_repository import UsageRow
from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.services.service_catalog import CURRENCY, SERVICES
from orderhub.services.unit_of_work import UowFactory

CounterKey = tuple[str, str, str, datetime, str]  # tenant, credential, operation, hour, class
GroupBy = Literal["operation", "credential", "day"]
CENT = Decimal("0.01")


def status_class(status: int) -> str:
    return f"{status // 100}xx"


def hour_of(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


class UsageMeter:
    """Counts in memory, thread-safe; `drain` hands them over and starts afresh."""

    def __init__(self) -> None:
        self._counts: defaultdict[CounterKey, list[int]] = defaultdict(lambda: [0, 0, 0])
        self._lock = threading.Lock()

    def record(self, tenant: str, credential: str, operation: str, at: datetime,
               status: int, *, orders: int = 0, rows: int = 0) -> None:
        key = (tenant, credential, operation, hour_of(at), status_class(status))
        with self._lock:
            c = self._counts[key]
            c[0] += 1
            c[1] += orders
            c[2] += rows

    def drain(self) -> list[UsageRow]:
        with self._lock:
            counts, self._counts = self._counts, defaultdict(lambda: [0, 0, 0])
        return [UsageRow(t, cred, op, hour, cls, calls, orders, rows)
                for (t, cred, op, hour, cls), (calls, orders, rows) in counts.items()]

    def restore(self, rows: list[UsageRow]) -> None:
        """Put back counts a failed flush could not write (they go with the next one)."""
        with self._lock:
            for r in rows:
                c = self._counts[(r.tenant_id, r.credential_id, r.operation, r.hour,
                                  r.status_class)]
                c[0] += r.calls
                c[1] += r.orders
                c[2] += r.rows

    def __len__(self) -> int:
        with self._lock:
            return len(self._counts)


def flush(make_uow: UowFactory, meter: UsageMeter) -> int:
    """Write the meter's counts, one upsert per counter, in one transaction; on failure they
    stay in the meter. Returns the counters written."""
    rows = meter.drain()
    if not rows:
        return 0
    try:
        with make_uow() as uow:
            n = uow.usage.add(sorted(rows, key=lambda r: (r.tenant_id, r.credential_id,
                                                          r.operation, r.hour,
                                                          r.status_class)))
            uow.commit()
    except BaseException:
        meter.restore(rows)
        raise
    return n


def _day_range(start: date, end: date) -> tuple[datetime, datetime]:
    if end < start:
        raise InvalidInput([FieldError("to", "must not be before 'from'")])
    return (datetime.combine(start, time(), UTC),
            datetime.combine(end + timedelta(days=1), time(), UTC))


def usage(make_uow: UowFactory, tenant: str, start: date, end: date,
          group_by: GroupBy) -> dict[str, Any]:
    """The tenant's usage on the days start..end (both included, UTC), grouped."""
    lo, hi = _day_range(start, end)
    with make_uow() as uow:
        totals = uow.usage.totals(tenant, lo, hi,
                                  "hour" if group_by == "day" else group_by)
    groups: dict[str, dict[str, int]] = {}
    for t in totals:
        key = t.key[:10] if group_by == "day" else t.key
        g = groups.setdefault(key, {"calls": 0, "failed": 0, "orders": 0, "rows": 0})
        g["calls"] += t.calls
        g["failed"] += t.failed
        g["orders"] += t.orders
        g["rows"] += t.rows
    items = [{group_by: key, **g} for key, g in sorted(groups.items())]
    total = {name: sum(g[name] for g in groups.values())
             for name in ("calls", "failed", "orders", "rows")}
    return {"tenant": tenant, "from": start.isoformat(), "to": end.isoformat(),
            "group_by": group_by, "items": items, "total": total}


def parse_month(month: str) -> tuple[int, int]:
    try:
        year, mon = (int(p) for p in month.split("-"))
        if len(month) != 7 or not 1 <= mon <= 12 or year < 2000:
            raise ValueError(month)
    except ValueError:
        raise InvalidInput([FieldError("month", f"'{month}' is not a month YYYY-MM")]) from None
    return year, mon


def statement(make_uow: UowFactory, tenant: str, month: str) -> dict[str, Any]:
    """The month's bill: per catalogue service the billable units (from calls answered
    2xx), unit price and amount (CNY, to the fen), and the total; amounts are strings."""
    year, mon = parse_month(month)
    start = date(year, mon, 1)
    end = date(year, mon, calendar.monthrange(year, mon)[1])
    lo, hi = _day_range(start, end)
    with make_uow() as uow:
        totals = uow.usage.totals(tenant, lo, hi, "operation_status")
    ok: dict[str, tuple[int, int, int]] = {}  # operation -> (calls, orders, rows), 2xx only
    for t in totals:
        if t.status_class == "2xx":
            ok[t.key] = (t.calls, t.orders, t.rows)
    lines = []
    grand = Decimal(0)
    for s in SERVICES:
        counts = [ok.get(op, (0, 0, 0)) for op in s.operations]
        index = {"call": 0, "order": 1, "row": 2}[s.unit]
        units = sum(c[index] for c in counts)
        amount = (s.unit_price * units).quantize(CENT, ROUND_HALF_UP)
        grand += amount
        lines.append({"service": s.code, "name": {"en": s.name_en, "zh": s.name_zh},
                      "unit": s.unit, "units": units, "unit_price": str(s.unit_price),
                      "amount": str(amount)})
    return {"tenant": tenant, "month": f"{year:04d}-{mon:02d}", "currency": CURRENCY,
            "lines": lines, "total": str(grand.quantize(CENT))}

