"""The tamper-evident audit log (domain/audit.py) in the store: appended in the same
transaction as what it records, read back and verified per tenant.

Appending takes the tenant's chain head under a row lock, so concurrent writers queue for
the few microseconds it takes instead of forking the chain.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from orderhub.adapters.db import tables as t
from orderhub.domain.audit import GENESIS, AuditEntry, Verdict, entry_hash, verify
from orderhub.services.unit_of_work import UowFactory

_a = t.audit_log.c
_h = t.audit_heads.c


@dataclass(frozen=True, slots=True)
class Record:
    at: datetime
    actor: str
    kind: str
    subject: str
    detail: Mapping[str, Any]


def append(conn: Connection, tenant_id: str, records: Sequence[Record]) -> None:
    if not records:
        return
    ins = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(ins(t.audit_heads).values(tenant_id=tenant_id, seq=0, hash=GENESIS)
                 .on_conflict_do_nothing(index_elements=["tenant_id"]))
    seq, prev = conn.execute(select(_h.seq, _h.hash).where(_h.tenant_id == tenant_id)
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
    conn.execute(t.audit_log.insert(), rows)
    conn.execute(update(t.audit_heads).where(_h.tenant_id == tenant_id)
                 .values(seq=seq, hash=prev))


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(row["seq"], row["at"], row["actor"], row["kind"], row["subject"],
                      row["detail"], row["prev_hash"], row["hash"])


def _chain(conn: Connection, tenant_id: str, chunk: int = 5000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = conn.execute(select(t.audit_log).where(_a.tenant_id == tenant_id, _a.seq > last)
                            .order_by(_a.seq).limit(chunk)).mappings().all()
        if not rows:
            return
        for row in rows:
            yield _entry(row)
        last = rows[-1]["seq"]


def verify_chain(make_uow: UowFactory, tenant_id: str) -> Verdict:
    """Walk the whole chain; the head must also point at its last entry."""
    with make_uow() as uow:
        verdict = verify(_chain(uow.conn, tenant_id))
        head = uow.conn.execute(select(_h.seq, _h.hash).where(_h.tenant_id == tenant_id)).first()
        if verdict.ok and head is not None and head[0] != verdict.checked:
            return Verdict(False, verdict.checked, verdict.checked + 1,
                           f"the chain ends at entry {verdict.checked} but its head says "
                           f"{head[0]}: entries were removed from the end")
        if verdict.ok and head is not None and verdict.checked:
            last = uow.conn.execute(select(_a.hash).where(
                _a.tenant_id == tenant_id, _a.seq == verdict.checked)).scalar_one()
            if last != head[1]:
                return Verdict(False, verdict.checked, verdict.checked,
                               "the last entry does not match the chain head")
        return verdict


def entries(make_uow: UowFactory, tenant_id: str, *, subject: str | None = None,
            kind: str | None = None, limit: int = 100, before: int | None = None
            ) -> list[dict[str, Any]]:
    with make_uow() as uow:
        q = select(t.audit_log).where(_a.tenant_id == tenant_id)
        if subject:
            q = q.where(_a.subject == subject)
        if kind:
            q = q.where(_a.kind == kind)
        if before:
            q = q.where(_a.seq < before)
        rows = uow.conn.execute(q.order_by(_a.seq.desc()).limit(limit)).mappings().all()
        return [{"seq": r["seq"], "at": r["at"], "actor": r["actor"], "kind": r["kind"],
                 "subject": r["subject"], "detail": r["detail"], "hash": r["hash"]}
                for r in rows]
