"""Streaming routing: one order decided as it arrives, from current stock and capacity.

Every candidate plan (one site, or a split across two) is priced in full: shipping by the
cheapest fitting carrier service per shipment, handling per order and per unit, a penalty
per extra shipment and per day past the requested date. The decision keeps all candidates
with their breakdown and the sites excluded with the reason, so it can be explained.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from orderhub.domain.geo import haversine_km
from orderhub.domain.routing.network import (
    CarrierService,
    CostWeights,
    Network,
    RouteOrder,
    Site,
    zone,
)

CHINA = timezone(timedelta(hours=8))
MAX_SPLIT_SITES = 6  # the nearest eligible sites considered for two-site splits


@dataclass(frozen=True, slots=True)
class ShipmentPlan:
    site: str
    service: str
    picks: dict[str, int]
    weight_kg: Decimal
    shipping: Decimal
    handling: Decimal
    ships: date
    arrives: date


@dataclass(frozen=True, slots=True)
class Candidate:
    shipments: tuple[ShipmentPlan, ...]
    shipping: Decimal
    handling: Decimal
    split_penalty: Decimal
    late_penalty: Decimal
    promised: date

    @property
    def total(self) -> Decimal:
        return self.shipping + self.handling + self.split_penalty + self.late_penalty

    @property
    def sites(self) -> tuple[str, ...]:
        return tuple(s.site for s in self.shipments)


@dataclass
class Decision:
    order_id: str
    chosen: Candidate | None
    candidates: list[Candidate] = field(default_factory=list)
    excluded: dict[str, str] = field(default_factory=dict)  # site -> why
    reason: str = ""  # why nothing was chosen


def ship_day(site: Site, now: datetime) -> date:
    local = now.astimezone(CHINA)
    return local.date() + timedelta(days=1) if local.time() >= site.cutoff else local.date()


def as_now(today: date | datetime) -> datetime:
    """The moment a plan is made; a bare date means 09:00 China time, as streaming does."""
    if isinstance(today, datetime):
        return today
    return datetime(today.year, today.month, today.day, 1, 0, tzinfo=UTC)


def order_weight(order: RouteOrder, picks: Mapping[str, int]) -> Decimal:
    """Weight of the units in `picks` (per-unit weight from the order's lines)."""
    per_unit = {ln.sku: ln.weight_kg for ln in order.lines}
    return sum((per_unit.get(sku, Decimal("0.5")) * qty for sku, qty in picks.items()),
               Decimal(0))


def price_shipment(order: RouteOrder, site: Site, picks: Mapping[str, int],
                   services: Sequence[CarrierService], today: date | datetime,
                   weights: CostWeights, *, count_late: bool = True) -> ShipmentPlan | None:
    """One shipment priced exactly as streaming prices it: the healthy service with the
    lowest price (plus the late penalty when `count_late`). None if no service is healthy."""
    ships = ship_day(site, as_now(today))
    weight = order_weight(order, picks)
    z = zone(site, order)
    units = sum(picks.values())
    best: tuple[Decimal, ShipmentPlan] | None = None
    for svc in services:
        if not svc.healthy:
            continue
        arrives = ships + timedelta(days=svc.transit_days[z])
        price = svc.price(z, max(weight, Decimal("0.1")))
        late = max(0, (arrives - order.requested_by).days) if order.requested_by else 0
        score = price + (weights.late_penalty_per_day * late if count_late else 0)
        if best is None or score < best[0]:
            plan = ShipmentPlan(site.code, svc.code, dict(picks), weight, price,
                                site.handling_per_order + site.handling_per_unit * units,
                                ships, arrives)
            best = (score, plan)
    return best[1] if best else None


def make_candidate(order: RouteOrder, shipments: Sequence[ShipmentPlan],
                   weights: CostWeights) -> Candidate:
    """A full plan with streaming's cost breakdown (late penalty on the last arrival)."""
    promised = max(s.arrives for s in shipments)
    late = max(0, (promised - order.requested_by).days) if order.requested_by else 0
    return Candidate(
        tuple(shipments), sum((s.shipping for s in shipments), Decimal(0)),
        sum((s.handling for s in shipments), Decimal(0)),
        weights.split_penalty * (len(shipments) - 1),
        weights.late_penalty_per_day * late, promised)


def plan_order(order: RouteOrder, network: Network, today: date | datetime,
               weights: CostWeights = CostWeights()) -> Decision:
    """The cheapest full plan for one order, or a reason why there is none."""
    now = as_now(today)
    decision = Decision(order.id, None)
    demand = order.demand
    eligible: list[Site] = []
    for site in network.sites:
        if not site.active:
            decision.excluded[site.code] = "closed"
        elif site.capacity_left <= 0:
            decision.excluded[site.code] = "no picking capacity left today"
        elif not order.needs <= site.capabilities:
            missing = ", ".join(sorted(order.needs - site.capabilities))
            decision.excluded[site.code] = f"lacks {missing}"
        elif not any(network.stock.get((sku, site.code), 0) > 0 for sku in demand):
            decision.excluded[site.code] = "holds none of the order's SKUs"
        else:
            eligible.append(site)
    services = network.services

    def have(site: Site, sku: str) -> int:
        return network.stock.get((sku, site.code), 0)

    for site in eligible:
        if all(have(site, sku) >= qty for sku, qty in demand.items()):
            s = price_shipment(order, site, demand, services, now, weights)
            if s is not None:
                decision.candidates.append(make_candidate(order, [s], weights))

    nearest = sorted(eligible, key=lambda s: haversine_km((s.lat, s.lon),
                                                          (order.lat, order.lon)))
    for a, b in itertools.combinations(nearest[:MAX_SPLIT_SITES], 2):
        if any(have(a, sku) + have(b, sku) < qty for sku, qty in demand.items()):
            continue
        for first, second in ((a, b), (b, a)):  # which site fills first matters for cost
            picks_1 = {sku: min(qty, have(first, sku)) for sku, qty in demand.items()}
            picks_2 = {sku: qty - picks_1[sku] for sku, qty in demand.items()}
            picks_1 = {k: v for k, v in picks_1.items() if v}
            picks_2 = {k: v for k, v in picks_2.items() if v}
            if not picks_1 or not picks_2:
                continue
            s1 = price_shipment(order, first, picks_1, services, now, weights)
            s2 = price_shipment(order, second, picks_2, services, now, weights)
            if s1 and s2:
                decision.candidates.append(make_candidate(order, [s1, s2], weights))

    if not decision.candidates:
        decision.reason = ("no healthy carrier service" if eligible and not any(
            s.healthy for s in services) else "no site or pair of sites can fill the order")
        return decision
    decision.chosen = min(decision.candidates,
                          key=lambda c: (c.total, len(c.shipments), c.promised, c.sites))
    return decision


def take_stock(network: Network, candidate: Candidate) -> None:
    """Apply a chosen plan to the network (stock and capacity), for sequences of orders."""
    for s in candidate.shipments:
        for sku, qty in s.picks.items():
            network.stock[(sku, s.site)] = network.stock.get((sku, s.site), 0) - qty
    used = {s.site for s in candidate.shipments}
    network.sites = [
        Site(x.code, x.lat, x.lon, x.province, x.handling_per_order, x.handling_per_unit,
             x.capacity_left - 1, x.cutoff, x.capabilities, x.active) if x.code in used else x
        for x in network.sites]
