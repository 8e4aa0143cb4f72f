"""Compensation sagas (domain/saga.py): one row each, its steps as JSON.

`get(..., lock=True)` takes the saga's row lock (SELECT ... FOR UPDATE on PostgreSQL;
SQLite serialises writers): a runner checks a step's state under it, so two runners of one
saga never do a step twice. `due` finds running sagas whose next attempt has come (index on
state, next_attempt_at), for the saga-resume job.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, literal, select, update

from orderhub.adapters.db import tables as t
from orderhub.domain.errors import NotFound
from orderhub.domain.saga import Saga, SagaKind, SagaState, Step

_s = t.sagas.c


def _row(saga: Saga) -> dict[str, Any]:
    return {"id": saga.id, "tenant_id": saga.tenant_id, "order_id": saga.order_id,
            "kind": saga.kind.value, "state": saga.state.value, "cause": saga.cause[:1000],
            "steps": [s.as_dict() for s in saga.steps], "data": dict(saga.data),
            "actor": saga.actor[:200], "next_attempt_at": saga.next_attempt_at,
            "created_at": saga.created_at, "updated_at": saga.updated_at}


def _saga(r: Any) -> Saga:
    return Saga(id=r["id"], tenant_id=r["tenant_id"], order_id=r["order_id"],
                kind=SagaKind(r["kind"]), cause=r["cause"],
                steps=[Step.from_dict(s) for s in r["steps"]], created_at=r["created_at"],
                updated_at=r["updated_at"], state=SagaState(r["state"]),
                next_attempt_at=r["next_attempt_at"], actor=r["actor"],
                data=dict(r["data"] or {}))


class SagaRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, saga: Saga) -> None:
        self.conn.execute(t.sagas.insert(), [_row(saga)])

    def save(self, saga: Saga) -> None:
        row = _row(saga)
        for fixed in ("id", "tenant_id", "order_id", "kind", "created_at"):
            row.pop(fixed)
        self.conn.execute(update(t.sagas).where(_s.id == saga.id).values(**row))

    def get(self, tenant_id: str, saga_id: str, *, lock: bool = False) -> Saga:
        q = select(t.sagas).where(_s.tenant_id == tenant_id, _s.id == saga_id)
        if lock:
            q = q.with_for_update()
        row = self.conn.execute(q).mappings().first()
        if row is None:
            raise NotFound(f"saga {saga_id} not found")
        return _saga(row)

    def search(self, tenant_id: str, *, state: str | None = None, order_id: str | None = None,
             kind: str | None = None, before: str | None = None,
             limit: int = 50) -> list[Saga]:
        """Newest first (ids sort by creation time)."""
        q = select(t.sagas).where(_s.tenant_id == tenant_id)
        if state:
            q = q.where(_s.state == state)
        if order_id:
            q = q.where(_s.order_id == order_id)
        if kind:
            q = q.where(_s.kind == kind)
        if before:
            q = q.where(_s.id < before)
        rows = self.conn.execute(q.order_by(_s.id.desc()).limit(limit)).mappings()
        return [_saga(r) for r in rows]

    def running_for(self, tenant_id: str, order_id: str,
                    kinds: Sequence[SagaKind]) -> list[Saga]:
        rows = self.conn.execute(select(t.sagas).where(
            _s.tenant_id == tenant_id, _s.order_id == order_id,
            _s.state == SagaState.RUNNING.value,
            _s.kind.in_([k.value for k in kinds]))).mappings()
        return [_saga(r) for r in rows]

    def due(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        """(tenant, saga id) of running sagas whose next attempt is due, oldest due first."""
        rows = self.conn.execute(
            select(_s.tenant_id, _s.id)
            .where(_s.state == SagaState.RUNNING.value, _s.next_attempt_at <= now)
            .order_by(_s.next_attempt_at).limit(limit))
        return [(tid, sid) for tid, sid in rows]

    # ----- sagas on the exception desk --------------------------------------------------
    def needing_a_person_off_desk(self, limit: int = 200) -> list[dict[str, Any]]:
        """Sagas that need a person and never had an exception (`saga:<id>`), any tenant."""
        e = t.exceptions.c
        q = select(_s.id, _s.tenant_id, _s.order_id, _s.kind, _s.cause, _s.steps).where(
            _s.state == SagaState.NEEDS_HUMAN.value,
            ~select(e.id).where(e.tenant_id == _s.tenant_id, e.order_id == _s.order_id,
                                e.source == literal("saga:") + _s.id).exists())
        return [dict(r) for r in self.conn.execute(q.order_by(_s.id).limit(limit)).mappings()]

    def desk_items_of_settled(self, limit: int = 200) -> list[tuple[str, str, str]]:
        """(tenant, order, source) of open exceptions whose saga no longer needs a person."""
        e = t.exceptions.c
        q = (select(e.tenant_id, e.order_id, e.source)
             .join(t.sagas, (_s.tenant_id == e.tenant_id) & (_s.order_id == e.order_id)
                   & (e.source == literal("saga:") + _s.id))
             .where(e.state == "open", _s.state != SagaState.NEEDS_HUMAN.value))
        return [(r[0], r[1], r[2]) for r in self.conn.execute(q.limit(limit))]

