"""The sandbox run of a rule set: it replays past orders through the set beside the live
rules and through stress scenarios, records the report, and marks the set tested when it
passes (a fail leaves or puts it back in draft).

The sandbox never touches live data: it reads past orders, the catalogue and the network,
and routes each past order as of its own order time against today's stock and network
(each order on its own, so the rules' effect is not mixed with stock running out), and
then the stress scenarios in sequence, where stock and queues do run down. A set that
carries approval tiers also has the remedies of the tenant's recent exceptions tiered by
the live policy and by its tier rules (tiers.replay).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from orderhub.adapters.db.rule_set_repository import StoredRuleSet
from orderhub.domain.allocation import AllocationStrategy
from orderhub.domain.errors import Conflict
from orderhub.domain.inventory import Sku, StockLevel, Warehouse
from orderhub.domain.order import Order
from orderhub.domain.routing.network import CostWeights, Network, RouteOrder, Site
from orderhub.domain.routing.state import NetworkState
from orderhub.domain.routing.strategy import (
    RoutingStrategy,
    site_of,
)
from orderhub.domain.routing.streaming import Decision, plan_order, take_stock
from orderhub.domain.rules.checks import ValidationContext
from orderhub.domain.rules.effects import by_priority
from orderhub.domain.rules.model import RoutingRule, parse_rule
from orderhub.domain.rules.rule_sets import Arm, SetState
from orderhub.domain.rules.validation import Level, validate
from orderhub.domain.rules.validation import Rule as Check
from orderhub.domain.twin.sla import SlaPolicy
from orderhub.services.intake.pipeline import reads_sla, routing_view, validation_context
from orderhub.services.rules import tiers, validation_rules
from orderhub.services.rules.rule_sets import load_set, record_change
from orderhub.services.twin.policies import policy_in_force
from orderhub.services.unit_of_work import UnitOfWork, UowFactory

DEFAULT_HOLD_THRESHOLD = 0.05  # a set that holds more than 5% of past orders fails
STRESS_SAMPLE = 5000  # orders replayed in sequence per stress scenario


def simulate(make_uow: UowFactory, read_uow: UowFactory, tenant_id: str, set_id: int, *,
             since: timedelta, now: datetime, actor: str, strategy: AllocationStrategy,
             limit: int = 100_000, hold_threshold: float = DEFAULT_HOLD_THRESHOLD,
             examples: int = 10, draw_down: bool = False) -> dict[str, Any]:
    """Replay past orders through the set and through the live rules; record the report
    and, if it passes, mark the set tested."""
    started = time.perf_counter()
    weights = strategy.weights if isinstance(strategy, RoutingStrategy) else CostWeights()
    with read_uow() as uow:
        replay = _load_replay(uow, tenant_id, set_id, since=now - since, now=now,
                              limit=limit)
        desk = (tiers.replay(uow, tenant_id, replay.tier_rules, since=now - since,
                             examples=examples) if replay.tier_rules else None)
    live_net, draft_net = _networks(replay)
    arms = _replay_both(replay, live_net, draft_net, weights, draw_down=draw_down,
                        examples=examples)
    never = _never_matched(replay, arms)
    lv, dv = arms.live.view(), arms.draft.view()
    scenarios = _scenarios(arms.routed, draft_net, weights)
    failures = _failures(replay, arms, hold_threshold) + tiers.replay_failures(desk)
    if desk is not None and not desk["exceptions"]:
        failures.append("tiers: no exceptions in the window to replay the tier rules on")
    report = {
        "since_days": since.days, "orders": len(replay.orders), "draw_down": draw_down,
        "seconds": round(time.perf_counter() - started, 2),
        "live": lv, "draft": dv,
        "delta": {"cost_per_order": round(dv["cost_per_order"] - lv["cost_per_order"], 2),
                  "on_time_rate": round(dv["on_time_rate"] - lv["on_time_rate"], 4),
                  "split_rate": round(dv["split_rate"] - lv["split_rate"], 4),
                  "hold_rate": round(dv["hold_rate"] - lv["hold_rate"], 4),
                  "late_days_per_order": round(dv["late_days_per_order"]
                                               - lv["late_days_per_order"], 3)},
        "orders_changed": arms.changed, "validation_changed": arms.validation_changed,
        "validation_differs_from_what_happened": arms.checks_differ,
        "differs_from_what_happened": arms.differs_from_actual,
        "examples": arms.examples, "rule_hits": arms.draft.rule_hits, "never_matched": never,
        "scenarios": scenarios, "tiers": desk, "hold_threshold": hold_threshold,
        "passed": not failures, "failures": failures,
        "run_at": now.isoformat(), "run_by": actor}
    _record_sandbox(make_uow, tenant_id, set_id, report, actor=actor, now=now)
    return report


# ----- what is replayed, read in one read-only transaction ----------------------------------

@dataclass
class _Replay:
    """What the sandbox replays, read in one read-only transaction: the set, the live and
    the draft rules, the network, past orders with what their checks consult, and what
    happened to those orders at intake."""

    row: StoredRuleSet
    draft_rules: list[RoutingRule]  # what the draft routes by (the live rules if it has none)
    tier_rules: list[RoutingRule]  # the draft's approval tiers (none: it leaves them)
    live_checks: list[Check]
    draft_checks: list[Check]
    state: NetworkState
    warehouses: list[Warehouse]
    orders: list[Order]  # in order time
    catalog: dict[str, Sku]
    levels: dict[tuple[str, str], StockLevel]
    ctx: ValidationContext
    actual: dict[str, list[str]]  # order id -> the sites routing chose ([]: held)
    held_then: dict[str, list[str]]  # order id -> the codes validation held it with
    sla: SlaPolicy | None = None  # the SLA policy in force, if a rule reads SLA facts


@dataclass
class _Comparison:
    """Both arms replayed side by side, and where they differ."""

    live: Arm = field(default_factory=Arm)
    draft: Arm = field(default_factory=Arm)
    changed: int = 0  # routed differently
    validation_changed: int = 0  # held by other checks
    checks_differ: int = 0  # the draft's checks against what validation did at intake
    differs_from_actual: int = 0  # the draft's routing against what routing did
    examples: list[dict[str, Any]] = field(default_factory=list)
    routed: list[tuple[Order, RouteOrder]] = field(default_factory=list)  # for stress runs
    scoped_hits: dict[str, int] = field(default_factory=dict)  # orders a check's scope chose


def _load_replay(uow: UnitOfWork, tenant_id: str, set_id: int, *, since: datetime,
                 now: datetime, limit: int) -> _Replay:
    row = load_set(uow, tenant_id, set_id)
    if row.state not in (SetState.DRAFT.value, SetState.TESTED.value):
        raise Conflict(f"rule set v{row.version} is {row.state}; only drafts and "
                       "tested sets are simulated")
    every = [parse_rule(d) for d in row.rules]
    live_checks = validation_rules.live_checks(uow, tenant_id)
    draft_checks = validation_rules.overlay(live_checks, every)
    state = uow.network.load(tenant_id)
    routing = [r for r in every if not r.is_check and not r.is_tier]
    draft_rules = by_priority(routing if routing else state.rules)
    warehouses = uow.catalog.warehouses(tenant_id)
    orders = _past_orders(uow, tenant_id, since, limit)
    skus = sorted({ln.sku for x in orders for ln in x.lines if ln.sku}
                  | {s for r in [*draft_rules, *state.rules] for s in r.when.skus})
    catalog = uow.catalog.skus_by_code(tenant_id, skus)
    levels = uow.stock.levels(tenant_id, skus)
    ctx = _checks_context(uow, tenant_id, orders, catalog, warehouses, levels, now,
                          [*live_checks, *draft_checks])
    actual, held_then = _what_happened(uow, tenant_id, since)
    orders.sort(key=lambda x: (x.created_at, x.id))
    sla = (policy_in_force(uow, tenant_id) if reads_sla(state) or any(
        r.when.reads_sla or r.then.check == "promise_possible" for r in every) else None)
    return _Replay(row, draft_rules, [r for r in every if r.is_tier], live_checks,
                   draft_checks, state, warehouses, orders, catalog, levels, ctx, actual,
                   held_then, sla)


def _past_orders(uow: UnitOfWork, tenant_id: str, since: datetime, limit: int
                 ) -> list[Order]:
    """The newest `limit` orders taken in since `since`, cancelled ones left out."""
    ids = uow.rule_sets.past_order_ids(tenant_id, since, limit)
    orders: list[Order] = []
    for i in range(0, len(ids), 2000):
        orders.extend(uow.orders.get_many(tenant_id, ids[i:i + 2000]))
    return orders


def _checks_context(uow: UnitOfWork, tenant_id: str, orders: Sequence[Order],
                    catalog: dict[str, Any], warehouses: Sequence[Any], levels: Mapping[Any, Any],
                    now: datetime, checks: Sequence[Check]) -> ValidationContext:
    """What the checks consult, as intake builds it, for all replayed orders (in chunks)."""
    ctx = validation_context(uow, tenant_id, orders[:2000], catalog, list(warehouses),
                             levels, now, checks)
    recent = {days: dict(q) for days, q in ctx.recent_by_window.items()}
    suggestions = dict(ctx.suggestions)
    for i in range(2000, len(orders), 2000):
        more = validation_context(uow, tenant_id, orders[i:i + 2000], catalog,
                                  list(warehouses), levels, now, checks)
        for days, q in more.recent_by_window.items():
            recent.setdefault(days, {}).update(q)
        suggestions.update(more.suggestions)
    # Stock on hand, as routing replays use it: the replayed orders' own reservations
    # must not make them fail the availability check.
    active = {w.code for w in warehouses if w.active}
    atp: dict[str, int] = {}
    for (sku, site), lv in levels.items():
        if site in active:
            atp[sku] = atp.get(sku, 0) + max(0, lv.on_hand - lv.safety_stock)
    return replace(ctx, recent_by_window=recent, suggestions=suggestions, atp_total=atp)


def _what_happened(uow: UnitOfWork, tenant_id: str, since: datetime
                   ) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The sites routing chose for each order since `since` (its last decision), and the
    hold codes validation gave at intake: the audit log has every hold it made (an order
    without one passed)."""
    actual: dict[str, list[str]] = {}
    for oid, doc in uow.rule_sets.routing_decisions(tenant_id, since):
        chosen = doc.get("chosen")
        actual[oid] = list(chosen["sites"]) if chosen else []
    held_then: dict[str, list[str]] = {}
    for oid, detail in uow.audit.details(tenant_id, "rule_decision", since):
        if detail.get("rules") == "validation" and oid not in held_then:
            held_then[oid] = sorted(set(detail.get("held", [])))
    return actual, held_then


