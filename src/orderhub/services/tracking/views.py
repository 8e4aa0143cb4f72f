"""Read models of carrier tracking: an order's shipments with their checkpoint history and
current tracking state (the API and CLI), and the checkpoints the twin reads."""

from __future__ import annotations

from typing import Any

from orderhub.adapters.db.tracking_repository import StoredCheckpoint
from orderhub.domain.errors import NotFound
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import ShipmentStatus
from orderhub.domain.tracking import carrier_of, current_checkpoint, history
from orderhub.services.unit_of_work import UnitOfWork, UowFactory


def _row(s: StoredCheckpoint) -> dict[str, Any]:
    c = s.checkpoint
    return {
        "shipment_id": s.shipment_id,
        "carrier": c.carrier,
        "waybill": c.waybill,
        "event_id": c.event_id,
        "checkpoint": c.kind.value,
        "label_zh": c.kind.label_zh,
        "rank": c.kind.rank,
        "at": c.at,
        "location": c.location,
        "description": c.description,
        "received_at": s.received_at,
    }


def checkpoints_for_order(uow: UnitOfWork, tenant_id: str, order_id: str) -> list[dict[str, Any]]:
    """Every checkpoint matched to the order's shipments, by the carrier's time (`at`,
    tz-aware UTC datetimes): shipment_id, carrier, waybill, event_id, checkpoint (the kind),
    label_zh, rank, at, location, description, received_at. Empty for an unknown order."""
    stored = uow.tracking.for_order(tenant_id, order_id)
    by_id = {s.checkpoint.event_id + "\x00" + s.checkpoint.carrier: s for s in stored}
    ordered = history(s.checkpoint for s in stored)
    return [_row(by_id[c.event_id + "\x00" + c.carrier]) for c in ordered]


def order_tracking(make_uow: UowFactory, tenant_id: str, order_id: str, *,
                   warehouses: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The order's shipments, each with its checkpoint history and current tracking state
    (its most advanced checkpoint: a late-arriving earlier one never moves it back)."""
    with make_uow() as uow:
        if warehouses and not uow.orders.visible(tenant_id, order_id, warehouses):
            raise NotFound(f"order {order_id} not found")
        order = uow.orders.get(tenant_id, order_id)
        stored = uow.tracking.for_order(tenant_id, order_id)
    shipments = []
    for s in order.shipments:
        mine = [c for c in stored if c.shipment_id == s.id]
        current = current_checkpoint(c.checkpoint for c in mine)
        rows = {c.checkpoint.event_id: c for c in mine}
        shipments.append({
            "shipment_id": s.id,
            "warehouse": s.warehouse,
            "status": s.status.value,
            "carrier_service": s.carrier_service or None,
            "waybill": s.waybill or None,
            "dispatched_at": s.dispatched_at,
            "delivered_at": s.delivered_at,
            "current": None if current is None else {
                "checkpoint": current.kind.value, "label_zh": current.kind.label_zh,
                "at": current.at, "location": current.location},
            "checkpoints": [_row(rows[c.event_id]) for c in history(c.checkpoint for c in mine)],
        })
    return {"order_id": order.id, "status": order.status.value, "shipments": shipments}


def shipped_parcels(make_uow: UowFactory, tenant_id: str, limit: int) -> list[dict[str, Any]]:
    """Dispatched shipments with a waybill, of up to `limit` shipped or partially shipped
    orders (oldest first): what a carrier would be tracking now (the simulated carriers)."""
    with make_uow() as uow:
        ids = uow.orders.oldest_ids(tenant_id, OrderStatus.SHIPPED, limit)
        ids += uow.orders.oldest_ids(tenant_id, OrderStatus.PARTIALLY_SHIPPED,
                                     max(0, limit - len(ids)))
        orders = uow.orders.get_many(tenant_id, ids)
    out = []
    for o in sorted(orders, key=lambda o: (o.created_at, o.id)):
        for s in o.shipments:
            if s.status == ShipmentStatus.DISPATCHED and s.waybill and s.dispatched_at:
                out.append({"order_id": o.id, "shipment_id": s.id, "warehouse": s.warehouse,
                            "carrier": carrier_of(s.carrier_service), "waybill": s.waybill,
                            "dispatched_at": s.dispatched_at, "cross_border": o.cross_border,
                            "province": o.shipping_address.province,
                            "city": o.shipping_address.city})
    return out
