"""The exception desk's use cases: open and resolve exceptions (the alert code and the
carrier booking call these), keep the queue in step with held orders, compute remedies,
and apply, approve or reject them through the order's own services (`run_pipeline`,
`editing.edit_order`, `fulfilment.cancel_loaded`, the stock repository, a released order's
recall with the compensation saga that voids its waybills), each in one transaction with
its events and audit entries.

Held orders reach the desk by reconciliation (`sync_holds`), not by a hook in every path
that holds an order: one anti-join finds held orders without an open exception (and open
ones whose order left hold), so no path that holds an order (intake, re-routing, expiry,
channel updates, those still to come) can be missed. It runs before the queue is read and
from the periodic job.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from orderhub.domain import events as ev
from orderhub.domain.errors import Conflict, DomainError, NotFound
from orderhub.domain.exceptions import (
    DeskInput,
    ExceptionKind,
    ExceptionRecord,
    ExceptionState,
    Proposal,
    ProposalState,
    Remedy,
    RemedyKind,
    Tier,
    TierPolicy,
    approve,
    plan_remedies,
    reject,
)
from orderhub.domain.exceptions.model import fingerprint, order_fingerprint
from orderhub.domain.exceptions.pinned import PinnedStrategy
from orderhub.domain.exceptions.remedies import own_reservations
from orderhub.domain.fx import RateTable
from orderhub.domain.ids import new_id
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import HoldCode, Order, OrderEdit, OrderLine, stock_quantities
from orderhub.domain.routing.network import RouteOrder
from orderhub.domain.routing.strategy import route_order
from orderhub.domain.rules.checks import order_day
from orderhub.services import audit
from orderhub.services.intake.pipeline import run_pipeline
from orderhub.services.orders.editing import edit_order
from orderhub.services.orders.fulfilment import cancel_loaded
from orderhub.services.sagas.compensation import after_recall, planned_waybills
from orderhub.services.unit_of_work import UnitOfWork, UowFactory

if TYPE_CHECKING:
    from orderhub.services.sagas.runner import Compensator

log = logging.getLogger(__name__)

DEFAULT_PRESALE_LOCK = timedelta(minutes=30)  # Settings.presale_lock_minutes' default
HOLD_SOURCE = "hold:"
SYNC_BATCH = 200
AUTO = "system"


class StaleRemedy(Conflict):
    """The remedy's basis changed: refused, with the reasons and the fresh candidates."""

    code = "stale_remedy"

    def __init__(self, exception_id: str, reasons: list[str], remedies: list[Remedy]) -> None:
        self.exception_id = exception_id
        self.reasons = reasons
        self.remedies = remedies
        super().__init__(f"the remedy's basis changed: {'; '.join(reasons)}; the remedies "
                         f"of exception {exception_id} were computed afresh")


def load_policy(uow: UnitOfWork, tenant_id: str, order: Order | None = None) -> TierPolicy:
    """The tier policy in force: the stored document (thresholds, and the tier rules of
    the active rule set if it carried any); for `order`, a canary's tier rules instead
    when its slice covers the order (read from the cached network state)."""
    stored = uow.exceptions.policy(tenant_id)
    policy = TierPolicy() if stored is None else _parsed(tenant_id, stored[0], stored[1])
    if order is None:
        return policy
    state = uow.network.state(tenant_id)
    canary = state.canary if state is not None else None
    if canary is not None and canary.tiers and canary.slice.covers(_route(uow, order)):
        return policy.with_tiers(canary.tiers, canary.label)
    return policy


_PARSED: dict[tuple[str, int, str], TierPolicy] = {}


def _parsed(tenant_id: str, version: int, doc: dict[str, Any]) -> TierPolicy:
    """A stored policy version parsed once per process (its tier rules compile CEL); keyed
    by its content too, so a document is never mistaken for another."""
    key = (tenant_id, version, fingerprint(doc))
    hit = _PARSED.get(key)
    if hit is None:
        if len(_PARSED) > 256:
            _PARSED.clear()
        hit = _PARSED[key] = TierPolicy.from_document(doc, version)
    return hit


