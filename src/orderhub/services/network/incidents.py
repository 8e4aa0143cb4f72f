"""Live network events: a warehouse closes or loses capacity, a carrier service goes down or
slows, a region is blocked. Each is one transaction: the change, its event, and the
consequences. Orders allocated but not yet released are re-routed at once (with their
previous promise as the date to keep); orders already released are flagged for a person;
orders that cannot be delivered at all are held with the reason. When the network gets
better again (a site reopens, a carrier is back, a block is lifted) the orders held for it
are routed again. Each event answers with a `RerouteReport`: one outcome per order it
looked at.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update

from orderhub.adapters.db import tables as t
from orderhub.domain import events as ev
from orderhub.domain.allocation import AllocationStrategy
from orderhub.domain.errors import Conflict, FieldError, InvalidInput, NotFound
from orderhub.domain.inventory import Warehouse
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import HoldCode, HoldReason, Order, stock_quantities
from orderhub.domain.routing.lanes import PROVINCE_REGION, REGIONS, province_key, region_of
from orderhub.domain.routing.network import BlockDirection, CarrierState
from orderhub.services.intake.pipeline import run_pipeline
from orderhub.services.network import carriers
from orderhub.services.unit_of_work import UnitOfWork, UowFactory

OPEN = (OrderStatus.RESERVED.value, OrderStatus.ALLOCATED.value)
WITH_WAREHOUSE = (OrderStatus.RELEASED.value, OrderStatus.PICKED.value,
                  OrderStatus.PACKED.value, OrderStatus.PARTIALLY_SHIPPED.value)


class Outcome(StrEnum):
    """What a network event did to one order it looked at: exactly one per order, so the
    counts of a report are disjoint and add up to the orders looked at."""

    PROMISE_KEPT = "promise_kept"  # (re-)routed; promised date unchanged or earlier
    PROMISE_LATER = "promise_later"  # (re-)routed; promised later than before (or no date)
    FIRST_PROMISE = "first_promise"  # routed after a hold that came before any promise
    HELD = "held"  # open before the event, on hold after it (its stock released)
    STILL_HELD = "still_held"  # on hold before, tried again, still on hold
    FLAGGED = "flagged"  # already released to its warehouse: an exception for a person


ROUTED = (Outcome.PROMISE_KEPT, Outcome.PROMISE_LATER, Outcome.FIRST_PROMISE)


@dataclass
class OrderOutcome:
    """One order in a report: where it ended up, against how the event first found it."""

    outcome: Outcome
    held_before: bool  # on hold when the event first looked at it
    promised_before: date | None  # the date promised before the event
    promised: date | None = None  # the date promised now (routed orders)
    sites: list[str] = field(default_factory=list)  # where it is planned now (routed orders)


@dataclass
class RerouteReport:
    """What a network event did to the orders it looked at. An order the event touches
    twice (re-routed, then held by the inbound half of a block) counts once, by where it
    ended up, and its promise is compared with the one it had before the event."""

    cause: str
    warehouse: str = ""
    orders: dict[str, OrderOutcome] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def settle(self, order: Order, promised_before: date | None = None) -> None:
        """Record an order the event routed or held; `promised_before` is its date before
        this step, for an order the event had not looked at yet."""
        seen = self.orders.get(order.id)
        held_before = seen.held_before if seen else False
        before = seen.promised_before if seen else promised_before
        if order.status != OrderStatus.ALLOCATED:
            outcome = Outcome.STILL_HELD if held_before else Outcome.HELD
            self.orders[order.id] = OrderOutcome(outcome, held_before, before)
            return
        now = order.promised_delivery
        if before is None:
            outcome = Outcome.FIRST_PROMISE
        elif now is not None and now <= before:
            outcome = Outcome.PROMISE_KEPT
        else:
            outcome = Outcome.PROMISE_LATER
        sites = sorted({sh.warehouse for sh in order.shipments if sh.status.value == "planned"})
        self.orders[order.id] = OrderOutcome(outcome, held_before, before, now, sites)

    def note_held(self, order: Order) -> None:
        """An order on hold the event is about to try again."""
        if order.id not in self.orders:
            self.orders[order.id] = OrderOutcome(Outcome.STILL_HELD, True,
                                                 order.promised_delivery)

    def flag(self, order: Order) -> bool:
        """An order already with its warehouse; False if this event flagged it already."""
        seen = self.orders.get(order.id)
        if seen is not None and seen.outcome == Outcome.FLAGGED:
            return False
        self.orders[order.id] = OrderOutcome(Outcome.FLAGGED, False, order.promised_delivery,
                                             order.promised_delivery)
        return True

    def ids(self, *outcomes: Outcome) -> list[str]:
        return sorted(oid for oid, o in self.orders.items() if o.outcome in outcomes)

    @property
    def looked_at(self) -> int:
        return len(self.orders)

    def counts(self) -> dict[str, int]:
        """Orders per outcome, every outcome named (0 included)."""
        counts = dict.fromkeys((o.value for o in Outcome), 0)
        for o in self.orders.values():
            counts[o.outcome.value] += 1
        return counts

    @property
    def rerouted(self) -> dict[str, list[str]]:
        """Order -> its sites now, for every order (re-)routed."""
        return {oid: self.orders[oid].sites for oid in self.ids(*ROUTED)}

    @property
    def held(self) -> list[str]:
        """Orders this event put on hold (not those that stayed held)."""
        return self.ids(Outcome.HELD)

    @property
    def still_held(self) -> list[str]:
        return self.ids(Outcome.STILL_HELD)

    @property
    def flagged(self) -> list[str]:
        return self.ids(Outcome.FLAGGED)

    @property
    def promises_kept(self) -> int:
        return len(self.ids(Outcome.PROMISE_KEPT))

    @property
    def promises_later(self) -> dict[str, str]:
        """Order -> its later promised date."""
        return {oid: promised.isoformat() for oid in self.ids(Outcome.PROMISE_LATER)
                if (promised := self.orders[oid].promised) is not None}

    def as_dict(self) -> dict[str, Any]:
        """The full report as JSON-ready data (the API's and `--json`'s answer)."""
        def day(d: date | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "cause": self.cause, "warehouse": self.warehouse, "looked_at": self.looked_at,
            "counts": self.counts(), "rerouted": self.rerouted, "held": self.held,
            "still_held": self.still_held, "flagged": self.flagged,
            "promises_kept": self.promises_kept, "promises_later": self.promises_later,
            "orders": [{"order_id": oid, "outcome": o.outcome.value, "sites": o.sites,
                        "promised_before": day(o.promised_before),
                        "promised": day(o.promised)}
                       for oid, o in sorted(self.orders.items())],
            "warnings": list(self.warnings)}


@dataclass(frozen=True)
class Ops:
    """What every network event needs from the caller."""

    make_uow: UowFactory
    tenant_id: str
    actor: str
    now: datetime
    strategy: AllocationStrategy
    presale_lock: timedelta


def _planned_at(uow: UnitOfWork, tenant_id: str, *, warehouses: Sequence[str] = (),
                service: str = "") -> list[tuple[str, str]]:
    """(order id, status) of open or released orders with a planned shipment at one of
    `warehouses` or on carrier `service`."""
    s, o = t.shipments.c, t.orders.c
    q = (select(o.id, o.status).distinct().join(t.shipments, s.order_id == o.id)
         .where(o.tenant_id == tenant_id, s.status == "planned",
                o.status.in_(OPEN + WITH_WAREHOUSE)))
    q = q.where(s.warehouse.in_(warehouses)) if warehouses else q.where(
        s.carrier_service == service)
    return [(oid, st) for oid, st in uow.conn.execute(q.order_by(o.id))]


def _move(uow: UnitOfWork, ops: Ops, order_ids: Iterable[str], why: str,
          report: RerouteReport, *, hold: HoldReason | None = None) -> None:
    """Re-route (or, with `hold`, hold) the open orders among `order_ids`; flag the ones
    already with a warehouse. Runs inside the caller's transaction."""
    ids = sorted(set(order_ids))
    if not ids:
        return
    orders = uow.orders.get_many(ops.tenant_id, ids, lock=True)
    moving: list[Order] = []
    before: dict[str, date | None] = {}
    for order in orders:
        status = order.status.value
        if status in WITH_WAREHOUSE:
            if report.flag(order):  # once per event, however many of its parts touch it
                order.raise_exception(f"{why} after the order was released to its "
                                      "warehouse; recall, ship late or cancel", ops.now,
                                      ops.actor)
        elif status in OPEN:
            before[order.id] = order.promised_delivery
            if hold is not None:
                freed = order.reroute(why, ops.now, ops.actor, hold=hold)
                uow.stock.release(ops.tenant_id, stock_quantities(freed), ops.now)
                report.settle(order, before[order.id])
                continue
            freed = order.reroute(why, ops.now, ops.actor)
            uow.stock.release(ops.tenant_id, stock_quantities(freed), ops.now)
            order.resume(ops.now, ops.actor)
            moving.append(order)
        # any other status changed under us between the query and the row lock: skip it
    uow.flush()  # the freed shipments leave the picking queues the router reads
    ops.strategy.refresh()  # route against the state this transaction just wrote
    run_pipeline(uow, ops.tenant_id, moving, ops.strategy, ops.now, ops.actor,
                 ops.presale_lock)
    for order in moving:
        report.settle(order, before[order.id])