def _networks(replay: _Replay) -> tuple[Network, Network]:
    """The network as the live rules and as the draft route it, with stock on hand (less
    safety stock), as if the replayed orders had not taken it yet."""
    state = replay.state
    sites: list[Site] = [site_of(w, state.backlog.get(w.code, 0)) for w in replay.warehouses]
    stock = {k: max(0, lv.on_hand - lv.safety_stock) for k, lv in replay.levels.items()}
    return (Network(sites, state.services, stock, state.blocks, state.rules),
            Network(sites, state.services, stock, state.blocks, replay.draft_rules))


# ----- both arms, order by order ------------------------------------------------------------

def _replay_both(replay: _Replay, live_net: Network, draft_net: Network,
                 weights: CostWeights, *, draw_down: bool, examples: int) -> _Comparison:
    """Each past order through the live checks and routing and through the draft's: each
    order on its own, or (draw_down) in order time with each side's stock running down as
    it routes."""
    out = _Comparison()
    live, draft = out.live, out.draft
    live_stock = live_net.copy() if draw_down else live_net
    draft_stock = draft_net.copy() if draw_down else draft_net
    live_order, draft_order = _by_level(replay.live_checks), _by_level(replay.draft_checks)
    slack: dict[str, float] = {}
    replay.ctx.promise_slack = slack
    memo: dict[Any, Any] = {}
    for order in replay.orders:
        # (SLA facts as of the order's own intake, as intake worked them out)
        route = routing_view(order, replay.catalog, replay.sla, order.created_at, memo)
        if route.promise_slack_hours is not None:
            slack[order.id] = route.promise_slack_hours
        live_held = _run_checks(order, live_order, replay.ctx, route, None, None)
        draft_held = _run_checks(order, draft_order, replay.ctx, route, draft.rule_hits,
                                 out.scoped_hits)
        out.checks_differ += replay.held_then.get(order.id, []) != draft_held
        if live_held != draft_held:
            out.validation_changed += 1
            if len(out.examples) < examples:
                out.examples.append({"order_id": order.id, "stage": "validation",
                                     "live": {"held": live_held},
                                     "draft": {"held": draft_held}})
        if live_held:
            _held_at_intake(live)
        if draft_held:
            _held_at_intake(draft)
        if live_held and draft_held:
            continue
        if not draft_held:
            out.routed.append((order, route))
        before = None if live_held else _decide(order, route, live_stock, weights)
        after = None if draft_held else _decide(order, route, draft_stock, weights)
        if draw_down:
            for net, d in ((live_stock, before), (draft_stock, after)):
                if d is not None and d.chosen is not None:
                    take_stock(net, d.chosen)
        if before is not None:
            _count(live, before, route)
        if after is not None:
            _count(draft, after, route)
        a = _summary(before) if before else {"held": "validation: " + ", ".join(live_held)}
        b = _summary(after) if after else {"held": "validation: " + ", ".join(draft_held)}
        if before is not None and after is not None and a != b:
            out.changed += 1
            if len(out.examples) < examples:
                out.examples.append({"order_id": order.id, "stage": "routing", "live": a,
                                     "draft": b, "rules": after.rules})
        happened = replay.actual.get(order.id)
        if happened is not None and happened != b.get("sites", []):
            out.differs_from_actual += 1
    return out