def order_rates(uow: UnitOfWork, order: Order) -> RateTable:
    """The tenant's rates on the order's day (one read): its value in the base currency."""
    day = order_day(order)
    return uow.fx.table(order.tenant_id, [order.currency], day, day)


def _route(uow: UnitOfWork, order: Order) -> RouteOrder:
    """The order as tier rules and canary slices read it (SKU facts included, its value
    in the tenant's base currency)."""
    return route_order(order, uow.catalog.skus_by_code(
        order.tenant_id, sorted({ln.sku for ln in order.lines if ln.sku})),
        fx=order_rates(uow, order))


def kind_of_hold(order: Order) -> ExceptionKind:
    codes = {r.code for r in order.hold_reasons}
    if HoldCode.RESERVATION_EXPIRED in codes:
        return ExceptionKind.RESERVATION_EXPIRED
    if HoldCode.CHANNEL_UPDATE in codes:
        return ExceptionKind.CHANNEL_UPDATE_CONFLICT
    if codes & {HoldCode.SUSPECTED_FRAUD, HoldCode.ANOMALY_REVIEW}:
        return ExceptionKind.ANOMALY  # L3 by default: only a person decides
    return ExceptionKind.HELD


def _order(uow: UnitOfWork, tenant_id: str, order_id: str) -> Order:
    """The order as this transaction sees it: the aggregate already loaded (and perhaps
    changed) here, else loaded under its row lock."""
    for o in uow.orders.seen():
        if o.id == order_id and o.tenant_id == tenant_id:
            return o
    return uow.orders.get(tenant_id, order_id, lock=True)


def compute_remedies(uow: UnitOfWork, tenant_id: str, order: Order, kind: ExceptionKind,
                     now: datetime, policy: TierPolicy,
                     also: frozenset[ExceptionKind] = frozenset()) -> list[Remedy]:
    """Ranked candidates for one order: a handful of reads, then the pure planner."""
    network = uow.network.state(tenant_id)
    if network is None:
        raise NotFound(f"tenant '{tenant_id}' not found")
    skus = {ln.sku for ln in order.lines if ln.sku}
    subs = uow.exceptions.substitutions(tenant_id, skus)
    every = sorted(skus | {s.substitute for s in subs})
    levels = uow.stock.levels(tenant_id, every)
    atp = {k: lv.atp for k, lv in levels.items()}
    for k, q in own_reservations(order).items():
        atp[k] = atp.get(k, 0) + q
    return plan_remedies(DeskInput(
        order, kind, network, uow.catalog.skus_by_code(tenant_id, every),
        uow.catalog.warehouses(tenant_id), atp, now, policy, subs, also_kinds=also,
        fx=order_rates(uow, order)))


def tier_kinds(uow: UnitOfWork, rec: ExceptionRecord) -> frozenset[ExceptionKind]:
    """The kinds the order's remedies are tiered by: all of its open exceptions' (the
    strictest tier over them applies), so an order also on the desk for fraud (L3) is
    never re-planned automatically because it is held, too."""
    return frozenset({rec.kind, *(e.kind for e in
                                  uow.exceptions.open_for(rec.tenant_id, rec.order_id))})


def _refresh(uow: UnitOfWork, rec: ExceptionRecord, order: Order, policy: TierPolicy,
             now: datetime) -> None:
    rec.remedies = compute_remedies(uow, rec.tenant_id, order, rec.kind, now, policy,
                                    tier_kinds(uow, rec) - {rec.kind})
    rec.remedies_at = now
    rec.generation += 1
    rec.updated_at = now


def _event(cls: Any, rec: ExceptionRecord, order: Order, now: datetime,
           actor: str, reason: str, **data: Any) -> None:
    e = cls(tenant_id=rec.tenant_id, occurred_at=now, actor=actor, reason=reason,
            order_id=order.id, status=order.status.value, exception_id=rec.id, **data)
    order.events.append(e)  # on the order's timeline, in its sequence


