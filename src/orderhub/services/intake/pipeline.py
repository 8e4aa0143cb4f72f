"""The intake pipeline: what happens to orders between "stored" and "reserved or held", in
one transaction, for a batch at a time. Every way an order enters or re-enters the hub
(API, channel webhooks, file imports, simulation, a held order fixed, a SKU mapped, a
network event, a wave) runs these stages, in this order:

    build      the caller turns its input into `Order` aggregates (intake/submit.py,
               intake/channel_orders.py) or takes stored ones (re-validation, re-routing)
    load       `load_batch`: the network in force (sites, queues, carriers, blocks, rules,
               canary, checks) under the lock that serialises intake with network changes,
               the SKUs, warehouses and stock levels: a handful of queries per batch; the
               SLA policy in force (cached per version) when some rule reads SLA facts
    validate   `validate_orders`: three-level checks (the canary's for its slice); failures
               are held with their reasons. The orders' routing views (with their SLA
               facts: domain/twin/outlook.py) are built here once and reused by routing
    screen     `screen_anomalies`: anomaly detection for the batch's new orders (brushing,
               fraud, channel price conflicts, unusual quantities; services/anomaly): one
               read of every recent sighting of the batch's keys, one bulk write; a high
               score holds the order for a person (suspected_fraud / anomaly_review), a
               lower one flags it (OrderAnomalyDetected); an order is never dropped
    pool       `services/pools/stage.pool_orders`: new orders of a channel the pooling
               policy names, near a pickup point, join its open group-buy pool and wait
               (validated, nothing reserved); a pool closed here is routed at the end
               of the pipeline, in the same transaction (services/pools/closing.py)
    plan       `plan_orders`: the allocation strategy routes each valid order against the
               batch's ATP (no I/O)
    reserve    `reserve_stock`: one conditional update for the whole batch; if another
               writer took stock in between, the batch is planned again under row locks,
               so a loser is held as a backorder, never oversold
    apply      `apply_plans`: the orders' own transitions (validated, reserved, allocated,
               held, notified), which record their events
    persist    the caller's `uow.commit()` writes orders, stock, routing decisions, audit
    publish    entries and the events' outbox rows in that same transaction; the relay
               publishes them after commit
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from orderhub.adapters.phone import is_valid_phone
from orderhub.adapters.world_address import address_problems
from orderhub.domain.allocation import AllocationOutcome, AllocationStrategy
from orderhub.domain.anomaly.decision import Action
from orderhub.domain.errors import NotFound, StockError
from orderhub.domain.fx import Conversion, FxMissing, RateTable
from orderhub.domain.inventory import Sku, StockLevel, Warehouse
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import HoldCode, HoldReason, Order, OrderType
from orderhub.domain.routing.network import RouteOrder
from orderhub.domain.routing.state import NetworkState
from orderhub.domain.routing.strategy import RoutingContext, customer_due, route_order
from orderhub.domain.rules.checks import (
    ValidationContext,
    check_cross_border,
    cross_border_basis,
    order_day,
)
from orderhub.domain.rules.rule_sets import Slice
from orderhub.domain.rules.validation import Rule, validate
from orderhub.domain.twin.outlook import facts_for
from orderhub.domain.twin.sla import SlaPolicy
from orderhub.services import audit
from orderhub.services.anomaly.detection import screen
from orderhub.services.bidding.auctions import offer_planned
from orderhub.services.intake.address_enrichment import auto_fill, enrich
from orderhub.services.intake.crosswalk import suggest_for_lines
from orderhub.services.pools.stage import pool_orders
from orderhub.services.rules.validation_rules import overlay
from orderhub.services.twin.policies import policy_in_force
from orderhub.services.unit_of_work import UnitOfWork

Demand = dict[tuple[str, str], int]


@dataclass(slots=True)
class PipelineStats:
    reserved: int = 0
    held: int = 0
    retried_under_lock: bool = False
    hold_codes: dict[str, int] = field(default_factory=dict)
    flagged: int = 0  # orders anomaly detection flagged (they went on)
    pooled: int = 0  # orders put into a group-buy pool (routed when it closes)


@dataclass(frozen=True, slots=True)
class CanaryChecks:
    """The checks orders in a canary's slice are validated with."""

    label: str
    slice: Slice
    rules: list[Rule]


