"""What the buyer's tracking page and customer service's lookup show of one order (issue
19): its stages in a buyer's words (held and cancelled, never a hold code), each shipment
with its carrier, waybill and checkpoints, the promised date, what to do next, and the
service script for its products. Personal data: the buyer's page shows only masked
(`张*`, `138****8000`, the address to the district); customer service sees what its role
may (domain/privacy.py), like every other console page.

Customer service finds orders by phone (through the blind indexes: nothing decrypted to
search), external id or waybill; the buyer's number + phone check decrypts only the orders
that carry that number.
"""

from __future__ import annotations

import hmac
from dataclasses import asdict
from datetime import datetime
from typing import Any

from orderhub.domain.errors import FieldError, InvalidInput, NotFound
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import Order, ShipmentStatus
from orderhub.domain.privacy import RELEASED_OR_LATER, PiiView, shape_address
from orderhub.domain.tracking import carrier_of, current_checkpoint, history
from orderhub.domain.tracking_page import (
    ServiceScript,
    buyer_stages,
    buyer_state,
    check_script,
    district_only,
    last_four,
    mask_person,
    mask_phone_middle,
    next_steps,
    pick_scripts,
    reached_by,
)
from orderhub.services import audit
from orderhub.services.unit_of_work import UnitOfWork, UowFactory

MAX_FOUND = 20


def _story(uow: UnitOfWork, order: Order, lang: str) -> dict[str, Any]:
    tenant = order.tenant_id
    state = buyer_state(order.status)
    reached = 0
    if order.status in (OrderStatus.ON_HOLD, OrderStatus.CANCELLED):
        reached = reached_by(e.status for e in uow.outbox.for_order(tenant, order.id))
    stored = uow.tracking.for_order(tenant, order.id)
    shipments = []
    for s in order.shipments:
        if s.status is ShipmentStatus.CANCELLED:
            continue
        mine = [c.checkpoint for c in stored if c.shipment_id == s.id]
        current = current_checkpoint(mine)
        shipments.append({
            "carrier": carrier_of(s.carrier_service) if s.carrier_service else "",
            "waybill": s.waybill,
            "status": s.status.value,
            "dispatched_at": s.dispatched_at,
            "delivered_at": s.delivered_at,
            "current": None if current is None else current.kind.value,
            # the carrier's kind, place and time; its free text may name people: not shown
            "checkpoints": [{"kind": c.kind.value, "at": c.at, "location": c.location}
                            for c in reversed(history(mine))],
        })
    skus = [ln.sku for ln in order.lines]
    catalogue = uow.catalog.skus_by_code(tenant, skus)
    categories = {code: str(sku.attributes.get("category") or "")
                  for code, sku in catalogue.items()}
    targets = [f"sku:{s}" for s in skus] + [f"category:{c}" for c in categories.values()
                                            if c] + ["*"]
    script = pick_scripts(uow.tracking_links.scripts(tenant, targets), lang, skus, categories)
    return {
        "external_id": order.external_id,
        "channel": order.channel,
        "placed_at": order.placed_at or order.created_at,
        "state": state,
        "stages": buyer_stages(order.status, reached),
        "promised_delivery": order.promised_delivery,
        "lines": [{"sku": ln.sku, "name": catalogue[ln.sku].name if ln.sku in catalogue
                   else ln.sku, "quantity": ln.quantity} for ln in order.lines],
        "shipments": shipments,
        "next_steps": next_steps(state),
        "script": script,
    }


def buyer_story(make_uow: UowFactory, tenant_id: str, order_id: str, *,
                lang: str) -> dict[str, Any]:
    """The public page's story: masked recipient, area to the district, nothing internal."""
    with make_uow() as uow:
        order = uow.orders.get(tenant_id, order_id)
        story = _story(uow, order, lang)
    a = order.shipping_address
    story["recipient"] = {"name": mask_person(a.name or order.customer.name),
                          "phone": mask_phone_middle(a.phone or order.customer.phone),
                          "area": district_only(asdict(a))}
    return story