def _audit(uow: UnitOfWork, rec: ExceptionRecord, now: datetime, actor: str, action: str,
           remedy: Remedy, reason: str, **extra: Any) -> None:
    audit.note(uow, rec.tenant_id, now, actor, "exception_remedy", f"exception/{rec.id}", {
        "action": action, "order": rec.order_id, "exception_kind": rec.kind.value,
        "remedy": remedy.kind.value, "n": remedy.n, "tier": remedy.tier.value,
        "cost_delta": str(remedy.cost_delta), "delay_days": remedy.delay_days,
        "basis": remedy.basis.hash, "reason": reason, **extra})


# ----- opening and resolving ---------------------------------------------------------------

def open_exception(uow: UnitOfWork, *, tenant_id: str, order_id: str, kind: ExceptionKind,
                   source: str, reason: str, now: datetime, actor: str,
                   details: dict[str, Any] | None = None) -> str:
    """Put an order on the desk (idempotent on (tenant, kind, source) while open) with its
    ranked remedies; the best one is applied at once when the policy makes it L1. Returns
    the exception id. Takes the tenant's network lock (shared) first: call it before
    locking order or stock rows, as every pipeline transaction does."""
    existing = uow.exceptions.find_open(tenant_id, kind, source)
    if existing is not None:
        return existing.id
    uow.network.lock_for_intake(tenant_id)
    order = _order(uow, tenant_id, order_id)
    policy = load_policy(uow, tenant_id, order)
    rec = ExceptionRecord(new_id("exc"), tenant_id, order_id, kind, source, reason, now, actor,
                          details=dict(details or {}), updated_at=now)
    claimed = uow.exceptions.add_if_absent(rec)  # a concurrent twin may have opened it
    if claimed != rec.id:
        return claimed
    _refresh(uow, rec, order, policy, now)
    _event(ev.ExceptionOpened, rec, order, now, actor, reason, kind=kind.value, source=source,
           remedies=len(rec.remedies))
    best = rec.remedies[0] if rec.remedies else None
    if best is not None and best.tier == Tier.L1 and best.changes_order:
        _execute(uow, rec, order, best, policy, actor=AUTO, now=now, automatic=True,
                 proposal_id="", reason=f"L1 under policy v{policy.version} (tiers: "
                 f"{policy.source}): applied automatically")
    uow.exceptions.save(rec)
    return rec.id


def _resolve(uow: UnitOfWork, rec: ExceptionRecord, order: Order | None, resolution: str,
             now: datetime, actor: str) -> None:
    rec.state = ExceptionState.RESOLVED
    rec.resolved_at = rec.updated_at = now
    rec.resolved_by = actor
    rec.resolution = resolution
    for p in uow.exceptions.proposals(rec.tenant_id, rec.id, state=ProposalState.PENDING,
                                      lock=True):
        p.state, p.decided_at, p.outcome = ProposalState.EXPIRED, now, \
            f"exception resolved: {resolution}"
        uow.exceptions.save_proposal(p)
    if order is not None:
        _event(ev.ExceptionResolved, rec, order, now, actor, resolution, kind=rec.kind.value,
               resolution=resolution)
    uow.exceptions.save(rec)


def resolve_exceptions(uow: UnitOfWork, *, tenant_id: str, order_id: str, source: str,
                       reason: str, now: datetime, actor: str) -> int:
    """Close the order's open exceptions from `source` (its cause went away); returns how
    many were closed."""
    recs = uow.exceptions.open_for(tenant_id, order_id, source, lock=True)
    if not recs:
        return 0
    order = _order(uow, tenant_id, order_id)
    for rec in recs:
        _resolve(uow, rec, order, reason, now, actor)
    return len(recs)