@dataclass(slots=True)
class Batch:
    """Everything a batch reads, loaded once (no per-order queries)."""

    tenant_id: str
    now: datetime
    actor: str
    network: NetworkState
    catalog: dict[str, Sku]
    warehouses: list[Warehouse]
    levels: Mapping[tuple[str, str], StockLevel]
    skus: list[str]
    canary: CanaryChecks | None
    sla: SlaPolicy | None = None  # the SLA policy in force, if some rule reads SLA facts
    routes: dict[str, RouteOrder] = field(default_factory=dict)  # routing views, by order
    ctx: ValidationContext | None = None  # what validation consulted (cross-border re-check)
    checks_of: dict[str, list[Rule]] = field(default_factory=dict)  # by order: live/canary
    audit: list[audit.Record] = field(default_factory=list)  # what the rules decided

    @property
    def checks(self) -> list[Rule]:
        return self.network.checks


@dataclass(slots=True)
class Plans:
    """What planning decided for the valid orders of a batch."""

    planned: list[tuple[Order, AllocationOutcome]]
    failed: list[tuple[Order, list[HoldReason]]]
    demand: Demand
    explanations: dict[str, dict[str, Any]]


def run_pipeline(
    uow: UnitOfWork,
    tenant_id: str,
    orders: Sequence[Order],
    strategy: AllocationStrategy,
    now: datetime,
    actor: str,
    presale_lock: timedelta,
) -> PipelineStats:
    """validate -> plan -> reserve -> apply, for orders in CREATED or ON_HOLD (resumed)."""
    stats = PipelineStats()
    if not orders:
        return stats
    batch = load_batch(uow, tenant_id, orders, now, actor)
    new = [o for o in orders if o.status == OrderStatus.CREATED]  # first time through
    valid = validate_orders(uow, batch, orders, stats)
    valid = screen_anomalies(uow, batch, new, valid, stats)
    # Group-buy pooling (services/pools/stage.py): orders that join a pool wait for it.
    before = len(valid)
    valid, closed_pools = pool_orders(uow, tenant_id, batch.warehouses, new, valid, now, actor)
    stats.pooled += before - len(valid)
    if valid:
        plans = reserve_stock(uow, batch, strategy, valid, stats)
        # The orders join their sites' picking queues in this process's cached view.
        uow.network.note_planned(tenant_id, [site for _, outcome in plans.planned
                                             for site in sorted({p.warehouse
                                                                 for p in outcome.picks})])
        record_decisions(uow, batch, strategy, plans)
        apply_plans(batch, strategy, valid, plans, presale_lock, stats)
        # Orders the bidding policy selects are offered to providers (domain/bidding.py);
        # they keep this reservation until the offer is decided. One read a batch.
        memo: dict[Any, Any] = {}
        offer_planned(uow, tenant_id, now, actor, plans.planned,
                      lambda o: batch.routes.get(o.id) or routing_view(
                          o, batch.catalog, batch.sla, now, memo,
                          batch.ctx.fx if batch.ctx is not None else None),
                      plans.explanations, frozenset(o.id for o in new))
    uow.audit.add(tenant_id, batch.audit)  # written at commit, with the events
    if closed_pools:  # a pool reached its threshold (or was found past its window) here
        from orderhub.services.pools.closing import route_closed  # it runs this pipeline

        for pool in closed_pools:
            route_closed(uow, pool, now, actor, presale_lock)
    return stats


# ----- load -----------------------------------------------------------------------------

def load_batch(uow: UnitOfWork, tenant_id: str, orders: Sequence[Order], now: datetime,
               actor: str) -> Batch:
    """The network first (it takes the lock network changes wait on), then what the
    orders' SKUs need."""
    network = uow.network.state(tenant_id)
    if network is None:
        raise NotFound(f"tenant '{tenant_id}' not found")
    skus = sorted({ln.sku for o in orders for ln in o.lines if ln.sku})
    canary = network.canary
    sla = policy_in_force(uow, tenant_id) if reads_sla(network) else None
    return Batch(
        tenant_id, now, actor, network,
        catalog=uow.catalog.skus_by_code(tenant_id, skus),
        warehouses=uow.catalog.warehouses(tenant_id),
        levels=uow.stock.levels(tenant_id, skus),
        skus=skus,
        canary=None if canary is None else CanaryChecks(
            canary.label, canary.slice, overlay(network.checks, canary.checks)),
        sla=sla,
    )


