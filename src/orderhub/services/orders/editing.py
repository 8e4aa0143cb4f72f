"""Editing an order after placement: the one path every change of an order's content takes.

    change_order(make_uow, tenant, order_id, EditRequest)   an operator's edit (API PATCH
                                     /v1/orders/{id}, `orderhub order edit`): quantities,
                                     lines added or removed, ship-to, requested date, service
                                     level; checked against the order's version
    edit_order(uow, order, OrderEdit)  a change taken whole, in the caller's transaction (a
                                     channel's update, a held order's address fix, the
                                     exception desk's substitution)

Both record one `OrderEdited` (the diff before/after, the version after, the money
difference). What an edit does to stock and routing depends on where the order is:

- not yet with a warehouse (created, validated, on hold, reserved, allocated): the new
  content is checked again (validation), then
  * only quantities or lines changed, order reserved/allocated: ONLY THE DIFFERENCE moves.
    Units given back are released from the line's reservations; added units are reserved
    at a site the order already ships from (the conditional stock update; the plan and its
    carrier stay). If a site it ships from cannot give the added units, the order is
    re-routed: its reservations released and the order planned afresh by the router, in
    the same transaction;
  * the ship-to, requested date or service level changed: re-routed (the destination or
    promise changed, so the site and carrier are chosen again);
  * the new content fails its checks, or the router finds no stock for it: the order is
    held with the reasons and keeps no stock (a held order never does); nothing is lost;
  * held orders are checked and allocated again (the pipeline), unless held for a person's
    decision (fraud, anomaly, a warehouse's refusal): they stay held for that person.
- released or picked (with the warehouse, not packed): cancel and replace. The open
  shipments are taken back from the warehouse as a recall does (stock released, a
  compensation saga voids the booked waybills and tells the channel) and the edited order
  is routed again at once.
- packed, shipped, delivered, invoiced, paid, cancelled: refused (Conflict, 409).

A channel's update and the desk's substitution keep the older rule (`Order.edit`: new lines
give back everything and hold the order, which the caller sends through the pipeline):
the channel's lines arrive unmapped (channel SKUs, resolved by the crosswalk afterwards) and
are taken whole, so there is no line-by-line difference to reserve.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from orderhub.domain.allocation import AllocationStrategy
from orderhub.domain.errors import Conflict, FieldError, InvalidInput, StaleVersion
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.money import fits_currency, quantize
from orderhub.domain.order import (
    EDITABLE,
    KEEP,
    REPLACEABLE,
    Keep,
    Order,
    OrderEdit,
    OrderLine,
    PlannedPick,
    ServiceLevel,
    stock_quantities,
)
from orderhub.services.intake.address_enrichment import enrich
from orderhub.services.intake.pipeline import (
    PipelineStats,
    load_batch,
    run_pipeline,
    validate_orders,
)
from orderhub.services.orders import money
from orderhub.services.sagas.compensation import after_recall, planned_waybills
from orderhub.services.unit_of_work import UnitOfWork, UowFactory

MAX_QUANTITY = 1_000_000
MAX_PRICE = Decimal("1e12")
# What an edit may set of the ship-to (the rest is derived by intake: E.164, coordinates).
ADDRESS_FIELDS = ("country", "province", "city", "district", "line1", "postal_code", "name",
                  "phone")


def edit_order(uow: UnitOfWork, order: Order, change: OrderEdit, *, reason: str,
               now: datetime, actor: str) -> bool:
    """Apply `change` to a locked `order`; True when its content changed so that it must
    go through its checks and allocation again (the caller runs the pipeline on it)."""
    released = order.edit(change, reason, now, actor)
    if released:
        uow.stock.release(order.tenant_id, stock_quantities(released), now)
    return change.lines is not None


# ----- an operator's edit -------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class LineQuantity:
    line_no: int
    quantity: int


@dataclass(frozen=True, slots=True)
class NewLine:
    sku: str
    quantity: int
    unit_price: Decimal | None = None  # None: the SKU's list price


@dataclass(frozen=True, slots=True)
class EditRequest:
    """What an operator asks to change; `expected_version`: the version the edit was made
    from (None: whatever is stored now)."""

    reason: str
    quantities: tuple[LineQuantity, ...] = ()
    add: tuple[NewLine, ...] = ()
    remove: tuple[int, ...] = ()
    address: Mapping[str, str] | None = None
    requested_delivery: date | Keep | None = KEEP  # None clears it
    service_level: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class EditResult:
    order: Order
    outcome: str  # in_place | rerouted | replaced | held
    money_difference: Decimal
    version: int


REFUSED = {
    OrderStatus.PACKED: "it is packed: the warehouse has closed the parcel",
    OrderStatus.PARTIALLY_SHIPPED: "part of it has shipped",
    OrderStatus.SHIPPED: "it has shipped",
    OrderStatus.DELIVERED: "it was delivered",
    OrderStatus.INVOICED: "it was invoiced",
    OrderStatus.PAID: "it was paid",
    OrderStatus.CANCELLED: "it was cancelled",
}


def check_request(req: EditRequest) -> None:
    """Field errors that need no stored order (all of them at once)."""
    errors: list[FieldError] = []
    if not req.reason.strip():
        errors.append(FieldError("reason", "say why the order is edited (audited)"))
    if req.reason and len(req.reason) > 500:
        errors.append(FieldError("reason", "at most 500 characters"))
    seen: set[int] = set()
    for i, q in enumerate(req.quantities):
        if not 0 < q.quantity <= MAX_QUANTITY:
            errors.append(FieldError(f"lines.{i}.quantity", f"must be 1..{MAX_QUANTITY} "
                                     "(remove a line with remove_lines)"))
        if q.line_no in seen:
            errors.append(FieldError(f"lines.{i}.line_no", f"line {q.line_no} given twice"))
        seen.add(q.line_no)
    for i, no in enumerate(req.remove):
        if no in seen:
            errors.append(FieldError(f"remove_lines.{i}", f"line {no} is both changed and "
                                     "removed"))
        seen.add(no)
    for i, a in enumerate(req.add):
        if not a.sku.strip():
            errors.append(FieldError(f"add_lines.{i}.sku", "required"))
        if not 0 < a.quantity <= MAX_QUANTITY:
            errors.append(FieldError(f"add_lines.{i}.quantity", f"must be 1..{MAX_QUANTITY}"))
        if a.unit_price is not None and (not a.unit_price.is_finite() or a.unit_price < 0
                                         or a.unit_price >= MAX_PRICE):
            errors.append(FieldError(f"add_lines.{i}.unit_price",
                                     f"must be a finite amount 0..{MAX_PRICE:,.0f}"))
    if req.address is not None:
        for k in req.address:
            if k not in ADDRESS_FIELDS:
                errors.append(FieldError(f"shipping_address.{k}", "not an editable address "
                                         "field: " + ", ".join(ADDRESS_FIELDS)))
            elif not isinstance(req.address[k], str) or len(req.address[k]) > 500:
                errors.append(FieldError(f"shipping_address.{k}", "text of at most 500 "
                                         "characters"))
    if req.service_level is not None and req.service_level not in ServiceLevel.__members__.values():
        errors.append(FieldError("service_level", "one of " + ", ".join(
            s.value for s in ServiceLevel)))
    if req.expected_version is not None and req.expected_version < 1:
        errors.append(FieldError("expected_version", "a version is 1 or more"))
    if not (req.quantities or req.add or req.remove or req.address
            or req.requested_delivery is not KEEP or req.service_level is not None):
        errors.append(FieldError("body", "nothing to change: give lines, add_lines, "
                                 "remove_lines, shipping_address, requested_delivery or "
                                 "service_level"))
    if errors:
        raise InvalidInput(errors)


def _scaled(amount: Decimal, new: int, old: int, currency: str) -> Decimal:
    return amount if new == old else quantize(amount * new / old, currency)


def new_lines(uow: UnitOfWork, order: Order, req: EditRequest) -> list[OrderLine] | None:
    """The order's lines after the edit (None: lines unchanged); unknown lines and SKUs are
    field errors. A line's discount and tax follow its quantity pro rata (re-priced)."""
    if not (req.quantities or req.add or req.remove):
        return None
    by_no = {ln.line_no: ln for ln in order.lines}
    errors: list[FieldError] = []
    for i, q in enumerate(req.quantities):
        if q.line_no not in by_no:
            errors.append(FieldError(f"lines.{i}.line_no", f"order has no line {q.line_no}"))
    for i, no in enumerate(req.remove):
        if no not in by_no:
            errors.append(FieldError(f"remove_lines.{i}", f"order has no line {no}"))
    catalog = uow.catalog.skus_by_code(order.tenant_id, sorted({a.sku for a in req.add}))
    base = ""
    for i, a in enumerate(req.add):
        sku = catalog.get(a.sku)
        if sku is None:
            errors.append(FieldError(f"add_lines.{i}.sku", f"unknown SKU '{a.sku}'"))
        elif a.unit_price is not None and not fits_currency(a.unit_price, order.currency):
            errors.append(FieldError(f"add_lines.{i}.unit_price",
                                     f"{a.unit_price} has more decimals than {order.currency} "
                                     "allows"))
        elif a.unit_price is None and sku.list_price is None:
            errors.append(FieldError(f"add_lines.{i}.unit_price",
                                     f"SKU {a.sku} has no list price: give the price"))
        elif a.unit_price is None:
            # The list price is in the SKU's currency (its `currency` attribute, else the
            # tenant's base currency: rules/checks.sku_currency); only in the order's own
            # currency, and to its minor unit, is it the line's price.
            code = sku.attributes.get("currency")
            if not (isinstance(code, str) and code):
                base = base or uow.fx.settings(order.tenant_id).base_currency
                code = base
            assert sku.list_price is not None
            if code.upper() != order.currency or not fits_currency(sku.list_price,
                                                                   order.currency):
                errors.append(FieldError(
                    f"add_lines.{i}.unit_price",
                    f"SKU {a.sku}'s list price is {sku.list_price} {code.upper()}, not an "
                    f"amount in the order's {order.currency}: give the price"))
    if errors:
        raise InvalidInput(errors)
    wanted = {q.line_no: q.quantity for q in req.quantities}
    removed = set(req.remove)
    out: list[OrderLine] = []
    for ln in order.lines:
        if ln.line_no in removed:
            continue
        qty = wanted.get(ln.line_no, ln.quantity)
        out.append(ln if qty == ln.quantity else replace(
            ln, quantity=qty, discount=_scaled(ln.discount, qty, ln.quantity, order.currency),
            tax=_scaled(ln.tax, qty, ln.quantity, order.currency)))
    next_no = max(by_no, default=0) + 1
    for a in req.add:
        sku = catalog[a.sku]
        price = a.unit_price if a.unit_price is not None else sku.list_price
        assert price is not None
        out.append(OrderLine(line_no=next_no, sku=a.sku, quantity=a.quantity,
                             unit_price=price, title=sku.name, channel_sku=a.sku))
        next_no += 1
    if not out:
        raise InvalidInput([FieldError("remove_lines", "an order keeps at least one line; "
                                       "cancel it instead")])
    return out


