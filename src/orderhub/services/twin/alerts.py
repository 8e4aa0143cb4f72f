"""Alerts on orders: a step with no progress within its window (stalled) or a promise
probably missed (at risk). Raised by the stall sweep and the `twin` consumer, escalated
when nobody acknowledges them, resolved when the order moves.

The sweep never scans open orders: it reads the twins whose `watch_at` has passed (an
index on it) and the alerts whose `escalate_at` has passed. Every alert is an event on
its order (OrderStalled, OrderAtRisk, AlertEscalated, AlertResolved), recorded in the
order's own sequence under its row lock, in the transaction that changes the alert.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from orderhub.domain import events as ev
from orderhub.domain.errors import Conflict, FieldError, InvalidInput, NotFound
from orderhub.domain.ids import new_id
from orderhub.domain.order import Order
from orderhub.domain.twin.sla import ESCALATION_TEAM
from orderhub.services.audit import note
from orderhub.services.twin.policies import policy_in_force
from orderhub.services.unit_of_work import UnitOfWork, UowFactory

STALLED, AT_RISK = "stalled", "at_risk"
KINDS = (STALLED, AT_RISK)
STATES = ("open", "acknowledged", "resolved", "unresolved")
MAX_LEVEL = 2  # ops lead, then no further
RECHECK = timedelta(seconds=5)  # a twin behind its order is looked at again this soon
ACTOR = "twin"


def alert_row(*, tenant_id: str, order_id: str, kind: str, stage: str,
              pass_started_at: datetime, team: str, reason: str, details: dict[str, Any],
              now: datetime, due_at: datetime | None,
              escalate_after: timedelta) -> dict[str, Any]:
    return {"id": new_id("alr"), "tenant_id": tenant_id, "order_id": order_id, "kind": kind,
            "stage": stage, "pass_started_at": pass_started_at, "team": team, "level": 0,
            "state": "open", "reason": reason, "details": details, "raised_at": now,
            "due_at": due_at, "escalate_at": now + escalate_after, "acknowledged_by": None,
            "acknowledged_at": None, "resolved_at": None, "resolution": None}


def resolve(uow: UnitOfWork, order: Order, alerts: list[dict[str, Any]], resolution: str,
            now: datetime) -> None:
    if not alerts:
        return
    uow.twins.resolve_alerts([a["id"] for a in alerts], now, resolution)
    for a in alerts:
        order.record_alert(ev.AlertResolved(tenant_id=order.tenant_id, occurred_at=now,
                                            actor=ACTOR, alert_id=a["id"], kind=a["kind"],
                                            resolution=resolution))


def sweep(make_uow: UowFactory, now: datetime, *, limit: int = 500) -> dict[str, int]:
    """One turn of the alert job: raise stalls whose window passed, escalate alerts nobody
    acknowledged. Safe to run from several processes at once."""
    return {"stalled": raise_stalls(make_uow, now, limit=limit),
            "escalated": escalate(make_uow, now, limit=limit)}


def raise_stalls(make_uow: UowFactory, now: datetime, *, limit: int = 500) -> int:
    from orderhub.services.twin.projection import rebuild_row

    with make_uow() as uow:
        due = uow.twins.due_watches(now, limit)
        if not due:
            return 0
        by_tenant: dict[str, list[str]] = defaultdict(list)
        for row in due:
            by_tenant[row["tenant_id"]].append(row["order_id"])
        raised = 0
        for tenant, ids in by_tenant.items():
            policy = policy_in_force(uow, tenant)
            orders = {o.id: o for o in uow.orders.get_many(tenant, ids, lock=True)}
            rows = uow.twins.twins(tenant, ids)  # again, now that the orders are locked
            services = {s.code: s for s in uow.network.services(tenant)}
            alerts: list[dict[str, Any]] = []
            events: dict[str, tuple[Order, ev.Event]] = {}
            later: list[str] = []
            updated: list[dict[str, Any]] = []
            for oid, row in rows.items():
                order = orders.get(oid)
                if row["watch_at"] is None or row["watch_at"] > now:
                    continue  # another sweeper raised it, or the order moved
                if order is None or order.status.value != row["status"]:
                    later.append(oid)  # the consumer has not caught up with the order
                    continue
                twin_row, twin = rebuild_row(uow, tenant, order, row, policy, now, services)
                twin_row["watch_at"] = None
                updated.append(twin_row)
                stage = row["next_stage"] or ""
                reason = "; ".join(r.message for r in twin.reasons) or \
                    f"no progress to {stage} since {row['stage_entered_at']:%Y-%m-%d %H:%M} UTC"
                alert = alert_row(
                    tenant_id=tenant, order_id=oid, kind=STALLED, stage=stage,
                    pass_started_at=row["stage_entered_at"], team=row["team"], reason=reason,
                    details={"health": twin.health, "risk": round(twin.risk, 4),
                             "reasons": [r.as_dict() for r in twin.reasons]},
                    now=now, due_at=row["watch_at"], escalate_after=policy.escalate_after)
                alerts.append(alert)
                events[alert["id"]] = (order, ev.OrderStalled(
                    tenant_id=tenant, occurred_at=now, actor=ACTOR, reason=reason,
                    alert_id=alert["id"], stage=stage,
                    since=row["stage_entered_at"].isoformat(),
                    due_at=row["watch_at"].isoformat(), team=row["team"],
                    health=twin.health))
            stored = uow.twins.add_alerts(alerts)  # once per stage pass, whoever raced
            for alert_id in sorted(stored):
                order, event = events[alert_id]
                order.record_alert(event)
            uow.twins.save_twins(updated)
            uow.twins.set_watch(later, now + RECHECK)
            raised += len(stored)
        uow.commit()
        return raised


def escalate(make_uow: UowFactory, now: datetime, *, limit: int = 500) -> int:
    """Alerts nobody acknowledged in time go one level up. The orders are locked first
    (the order every writer of an order's events locks in), the alerts read again."""
    with make_uow() as uow:
        due = uow.twins.due_escalations(now, limit)
        if not due:
            return 0
        by_tenant: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for a in due:
            by_tenant[a["tenant_id"]].append(a)
        done = 0
        for tenant, found in by_tenant.items():
            policy = policy_in_force(uow, tenant)
            orders = {o.id: o for o in uow.orders.get_many(
                tenant, [a["order_id"] for a in found], lock=True)}
            for a in uow.twins.due_escalations(now, limit, ids=[a["id"] for a in found]):
                level = a["level"] + 1
                team = ESCALATION_TEAM if level == 1 else f"{ESCALATION_TEAM}-l{level}"
                nxt = now + policy.escalate_after if level < MAX_LEVEL else None
                uow.twins.escalate(a["id"], level, team, nxt)
                done += 1
                order = orders.get(a["order_id"])
                if order is not None:
                    order.record_alert(ev.AlertEscalated(
                        tenant_id=tenant, occurred_at=now, actor=ACTOR,
                        reason=f"not acknowledged within "
                               f"{int(policy.escalate_after.total_seconds() // 60)} min",
                        alert_id=a["id"], kind=a["kind"], level=level, team=team))
        uow.commit()
        return done


def acknowledge(make_uow: UowFactory, tenant_id: str, alert_id: str, *, note_text: str,
                now: datetime, actor: str,
                warehouses: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A person takes the alert: it stops escalating (it still resolves by itself)."""
    with make_uow() as uow:
        a = uow.twins.alert(tenant_id, alert_id, lock=True)
        if a is None or (warehouses and not uow.orders.visible(tenant_id, a["order_id"],
                                                               warehouses)):
            raise NotFound(f"alert {alert_id} not found")
        if a["state"] != "open":
            raise Conflict(f"alert {alert_id} is {a['state']}, not open")
        uow.twins.acknowledge(alert_id, actor, now)
        note(uow, tenant_id, now, actor, "alert_change", f"alert/{alert_id}",
             {"state": {"from": "open", "to": "acknowledged"}, "order_id": a["order_id"],
              "note": note_text})
        uow.commit()
        return alert_view({**a, "state": "acknowledged", "acknowledged_by": actor,
                           "acknowledged_at": now, "escalate_at": None})


def alert_view(a: dict[str, Any]) -> dict[str, Any]:
    return {k: a[k] for k in ("id", "order_id", "kind", "stage", "team", "level", "state",
                              "reason", "details", "raised_at", "due_at", "escalate_at",
                              "acknowledged_by", "acknowledged_at", "resolved_at",
                              "resolution")}


def list_alerts(make_uow: UowFactory, tenant_id: str, *, state: str | None = None,
                kind: str | None = None, team: str | None = None,
                order_id: str | None = None, limit: int = 50,
                cursor: str | None = None,
                warehouses: frozenset[str] = frozenset()) -> dict[str, Any]:
    errors = []
    if state is not None and state not in STATES:
        errors.append(FieldError("state", f"one of {', '.join(STATES)}"))
    if kind is not None and kind not in KINDS:
        errors.append(FieldError("kind", f"one of {', '.join(KINDS)}"))
    before = None
    if cursor:
        try:
            at, _, aid = cursor.partition("|")
            before = (datetime.fromisoformat(at), aid)
            if not aid.startswith("alr_") or before[0].tzinfo is None:
                raise ValueError
        except ValueError:
            errors.append(FieldError("cursor", "not a cursor returned by this API"))
    if errors:
        raise InvalidInput(errors)
    with make_uow() as uow:
        rows = uow.twins.list_alerts(tenant_id, state=state, kind=kind, team=team,
                                     order_id=order_id, limit=limit + 1, before=before,
                                     warehouses=warehouses)
        counts = uow.twins.count_open(tenant_id, warehouses)
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    return {"items": [alert_view(a) for a in rows],
            "next_cursor": f"{last['raised_at'].isoformat()}|{last['id']}"
            if more and last else None,
            "open": counts}
