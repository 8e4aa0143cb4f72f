"""Streaming routing: one order decided as it arrives, from current stock, load and rules.

First the sites are screened (closed, region blocked, queue full, lacking a capability,
kept out by a rule, holding none of the order's SKUs: each exclusion keeps its reason).
Then every full plan is priced: each site alone, splits over two of the nearest sites,
and, only when no one or two sites can fill it, over three or more (up to
`CostWeights.max_shipments`). The cheapest by score wins. The decision keeps all
candidates with their breakdown, so it can be explained.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from operator import add as plus
from operator import ge
from typing import Any

from orderhub.domain.geo import haversine_km
from orderhub.domain.routing.network import (
    BlockDirection,
    CarrierService,
    CostWeights,
    Network,
    RouteOrder,
    Site,
    to_units,
)
from orderhub.domain.routing.pricing import (
    Candidate,
    PriceMemo,
    Pricer,
    ShipmentPlan,
    as_now,
    make_candidate,
    ships_today,
    usable_services,
    weight_units,
)
from orderhub.domain.rules.effects import carriers_down, excluded_by, matching

MAX_SPLIT_SITES = 6  # the nearest eligible sites considered for splits


@dataclass
class Screen:
    """The sites and services one order may use, and why the others are out."""

    eligible: list[Site]  # nearest first
    excluded: dict[str, str] = field(default_factory=dict)
    services: list[CarrierService] = field(default_factory=list)
    bonus: dict[str, Decimal] = field(default_factory=dict)
    rules: list[str] = field(default_factory=list)  # labels of the rules that matched
    notes: list[str] = field(default_factory=list)
    blocked: str = ""  # the destination cannot be delivered to
    held: str = ""  # a rule holds the order for a person
    pruned: int = 0  # plans (sites, pairs) not priced: their lower bound could not win
    notify: list[dict[str, Any]] = field(default_factory=list)  # rules' notifications


@dataclass
class Decision:
    order_id: str
    chosen: Candidate | None
    candidates: list[Candidate] = field(default_factory=list)
    excluded: dict[str, str] = field(default_factory=dict)  # site -> why
    reason: str = ""  # why nothing was chosen
    rules: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    promise_warning: str = ""  # the due date cannot be met by any plan
    blocked: bool = False  # the destination itself is blocked
    held: bool = False  # a rule holds it for a person (reason in `reason`)
    rule_set: str = "live"  # which rules routed it: the live ones or a canary's
    pruned: int = 0  # plans not priced because their lower bound could not beat the best
    notify: list[dict[str, Any]] = field(default_factory=list)  # {rule, version, message, to}


def _distance(site: Site, order: RouteOrder) -> float:
    return haversine_km((site.lat, site.lon), (order.lat, order.lon))


def screen(order: RouteOrder, network: Network, now: datetime, pickup_site: str = "",
           memo: PriceMemo | None = None) -> Screen:
    """Which sites and carrier services may serve `order` now, with reasons for the rest."""
    for inbound in network.blocks:
        if inbound.direction != BlockDirection.OUTBOUND and inbound.covers(order.province,
                                                                            order.region):
            return Screen([], blocked=f"deliveries to {inbound.area} are blocked: "
                                      f"{inbound.reason}")
    closed = frozenset(s.code for s in network.sites if not s.active)
    reads_carriers = getattr(network.rules, "reads_carriers", True)
    down = ((memo.down(network.services) if memo is not None
             else carriers_down(network.services)) if reads_carriers else frozenset())
    effects = matching(network.rules, order, network.stock, closed, down)
    out = Screen([], rules=[r.label for r in effects.matched], bonus=effects.bonus,
                 notify=effects.notify)
    if effects.hold and "rule_review" not in order.overrides:
        out.held = effects.hold
        return out
    demand = order.demand
    outbound = [b for b in network.blocks if b.direction != BlockDirection.INBOUND]
    stock = network.stock
    needs = order.needs
    eligible: list[Site] = []
    for site in network.sites:
        block = next((b for b in outbound if b.covers(site.province, site.region)),
                     None) if outbound else None
        if site.active and block is None and not pickup_site and not site.full \
                and needs <= site.capabilities:
            code = site.code
            for sku in demand:
                if stock.get((sku, code), 0) > 0:
                    eligible.append(site)
                    break
            else:
                out.excluded[code] = "holds none of the order's SKUs"
            continue
        if not site.active:
            out.excluded[site.code] = "closed"
        elif block is not None:
            out.excluded[site.code] = f"{block.area} blocked: {block.reason}"
        elif pickup_site and site.code != pickup_site:
            out.excluded[site.code] = f"not the pickup store ({pickup_site})"
        elif site.full:
            out.excluded[site.code] = (f"picking queue full ({site.backlog} orders waiting, "
                                       f"{site.max_queue_days} days of capacity)")
        elif not order.needs <= site.capabilities:
            out.excluded[site.code] = "lacks " + ", ".join(sorted(order.needs
                                                                  - site.capabilities))
        elif not any(network.stock.get((sku, site.code), 0) > 0 for sku in demand):
            out.excluded[site.code] = "holds none of the order's SKUs"
        else:
            eligible.append(site)
    today: dict[str, bool] = {}  # per site, computed only for rules that ask
    for rule in effects.matched:
        if not rule.then.excludes:
            continue
        kept, removed = [], {}
        for site in eligible:
            if rule.then.require_same_day and site.code not in today:
                today[site.code] = ships_today(site, now, order.not_before)
            why = excluded_by(rule, site.code, site.capabilities,
                              today.get(site.code, True))
            if why:
                removed[site.code] = why
            else:
                kept.append(site)
        if removed and not kept and rule.then.waive_if_empty:
            out.notes.append(f"{rule.label} waived: it would leave no site")
            continue
        out.excluded.update(removed)
        eligible = kept
    if memo is not None:
        to = memo.distances(order)  # km by `Site.lane_key`: filled in once per place
        for s in eligible:
            if s.lane_key not in to:
                memo.km_from(to, s, order)
        if len(eligible) > 1:
            eligible.sort(key=lambda s: (to[s.lane_key], s.code))
    else:
        eligible.sort(key=lambda s: (_distance(s, order), s.code))
    out.eligible = eligible
    out.services = (memo.usable(network.services, effects.banned_carriers) if memo is not None
                    else usable_services(network.services, effects.banned_carriers))
    for code, label in effects.banned_carriers.items():
        out.notes.append(f"carrier {code} excluded by {label}")
    if effects.only_carriers is not None:
        allowed = effects.only_carriers
        services = [s for s in out.services if s.code in allowed or s.carrier in allowed]
        by = ", ".join(effects.only_carriers_by)
        if not services and effects.only_carriers_waivable:
            out.notes.append(f"{by} waived: no usable service of {', '.join(sorted(allowed))}")
        else:
            out.services = services
            out.notes.append(f"carriers limited to {', '.join(sorted(allowed))} by {by}")
    return out


def _fill(order: RouteOrder, sites: Sequence[Site], network: Network,
          demand: dict[str, int] | None = None) -> list[dict[str, int]] | None:
    """Picks per site when `sites` fill the order in this sequence, each taking what it
    can of what is left; None if they cannot, or if a site would ship nothing."""
    left = dict(demand if demand is not None else order.demand)
    out = []
    for site in sites:
        picks = {}
        for sku, qty in left.items():
            take = min(qty, network.stock.get((sku, site.code), 0))
            if take > 0:
                picks[sku] = take
        if not picks:
            return None
        for sku, qty in picks.items():
            left[sku] -= qty
        out.append(picks)
        left = {k: v for k, v in left.items() if v}
        if not left:
            return out if len(out) == len(sites) else None
    return None


def plan_candidates(order: RouteOrder, network: Network, scr: Screen,
                    today: date | datetime, weights: CostWeights, *,
                    pickup: bool = False, prune: bool = True,
                    memo: PriceMemo | None = None) -> list[Candidate]:
    """Every full plan for the screened sites, priced exactly. With `prune`, splits that
    cannot beat a plan already found are not priced (the answer is the same); a wave
    keeps them all, since contended stock may make them the best use of it."""
    out: list[Candidate] = []
    if not scr.services and not pickup:
        return out
    pricer = Pricer(order, scr.services, today, weights, pickup=pickup, memo=memo)
    max_bonus = to_units(max(scr.bonus.values(), default=Decimal(0))) if scr.bonus else 0
    units_of_weights = weight_units(weights)
    split_units = units_of_weights[0]
    demand = order.demand

    def priced(sites: Sequence[Site], fills: list[dict[str, int]] | None = None) -> None:
        fills = fills or _fill(order, sites, network, demand)
        if fills is None:
            return
        shipments: list[ShipmentPlan] = []
        for site, picks in zip(sites, fills, strict=True):
            s = pricer.shipment(site, picks)
            if s is None:
                return
            shipments.append(s)
        add(make_candidate(order, shipments, weights, scr.bonus, units=units_of_weights))

    # Per site, the cheapest a plan from it could conceivably cost, in units (for
    # pruning): its handling per order and cheapest first kilogram. A split over sites
    # adds their floors and the split penalty.
    floors: dict[str, int] = {}
    cheapest_first = pricer.cheapest_first_kg

    def floor_of(s: Site) -> int:
        f = floors.get(s.code)
        if f is None:
            f = floors[s.code] = s.per_order_units + cheapest_first(s)
        return f

    best_units = 0  # the best score of the plans in `out`, in units

    def add(c: Candidate) -> None:
        nonlocal best_units
        if not out or c.score_units < best_units:
            best_units = c.score_units
        out.append(c)

    stock = network.stock
    wanted = list(demand.items())
    unit_g = pricer.unit_g
    units = grams = 0
    for sku, qty in wanted:
        units += qty
        grams += unit_g.get(sku, 500) * qty
    parcel = pricer.parcel
    bonus = scr.bonus
    whole = []
    for s in scr.eligible:
        code = s.code
        for sku, qty in wanted:
            if stock.get((sku, code), 0) < qty:
                break
        else:
            whole.append(s)
    if prune and len(whole) > 1:  # cheapest conceivable first (handling, first kilogram)
        whole.sort(key=lambda s: (floor_of(s) + s.per_unit_units * units, s.code))
    for i, site in enumerate(whole):
        if prune and out and (floor_of(site) + site.per_unit_units * units - max_bonus
                              > best_units):
            scr.pruned += len(whole) - i
            break
        # The whole order from one site: its weight and units are the order's.
        one = parcel(site, dict(demand), grams, units)
        if one is not None:
            add(make_candidate(order, (one,), weights, bonus, units=units_of_weights))
    if pickup or weights.max_shipments < 2:
        return out
    nearest = scr.eligible[:MAX_SPLIT_SITES]
    if prune and out and len(nearest) >= 2:
        two = sorted(map(floor_of, nearest))[:2]
        if split_units + sum(two) - max_bonus > best_units:
            scr.pruned += len(nearest) * (len(nearest) - 1) // 2
            return out  # no split can beat the best single site
    # Each near site's stock of the order's SKUs, in the order's SKU order (the pairs'
    # check runs in C: `map` over `operator`s, no Python frame per SKU).
    held = [[stock.get((sku, s.code), 0) for sku, _ in wanted] for s in nearest]
    qtys = [qty for _, qty in wanted]
    pairs = [(i, j) for i, j in itertools.combinations(range(len(nearest)), 2)
             if all(map(ge, map(plus, held[i], held[j]), qtys))]
    lows: list[int] = []  # per pair (when pruning), the floor of a split over it
    if prune and pairs:  # cheapest conceivable first: once one cannot win, none after can
        floor = [floor_of(s) for s in nearest]
        codes = [s.code for s in nearest]
        ranked = sorted((split_units + floor[i] + floor[j], codes[i], codes[j], i, j)
                        for i, j in pairs)
        pairs = [(i, j) for _, _, _, i, j in ranked]
        lows = [f for f, *_ in ranked]
    for n, (i, j) in enumerate(pairs):
        a, b = nearest[i], nearest[j]
        if prune and out and lows[n] - max_bonus > best_units:
            scr.pruned += len(pairs) - n
            break
        # Which site fills first matters for cost: both ways (as `_fill` would split:
        # the first takes what it can, the second the rest, which the pair covers).
        a1: dict[str, int] = {}
        b2: dict[str, int] = {}
        b1: dict[str, int] = {}
        a2: dict[str, int] = {}
        ga1 = ua1 = gb1 = ua2 = 0
        for (sku, qty), x, y in zip(wanted, held[i], held[j], strict=True):
            g = unit_g.get(sku, 500)
            take = qty if x >= qty else x
            if take > 0:
                a1[sku] = take
                ga1 += g * take
                ua1 += take
            else:
                take = 0
            if qty > take:
                b2[sku] = qty - take
            take = qty if y >= qty else y
            if take > 0:
                b1[sku] = take
                gb1 += g * take
                ua2 += take
            else:
                take = 0
            if qty > take:
                a2[sku] = qty - take
        if a1 and b2:
            first = parcel(a, a1, ga1, ua1)
            if first is not None:
                second = parcel(b, b2, grams - ga1, units - ua1)
                if second is not None:
                    add(make_candidate(order, (first, second), weights, bonus,
                                       units=units_of_weights))
        if b1 and a2:
            first = parcel(b, b1, gb1, ua2)
            if first is not None:
                second = parcel(a, a2, grams - gb1, units - ua2)
                if second is not None:
                    add(make_candidate(order, (first, second), weights, bonus,
                                       units=units_of_weights))
    if out or weights.max_shipments < 3:
        return out
    for trio in itertools.combinations(nearest, 3):
        priced(trio)
    if out:
        return out
    # Last resort on a large network: nearest first until the order is covered.
    greedy: list[Site] = []
    left = dict(order.demand)
    for site in scr.eligible:
        if any(network.stock.get((sku, site.code), 0) > 0 for sku in left):
            greedy.append(site)
            for sku in list(left):
                left[sku] -= min(left[sku], network.stock.get((sku, site.code), 0))
            left = {k: v for k, v in left.items() if v}
        if not left or len(greedy) == weights.max_shipments:
            break
    if not left:
        priced(greedy)
    return out


def best(candidates: Sequence[Candidate]) -> Candidate:
    """The lowest (score, total, shipments, promise, sites): the first such, as `min`
    gives it; the sites are compared only between plans tied on the rest."""
    if len(candidates) == 1:
        return candidates[0]
    top = min(candidates, key=lambda c: (c.score_units, c.total_units, len(c.shipments),
                                         c.promised))
    key = (top.score_units, top.total_units, len(top.shipments), top.promised)
    tied = [c for c in candidates if c.score_units == key[0] and (
        c.total_units, len(c.shipments), c.promised) == key[1:]]
    return tied[0] if len(tied) == 1 else min(tied, key=lambda c: c.sites)


def plan_order(order: RouteOrder, network: Network, today: date | datetime,
               weights: CostWeights = CostWeights(), *, pickup_site: str = "",
               memo: PriceMemo | None = None) -> Decision:
    """The best full plan for one order, or a reason why there is none. `memo` keeps
    what does not depend on the order across a batch's orders (same answer, less CPU)."""
    now = as_now(today)
    scr = screen(order, network, now, pickup_site, memo)
    decision = Decision(order.id, None, excluded=scr.excluded, rules=scr.rules,
                        notes=scr.notes, notify=scr.notify)
    if scr.blocked:
        decision.reason, decision.blocked = scr.blocked, True
        return decision
    if scr.held:
        decision.reason, decision.held = scr.held, True
        return decision
    penalty = network.sellout_penalty_units
    decision.candidates = plan_candidates(order, network, scr, now, weights,
                                          pickup=bool(pickup_site), memo=memo,
                                          prune=not penalty)
    if penalty and network.sellout:
        add_sellout_penalty(decision.candidates, network)
    decision.pruned = scr.pruned
    if not decision.candidates:
        decision.reason = _no_plan_reason(order, network, scr, weights, bool(pickup_site))
        return decision
    decision.chosen = best(decision.candidates)
    earliest = min(c.promised for c in decision.candidates)
    if order.requested_by and earliest > order.requested_by:
        decision.promise_warning = (
            f"due {order.requested_by.isoformat()} cannot be met: the earliest possible "
            f"delivery is {earliest.isoformat()}")
    return decision


