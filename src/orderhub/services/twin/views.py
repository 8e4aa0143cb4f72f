"""Read models of the twin: one order's twin (computed now from its whole event history,
so it is exact even when the `twin` consumer lags) and the list of open orders by health."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.domain.returns import REVERSE_EVENTS
from orderhub.domain.twin.stages import Stage
from orderhub.domain.twin.twin import build_twin
from orderhub.services.orders.views import ensure_visible
from orderhub.services.risk.scoring import RiskScorer
from orderhub.services.twin import risk
from orderhub.services.twin.alerts import alert_view
from orderhub.services.twin.policies import policy_in_force
from orderhub.services.twin.twins import OrderSource, facts_of, read_events, signals_of
from orderhub.services.unit_of_work import UowFactory


def order_twin(make_uow: UowFactory, tenant_id: str, order_id: str, *, now: datetime,
               warehouses: frozenset[str] = frozenset()) -> dict[str, Any]:
    ensure_visible(make_uow, tenant_id, order_id, warehouses)
    scorer = RiskScorer.for_tenant(make_uow, tenant_id)
    with make_uow() as uow:
        order = uow.orders.get(tenant_id, order_id)
        events = uow.outbox.for_order(tenant_id, order_id)
        policy = policy_in_force(uow, tenant_id)
        services = {s.code: s for s in uow.network.services(tenant_id)}
        open_alerts = uow.twins.open_alerts(tenant_id, [order_id])
        world = risk.World(services, {w.code: w for w in uow.catalog.warehouses(tenant_id)},
                           uow.network.site_backlog(tenant_id)) if scorer.model else None
    rows = [(e.type, e.status, e.occurred_at, e.data) for e in events]
    entries, held, failed, finished = read_events(rows)
    src = OrderSource.of_order(order)
    twin = build_twin(facts_of(src, held), entries, policy, now, finished_at=finished,
                      signals=signals_of(src, services, len(failed)))
    if world is not None:
        [twin] = risk.apply(scorer, [(risk.snapshot(src, entries, twin, world, now), twin)])
    out = twin.as_dict()
    out["policy_version"] = policy.version
    out["computed_at"] = now
    out["held_since"] = held
    out["checkpoints"] = [
        {"at": e.data.get("checkpoint_at") or e.occurred_at, "received_at": e.occurred_at,
         **{k: e.data.get(k) for k in ("shipment_id", "carrier", "waybill", "checkpoint",
                                        "location", "description")}}
        for e in events if e.type == "ShipmentCheckpointRecorded"]
    out["alerts"] = [alert_view(a) for a in open_alerts]
    # the reverse chain: returns, return waybills, receipts, refunds, exchanges (issue 17)
    out["reverse"] = [
        {"at": e.occurred_at, "step": e.type, "actor": e.actor,
         **{k: e.data[k] for k in ("return_id", "kind", "return_reason", "exchange_order_id",
                                   "waybill", "warehouse", "restocked", "amount", "currency",
                                   "reference") if e.data.get(k) not in (None, "")}}
        for e in events if e.type in REVERSE_EVENTS]
    return out


def list_twins(make_uow: UowFactory, tenant_id: str, *, max_health: int | None = None,
               min_risk: float | None = None, stage: str | None = None,
               warehouse: str | None = None, limit: int = 50,
               cursor: str | None = None,
               warehouses: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Open orders, least healthy first, as the `twin` consumer last saw them (a caller
    bound to `warehouses`: only orders released to them)."""
    errors = []
    if stage is not None and stage not in Stage._value2member_map_:
        errors.append(FieldError("stage", f"one of {', '.join(Stage)}"))
    after = None
    if cursor:
        health, _, oid = cursor.partition("|")
        if not (health.isdigit() and len(health) <= 3 and int(health) <= 100) \
                or not oid.startswith("ord_"):
            errors.append(FieldError("cursor", "not a cursor returned by this API"))
        else:
            after = (int(health), oid)
    if errors:
        raise InvalidInput(errors)
    with make_uow() as uow:
        rows = uow.twins.list_twins(tenant_id, max_health=max_health, min_risk=min_risk,
                                    stage=stage, warehouse=warehouse, limit=limit + 1,
                                    after=after, warehouses=warehouses)
    more = len(rows) > limit
    rows = rows[:limit]
    items = [{
        "order_id": r["order_id"], "status": r["status"], "stage": r["stage"],
        "stage_entered_at": r["stage_entered_at"], "next_stage": r["next_stage"],
        "next_due_at": r["next_due_at"], "stalled_after": r["watch_at"],
        "warehouse": r["warehouse"] or None, "team": r["team"],
        "promised_delivery_by": r["promise_at"],
        "slack_hours": round(r["slack_seconds"] / 3600, 2)
        if r["slack_seconds"] is not None else None,
        "health": r["health"], "risk": round(r["risk"], 4), "reasons": r["reasons"],
        "updated_at": r["updated_at"]} for r in rows]
    last = rows[-1] if rows else None
    return {"items": items,
            "next_cursor": f"{last['health']}|{last['order_id']}" if more and last else None}