def _retry_held(uow: UnitOfWork, ops: Ops, codes: set[HoldCode],
                report: RerouteReport) -> None:
    """Route again the orders held for one of `codes`: the network just got better (a
    block lifted, a site reopened, a carrier back). Those still unroutable stay held."""
    o = t.orders.c
    held = uow.conn.execute(select(o.id, o.hold_reasons).where(
        o.tenant_id == ops.tenant_id, o.status == OrderStatus.ON_HOLD.value)).all()
    wanted = {c.value for c in codes}
    ids = [oid for oid, reasons in held
           if any(r.get("code") in wanted for r in reasons or [])]
    if not ids:
        return
    orders = [x for x in uow.orders.get_many(ops.tenant_id, ids, lock=True)
              if x.status == OrderStatus.ON_HOLD]
    for order in orders:
        report.note_held(order)  # its promise before the hold is the date to keep
        order.resume(ops.now, ops.actor)
    uow.flush()
    ops.strategy.refresh()
    run_pipeline(uow, ops.tenant_id, orders, ops.strategy, ops.now, ops.actor,
                 ops.presale_lock)
    for order in orders:
        report.settle(order)


ROUTING_HOLDS = {HoldCode.NO_ROUTE, HoldCode.REGION_BLOCKED}
SITE_HOLDS = {HoldCode.NO_ROUTE, HoldCode.BACKORDER, HoldCode.NO_ACTIVE_WAREHOUSE,
              HoldCode.REROUTE}


