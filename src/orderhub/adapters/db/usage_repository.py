"""Usage counters (metering): add a flush of counts, one upsert per key, and read totals.

`add` is INSERT ... ON CONFLICT DO UPDATE SET calls = calls + excluded.calls (PostgreSQL and
SQLite), so API processes flushing the same hour at once both count and neither waits on
a read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from orderhub.adapters.db import tables as t

_u = t.usage_counters.c

UsageGroup = Literal["operation", "credential", "hour", "operation_status"]


@dataclass(frozen=True, slots=True)
class UsageRow:
    """One counter: its key and the counts to add (or the sums read)."""

    tenant_id: str
    credential_id: str
    operation: str
    hour: datetime
    status_class: str
    calls: int
    orders: int = 0
    rows: int = 0


@dataclass(frozen=True, slots=True)
class UsageTotal:
    key: str  # the operation, credential or hour (ISO) grouped by
    status_class: str  # "" unless grouped by operation_status
    calls: int
    failed: int  # calls answered 4xx or 5xx (429 included)
    orders: int
    rows: int


class UsageRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, rows: Iterable[UsageRow]) -> int:
        """Add each row's counts to its counter (created at zero); returns rows written."""
        insert = pg_insert if self.conn.dialect.name == "postgresql" else sqlite_insert
        n = 0
        for r in rows:
            stmt = insert(t.usage_counters).values(
                tenant_id=r.tenant_id, credential_id=r.credential_id, operation=r.operation,
                hour=r.hour, status_class=r.status_class, calls=r.calls, orders=r.orders,
                rows=r.rows)
            stmt = stmt.on_conflict_do_update(
                index_elements=[_u.tenant_id, _u.credential_id, _u.operation, _u.hour,
                                _u.status_class],
                set_={"calls": _u.calls + stmt.excluded.calls,
                      "orders": _u.orders + stmt.excluded.orders,
                      "rows": _u.rows + stmt.excluded.rows})
            self.conn.execute(stmt)
            n += 1
        return n

    def totals(self, tenant_id: str, start: datetime, end: datetime,
               group_by: UsageGroup) -> list[UsageTotal]:
        """Sums of the tenant's counters with start <= hour < end, by the given column."""
        column = {"operation": _u.operation, "credential": _u.credential_id,
                  "hour": _u.hour, "operation_status": _u.operation}[group_by]
        by_status = group_by == "operation_status"
        failed = func.sum(_u.calls).filter(_u.status_class != "2xx")
        cols = [column, _u.status_class if by_status else None, func.sum(_u.calls),
                failed, func.sum(_u.orders), func.sum(_u.rows)]
        query = (select(*[c for c in cols if c is not None])
                 .where(_u.tenant_id == tenant_id, _u.hour >= start, _u.hour < end)
                 .group_by(column, *([_u.status_class] if by_status else []))
                 .order_by(column, *([_u.status_class] if by_status else [])))
        out = []
        for row in self.conn.execute(query):
            values = list(row)
            key = values.pop(0)
            status = values.pop(0) if by_status else ""
            calls, fails, orders, rows = (int(v or 0) for v in values)
            out.append(UsageTotal(key=key.isoformat() if isinstance(key, datetime) else key,
                                  status_class=status, calls=calls, failed=fails,
                                  orders=orders, rows=rows))
        return out
