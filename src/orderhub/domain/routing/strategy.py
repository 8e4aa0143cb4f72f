"""`RoutingStrategy`: the router behind the `AllocationStrategy` protocol, the default
allocation of intake (ORDERHUB_ALLOCATION_STRATEGY=routing).

The intake pipeline loads the live network state once per batch (carrier services with
health, routing rules, region blocks and every site's picking queue: `state.NetworkState`,
through the network repository) and hands it to `prepare` as a value. Each `plan` then
routes one order against that state and the batch's ATP, and adds the order to its sites'
queues so later orders of the same batch see the load.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from orderhub.domain.allocation import AllocationOutcome, Availability
from orderhub.domain.fx import FxMissing, RateTable
from orderhub.domain.geo import locate
from orderhub.domain.inventory import Sku, Warehouse
from orderhub.domain.order import HoldCode, HoldReason, Order, PlannedPick, ServiceLevel
from orderhub.domain.routing.lanes import province_key, region_of
from orderhub.domain.routing.network import (
    CAPABILITIES,
    CostWeights,
    Network,
    RouteLine,
    RouteOrder,
    Site,
    units_text,
)
from orderhub.domain.routing.pricing import CHINA, Candidate, PriceMemo, kg_text
from orderhub.domain.routing.state import NetworkState
from orderhub.domain.routing.streaming import Decision, plan_order
from orderhub.domain.rules.facts import SlaFacts

MODEL = "routing-v2"
EXPLAINED = 5  # candidates kept in a stored decision
DEFAULT_UNIT_KG = Decimal("0.5")


@dataclass
class RoutingContext:
    state: NetworkState
    catalog: Mapping[str, Sku]
    backlog: dict[str, int]
    sites: dict[str, Site] = field(default_factory=dict)  # built once per batch
    rule_skus: frozenset[str] = frozenset()  # SKUs whose stock rules read
    # Orders already reduced to their routing view this batch (by validation's scoped
    # checks): by order id, valid while the order and catalogue are unchanged.
    routes: dict[str, RouteOrder] = field(default_factory=dict)
    prices: PriceMemo = field(default_factory=PriceMemo)  # distances, zones, lanes
    views: dict[Any, Any] = field(default_factory=dict)  # `route_order`'s memo
    # Per SKU, its (sku, site) keys for the batch's warehouses (kept with that list, which
    # a batch never changes in place).
    stock_keys: tuple[Sequence[Warehouse] | None, dict[str, list[tuple[str, str]]]] = field(
        default_factory=lambda: (None, {}))

    def keys_of(self, sku: str, warehouses: Sequence[Warehouse]) -> list[tuple[str, str]]:
        """(sku, site) for each warehouse, in their order: built once per SKU and batch."""
        known, table = self.stock_keys
        if known is not warehouses:
            table = {}
            self.stock_keys = (warehouses, table)
        keys = table.get(sku)
        if keys is None:
            keys = table[sku] = [(sku, w.code) for w in warehouses]
        return keys

    def sites_for(self, warehouses: Sequence[Warehouse]) -> list[Site]:
        out = []
        for w in warehouses:
            site = self.sites.get(w.code)
            if site is None or site.active != w.active:
                site = self.sites[w.code] = site_of(w, self.backlog.get(w.code, 0))
            out.append(site)
        return out

    def add_load(self, codes: Sequence[str]) -> None:
        for code in codes:
            self.backlog[code] = self.backlog.get(code, 0) + 1
            if code in self.sites:
                self.sites[code] = self.sites[code].with_backlog(self.backlog[code])


def candidate_view(c: Candidate) -> dict[str, Any]:
    """A plan as its stored decision shows it (amounts as text, dates ISO)."""
    return {"sites": [s.site for s in c.shipments], "total": units_text(c.total_units),
            "shipping": units_text(c.shipping_units), "handling": units_text(c.handling_units),
            "split_penalty": units_text(c.split_units), "late_penalty": units_text(c.late_units),
            "bonus": units_text(c.bonus_units), "promised": c.promised.isoformat(),
            "shipments": [{"site": s.site, "service": s.service, "picks": s.picks,
                           "weight_kg": kg_text(s.grams), "shipping": units_text(s.shipping_units),
                           "handling": units_text(s.handling_units),
                           "ships": s.ships.isoformat(), "arrives": s.arrives.isoformat()}
                          for s in c.shipments]}


def explain(decision: Decision, strategy: str, order: RouteOrder | None = None,
            version: str = "") -> dict[str, Any]:
    cands = decision.candidates
    ranked = cands if len(cands) < 2 else sorted(
        cands, key=lambda c: (c.score_units, c.total_units, len(c.shipments)))
    chosen = decision.chosen
    # The chosen plan is nearly always among the five kept: its view is built once (the
    # same dict twice in the decision; it is stored as JSON, never changed in place).
    views = [candidate_view(c) for c in ranked[:EXPLAINED]]
    chosen_view = None
    if chosen is not None:
        chosen_view = next((v for c, v in zip(ranked, views, strict=False) if c is chosen),
                           None) or candidate_view(chosen)
    out: dict[str, Any] = {
        "strategy": strategy, "model_version": f"{MODEL}/{version}" if version else MODEL,
        "chosen": chosen_view,
        # The best alternatives (the chosen one first); all were priced, five are kept.
        "candidates": views,
        "candidates_considered": len(decision.candidates),
        "candidates_pruned": decision.pruned,  # plans whose lower bound could not win
        "excluded": decision.excluded, "reason": decision.reason,
        "rules_matched": decision.rules, "notes": decision.notes,
        "rule_set": decision.rule_set,
        "promise_warning": decision.promise_warning}
    if decision.notify:
        out["notify"] = decision.notify
    if order is not None:
        out["order"] = {"destination": order.province, "region": order.region,
                        "due": order.requested_by.isoformat() if order.requested_by else None,
                        "service_level": order.sla, "needs": sorted(order.needs),
                        "not_before": order.not_before.isoformat() if order.not_before
                        else None}
    return out


def due_date(order: Order) -> date | None:
    """The requested date, else the SLA class's days after the order (China time); never
    later than a promise already made (an order re-routed keeps its promised date)."""
    due = order.requested_delivery or _sla_due(order)
    if order.promised_delivery and order.promised_delivery < due:
        return order.promised_delivery
    return due


def customer_due(order: Order) -> date:
    """The date the customer was promised: requested, else the SLA class's days after the
    order (not the router's own estimate; the SLA facts of rules measure slack to it)."""
    return order.requested_delivery or _sla_due(order)


def firm_due(order: Order) -> bool:
    """A due date someone was promised: asked for, already promised, or a paid-for speed.
    Missing it needs a person; missing a standard SLA's default date is only noted."""
    return bool(order.requested_delivery or order.promised_delivery
                or order.service_level in (ServiceLevel.SAME_DAY, ServiceLevel.NEXT_DAY,
                                           ServiceLevel.EXPRESS))


# Days to the due date by service level (an unknown one counts as standard), and those
# days as timedeltas: looked up per order instead of building the enum member and delta.
_LEVEL_DELTA = {level.value: timedelta(days=level.days) for level in ServiceLevel}
_STANDARD_DELTA = _LEVEL_DELTA[ServiceLevel.STANDARD.value]


def _sla_due(order: Order) -> date:
    placed = (order.placed_at or order.created_at).astimezone(CHINA).date()
    days = _LEVEL_DELTA.get(order.service_level, _STANDARD_DELTA)
    start = max(placed, order.presale_release) if order.presale_release else placed
    return start + days


_SkuFacts = tuple[frozenset[str], frozenset[str], Decimal]  # tags, needs, unit weight


def _sku_facts(sku: Sku | None) -> _SkuFacts:
    facts = sku.attributes if sku else {}
    tags: set[str] = set()
    for key, value in facts.items():
        if value is True:
            tags.add(key)
        if key == "category" and isinstance(value, str):
            tags.add(f"category:{value}")
    needs = frozenset(c for c in ("cold_chain", "hazardous") if facts.get(c) is True)
    weight = sku.weight_kg if sku and sku.weight_kg else DEFAULT_UNIT_KG
    return frozenset(tags), needs, weight


def route_order(order: Order, catalog: Mapping[str, Sku],
                sla: SlaFacts | None = None,
                memo: dict[Any, Any] | None = None,
                fx: RateTable | None = None) -> RouteOrder:
    """The order reduced to what routing reads: destination, weights, needs, facts (and its
    SLA facts, when the caller worked them out). `memo`, kept for a batch against one
    catalogue, remembers each SKU's facts and each address's place. With `fx` (the batch's
    rates), its value is in the tenant's base currency where a usable rate allows."""
    a = order.shipping_address
    place_key = ("place", a.lat, a.lon, a.city, a.province)
    place = memo.get(place_key) if memo is not None else None
    if place is None:
        where = locate(a) or (0.0, 0.0)
        province = province_key(a.province)
        place = (where[0], where[1], province, region_of(province))
        if memo is not None:
            memo[place_key] = place
    lat, lon, province, region = place
    needs: set[str] = set()
    tags: set[str] = set()
    lines = []
    cat = id(catalog)
    for ln in order.lines:
        key = ("sku", cat, ln.sku)
        facts = memo.get(key) if memo is not None else None
        if facts is None:
            facts = _sku_facts(catalog.get(ln.sku))
            if memo is not None:
                memo[key] = facts
        tags.update(facts[0])
        needs.update(facts[1])
        lines.append(RouteLine(ln.sku, ln.quantity, facts[2]))
    if order.pickup_store:
        needs.add("pickup")
    value, value_currency, base = order.grand_total, order.currency, ""
    rates: tuple[tuple[str, Decimal], ...] = ()
    if fx is not None:
        base = fx.base
        day = (order.placed_at or order.created_at).date()
        factor = fx.to_base_factor(order.currency, day)
        if not isinstance(factor, FxMissing):
            value, value_currency = value * factor, fx.base
        rates = fx.factors_on(day)
    slack, ship_by, target = sla or (None, None, None)
    return RouteOrder(
        order.id, province, lat, lon, tuple(lines), due_date(order),
        frozenset(needs & _CAPABILITIES), region, order.channel,
        order.customer.tier, order.order_type.value, value, frozenset(tags),
        order.presale_release, order.service_level,
        frozenset(o["code"] for o in order.overrides), order.pickup_store,
        slack, ship_by, target, value_currency, base, rates)


_CAPABILITIES = frozenset(CAPABILITIES)


def site_of(w: Warehouse, backlog: int) -> Site:
    return Site(w.code, w.lat, w.lon, province_key(w.province), w.handling_per_order,
                w.handling_per_unit, w.daily_capacity, w.cutoff, w.capabilities, w.active,
                backlog, w.region or region_of(w.province), w.max_queue_days, w.kind)


class RoutingStrategy:
    name = MODEL

    def __init__(self, weights: CostWeights = CostWeights(),
                 refresh: Callable[[], None] | None = None) -> None:
        self.weights = weights
        self._refresh = refresh

    def refresh(self) -> None:
        """Forget cached network state (after an operator changed carriers, rules, blocks)."""
        if self._refresh is not None:
            self._refresh()

    def prepare(self, network: NetworkState, catalog: Mapping[str, Sku]) -> RoutingContext:
        canary_rules = network.canary.rules if network.canary else []
        rule_skus = frozenset().union(*(r.when.skus for r in [*network.rules, *canary_rules]))
        return RoutingContext(network, catalog, dict(network.backlog), rule_skus=rule_skus)

    def decide(self, order: Order, warehouses: Sequence[Warehouse], available: Availability,
               now: datetime, context: RoutingContext | None) -> tuple[RouteOrder, Decision]:
        ctx = context or RoutingContext(NetworkState(), {}, {})
        route = ctx.routes.get(order.id) or route_order(order, ctx.catalog, memo=ctx.views)
        sites = ctx.sites_for(warehouses)
        skus = {ln.sku for ln in order.lines}
        # Only this order's SKUs at the sites: the map covers the whole batch.
        get = available.get
        stock = {key: q for sku in skus for key in ctx.keys_of(sku, warehouses)
                 if (q := get(key, 0)) > 0}
        for sku in ctx.rule_skus - skus:  # what rules read: the batch's view if it has one
            for w in warehouses:
                key = (sku, w.code)
                stock[key] = available[key] if key in available else \
                    ctx.state.rule_stock.get(key, 0)
        rules, arm = ctx.state.rules_for(route)
        network = Network(sites, ctx.state.services, stock, ctx.state.blocks, rules)
        if ctx.state.sellout_penalty_units:  # planning's optional term (off by default)
            network.sellout = ctx.state.sellout
            network.sellout_penalty_units = ctx.state.sellout_penalty_units
        decision = plan_order(route, network, now, self.weights, pickup_site=order.pickup_store,
                              memo=ctx.prices)
        decision.rule_set = arm
        return route, decision

    def plan(self, order: Order, warehouses: Sequence[Warehouse], available: Availability,
             now: datetime, context: Any = None) -> AllocationOutcome:
        ctx = context if isinstance(context, RoutingContext) else None
        route, decision = self.decide(order, warehouses, available, now, ctx)
        explanation = explain(decision, self.name, route, ctx.state.version if ctx else "")
        if decision.chosen is None:
            return AllocationOutcome(reasons=self._hold_reasons(order, route, decision,
                                                                warehouses, available),
                                     explanation=explanation)
        if ctx is not None:
            ctx.add_load(decision.chosen.sites)
        return outcome_of(order, decision.chosen, explanation,
                          decision.promise_warning if firm_due(order) else "")

    @staticmethod
    def _hold_reasons(order: Order, route: RouteOrder, decision: Decision,
                      warehouses: Sequence[Warehouse],
                      available: Availability) -> list[HoldReason]:
        if decision.blocked:
            return [HoldReason(HoldCode.REGION_BLOCKED, decision.reason)]
        if decision.held:
            return [HoldReason(HoldCode.RULE_REVIEW, decision.reason)]
        active = [w for w in warehouses if w.active]
        if not active:
            return [HoldReason(HoldCode.NO_ACTIVE_WAREHOUSE,
                               "no active warehouse can ship this order")]
        reasons = []
        for sku, qty in route.demand.items():
            total = sum(available.get((sku, w.code), 0) for w in active)
            if total < qty:
                line_no = next(ln.line_no for ln in order.lines if ln.sku == sku)
                reasons.append(HoldReason(
                    HoldCode.BACKORDER, f"SKU {sku}: {qty} ordered, {total} available to "
                    f"promise across {len(active)} active warehouses", line_no=line_no,
                    sku=sku))
        return reasons or [HoldReason(HoldCode.NO_ROUTE,
                                      f"routing found no plan: {decision.reason}")]


def outcome_of(order: Order, chosen: Candidate, explanation: dict[str, Any] | None,
               warning: str = "") -> AllocationOutcome:
    """A routing plan as the picks and carrier services intake reserves."""
    picks: list[PlannedPick] = []
    taken: dict[int, int] = {}
    for shipment in chosen.shipments:
        left = dict(shipment.picks)
        for ln in order.lines:
            take = min(left.get(ln.sku, 0), ln.quantity - taken.get(ln.line_no, 0))
            if take > 0:
                picks.append(PlannedPick(ln.line_no, ln.sku, shipment.site, take))
                taken[ln.line_no] = taken.get(ln.line_no, 0) + take
                left[ln.sku] -= take
    return AllocationOutcome(picks=picks, promised=chosen.promised, explanation=explanation,
                             services={s.site: s.service for s in chosen.shipments},
                             warnings=[warning] if warning else [])