def sellout_units(network: Network, site: str, picks: Mapping[str, int]) -> int:
    """Units of a shipment taken out of what the site's forecast says it will sell within
    the planning horizon: for each SKU, how much more of the forecast the site could no
    longer meet after this pick (0 where its stock stays above the forecast)."""
    out = 0
    for sku, qty in picks.items():
        forecast = network.sellout.get((sku, site))
        if not forecast:
            continue
        atp = network.stock.get((sku, site), 0)
        before = max(0.0, forecast - atp)
        after = max(0.0, forecast - (atp - qty))
        out += math.ceil(after - before - 1e-9)
    return out


def add_sellout_penalty(candidates: Sequence[Candidate], network: Network) -> None:
    """The optional routing term: each plan's score rises by the penalty per unit it takes
    out of a site's forecast demand (the cost stays the invoice's; only the choice moves)."""
    for c in candidates:
        units = sum(sellout_units(network, s.site, s.picks) for s in c.shipments)
        if units:
            c.score_units += network.sellout_penalty_units * units


def _no_plan_reason(order: RouteOrder, network: Network, scr: Screen, weights: CostWeights,
                    pickup: bool) -> str:
    if not scr.eligible:
        if not scr.excluded:
            return "no site in the network"
        return "no site can ship it (" + "; ".join(
            f"{code}: {why}" for code, why in sorted(scr.excluded.items())) + ")"
    if not scr.services and not pickup:
        return "no usable carrier service (all down or excluded by rules)"
    short = []
    for sku, qty in order.demand.items():
        total = sum(network.stock.get((sku, s.code), 0) for s in scr.eligible)
        if total < qty:
            short.append(f"SKU {sku}: {qty} ordered, {total} available at usable sites")
    if short:
        return "; ".join(short)
    if pickup:
        return "the pickup store does not hold the whole order"
    return (f"no combination of up to {weights.max_shipments} sites fills the order with a "
            "carrier service that can carry it")


def take_stock(network: Network, candidate: Candidate) -> None:
    """Apply a chosen plan to a working network (stock and load), for sequences of orders."""
    for s in candidate.shipments:
        for sku, qty in s.picks.items():
            network.stock[(sku, s.site)] = network.stock.get((sku, s.site), 0) - qty
    used = {s.site for s in candidate.shipments}
    network.sites = [replace(x, backlog=x.backlog + 1) if x.code in used else x
                     for x in network.sites]


__all__ = ["MAX_SPLIT_SITES", "Candidate", "Decision", "Screen", "ShipmentPlan", "best",
           "plan_candidates", "plan_order", "screen", "take_stock"]