_SLA_READERS: dict[int, tuple[NetworkState, bool]] = {}  # by state (cached per revision)


def reads_sla(network: NetworkState) -> bool:
    """Whether a rule in force (routing rules, checks, the canary's) reads SLA facts:
    only then are they worked out for a batch. Answered once per network state."""
    hit = _SLA_READERS.get(id(network))
    if hit is not None and hit[0] is network:
        return hit[1]
    canary = network.canary
    rules = [*network.rules, *(canary.rules + list(canary.checks) if canary else [])]
    answer = (any(r.when.reads_sla or r.then.check == "promise_possible" for r in rules)
              or any(c.check == "promise_possible" or (c.scope is not None
                                                       and c.scope.reads_sla)
                     for c in network.checks))
    if len(_SLA_READERS) > 64:
        _SLA_READERS.clear()
    _SLA_READERS[id(network)] = (network, answer)
    return answer


def routing_view(order: Order, catalog: Mapping[str, Sku], policy: SlaPolicy | None,
                 now: datetime, memo: dict[Any, Any], fx: RateTable | None = None
                 ) -> RouteOrder:
    """The order's routing view, with its SLA facts when `policy` is given (the version
    in force): if every step from now keeps its target, how much slack is left to its due
    date, when it must ship, its service level's delivery target; with `fx`, its value in
    the tenant's base currency."""
    if policy is None:
        return route_order(order, catalog, memo=memo, fx=fx)
    match = {"channel": order.channel, "service_level": order.service_level,
             "warehouse": "", "customer_tier": order.customer.tier}
    return route_order(order, catalog, facts_for(policy, match, now, customer_due(order), memo),
                       memo, fx)


def validation_context(
    uow: UnitOfWork,
    tenant_id: str,
    orders: Sequence[Order],
    catalog: dict[str, Sku],
    warehouses: Sequence[Warehouse],
    levels: Mapping[tuple[str, str], StockLevel],
    now: datetime,
    checks: Sequence[Rule] = (),
    rule_currencies: frozenset[str] = frozenset(),
) -> ValidationContext:
    """Everything the rules consult, fetched once per batch (no per-order queries); the
    earlier quantities once for each window the quantity-limit `checks` use."""
    active = {w.code for w in warehouses if w.active}
    atp_total: dict[str, int] = {}
    for (sku, wh), lv in levels.items():
        if wh in active:
            atp_total[sku] = atp_total.get(sku, 0) + lv.atp
    limits = [c for c in checks if c.check == "quantity_limit" and c.enabled]
    any_sku = any(c.params.get("default_max_per_customer") for c in limits)
    limited = {code for code, s in catalog.items()
               if any_sku or s.attributes.get("max_per_customer")}
    pairs = {
        (o.customer.ref, ln.sku)
        for o in orders
        for ln in o.lines
        if ln.sku in limited and o.customer.ref
    }
    by_window: dict[int, Mapping[tuple[str, str], int]] = {}
    if pairs:
        for days in sorted({int(c.params.get("window_days", 30)) for c in limits}):
            by_window[days] = uow.orders.recent_quantities(
                tenant_id, sorted(pairs), now - timedelta(days=days),
                exclude=[o.id for o in orders],
            )
    unmapped = [(o, ln) for o in orders for ln in o.lines if not ln.sku]
    suggestions = suggest_for_lines(uow, tenant_id, unmapped) if unmapped else {}
    shipping = uow.catalog.channel_shipping(tenant_id)
    fx = rate_table(uow, tenant_id, orders, catalog, now, checks, rule_currencies)
    return ValidationContext(
        catalog=catalog,
        atp_total=atp_total,
        recent_by_window=by_window,
        suggestions=suggestions,
        phone_valid=is_valid_phone,
        address_problems=address_problems,
        channel_ship_from={c: ship_from for c, (_, ship_from) in shipping.items()
                           if ship_from},
        cross_border_channels=frozenset(c for c, (flag, _) in shipping.items() if flag),
        warehouse_countries=frozenset(w.country for w in warehouses if w.active),
        fx=fx,
        convert=lambda amount, src, dst, on: convert_between(fx, amount, src, dst, on),
    )