def change_order(make_uow: UowFactory, tenant_id: str, order_id: str, req: EditRequest, *,
                 now: datetime, actor: str, strategy: AllocationStrategy,
                 presale_lock: timedelta) -> EditResult:
    """An operator's edit, all or nothing in one transaction (see the module's rules)."""
    check_request(req)
    reason = req.reason.strip()
    with make_uow() as uow:
        uow.network.lock_for_intake(tenant_id)  # first: see NetworkRepository
        order = uow.orders.get(tenant_id, order_id, lock=True)
        if req.expected_version is not None and order.version != req.expected_version:
            raise StaleVersion(order.id, req.expected_version, order.version)
        if order.status in REFUSED:
            raise Conflict(f"order {order.id} is {order.status.value} and can no longer be "
                           f"edited: {REFUSED[order.status]}"
                           + ("; a return or refund is the way now"
                              if order.status not in (OrderStatus.CANCELLED,
                                                      OrderStatus.PACKED) else ""))
        lines = new_lines(uow, order, req)
        address = None
        if req.address is not None:
            fixes: dict[str, Any] = dict(req.address)
            address = replace(order.shipping_address, **fixes)
            if "phone" in req.address:  # intake works its E.164 form out again
                address = replace(address, phone_e164="", phone_status="")
        change = OrderEdit(address=address, lines=lines,
                           requested_delivery=req.requested_delivery,
                           service_level=req.service_level)
        basis = order.edit_basis()
        if order.status in REPLACEABLE:
            outcome = _replace(uow, order, change, reason, now, actor, strategy, presale_lock)
        elif order.status in EDITABLE:
            outcome = _before_release(uow, order, change, reason, now, actor, strategy,
                                      presale_lock)
        else:  # pragma: no cover - every status is REFUSED, REPLACEABLE or EDITABLE
            raise Conflict(f"order {order.id} is {order.status.value}")
        event = order.record_edit(basis, reason, now, actor, outcome)
        money.settle_edit(uow, order, reason=f"edited: {reason}", now=now, actor=actor)
        uow.commit()
        return EditResult(order, outcome, Decimal(event.money_difference), event.version)


