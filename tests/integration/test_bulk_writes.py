"""Intake's bulk writes (adapters/db/batching.bulk_insert: executemany on SQLite, COPY on
PostgreSQL) store exactly what SQLAlchemy's typed inserts store, and routing decisions
written before the compact form (issue 13) still read back, through the repository the API,
CLI and console use and through the sandbox's reader."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import orjson
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from orderhub.adapters.db import tables as t
from orderhub.adapters.db.batching import COPY_MIN_ROWS, bulk_insert
from orderhub.bootstrap import Hub
from orderhub.services.intake.submit import submit_orders
from tests.factories import T, draft, seed_network


def _movement(n: int, at: datetime) -> dict[str, Any]:
    return {"tenant_id": T, "sku": "A", "warehouse": "SH", "kind": "receipt",
            "on_hand_delta": n, "reason": f"r{n}", "reference": f"ref-{n}", "actor": "t",
            "at": at}


def _line(order_id: str, n: int, price: Decimal) -> dict[str, Any]:
    return {"order_id": order_id, "tenant_id": T, "line_no": n, "sku": "A", "quantity": 1,
            "unit_price": price, "discount": Decimal("0"), "tax": Decimal("0.000001"),
            "channel_sku": "c", "title": "x", "barcode": "", "hs_code": "",
            "origin_country": "CN"}


@pytest.mark.parametrize("rows", [3, COPY_MIN_ROWS + 4])  # INSERT and COPY on PostgreSQL
def test_bulk_insert_stores_what_typed_inserts_store(hub: Hub, rows: int) -> None:
    seed_network(hub)
    at = datetime(2026, 11, 24, 10, 0, 0, tzinfo=timezone(timedelta(hours=8)))
    whole = datetime(2026, 11, 24, 2, 0, 0, 0, tzinfo=UTC)  # no microseconds
    orders = submit_orders(hub.uow, T, [draft(f"E-{i}") for i in range(2)],
                           strategy=hub.strategy, now=hub.clock(), actor="t",
                           presale_lock=hub.presale_lock)
    a, b = orders[0].order_id, orders[1].order_id
    with hub.uow() as uow:
        uow.conn.execute(t.order_lines.delete().where(t.order_lines.c.order_id.in_([a, b])))
        uow.conn.execute(t.order_lines.insert(), [_line(a, n, Decimal("12.30") + n)
                                                  for n in range(1, rows + 1)])
        bulk_insert(uow.conn, t.order_lines, [_line(b, n, Decimal("12.30") + n)
                                              for n in range(1, rows + 1)])
        typed = [_movement(n, at if n % 2 else whole) for n in range(rows)]
        uow.conn.execute(t.stock_movements.insert(), typed)
        bulk_insert(uow.conn, t.stock_movements,
                    [{**m, "reference": "bulk-" + m["reference"]} for m in typed])
        uow.conn.execute(t.outbox.insert(), [
            {"event_id": f"evt_typed{n}", "tenant_id": T, "order_id": a, "seq": n,
             "type": "X", "status": "s", "actor": "t", "reason": "",
             "data": {"n": n, "price": Decimal("1.50"), "none": None, "at": at},
             "occurred_at": at} for n in range(rows)])
        bulk_insert(uow.conn, t.outbox, [
            {"event_id": f"evt_bulk{n}", "tenant_id": T, "order_id": a, "seq": n,
             "type": "X", "status": "s", "actor": "t", "reason": "",
             "data": {"n": n, "price": Decimal("1.50"), "none": None, "at": at},
             "occurred_at": at} for n in range(rows)])
        uow.commit()
    with hub.engine.connect() as conn:
        raw = conn.exec_driver_sql
        lines = raw("SELECT order_id, line_no, unit_price, discount, tax, title "
                    "FROM order_lines ORDER BY order_id, line_no").all()
        by = {oid: [r[1:] for r in lines if r[0] == oid] for oid in (a, b)}
        assert by[a] == by[b] and len(by[a]) == rows
        moves = raw("SELECT reference, at, on_hand_delta FROM stock_movements "
                    "WHERE kind = 'receipt' ORDER BY id").all()
        typed_m = {r[0]: r[1:] for r in moves if r[0].startswith("ref-")}
        bulk_m = {r[0][5:]: r[1:] for r in moves if r[0].startswith("bulk-")}
        assert typed_m == bulk_m and len(typed_m) == rows
        events = raw("SELECT event_id, data, occurred_at FROM outbox "
                     "WHERE type = 'X' ORDER BY id").all()
        typed_e = [(r[1] if isinstance(r[1], str) else orjson.dumps(r[1]).decode(), r[2])
                   for r in events if r[0].startswith("evt_typed")]
        bulk_e = [(r[1] if isinstance(r[1], str) else orjson.dumps(r[1]).decode(), r[2])
                  for r in events if r[0].startswith("evt_bulk")]
        assert typed_e == bulk_e and len(typed_e) == rows
        # And read back through the types: exact money, aware UTC times.
        got = conn.execute(select(t.stock_movements.c.at).where(
            t.stock_movements.c.reference.like("bulk-%")).order_by(t.stock_movements.c.id)
        ).scalars().all()
        assert got == [m["at"] for m in typed]
        assert all(g.tzinfo is not None for g in got)


def test_bulk_insert_refuses_naive_times(hub: Hub) -> None:
    with hub.uow() as uow, pytest.raises(ValueError, match="naive"):
        bulk_insert(uow.conn, t.stock_movements,
                    [_movement(1, datetime(2026, 1, 1))])


def test_routing_decisions_old_and_compact_read_alike(hub: Hub) -> None:
    seed_network(hub)
    results = submit_orders(hub.uow, T, [draft("E-1", [("A", 1)])], strategy=hub.strategy,
                            now=hub.clock(), actor="t", presale_lock=hub.presale_lock)
    oid = results[0].order_id
    with hub.uow() as uow:
        stored = uow.conn.execute(select(t.routing_decisions.c.decision)).scalar_one()
        assert stored.get("v") == 2  # written compact
        compact_read = uow.orders.routing(T, oid)
        assert len(compact_read) == 1
        explanation = {k: v for k, v in compact_read[0].items() if k != "decided_at"}
        assert explanation["chosen"] == explanation["candidates"][0]
        assert explanation["chosen"]["shipments"][0]["site"]
        # A row as written before issue 13: the whole explanation, uncompressed.
        uow.conn.execute(t.routing_decisions.insert().values(
            tenant_id=T, order_id=oid, strategy=explanation["strategy"],
            decision=explanation, decided_at=hub.clock() + timedelta(seconds=1)))
        uow.commit()
    with hub.uow() as uow:
        both = uow.orders.routing(T, oid)
        assert [{k: v for k, v in d.items() if k != "decided_at"} for d in both] == [
            explanation, explanation]
        sandbox = uow.rule_sets.routing_decisions(T, hub.clock() - timedelta(days=1))
        assert [doc for _, doc in sandbox] == [explanation, explanation]
    with hub.engine.connect() as conn:  # the compact row is the smaller one
        sizes = conn.execute(text(
            "SELECT length(CAST(decision AS TEXT)) FROM routing_decisions ORDER BY id")
        ).scalars().all()
        assert sizes[0] < sizes[1]


def test_a_duplicate_key_in_copy_raises_sqlalchemys_integrity_error(hub: Hub) -> None:
    """retry_unique_race and the callers catch SQLAlchemy's exceptions: COPY's are wrapped."""
    rows = COPY_MIN_ROWS + 1
    at = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    events = [{"event_id": "evt_same", "tenant_id": T, "order_id": "o", "seq": n,
               "type": "X", "status": "s", "actor": "t", "reason": "", "data": {},
               "occurred_at": at} for n in range(rows)]
    with hub.uow() as uow, pytest.raises(IntegrityError):
        bulk_insert(uow.conn, t.outbox, events)
