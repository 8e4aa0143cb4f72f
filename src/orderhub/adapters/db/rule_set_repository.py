"""Rule sets (domain/rules/rule_sets.py) in the store: a set's rules, its place in the
lifecycle (draft, tested, canary, active, retired), its sandbox report, canary slice and
window, and the live rules it replaced (for a rollback).

Also what the sandbox and the canary comparison read of what happened to past orders
(which orders, how they were routed, which a person touched): read-only queries over the
orders, the routing decisions and the outbox, kept here because only rule sets ask them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from orderhub.adapters.db import tables as t
from orderhub.adapters.db.decision_codec import expand_decision
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.rules.rule_sets import SetState

_s = t.rule_sets.c


@dataclass(frozen=True, slots=True)
class StoredRuleSet:
    id: int
    tenant_id: str
    version: int
    state: str  # a SetState value
    rules: list[dict[str, Any]]  # rule documents, routing rules and checks
    warnings: list[str]  # contradictions found when it was drafted
    sandbox: dict[str, Any] | None  # the last sandbox report
    slice: dict[str, Any] | None  # the canary's slice
    previous: list[dict[str, Any]] | None  # the live rules at activation
    reason: str
    created_by: str
    created_at: datetime
    changed_at: datetime
    canary_at: datetime | None
    canary_until: datetime | None  # when the canary was activated or rolled back


def _stored(r: Any) -> StoredRuleSet:
    return StoredRuleSet(r["id"], r["tenant_id"], r["version"], r["state"], r["rules"],
                         r["warnings"], r["sandbox"], r["slice"], r["previous"], r["reason"],
                         r["created_by"], r["created_at"], r["changed_at"], r["canary_at"],
                         r["canary_until"])


class RuleSetRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # the sets -----------------------------------------------------------------------------
    def get(self, tenant_id: str, set_id: int, *, lock: bool = False) -> StoredRuleSet | None:
        """`lock`: the set's row locked for the transaction (PostgreSQL), so two state
        changes of one set queue instead of both passing their checks."""
        q = select(t.rule_sets).where(_s.tenant_id == tenant_id, _s.id == set_id)
        row = self.conn.execute(q.with_for_update() if lock else q).mappings().first()
        return None if row is None else _stored(row)

    def newest_first(self, tenant_id: str) -> list[StoredRuleSet]:
        q = select(t.rule_sets).where(_s.tenant_id == tenant_id).order_by(_s.version.desc())
        return [_stored(r) for r in self.conn.execute(q).mappings()]

    def add_draft(self, tenant_id: str, rules: Sequence[Mapping[str, Any]],
                  warnings: Sequence[str], *, reason: str, actor: str, at: datetime
                  ) -> StoredRuleSet:
        """A new draft with the tenant's next version number."""
        version = (self.conn.execute(select(func.max(_s.version)).where(
            _s.tenant_id == tenant_id)).scalar() or 0) + 1
        set_id = self.conn.execute(t.rule_sets.insert().values(
            tenant_id=tenant_id, version=version, state=SetState.DRAFT.value,
            rules=[dict(r) for r in rules], warnings=list(warnings), reason=reason,
            created_by=actor, created_at=at, changed_at=at).returning(_s.id)).scalar_one()
        stored = self.get(tenant_id, set_id)
        assert stored is not None
        return stored

    def in_canary(self, tenant_id: str) -> int | None:
        """The version of the tenant's set in canary, if one is."""
        row = self.conn.execute(select(_s.version).where(
            _s.tenant_id == tenant_id, _s.state == SetState.CANARY.value)).first()
        return None if row is None else int(row[0])

    def record_sandbox(self, tenant_id: str, set_id: int, report: Mapping[str, Any],
                       state: SetState, at: datetime) -> None:
        self.conn.execute(update(t.rule_sets).where(_s.tenant_id == tenant_id, _s.id == set_id)
                          .values(sandbox=dict(report), state=state.value, changed_at=at))

    def start_canary(self, tenant_id: str, set_id: int, slice_doc: Mapping[str, Any],
                     at: datetime) -> None:
        """Raises IntegrityError when another set of the tenant is in canary (the store
        allows one)."""
        self.conn.execute(update(t.rule_sets).where(_s.tenant_id == tenant_id, _s.id == set_id)
                          .values(state=SetState.CANARY.value, slice=dict(slice_doc),
                                  canary_at=at, changed_at=at))

    def activate(self, tenant_id: str, set_id: int, previous: Sequence[Mapping[str, Any]],
                 at: datetime) -> None:
        """The set becomes the active one (its canary window ends); the set that was
        active is retired."""
        self.conn.execute(update(t.rule_sets).where(
            _s.tenant_id == tenant_id, _s.state == SetState.ACTIVE.value).values(
            state=SetState.RETIRED.value, changed_at=at))
        self.conn.execute(update(t.rule_sets).where(_s.tenant_id == tenant_id, _s.id == set_id)
                          .values(state=SetState.ACTIVE.value,
                                  previous=[dict(d) for d in previous], changed_at=at,
                                  canary_until=at))

    def retire(self, tenant_id: str, set_id: int, at: datetime, *,
               end_canary: bool) -> None:
        """`end_canary`: the set was in canary, whose window ends now."""
        values: dict[str, Any] = {"state": SetState.RETIRED.value, "changed_at": at}
        if end_canary:
            values["canary_until"] = at
        self.conn.execute(update(t.rule_sets).where(_s.tenant_id == tenant_id, _s.id == set_id)
                          .values(**values))

    # what happened to past orders ----------------------------------------------------------
    def past_order_ids(self, tenant_id: str, since: datetime, limit: int) -> list[str]:
        """Orders taken in since `since`, cancelled ones left out, newest first."""
        o = t.orders.c
        return [oid for (oid,) in self.conn.execute(
            select(o.id).where(o.tenant_id == tenant_id, o.created_at >= since,
                               o.status != OrderStatus.CANCELLED.value)
            .order_by(o.created_at.desc(), o.id).limit(limit))]

    def routing_decisions(self, tenant_id: str, since: datetime,
                          until: datetime | None = None) -> list[tuple[str, dict[str, Any]]]:
        """(order id, decision) of every routing decision in the window, oldest first (an
        order routed again appears again, later)."""
        r = t.routing_decisions.c
        q = select(r.order_id, r.decision).where(r.tenant_id == tenant_id,
                                                 r.decided_at >= since)
        if until is not None:
            q = q.where(r.decided_at <= until)
        return [(oid, expand_decision(doc))
                for oid, doc in self.conn.execute(q.order_by(r.id))]

    def touched_orders(self, tenant_id: str, since: datetime) -> set[str]:
        """Orders a person had to touch since `since`: a hold overridden, an exception
        raised, or overrides recorded on an order changed since."""
        o, ob = t.orders.c, t.outbox.c
        touched = {oid for (oid,) in self.conn.execute(select(ob.order_id).distinct().where(
            ob.tenant_id == tenant_id, ob.occurred_at >= since,
            ob.type.in_(["OrderHoldOverridden", "OrderExceptionRaised"])))}
        touched |= {oid for oid, ov in self.conn.execute(select(o.id, o.overrides).where(
            o.tenant_id == tenant_id, o.updated_at >= since)) if ov}
        return touched
