"""The tamper-evident audit log (domain/audit.py) in the store: one hash chain per tenant.

`add` buffers records; the unit of work calls `flush` when it flushes or commits, so the
entries are written in the same transaction as the events and the state they record.
Writing takes the tenant's chain head under a row lock (SELECT ... FOR UPDATE on
PostgreSQL; SQLite's single writer serialises anyway): concurrent writers queue on it
instead of forking the chain, and taking it at flush, not at `add`, keeps the lock held
only from the flush to the commit.

Entries are keyed: their hash is an HMAC under the audit key (domain/audit.py), which the
unit of work passes in; the database never holds it. Signed checkpoints of each chain's head
are kept in `audit_checkpoints` (and exported to a file outside the database by
services/audit.py).
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
from orderhub.adapters.db.batching import bulk_insert
from orderhub.domain.audit import GENESIS, KEYED, AuditEntry, AuditKey, Checkpoint

_a = t.audit_log.c
_h = t.audit_heads.c
_c = t.audit_checkpoints.c


class NoAuditKey(RuntimeError):
    """Entries cannot be written without the audit key (a unit of work built without it)."""


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """An entry before it joins the chain (its sequence number and hashes come then)."""

    at: datetime
    actor: str
    kind: str  # one of domain/audit.AUDITED_KINDS
    subject: str  # an order id, routing-rule/<code>, warehouse/<code>, webhook/<id>, ...
    detail: Mapping[str, Any]


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(row["seq"], row["at"], row["actor"], row["kind"], row["subject"],
                      row["detail"], row["prev_hash"], row["hash"], row["scheme"])


def _checkpoint(row: Any, public_key: str = "") -> Checkpoint:
    return Checkpoint(row["tenant_id"], int(row["seq"]), row["hash"], row["at"],
                      row["signature"], public_key)


class AuditRepository:
    def __init__(self, conn: Connection, key: AuditKey | None = None) -> None:
        self.conn = conn
        self.key = key
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
        if self.key is None:
            raise NoAuditKey("audit entries need the audit key: build the unit of work "
                             "with it (bootstrap does)")
        ins = pg_insert if self.conn.dialect.name == "postgresql" else sqlite_insert
        self.conn.execute(ins(t.audit_heads).values(tenant_id=tenant_id, seq=0, hash=GENESIS)
                          .on_conflict_do_nothing(index_elements=["tenant_id"]))
        seq, prev = self.conn.execute(select(_h.seq, _h.hash).where(_h.tenant_id == tenant_id)
                                      .with_for_update()).one()
        rows = []
        for r in records:
            seq += 1
            at = r.at.astimezone(UTC)
            digest = self.key.entry_hash(prev, seq, at, r.actor, r.kind, r.subject, r.detail)
            rows.append({"tenant_id": tenant_id, "seq": seq, "at": at, "actor": r.actor,
                         "kind": r.kind, "subject": r.subject, "detail": dict(r.detail),
                         "prev_hash": prev, "hash": digest, "scheme": KEYED})
            prev = digest
        bulk_insert(self.conn, t.audit_log, rows)
        self.conn.execute(update(t.audit_heads).where(_h.tenant_id == tenant_id)
                          .values(seq=seq, hash=prev))

    # reading ------------------------------------------------------------------------------
    def chain(self, tenant_id: str, chunk: int = 5000, *, after: int = 0
              ) -> Iterator[AuditEntry]:
        """The chain in sequence order from entry `after + 1`, read in chunks (consume it
        inside the unit of work)."""
        last = after
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

    def tenants(self) -> list[str]:
        """Tenants with a chain (a head row)."""
        return [str(r) for r in self.conn.execute(
            select(_h.tenant_id).order_by(_h.tenant_id)).scalars()]

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

    # checkpoints --------------------------------------------------------------------------
    def add_checkpoint(self, cp: Checkpoint) -> None:
        """Kept once per (tenant, seq): a second process checkpointing the same head at the
        same moment leaves the first one's."""
        ins = pg_insert if self.conn.dialect.name == "postgresql" else sqlite_insert
        self.conn.execute(ins(t.audit_checkpoints).values(
            tenant_id=cp.tenant_id, seq=cp.seq, hash=cp.hash, at=cp.at,
            signature=cp.signature).on_conflict_do_nothing())

    def checkpoints(self, tenant_id: str | None = None) -> list[Checkpoint]:
        """Oldest first; all tenants' when `tenant_id` is None."""
        q = select(t.audit_checkpoints)
        if tenant_id is not None:
            q = q.where(_c.tenant_id == tenant_id)
        pub = self.key.public_key if self.key is not None else ""
        return [_checkpoint(r, pub) for r in
                self.conn.execute(q.order_by(_c.tenant_id, _c.seq)).mappings()]

    def last_checkpoint(self, tenant_id: str) -> Checkpoint | None:
        row = self.conn.execute(select(t.audit_checkpoints).where(_c.tenant_id == tenant_id)
                                .order_by(_c.seq.desc()).limit(1)).mappings().first()
        return None if row is None else _checkpoint(row)
