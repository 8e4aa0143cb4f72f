"""`RoutingStrategy`: the streaming router behind the `AllocationStrategy` protocol, so intake
can use it instead of the nearest-warehouse rule (ORDERHUB_ALLOCATION_STRATEGY=routing).

Site costs not yet stored per warehouse use the defaults below; capacity is the warehouse's
daily capacity (current load tracking follows with the routing issue's live events).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from orderhub.domain.allocation import AllocationOutcome, Availability
from orderhub.domain.geo import locate
from orderhub.domain.inventory import Warehouse
from orderhub.domain.order import HoldCode, HoldReason, Order, PlannedPick
from orderhub.domain.routing.network import (
    DEMO_SERVICES,
    CarrierService,
    CostWeights,
    Network,
    RouteLine,
    RouteOrder,
    Site,
)
from orderhub.domain.routing.streaming import Candidate, Decision, plan_order

DEFAULT_HANDLING_PER_ORDER = Decimal("3.00")
DEFAULT_HANDLING_PER_UNIT = Decimal("0.50")


def _candidate_view(c: Candidate) -> dict[str, Any]:
    return {"sites": list(c.sites), "total": str(c.total), "shipping": str(c.shipping),
            "handling": str(c.handling), "split_penalty": str(c.split_penalty),
            "late_penalty": str(c.late_penalty), "promised": c.promised.isoformat(),
            "shipments": [{"site": s.site, "service": s.service, "picks": s.picks,
                           "weight_kg": str(s.weight_kg), "shipping": str(s.shipping),
                           "ships": s.ships.isoformat(), "arrives": s.arrives.isoformat()}
                          for s in c.shipments]}


def explain(decision: Decision, strategy: str) -> dict[str, Any]:
    ranked = sorted(decision.candidates, key=lambda c: (c.total, len(c.shipments)))
    return {"strategy": strategy,
            "chosen": _candidate_view(decision.chosen) if decision.chosen else None,
            "candidates": [_candidate_view(c) for c in ranked[:10]],
            "candidates_considered": len(decision.candidates),
            "excluded": decision.excluded, "reason": decision.reason}


class RoutingStrategy:
    name = "routing-v1"

    def __init__(self, services: Sequence[CarrierService] = DEMO_SERVICES,
                 weights: CostWeights = CostWeights(),
                 services_for: Callable[[str], list[CarrierService]] | None = None,
                 refresh: Callable[[], None] | None = None) -> None:
        self.services = list(services)
        self.weights = weights
        self.services_for = services_for  # current services (and health) per tenant
        self._refresh = refresh

    def refresh(self) -> None:
        """Forget cached carrier state (after a health change)."""
        if self._refresh is not None:
            self._refresh()

    def plan(self, order: Order, warehouses: Sequence[Warehouse], available: Availability,
             now: datetime) -> AllocationOutcome:
        where = locate(order.shipping_address) or (0.0, 0.0)
        route_order = RouteOrder(
            order.id, order.shipping_address.province.rstrip("省市"), where[0], where[1],
            tuple(RouteLine(ln.sku, ln.quantity) for ln in order.lines),
            order.requested_delivery)
        sites = [Site(w.code, w.lat, w.lon, "", DEFAULT_HANDLING_PER_ORDER,
                      DEFAULT_HANDLING_PER_UNIT, w.daily_capacity or 1_000_000, w.cutoff,
                      frozenset(), w.active) for w in warehouses]
        skus = {ln.sku for ln in order.lines}
        stock = {k: v for k, v in available.items() if k[0] in skus}
        services = (self.services_for(order.tenant_id) if self.services_for
                    else self.services)
        decision = plan_order(route_order, Network(sites, services, stock), now, self.weights)
        explanation = explain(decision, self.name)
        if decision.chosen is None:
            return AllocationOutcome(reasons=[HoldReason(
                HoldCode.BACKORDER, f"routing found no plan: {decision.reason}")],
                explanation=explanation)
        picks: list[PlannedPick] = []
        for shipment in decision.chosen.shipments:
            left = dict(shipment.picks)
            for ln in order.lines:
                take = min(left.get(ln.sku, 0), ln.quantity - sum(
                    p.quantity for p in picks if p.line_no == ln.line_no))
                if take > 0:
                    picks.append(PlannedPick(ln.line_no, ln.sku, shipment.site, take))
                    left[ln.sku] -= take
        return AllocationOutcome(picks=picks, promised=decision.chosen.promised,
                                 explanation=explanation)