def _commit(uow: UnitOfWork, ops: Ops) -> None:
    try:
        uow.commit()
    finally:
        ops.strategy.refresh()  # drop what was read inside the transaction either way


# ----- warehouses ---------------------------------------------------------------------------

def _stranded(uow: UnitOfWork, tenant_id: str, code: str) -> list[str]:
    """SKUs in stock at `code` that no other active site can promise any of."""
    si = t.stock_items.c
    skus = [s for (s,) in uow.conn.execute(select(si.sku).where(
        si.tenant_id == tenant_id, si.warehouse == code, si.on_hand > 0))]
    if not skus:
        return []
    active = {w.code for w in uow.catalog.warehouses(tenant_id) if w.active and w.code != code}
    elsewhere: dict[str, int] = {}
    for (sku, wh), lv in uow.stock.levels(tenant_id, skus).items():
        if wh in active:
            elsewhere[sku] = elsewhere.get(sku, 0) + lv.atp
    return sorted(s for s in skus if elsewhere.get(s, 0) == 0)


def _warehouse_event(uow: UnitOfWork, ops: Ops, before: Warehouse, after: Warehouse,
                     reason: str) -> None:
    uow.record(ev.WarehouseStatusChanged(
        tenant_id=ops.tenant_id, occurred_at=ops.now, actor=ops.actor, reason=reason,
        warehouse=after.code, active=after.active, daily_capacity=after.daily_capacity,
        previous_capacity=before.daily_capacity))