def _route_again(uow: UnitOfWork, order: Order, now: datetime, actor: str,
                 strategy: AllocationStrategy, presale_lock: timedelta, done: str) -> str:
    """A held (or new) order through checks, routing and reservation; `done` if it got
    stock, else "held"."""
    if order.status == OrderStatus.ON_HOLD:
        person = order.person_holds()
        if person:  # the edit is made; the fraud/anomaly/refusal decision is still theirs
            order.rehold([*person, *(r for r in order.hold_reasons if r not in person)],
                         now, actor)
            enrich([order])
            return "held"
        order.resume(now, actor)
    run_pipeline(uow, order.tenant_id, [order], strategy, now, actor, presale_lock)
    return done if order.status in (OrderStatus.RESERVED, OrderStatus.ALLOCATED) else "held"


def _reroute(uow: UnitOfWork, order: Order, reason: str, now: datetime, actor: str,
             strategy: AllocationStrategy, presale_lock: timedelta) -> str:
    freed = order.reroute(f"edited: {reason}", now, actor)
    uow.stock.release(order.tenant_id, stock_quantities(freed), now)
    return _route_again(uow, order, now, actor, strategy, presale_lock, "rerouted")


def _replace(uow: UnitOfWork, order: Order, change: OrderEdit, reason: str, now: datetime,
             actor: str, strategy: AllocationStrategy, presale_lock: timedelta) -> str:
    """With the warehouse, not packed: take its open shipments back (the warehouse is told
    through the order's events; the saga voids booked waybills and tells the channel),
    then route the edited order again."""
    waybills = planned_waybills(order)
    freed = order.take_back_for_edit(reason, now, actor)
    uow.stock.release(order.tenant_id, stock_quantities(freed), now)
    after_recall(uow, order, waybills, f"edited after release: {reason}", now, actor)
    order.set_content(change, reason, now, actor, address_event=False)
    return _route_again(uow, order, now, actor, strategy, presale_lock, "replaced")


