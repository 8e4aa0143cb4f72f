"""The tamper-evident audit log (domain/audit.py): entries are added to the unit of work
(`uow.audit.add(tenant_id, records)`) and written with its events at commit; read back,
anchored and verified per tenant here. The chain itself is kept by
adapters/db/audit_repository.py.

Anchors: `checkpoint` signs each chain's head (after checking the entries since the last
checkpoint, so a tampered chain is never signed) and keeps the checkpoint in the table and
in `<key_dir>/audit-anchors/<tenant>.jsonl`, outside the database. `verify_chain` checks
the chain against every anchor it finds there and in an exported file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, is_dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from orderhub.adapters import audit_anchors
from orderhub.adapters.db.audit_repository import AuditRecord
from orderhub.domain.audit import AUDITED_KINDS, AuditKey, Checkpoint, Verdict, verify
from orderhub.services.unit_of_work import UnitOfWork, UowFactory

Record = AuditRecord  # the name callers use: audit.Record(at, actor, kind, subject, detail)


def plain(value: Any) -> Any:
    """A value as plain JSON (what the chain hashes must read back the same from the DB)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return plain(asdict(value))
    return value


def changed(before: Mapping[str, Any], after: Mapping[str, Any],
            fields: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
    """{field: {"before", "after"}} for the fields that differ (all of them, or `fields`)."""
    names = fields if fields is not None else sorted(set(before) | set(after))
    return {f: {"before": plain(before.get(f)), "after": plain(after.get(f))}
            for f in names if before.get(f) != after.get(f)}


def note(uow: UnitOfWork, tenant_id: str, now: datetime, actor: str, kind: str,
         subject: str, detail: Mapping[str, Any]) -> None:
    """Audit an administrative change in the unit of work that makes it (written at its
    commit). `detail` says what changed, never a secret or personal data."""
    if kind not in AUDITED_KINDS:
        raise ValueError(f"unknown audit kind '{kind}': add it to domain/audit.AUDITED_KINDS")
    uow.audit.add(tenant_id, [Record(now, actor, kind, subject, plain(detail))])


def _key(uow: UnitOfWork) -> AuditKey:
    if uow.audit_key is None:
        raise RuntimeError("the audit key is needed to verify or sign the audit chain")
    return uow.audit_key


def verify_chain(make_uow: UowFactory, tenant_id: str, *, key_dir: str | None = None,
                 anchor_files: Sequence[Path] = ()) -> Verdict:
    """Walk the whole chain (keyed hashes and links), check its head, and check it against
    the signed checkpoints: those in the table, in `<key_dir>/audit-anchors/<tenant>.jsonl`
    and in `anchor_files` (an export kept elsewhere)."""
    try:
        anchors = anchors_for(make_uow, tenant_id, key_dir=key_dir,
                              anchor_files=anchor_files)
    except audit_anchors.AnchorFileError as exc:  # a damaged anchors file is a finding too
        return Verdict(False, 0, None, str(exc))
    with make_uow() as uow:
        key = _key(uow)
        verdict = verify(uow.audit.chain(tenant_id), key, anchors)
        if not verdict.ok:
            return verdict
        head = uow.audit.head(tenant_id)
        if head is not None and head[0] != verdict.checked:
            return Verdict(False, verdict.checked, verdict.checked + 1,
                           f"the chain ends at entry {verdict.checked} but its head says "
                           f"{head[0]}: entries were removed from the end")
        if (head is not None and verdict.checked
                and uow.audit.hash_at(tenant_id, verdict.checked) != head[1]):
            return Verdict(False, verdict.checked, verdict.checked,
                           f"entry {verdict.checked}: the last entry does not match the "
                           "chain head")
        return verdict


def anchors_for(make_uow: UowFactory, tenant_id: str, *, key_dir: str | None,
                anchor_files: Sequence[Path] = ()) -> list[Checkpoint]:
    """Every checkpoint of the tenant we can find, deduplicated (table, export files)."""
    with make_uow() as uow:
        found = uow.audit.checkpoints(tenant_id)
    files = list(anchor_files)
    if key_dir is not None:
        files.append(audit_anchors.anchor_path(key_dir, tenant_id))
    for f in files:
        found.extend(cp for cp in audit_anchors.read(f) if cp.tenant_id == tenant_id)
    unique = {(cp.seq, cp.hash, cp.at, cp.signature): cp for cp in found}
    return sorted(unique.values(), key=lambda cp: cp.seq)


def checkpoint(make_uow: UowFactory, key_dir: str, now: datetime,
               tenant_id: str | None = None) -> list[dict[str, Any]]:
    """Sign the head of each chain (or of one tenant's) that moved since its last checkpoint;
    a chain that no longer checks out since then is reported, not signed."""
    out: list[dict[str, Any]] = []
    now = now.astimezone(UTC)  # signed as written: the table gives it back in UTC
    with make_uow() as uow:
        key = _key(uow)
        tenants = [tenant_id] if tenant_id is not None else uow.audit.tenants()
        for tid in tenants:
            head = uow.audit.head(tid)
            try:
                last = _newest_anchor(uow, key, key_dir, tid)
            except audit_anchors.AnchorFileError as exc:
                out.append({"tenant": tid, "ok": False, "problem": str(exc)})
                continue
            problem = _behind(uow, tid, head, last)
            if problem:
                out.append({"tenant": tid, "ok": False, "problem": problem})
                continue
            if head is None or head[0] == 0 or (last is not None and last.seq == head[0]):
                continue  # nothing new since the last checkpoint
            # The entries since the last checkpoint (all of them the first time), linked
            # from it and keyed.
            after = None if last is None else (last.seq, last.hash)
            v = verify(uow.audit.chain(tid, after=0 if last is None else last.seq), key,
                       after=after)
            if (not v.ok or v.checked != head[0]
                    or uow.audit.hash_at(tid, head[0]) != head[1]):
                out.append({"tenant": tid, "ok": False, "problem": v.problem
                            or "the last entry does not match the chain head"})
                continue
            cp = Checkpoint(tid, head[0], head[1], now, key.sign(tid, head[0], head[1], now),
                            key.public_key)
            audit_anchors.append(key_dir, cp)  # outside the database first
            uow.audit.add_checkpoint(cp)
            out.append({"tenant": tid, "ok": True, **cp.as_dict()})
        uow.commit()
    return out


def _newest_anchor(uow: UnitOfWork, key: AuditKey, key_dir: str, tenant_id: str
                   ) -> Checkpoint | None:
    """The newest checkpoint in the table or in the anchors file, whichever is further on
    (someone who deleted rows of the table cannot make the job forget the file's)."""
    found = [cp for cp in (uow.audit.last_checkpoint(tenant_id),
                           audit_anchors.last(audit_anchors.anchor_path(key_dir, tenant_id)))
             if cp is not None and cp.tenant_id == tenant_id and cp.signed_by(key.public_key)]
    return max(found, key=lambda cp: cp.seq, default=None)


def _behind(uow: UnitOfWork, tenant_id: str, head: tuple[int, str] | None,
            last: Checkpoint | None) -> str:
    """Why the chain no longer reaches its last checkpoint, if it does not."""
    if last is None:
        return ""
    if head is None or head[0] < last.seq:
        return (f"the chain ends at entry {head[0] if head else 0} but the checkpoint of "
                f"{last.at.isoformat()} names entry {last.seq}: truncated or deleted")
    if uow.audit.hash_at(tenant_id, last.seq) != last.hash:
        return f"entry {last.seq} differs from its last checkpoint"
    return ""


def list_checkpoints(make_uow: UowFactory, tenant_id: str | None = None
                     ) -> list[dict[str, Any]]:
    with make_uow() as uow:
        return [cp.as_dict() for cp in uow.audit.checkpoints(tenant_id)]


def export_checkpoints(make_uow: UowFactory, out: Path, tenant_id: str | None = None) -> int:
    """Write the signed checkpoints (with the public key that checks them) as JSON lines."""
    with make_uow() as uow:
        found = uow.audit.checkpoints(tenant_id)
    audit_anchors.write(out, found)
    return len(found)


def entries(make_uow: UowFactory, tenant_id: str, *, subject: str | None = None,
            kind: str | None = None, limit: int = 100, before: int | None = None
            ) -> list[dict[str, Any]]:
    with make_uow() as uow:
        found = uow.audit.entries(tenant_id, subject=subject, kind=kind, limit=limit,
                                  before=before)
    return [{"seq": e.seq, "at": e.at, "actor": e.actor, "kind": e.kind,
             "subject": e.subject, "detail": e.detail, "hash": e.hash} for e in found]
