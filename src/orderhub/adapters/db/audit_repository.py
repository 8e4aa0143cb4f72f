"""The tamper-evident audit log (domain/audit.py) in the store: one hash chain per tenant.

`add` buffers records; the unit of work calls `flush` when it flushes or commits, so the
entries are written in the same transaction as the events and the state they record.
Writing takes the tenant's chain head under a row lock (SELECT ... FOR UPDATE on
PostgreSQL; SQLite's single writer serialises anyway): concurrent writers queue on it
instead of forking the chain, and taking it at flush, not at `add`, keeps the lock held
only from the flush to the commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from orderhub.adapters.db import tables as t
from orderhub.domain.audit import GENESIS, AuditEntry, entry_hash

_a = t.audit_log.c
_h = t.audit_heads.c


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """An entry before it joins the chain (its sequence number and hashes come then)."""

    at: datetime
    actor: str
    kind: str  # rule_change, rule_decision
    subject: str  # an order id, routing-rule/<code>, validation-rule/<code>, rule-set/<v>
    detail: Mapping[str, Any]


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(row["seq"], row["at"], row["actor"], row["kind"], row["subject"],
                      row["detail"], row["prev_hash"], row["hash"])


class AuditRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._pending: dict[str, list[AuditRecord]] = {}

    # writing ------------------------------------------------------------------------------
    def add(self, tenant_id: str, records: Iterable[AuditRecord]) -> None:
        """Buffer entries for the tenant's chain; they are written, in the order added, when
        the unit of work flushes or commits (dropped if it rolls back). An entry's detail is
        hashed then: do not change it after adding. Entries added inside a savepoint that
        is rolled back are still written: add them once the savepoint is settled."""
        self._pending.setdefault(tenant_id, []).extend(records)

    def flush(self) -> int:
        """Write the buffered entries (tenants in a fixed order, so two flushes that touch
        the same tenants cannot deadlock on their heads); returns how many."""
        pending, self._pending = self._pending, {}
        count = 0
        for tenant_id in sorted(pending):
            self.write(tenant_id, pending[tenant_id])
            count += len(pending[tenant_id])
        return count

    def write(self, tenant_id: str, records: Sequence[AuditRecord]) -> None:
        """Append to the chain now: the head locked, the entries linked and inserted in one
        statement, the head moved to the last of them."""
        if not records:
            return
        ins = pg_insert if self.conn.dialect.name == "postgresql" else sqlite_insert
        self.conn.execute(ins(t.audit_heads).values(tenant_id=tenant_id, seq=0, hash=GENESIS)
                          .on_conflict_do_nothing(index_elements=["tenant_id"]))
        seq, prev = self.conn.execute(select(_h.seq, _h.hash).where(_h.tenant_id == tenant_id)
                                      .with_for_update()).one()
        rows = []
        for r in records:
            seq += 1
            at = r.at.astimezone(UTC)
            digest = entry_hash(prev, seq, at, r.actor, r.kind, r.subject, r.detail)
            rows.append({"tenant_id": tenant_id, "seq": seq, "at": at, "actor": r.actor,
                         "kind": r.kind, "subject": r.subject, "detail": dict(r.detail),
                         "prev_hash": prev, "hash": digest})
            prev = digest
        self.conn.execute(t.audit_log.insert(), rows)
        self.conn.execute(update(t.audit_heads).where(_h.tenant_id == tenant_id)
                          .values(seq=seq, hash=prev))

    # reading ------------------------------------------------------------------------------
    def chain(self, tenant_id: str, chunk: int = 5000) -> Iterator[AuditEntry]:
        """The whole chain in sequence order, read in chunks (consume it inside the unit
        of work)."""
        last = 0
        while True:
            rows = self.conn.execute(
                select(t.audit_log).where(_a.tenant_id == tenant_id, _a.seq > last)
                .order_by(_a.seq).limit(chunk)).mappings().all()
            if not rows:
                return
            for row in rows:
                yield _entry(row)
            last = rows[-1]["seq"]

    def head(self, tenant_id: str) -> tuple[int, str] | None:
        """The chain's last link as its head records it: (seq, hash)."""
        row = self.conn.execute(select(_h.seq, _h.hash).where(_h.tenant_id == tenant_id)).first()
        return None if row is None else (int(row[0]), str(row[1]))

    def hash_at(self, tenant_id: str, seq: int) -> str | None:
        value: str | None = self.conn.execute(select(_a.hash).where(
            _a.tenant_id == tenant_id, _a.seq == seq)).scalar_one_or_none()
        return value

    def entries(self, tenant_id: str, *, subject: str | None = None, kind: str | None = None,
                limit: int = 100, before: int | None = None) -> list[AuditEntry]:
        """Newest first; `before` pages back from a sequence number."""
        q = select(t.audit_log).where(_a.tenant_id == tenant_id)
        if subject:
            q = q.where(_a.subject == subject)
        if kind:
            q = q.where(_a.kind == kind)
        if before:
            q = q.where(_a.seq < before)
        rows = self.conn.execute(q.order_by(_a.seq.desc()).limit(limit)).mappings()
        return [_entry(r) for r in rows]

    def details(self, tenant_id: str, kind: str, since: datetime,
                until: datetime | None = None) -> list[tuple[str, dict[str, Any]]]:
        """(subject, detail) of the entries of one kind in a time window, in chain order:
        for example what validation held at intake (the sandbox, the canary comparison)."""
        q = select(_a.subject, _a.detail).where(_a.tenant_id == tenant_id, _a.kind == kind,
                                                _a.at >= since)
        if until is not None:
            q = q.where(_a.at <= until)
        return [(subject, detail or {}) for subject, detail
                in self.conn.execute(q.order_by(_a.seq))]
