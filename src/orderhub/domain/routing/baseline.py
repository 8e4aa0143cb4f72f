"""The naive router simple shops use, as a baseline for streaming and batch routing, and
the exact pricing of a given plan that all three are compared with.

`naive_plan` returns streaming's `Candidate` (or None when the order cannot be filled), so
its totals are directly comparable with `plan_order` and `plan_wave`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from orderhub.domain.routing.network import (
    CarrierService,
    CostWeights,
    Network,
    RouteOrder,
    Site,
    zone,
)
from orderhub.domain.routing.streaming import Candidate, ShipmentPlan, ship_day


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


def _usable(site: Site, order: RouteOrder) -> bool:
    return site.active and site.capacity_left > 0 and order.needs <= site.capabilities


def naive_plan(order: RouteOrder, network: Network, today: date | datetime,
               weights: CostWeights = CostWeights()) -> Candidate | None:
    """Sites in fixed priority order (`network.sites`): the first usable site holding the
    whole order ships it; otherwise each SKU is taken from sites in priority order (a
    split). Every shipment goes by the cheapest healthy service, lateness ignored.
    Returns None when stock, capacity or services cannot fill the order. Usable: active,
    picking capacity left, and the order's `needs` capabilities."""
    demand = order.demand
    sites = [s for s in network.sites if _usable(s, order)]

    def have(site: Site, sku: str) -> int:
        return network.stock.get((sku, site.code), 0)

    picks_by_site: dict[str, dict[str, int]] = {}
    whole = next((s for s in sites if all(have(s, k) >= q for k, q in demand.items())), None)
    if whole is not None:
        picks_by_site[whole.code] = dict(demand)
    else:
        for sku, qty in demand.items():
            left = qty
            for site in sites:
                take = min(left, have(site, sku))
                if take > 0:
                    picks_by_site.setdefault(site.code, {})[sku] = take
                    left -= take
                if left == 0:
                    break
            if left:
                return None
    by_code = {s.code: s for s in sites}
    shipments: list[ShipmentPlan] = []
    for code, picks in picks_by_site.items():
        plan = price_shipment(order, by_code[code], picks, network.services, today, weights,
                              count_late=False)
        if plan is None:
            return None
        shipments.append(plan)
    return make_candidate(order, shipments, weights)