def _by_level(checks: Sequence[Check]) -> list[Check]:
    levels = list(Level)
    return sorted((c for c in checks if c.enabled), key=lambda c: levels.index(c.level))


def _run_checks(order: Order, checks: Sequence[Check], ctx: ValidationContext,
                route: RouteOrder, hits: dict[str, int] | None,
                scoped: dict[str, int] | None) -> list[str]:
    """The hold codes the checks give `order`; counts, per check, the orders it held and
    (scoped checks) the orders its scope selected."""
    codes: list[str] = []
    for check in checks:
        if check.scope is not None:
            if not check.scope.matches(route, on_error=True):
                continue
            if scoped is not None:
                scoped[check.code] = scoped.get(check.code, 0) + 1
        found = validate(order, [check], ctx, route)
        if found:
            codes.extend(r.code.value for r in found)
            if hits is not None:
                hits[check.code] = hits.get(check.code, 0) + 1
    return sorted(set(codes))


def _held_at_intake(arm: Arm) -> None:
    arm.orders += 1
    arm.held += 1
    arm.held_by_checks += 1


def _decide(order: Order, route: RouteOrder, network: Network,
            weights: CostWeights) -> Decision:
    return plan_order(route, network, order.placed_at or order.created_at, weights,
                      pickup_site=order.pickup_store)


