"""The storage floor of batch intake: the rows an orderhub run wrote, written again with the
plain driver (sqlite3; psycopg 3 executemany and COPY) into a fresh database with the same
schema, indexes and demo data, in the same batches, one transaction per batch.

`throughput.py --floor` uses it: it snapshots every table before its timed batch run
(`snapshot`), takes the rows that run inserted afterwards (`capture`, raw as stored: same
row widths), and replays them here (`replay`) in a fresh database, reporting orders/s and
CPU-ms per order, so the run's figure can be printed as a ratio to the floor measured in
the same command. What the floor does per batch, as intake does:

- insert every table's new rows (orders, lines, reservations, shipments, outbox, audit,
  routing decisions, anomaly sightings, ...): one executemany or one COPY per table;
- reserve stock: one conditional UPDATE per (SKU, warehouse), as an executemany;
- move each audit chain's head: read it, insert the entries after it, update it.

Nothing of the work that produces these rows (routing, validation, encryption, hashing,
JSON) is in the floor: it is what the database and its driver cost.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, Table

from orderhub.adapters.db import tables as t

RowKey = tuple[Any, ...]
# Written by the floor's own statements (stock reservation, chain heads), not as rows.
SPECIAL = {"stock_items", "audit_heads"}


@dataclass
class Captured:
    """The rows a run inserted, per table (raw driver values, PK order), and the rows of
    tables it updated (names only: the floor replays stock and audit heads itself)."""

    inserted: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    orders: int = 0

    def bytes_written(self) -> dict[str, int]:
        return {name: sum(len(str(v)) for r in rows for v in r if v is not None)
                for name, (_, rows) in self.inserted.items()}


def _tables() -> list[Table]:
    return [tb for tb in t.metadata.sorted_tables if tb.primary_key.columns]


def _raw_rows(engine: Engine, table: Table) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Every row of `table` as the driver reads it with no conversion (PostgreSQL: text)."""
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        assert conn is not None
        if engine.dialect.name == "postgresql":
            from psycopg.types.string import TextLoader

            cur = conn.cursor()
            for info in conn.adapters.types:
                cur.adapters.register_loader(info.oid, TextLoader)
            cur.execute(f'SELECT * FROM "{table.name}"')
        else:
            cur = conn.cursor()
            cur.execute(f'SELECT * FROM "{table.name}"')
        cols = [d[0] for d in cur.description]
        rows = [tuple(r) for r in cur.fetchall()]
        cur.close()
        raw.rollback()
        return cols, rows
    finally:
        raw.close()


def _keyed(table: Table, cols: list[str], rows: list[tuple[Any, ...]]
           ) -> dict[RowKey, tuple[Any, ...]]:
    at = [cols.index(c.name) for c in table.primary_key.columns]
    return {tuple(r[i] for i in at): r for r in rows}


Snapshot = dict[str, dict[RowKey, tuple[Any, ...]]]


def snapshot(engine: Engine) -> Snapshot:
    out: Snapshot = {}
    for tb in _tables():
        cols, rows = _raw_rows(engine, tb)
        out[tb.name] = _keyed(tb, cols, rows)
    return out


def capture(engine: Engine, before: Snapshot, orders: int) -> Captured:
    """What changed since `before`: inserted rows by table, counts of updated rows."""
    found = Captured(orders=orders)
    for tb in _tables():
        cols, rows = _raw_rows(engine, tb)
        now = _keyed(tb, cols, rows)
        old = before.get(tb.name, {})
        new_rows = [r for k, r in sorted(now.items(), key=lambda kv: str(kv[0]))
                    if k not in old]
        changed = sum(1 for k, r in now.items() if k in old and old[k] != r)
        if new_rows and tb.name not in SPECIAL:
            found.inserted[tb.name] = (cols, new_rows)
        if changed:
            found.updated[tb.name] = changed
    return found


