"""The port through which a reconciliation run learns the refunds the hub knows of, per
order: `RefundSource(uow, tenant_id, orders) -> {order_id: amount refunded}`.

Today (main) the hub records no refunds of its own; the one refund it knows of is a
cancellation: a cancelled order's buyer gets the grand total back, so
`cancelled_order_refunds` counts it refunded in full. Once after-sales refunds are stored
(`RefundRequested` / `RefundCompleted`), a source that sums the completed refunds per order
with one bulk read of the refunds table (and keeps the cancellation rule for orders with no
refund record) replaces it in `settlement.run`'s `refunds` argument; nothing else changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.reconciliation import OrderFacts
from orderhub.services.unit_of_work import UnitOfWork


class RefundSource(Protocol):
    def __call__(self, uow: UnitOfWork, tenant_id: str, orders: Sequence[OrderFacts]
                 ) -> dict[str, Decimal]: ...


def cancelled_order_refunds(uow: UnitOfWork, tenant_id: str, orders: Sequence[OrderFacts]
                            ) -> dict[str, Decimal]:
    """Cancelled orders refunded in full (what main records today); no query."""
    return {o.id: o.grand_total for o in orders if o.status == OrderStatus.CANCELLED.value}