def convert_between(fx: RateTable, amount: Decimal, src: str, dst: str,
                    on: date) -> Decimal | None:
    """`amount` of `src` in `dst` through the tenant's base currency at the rates usable on
    `on` (None when either has none): a limit in another currency than the order's (the
    cross-border caps, domain/rules/customs.py) is compared in the order's terms."""
    if src == dst:
        return amount
    to_base = fx.to_base_factor(src, on)
    from_base = fx.to_base_factor(dst, on)
    if isinstance(to_base, FxMissing) or isinstance(from_base, FxMissing) or not from_base:
        return None
    return amount * to_base / from_base


def rate_table(uow: UnitOfWork, tenant_id: str, orders: Sequence[Order],
               catalog: Mapping[str, Sku], now: datetime, checks: Sequence[Rule] = (),
               rule_currencies: frozenset[str] = frozenset()) -> RateTable:
    """The exchange rates a batch needs, in one read: those of its orders' currencies, of
    its SKUs' money facts and of its rules' thresholds, on its orders' days."""
    currencies = {o.currency for o in orders} | set(rule_currencies)
    currencies |= {str(s.attributes[k]).strip().upper() for s in catalog.values()
                   for k in ("currency", "floor_currency") if s.attributes.get(k)}
    currencies |= {r.scope.value_currency for r in checks
                   if r.scope is not None and r.scope.value_currency}
    days = [order_day(o) for o in orders] or [now.date()]
    return uow.fx.table(tenant_id, currencies, min(days), max(days))


# ----- validate -------------------------------------------------------------------------

def hold(order: Order, reasons: list[HoldReason], batch: Batch, stats: PipelineStats) -> None:
    if order.status == OrderStatus.ON_HOLD:
        order.rehold(reasons, batch.now, batch.actor)
    else:
        order.hold(reasons, batch.now, batch.actor)
    stats.held += 1
    for r in reasons:
        stats.hold_codes[r.code.value] = stats.hold_codes.get(r.code.value, 0) + 1


def validate_orders(uow: UnitOfWork, batch: Batch, orders: Sequence[Order],
                    stats: PipelineStats) -> list[Order]:
    """The orders that pass their checks; the others are held with every reason found."""
    canary = batch.canary
    every = [*batch.checks, *(canary.rules if canary else [])]
    enrich(orders)  # country, divisions, suggestions, phone: services/intake/address_enrichment
    money_rules = frozenset(r.when.value_currency for r in [
        *batch.network.rules, *(batch.network.canary.rules if batch.network.canary else [])]
        if r.when.value_currency)
    ctx = validation_context(uow, batch.tenant_id, orders, batch.catalog, batch.warehouses,
                             batch.levels, batch.now, every, money_rules)
    batch.ctx = ctx
    fx = ctx.fx
    # Scoped checks and canary slices read the order as routing sees it (region, SKU facts);
    # routing reuses those views. An order in another currency than the base is seen with
    # its value converted (and the rates rules' thresholds need), so the views are built here.
    needs_route = (canary is not None or batch.sla is not None or bool(money_rules)
                   or any(r.scope is not None for r in every)
                   or (fx is not None and any(o.currency != fx.base for o in orders)))
    slack: dict[str, float] = {}
    ctx.promise_slack = slack
    memo: dict[Any, Any] = {}
    valid: list[Order] = []
    for o in orders:
        route = routing_view(o, batch.catalog, batch.sla, batch.now, memo, fx) if needs_route \
            else None
        if route is not None and route.promise_slack_hours is not None:
            slack[o.id] = route.promise_slack_hours
        if route is not None:
            batch.routes[o.id] = route
        checks, arm = batch.checks, "live"
        if canary is not None and route is not None and canary.slice.covers(route):
            checks, arm = canary.rules, canary.label
        if auto_fill(o, checks, batch.now, batch.actor) and route is not None:
            route = routing_view(o, batch.catalog, batch.sla, batch.now, memo)
            batch.routes[o.id] = route
        batch.checks_of[o.id] = checks
        reasons = validate(o, checks, ctx, route)
        if fx is not None and o.currency != fx.base:
            note_conversion(o, fx)
        if reasons:
            hold(o, reasons, batch, stats)
            batch.audit.append(audit.Record(batch.now, batch.actor, "rule_decision", o.id, {
                "rules": "validation", "rule_set": arm,
                "held": [r.code.value for r in reasons]}))
        else:
            valid.append(o)
    return valid


