"""Running a compensation saga: its steps in order, each exactly once.

    run(c, tenant, saga_id)     the steps left, from the first pending one
    resume_due(c, now)          the saga-resume job: running sagas whose next attempt is due
                                (a process died mid-way, or a failed step's backoff passed)

A database step (recall, reroute, notify) is one transaction: the saga's row lock, the
step's state checked under it (done already: skip), the step's effect, the step marked
done, one commit. So a crash before the commit leaves the step pending and its effect
undone; after it, both done: a resumed saga never repeats a done step (stock is released
once). The external step (void the waybills with the carriers) is claimed under the lock
first (a second runner seeing the claim leaves the saga to the first), called outside any
transaction, then marked done; voids are idempotent, so a claim that lapsed because its
runner died is simply called again. The re-route takes the tenant's network lock first, as
every pipeline transaction does (then the saga's and the order's rows).

A step that raises is recorded as a failed attempt with its error; after
`max_attempts` the saga needs a human (CompensationNeedsHuman on the order).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from orderhub.adapters.carriers.base import CarrierGateway
from orderhub.domain import events as ev
from orderhub.domain.allocation import AllocationStrategy
from orderhub.domain.lifecycle import TRANSITIONS, OrderStatus
from orderhub.domain.order import HoldCode, stock_quantities
from orderhub.domain.saga import (
    EXTERNAL,
    MAX_ATTEMPTS,
    AvoidingSites,
    HumanDecision,
    Saga,
    SagaState,
    StepName,
)
from orderhub.services.intake.pipeline import run_pipeline
from orderhub.services.orders import money as order_money
from orderhub.services.unit_of_work import UnitOfWork, UowFactory

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Compensator:
    """What running a saga needs: units of work, the carriers (voids), the router and the
    pre-sale lock (re-route), a clock."""

    make_uow: UowFactory
    gateway: CarrierGateway
    strategy: AllocationStrategy
    presale_lock: timedelta
    clock: Callable[[], datetime]
    max_attempts: int = MAX_ATTEMPTS


class _Next(Enum):
    GO_ON = "go_on"  # a step finished (by us or another runner): read the saga again
    STOP = "stop"  # failed, or another runner holds the step


def run(c: Compensator, tenant_id: str, saga_id: str) -> Saga:
    """Run the saga's pending steps in order; returns it as it was left (done, running
    after a failed attempt or while another runner works on it, or needs_human)."""
    while True:
        with c.make_uow() as uow:
            saga = uow.sagas.get(tenant_id, saga_id)
        step = saga.current()
        if saga.state != SagaState.RUNNING or step is None:
            return saga
        if step.name in EXTERNAL:
            outcome = _external(c, saga, step.name)
        else:
            try:
                outcome = _database(c, saga, step.name)
            except Exception as exc:  # the step's transaction rolled back: nothing of it
                log.warning("saga %s: step %s failed: %s", saga_id, step.name.value, exc)
                _fail(c, saga, step.name, exc)
                outcome = _Next.STOP
        if outcome is _Next.STOP:
            with c.make_uow() as uow:
                return uow.sagas.get(tenant_id, saga_id)


def resume_due(c: Compensator, now: datetime, limit: int = 100) -> int:
    """Run every running saga whose next attempt is due; returns how many were run."""
    with c.make_uow() as uow:
        due = uow.sagas.due(now, limit)
    for tenant_id, saga_id in due:
        try:
            run(c, tenant_id, saga_id)
        except Exception:
            log.exception("saga %s could not be resumed; tried again at the next turn",
                          saga_id)
    return len(due)


# ----- one step -----------------------------------------------------------------------------

def _locked(uow: UnitOfWork, saga: Saga, name: StepName) -> Saga | None:
    """The saga under its row lock if `name` is still its next step, else None."""
    fresh = uow.sagas.get(saga.tenant_id, saga.id, lock=True)
    step = fresh.current()
    if fresh.state != SagaState.RUNNING or step is None or step.name != name:
        return None
    return fresh


def _database(c: Compensator, saga: Saga, name: StepName) -> _Next:
    now = c.clock()
    with c.make_uow() as uow:
        if name == StepName.REROUTE:
            uow.network.lock_for_intake(saga.tenant_id)  # first: see NetworkRepository
        fresh = _locked(uow, saga, name)
        if fresh is None:
            return _Next.GO_ON  # another runner did it meanwhile
        DATABASE_STEPS[name](c, uow, fresh, now)
        fresh.complete(name, now)
        uow.sagas.save(fresh)
        uow.commit()
    return _Next.GO_ON


def _external(c: Compensator, saga: Saga, name: StepName) -> _Next:
    now = c.clock()
    with c.make_uow() as uow:
        fresh = _locked(uow, saga, name)
        if fresh is None:
            return _Next.GO_ON
        if fresh.claimed(name, now):
            return _Next.STOP  # another runner is calling the carriers for it
        fresh.claim(name, now)
        uow.sagas.save(fresh)
        uow.commit()
    voided = list(fresh.data.get("voided", []))
    try:
        for wb in fresh.waybills:
            if wb["waybill"] not in voided:
                c.gateway.void(wb["service"], wb["waybill"])
                voided.append(wb["waybill"])
    except Exception as exc:
        log.warning("saga %s: voiding waybills failed: %s", saga.id, exc)
        _fail(c, fresh, name, exc, {"voided": voided})
        return _Next.STOP
    with c.make_uow() as uow:
        again = _locked(uow, fresh, name)
        if again is None:
            return _Next.GO_ON
        again.data["voided"] = voided
        again.complete(name, c.clock())
        uow.sagas.save(again)
        uow.commit()
    return _Next.GO_ON


def _fail(c: Compensator, saga: Saga, name: StepName, exc: BaseException,
          data: dict[str, Any] | None = None) -> None:
    now = c.clock()
    error = str(exc) or type(exc).__name__
    with c.make_uow() as uow:
        fresh = _locked(uow, saga, name)
        if fresh is None:
            return
        fresh.data.update(data or {})
        # A step no retry can do needs a person at once.
        limit = (fresh.step(name).attempts + 1 if isinstance(exc, HumanDecision)
                 else c.max_attempts)
        fresh.fail(name, error, now, limit)
        if fresh.state == SagaState.NEEDS_HUMAN:
            order = uow.orders.get(fresh.tenant_id, fresh.order_id, lock=True)
            order.record_compensation(ev.CompensationNeedsHuman(
                tenant_id=fresh.tenant_id, occurred_at=now, actor=fresh.actor,
                reason=fresh.cause, saga_id=fresh.id, kind=fresh.kind.value,
                step=name.value, attempts=fresh.step(name).attempts, error=error[:500]))
        uow.sagas.save(fresh)
        uow.commit()


# ----- the database steps (inside the step's transaction) ----------------------------------

def _recall(c: Compensator, uow: UnitOfWork, saga: Saga, now: datetime) -> None:
    """Take the order back from its warehouse: its stock released (once: this commits with
    the step marked done), its shipments cancelled, held as release_rejected."""
    order = uow.orders.get(saga.tenant_id, saga.order_id, lock=True)
    if order.status == OrderStatus.CANCELLED:
        return  # cancelled meanwhile: its stock went back then
    freed = order.recall(saga.cause, now, saga.actor)  # Conflict once picked: a person
    uow.stock.release(saga.tenant_id, stock_quantities(freed), now)


def _reroute(c: Compensator, uow: UnitOfWork, saga: Saga, now: datetime) -> None:
    """Route the recalled order again, away from the site(s) that refused it; with no other
    site it stays held with the reasons the pipeline gives."""
    order = uow.orders.get(saga.tenant_id, saga.order_id, lock=True)
    if order.status != OrderStatus.ON_HOLD or not any(
            r.code == HoldCode.RELEASE_REJECTED for r in order.hold_reasons):
        return  # someone resumed, fixed or cancelled it meanwhile
    order.resume(now, saga.actor)
    uow.flush()  # the freed shipments leave the picking queues the router reads
    c.strategy.refresh()
    avoid = set(saga.data.get("warehouses", []))
    strategy = AvoidingSites(c.strategy, {order.id: avoid}) if avoid else c.strategy
    run_pipeline(uow, saga.tenant_id, [order], strategy, now, saga.actor, c.presale_lock)


def _cancel(c: Compensator, uow: UnitOfWork, saga: Saga, now: datetime) -> None:
    """Payment failed: cancel while the goods are still in the warehouse (stock released
    with the step); once they left, only a person can decide."""
    order = uow.orders.get(saga.tenant_id, saga.order_id, lock=True)
    if order.status == OrderStatus.CANCELLED:
        return
    if OrderStatus.CANCELLED not in TRANSITIONS[order.status]:
        raise HumanDecision(f"order {order.id} is {order.status.value}: the goods left the "
                            "warehouse; collect the payment another way, recall the parcel "
                            "or write it off")
    since = len(order.events)
    freed = order.cancel(saga.cause, now, saga.actor)
    uow.stock.release(saga.tenant_id, stock_quantities(freed), now)
    order_money.book(uow, order, order.events[since:], now=now, actor=saga.actor)


def _notify(c: Compensator, uow: UnitOfWork, saga: Saga, now: datetime) -> None:
    """OrderCompensated on the order: webhooks tell the channel what became of it."""
    order = uow.orders.get(saga.tenant_id, saga.order_id, lock=True)
    order.record_compensation(ev.OrderCompensated(
        tenant_id=saga.tenant_id, occurred_at=now, actor=saga.actor, reason=saga.cause,
        saga_id=saga.id, kind=saga.kind.value, steps=[s.name.value for s in saga.steps],
        voided_waybills=list(saga.data.get("voided", []))))


DATABASE_STEPS: dict[StepName, Callable[[Compensator, UnitOfWork, Saga, datetime], None]] = {
    StepName.RECALL: _recall,
    StepName.REROUTE: _reroute,
    StepName.NOTIFY: _notify,
    StepName.CANCEL: _cancel,
}
