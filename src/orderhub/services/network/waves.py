"""Waves: re-optimise the allocated, not yet released orders together before they go to
the warehouses, as a mixed-integer program (domain/routing/batch.py).

Streaming decides each order alone as it arrives; a wave looks at all of them at once and
moves contended stock and picking capacity to where it saves the most. The solve runs on
a snapshot, outside any write transaction; then only the orders whose plan improved are
re-allocated, in one transaction, and only if they are still as they were (same version,
still allocated). Their current plans are the model's starting solution, so a wave never
makes the total worse; HiGHS failing or timing out keeps the current plans.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from orderhub.domain.allocation import AllocationOutcome, AllocationStrategy, Availability
from orderhub.domain.inventory import Sku, Warehouse
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import Order, ReservationState, ShipmentStatus, stock_quantities
from orderhub.domain.routing.batch import plan_wave
from orderhub.domain.routing.network import CostWeights, Network, RouteOrder
from orderhub.domain.routing.pricing import (
    Candidate,
    ShipmentPlan,
    make_candidate,
    price_shipment,
    usable_services,
)
from orderhub.domain.routing.state import NetworkState
from orderhub.domain.routing.strategy import (
    RoutingStrategy,
    candidate_view,
    outcome_of,
    route_order,
    site_of,
)
from orderhub.domain.rules.effects import carriers_down, matching
from orderhub.services.intake.pipeline import run_pipeline
from orderhub.services.unit_of_work import UowFactory

log = logging.getLogger(__name__)
CENT = Decimal("0.01")


@dataclass
class WaveReport:
    considered: int
    changed: dict[str, list[str]] = field(default_factory=dict)  # order -> new sites
    cost_before: Decimal = Decimal(0)  # of all considered orders, their current plans
    cost_after: Decimal = Decimal(0)  # the same orders after the wave
    # What the wave minimises: cost less the preference bonuses of routing rules. A rule
    # that prefers a dearer site can make a wave move orders there at extra cost.
    score_before: Decimal = Decimal(0)
    score_after: Decimal = Decimal(0)
    method: str = ""
    status: str = ""
    gap: float | None = None
    objective: float | None = None
    dual_bound: float | None = None
    seconds: float = 0.0
    fallback_reason: str = ""
    applied: bool = False
    skipped: list[str] = field(default_factory=list)  # changed meanwhile: left as they are
    # In a canary's slice: routed by the canary's rules, and left to them, so the wave's
    # live rules do not blur the side-by-side measure.
    canary_kept: int = 0
    model_size: dict[str, int] = field(default_factory=dict)

    @property
    def saving(self) -> Decimal:
        return self.cost_before - self.cost_after


def _current_plan(order: Order, route: RouteOrder, network: Network, now: datetime,
                  weights: CostWeights) -> Candidate | None:
    """The order's allocation as it stands, priced like any plan (its own carrier
    service where that is still usable)."""
    by_code = {s.code: s for s in network.sites}
    usable = usable_services(network.services)
    shipments: list[ShipmentPlan] = []
    for sh in order.shipments:
        if sh.status != ShipmentStatus.PLANNED:
            continue
        picks: dict[str, int] = {}
        for r in order.reservations:
            if r.shipment_id == sh.id and r.state == ReservationState.ACTIVE:
                picks[r.sku] = picks.get(r.sku, 0) + r.quantity
        site = by_code.get(sh.warehouse)
        if site is None or not picks:
            return None
        own = [s for s in usable if s.code == sh.carrier_service] or usable
        plan = price_shipment(route, site, picks, own, now, weights,
                              pickup=bool(order.pickup_store))
        if plan is None:
            return None
        shipments.append(plan)
    closed = frozenset(s.code for s in network.sites if not s.active)
    bonus = matching(network.rules, route, network.stock, closed,
                     carriers_down(network.services)).bonus
    return make_candidate(route, shipments, weights, bonus) if shipments else None


class PlannedStrategy:
    """Hands intake the wave's plans; any order whose plan no longer fits the stock on hand
    (changed since the snapshot) is routed afresh by the live strategy instead."""

    def __init__(self, plans: Mapping[str, Candidate], live: AllocationStrategy,
                 wave: dict[str, Any]) -> None:
        self.plans = plans
        self.live = live
        self.wave = wave
        self.name = f"{live.name}-wave"

    def prepare(self, network: NetworkState, catalog: Mapping[str, Sku]) -> Any:
        return self.live.prepare(network, catalog)

    def refresh(self) -> None:
        self.live.refresh()

    def plan(self, order: Order, warehouses: Sequence[Warehouse], available: Availability,
             now: datetime, context: Any = None) -> AllocationOutcome:
        plan = self.plans.get(order.id)
        active = {w.code for w in warehouses if w.active}
        fits = plan is not None and all(
            s.site in active and available.get((sku, s.site), 0) >= qty
            for s in plan.shipments for sku, qty in s.picks.items())
        if plan is None or not fits:
            return self.live.plan(order, warehouses, available, now, context)
        explanation = {"strategy": self.name, "chosen": candidate_view(plan),
                       "candidates": [candidate_view(plan)], "candidates_considered": 1,
                       "excluded": {}, "reason": "", "wave": self.wave}
        return outcome_of(order, plan, explanation)


def _same(a: Candidate, b: Candidate) -> bool:
    return sorted((s.site, s.service, sorted(s.picks.items())) for s in a.shipments) == \
        sorted((s.site, s.service, sorted(s.picks.items())) for s in b.shipments)


def optimise_wave(make_uow: UowFactory, read_uow: UowFactory, tenant_id: str, *,
                  strategy: AllocationStrategy, now: datetime, actor: str,
                  presale_lock: timedelta, limit: int = 2000, time_limit: float = 10.0,
                  dry_run: bool = False) -> WaveReport:
    """Re-optimise up to `limit` allocated orders (oldest first) together."""
    weights = strategy.weights if isinstance(strategy, RoutingStrategy) else CostWeights()
    with read_uow() as uow:
        ids = uow.orders.oldest_ids(tenant_id, OrderStatus.ALLOCATED, limit)
        offered = uow.bidding.open_orders(tenant_id, ids)  # their site waits for the award
        orders = uow.orders.get_many(tenant_id, [i for i in ids if i not in offered])
        report = WaveReport(len(orders))
        if not orders:
            return report
        warehouses = uow.catalog.warehouses(tenant_id)
        skus = sorted({ln.sku for x in orders for ln in x.lines})
        catalog = uow.catalog.skus_by_code(tenant_id, skus)
        levels = uow.stock.levels(tenant_id, skus)
        revision = uow.network.revision(tenant_id)
        state = uow.network.load(tenant_id)
    routes = [route_order(x, catalog) for x in orders]
    if state.canary is not None:
        kept = [state.canary.slice.covers(r) for r in routes]
        report.canary_kept = sum(kept)
        orders = [x for x, k in zip(orders, kept, strict=True) if not k]
        routes = [r for r, k in zip(routes, kept, strict=True) if not k]
        report.considered = len(orders)
        if not orders:
            return report
    # The wave's own reservations and queue places are what it redistributes.
    own = stock_quantities([r for x in orders for r in x.active_reservations()])
    stock = {k: lv.atp + own.get(k, 0) for k, lv in levels.items()}
    for k, q in own.items():
        stock.setdefault(k, q)
    backlog = dict(state.backlog)
    for x in orders:
        for sh in x.shipments:
            if sh.status == ShipmentStatus.PLANNED:
                backlog[sh.warehouse] = max(0, backlog.get(sh.warehouse, 0) - 1)
    network = Network([site_of(w, backlog.get(w.code, 0)) for w in warehouses],
                      state.services, stock, state.blocks, state.rules)
    current: dict[str, Candidate] = {}
    for x, r in zip(orders, routes, strict=True):
        plan = _current_plan(x, r, network, now, weights)
        if plan is not None:
            current[x.id] = plan
    pickups = {x.id: x.pickup_store for x in orders if x.pickup_store}
    result = plan_wave(routes, network, now, weights, time_limit, pickups=pickups,
                       start=current)
    report.method, report.status, report.gap = result.method, result.status, result.gap
    report.objective, report.dual_bound = result.objective, result.dual_bound
    report.seconds, report.fallback_reason = result.seconds, result.fallback_reason
    report.model_size = result.model_size
    report.cost_before = sum((c.total for c in current.values()), Decimal(0)).quantize(CENT)
    better: dict[str, Candidate] = {}
    for oid, plan in current.items():
        new = result.plans.get(oid)
        if new is not None and not _same(new, plan):
            better[oid] = new
    report.cost_after = sum(((better.get(oid) or plan).total for oid, plan in current.items()),
                            Decimal(0)).quantize(CENT)
    report.score_before = sum((c.score for c in current.values()), Decimal(0)).quantize(CENT)
    report.score_after = sum(((better.get(oid) or plan).score
                              for oid, plan in current.items()), Decimal(0)).quantize(CENT)
    if report.score_after >= report.score_before:
        better = {}  # nothing to gain (ties included): leave every order as it is
        report.cost_after, report.score_after = report.cost_before, report.score_before
    report.changed = {oid: sorted(set(p.sites)) for oid, p in better.items()}
    if result.fallback_reason:
        log.warning("wave kept the current plans: %s", result.fallback_reason)
    if dry_run or not better:
        return report
    versions = {x.id: x.version for x in orders}
    wave = {"orders": len(orders), "method": result.method, "gap": result.gap,
            "cost_before": str(report.cost_before), "cost_after": str(report.cost_after)}
    planned = PlannedStrategy(better, strategy, wave)
    why = "wave re-optimisation: a better plan for the whole wave"
    with make_uow() as uow:
        # First, before the order rows: no network change may commit until this one does
        # (see NetworkRepository.lock_for_intake); one that committed since the plans were
        # made may have closed a site they use.
        uow.network.lock_for_intake(tenant_id)
        if uow.network.revision(tenant_id) != revision:
            report.fallback_reason = ("the network changed while the wave was planned; "
                                      "nothing was applied: run it again")
            report.changed = {}
            return report
        locked = uow.orders.get_many(tenant_id, sorted(better), lock=True)
        moving = []
        for x in locked:
            if x.version != versions[x.id] or x.status != OrderStatus.ALLOCATED:
                report.skipped.append(x.id)
                report.changed.pop(x.id, None)
                continue
            freed = x.reroute(why, now, actor)
            uow.stock.release(tenant_id, stock_quantities(freed), now)
            x.resume(now, actor)
            moving.append(x)
        run_pipeline(uow, tenant_id, moving, planned, now, actor, presale_lock)
        uow.commit()
    strategy.refresh()
    report.applied = True
    return report