def sync_holds_in(uow: UnitOfWork, tenant_id: str, now: datetime,
                  limit: int = SYNC_BATCH) -> tuple[int, int]:
    """Every held order gets its exception (with its hold reasons); exceptions of orders
    that left hold are resolved. Returns (opened, resolved)."""
    uow.network.lock_for_intake(tenant_id)
    resolved = 0
    for exc_id, order_id in uow.exceptions.holds_released(tenant_id, limit):
        order = _order(uow, tenant_id, order_id)
        rec = uow.exceptions.get(tenant_id, exc_id, lock=True)
        _resolve(uow, rec, order, f"order is no longer on hold ({order.status.value})", now,
                 AUTO)
        resolved += 1
    ids = uow.exceptions.held_without_exception(tenant_id, limit)
    for order in uow.orders.get_many(tenant_id, ids, lock=True):
        if order.status != OrderStatus.ON_HOLD:
            continue
        open_exception(uow, tenant_id=tenant_id, order_id=order.id, kind=kind_of_hold(order),
                       source=f"{HOLD_SOURCE}{order.id}",
                       reason="; ".join(r.message for r in order.hold_reasons) or "on hold",
                       now=now, actor=AUTO,
                       details={"hold_reasons": [r.as_dict() for r in order.hold_reasons]})
    return len(ids), resolved


def sync_holds(make_uow: UowFactory, tenant_id: str, *, now: datetime,
               limit: int = SYNC_BATCH) -> tuple[int, int]:
    with make_uow() as uow:
        out = sync_holds_in(uow, tenant_id, now, limit)
        if out != (0, 0):
            uow.commit()
        return out


def sync_all(make_uow: UowFactory, *, now: datetime, limit: int = SYNC_BATCH) -> int:
    """The periodic job: every tenant's held orders reconciled (a batch each)."""
    with make_uow() as uow:
        tenants = uow.exceptions.tenants_with_holds()
    return sum(sum(sync_holds(make_uow, t, now=now, limit=limit)) for t in tenants)


# ----- applying -----------------------------------------------------------------------------

def _stale(uow: UnitOfWork, order: Order, remedy: Remedy) -> list[str]:
    keys = {k: k.partition("@") for k in remedy.basis.stock}
    levels = uow.stock.levels(order.tenant_id, sorted({sku for sku, _, _ in keys.values()}))
    own = own_reservations(order)
    atp = {}
    for key, (sku, _, site) in keys.items():
        lv = levels.get((sku, site))
        atp[key] = (lv.atp if lv is not None else 0) + own.get((sku, site), 0)
    revision = uow.network.revision(order.tenant_id) or 0
    return remedy.basis.changes(order_fingerprint(order), order.status.value, revision, atp)


def _replan(uow: UnitOfWork, order: Order, plan: dict[str, Any], *, now: datetime,
            actor: str, reason: str, presale_lock: timedelta,
            lines: list[OrderLine] | None = None) -> None:
    """Take the order off its current plan (if any) and through the pipeline again on the
    remedy's plan (validation included)."""
    if lines is not None:
        edit_order(uow, order, OrderEdit(lines=lines), reason=reason, now=now, actor=actor)
    elif order.status in (OrderStatus.RESERVED, OrderStatus.ALLOCATED):
        released = order.reroute(reason, now, actor)
        uow.stock.release(order.tenant_id, stock_quantities(released), now)
    if order.status != OrderStatus.ON_HOLD:
        raise Conflict(f"order {order.id} is {order.status.value}; it can no longer be "
                       "re-planned")
    order.resume(now, actor)
    run_pipeline(uow, order.tenant_id, [order], PinnedStrategy.of_plan(plan), now, actor,
                 presale_lock)


def _line_changes(order: Order, wanted: list[dict[str, Any]]) -> list[OrderLine]:
    """The order's lines with the remedy's SKUs and quantities (what the customer pays for
    a line stays the same)."""
    by_no = {int(w["line_no"]): w for w in wanted}
    out = []
    for ln in order.lines:
        w = by_no.get(ln.line_no)
        if w is None:
            out.append(ln)
            continue
        qty = int(w["quantity"])
        if qty <= 0:
            continue
        price = ln.unit_price if qty == ln.quantity else (
            ln.unit_price * ln.quantity / qty).quantize(Decimal("0.01"), ROUND_HALF_UP)
        out.append(replace(ln, sku=str(w["sku"]), quantity=qty, unit_price=price))
    return out