def _count(arm: Arm, decision: Decision, route: RouteOrder) -> None:
    _tally(arm, decision)
    if decision.chosen is not None:
        late = _late_days(decision, route)
        arm.late_days += late
        arm.on_time += late == 0


def _tally(arm: Arm, decision: Decision) -> None:
    arm.orders += 1
    for label in decision.rules:
        code = label.split(" ")[1] if label.startswith("rule ") else label
        arm.rule_hits[code] = arm.rule_hits.get(code, 0) + 1
    c = decision.chosen
    if c is None:
        arm.held += 1
        arm.held_by_rules += decision.held
        return
    arm.routed += 1
    arm.cost_units += c.total_units
    arm.split += len(c.shipments) > 1


def _late_days(decision: Decision, route: RouteOrder) -> int:
    c = decision.chosen
    if c is None or route.requested_by is None:
        return 0
    return max(0, (c.promised - route.requested_by).days)


def _summary(decision: Decision) -> dict[str, Any]:
    c = decision.chosen
    if c is None:
        return {"held": decision.reason}
    return {"sites": list(c.sites), "total": str(c.total), "promised": c.promised.isoformat()}


# ----- the report: rules never matched, stress scenarios, verdict ---------------------------

def _never_matched(replay: _Replay, arms: _Comparison) -> list[str]:
    """The set's own enabled rules no replayed order matched (a scoped check: no order in
    its scope). A set of checks only routes by the live rules: those are not its own."""
    own = {d["code"] for d in replay.row.rules}
    return sorted([r.code for r in replay.draft_rules
                   if r.code in own and r.enabled and not arms.draft.rule_hits.get(r.code)]
                  + [c.code for c in replay.draft_checks
                     if c.enabled and c.scope is not None
                     and not arms.scoped_hits.get(c.code)])


