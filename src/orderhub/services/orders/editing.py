"""Editing an order: the one path an operator's fix (a held order's address) and a channel's
update (address, lines, customer, fees) take. The aggregate applies the edit (`Order.edit`);
stock it no longer needs goes back here, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from orderhub.domain.order import Order, OrderEdit, stock_quantities
from orderhub.services.unit_of_work import UnitOfWork


def edit_order(uow: UnitOfWork, order: Order, change: OrderEdit, *, reason: str,
               now: datetime, actor: str) -> bool:
    """Apply `change` to a locked `order`; True when its content changed so that it must
    go through its checks and allocation again (the caller runs the pipeline on it)."""
    released = order.edit(change, reason, now, actor)
    if released:
        uow.stock.release(order.tenant_id, stock_quantities(released), now)
    return change.lines is not None