def _backorder(uow: UnitOfWork, order: Order, rest: list[dict[str, Any]], *, now: datetime,
               actor: str, presale_lock: timedelta, exception_id: str) -> Order:
    """The backordered rest as an order of its own, held as a backorder (linked by its
    `backorder_of` attribute) until stock arrives."""
    by_no = {ln.line_no: ln for ln in order.lines}
    lines = [OrderLine(i, str(r["sku"]), int(r["quantity"]),
                       by_no[int(r["line_no"])].unit_price, title=by_no[int(r["line_no"])].title)
             for i, r in enumerate(rest, start=1)]
    child = Order.create(
        tenant_id=order.tenant_id, channel=order.channel,
        external_id=f"{order.external_id}#backorder-{exception_id[-8:]}",
        order_type=order.order_type, currency=order.currency, lines=lines,
        customer=order.customer, address=order.shipping_address, now=now, actor=actor,
        placed_at=order.placed_at, requested_delivery=order.requested_delivery,
        service_level=order.service_level,
        attributes={**order.attributes, "backorder_of": order.id})
    uow.orders.add(child)
    run_pipeline(uow, order.tenant_id, [child], PinnedStrategy([]), now, actor, presale_lock)
    return child


def _recall(uow: UnitOfWork, rec: ExceptionRecord, order: Order, plan: dict[str, Any], *,
            now: datetime, actor: str, reason: str, presale_lock: timedelta) -> str | None:
    """Take a released order back from its warehouse, as when the warehouse refuses it
    (RELEASED -> ON_HOLD: its shipments cancelled, its stock released), start the saga
    that voids its booked waybills with the carriers (an external call, retried by the
    saga-resume job: never inside this transaction), and route it on the remedy's plan."""
    waybills = planned_waybills(order)
    freed = order.recall(reason, now, actor, cause="recalled")  # Conflict once picked
    uow.stock.release(order.tenant_id, stock_quantities(freed), now)
    saga = after_recall(uow, order, waybills, reason, now, actor)
    if saga is not None:
        rec.details["recall_saga"] = saga.id
    _replan(uow, order, plan, now=now, actor=actor, reason=reason, presale_lock=presale_lock)
    return saga.id if saga is not None else None


def void_recalled(c: Compensator, tenant_id: str, outcome: dict[str, Any]) -> None:
    """After the commit of an applied recall_and_reroute: run its saga now (void the old
    waybills, tell the channel). A failure is the saga's to retry (the saga-resume job)."""
    saga_id = outcome.get("saga")
    if not saga_id:
        return
    from orderhub.services.sagas.runner import run

    try:
        run(c, tenant_id, str(saga_id))
    except Exception:  # the saga is stored: the saga-resume job runs it at its next turn
        log.exception("saga %s of a recalled order: left to the saga-resume job", saga_id)


