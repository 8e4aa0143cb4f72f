"""The tamper-evident audit log (domain/audit.py): entries are added to the unit of work
(`uow.audit.add(tenant_id, records)`) and written with its events at commit; read back and
verified per tenant here. The chain itself is kept by adapters/db/audit_repository.py.
"""

from __future__ import annotations

from typing import Any

from orderhub.adapters.db.audit_repository import AuditRecord
from orderhub.domain.audit import Verdict, verify
from orderhub.services.unit_of_work import UowFactory

Record = AuditRecord  # the name callers use: audit.Record(at, actor, kind, subject, detail)


def verify_chain(make_uow: UowFactory, tenant_id: str) -> Verdict:
    """Walk the whole chain; the head must also point at its last entry."""
    with make_uow() as uow:
        verdict = verify(uow.audit.chain(tenant_id))
        head = uow.audit.head(tenant_id)
        if verdict.ok and head is not None and head[0] != verdict.checked:
            return Verdict(False, verdict.checked, verdict.checked + 1,
                           f"the chain ends at entry {verdict.checked} but its head says "
                           f"{head[0]}: entries were removed from the end")
        if (verdict.ok and head is not None and verdict.checked
                and uow.audit.hash_at(tenant_id, verdict.checked) != head[1]):
            return Verdict(False, verdict.checked, verdict.checked,
                           "the last entry does not match the chain head")
        return verdict


def entries(make_uow: UowFactory, tenant_id: str, *, subject: str | None = None,
            kind: str | None = None, limit: int = 100, before: int | None = None
            ) -> list[dict[str, Any]]:
    with make_uow() as uow:
        found = uow.audit.entries(tenant_id, subject=subject, kind=kind, limit=limit,
                                  before=before)
    return [{"seq": e.seq, "at": e.at, "actor": e.actor, "kind": e.kind,
             "subject": e.subject, "detail": e.detail, "hash": e.hash} for e in found]
