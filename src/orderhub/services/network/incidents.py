"""Live network changes: a warehouse closes, reopens or changes capacity, a carrier service
goes down, slows or comes back, a region is blocked or unblocked. Each is one transaction:
the change, its event, and the follow-on work `services/handlers.py` lists for that event
(`network/follow_on.py`: re-route what the change strands, hold what cannot be delivered,
flag what is already with a warehouse, route again what was held for what just got
better). Each answers with a `RerouteReport` (`network/reports.py`): one outcome per order.

Each change is also audited in its transaction (services/audit.py: the actor, what changed
before and after, the reason).

Every change first takes the tenant's network lock (`uow.network.bump`): it waits for the
intakes in flight, and intakes wait for it, so no order commits against the old network.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from orderhub.domain import events as ev
from orderhub.domain.allocation import AllocationStrategy
from orderhub.domain.errors import Conflict, FieldError, InvalidInput, NotFound
from orderhub.domain.inventory import Warehouse
from orderhub.domain.routing.lanes import PROVINCE_REGION, REGIONS, province_key
from orderhub.domain.routing.network import BlockDirection, CarrierState
from orderhub.services import audit, handlers
from orderhub.services.catalog import warehouse_detail
from orderhub.services.network import carriers
from orderhub.services.network.follow_on import FollowOn
from orderhub.services.network.reports import OrderOutcome, Outcome, RerouteReport
from orderhub.services.unit_of_work import UnitOfWork, UowFactory

__all__ = ["OrderOutcome", "Outcome", "RerouteReport", "block_region", "close_warehouse",
           "lift_block", "list_blocks", "set_carrier_state", "update_warehouse"]


def _commit(uow: UnitOfWork, strategy: AllocationStrategy) -> None:
    try:
        uow.commit()
    finally:
        strategy.refresh()  # drop what was read inside the transaction either way


# ----- warehouses ---------------------------------------------------------------------------

def _site_change(before: Warehouse, after: Warehouse) -> str:
    """What changed for routing: closed, reopened, its queue holds less or more."""
    if before.active and not after.active:
        return "closed"
    if after.active and not before.active:
        return "reopened"
    limit, old = _limit(after), _limit(before)
    if after.daily_capacity and (before.daily_capacity == 0 or limit < old):
        return "capacity_down"
    if before.daily_capacity > 0 and (after.daily_capacity == 0 or limit > old):
        return "capacity_up"
    return "updated"


def _site_event(tenant_id: str, actor: str, now: datetime, before: Warehouse,
                after: Warehouse, reason: str) -> ev.WarehouseStatusChanged:
    return ev.WarehouseStatusChanged(
        tenant_id=tenant_id, occurred_at=now, actor=actor, reason=reason,
        warehouse=after.code, active=after.active, daily_capacity=after.daily_capacity,
        previous_capacity=before.daily_capacity, change=_site_change(before, after),
        queue_limit=_limit(after), previous_queue_limit=_limit(before))


def _limit(w: Warehouse) -> int:
    return w.daily_capacity * w.max_queue_days


def close_warehouse(make_uow: UowFactory, tenant_id: str, code: str, *, reason: str,
                    actor: str, now: datetime, strategy: AllocationStrategy,
                    presale_lock: timedelta) -> RerouteReport:
    """Deactivate the warehouse and move its open work elsewhere."""
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
        audit.note(uow, tenant_id, now, actor, "warehouse_change", f"warehouse/{code}",
                   {"change": "closed", "reason": reason,
                    "fields": {"active": {"before": True, "after": False}}})
        handlers.handle(uow, _site_event(tenant_id, actor, now, warehouse, closed, reason),
                        FollowOn(strategy, presale_lock, report))
        _commit(uow, strategy)
    return report


def update_warehouse(make_uow: UowFactory, tenant_id: str, code: str,
                     changes: dict[str, Any], *, reason: str, actor: str, now: datetime,
                     strategy: AllocationStrategy, presale_lock: timedelta
                     ) -> tuple[Warehouse, RerouteReport | None]:
    """Apply an operator's changes. Closing re-routes its open orders; cutting capacity
    re-routes the newest open orders beyond what its queue can now hold; reopening or
    more capacity routes again the orders held for want of a site."""
    closing = changes.get("active") is False
    why = reason or "changed by an operator"
    report: RerouteReport | None = None
    with make_uow() as uow:
        uow.network.bump(tenant_id)  # waits for intakes in flight; see network_repository
        current = uow.catalog.warehouse(tenant_id, code)
        if current is None:
            raise NotFound(f"warehouse '{code}' not found")
        updated = replace(current, **{k: v for k, v in changes.items() if k != "active"})
        if changes.get("active") is True:
            updated = replace(updated, active=True)
        uow.catalog.update_warehouse(updated)
        fields = audit.changed(warehouse_detail(current), warehouse_detail(updated))
        if fields:
            audit.note(uow, tenant_id, now, actor, "warehouse_change", f"warehouse/{code}",
                       {"change": _site_change(current, updated), "reason": why,
                        "fields": fields})
        if (updated.active != current.active or updated.daily_capacity != current.daily_capacity
                or _limit(updated) != _limit(current)) and not closing:
            event = _site_event(tenant_id, actor, now, current, updated, why)
            done = RerouteReport(_cause(code, event, why), code)
            handlers.handle(uow, event, FollowOn(strategy, presale_lock, done))
            # A cut the queue still fits, or a change routing does not feel: no report.
            if event.change in ("reopened", "capacity_up") or done.orders:
                report = done
        _commit(uow, strategy)
    if closing and current.active:
        report = close_warehouse(make_uow, tenant_id, code, reason=why, actor=actor, now=now,
                                 strategy=strategy, presale_lock=presale_lock)
        updated = replace(updated, active=False)
    return updated, report


def _cause(code: str, e: ev.WarehouseStatusChanged, why: str) -> str:
    if e.change == "reopened":
        return f"warehouse {code} reopened: {why}"
    if e.change == "capacity_up":
        return f"warehouse {code} has more capacity: {why}"
    return f"warehouse {code} capacity cut to {e.daily_capacity}/day: {why}"


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
    delay = delay_days if state == CarrierState.DEGRADED else 0
    with make_uow() as uow:
        uow.network.bump(tenant_id)  # waits for intakes in flight; see network_repository
        uow.network.seed_services(tenant_id, now)  # a tenant still on the defaults
        before = next((s for s in uow.network.services(tenant_id) if s.code == code), None)
        if before is None:
            known = ", ".join(s.code for s in uow.network.services(tenant_id))
            raise NotFound(f"carrier service '{code}' not found; known: {known}")
        uow.network.set_carrier_state(tenant_id, code, healthy=state != CarrierState.DOWN,
                                      delay_days=delay, note=reason, at=now)
        audit.note(uow, tenant_id, now, actor, "carrier_change", f"carrier/{code}",
                   {"change": "state", "reason": reason, "fields": audit.changed(
                       {"state": before.state.value, "delay_days": before.delay_days},
                       {"state": state.value, "delay_days": delay})})
        report = None
        if state == CarrierState.DOWN:
            report = RerouteReport(f"carrier service {code} down: {reason}")
        elif not before.healthy:
            report = RerouteReport(f"carrier service {code} {state.value} again: {reason}")
        handlers.handle(uow, ev.CarrierStatusChanged(
            tenant_id=tenant_id, occurred_at=now, actor=actor, reason=reason,
            carrier_service=code, healthy=state != CarrierState.DOWN, state=state.value,
            delay_days=delay, previous_state=before.state.value),
            FollowOn(strategy, presale_lock, report or RerouteReport("")))
        _commit(uow, strategy)
        view = carriers.service_view(uow.network, tenant_id, code)
    return view, report


# ----- region blocks ------------------------------------------------------------------------

def _area(area: str) -> str:
    key = province_key(area)
    if key not in REGIONS and key not in PROVINCE_REGION:
        raise InvalidInput([FieldError("area", f"unknown province or region '{area}'; regions: "
                                       f"{', '.join(REGIONS)}; or a province such as 福建")])
    return key


def block_region(make_uow: UowFactory, tenant_id: str, area: str, direction: BlockDirection,
                 *, reason: str, actor: str, now: datetime, strategy: AllocationStrategy,
                 presale_lock: timedelta) -> tuple[dict[str, Any], RerouteReport]:
    """Block a province or lane region. Outbound: its sites stop shipping and their open
    orders are re-routed. Inbound: open orders to it are held (stock released) until the
    block is lifted. Released orders affected either way are flagged."""
    key = _area(area)
    if not reason.strip():
        raise InvalidInput([FieldError("reason", "say why (storm, road closure, ...)")])
    report = RerouteReport(f"{key} blocked ({direction.value}): {reason}")
    with make_uow() as uow:
        uow.network.bump(tenant_id)  # waits for intakes in flight; see network_repository
        dup = uow.network.active_block(tenant_id, key, direction.value)
        if dup is not None:
            raise Conflict(f"{key} is already blocked ({direction.value}) as block {dup}; "
                           "lift it first to change it")
        block_id = uow.network.add_block(tenant_id, key, direction.value, reason=reason,
                                         actor=actor, at=now)
        audit.note(uow, tenant_id, now, actor, "routing_block", f"block/{block_id}",
                   {"change": "blocked", "area": key, "direction": direction.value,
                    "reason": reason})
        handlers.handle(uow, ev.RegionBlocked(
            tenant_id=tenant_id, occurred_at=now, actor=actor, reason=reason,
            block_id=block_id, area=key, direction=direction.value),
            FollowOn(strategy, presale_lock, report))
        _commit(uow, strategy)
        return uow.network.block_view(tenant_id, block_id) or {}, report


def lift_block(make_uow: UowFactory, tenant_id: str, block_id: int, *, reason: str,
               actor: str, now: datetime, strategy: AllocationStrategy,
               presale_lock: timedelta) -> tuple[dict[str, Any], RerouteReport]:
    """Lift a block; orders held because of it go back through routing at once."""
    with make_uow() as uow:
        uow.network.bump(tenant_id)  # waits for intakes in flight; see network_repository
        block = uow.network.block_view(tenant_id, block_id)
        if block is None:
            raise NotFound(f"region block {block_id} not found")
        report = RerouteReport(f"block {block_id} on {block['area']} lifted: {reason}")
        if not block["active"]:
            return block, report
        uow.network.lift_block(tenant_id, block_id, actor=actor, at=now)
        audit.note(uow, tenant_id, now, actor, "routing_block", f"block/{block_id}",
                   {"change": "lifted", "area": block["area"],
                    "direction": block["direction"], "reason": reason})
        handlers.handle(uow, ev.RegionUnblocked(
            tenant_id=tenant_id, occurred_at=now, actor=actor, reason=reason,
            block_id=block_id, area=block["area"], direction=block["direction"]),
            FollowOn(strategy, presale_lock, report))
        _commit(uow, strategy)
        return uow.network.block_view(tenant_id, block_id) or {}, report


def list_blocks(make_uow: UowFactory, tenant_id: str, *, active_only: bool = True
                ) -> list[dict[str, Any]]:
    with make_uow() as uow:
        return uow.network.block_views(tenant_id, active_only=active_only)
