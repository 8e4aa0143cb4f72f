"""Read models: an order's notifications with their delivery log (recipients masked)."""

from __future__ import annotations

from typing import Any

from orderhub.services.unit_of_work import UowFactory


def order_log(make_uow: UowFactory, tenant: str, order_id: str) -> list[dict[str, Any]]:
    """The order's messages, oldest first, each with its log (queued, deferred, sent,
    failed, dead_lettered, suppressed, with reasons). NotFound for another tenant's or an
    unknown order."""
    with make_uow() as uow:
        uow.orders.get(tenant, order_id)  # NotFound: nothing of other tenants' orders
        return uow.notifications.for_order(tenant, order_id)