def close_warehouse(make_uow: UowFactory, tenant_id: str, code: str, *, reason: str,
                    actor: str, now: datetime, strategy: AllocationStrategy,
                    presale_lock: timedelta) -> RerouteReport:
    """Deactivate the warehouse and move its open work elsewhere."""
    ops = Ops(make_uow, tenant_id, actor, now, strategy, presale_lock)
    report = RerouteReport(f"warehouse {code} closed: {reason}", code)
    with make_uow() as uow:
        uow.network.bump(tenant_id)  # waits for intakes in flight; see network_repository
        warehouse = uow.catalog.warehouse(tenant_id, code)
        if warehouse is None:
            raise NotFound(f"warehouse '{code}' not found")
        if not warehouse.active:
            return report  # already closed: its orders were handled then
        closed = replace(warehouse, active=False)
        uow.catalog.update_warehouse(closed)
        _warehouse_event(uow, ops, warehouse, closed, reason)
        stranded = _stranded(uow, tenant_id, code)
        if stranded:
            report.warnings.append(
                f"{len(stranded)} SKU(s) are now unavailable everywhere (only {code} held "
                f"them); their orders are held as backorders: {', '.join(stranded[:20])}"
                + (" ..." if len(stranded) > 20 else ""))
        rows = _planned_at(uow, tenant_id, warehouses=[code])
        _move(uow, ops, [oid for oid, _ in rows], report.cause, report)
        _commit(uow, ops)
    return report


def update_warehouse(make_uow: UowFactory, tenant_id: str, code: str,
                     changes: dict[str, Any], *, reason: str, actor: str, now: datetime,
                     strategy: AllocationStrategy, presale_lock: timedelta
                     ) -> tuple[Warehouse, RerouteReport | None]:
    """Apply an operator's changes. Closing re-routes its open orders; cutting capacity
    re-routes the newest open orders beyond what its queue can now hold."""
    ops = Ops(make_uow, tenant_id, actor, now, strategy, presale_lock)
    closing = changes.get("active") is False
    with make_uow() as uow:
        uow.network.bump(tenant_id)  # waits for intakes in flight; see network_repository
        current = uow.catalog.warehouse(tenant_id, code)
        if current is None:
            raise NotFound(f"warehouse '{code}' not found")
        updated = replace(current, **{k: v for k, v in changes.items() if k != "active"})
        if changes.get("active") is True:
            updated = replace(updated, active=True)
        uow.catalog.update_warehouse(updated)
        report: RerouteReport | None = None
        why = reason or "changed by an operator"
        if (updated.active != current.active
                or updated.daily_capacity != current.daily_capacity) and not closing:
            _warehouse_event(uow, ops, current, updated, why)
        limit = updated.daily_capacity * updated.max_queue_days
        shrunk = bool(updated.daily_capacity) and (
            current.daily_capacity == 0
            or limit < current.daily_capacity * current.max_queue_days)
        grown = current.daily_capacity > 0 and (
            updated.daily_capacity == 0
            or limit > current.daily_capacity * current.max_queue_days)
        if updated.active and (not current.active or grown):
            report = RerouteReport(f"warehouse {code} "
                                   f"{'reopened' if not current.active else 'has more capacity'}"
                                   f": {why}", code)
            _retry_held(uow, ops, SITE_HOLDS if not current.active else ROUTING_HOLDS, report)
        if not closing and updated.active and shrunk:
            rows = _planned_at(uow, tenant_id, warehouses=[code])
            overflow = len(rows) - limit
            if overflow > 0:
                cut = f"capacity cut to {updated.daily_capacity}/day"
                if report is None:
                    report = RerouteReport(f"warehouse {code} {cut}: {why}", code)
                else:  # reopened with less capacity: one report for both
                    report.cause = f"warehouse {code} reopened, {cut}: {why}"
                newest_open = [oid for oid, st in rows if st in OPEN][-overflow:]
                _move(uow, ops, newest_open, report.cause, report)
        _commit(uow, ops)
    if closing and current.active:
        report = close_warehouse(make_uow, tenant_id, code, reason=why, actor=actor, now=now,
                                 strategy=strategy, presale_lock=presale_lock)
        updated = replace(updated, active=False)
    return updated, report