def _execute(uow: UnitOfWork, rec: ExceptionRecord, order: Order, remedy: Remedy,
             policy: TierPolicy, *, actor: str, now: datetime, automatic: bool,
             proposal_id: str, reason: str,
             presale_lock: timedelta = DEFAULT_PRESALE_LOCK) -> str | None:
    """Carry the remedy out in the caller's transaction, then record it. Returns the id of
    a saga to run after the commit (a recall's waybill voids), if any."""
    saga: str | None = None
    why = f"exception {rec.id}: {remedy.kind.value}" + (f" ({reason})" if reason else "")
    plan = remedy.plan
    kind = remedy.kind
    if kind == RemedyKind.CANCEL_AND_REFUND:
        cancel_loaded(uow, order, why, now=now, actor=actor)
    elif kind == RemedyKind.SUBSTITUTE_SKU:
        _replan(uow, order, plan, now=now, actor=actor, reason=why, presale_lock=presale_lock,
                lines=_line_changes(order, plan["lines"]))
    elif kind == RemedyKind.SHIP_AVAILABLE_BACKORDER_REST and remedy.changes_order:
        child = _backorder(uow, order, plan["backorder"], now=now, actor=actor,
                           presale_lock=presale_lock, exception_id=rec.id)
        rec.details["backorder_order"] = child.id
        keep = {int(k["line_no"]): k for k in plan["keep"]}
        _replan(uow, order, plan, now=now, actor=actor, reason=why, presale_lock=presale_lock,
                lines=_line_changes(order, [keep.get(ln.line_no) or {
                    "line_no": ln.line_no, "sku": ln.sku, "quantity": 0}
                    for ln in order.lines]))
    elif kind == RemedyKind.RECALL_AND_REROUTE or (
            kind == RemedyKind.UPGRADE_CARRIER and order.status == OrderStatus.RELEASED):
        # a released order's upgrade is a recall pinned to the same sites, faster service
        saga = _recall(uow, rec, order, plan, now=now, actor=actor, reason=why,
                       presale_lock=presale_lock)
    elif kind in (RemedyKind.SWITCH_WAREHOUSE, RemedyKind.SPLIT_SHIPMENT,
                  RemedyKind.UPGRADE_CARRIER, RemedyKind.TRANSFER_STOCK):
        for move in plan.get("transfers", []):
            ref = f"exception:{rec.id}:transfer"
            uow.stock.adjust(order.tenant_id, move["sku"], move["from"], -int(move["quantity"]),
                             now, f"transfer to {move['to']}", ref, actor)
            uow.stock.receive(order.tenant_id, move["sku"], move["to"], int(move["quantity"]),
                              now, ref, actor, reason=f"transfer from {move['from']}")
        _replan(uow, order, plan, now=now, actor=actor, reason=why, presale_lock=presale_lock)
    # contact_customer, keep on backorder: a decision recorded, the order unchanged
    _event(ev.RemedyApplied, rec, order, now, actor, reason, proposal_id=proposal_id,
           remedy=kind.value, tier=remedy.tier.value, automatic=automatic,
           cost_delta=str(remedy.cost_delta), delay_days=remedy.delay_days)
    _audit(uow, rec, now, actor, "applied", remedy, reason, automatic=automatic,
           proposal=proposal_id, order_status=order.status.value, tiers=policy.source)
    rec.details["applied"] = [*rec.details.get("applied", []), {
        "remedy": kind.value, "n": remedy.n, "by": actor, "at": now.isoformat(),
        "automatic": automatic, "proposal": proposal_id}]
    rec.updated_at = now
    if order.status in (OrderStatus.RESERVED, OrderStatus.ALLOCATED, OrderStatus.CANCELLED):
        _resolve(uow, rec, order, f"remedy {kind.value} applied", now, actor)
    elif remedy.changes_order:
        _refresh(uow, rec, order, policy, now)  # still not fixed (held for another reason)
    return saga


def _open(uow: UnitOfWork, tenant_id: str, exception_id: str) -> ExceptionRecord:
    rec = uow.exceptions.get(tenant_id, exception_id, lock=True)
    if rec.state != ExceptionState.OPEN:
        raise Conflict(f"exception {exception_id} is resolved ({rec.resolution}); nothing "
                       "to decide")
    return rec


def _refuse_stale(uow: UnitOfWork, rec: ExceptionRecord, order: Order, policy: TierPolicy,
                  reasons: list[str], now: datetime) -> StaleRemedy:
    _refresh(uow, rec, order, policy, now)
    uow.exceptions.save(rec)
    uow.commit()
    return StaleRemedy(rec.id, reasons, rec.remedies)