def note_conversion(order: Order, fx: RateTable) -> None:
    """Keep on the order what its total was worth in the base currency, at which rate, of
    which day and source (or why it could not be converted): shown with the order and in
    its timeline."""
    found = fx.convert(order.grand_total, order.currency, order_day(order))
    order.fx = found.as_dict() if isinstance(found, Conversion) else {
        **found.as_dict(), "text": found.message()}


# ----- screen ---------------------------------------------------------------------------

def screen_anomalies(uow: UnitOfWork, batch: Batch, new: Sequence[Order],
                     valid: list[Order], stats: PipelineStats) -> list[Order]:
    """Anomaly detection for the orders new to the hub (orders re-entering the pipeline
    were screened when they arrived; a person's resume or override is the decision). A
    hold keeps the order, with every reason, for a person; a flag records the finding and
    lets the order go on. Orders validation held are screened too (and held for both)."""
    found = screen(uow, batch.tenant_id, new, batch.now)
    if not found:
        return valid
    by_id = {o.id: o for o in new}
    held: set[str] = set()
    for a in found:
        if a.action == Action.PASS:
            continue
        o = by_id[a.facts.order_id]
        reasons = [r.as_dict() for r in a.reasons]
        o.note_anomaly(a.action.value, a.score, a.model_version, reasons, batch.now,
                       batch.actor)
        if a.action == Action.FLAG:
            stats.flagged += 1
            continue
        code = HoldCode(a.hold_code)
        reason = HoldReason(code, "; ".join(r.message for r in a.reasons), details={
            "reason_codes": a.codes, "score": a.score, "model_version": a.model_version,
            "message_zh": "；".join(r.message_zh for r in a.reasons),
            "evidence": {r.code.value: r.evidence for r in a.reasons}})
        if o.status == OrderStatus.ON_HOLD:  # validation held it: held for both now
            o.rehold([*o.hold_reasons, reason], batch.now, batch.actor)
            stats.hold_codes[code.value] = stats.hold_codes.get(code.value, 0) + 1
        else:
            hold(o, [reason], batch, stats)
        held.add(o.id)
        batch.audit.append(audit.Record(batch.now, batch.actor, "rule_decision", o.id, {
            "rules": "anomaly", "held": [code.value], "reason_codes": a.codes,
            "score": a.score, "model_version": a.model_version}))
    return [o for o in valid if o.id not in held]


# ----- plan and reserve -----------------------------------------------------------------

def plan_orders(batch: Batch, strategy: AllocationStrategy, orders: Sequence[Order],
                levels: Mapping[tuple[str, str], StockLevel]) -> Plans:
    """Route every order against the batch's ATP, each taking its stock from the map so
    the next order sees what is left. Pure: no I/O."""
    available = {k: lv.atp for k, lv in levels.items()}
    context = strategy.prepare(batch.network, batch.catalog)
    if batch.routes and isinstance(context, RoutingContext):
        context.routes.update(batch.routes)
    plans = Plans([], [], {}, {})
    site_country = {w.code: w.country for w in batch.warehouses}
    for o in orders:
        outcome = strategy.plan(o, batch.warehouses, available, batch.now, context)
        if outcome.explanation is not None:
            plans.explanations[o.id] = outcome.explanation
        if not outcome.ok:
            plans.failed.append((o, outcome.reasons))
            continue
        crossing = cross_border_after_planning(batch, o, frozenset(
            site_country.get(p.warehouse, "CN") for p in outcome.picks))
        if crossing:
            plans.failed.append((o, crossing))
            continue
        for p in outcome.picks:
            k = (p.sku, p.warehouse)
            available[k] -= p.quantity
            plans.demand[k] = plans.demand.get(k, 0) + p.quantity
        plans.planned.append((o, outcome))
    return plans


