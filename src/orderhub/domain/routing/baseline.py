"""The naive router simple shops use, as a baseline for streaming and batch routing.

`naive_plan` returns the same `Candidate` as `plan_order` and `plan_wave` (or None when the
order cannot be filled), priced by the same `pricing` module, so totals compare directly.
"""

from __future__ import annotations

from datetime import date, datetime

from orderhub.domain.routing.network import CostWeights, Network, RouteOrder, Site
from orderhub.domain.routing.pricing import (
    Candidate,
    ShipmentPlan,
    make_candidate,
    price_shipment,
    usable_services,
)


def _usable(site: Site, order: RouteOrder) -> bool:
    return site.active and not site.full and order.needs <= site.capabilities


def naive_plan(order: RouteOrder, network: Network, today: date | datetime,
               weights: CostWeights = CostWeights()) -> Candidate | None:
    """Sites in fixed priority order (`network.sites`): the first usable site holding the
    whole order ships it; otherwise each SKU is taken from sites in priority order (a
    split). Every shipment goes by the cheapest healthy service, lateness ignored.
    Returns None when stock, capacity or services cannot fill the order. Usable: active,
    queue not full, and the order's `needs` capabilities. No rules, no blocks."""
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
    services = usable_services(network.services)
    shipments: list[ShipmentPlan] = []
    for code, picks in picks_by_site.items():
        plan = price_shipment(order, by_code[code], picks, services, today, weights,
                              count_late=False)
        if plan is None:
            return None
        shipments.append(plan)
    return make_candidate(order, shipments, weights)
