"""The exception desk's store (`uow.exceptions`): exceptions with their ranked remedies,
proposals and each person's decision on them, SKU substitutions, the tier policy.

An exception is unique per (tenant, kind, dedupe): `dedupe` is its source while it is open
and `source#id` once resolved, so opening is idempotent while open and a cause that comes
back later opens a new one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Select, and_, exists, func, literal, select
from sqlalchemy.exc import IntegrityError

from orderhub.adapters.db import tables as t
from orderhub.adapters.db.batching import chunks
from orderhub.domain.errors import NotFound
from orderhub.domain.exceptions import (
    Approval,
    ExceptionKind,
    ExceptionRecord,
    ExceptionState,
    Proposal,
    ProposalState,
    Remedy,
    Substitution,
    Tier,
)
from orderhub.domain.lifecycle import OrderStatus

_e = t.exceptions.c
_p = t.exception_proposals.c
_a = t.exception_approvals.c
_s = t.sku_substitutions.c
_pol = t.exception_policies.c
HOLD_PREFIX = "hold:"


def _record(row: Any) -> ExceptionRecord:
    return ExceptionRecord(
        id=row.id, tenant_id=row.tenant_id, order_id=row.order_id,
        kind=ExceptionKind(row.kind), source=row.source, reason=row.reason,
        opened_at=row.opened_at, opened_by=row.opened_by, state=ExceptionState(row.state),
        details=dict(row.details or {}),
        remedies=[Remedy.from_dict(r) for r in row.remedies or []],
        remedies_at=row.remedies_at, generation=row.generation, updated_at=row.updated_at,
        resolved_at=row.resolved_at, resolved_by=row.resolved_by, resolution=row.resolution)


def _row(rec: ExceptionRecord) -> dict[str, Any]:
    return {
        "tenant_id": rec.tenant_id, "order_id": rec.order_id, "kind": rec.kind.value,
        "source": rec.source,
        "dedupe": rec.source if rec.state == ExceptionState.OPEN else f"{rec.source}#{rec.id}",
        "state": rec.state.value, "tier": rec.tier.value if rec.tier else None,
        "reason": rec.reason, "details": rec.details,
        "remedies": [r.as_dict() for r in rec.remedies], "remedies_at": rec.remedies_at,
        "generation": rec.generation, "opened_at": rec.opened_at, "opened_by": rec.opened_by,
        "updated_at": rec.updated_at or rec.opened_at, "resolved_at": rec.resolved_at,
        "resolved_by": rec.resolved_by, "resolution": rec.resolution,
    }


class ExceptionRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # ----- exceptions -------------------------------------------------------------------
    def get(self, tenant_id: str, exception_id: str, *, lock: bool = False) -> ExceptionRecord:
        q = select(t.exceptions).where(_e.tenant_id == tenant_id, _e.id == exception_id)
        if lock:
            q = q.with_for_update()
        row = self.conn.execute(q).first()
        if row is None:
            raise NotFound(f"exception {exception_id} not found")
        return _record(row)

    def find_open(self, tenant_id: str, kind: ExceptionKind, source: str, *,
                  lock: bool = False) -> ExceptionRecord | None:
        q = select(t.exceptions).where(_e.tenant_id == tenant_id, _e.kind == kind.value,
                                       _e.dedupe == source)
        if lock:
            q = q.with_for_update()
        row = self.conn.execute(q).first()
        return _record(row) if row is not None else None

    def open_for(self, tenant_id: str, order_id: str, source: str | None = None, *,
                 lock: bool = False) -> list[ExceptionRecord]:
        q = select(t.exceptions).where(_e.tenant_id == tenant_id, _e.order_id == order_id,
                                       _e.state == ExceptionState.OPEN.value).order_by(_e.id)
        if source is not None:
            q = q.where(_e.source == source)
        if lock:
            q = q.with_for_update()
        return [_record(r) for r in self.conn.execute(q)]

    def add(self, rec: ExceptionRecord) -> None:
        self.conn.execute(t.exceptions.insert().values(id=rec.id, **_row(rec)))

    def add_if_absent(self, rec: ExceptionRecord) -> str:
        """Insert an open exception unless one with its (tenant, kind, source) is open
        already (perhaps inserted by a concurrent transaction meanwhile): the id of the
        one that is open. A savepoint keeps the caller's transaction usable."""
        try:
            with self.conn.begin_nested():
                self.add(rec)
            return rec.id
        except IntegrityError:
            found = self.find_open(rec.tenant_id, rec.kind, rec.source)
            if found is None:
                raise
            return found.id

    def save(self, rec: ExceptionRecord) -> None:
        self.conn.execute(t.exceptions.update().where(_e.id == rec.id).values(**_row(rec)))

    def page(self, tenant_id: str, *, kind: str | None = None, tier: str | None = None,
             state: str | None = None, order_id: str | None = None,
             cursor: str | None = None, limit: int = 50) -> list[ExceptionRecord]:
        """Newest first (ids sort by time); `cursor` is the last id of the previous page."""
        q = select(t.exceptions).where(_e.tenant_id == tenant_id)
        for col, value in ((_e.kind, kind), (_e.tier, tier), (_e.state, state),
                           (_e.order_id, order_id)):
            if value is not None:
                q = q.where(col == value)
        if cursor:
            q = q.where(_e.id < cursor)
        q = q.order_by(_e.id.desc()).limit(limit)
        return [_record(r) for r in self.conn.execute(q)]

    def opened_since(self, tenant_id: str, since: datetime, limit: int
                     ) -> list[ExceptionRecord]:
        """The newest `limit` exceptions opened since `since`, open or resolved, with
        their remedies (what the sandbox replays tier rules on)."""
        q = (select(t.exceptions).where(_e.tenant_id == tenant_id, _e.opened_at >= since)
             .order_by(_e.id.desc()).limit(limit))
        return [_record(r) for r in self.conn.execute(q)]

    def held_without_exception(self, tenant_id: str, limit: int) -> list[str]:
        """Orders on hold that have no open exception for their hold yet."""
        o = t.orders.c
        has = exists().where(_e.tenant_id == o.tenant_id, _e.dedupe == literal(HOLD_PREFIX)
                             + o.id, _e.state == ExceptionState.OPEN.value)
        q = (select(o.id).where(o.tenant_id == tenant_id,
                                o.status == OrderStatus.ON_HOLD.value, ~has)
             .order_by(o.id).limit(limit))
        return list(self.conn.scalars(q))

    def tenants_with_holds(self) -> list[str]:
        """Tenants with held orders or open hold exceptions (the periodic sync's work)."""
        o = t.orders.c
        held = select(o.tenant_id).where(o.status == OrderStatus.ON_HOLD.value).distinct()
        open_ = select(_e.tenant_id).where(_e.state == ExceptionState.OPEN.value,
                                           _e.source.startswith(HOLD_PREFIX)).distinct()
        return sorted(set(self.conn.scalars(held)) | set(self.conn.scalars(open_)))

    def holds_released(self, tenant_id: str, limit: int) -> list[tuple[str, str]]:
        """(exception id, order id) of open hold exceptions whose order is no longer held."""
        o = t.orders.c
        q = (select(_e.id, _e.order_id)
             .join(t.orders, and_(o.id == _e.order_id, o.tenant_id == _e.tenant_id))
             .where(_e.tenant_id == tenant_id, _e.state == ExceptionState.OPEN.value,
                    _e.source.startswith(HOLD_PREFIX), o.status != OrderStatus.ON_HOLD.value)
             .order_by(_e.id).limit(limit))
        return [(r[0], r[1]) for r in self.conn.execute(q)]

    # ----- proposals --------------------------------------------------------------------
    def lapsed_proposals(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        """(tenant, exception id) of exceptions with pending proposals past their expiry,
        the longest lapsed first (the proposal-expiry job's batch)."""
        return [(r[0], r[1]) for r in self.conn.execute(lapsed_proposals_query(now, limit))]

    def add_proposal(self, p: Proposal) -> None:
        self.conn.execute(t.exception_proposals.insert().values(
            id=p.id, tenant_id=p.tenant_id, exception_id=p.exception_id,
            remedy_n=p.remedy.n, kind=p.remedy.kind.value, tier=p.tier.value,
            state=p.state.value, remedy=p.remedy.as_dict(), reason=p.reason,
            proposed_by=p.proposed_by, proposed_at=p.proposed_at, expires_at=p.expires_at,
            decided_at=p.decided_at, decided_by=p.decided_by, outcome=p.outcome))

    def save_proposal(self, p: Proposal) -> None:
        """Its state, and the decisions not stored yet (each person once)."""
        self.conn.execute(t.exception_proposals.update().where(_p.id == p.id).values(
            state=p.state.value, decided_at=p.decided_at, decided_by=p.decided_by,
            outcome=p.outcome))
        stored = set(self.conn.scalars(select(_a.approver).where(_a.proposal_id == p.id)))
        new = [a for a in p.approvals if a.approver not in stored]
        if new:
            self.conn.execute(t.exception_approvals.insert(), [
                {"proposal_id": p.id, "approver": a.approver, "tenant_id": p.tenant_id,
                 "decision": a.decision, "reason": a.reason, "at": a.at} for a in new])

    def _proposals(self, rows: Sequence[Any]) -> list[Proposal]:
        ids = [r.id for r in rows]
        approvals: dict[str, list[Approval]] = {i: [] for i in ids}
        for chunk in chunks(ids):
            for a in self.conn.execute(select(t.exception_approvals)
                                       .where(_a.proposal_id.in_(chunk)).order_by(_a.at)):
                approvals[a.proposal_id].append(Approval(a.approver, a.decision, a.reason,
                                                         a.at))
        return [Proposal(id=r.id, tenant_id=r.tenant_id, exception_id=r.exception_id,
                         remedy=Remedy.from_dict(r.remedy), tier=Tier(r.tier),
                         proposed_by=r.proposed_by, proposed_at=r.proposed_at,
                         expires_at=r.expires_at, reason=r.reason,
                         state=ProposalState(r.state), approvals=approvals[r.id],
                         decided_at=r.decided_at, decided_by=r.decided_by, outcome=r.outcome)
                for r in rows]

    def proposals(self, tenant_id: str, exception_id: str, *, state: ProposalState | None = None,
                  remedy_n: int | None = None, lock: bool = False) -> list[Proposal]:
        q = select(t.exception_proposals).where(_p.tenant_id == tenant_id,
                                                _p.exception_id == exception_id)
        if state is not None:
            q = q.where(_p.state == state.value)
        if remedy_n is not None:
            q = q.where(_p.remedy_n == remedy_n)
        if lock:
            q = q.with_for_update()
        return self._proposals(self.conn.execute(q.order_by(_p.id)).all())

    # ----- substitutions ----------------------------------------------------------------
    def substitutions(self, tenant_id: str, skus: Iterable[str] | None = None
                      ) -> list[Substitution]:
        q = select(_s.sku, _s.substitute, _s.ratio).where(_s.tenant_id == tenant_id)
        if skus is not None:
            wanted = sorted(set(skus))
            if not wanted:
                return []
            q = q.where(_s.sku.in_(wanted))
        return [Substitution(sku, sub, Decimal(ratio))
                for sku, sub, ratio in self.conn.execute(q.order_by(_s.sku, _s.substitute))]

    def put_substitution(self, tenant_id: str, sub: Substitution, actor: str,
                         at: datetime) -> Substitution | None:
        """Insert or change one; returns the one it replaced."""
        before = [s for s in self.substitutions(tenant_id, [sub.sku])
                  if s.substitute == sub.substitute]
        where = (_s.tenant_id == tenant_id, _s.sku == sub.sku, _s.substitute == sub.substitute)
        if before:
            self.conn.execute(t.sku_substitutions.update().where(*where).values(
                ratio=sub.ratio, created_by=actor, created_at=at))
            return before[0]
        self.conn.execute(t.sku_substitutions.insert().values(
            tenant_id=tenant_id, sku=sub.sku, substitute=sub.substitute, ratio=sub.ratio,
            created_by=actor, created_at=at))
        return None

    def delete_substitution(self, tenant_id: str, sku: str, substitute: str) -> bool:
        result = self.conn.execute(t.sku_substitutions.delete().where(
            _s.tenant_id == tenant_id, _s.sku == sku, _s.substitute == substitute))
        return bool(result.rowcount)

    # ----- the tier policy --------------------------------------------------------------
    def policy(self, tenant_id: str) -> tuple[int, dict[str, Any]] | None:
        row = self.conn.execute(
            select(_pol.version, _pol.document).where(_pol.tenant_id == tenant_id)
            .order_by(_pol.version.desc()).limit(1)).first()
        return (int(row[0]), dict(row[1])) if row is not None else None

    def add_policy(self, tenant_id: str, version: int, document: dict[str, Any], *,
                   reason: str, actor: str, at: datetime) -> None:
        self.conn.execute(t.exception_policies.insert().values(
            tenant_id=tenant_id, version=version, document=document, reason=reason,
            created_by=actor, created_at=at))


def lapsed_proposals_query(now: datetime, limit: int) -> Select[str, str]:
    """The proposal-expiry job's query: pending proposals past `now`, read as a range of
    ix_exception_proposals_pending_expiry (state, expires_at, tenant, exception; migration
    0028) rather than a scan of every proposal ever made."""
    return (select(_p.tenant_id, _p.exception_id)
            .where(_p.state == ProposalState.PENDING.value, _p.expires_at <= now)
            .group_by(_p.tenant_id, _p.exception_id)
            .order_by(func.min(_p.expires_at), _p.exception_id).limit(limit))