def _scenarios(orders: Sequence[tuple[Order, RouteOrder]], network: Network,
               weights: CostWeights) -> list[dict[str, Any]]:
    """Stress scenarios in sequence (stock and queues run down): as is, the busiest site
    closed, the cheapest carrier service down, demand doubled in the busiest region."""
    sample = list(orders[:STRESS_SAMPLE])
    if not sample:
        return []

    def run(items: Sequence[tuple[Order, RouteOrder]], net: Network) -> Arm:
        work, arm = net.copy(), Arm()
        for order, route in items:
            d = _decide(order, route, work, weights)
            _count(arm, d, route)
            if d.chosen is not None:
                take_stock(work, d.chosen)
        return arm

    base = run(sample, network)
    busiest: dict[str, int] = {}
    regions: dict[str, int] = {}
    work = network.copy()
    for order, route in sample:
        d = _decide(order, route, work, weights)
        regions[route.region] = regions.get(route.region, 0) + 1
        if d.chosen is not None:
            for s in d.chosen.sites:
                busiest[s] = busiest.get(s, 0) + 1
    site = max(busiest, key=lambda k: busiest[k]) if busiest else ""
    closed = replace(network, sites=[replace(s, active=False) if s.code == site else s
                                     for s in network.sites])
    usable = [s for s in network.services if s.healthy]
    cheapest = min(usable, key=lambda s: s.first_kg.get(2, 0)).code if usable else ""
    down = replace(network, services=[replace(s, healthy=False) if s.code == cheapest else s
                                      for s in network.services])
    region = max(regions, key=lambda k: regions[k]) if regions else ""
    doubled: list[tuple[Order, RouteOrder]] = []
    for order, route in sample:
        doubled.append((order, route))
        if route.region == region:
            doubled.append((order, replace(route, id=f"{route.id}-again")))
    out = []
    for name, what, items, net in (
            ("as_is", "the replayed orders in sequence", sample, network),
            ("site_closed", f"{site} (the busiest site) closed", sample, closed),
            ("carrier_down", f"{cheapest} (the cheapest service) down", sample, down),
            ("demand_doubled", f"demand doubled in {region}", doubled, network)):
        arm = base if name == "as_is" else run(items, net)
        v = arm.view()
        breaks = []
        if name != "as_is":
            extra_held = v["hold_rate"] - base.view()["hold_rate"]
            if extra_held > 0.01:
                breaks.append(f"{extra_held:.1%} more orders cannot be routed")
            if v["on_time_rate"] < base.view()["on_time_rate"] - 0.05:
                breaks.append(f"on time falls to {v['on_time_rate']:.1%}")
        out.append({"scenario": name, "what": what, **v, "breaks": breaks})
    return out


def _failures(replay: _Replay, arms: _Comparison, hold_threshold: float) -> list[str]:
    """Why the set fails its sandbox run (none: it passes)."""
    lv, dv = arms.live.view(), arms.draft.view()
    failures = []
    if replay.row.warnings:
        failures.append("contradictions: " + "; ".join(replay.row.warnings))
    by_rules = arms.draft.held_by_rules / max(arms.draft.orders, 1)
    more = dv["hold_rate"] - lv["hold_rate"]
    if by_rules > hold_threshold or more > hold_threshold:
        failures.append(f"holds {max(by_rules, more):.1%} of the replayed orders that the "
                        f"live rules do not, or by its own rules (threshold "
                        f"{hold_threshold:.1%})")
    if not replay.orders:
        failures.append("no past orders in the window to replay")
    return failures


def _record_sandbox(make_uow: UowFactory, tenant_id: str, set_id: int,
                    report: dict[str, Any], *, actor: str, now: datetime) -> None:
    """Store the report; a pass marks the set tested (a fail leaves or puts it back in
    draft). The set's row locked: it must still be a draft or tested."""
    with make_uow() as uow:
        row = load_set(uow, tenant_id, set_id, lock=True)
        if row.state not in (SetState.DRAFT.value, SetState.TESTED.value):
            raise Conflict(f"rule set v{row.version} changed to {row.state} meanwhile")
        new_state = SetState.TESTED if report["passed"] else SetState.DRAFT
        uow.rule_sets.record_sandbox(tenant_id, set_id, report, new_state, now)
        record_change(uow, tenant_id, row, new_state,
                      "tested" if report["passed"] else "sandbox_failed", actor=actor,
                      reason="sandbox run", now=now,
                      detail={"orders": report["orders"], "passed": report["passed"],
                              "failures": report["failures"]})
        uow.commit()
