"""The port through which a reconciliation run learns the refunds the hub knows of, per
order: `RefundSource(uow, tenant_id, orders) -> {order_id: amount refunded}`.

The refunds the hub knows of are a cancellation (a cancelled order's buyer gets the grand
total back: `cancelled_order_refunds`) and the completed refunds of its returns
(`RefundCompleted`, services/returns). `known_refunds`, what `settlement.run` uses, sums
the returns' completed refunds per order with one bulk read (per IN list of order ids, never
a query per order) and keeps the cancellation rule: a cancelled order counts refunded in
full. A refund asked for but not yet paid (a return `received`) is not counted. An
exchange's replacement order is paid by its return (`settled_by_return`), never by the
channel: it counts as settled in full (its grand total), so it is no unsettled order.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.money import quantize
from orderhub.domain.reconciliation import OrderFacts
from orderhub.services.unit_of_work import UnitOfWork


class RefundSource(Protocol):
    def __call__(self, uow: UnitOfWork, tenant_id: str, orders: Sequence[OrderFacts]
                 ) -> dict[str, Decimal]: ...


def cancelled_order_refunds(uow: UnitOfWork, tenant_id: str, orders: Sequence[OrderFacts]
                            ) -> dict[str, Decimal]:
    """Cancelled orders refunded in full (what main records today); no query."""
    return {o.id: o.grand_total for o in orders if o.status == OrderStatus.CANCELLED.value}


def known_refunds(uow: UnitOfWork, tenant_id: str, orders: Sequence[OrderFacts]
                  ) -> dict[str, Decimal]:
    """Cancelled orders and exchanges' replacement orders refunded in full; every other
    order its returns' completed refunds (bulk reads)."""
    out = cancelled_order_refunds(uow, tenant_id, orders)
    rest = {o.id: o for o in orders if o.id not in out}
    for order_id in uow.returns.exchange_orders(tenant_id, rest):
        out[order_id] = rest.pop(order_id).grand_total
    for order_id, total in uow.returns.completed_refunds(tenant_id, rest).items():
        out[order_id] = quantize(total, rest[order_id].currency)
    return out