def apply_remedy(make_uow: UowFactory, tenant_id: str, exception_id: str, n: int, *,
                 actor: str, reason: str, now: datetime,
                 presale_lock: timedelta = DEFAULT_PRESALE_LOCK) -> dict[str, Any]:
    """Apply remedy `n`: at once when the policy makes it L1, else as a proposal for
    approval (L2, L3). A remedy whose basis changed is refused (StaleRemedy, 409) and the
    list is computed afresh."""
    with make_uow() as uow:
        uow.network.lock_for_intake(tenant_id)
        rec = _open(uow, tenant_id, exception_id)
        remedy = rec.remedy(n)
        order = uow.orders.get(tenant_id, rec.order_id, lock=True)
        policy = load_policy(uow, tenant_id, order)
        stale = _stale(uow, order, remedy)
        if stale:
            raise _refuse_stale(uow, rec, order, policy, stale, now)
        route = _route(uow, order)
        tier = policy.tier_of(remedy, tier_kinds(uow, rec), route.value, route)
        remedy = replace(remedy, tier=tier)
        if tier == Tier.L1:
            saga = _execute(uow, rec, order, remedy, policy, actor=actor, now=now,
                            automatic=False, proposal_id="", reason=reason,
                            presale_lock=presale_lock)
            uow.exceptions.save(rec)
            uow.commit()
            return {"outcome": "applied", "exception_id": rec.id, "proposal": None,
                    "saga": saga}
        for pending in uow.exceptions.proposals(tenant_id, rec.id, state=ProposalState.PENDING,
                                                remedy_n=n, lock=True):
            if now < pending.expires_at:
                raise Conflict(f"remedy {n} of exception {rec.id} is already proposed "
                               f"({pending.id}) and awaits approval until "
                               f"{pending.expires_at.isoformat()}")
            pending.state, pending.decided_at = ProposalState.EXPIRED, now
            pending.outcome = "expired before enough approvals"
            uow.exceptions.save_proposal(pending)
        p = Proposal(new_id("prp"), tenant_id, rec.id, remedy, tier, actor, now,
                     now + policy.ttl, reason)
        uow.exceptions.add_proposal(p)
        needed = policy.approvals_needed(tier)
        _event(ev.RemedyProposed, rec, order, now, actor, reason, proposal_id=p.id,
               remedy=remedy.kind.value, tier=tier.value, cost_delta=str(remedy.cost_delta),
               delay_days=remedy.delay_days, approvals_needed=needed,
               expires_at=p.expires_at.isoformat())
        _audit(uow, rec, now, actor, "proposed", remedy, reason, proposal=p.id,
               approvals_needed=needed, expires_at=p.expires_at.isoformat(),
               tiers=policy.source)
        rec.updated_at = now
        uow.exceptions.save(rec)
        uow.commit()
        return {"outcome": "proposed", "exception_id": rec.id, "proposal": p.as_dict(),
                "saga": None}


def _pending(uow: UnitOfWork, rec: ExceptionRecord, n: int) -> Proposal:
    found = uow.exceptions.proposals(rec.tenant_id, rec.id, remedy_n=n, lock=True)
    if not found:
        raise NotFound(f"remedy {n} of exception {rec.id} has not been proposed; apply it "
                       "first (POST .../apply) to propose it")
    pending = [p for p in found if p.state == ProposalState.PENDING]
    return pending[-1] if pending else found[-1]


def decide(make_uow: UowFactory, tenant_id: str, exception_id: str, n: int, *,
           approve_it: bool, actor: str, reason: str, now: datetime,
           presale_lock: timedelta = DEFAULT_PRESALE_LOCK,
           proposal_id: str = "") -> dict[str, Any]:
    """Approve or reject the proposal of remedy `n`. The approval that completes its tier's
    count applies it (after checking its basis again). `proposal_id`: the proposal the
    decider was shown (a chat card's); a newer proposal of the same remedy is not it."""
    saga: str | None = None
    with make_uow() as uow:
        uow.network.lock_for_intake(tenant_id)
        rec = _open(uow, tenant_id, exception_id)
        p = _pending(uow, rec, n)
        if proposal_id and p.id != proposal_id:
            raise Conflict(f"proposal {proposal_id} is no longer the one awaiting a decision "
                           f"on remedy {n} ({p.id} is); decide on its own card or in the "
                           "console")
        order = uow.orders.get(tenant_id, rec.order_id, lock=True)
        policy = load_policy(uow, tenant_id, order)
        needed = policy.approvals_needed(p.tier)
        try:
            if approve_it:
                done = approve(p, actor, reason, now, needed)
            else:
                reject(p, actor, reason, now)
                done = False
        except DomainError:
            if p.state == ProposalState.EXPIRED:  # keep the expiry, then refuse
                uow.exceptions.save_proposal(p)
                uow.commit()
            raise
        if not approve_it:
            _event(ev.RemedyRejected, rec, order, now, actor, reason, proposal_id=p.id,
                   remedy=p.remedy.kind.value)
            _audit(uow, rec, now, actor, "rejected", p.remedy, reason, proposal=p.id)
        else:
            count = len([a for a in p.approvals if a.decision == "approve"])
            _event(ev.RemedyApproved, rec, order, now, actor, reason, proposal_id=p.id,
                   remedy=p.remedy.kind.value, approvals=count, approvals_needed=needed)
            _audit(uow, rec, now, actor, "approved", p.remedy, reason, proposal=p.id,
                   approvals=count, approvals_needed=needed)
        if done:
            stale = _stale(uow, order, p.remedy)
            if stale:
                p.state, p.decided_at, p.outcome = ProposalState.STALE, now, "; ".join(stale)
                uow.exceptions.save_proposal(p)
                raise _refuse_stale(uow, rec, order, policy, stale, now)
            approvers = ", ".join(a.approver for a in p.approvals if a.decision == "approve")
            saga = _execute(uow, rec, order, p.remedy, policy, actor=actor, now=now,
                            automatic=False, proposal_id=p.id,
                            reason=f"approved by {approvers}"
                            + (f": {reason}" if reason else ""), presale_lock=presale_lock)
            p.state, p.decided_at, p.decided_by = ProposalState.APPLIED, now, actor
            p.outcome = "applied"
        uow.exceptions.save_proposal(p)
        rec.updated_at = now
        uow.exceptions.save(rec)
        uow.commit()
        return {"outcome": "applied" if done else ("approved" if approve_it else "rejected"),
                "exception_id": rec.id, "proposal": p.as_dict(), "saga": saga}