def _before_release(uow: UnitOfWork, order: Order, change: OrderEdit, reason: str,
                    now: datetime, actor: str, strategy: AllocationStrategy,
                    presale_lock: timedelta) -> str:
    holds_stock = order.status in (OrderStatus.RESERVED, OrderStatus.ALLOCATED)
    order.set_content(change, reason, now, actor, address_event=False)
    if not holds_stock:
        return _route_again(uow, order, now, actor, strategy, presale_lock, "rerouted")
    if change.moves_destination:
        return _reroute(uow, order, reason, now, actor, strategy, presale_lock)
    if not _still_valid(uow, order, now, actor):
        freed = order.give_back_stock(f"edited: {reason}", now, actor)
        uow.stock.release(order.tenant_id, stock_quantities(freed), now)
        return "held"
    return _difference(uow, order, reason, now, actor, strategy, presale_lock)


def _still_valid(uow: UnitOfWork, order: Order, now: datetime, actor: str) -> bool:
    """The edited order's checks, with its own reserved units counted as available (they
    are its own); a failing order is held by the checks (its stock still to give back)."""
    batch = load_batch(uow, order.tenant_id, [order], now, actor)
    own = stock_quantities(order.active_reservations())
    batch.levels = {k: replace(lv, reserved=max(0, lv.reserved - own.get(k, 0)))
                    for k, lv in batch.levels.items()}
    valid = validate_orders(uow, batch, [order], PipelineStats())
    uow.audit.add(order.tenant_id, batch.audit)
    return bool(valid)