def cross_border_after_planning(batch: Batch, order: Order, countries: frozenset[str]
                                ) -> list[HoldReason]:
    """Validation judged the order by its channel's ship-from country or the network's
    warehouses (it runs before routing). If the warehouses planning chose are in another
    country than the ship-to, and validation did not already treat the order as
    cross-border, the cross-border check runs now, on the assigned warehouses' countries;
    what it finds holds the order instead of reserving it."""
    dest = order.shipping_address.country or "CN"
    ctx = batch.ctx
    if ctx is None or countries <= {dest} or cross_border_basis(order, ctx):
        return []
    rule = next((r for r in batch.checks_of.get(order.id, batch.checks)
                 if r.check == "cross_border" and r.enabled), None)
    if rule is None:
        return []
    found = check_cross_border(order, replace(ctx, assigned_countries={order.id: countries}),
                               rule.params)
    overridden = {ov["code"] for ov in order.overrides}
    reasons = [r for r in found if r.code.value not in overridden]
    if reasons:
        batch.audit.append(audit.Record(batch.now, batch.actor, "rule_decision", order.id, {
            "rules": "validation", "rule_set": "after planning",
            "held": [r.code.value for r in reasons]}))
    return reasons


def reserve_stock(uow: UnitOfWork, batch: Batch, strategy: AllocationStrategy,
                  orders: Sequence[Order], stats: PipelineStats) -> Plans:
    """Plan against the snapshot and reserve in one conditional update; if stock moved in
    between, plan again from row-locked levels (the reservation cannot fail then)."""
    plans = plan_orders(batch, strategy, orders, batch.levels)
    savepoint = uow.savepoint()
    if uow.stock.reserve(batch.tenant_id, plans.demand, batch.now):
        savepoint.commit()
        return plans
    savepoint.rollback()
    stats.retried_under_lock = True
    locked = uow.stock.levels(batch.tenant_id, batch.skus, lock=True)
    plans = plan_orders(batch, strategy, orders, locked)
    if not uow.stock.reserve(batch.tenant_id, plans.demand, batch.now):
        raise StockError("stock changed under row locks; reservation aborted")
    return plans


def record_decisions(uow: UnitOfWork, batch: Batch, strategy: AllocationStrategy,
                     plans: Plans) -> None:
    """The routing decisions, explained, and the ones rules took part in for the audit."""
    if not plans.explanations:
        return
    uow.orders.record_routing(batch.tenant_id, strategy.name, plans.explanations, batch.now)
    for oid, e in plans.explanations.items():
        if e.get("rules_matched"):
            chosen = e.get("chosen") or {}
            batch.audit.append(audit.Record(batch.now, batch.actor, "rule_decision", oid, {
                "rules": e["rules_matched"], "sites": chosen.get("sites", []),
                "excluded": {s: why for s, why in e.get("excluded", {}).items()
                             if "rule " in why},
                "notes": e.get("notes", []), "model_version": e.get("model_version")}))


# ----- apply ----------------------------------------------------------------------------

def apply_plans(batch: Batch, strategy: AllocationStrategy, valid: Sequence[Order],
                plans: Plans, presale_lock: timedelta, stats: PipelineStats) -> None:
    """The orders' own transitions; each records its events for the outbox."""
    now, actor = batch.now, batch.actor
    for o in valid:
        if o.status != OrderStatus.VALIDATED:
            o.mark_validated(now, actor)
    for o, reasons in plans.failed:
        hold(o, reasons, batch, stats)
    by_id = {o.id: o for o in valid}
    for oid, e in plans.explanations.items():
        for n in e.get("notify", []):
            by_id[oid].notify(n["rule"], n["version"], n["message"], n["to"], now, actor)
    for o, outcome in plans.planned:
        expires = None
        if o.order_type == OrderType.PRE_SALE:
            # A lock deadline already passed (a held order resumed late) gets a fresh TTL.
            lock_until = o.presale_lock_until
            expires = lock_until if lock_until and lock_until > now else now + presale_lock
        o.reserve(outcome.picks, now, expires, actor, outcome.services)
        o.allocate(strategy.name, outcome.promised, now, actor)
        for warning in outcome.warnings:
            o.raise_exception(f"promise at risk: {warning}", now, actor)
        stats.reserved += 1