def expire_lapsed(uow: UnitOfWork, tenant_id: str, exception_id: str, now: datetime) -> int:
    """Mark the exception's pending proposals past their expiry as expired, each with
    RemedyProposalExpired on the order and an audit entry. Returns how many."""
    uow.network.lock_for_intake(tenant_id)
    rec = uow.exceptions.get(tenant_id, exception_id, lock=True)
    lapsed = [p for p in uow.exceptions.proposals(tenant_id, exception_id,
                                                  state=ProposalState.PENDING, lock=True)
              if p.expires_at <= now]
    if not lapsed:
        return 0
    order = uow.orders.get(tenant_id, rec.order_id, lock=True)
    why = "expired before enough approvals"
    for p in lapsed:
        p.state, p.decided_at, p.outcome = ProposalState.EXPIRED, now, why
        uow.exceptions.save_proposal(p)
        approvals = len([a for a in p.approvals if a.decision == "approve"])
        _event(ev.RemedyProposalExpired, rec, order, now, AUTO, why, proposal_id=p.id,
               remedy=p.remedy.kind.value, tier=p.tier.value, approvals=approvals,
               expires_at=p.expires_at.isoformat())
        _audit(uow, rec, now, AUTO, "expired", p.remedy, why, proposal=p.id,
               approvals=approvals, expires_at=p.expires_at.isoformat())
    rec.updated_at = now
    uow.exceptions.save(rec)
    return len(lapsed)


def expire_proposals(make_uow: UowFactory, *, now: datetime, limit: int = SYNC_BATCH) -> int:
    """The periodic job: pending proposals past their expiry are marked expired (a batch
    of `limit` exceptions, one transaction each, the longest lapsed first), so the desk's
    queue shows them lapsed rather than waiting for someone to act on them. Returns how
    many proposals expired."""
    with make_uow() as uow:
        due = uow.exceptions.lapsed_proposals(now, limit)
    done = 0
    for tenant_id, exception_id in due:
        with make_uow() as uow:
            n = expire_lapsed(uow, tenant_id, exception_id, now)
            if n:
                uow.commit()
        done += n
    return done


def recompute(make_uow: UowFactory, tenant_id: str, exception_id: str, *,
              now: datetime) -> None:
    """Compute an open exception's remedies afresh (stock or the network moved)."""
    with make_uow() as uow:
        uow.network.lock_for_intake(tenant_id)
        rec = _open(uow, tenant_id, exception_id)
        order = uow.orders.get(tenant_id, rec.order_id, lock=True)
        _refresh(uow, rec, order, load_policy(uow, tenant_id, order), now)
        uow.exceptions.save(rec)
        uow.commit()