def _difference(uow: UnitOfWork, order: Order, reason: str, now: datetime, actor: str,
                strategy: AllocationStrategy, presale_lock: timedelta) -> str:
    """Reserve only the difference at the sites the order ships from; re-route when a site
    it ships from cannot give what was added."""
    have: dict[int, int] = {}
    for r in order.active_reservations():
        have[r.line_no] = have.get(r.line_no, 0) + r.quantity
    wanted = {ln.line_no: ln.quantity for ln in order.lines}
    release = {no: n - wanted.get(no, 0) for no, n in have.items() if n > wanted.get(no, 0)}
    needs = [(ln, ln.quantity - have.get(ln.line_no, 0)) for ln in order.lines
             if ln.quantity > have.get(ln.line_no, 0)]
    picks = _reserve_at_own_sites(uow, order, needs, now)
    if picks is None:
        return _reroute(uow, order, reason, now, actor, strategy, presale_lock)
    freed = order.adjust_reservations(release, picks, now, actor, f"edited: {reason}")
    uow.stock.release(order.tenant_id, freed, now)
    return "in_place"


def _reserve_at_own_sites(uow: UnitOfWork, order: Order,
                          needs: Sequence[tuple[OrderLine, int]], now: datetime
                          ) -> list[PlannedPick] | None:
    """Each added quantity reserved whole at one site the order already ships from (one
    holding the SKU for it first): the conditional stock update, all or none (None)."""
    if not needs:
        return []
    sites = sorted({s.warehouse for s in order.shipments if s.status.value == "planned"})
    if not sites:
        return None
    outer = uow.savepoint()
    picks: list[PlannedPick] = []
    for ln, qty in needs:
        holding = {r.warehouse for r in order.active_reservations() if r.sku == ln.sku}
        placed = False
        for site in sorted(sites, key=lambda s: (s not in holding, s)):
            inner = uow.savepoint()
            if uow.stock.reserve(order.tenant_id, {(ln.sku, site): qty}, now):
                inner.commit()
                picks.append(PlannedPick(ln.line_no, ln.sku, site, qty))
                placed = True
                break
            inner.rollback()
        if not placed:
            outer.rollback()
            return None
    outer.commit()
    return picks


def money_text(result: EditResult) -> str:
    """"to collect 12.00 CNY", "to refund 3.50 CNY" or "no change"."""
    d = result.money_difference
    if d == 0:
        return "no change"
    return f"{'to collect' if d > 0 else 'to refund'} {abs(d)} {result.order.currency}"

