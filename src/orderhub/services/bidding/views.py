"""What bidding decided, for people: an order's offers with their bids and the decision
in plain words (`order why`, `GET /v1/orders/{id}/bidding`), and the tenant's offers."""

from __future__ import annotations

from typing import Any

from orderhub.domain.bidding import explain
from orderhub.domain.errors import NotFound
from orderhub.services.unit_of_work import UowFactory


def order_bidding(make_uow: UowFactory, tenant_id: str, order_id: str, *,
                  warehouses: frozenset[str] = frozenset(), zh: bool = False
                  ) -> list[dict[str, Any]]:
    """The order's offers (usually none or one), each with its bids, decision and
    explanation; NotFound for an order the caller may not see."""
    with make_uow() as uow:
        if not uow.orders.visible(tenant_id, order_id, warehouses):
            raise NotFound(f"order {order_id} not found")
        offers = uow.bidding.offers_of_order(tenant_id, order_id)
    for o in offers:
        o["explanation"] = explain(o, o["bids"], zh=zh)
    return offers


def list_offers(make_uow: UowFactory, tenant_id: str, *, status: str | None = None,
                limit: int = 50) -> list[dict[str, Any]]:
    with make_uow() as uow:
        return uow.bidding.list_offers(tenant_id, status, limit)
