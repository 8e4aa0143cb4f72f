"""Accepting orders: idempotent intake, catalogue checks, allocation and atomic reservation,
for one order or a batch in one transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from orderhub.adapters.phone import is_valid_phone
from orderhub.domain.allocation import AllocationOutcome, AllocationStrategy
from orderhub.domain.errors import (
    FieldError,
    IdempotencyConflict,
    InvalidInput,
    NotFound,
    StockError,
)
from orderhub.domain.inventory import Sku, StockLevel, Warehouse
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import HoldReason, Order, OrderType
from orderhub.domain.routing.network import RouteOrder
from orderhub.domain.routing.strategy import RoutingContext, route_order
from orderhub.domain.rules.checks import ValidationContext
from orderhub.domain.rules.validation import Rule, validate
from orderhub.services import audit
from orderhub.services.intake.drafts import OrderDraft, build_order, check_draft, payload_hash
from orderhub.services.intake.sku_mapping import suggest_for_lines
from orderhub.services.rules.validation_rules import canary_checks, load_rules
from orderhub.services.unit_of_work import UnitOfWork, UowFactory, retry_unique_race


class Outcome(StrEnum):
    CREATED = "created"  # a new order was stored
    EXISTING = "existing"  # the same order was already stored; nothing changed
    CONFLICT = "conflict"  # same channel + external id, different payload; nothing stored


@dataclass(slots=True)
class SubmitResult:
    outcome: Outcome
    order_id: str | None
    external_id: str
    channel: str
    status: str | None = None
    message: str = ""


@dataclass(slots=True)
class PipelineStats:
    reserved: int = 0
    held: int = 0
    retried_under_lock: bool = False
    hold_codes: dict[str, int] = field(default_factory=dict)


def _check_all(drafts: Sequence[OrderDraft], prefix: bool) -> None:
    errors: list[FieldError] = []
    for i, d in enumerate(drafts):
        for e in check_draft(d):
            errors.append(FieldError(f"orders.{i}.{e.loc}" if prefix else e.loc, e.message))
    if errors:
        raise InvalidInput(errors)


def _batch_hash(hashes: Sequence[str]) -> str:
    return hashlib.sha256("|".join(hashes).encode()).hexdigest()


def submit_orders(
    make_uow: UowFactory,
    tenant_id: str,
    drafts: Sequence[OrderDraft],
    *,
    strategy: AllocationStrategy,
    now: datetime,
    actor: str,
    idempotency_key: str | None = None,
    presale_lock: timedelta = timedelta(minutes=30),
    batch: bool = True,
) -> list[SubmitResult]:
    """Store, validate, allocate and reserve a batch of orders in one transaction.

    Results come back in input order. A unique-key race with a concurrent submitter of the
    same order is resolved by retrying once: the retry finds the stored order.
    """
    _check_all(drafts, prefix=batch)
    hashes = [payload_hash(d) for d in drafts]
    return retry_unique_race(lambda: _submit(
        make_uow, tenant_id, drafts, hashes, strategy, now, actor, idempotency_key,
        presale_lock, single=not batch))


def _submit(
    make_uow: UowFactory,
    tenant_id: str,
    drafts: Sequence[OrderDraft],
    hashes: list[str],
    strategy: AllocationStrategy,
    now: datetime,
    actor: str,
    idempotency_key: str | None,
    presale_lock: timedelta,
    single: bool,
) -> list[SubmitResult]:
    with make_uow() as uow:
        if not uow.catalog.tenant_exists(tenant_id):
            raise NotFound(f"tenant '{tenant_id}' not found")
        channels = {c.code: c for c in uow.catalog.channels(tenant_id)}
        bad = [
            FieldError(
                f"orders.{i}.channel" if not single else "channel",
                f"unknown channel '{d.channel}'; known: {', '.join(sorted(channels))}",
            )
            for i, d in enumerate(drafts)
            if d.channel not in channels
        ]
        bad += [
            FieldError(
                f"orders.{i}.channel" if not single else "channel",
                f"channel '{d.channel}' is inactive",
            )
            for i, d in enumerate(drafts)
            if d.channel in channels and not channels[d.channel].active
        ]
        if bad:
            raise InvalidInput(bad)

        request_hash = _batch_hash(hashes)
        if idempotency_key:
            stored = uow.idempotency.lookup(tenant_id, idempotency_key)
            if stored is not None:
                if stored[0] != request_hash:
                    raise IdempotencyConflict(
                        f"Idempotency-Key '{idempotency_key}' was used before with a different "
                        "request body; use a new key for a new request"
                    )
                return _existing_results(uow, tenant_id, stored[1])

        existing = uow.orders.find_by_channel_keys(tenant_id, [d.key() for d in drafts])
        results: list[SubmitResult | None] = [None] * len(drafts)
        fresh: list[Order] = []
        first_in_batch: dict[tuple[str, str], tuple[str, str]] = {}
        for i, (d, h) in enumerate(zip(drafts, hashes, strict=True)):
            key = d.key()
            prior = existing.get(key) or first_in_batch.get(key)
            if prior is not None:
                oid, prior_hash = prior
                if prior_hash == h:
                    results[i] = SubmitResult(Outcome.EXISTING, oid, d.external_id, d.channel)
                else:
                    msg = (
                        f"order {d.external_id} from channel {d.channel} already exists as "
                        f"{oid} with different content; send an update, not a new order"
                    )
                    if single:
                        raise IdempotencyConflict(msg)
                    results[i] = SubmitResult(
                        Outcome.CONFLICT, oid, d.external_id, d.channel, message=msg
                    )
                continue
            order = build_order(d, tenant_id, now, actor, h)
            first_in_batch[key] = (order.id, h)
            uow.orders.add(order)
            fresh.append(order)
            results[i] = SubmitResult(Outcome.CREATED, order.id, d.external_id, d.channel)

        run_pipeline(uow, tenant_id, fresh, strategy, now, actor, presale_lock)
        status_by_id = {o.id: o.status.value for o in fresh}
        final = [r for r in results if r is not None]
        if any(r.outcome != Outcome.CREATED for r in final):
            _fill_status(uow, tenant_id, final)
        for r in final:
            if r.order_id in status_by_id:
                r.status = status_by_id[r.order_id]
        if idempotency_key:
            uow.idempotency.store(
                tenant_id,
                idempotency_key,
                request_hash,
                [r.order_id for r in final if r.order_id],
                now,
            )
        uow.commit()
        return final


def _fill_status(uow: UnitOfWork, tenant_id: str, results: list[SubmitResult]) -> None:
    ids = [r.order_id for r in results if r.outcome != Outcome.CREATED and r.order_id]
    statuses = uow.orders.statuses(tenant_id, ids)
    for r in results:
        if r.outcome != Outcome.CREATED and r.order_id in statuses:
            r.status = statuses[r.order_id]


def _existing_results(uow: UnitOfWork, tenant_id: str, ids: list[str]) -> list[SubmitResult]:
    heads = uow.orders.heads(tenant_id, ids)
    return [
        SubmitResult(Outcome.EXISTING, oid, heads[oid][1], heads[oid][0], heads[oid][2])
        for oid in ids
        if oid in heads
    ]


def validation_context(
    uow: UnitOfWork,
    tenant_id: str,
    orders: Sequence[Order],
    catalog: dict[str, Sku],
    warehouses: Sequence[Warehouse],
    levels: Mapping[tuple[str, str], StockLevel],
    now: datetime,
    checks: Sequence[Rule] = (),
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
    return ValidationContext(
        catalog=catalog,
        atp_total=atp_total,
        recent_by_window=by_window,
        suggestions=suggestions,
        phone_valid=is_valid_phone,
    )


def run_pipeline(
    uow: UnitOfWork,
    tenant_id: str,
    orders: Sequence[Order],
    strategy: AllocationStrategy,
    now: datetime,
    actor: str,
    presale_lock: timedelta,
) -> PipelineStats:
    """validate -> allocate -> reserve (atomically) for orders in CREATED or ON_HOLD.

    Plans are made against a snapshot of ATP; the reservation itself is a conditional
    update. If another writer took stock in between, the whole batch is re-planned under
    row locks, so a loser is held as a backorder rather than oversold.
    """
    stats = PipelineStats()
    if not orders:
        return stats
    skus = sorted({ln.sku for o in orders for ln in o.lines if ln.sku})
    catalog = uow.catalog.skus_by_code(tenant_id, skus)
    warehouses = uow.catalog.warehouses(tenant_id)
    levels = uow.stock.levels(tenant_id, skus)

    def hold(o: Order, reasons: list[HoldReason]) -> None:
        if o.status == OrderStatus.ON_HOLD:
            o.rehold(reasons, now, actor)
        else:
            o.hold(reasons, now, actor)
        stats.held += 1
        for r in reasons:
            stats.hold_codes[r.code.value] = stats.hold_codes.get(r.code.value, 0) + 1

    rules = load_rules(uow.conn, tenant_id)
    # Routing's view of the network (cached for seconds) also names the canary: validation
    # and routing then agree on it, and a batch costs no extra query.
    first = strategy.prepare(uow.conn, tenant_id, now, catalog)
    canary = canary_checks(uow.conn, tenant_id, rules,
                           first.state.canary if isinstance(first, RoutingContext) else False)
    every = [*rules, *(canary.rules if canary else [])]
    ctx = validation_context(uow, tenant_id, orders, catalog, warehouses, levels, now, every)
    # Scoped checks and canary slices read the order as routing sees it (region, SKU facts).
    needs_route = canary is not None or any(r.scope is not None for r in every)
    valid: list[Order] = []
    trail: list[audit.Record] = []  # what the rules decided, for the audit log
    routes: dict[str, RouteOrder] = {}  # handed on to routing, which needs them too
    for o in orders:
        route = route_order(o, catalog) if needs_route else None
        if route is not None:
            routes[o.id] = route
        checks, arm = rules, "live"
        if canary is not None and route is not None and canary.slice.covers(route):
            checks, arm = canary.rules, canary.label
        reasons = validate(o, checks, ctx, route)
        if reasons:
            hold(o, reasons)
            trail.append(audit.Record(now, actor, "rule_decision", o.id, {
                "rules": "validation", "rule_set": arm,
                "held": [r.code.value for r in reasons]}))
        else:
            valid.append(o)
    if not valid:
        audit.append(uow.conn, tenant_id, trail)
        return stats

    def plan_all(
        lock: bool,
    ) -> tuple[
        list[tuple[Order, AllocationOutcome]],
        list[tuple[Order, list[HoldReason]]],
        dict[tuple[str, str], int],
    ]:
        current = uow.stock.levels(tenant_id, skus, lock=True) if lock else levels
        available = {k: lv.atp for k, lv in current.items()}
        planned, failed = [], []
        demand: dict[tuple[str, str], int] = {}
        explanations.clear()
        # Re-planning under locks starts from a fresh view (the first pass added its load).
        context = strategy.prepare(uow.conn, tenant_id, now, catalog) if lock else first
        if routes and isinstance(context, RoutingContext):
            context.routes.update(routes)
        for o in valid:
            outcome = strategy.plan(o, warehouses, available, now, context)
            if outcome.explanation is not None:
                explanations[o.id] = outcome.explanation
            if not outcome.ok:
                failed.append((o, outcome.reasons))
                continue
            for p in outcome.picks:
                k = (p.sku, p.warehouse)
                available[k] -= p.quantity
                demand[k] = demand.get(k, 0) + p.quantity
            planned.append((o, outcome))
        return planned, failed, demand

    explanations: dict[str, dict[str, Any]] = {}
    planned, failed, demand = plan_all(lock=False)
    savepoint = uow.savepoint()
    if uow.stock.reserve(tenant_id, demand, now):
        savepoint.commit()
    else:
        savepoint.rollback()
        stats.retried_under_lock = True
        planned, failed, demand = plan_all(lock=True)
        if not uow.stock.reserve(tenant_id, demand, now):
            raise StockError("stock changed under row locks; reservation aborted")

    if explanations:
        uow.orders.record_routing(tenant_id, strategy.name, explanations, now)
        for oid, e in explanations.items():
            if e.get("rules_matched"):
                chosen = e.get("chosen") or {}
                trail.append(audit.Record(now, actor, "rule_decision", oid, {
                    "rules": e["rules_matched"], "sites": chosen.get("sites", []),
                    "excluded": {s: why for s, why in e.get("excluded", {}).items()
                                 if "rule " in why},
                    "notes": e.get("notes", []), "model_version": e.get("model_version")}))
    audit.append(uow.conn, tenant_id, trail)
    for o in valid:
        if o.status != OrderStatus.VALIDATED:
            o.mark_validated(now, actor)
    for o, reasons in failed:
        hold(o, reasons)
    notified = {o.id: o for o in valid}
    for oid, e in explanations.items():
        for n in e.get("notify", []):
            notified[oid].notify(n["rule"], n["version"], n["message"], n["to"], now, actor)
    for o, outcome in planned:
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
    return stats