@dataclass
class FloorResult:
    driver: str  # sqlite3 | psycopg executemany | psycopg COPY
    orders: int
    seconds: float
    cpu_seconds: float  # this process (the client)
    server_cpu_seconds: float | None  # the PostgreSQL backend, when /proc tells

    @property
    def orders_per_s(self) -> float:
        return self.orders / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_order(self) -> float:
        return 1000 * self.cpu_seconds / self.orders if self.orders else 0.0


def _slices(n: int, parts: int) -> list[slice]:
    return [slice(n * k // parts, n * (k + 1) // parts) for k in range(parts)]


def _proc_cpu(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        import os

        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def replay(engine: Engine, captured: Captured, batch_size: int, mode: str) -> FloorResult:
    """Write `captured` into the (fresh, migrated, demo-loaded) database behind `engine`
    with the plain driver, `batch_size` orders per transaction. `mode`: "executemany" or
    "copy" (PostgreSQL only; SQLite is always executemany)."""
    pg = engine.dialect.name == "postgresql"
    parts = max(1, -(-captured.orders // batch_size))
    mark = "%s" if pg else "?"
    plans: list[tuple[str, str, list[int], Any]] = []
    audit_rows: list[tuple[Any, ...]] = []
    audit_cols: list[str] = []
    audit_cols_all: list[str] = []
    for tb in _tables():
        if tb.name not in captured.inserted:
            continue
        cols, rows = captured.inserted[tb.name]
        auto = tb.autoincrement_column
        keep = [i for i, c in enumerate(cols) if auto is None or c != auto.name]
        if tb.name == "audit_log":
            audit_cols, audit_rows, audit_cols_all = [cols[i] for i in keep], rows, cols
            continue
        names = ", ".join(f'"{cols[i]}"' for i in keep)
        sql = (f'COPY "{tb.name}" ({names}) FROM STDIN' if pg and mode == "copy" else
               f'INSERT INTO "{tb.name}" ({names}) VALUES ({", ".join(mark for _ in keep)})')
        plans.append((tb.name, sql, keep, rows))
    # Rows go with their order's batch (an order's lines, reservations, events, decision
    # and audit entries commit with it); rows of no order are spread evenly.
    batch_of: dict[Any, int] = {}
    if "orders" in captured.inserted:
        cols, rows = captured.inserted["orders"]
        at = cols.index("id")
        for k, sl in enumerate(_slices(len(rows), parts)):
            for r in rows[sl]:
                batch_of[r[at]] = k
    plans = [(name, sql, keep, _split(captured.inserted[name], batch_of, parts))
             for name, sql, keep, _rows in plans]
    audit_parts = (_split((audit_cols_all, audit_rows), batch_of, parts)
                   if audit_rows else [[] for _ in range(parts)])
    demand = _demand(captured, batch_of, parts)

    raw = engine.raw_connection()
    conn: Any = raw.driver_connection
    try:
        cur = conn.cursor()
        backend_pid = None
        if pg:
            cur.execute("SELECT pg_backend_pid()")
            backend_pid = int(cur.fetchone()[0])
            conn.commit()
        server0 = _proc_cpu(backend_pid) if backend_pid else None
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for k, part in enumerate(_slices(captured.orders, parts)):
            if not pg:
                cur.execute("BEGIN IMMEDIATE")
            for _name, sql, keep, per_batch in plans:
                chunk = per_batch[k]
                if not chunk:
                    continue
                values = [tuple(r[i] for i in keep) for r in chunk]
                if pg and mode == "copy":
                    with cur.copy(sql) as copy:
                        for v in values:
                            copy.write_row(v)
                else:
                    cur.executemany(sql, values)
            _reserve(cur, demand[k], mark)
            if audit_parts[k]:
                _audit(cur, audit_cols, audit_parts[k], mark, pg, pg and mode == "copy")
            if pg:
                conn.commit()
            else:
                cur.execute("COMMIT")
            del part
        seconds = time.perf_counter() - wall0
        cpu = time.process_time() - cpu0
        server1 = _proc_cpu(backend_pid) if backend_pid else None
        cur.close()
    finally:
        raw.close()
    driver = "sqlite3" if not pg else f"psycopg {'COPY' if mode == 'copy' else 'executemany'}"
    server = server1 - server0 if server0 is not None and server1 is not None else None
    return FloorResult(driver, captured.orders, seconds, cpu, server)


def _split(table: tuple[list[str], list[tuple[Any, ...]]], batch_of: dict[Any, int],
           parts: int) -> list[list[tuple[Any, ...]]]:
    """A table's rows by batch: with their order's (column order_id, or audit subject, or
    the order's own id), else spread evenly in key order."""
    cols, rows = table
    out: list[list[tuple[Any, ...]]] = [[] for _ in range(parts)]
    at = next((cols.index(c) for c in ("order_id", "subject") if c in cols), None)
    if at is None and "external_id" in cols and "id" in cols:
        at = cols.index("id")
    loose = []
    for r in rows:
        k = batch_of.get(r[at]) if at is not None else None
        if k is None:
            loose.append(r)
        else:
            out[k].append(r)
    for k, sl in enumerate(_slices(len(loose), parts)):
        out[k].extend(loose[sl])
    return out


def _demand(captured: Captured, batch_of: dict[Any, int], parts: int
            ) -> list[list[tuple[Any, ...]]]:
    """Per batch: (qty, tenant, sku, warehouse, qty) of the reservations it made, in key
    order (the order intake locks rows in)."""
    out: list[list[tuple[Any, ...]]] = [[] for _ in range(parts)]
    if "reservations" not in captured.inserted:
        return out
    cols, _ = captured.inserted["reservations"]
    ti, si, wi, qi = (cols.index(c) for c in ("tenant_id", "sku", "warehouse", "quantity"))
    for k, rows in enumerate(_split(captured.inserted["reservations"], batch_of, parts)):
        sums: dict[tuple[str, str, str], int] = defaultdict(int)
        for r in rows:
            sums[(r[ti], r[si], r[wi])] += int(r[qi])
        out[k] = [(q, *key, q) for key, q in sorted(sums.items())]
    return out


def _reserve(cur: Any, demand: Sequence[tuple[Any, ...]], mark: str) -> None:
    if not demand:
        return
    now = time.strftime("%Y-%m-%d %H:%M:%S.000000")
    cur.executemany(
        f"UPDATE stock_items SET reserved = reserved + {mark}, updated_at = '{now}' "
        f"WHERE tenant_id = {mark} AND sku = {mark} AND warehouse = {mark} "
        f"AND on_hand - reserved - safety_stock >= {mark}", list(demand))


def _audit(cur: Any, cols: list[str], rows: Sequence[tuple[Any, ...]], mark: str, pg: bool,
           copy: bool) -> None:
    """Each tenant's chain: head read (locked), entries after it, head moved."""
    ti, si, hi = cols.index("tenant_id"), cols.index("seq"), cols.index("hash")
    by_tenant: dict[Any, list[tuple[Any, ...]]] = defaultdict(list)
    for r in rows:
        by_tenant[r[ti]].append(r)
    for tenant, entries in sorted(by_tenant.items()):
        lock = " FOR UPDATE" if pg else ""
        cur.execute(f"SELECT seq FROM audit_heads WHERE tenant_id = {mark}{lock}", (tenant,))
        got = cur.fetchone()
        seq = int(got[0]) if got else 0
        values = []
        for r in entries:
            seq += 1
            v = list(r)
            v[si] = seq
            values.append(tuple(v))
        names = ", ".join(f'"{c}"' for c in cols)
        if copy:
            with cur.copy(f'COPY audit_log ({names}) FROM STDIN') as cp:
                for v in values:
                    cp.write_row(v)
        else:
            cur.executemany(f"INSERT INTO audit_log ({names}) VALUES "
                            f"({', '.join(mark for _ in cols)})", values)
        cur.execute(f"UPDATE audit_heads SET seq = {mark}, hash = {mark} "
                    f"WHERE tenant_id = {mark}", (seq, values[-1][hi], tenant))
