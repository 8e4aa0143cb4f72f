"""Moving one order through its lifecycle after allocation: release, pick, pack, ship,
deliver, invoice, pay; cancel; resume a held order; expire lapsed pre-sale locks."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from orderhub.domain.allocation import AllocationStrategy
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import Order, stock_quantities
from orderhub.services.bidding.auctions import ensure_decided
from orderhub.services.intake.pipeline import run_pipeline
from orderhub.services.orders import money
from orderhub.services.sagas import compensation
from orderhub.services.tracking import checkpoints as tracking
from orderhub.services.unit_of_work import UnitOfWork, UowFactory


def _load(uow: UnitOfWork, tenant_id: str, order_id: str) -> Order:
    return uow.orders.get(tenant_id, order_id, lock=True)


def advance_order(
    make_uow: UowFactory,
    tenant_id: str,
    order_id: str,
    target: OrderStatus,
    *,
    now: datetime,
    actor: str,
    reason: str = "",
) -> Order:
    with make_uow() as uow:
        order = _load(uow, tenant_id, order_id)
        if target == OrderStatus.RELEASED:
            ensure_decided(uow, tenant_id, order_id)  # offered for bids: award first
        local_today = (release_local_day(uow, tenant_id, order, now)
                       if target == OrderStatus.RELEASED else None)
        since = len(order.events)
        order.advance(target, now, actor, reason, local_today=local_today)
        money.book(uow, order, order.events[since:], now=now, actor=actor)  # invoiced, paid
        uow.commit()
        return order


def release_local_day(uow: UnitOfWork, tenant_id: str, order: Order,
                      now: datetime) -> date | None:
    """A pre-sale's release date is a calendar day where the goods ship from."""
    if order.presale_release is None:
        return None
    planned = [s.warehouse for s in order.shipments if s.status.value == "planned"]
    wh = uow.catalog.warehouse(tenant_id, planned[0]) if planned else None
    return now.astimezone(ZoneInfo(wh.timezone)).date() if wh is not None else None


def ship_order(
    make_uow: UowFactory,
    tenant_id: str,
    order_id: str,
    shipment_ids: list[str] | None,
    *,
    now: datetime,
    actor: str,
) -> Order:
    """Dispatch shipments; their reserved stock leaves on-hand in the same transaction."""
    with make_uow() as uow:
        order = _load(uow, tenant_id, order_id)
        since = len(order.events)
        committed = order.ship(shipment_ids, now, actor)
        uow.stock.commit_shipment(tenant_id, stock_quantities(committed), now, order.id, actor)
        # The shipped units' money is invoiced (docs/money.md), in this transaction.
        money.book(uow, order, order.events[since:], now=now, actor=actor)
        # The carrier may have reported delivery before the warehouse confirmed dispatch.
        tracking.deliver_reported(uow, tenant_id, order, now, actor)
        uow.commit()
        return order


def cancel_order(
    make_uow: UowFactory, tenant_id: str, order_id: str, reason: str, *, now: datetime, actor: str
) -> Order:
    with make_uow() as uow:
        order = _load(uow, tenant_id, order_id)
        cancel_loaded(uow, order, reason, now=now, actor=actor)
        uow.commit()
        return order


def cancel_loaded(uow: UnitOfWork, order: Order, reason: str, *, now: datetime,
                  actor: str) -> None:
    """Cancel a locked order in the caller's transaction; its reserved stock goes back and,
    cancelled after release, its booked waybills are voided by a saga."""
    booked = compensation.planned_waybills(order)
    since = len(order.events)
    released = order.cancel(reason, now, actor)
    uow.stock.release(order.tenant_id, stock_quantities(released), now)
    money.book(uow, order, order.events[since:], now=now, actor=actor)  # not to capture
    compensation.after_cancel(uow, order, booked, reason or "order cancelled", now, actor)


def resume_order(
    make_uow: UowFactory,
    tenant_id: str,
    order_id: str,
    *,
    now: datetime,
    actor: str,
    strategy: AllocationStrategy,
    presale_lock: timedelta,
) -> Order:
    """Re-run validation, allocation and reservation for a held order (after stock arrived,
    a SKU was added, ...). If it still cannot be served it stays held with fresh reasons."""
    with make_uow() as uow:
        uow.network.lock_for_intake(tenant_id)  # first: see NetworkRepository
        order = _load(uow, tenant_id, order_id)
        order.resume(now, actor)
        run_pipeline(uow, tenant_id, [order], strategy, now, actor, presale_lock)
        uow.commit()
        return order


def expire_reservations(make_uow: UowFactory, *, now: datetime, limit: int = 1000,
                        tenant_id: str | None = None) -> int:
    """Release every pre-sale lock that lapsed before the order was released to a warehouse
    (of one tenant, or of all for the background sweeper). Returns the number of orders
    affected. Safe to run from several sweepers at once: each order is re-checked under its
    row lock."""
    with make_uow() as uow:
        rows = uow.orders.lapsed_reservations(now, limit, tenant_id=tenant_id)
        if not rows:
            return 0
        affected = 0
        by_tenant: dict[str, list[str]] = {}
        for oid, tid in rows:
            by_tenant.setdefault(tid, []).append(oid)
        for tid, ids in by_tenant.items():
            for order in uow.orders.get_many(tid, ids, lock=True):
                released = order.expire_reservations(now)
                if released:
                    uow.stock.release(tid, stock_quantities(released), now)
                    affected += 1
        uow.commit()
        return affected
