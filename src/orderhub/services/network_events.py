"""Live network events: a warehouse closes or loses capacity. Orders allocated to it but not
yet released are re-routed at once (in one transaction, with events for every change);
orders already released to it are flagged for a person to decide."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import select

from orderhub.adapters.db import tables as t
from orderhub.domain.allocation import AllocationStrategy
from orderhub.domain.errors import NotFound
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import stock_quantities
from orderhub.services.ordering import run_pipeline
from orderhub.services.unit_of_work import UowFactory

_OPEN = (OrderStatus.RESERVED.value, OrderStatus.ALLOCATED.value)
_WITH_WAREHOUSE = (OrderStatus.RELEASED.value, OrderStatus.PICKED.value,
                   OrderStatus.PACKED.value, OrderStatus.PARTIALLY_SHIPPED.value)


@dataclass
class RerouteReport:
    warehouse: str
    rerouted: dict[str, list[str]] = field(default_factory=dict)  # order -> new warehouses
    held: list[str] = field(default_factory=list)  # could not be re-allocated: on hold
    flagged: list[str] = field(default_factory=list)  # already released: exception raised


def close_warehouse(make_uow: UowFactory, tenant_id: str, code: str, *, reason: str,
                    actor: str, now: datetime, strategy: AllocationStrategy,
                    presale_lock: timedelta) -> RerouteReport:
    """Deactivate the warehouse and move its open work elsewhere."""
    report = RerouteReport(code)
    with make_uow() as uow:
        warehouse = uow.catalog.warehouse(tenant_id, code)
        if warehouse is None:
            raise NotFound(f"warehouse '{code}' not found")
        if not warehouse.active:
            return report  # already closed: its orders were handled then
        uow.catalog.update_warehouse(replace(warehouse, active=False))
        s, o = t.shipments.c, t.orders.c
        rows = uow.conn.execute(
            select(o.id, o.status).distinct().join(t.shipments, s.order_id == o.id)
            .where(o.tenant_id == tenant_id, s.warehouse == code,
                   s.status == "planned", o.status.in_(_OPEN + _WITH_WAREHOUSE))).all()
        open_ids = [oid for oid, st in rows if st in _OPEN]
        released_ids = [oid for oid, st in rows if st in _WITH_WAREHOUSE]
        why = f"warehouse {code} closed: {reason}"
        orders = uow.orders.get_many(tenant_id, open_ids + released_ids, lock=True)
        moving = []
        for order in orders:
            if order.status.value not in _OPEN + _WITH_WAREHOUSE:
                continue  # changed by someone else between the query and the row lock
            if order.status.value in _WITH_WAREHOUSE:
                order.raise_exception(f"{why} after the order was released to it; recall, "
                                      "ship late or cancel", now, actor)
                report.flagged.append(order.id)
                continue
            freed = order.reroute(why, now, actor)
            uow.stock.release(tenant_id, stock_quantities(freed), now)
            order.resume(now, actor)
            moving.append(order)
        run_pipeline(uow, tenant_id, moving, strategy, now, actor, presale_lock)
        for order in moving:
            if order.status == OrderStatus.ALLOCATED:
                report.rerouted[order.id] = sorted(
                    {sh.warehouse for sh in order.shipments if sh.status.value == "planned"})
            else:
                report.held.append(order.id)
        uow.commit()
    return report
