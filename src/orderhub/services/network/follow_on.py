"""What follows a change of the network, inside the transaction that made it: orders the
change strands are re-routed (with their promise as the date to keep) or held, orders
already with a warehouse are flagged for a person, and orders held for what just got better
are routed again. One handler per event type; `services/handlers.py` lists which runs when.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from orderhub.domain import events as ev
from orderhub.domain.allocation import AllocationStrategy
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import HoldCode, HoldReason, Order, stock_quantities
from orderhub.domain.routing.lanes import province_key, region_of
from orderhub.domain.routing.network import BlockDirection, CarrierState
from orderhub.services.intake.pipeline import run_pipeline
from orderhub.services.network.reports import RerouteReport
from orderhub.services.unit_of_work import UnitOfWork

OPEN = (OrderStatus.RESERVED.value, OrderStatus.ALLOCATED.value)
WITH_WAREHOUSE = (OrderStatus.RELEASED.value, OrderStatus.PICKED.value,
                  OrderStatus.PACKED.value, OrderStatus.PARTIALLY_SHIPPED.value)
ROUTING_HOLDS = {HoldCode.NO_ROUTE, HoldCode.REGION_BLOCKED}
SITE_HOLDS = {HoldCode.NO_ROUTE, HoldCode.BACKORDER, HoldCode.NO_ACTIVE_WAREHOUSE,
              HoldCode.REROUTE}


@dataclass(frozen=True)
class FollowOn:
    """What a follow-on handler needs besides the unit of work and the event: the router,
    the pre-sale lock time, and the report it adds its orders to."""

    strategy: AllocationStrategy
    presale_lock: timedelta
    report: RerouteReport


# ----- the handlers (one per event type) -------------------------------------------------

def after_site_change(uow: UnitOfWork, e: ev.WarehouseStatusChanged, f: FollowOn) -> None:
    """Closed: its open orders go elsewhere. Reopened or grown: the orders held for want of
    a site are tried again. Shrunk: the newest open orders beyond what its queue can now
    hold go elsewhere."""
    if e.change == "closed":
        _warn_stranded(uow, e, f.report)
        orders = uow.orders.planned_at(e.tenant_id, warehouses=[e.warehouse],
                                       statuses=OPEN + WITH_WAREHOUSE)
        _move(uow, e, f, [oid for oid, _ in orders], f.report.cause)
    elif e.change in ("reopened", "capacity_up"):
        _retry_held(uow, e, f, SITE_HOLDS if e.change == "reopened" else ROUTING_HOLDS)
    reopened_smaller = e.change == "reopened" and e.queue_limit > 0 and (
        e.previous_queue_limit == 0 or e.queue_limit < e.previous_queue_limit)
    if e.change == "capacity_down" or reopened_smaller:
        site = uow.catalog.warehouse(e.tenant_id, e.warehouse)
        if site is None or not site.daily_capacity:
            return
        orders = uow.orders.planned_at(e.tenant_id, warehouses=[e.warehouse],
                                       statuses=OPEN + WITH_WAREHOUSE)
        overflow = len(orders) - site.daily_capacity * site.max_queue_days
        if overflow > 0:
            if reopened_smaller:  # one report for both halves of the change
                f.report.cause = (f"warehouse {e.warehouse} reopened, capacity cut to "
                                  f"{e.daily_capacity}/day: {e.reason}")
            newest_open = [oid for oid, status in orders if status in OPEN][-overflow:]
            _move(uow, e, f, newest_open, f.report.cause)


def after_carrier_change(uow: UnitOfWork, e: ev.CarrierStatusChanged, f: FollowOn) -> None:
    """Down: the open orders planned on it are routed again (often the same site, the next
    service); released ones already carry its labels and are flagged. Back from down: the
    orders held without a route are tried again."""
    if e.state == CarrierState.DOWN.value:
        orders = uow.orders.planned_at(e.tenant_id, service=e.carrier_service,
                                       statuses=OPEN + WITH_WAREHOUSE)
        _move(uow, e, f, [oid for oid, _ in orders], f.report.cause)
    elif e.previous_state == CarrierState.DOWN.value:
        _retry_held(uow, e, f, {HoldCode.NO_ROUTE})


def after_region_blocked(uow: UnitOfWork, e: ev.RegionBlocked, f: FollowOn) -> None:
    """Outbound: the region's sites stop shipping and their open orders go elsewhere.
    Inbound: open orders to it are held (stock released) until the block is lifted."""
    if e.direction != BlockDirection.INBOUND.value:
        sites = [w.code for w in uow.catalog.warehouses(e.tenant_id)
                 if w.active and (w.region == e.area or covers(e.area, w.province))]
        if sites:
            orders = uow.orders.planned_at(e.tenant_id, warehouses=sites,
                                           statuses=OPEN + WITH_WAREHOUSE)
            _move(uow, e, f, [oid for oid, _ in orders], f.report.cause)
    if e.direction != BlockDirection.OUTBOUND.value:
        to_area = [oid for oid, province in uow.orders.destinations(
            e.tenant_id, statuses=OPEN + WITH_WAREHOUSE) if covers(e.area, province)]
        hold = HoldReason(HoldCode.REGION_BLOCKED,
                          f"deliveries to {e.area} are blocked: {e.reason}")
        _move(uow, e, f, to_area, f.report.cause, hold=hold)


def after_region_unblocked(uow: UnitOfWork, e: ev.RegionUnblocked, f: FollowOn) -> None:
    """Outbound blocks leave orders held as no_route, inbound ones as region_blocked."""
    _retry_held(uow, e, f, ROUTING_HOLDS)


# ----- what they share -------------------------------------------------------------------

def covers(area: str, province: str) -> bool:
    key = province_key(province)
    return area in (key, region_of(key))


def _warn_stranded(uow: UnitOfWork, e: ev.WarehouseStatusChanged,
                   report: RerouteReport) -> None:
    """SKUs in stock only at the closed site: their orders will be held as backorders."""
    skus = uow.stock.skus_on_hand(e.tenant_id, e.warehouse)
    if not skus:
        return
    active = {w.code for w in uow.catalog.warehouses(e.tenant_id) if w.active}
    elsewhere: dict[str, int] = {}
    for (sku, wh), lv in uow.stock.levels(e.tenant_id, skus).items():
        if wh in active:
            elsewhere[sku] = elsewhere.get(sku, 0) + lv.atp
    stranded = sorted(s for s in skus if elsewhere.get(s, 0) == 0)
    if stranded:
        report.warnings.append(
            f"{len(stranded)} SKU(s) are now unavailable everywhere (only {e.warehouse} held "
            f"them); their orders are held as backorders: {', '.join(stranded[:20])}"
            + (" ..." if len(stranded) > 20 else ""))


def _move(uow: UnitOfWork, e: ev.Event, f: FollowOn, order_ids: Iterable[str], why: str,
          *, hold: HoldReason | None = None) -> None:
    """Re-route (or, with `hold`, hold) the open orders among `order_ids`; flag the ones
    already with a warehouse."""
    ids = sorted(set(order_ids))
    if not ids:
        return
    now, actor = e.occurred_at, e.actor
    moving: list[Order] = []
    before: dict[str, date | None] = {}
    for order in uow.orders.get_many(e.tenant_id, ids, lock=True):
        status = order.status.value
        if status in WITH_WAREHOUSE:
            if f.report.flag(order):  # once per event, however many of its parts touch it
                order.raise_exception(f"{why} after the order was released to its "
                                      "warehouse; recall, ship late or cancel", now, actor)
        elif status in OPEN:
            before[order.id] = order.promised_delivery
            freed = order.reroute(why, now, actor, hold=hold)
            uow.stock.release(e.tenant_id, stock_quantities(freed), now)
            if hold is not None:
                f.report.settle(order, before[order.id])
                continue
            order.resume(now, actor)
            moving.append(order)
        # any other status changed under us between the query and the row lock: skip it
    _route(uow, e.tenant_id, moving, f, now, actor)
    for order in moving:
        f.report.settle(order, before[order.id])


def _retry_held(uow: UnitOfWork, e: ev.Event, f: FollowOn, codes: set[HoldCode]) -> None:
    """Route again the orders held for one of `codes`: the network just got better. Those
    still unroutable stay held."""
    ids = uow.orders.held_for(e.tenant_id, {c.value for c in codes})
    if not ids:
        return
    orders = [x for x in uow.orders.get_many(e.tenant_id, ids, lock=True)
              if x.status == OrderStatus.ON_HOLD]
    for order in orders:
        f.report.note_held(order)  # its promise before the hold is the date to keep
        order.resume(e.occurred_at, e.actor)
    _route(uow, e.tenant_id, orders, f, e.occurred_at, e.actor)
    for order in orders:
        f.report.settle(order)


def _route(uow: UnitOfWork, tenant_id: str, orders: Sequence[Order], f: FollowOn,
           now: datetime, actor: str) -> None:
    uow.flush()  # the freed shipments leave the picking queues the router reads
    f.strategy.refresh()  # route against the state this transaction just wrote
    run_pipeline(uow, tenant_id, orders, f.strategy, now, actor, f.presale_lock)