# ----- carriers -----------------------------------------------------------------------------

def set_carrier_state(make_uow: UowFactory, tenant_id: str, code: str, state: CarrierState,
                      *, delay_days: int = 0, reason: str, actor: str, now: datetime,
                      strategy: AllocationStrategy, presale_lock: timedelta
                      ) -> tuple[dict[str, Any], RerouteReport | None]:
    """Mark a carrier service up, degraded (slower by `delay_days`) or down. Down: the open
    orders planned on it are re-routed at once (often the same site, the next service)."""
    if not reason.strip():
        raise InvalidInput([FieldError("reason", "say why (timeouts, strike, weather, ...)")])
    if state == CarrierState.DEGRADED and delay_days < 1:
        raise InvalidInput([FieldError("delay_days", "a degraded service is slower by at "
                                       "least 1 day")])
    ops = Ops(make_uow, tenant_id, actor, now, strategy, presale_lock)
    report = None
    with make_uow() as uow:
        uow.network.bump(tenant_id)  # waits for intakes in flight; see network_repository
        carriers.seed_carriers(uow.conn, tenant_id, now)
        before = next((s for s in carriers.load_services(uow.conn, tenant_id)
                       if s.code == code), None)
        c = t.carrier_services.c
        result = uow.conn.execute(update(t.carrier_services).where(
            c.tenant_id == tenant_id, c.code == code).values(
            healthy=state != CarrierState.DOWN,
            delay_days=delay_days if state == CarrierState.DEGRADED else 0,
            note=reason, updated_at=now))
        if result.rowcount != 1:
            known = ", ".join(s.code for s in carriers.load_services(uow.conn, tenant_id))
            raise NotFound(f"carrier service '{code}' not found; known: {known}")
        uow.record(ev.CarrierStatusChanged(
            tenant_id=tenant_id, occurred_at=now, actor=actor, reason=reason,
            carrier_service=code, healthy=state != CarrierState.DOWN, state=state.value,
            delay_days=delay_days if state == CarrierState.DEGRADED else 0))
        if state == CarrierState.DOWN:
            report = RerouteReport(f"carrier service {code} down: {reason}")
            rows = _planned_at(uow, tenant_id, service=code)
            # Released orders already have labels with this carrier: a person decides.
            _move(uow, ops, [oid for oid, _ in rows], report.cause, report)
        elif before is not None and not before.healthy:
            report = RerouteReport(f"carrier service {code} {state.value} again: {reason}")
            _retry_held(uow, ops, {HoldCode.NO_ROUTE}, report)
        _commit(uow, ops)
        view = carriers.carrier_view_of(uow.conn, tenant_id, code)
    return view, report


# ----- region blocks ------------------------------------------------------------------------

def _area(area: str) -> str:
    key = province_key(area)
    if key not in REGIONS and key not in PROVINCE_REGION:
        raise InvalidInput([FieldError("area", f"unknown province or region '{area}'; regions: "
                                       f"{', '.join(REGIONS)}; or a province such as 福建")])
    return key


def _covers(area: str, province: str) -> bool:
    key = province_key(province)
    return area in (key, region_of(key))


def block_view(row: Any) -> dict[str, Any]:
    return {"id": row["id"], "area": row["area"], "direction": row["direction"],
            "reason": row["reason"], "active": row["active"], "created_by": row["created_by"],
            "created_at": row["created_at"], "lifted_by": row["lifted_by"],
            "lifted_at": row["lifted_at"]}


