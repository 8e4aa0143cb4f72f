"""The proposal-expiry job reads pending proposals past expiry from their index (migration
0028), not by scanning every proposal ever made: the query plan on both databases, with
enough decided proposals that PostgreSQL's planner would otherwise scan the table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, insert

from orderhub.adapters.db import tables as t
from orderhub.adapters.db.engine import make_engine
from orderhub.adapters.db.exception_repository import lapsed_proposals_query

INDEX = "ix_exception_proposals_pending_expiry"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _seed(conn: Connection, decided: int, pending: int) -> None:
    rows = []
    for i in range(decided + pending):
        rows.append({
            "id": f"p{i:07d}", "tenant_id": "default", "exception_id": f"e{i // 3:07d}",
            "remedy_n": 1, "kind": "switch_warehouse", "tier": "L2",
            "state": "pending" if i >= decided else ("applied", "rejected", "expired")[i % 3],
            "remedy": {}, "proposed_by": "a", "proposed_at": NOW - timedelta(days=30),
            "expires_at": NOW - timedelta(days=29) + timedelta(minutes=i % 5000)})
    conn.execute(insert(t.exception_proposals), rows)


def _plan(conn: Connection) -> str:
    compiled = lapsed_proposals_query(NOW, 200).compile(dialect=conn.dialect)
    if conn.dialect.name == "sqlite":  # qmark style; naive UTC as UTCDateTime stores it
        values = [compiled.params[k] for k in compiled.positiontup or ()]
        params: object = tuple(v.replace(tzinfo=None) if isinstance(v, datetime) else v
                               for v in values)
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), params).all()
    else:
        rows = conn.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params).all()
    return "\n".join(str(r[-1]) for r in rows)


def test_the_expiry_query_uses_its_index(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            _seed(conn, decided=20_000, pending=40)
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("ANALYZE exception_proposals")
        with engine.connect() as conn:
            plan = _plan(conn)
            assert INDEX in plan, plan
            if conn.dialect.name == "postgresql":
                assert "Seq Scan" not in plan, plan
            got = conn.execute(lapsed_proposals_query(NOW, 200)).all()
        assert len(got) == len({(r[0], r[1]) for r in got}) > 0
    finally:
        engine.dispose()
