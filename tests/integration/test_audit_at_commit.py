"""The audit log is written by the unit of work: entries added to it are written with its
events when it commits (or flushes), never when it rolls back, and concurrent writers
extend one unbroken chain (each transaction's entries consecutive in it)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import Table, func, select

from orderhub.adapters.db import tables as t
from orderhub.bootstrap import Hub
from orderhub.domain.events import RuleSetChanged
from orderhub.services import audit
from orderhub.services.rules import routing_rules
from tests.conftest import Clock
from tests.factories import T, seed_network


def _record(clock: Clock, subject: str, n: int = 0) -> audit.Record:
    return audit.Record(clock.now + timedelta(seconds=n), "tester", "rule_change", subject,
                        {"n": n})


def _count(hub: Hub, table: Table) -> int:
    with hub.read_uow() as uow:  # (a reader: SQLite's writer may be busy in the test)
        return int(uow.conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_entries_are_written_at_commit_with_the_events(hub: Hub, clock: Clock) -> None:
    with hub.uow() as uow:
        uow.audit.add(T, [_record(clock, "a", 1), _record(clock, "b", 2)])
        uow.record(RuleSetChanged(tenant_id=T, occurred_at=clock.now, actor="tester",
                                  reason="t", rule_set=1, version=1, state="draft",
                                  change="created"))
        assert _count(hub, t.audit_log) == 0  # buffered until the commit
        uow.commit()
    assert audit.entries(hub.read_uow, T)[0]["subject"] == "b"
    assert [e["subject"] for e in audit.entries(hub.read_uow, T)] == ["b", "a"]
    assert _count(hub, t.outbox) == 1
    assert audit.verify_chain(hub.read_uow, T).ok


def test_nothing_is_written_when_the_unit_of_work_rolls_back(hub: Hub, clock: Clock) -> None:
    with pytest.raises(RuntimeError), hub.uow() as uow:
        uow.audit.add(T, [_record(clock, "lost")])
        uow.record(RuleSetChanged(tenant_id=T, occurred_at=clock.now, actor="tester",
                                  reason="t", rule_set=1, version=1, state="draft",
                                  change="created"))
        raise RuntimeError("the use case fails before its commit")
    with hub.uow() as uow:
        uow.audit.add(T, [_record(clock, "also lost")])  # no commit
    assert _count(hub, t.audit_log) == 0 and _count(hub, t.audit_heads) == 0
    assert _count(hub, t.outbox) == 0


def test_flush_writes_entries_inside_the_transaction(hub: Hub, clock: Clock) -> None:
    with hub.uow() as uow:
        uow.audit.add(T, [_record(clock, "x")])
        uow.flush()
        assert [e.subject for e in uow.audit.entries(T)] == ["x"]
        uow.audit.add(T, [_record(clock, "y", 1)])
        uow.commit()
    assert [e["subject"] for e in audit.entries(hub.read_uow, T)] == ["y", "x"]
    v = audit.verify_chain(hub.read_uow, T)
    assert v.ok and v.checked == 2


def test_a_failed_rule_change_leaves_no_audit_entry(hub: Hub, clock: Clock) -> None:
    seed_network(hub)
    seeded = _count(hub, t.audit_log)  # the seed's warehouses, channels, stock
    with pytest.raises(Exception, match="unknown site"):
        routing_rules.import_rules(hub.uow, T, [
            {"code": "ok", "when": {}, "then": {"exclude_sites": ["SH"]}},
            {"code": "bad", "when": {}, "then": {"exclude_sites": ["NOWHERE"]}}],
            actor="ops", reason="t", now=clock.now)
    assert _count(hub, t.audit_log) == seeded


WORKERS = 16


def test_concurrent_writers_extend_one_chain(hub: Hub, clock: Clock) -> None:
    """Real concurrent connections (on PostgreSQL, 16 transactions committing at once):
    without the chain head's row lock they read the same head and collide on the next
    sequence numbers (or fork the chain)."""
    seed_network(hub)
    seeded = audit.verify_chain(hub.read_uow, T).checked
    barrier = threading.Barrier(WORKERS)
    # SQLite writers hold the database from BEGIN: meeting inside a transaction would wait
    # forever there (its single writer serialises the chain anyway).
    inside = hub.engine.dialect.name == "postgresql"

    def worker(i: int) -> None:
        if i % 4 == 3:  # a whole use case: a rule change audited at its commit
            barrier.wait()
            routing_rules.put_rule(hub.uow, T, {"code": f"rule-{i}", "when": {},
                                                "then": {"exclude_sites": ["SH"]}},
                                   actor=f"w{i}", reason="race", now=clock.now)
            return
        if not inside:
            barrier.wait()
        with hub.uow() as uow:
            records = [_record(clock, f"w{i}", n) for n in range(3)]
            if i % 4 == 2:  # written at once, inside the transaction
                if inside:
                    barrier.wait()
                uow.audit.write(T, records)
            else:
                uow.audit.add(T, records)
                if inside:
                    barrier.wait()  # all commit at once
            uow.commit()

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(worker, range(WORKERS)))

    v = audit.verify_chain(hub.read_uow, T)
    assert v.ok, v
    assert v.checked == seeded + 12 * 3 + 4
    log = sorted(audit.entries(hub.read_uow, T, limit=1000), key=lambda e: e["seq"])
    log = [e for e in log if e["seq"] > seeded]
    by_worker: dict[str, list[int]] = {}
    for e in log:
        by_worker.setdefault(e["subject"], []).append(e["seq"])
    for subject, seqs in by_worker.items():  # one transaction's entries stay together
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), subject