def block_region(make_uow: UowFactory, tenant_id: str, area: str, direction: BlockDirection,
                 *, reason: str, actor: str, now: datetime, strategy: AllocationStrategy,
                 presale_lock: timedelta) -> tuple[dict[str, Any], RerouteReport]:
    """Block a province or lane region. Outbound: its sites stop shipping and their open
    orders are re-routed. Inbound: open orders to it are held (stock released) until the
    block is lifted. Released orders affected either way are flagged."""
    key = _area(area)
    if not reason.strip():
        raise InvalidInput([FieldError("reason", "say why (storm, road closure, ...)")])
    ops = Ops(make_uow, tenant_id, actor, now, strategy, presale_lock)
    report = RerouteReport(f"{key} blocked ({direction.value}): {reason}")
    b = t.region_blocks.c
    with make_uow() as uow:
        uow.network.bump(tenant_id)  # waits for intakes in flight; see network_repository
        dup = uow.conn.execute(select(b.id).where(
            b.tenant_id == tenant_id, b.area == key, b.direction == direction.value,
            b.active.is_(True))).first()
        if dup is not None:
            raise Conflict(f"{key} is already blocked ({direction.value}) as block {dup[0]}; "
                           "lift it first to change it")
        block_id = uow.conn.execute(t.region_blocks.insert().values(
            tenant_id=tenant_id, area=key, direction=direction.value, reason=reason,
            active=True, created_by=actor, created_at=now).returning(b.id)).scalar_one()
        uow.record(ev.RegionBlocked(tenant_id=tenant_id, occurred_at=now, actor=actor,
                                    reason=reason, block_id=block_id, area=key,
                                    direction=direction.value))
        if direction != BlockDirection.INBOUND:
            sites = [w.code for w in uow.catalog.warehouses(tenant_id)
                     if w.active and (w.region == key or _covers(key, w.province))]
            if sites:
                rows = _planned_at(uow, tenant_id, warehouses=sites)
                _move(uow, ops, [oid for oid, _ in rows], report.cause, report)
        if direction != BlockDirection.OUTBOUND:
            o = t.orders.c
            dest = uow.conn.execute(select(o.id, o.status, o.shipping_address).where(
                o.tenant_id == tenant_id, o.status.in_(OPEN + WITH_WAREHOUSE))).all()
            to_area = [oid for oid, _, addr in dest
                       if _covers(key, (addr or {}).get("province", ""))]
            hold = HoldReason(HoldCode.REGION_BLOCKED,
                              f"deliveries to {key} are blocked: {reason}")
            _move(uow, ops, to_area, report.cause, report, hold=hold)
        _commit(uow, ops)
        row = uow.conn.execute(select(t.region_blocks).where(b.id == block_id)).mappings().one()
        return block_view(row), report


def lift_block(make_uow: UowFactory, tenant_id: str, block_id: int, *, reason: str,
               actor: str, now: datetime, strategy: AllocationStrategy,
               presale_lock: timedelta) -> tuple[dict[str, Any], RerouteReport]:
    """Lift a block; orders held because of it go back through routing at once."""
    ops = Ops(make_uow, tenant_id, actor, now, strategy, presale_lock)
    b = t.region_blocks.c
    with make_uow() as uow:
        uow.network.bump(tenant_id)  # waits for intakes in flight; see network_repository
        row = uow.conn.execute(select(t.region_blocks).where(
            b.tenant_id == tenant_id, b.id == block_id)).mappings().first()
        if row is None:
            raise NotFound(f"region block {block_id} not found")
        report = RerouteReport(f"block {block_id} on {row['area']} lifted: {reason}")
        if not row["active"]:
            return block_view(row), report
        uow.conn.execute(update(t.region_blocks).where(b.id == block_id).values(
            active=False, lifted_by=actor, lifted_at=now))
        uow.record(ev.RegionUnblocked(tenant_id=tenant_id, occurred_at=now, actor=actor,
                                      reason=reason, block_id=block_id, area=row["area"],
                                      direction=row["direction"]))
        # Outbound blocks leave orders held as no_route, inbound ones as region_blocked.
        _retry_held(uow, ops, ROUTING_HOLDS, report)
        _commit(uow, ops)
        row = uow.conn.execute(select(t.region_blocks).where(b.id == block_id)).mappings().one()
        return block_view(row), report


def list_blocks(make_uow: UowFactory, tenant_id: str, *, active_only: bool = True
                ) -> list[dict[str, Any]]:
    b = t.region_blocks.c
    with make_uow() as uow:
        q = select(t.region_blocks).where(b.tenant_id == tenant_id)
        if active_only:
            q = q.where(b.active.is_(True))
        return [block_view(r) for r in uow.conn.execute(q.order_by(b.id)).mappings()]