def service_story(make_uow: UowFactory, tenant_id: str, order_id: str, *, pii: PiiView,
                  lang: str, warehouses: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Customer service's story: the buyer's, the order id (for the order page), the
    recipient as the operator's role may see it, and the whole service script."""
    with make_uow() as uow:
        if warehouses and not uow.orders.visible(tenant_id, order_id, warehouses):
            raise NotFound(f"order {order_id} not found")
        order = uow.orders.get(tenant_id, order_id)
        story = _story(uow, order, lang)
    address = {k: v for k, v in asdict(order.shipping_address).items()
               if v not in ("", None) and k not in ("phone_status", "lat", "lon")}
    shaped = shape_address(address, pii, released=order.status in RELEASED_OR_LATER)
    story.update(order_id=order.id, status=order.status.value, recipient=shaped)
    return story


def find_orders(make_uow: UowFactory, tenant_id: str, *, phone: str = "",
                external_id: str = "", waybill: str = "", pii: PiiView,
                warehouses: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """Orders by the buyer's phone (blind index), external id or waybill: newest first,
    at most MAX_FOUND, each as a short row shaped for the caller's view."""
    phone, external_id, waybill = phone.strip(), external_id.strip(), waybill.strip()
    if not (phone or external_id or waybill):
        raise InvalidInput([FieldError("query", "give a phone, an order number or a waybill")])
    with make_uow() as uow:
        ids: list[str] | None = None
        if phone or external_id:
            ids = uow.orders.search_ids(tenant_id, phone=phone or None,
                                        external_id=external_id or None,
                                        warehouses=warehouses, limit=MAX_FOUND)
        if waybill:
            by_waybill = uow.tracking_links.order_ids_by_waybill(tenant_id, waybill, MAX_FOUND)
            ids = by_waybill if ids is None else [i for i in ids if i in set(by_waybill)]
            if warehouses:
                ids = [i for i in ids if uow.orders.visible(tenant_id, i, warehouses)]
        orders = {o.id: o for o in uow.orders.get_many(tenant_id, ids or [])}
    rows = []
    for oid in sorted(orders, reverse=True):
        o = orders[oid]
        address = {k: v for k, v in asdict(o.shipping_address).items()
                   if k in ("name", "phone", "country", "province", "city", "district")}
        rows.append({"order_id": o.id, "external_id": o.external_id, "channel": o.channel,
                     "status": o.status.value, "state": buyer_state(o.status),
                     "placed_at": o.placed_at or o.created_at,
                     "recipient": shape_address(address, pii, released=False),
                     "waybills": [s.waybill for s in o.shipments if s.waybill]})
    return rows


def check_buyer(make_uow: UowFactory, tenant_id: str, external_id: str,
                phone_last4: str) -> str | None:
    """The order with this number whose recipient's (or customer's) phone ends in these
    four digits; None when there is none (the page says nothing more than that)."""
    external_id = external_id.strip()
    if not external_id or len(external_id) > 200:
        return None
    with make_uow() as uow:
        ids = uow.orders.search_ids(tenant_id, external_id=external_id, limit=5)
        orders = uow.orders.get_many(tenant_id, ids)
    for o in sorted(orders, key=lambda o: o.id):
        for phone in (o.shipping_address.phone, o.shipping_address.phone_e164,
                      o.customer.phone):
            ends = last_four(phone)
            if ends and hmac.compare_digest(ends, phone_last4):
                return o.id
    return None


# ----- service scripts ----------------------------------------------------------------------
def set_script(make_uow: UowFactory, tenant_id: str, target: str, lang: str,
               texts: dict[str, str], *, now: datetime, actor: str) -> dict[str, Any]:
    """Set customer service's script for a SKU (`sku:<code>`), a category
    (`category:<name>`) or the tenant's default (`*`), in one language."""
    check_script(target, lang, texts)
    script = ServiceScript(target, lang, **{k: v.strip() for k, v in texts.items()})
    with make_uow() as uow:
        replaced = uow.tracking_links.put_script(tenant_id, script, now, actor)
        audit.note(uow, tenant_id, now, actor, "sku_change", f"service-script/{target}/{lang}",
                   {"change": "service_script_replaced" if replaced else "service_script_set",
                    "fields": sorted(k for k, v in texts.items() if v)})
        uow.commit()
    return {**script.as_dict(), "replaced": replaced}


def list_scripts(make_uow: UowFactory, tenant_id: str) -> list[dict[str, str]]:
    with make_uow() as uow:
        return [s.as_dict() for s in uow.tracking_links.scripts(tenant_id)]


def delete_script(make_uow: UowFactory, tenant_id: str, target: str, lang: str | None, *,
                  now: datetime, actor: str) -> int:
    with make_uow() as uow:
        removed = uow.tracking_links.delete_script(tenant_id, target, lang)
        if not removed:
            raise NotFound(f"no service script for {target}")
        audit.note(uow, tenant_id, now, actor, "sku_change", f"service-script/{target}",
                   {"change": "service_script_removed", "lang": lang or "all"})
        uow.commit()
    return removed
