"""Pre-allocation's storage (migration 0044): per-tenant planning settings, plans with their
suggestions, transfer orders. Status changes of a transfer are conditional updates (only
from the status the caller read), so two concurrent ships of one transfer cannot both
move stock: the second finds no row in the old status and is refused."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from orderhub.adapters.db import tables as t
from orderhub.adapters.db.batching import bulk_insert
from orderhub.domain.planning.plan import Plan, Suggestion, SuggestionStatus
from orderhub.domain.planning.transfer import TransferOrder, TransferStatus

_ps, _p, _s, _t = (t.planning_settings.c, t.preallocation_plans.c,
                   t.preallocation_suggestions.c, t.transfer_orders.c)


def _suggestion(r: Any) -> Suggestion:
    return Suggestion(r.n, r.sku, r.origin, r.destination, r.quantity, r.lead_days,
                      r.unit_cost, r.cost, r.expected_benefit, r.why,
                      SuggestionStatus(r.status), r.flag, r.transfer_id,
                      r.source_safety_stock)


def _transfer(r: Any) -> TransferOrder:
    return TransferOrder(r.id, r.tenant_id, r.sku, r.origin, r.destination, r.quantity,
                         TransferStatus(r.status), r.created_at, r.created_by, r.expected_at,
                         r.plan_id, r.suggestion_n, bool(r.below_safety), r.shipped_at,
                         r.received_at)


class PlanningRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # ----- settings ----------------------------------------------------------------------
    def settings(self, tenant_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(select(_ps.settings).where(_ps.tenant_id == tenant_id)).first()
        return dict(row[0]) if row else None

    def save_settings(self, tenant_id: str, doc: dict[str, Any], at: datetime,
                      actor: str) -> None:
        done = self.conn.execute(update(t.planning_settings).where(
            _ps.tenant_id == tenant_id).values(settings=doc, updated_at=at, updated_by=actor))
        if done.rowcount == 0:
            self.conn.execute(t.planning_settings.insert().values(
                tenant_id=tenant_id, settings=doc, updated_at=at, updated_by=actor))

    # ----- plans -------------------------------------------------------------------------
    def add_plan(self, plan: Plan, suggestions: Sequence[Suggestion]) -> None:
        self.conn.execute(t.preallocation_plans.insert().values(
            id=plan.id, tenant_id=plan.tenant_id, created_at=plan.created_at,
            created_by=plan.created_by, horizon_hours=plan.horizon_hours,
            forecast_run_id=plan.forecast_run_id, summary=plan.summary))
        bulk_insert(self.conn, t.preallocation_suggestions, [
            {"plan_id": plan.id, "n": s.n, "tenant_id": plan.tenant_id, "sku": s.sku,
             "origin": s.origin, "destination": s.destination, "quantity": s.quantity,
             "lead_days": s.lead_days, "unit_cost": s.unit_cost, "cost": s.cost,
             "expected_benefit": s.expected_benefit, "why": s.why, "status": s.status.value,
             "flag": s.flag, "source_safety_stock": s.source_safety_stock,
             "transfer_id": s.transfer_id, "decided_by": "", "decided_at": None}
            for s in suggestions])

    def plan(self, tenant_id: str, plan_id: str) -> Plan | None:
        r = self.conn.execute(select(t.preallocation_plans).where(
            _p.tenant_id == tenant_id, _p.id == plan_id)).first()
        return Plan(r.id, r.tenant_id, r.created_at, r.created_by, r.horizon_hours,
                    r.forecast_run_id, dict(r.summary)) if r else None

    def plans(self, tenant_id: str, limit: int = 20) -> builtins.list[Plan]:
        return [Plan(r.id, r.tenant_id, r.created_at, r.created_by, r.horizon_hours,
                     r.forecast_run_id, dict(r.summary))
                for r in self.conn.execute(select(t.preallocation_plans).where(
                    _p.tenant_id == tenant_id).order_by(_p.created_at.desc(), _p.id.desc())
                    .limit(limit))]

    def suggestions(self, tenant_id: str, plan_id: str, *, lock: bool = False) -> (
            builtins.list[Suggestion]):
        q = select(t.preallocation_suggestions).where(
            _s.tenant_id == tenant_id, _s.plan_id == plan_id).order_by(_s.n)
        if lock:
            q = q.with_for_update()
        return [_suggestion(r) for r in self.conn.execute(q)]

    def decide(self, tenant_id: str, plan_id: str, s: Suggestion, *, actor: str,
               at: datetime) -> None:
        self.conn.execute(update(t.preallocation_suggestions).where(
            _s.tenant_id == tenant_id, _s.plan_id == plan_id, _s.n == s.n).values(
            status=s.status.value, flag=s.flag, transfer_id=s.transfer_id, decided_by=actor,
            decided_at=at))

    # ----- transfer orders ---------------------------------------------------------------
    def add_transfer(self, tr: TransferOrder) -> None:
        self.conn.execute(t.transfer_orders.insert().values(
            id=tr.id, tenant_id=tr.tenant_id, sku=tr.sku, origin=tr.origin,
            destination=tr.destination, quantity=tr.quantity, status=tr.status.value,
            created_at=tr.created_at, created_by=tr.created_by, expected_at=tr.expected_at,
            plan_id=tr.plan_id, suggestion_n=tr.suggestion_n, below_safety=tr.below_safety,
            shipped_at=tr.shipped_at, received_at=tr.received_at))

    def transfer(self, tenant_id: str, transfer_id: str) -> TransferOrder | None:
        r = self.conn.execute(select(t.transfer_orders).where(
            _t.tenant_id == tenant_id, _t.id == transfer_id)).first()
        return _transfer(r) if r else None

    def transfers(self, tenant_id: str, *, status: str | None = None,
                  limit: int = 100) -> builtins.list[TransferOrder]:
        q = select(t.transfer_orders).where(_t.tenant_id == tenant_id)
        if status:
            q = q.where(_t.status == status)
        return [_transfer(r) for r in self.conn.execute(
            q.order_by(_t.created_at.desc(), _t.id.desc()).limit(limit))]

    def move_transfer(self, before: TransferOrder, after: TransferOrder) -> bool:
        """Store the new status only if the row is still in the old one."""
        done = self.conn.execute(update(t.transfer_orders).where(
            _t.tenant_id == before.tenant_id, _t.id == before.id,
            _t.status == before.status.value).values(
            status=after.status.value, shipped_at=after.shipped_at,
            received_at=after.received_at))
        return bool(done.rowcount == 1)

    def inbound(self, tenant_id: str, until: datetime) -> dict[tuple[str, str], int]:
        """Units of open transfers (created or shipped) expected at a destination by
        `until`, per (SKU, destination)."""
        rows = self.conn.execute(
            select(_t.sku, _t.destination, func.sum(_t.quantity)).where(
                _t.tenant_id == tenant_id, _t.status.in_(("created", "shipped")),
                _t.expected_at <= until).group_by(_t.sku, _t.destination))
        return {(s, d): int(q) for s, d, q in rows}
