"""The `twin` consumer: keeps each order's twin row (stage entries, health, risk, when its
step in progress stalls) from the event stream, and raises or resolves the alerts that
follow from it: a stall alert resolves when the order moves on, an at-risk alert is raised
when the probability of missing the promise passes the policy's threshold and resolves
when it falls well below it (or the order finishes).

One transaction per batch: one read of the twins, one load of the orders, one upsert."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from orderhub.adapters.bus.envelope import Envelope
from orderhub.domain import events as ev
from orderhub.domain.order import Order
from orderhub.domain.routing.network import CarrierService
from orderhub.domain.twin.sla import SlaPolicy
from orderhub.domain.twin.stages import Stage
from orderhub.domain.twin.twin import Twin, build_twin
from orderhub.services.risk.scoring import RiskScorer
from orderhub.services.twin import alerts, risk
from orderhub.services.twin.policies import policies_in_force
from orderhub.services.twin.twins import (
    EventRow,
    OrderSource,
    facts_of,
    read_events,
    signals_of,
)
from orderhub.services.unit_of_work import UnitOfWork, UowFactory

ALERT_EVENTS = frozenset({"OrderStalled", "OrderAtRisk", "AlertEscalated", "AlertResolved"})
RISK_CLEAR = 0.8  # an at-risk alert resolves below 80% of the threshold (no flapping)


def _entries(row: dict[str, Any] | None) -> dict[Stage, datetime]:
    if not row:
        return {}
    return {Stage(k): datetime.fromisoformat(v) for k, v in row["entries"].items()
            if k in Stage._value2member_map_}


def _failed(row: dict[str, Any] | None) -> frozenset[str]:
    """The failed delivery attempts seen so far (shipment@carrier time)."""
    return frozenset(row["entries"].get("_failed", [])) if row else frozenset()


def twin_row(tenant_id: str, src: OrderSource, status: str, twin: Twin,
             entries: dict[Stage, datetime], held_since: datetime | None,
             failed: frozenset[str], finished_at: datetime | None, policy: SlaPolicy,
             now: datetime) -> dict[str, Any]:
    current = twin.current
    return {
        "order_id": src.order_id, "tenant_id": tenant_id, "status": status,
        "stage": current.value if current else Stage.CREATED.value,
        "stage_entered_at": entries[current] if current else src.created_at,
        "entries": {**{s.value: t.isoformat() for s, t in entries.items()},
                    "_failed": sorted(failed)},
        "warehouse": src.site,
        "next_stage": twin.next_stage.value if twin.next_stage else None,
        "next_due_at": twin.next_due_at, "watch_at": twin.watch_at, "team": twin.team,
        "promise_at": twin.promise_at,
        "slack_seconds": int(twin.slack.total_seconds()) if twin.slack is not None else None,
        "health": twin.health, "risk": float(twin.risk),
        "reasons": [r.as_dict() for r in twin.reasons], "held_since": held_since,
        "finished_at": finished_at, "policy_version": policy.version, "updated_at": now,
    }


def rebuild_row(uow: UnitOfWork, tenant_id: str, order: Order, row: dict[str, Any],
                policy: SlaPolicy, now: datetime,
                services: dict[str, CarrierService] | None = None) -> tuple[
                    dict[str, Any], Twin]:
    """A stored twin recomputed at `now` (time alone makes steps overdue)."""
    if services is None:
        services = {s.code: s for s in uow.network.services(tenant_id)}
    entries = _entries(row)
    failed = _failed(row)
    src = OrderSource.of_order(order)
    twin = build_twin(facts_of(src, row["held_since"]), entries, policy, now,
                      finished_at=row["finished_at"],
                      signals=signals_of(src, services, len(failed)))
    out = twin_row(tenant_id, src, row["status"], twin, entries, row["held_since"], failed,
                   row["finished_at"], policy, now)
    learned = [r for r in row["reasons"] if r.get("code") == "risk_model"]
    if learned:  # the model scored it at its last event: keep that probability and why
        out["risk"], out["reasons"] = row["risk"], out["reasons"] + learned
    return out, twin


def project(make_uow: UowFactory, envelopes: Sequence[Envelope], now: datetime) -> int:
    """Fold a batch of events into the twins of their orders; returns twins written."""
    per_tenant: dict[str, dict[str, list[EventRow]]] = defaultdict(lambda: defaultdict(list))
    for env in envelopes:
        if env.order_id and env.type not in ALERT_EVENTS:
            per_tenant[env.tenant][env.order_id].append(
                (env.type, str(env.data.get("status", "")), env.time, env.data))
    return _project(make_uow, per_tenant, now)


RESCORE_AFTER = timedelta(minutes=5)


def rescore(make_uow: UowFactory, now: datetime, *, limit: int = 500) -> int:
    """Time alone changes a twin only once its next step is overdue: recompute those
    (health falling, risk rising, an at-risk alert raised or resolved) at most every few
    minutes each, oldest first; the others wait for their next event."""
    with make_uow() as uow:
        due = uow.twins.due_for_rescore(now, now - RESCORE_AFTER, limit)
    per_tenant: dict[str, dict[str, list[EventRow]]] = defaultdict(dict)
    for tenant, order_id in due:
        per_tenant[tenant][order_id] = []
    return _project(make_uow, per_tenant, now)


def _project(make_uow: UowFactory, per_tenant: dict[str, dict[str, list[EventRow]]],
             now: datetime) -> int:
    if not per_tenant:
        return 0
    written = 0
    # the champion model per tenant (a one-row read, the model cached per process), read
    # before the batch's transaction opens
    scorers = {tenant: RiskScorer.for_tenant(make_uow, tenant) for tenant in per_tenant}
    with make_uow() as uow:
        policies = policies_in_force(uow, sorted(per_tenant))
        for tenant, per_order in per_tenant.items():
            written += _project_tenant(uow, tenant, per_order, policies[tenant], now,
                                       scorers[tenant])
        uow.commit()
    return written


def _project_tenant(uow: UnitOfWork, tenant: str, per_order: dict[str, list[EventRow]],
                    policy: SlaPolicy, now: datetime, scorer: RiskScorer) -> int:
    ids = sorted(per_order)
    stored = uow.twins.twins(tenant, ids)
    orders = {oid: OrderSource.of_row(r)
              for oid, r in uow.twins.order_facts(tenant, ids).items()}
    services = {s.code: s for s in uow.network.services(tenant)}
    open_alerts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in uow.twins.open_alerts(tenant, ids):
        open_alerts[a["order_id"]].append(a)
    built: list[tuple[OrderSource, dict[str, Any] | None, str, dict[Stage, datetime],
                      datetime | None, frozenset[str], datetime | None, Twin]] = []
    for oid in ids:
        src = orders.get(oid)
        if src is None:
            continue
        before = stored.get(oid)
        events = per_order[oid]
        entries, held, failed, finished = read_events(
            events, _entries(before), before["held_since"] if before else None,
            _failed(before),
            before["finished_at"] if before else None)
        if not entries:
            continue  # events of an order created before the twin existed: nothing to place
        status = (events[-1][1] if events else before["status"] if before else "") \
            or src.status
        twin = build_twin(facts_of(src, held), entries, policy, now, finished_at=finished,
                          signals=signals_of(src, services, len(failed)))
        built.append((src, before, status, entries, held, failed, finished, twin))
    if scorer.model is not None and built:
        world = risk.World(services, {w.code: w for w in uow.catalog.warehouses(tenant)},
                           uow.network.site_backlog(tenant))
        scored = risk.apply(scorer, [(risk.snapshot(b[0], b[3], b[7], world, now), b[7])
                                     for b in built])
        built = [(*b[:7], t) for b, t in zip(built, scored, strict=True)]
    rows: list[dict[str, Any]] = []
    decisions: dict[str, tuple[list[dict[str, Any]], str, Twin | None]] = {}
    risky_ids = [b[0].order_id for b in built
                 if b[7].risk >= policy.at_risk_probability and not b[7].finished]
    had_risk = uow.twins.alert_passes(tenant, risky_ids, alerts.AT_RISK)
    for src, before, status, entries, held, failed, finished, twin in built:
        oid = src.order_id
        row = twin_row(tenant, src, status, twin, entries, held, failed, finished, policy,
                       now)
        stage_pass = (row["next_stage"], row["stage_entered_at"])
        if before is not None and before["watch_at"] is None and \
                (before["next_stage"], before["stage_entered_at"]) == stage_pass:
            row["watch_at"] = None  # already raised for this pass: not again
        rows.append(row)
        to_resolve = [a for a in open_alerts.get(oid, []) if _settled(a, row, twin, policy)]
        raise_risk = (twin.risk >= policy.at_risk_probability and not twin.finished
                      and (oid, row["next_stage"] or row["stage"],
                           row["stage_entered_at"]) not in had_risk
                      and not any(a["kind"] == alerts.AT_RISK
                                  for a in open_alerts.get(oid, []) if a not in to_resolve))
        if to_resolve or raise_risk:
            decisions[oid] = (to_resolve, _resolution(row, twin), twin if raise_risk else None)
    if decisions:
        _record_alerts(uow, tenant, decisions, rows, policy, now)
    uow.twins.save_twins(rows)
    return len(rows)


def _settled(alert: dict[str, Any], row: dict[str, Any], twin: Twin,
             policy: SlaPolicy) -> bool:
    if twin.finished:
        return True
    if alert["kind"] == alerts.STALLED:
        return (alert["stage"], alert["pass_started_at"]) != (row["next_stage"],
                                                              row["stage_entered_at"])
    return twin.risk < policy.at_risk_probability * RISK_CLEAR


def _resolution(row: dict[str, Any], twin: Twin) -> str:
    if twin.finished:
        return f"the order is {row['status']}"
    if twin.current is not None:
        return f"the order reached {twin.current.value}"
    return "no longer at risk"


def _record_alerts(uow: UnitOfWork, tenant: str,
                   decisions: dict[str, tuple[list[dict[str, Any]], str, Twin | None]],
                   rows: list[dict[str, Any]], policy: SlaPolicy, now: datetime) -> None:
    """Alert events go in their orders' sequences: those orders are loaded again under
    their row locks (a fresh version), only they; the alerts are read again under them."""
    ids = sorted(decisions)
    locked = {o.id: o for o in uow.orders.get_many(tenant, ids, lock=True)}
    still_open = {a["id"] for a in uow.twins.open_alerts(tenant, ids)}
    by_id = {r["order_id"]: r for r in rows}
    new: list[dict[str, Any]] = []
    events: dict[str, tuple[Order, ev.Event]] = {}
    for oid, (to_resolve, resolution, risky) in decisions.items():
        order = locked.get(oid)
        if order is None:
            continue
        alerts.resolve(uow, order, [a for a in to_resolve if a["id"] in still_open],
                       resolution, now)
        if risky is None:
            continue
        row = by_id[oid]
        reasons = [r.message for r in risky.reasons]
        alert = alerts.alert_row(
            tenant_id=tenant, order_id=oid, kind=alerts.AT_RISK,
            stage=row["next_stage"] or row["stage"], pass_started_at=row["stage_entered_at"],
            team=row["team"] or "order-ops",
            reason="; ".join(reasons) or "likely to miss the promised delivery",
            details={"risk": round(risky.risk, 4), "health": risky.health,
                     "reasons": [r.as_dict() for r in risky.reasons]},
            now=now, due_at=risky.promise_at, escalate_after=policy.escalate_after)
        new.append(alert)
        events[alert["id"]] = (order, ev.OrderAtRisk(
            tenant_id=tenant, occurred_at=now, actor=alerts.ACTOR, reason=alert["reason"],
            alert_id=alert["id"], risk=round(risky.risk, 4), health=risky.health,
            promise_at=risky.promise_at.isoformat() if risky.promise_at else None,
            slack_hours=round(risky.slack.total_seconds() / 3600, 2)
            if risky.slack is not None else None,
            team=alert["team"], reasons=reasons))
    for alert_id in sorted(uow.twins.add_alerts(new)):  # one per stage pass: only new ones
        order, event = events[alert_id]
        order.record_alert(event)


def consumer_handler(make_uow: UowFactory,
                     clock: Callable[[], datetime]) -> Callable[[Sequence[Envelope]], None]:
    def handle(batch: Sequence[Envelope]) -> None:
        project(make_uow, batch, clock())

    return handle
