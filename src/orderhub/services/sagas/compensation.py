"""Starting a compensation saga in the transaction of the failure it repairs.

    reject_release(c, tenant, order, reason)     a warehouse refuses an order released to
                                                 it: saga release_rejected (recall, void,
                                                 re-route, notify), started and run
    start_booking_failed(uow, order, waybills)   at release, a shipment found no carrier
                                                 after others were booked: saga
                                                 booking_failed (void them, notify), in
                                                 the transaction that raises the exception
    after_cancel(uow, order, waybills)           an order with booked waybills was
                                                 cancelled (channel or person): saga
                                                 cancelled_after_release (void, notify), in
                                                 the cancelling transaction; the
                                                 saga-resume job runs it at its next turn
    after_recall(uow, order, waybills)           the exception desk recalled a released
                                                 order (recall_and_reroute, re-routed in
                                                 the same transaction): saga recalled
                                                 (void the old waybills, notify), due at
                                                 once
    payment_failed(c, tenant, order, reason)     capturing the payment failed: saga
                                                 payment_failed (cancel if the goods are
                                                 still in the warehouse, else a person;
                                                 void, notify), started and run

This module imports no runner at load time: intake (the channel's cancellation) starts
sagas through it without depending on what runs them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from orderhub.domain import events as ev
from orderhub.domain.errors import Conflict, FieldError, InvalidInput
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import Order, ShipmentStatus
from orderhub.domain.saga import Saga, SagaKind, waybills_of
from orderhub.services.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from orderhub.services.sagas.runner import Compensator


def _start(uow: UnitOfWork, order: Order, kind: SagaKind, cause: str, now: datetime,
           actor: str, data: dict[str, Any], run_at: datetime | None = None) -> Saga:
    saga = Saga.start(kind, tenant_id=order.tenant_id, order_id=order.id, cause=cause,
                      now=now, actor=actor, data=data, run_at=run_at)
    uow.sagas.add(saga)
    order.record_compensation(ev.CompensationStarted(
        tenant_id=order.tenant_id, occurred_at=now, actor=actor, reason=cause,
        saga_id=saga.id, kind=kind.value, steps=[s.name.value for s in saga.steps]))
    return saga


def reject_release(c: Compensator, tenant_id: str, order_id: str, reason: str, *,
                   actor: str, warehouse: str | None = None,
                   bound_to: frozenset[str] = frozenset(), run_now: bool = True) -> Saga:
    """The warehouse(s) refuse a released order: record it with a saga (one transaction),
    then run the saga. `warehouse`: the refusing site (default: every site the order was
    released to, or those of `bound_to`, a warehouse-bound caller's). A second rejection
    while the first saga runs returns that saga. `run_now=False`: stored only (the
    saga-resume job, or `run`, runs it)."""
    from orderhub.services.sagas.runner import run

    reason = reason.strip()
    if not reason:
        raise InvalidInput([FieldError("reason", "say why the warehouse refuses the order")])
    now = c.clock()
    with c.make_uow() as uow:
        order = uow.orders.get(tenant_id, order_id, lock=True)
        running = next(iter(uow.sagas.running_for(tenant_id, order_id,
                                                  [SagaKind.RELEASE_REJECTED])), None)
        if running is not None:
            saga = running
        else:
            if order.status != OrderStatus.RELEASED:
                raise Conflict(f"order {order_id} is {order.status.value}; a warehouse can "
                               "refuse only an order released to it and not yet picked")
            planned = [s for s in order.shipments if s.status == ShipmentStatus.PLANNED]
            sites = sorted({s.warehouse for s in planned})
            refusing = _refusing(sites, warehouse, bound_to)
            saga = _start(uow, order, SagaKind.RELEASE_REJECTED,
                          f"warehouse {', '.join(refusing)}: {reason}", now, actor,
                          {"warehouses": refusing,
                           "waybills": waybills_of(order, [s.id for s in planned])})
            uow.commit()
    return run(c, tenant_id, saga.id) if run_now else saga


def _refusing(sites: Sequence[str], warehouse: str | None,
              bound_to: frozenset[str]) -> list[str]:
    if warehouse:
        if warehouse not in sites or (bound_to and warehouse not in bound_to):
            raise InvalidInput([FieldError(
                "warehouse", f"the order is released to {', '.join(sites) or 'no site'}"
                + (f" (yours: {', '.join(sorted(bound_to))})" if bound_to else ""))])
        return [warehouse]
    mine = [s for s in sites if not bound_to or s in bound_to]
    return mine or list(sites)


def start_booking_failed(uow: UnitOfWork, order: Order, booked: Sequence[dict[str, str]],
                         cause: str, now: datetime, actor: str) -> Saga | None:
    """Waybills booked for a release that then failed: a saga that voids them (None when
    nothing was booked). Call inside the transaction that records the failure."""
    waybills = [dict(b) for b in booked if b.get("waybill")]
    if not waybills:
        return None
    return _start(uow, order, SagaKind.BOOKING_FAILED, cause, now, actor,
                  {"waybills": waybills})


def planned_waybills(order: Order) -> list[dict[str, str]]:
    """The waybills booked for shipments not dispatched yet (read before a cancellation)."""
    return waybills_of(order, [s.id for s in order.shipments
                               if s.status == ShipmentStatus.PLANNED])


def after_cancel(uow: UnitOfWork, order: Order, waybills: Sequence[dict[str, str]],
                 cause: str, now: datetime, actor: str) -> Saga | None:
    """An order was cancelled with waybills booked for it (released, not dispatched): a saga
    that voids them and tells the channel; due at once for the saga-resume job. None when
    nothing was booked."""
    if not waybills:
        return None
    return _start(uow, order, SagaKind.CANCELLED_AFTER_RELEASE, cause, now, actor,
                  {"waybills": [dict(w) for w in waybills]}, run_at=now)


def after_recall(uow: UnitOfWork, order: Order, waybills: Sequence[dict[str, str]],
                 cause: str, now: datetime, actor: str) -> Saga | None:
    """The desk took a released order back from its warehouse and planned it elsewhere (in
    the caller's transaction): a saga that voids the old waybills and tells the channel,
    due at once (the caller may run it after the commit; else the saga-resume job does).
    None when nothing was booked."""
    if not waybills:
        return None
    return _start(uow, order, SagaKind.RECALLED, cause, now, actor,
                  {"waybills": [dict(w) for w in waybills]}, run_at=now)


def payment_failed(c: Compensator, tenant_id: str, order_id: str, reason: str, *,
                   actor: str) -> Saga:
    """Capturing the payment failed: stop the goods if they are still in the warehouse
    (cancel, stock released, waybills voided), else leave the decision to a person; the
    channel is told either way. A second report while the first saga runs returns it."""
    from orderhub.services.sagas.runner import run

    reason = reason.strip()
    if not reason:
        raise InvalidInput([FieldError("reason", "say why the capture failed")])
    now = c.clock()
    with c.make_uow() as uow:
        order = uow.orders.get(tenant_id, order_id, lock=True)
        running = next(iter(uow.sagas.running_for(tenant_id, order_id,
                                                  [SagaKind.PAYMENT_FAILED])), None)
        if running is not None:
            saga = running
        else:
            if order.status in (OrderStatus.CANCELLED, OrderStatus.PAID):
                raise Conflict(f"order {order_id} is {order.status.value}: no payment to "
                               "capture")
            saga = _start(uow, order, SagaKind.PAYMENT_FAILED,
                          f"payment capture failed: {reason}", now, actor,
                          {"waybills": planned_waybills(order)})
            uow.commit()
    return run(c, tenant_id, saga.id)
