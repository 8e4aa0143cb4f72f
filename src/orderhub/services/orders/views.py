"""Read models for the API, CLI and console: plain dicts ready to serialise.

Every read model that returns a customer or an address takes the caller's `pii` view
(required, no default) and shapes its answer with `domain.privacy.shape_order`: masking
happens there and nowhere else."""

from __future__ import annotations

import base64
from dataclasses import asdict
from datetime import datetime
from typing import Any

from orderhub.adapters.db.outbox_repository import StoredEvent
from orderhub.domain.errors import FieldError, InvalidInput, NotFound
from orderhub.domain.inventory import StockLevel
from orderhub.domain.lifecycle import OrderStatus, allowed_next
from orderhub.domain.money import quantize
from orderhub.domain.order import Order
from orderhub.domain.privacy import PiiView, shape_order
from orderhub.services.unit_of_work import UnitOfWork, UowFactory


def order_view(o: Order, pii: PiiView) -> dict[str, Any]:
    """The order as the caller may see it (`pii`: full, masked or none)."""
    return shape_order(_full_order_view(o), pii)


def _full_order_view(o: Order) -> dict[str, Any]:
    return {
        "id": o.id,
        "tenant_id": o.tenant_id,
        "channel": o.channel,
        "external_id": o.external_id,
        "order_type": o.order_type.value,
        "status": o.status.value,
        "next_statuses": allowed_next(o.status),
        "currency": o.currency,
        "totals": {
            "subtotal": str(o.subtotal),
            "discount": str(o.discount_total),
            "tax": str(o.tax_total),
            "shipping_fee": str(quantize(o.shipping_fee, o.currency)),
            "grand_total": str(o.grand_total),
            "charges": [c.as_dict() for c in o.charges],
            "stated_total": None if o.stated_total is None else str(o.stated_total),
        },
        "fx": o.fx,
        "customer": {k: v for k, v in asdict(o.customer).items() if v},
        "shipping_address": {
            k: v for k, v in asdict(o.shipping_address).items()
            # phone_e164 is shown once the number was classified, "" for a masked,
            # virtual or invalid one
            if v not in ("", None) or (k == "phone_e164" and o.shipping_address.phone_status)
        },
        "lines": [
            {
                "line_no": ln.line_no,
                "sku": ln.sku,
                "quantity": ln.quantity,
                "unit_price": str(ln.unit_price),
                "discount": str(ln.discount),
                "tax": str(ln.tax),
                "total": str(quantize(ln.total, o.currency)),
            }
            for ln in o.lines
        ],
        "hold_reasons": [r.as_dict() for r in o.hold_reasons],
        # what the channel said besides lines and addresses, and the facts read from the
        # buyer's notes (note_*: value and its words); free text only in the full view
        "attributes": dict(o.attributes),
        "address_suggestion": (o.address_suggestion.as_dict()
                               if o.address_suggestion is not None else None),
        "reservations": [
            {
                "id": r.id,
                "line_no": r.line_no,
                "sku": r.sku,
                "warehouse": r.warehouse,
                "quantity": r.quantity,
                "state": r.state.value,
                "shipment_id": r.shipment_id,
                "expires_at": r.expires_at,
            }
            for r in o.reservations
        ],
        "shipments": [
            {
                "id": s.id,
                "warehouse": s.warehouse,
                "status": s.status.value,
                "carrier_service": s.carrier_service or None,
                "waybill": s.waybill or None,
                "dispatched_at": s.dispatched_at,
                "delivered_at": s.delivered_at,
                "lines": [
                    {"line_no": r.line_no, "sku": r.sku, "quantity": r.quantity}
                    for r in o.reservations
                    if r.shipment_id == s.id
                ],
            }
            for s in o.shipments
        ],
        "split": o.is_split,
        "placed_at": o.placed_at,
        "requested_delivery": o.requested_delivery,
        "promised_delivery": o.promised_delivery,
        "presale_release": o.presale_release,
        "presale_lock_until": o.presale_lock_until,
        "service_level": o.service_level,
        "pickup_store": o.pickup_store or None,
        "created_at": o.created_at,
        "updated_at": o.updated_at,
        "version": o.version,
    }


def event_view(e: StoredEvent) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "event_id": e.event_id,
        "type": e.type,
        "at": e.occurred_at,
        "status": e.status,
        "actor": e.actor,
        "reason": e.reason,
        "data": e.data,
    }


def _check_visible(uow: UnitOfWork, tenant_id: str, order_id: str,
                   warehouses: frozenset[str]) -> None:
    """A caller restricted to some warehouses (logistics) sees only orders released to
    them; any other order reads exactly like one that does not exist."""
    if not uow.orders.visible(tenant_id, order_id, warehouses):
        raise NotFound(f"order {order_id} not found")


def ensure_visible(make_uow: UowFactory, tenant_id: str, order_id: str,
                   warehouses: frozenset[str]) -> None:
    """NotFound unless a caller restricted to `warehouses` may see (and so act on) it."""
    if warehouses:
        with make_uow() as uow:
            _check_visible(uow, tenant_id, order_id, warehouses)


def get_order(make_uow: UowFactory, tenant_id: str, order_id: str, *,
              pii: PiiView, warehouses: frozenset[str] = frozenset()) -> dict[str, Any]:
    with make_uow() as uow:
        if warehouses:
            _check_visible(uow, tenant_id, order_id, warehouses)
        return order_view(uow.orders.get(tenant_id, order_id), pii)


def resolve_order_id(make_uow: UowFactory, tenant_id: str, id_or_prefix: str) -> str:
    """The order id `id_or_prefix` names: the id itself, or the one order whose id begins
    with it (as a narrow terminal may have cut it). NotFound when none; InvalidInput
    listing some candidates when several."""
    wanted = id_or_prefix.strip()
    if not wanted:
        raise InvalidInput([FieldError("order_id", "empty")])
    with make_uow() as uow:
        found = uow.orders.ids_with_prefix(tenant_id, wanted, 6)
    if wanted in found:
        return wanted
    if not found:
        raise NotFound(f"order {wanted} not found")
    if len(found) > 1:
        shown = ", ".join(found[:5]) + (", ..." if len(found) > 5 else "")
        raise InvalidInput([FieldError(
            "order_id", f"'{wanted}' is the beginning of several order ids ({shown}): "
            "give more characters")])
    return found[0]


def get_timeline(make_uow: UowFactory, tenant_id: str, order_id: str, *,
                 warehouses: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    with make_uow() as uow:
        _check_visible(uow, tenant_id, order_id, warehouses)
        return [event_view(e) for e in uow.outbox.for_order(tenant_id, order_id)]


def encode_cursor(order_id: str) -> str:
    return base64.urlsafe_b64encode(order_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raw = ""
    if not raw.startswith("ord_"):
        raise InvalidInput([FieldError("cursor", "not a cursor returned by this API")])
    return raw


def list_orders(
    make_uow: UowFactory,
    tenant_id: str,
    *,
    status: OrderStatus | None = None,
    channel: str | None = None,
    external_id: str | None = None,
    sku: str | None = None,
    hold_code: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    phone: str | None = None,
    email: str | None = None,
    warehouse: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
    pii: PiiView,
    warehouses: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Newest first; `next_cursor` continues after the last item of this page. `phone`
    and `email` match exactly (through their blind indexes: nothing is decrypted to
    search), whatever the caller's view. `warehouse`: orders with a shipment (planned or
    later) from that site."""
    before = decode_cursor(cursor) if cursor else None
    if phone is not None and not phone.strip():
        raise InvalidInput([FieldError("phone", "empty")])
    if email is not None and not email.strip():
        raise InvalidInput([FieldError("email", "empty")])
    with make_uow() as uow:
        ids = uow.orders.search_ids(
            tenant_id, status=status, channel=channel, external_id=external_id, sku=sku,
            hold_code=hold_code, created_from=created_from, created_to=created_to,
            phone=phone, email=email, warehouse=warehouse, before=before,
            warehouses=warehouses, limit=limit + 1)
        more = len(ids) > limit
        ids = ids[:limit]
        orders = {o.id: o for o in uow.orders.get_many(tenant_id, ids)}
        items = [order_view(orders[i], pii) for i in ids if i in orders]
    return {"items": items, "next_cursor": encode_cursor(ids[-1]) if more and ids else None}


def level_view(lv: StockLevel) -> dict[str, Any]:
    return {
        "sku": lv.sku,
        "warehouse": lv.warehouse,
        "on_hand": lv.on_hand,
        "reserved": lv.reserved,
        "safety_stock": lv.safety_stock,
        "atp": lv.atp,
        "shortfall": lv.shortfall,
    }


def list_stock(
    make_uow: UowFactory,
    tenant_id: str,
    *,
    warehouse: str | None = None,
    sku: str | None = None,
    after: str | None = None,
    limit: int = 100,
    below_safety: bool = False,
) -> dict[str, Any]:
    """A keyset page of stock levels by (SKU, warehouse); `below_safety`: only those whose
    ATP is below their safety stock (the console's warning filter)."""
    key = None
    if after:
        sku_after, _, wh_after = after.partition("|")
        key = (sku_after, wh_after)
    with make_uow() as uow:
        rows = uow.stock.page(tenant_id, warehouse=warehouse, sku=sku, after=key,
                              limit=limit + 1, below_safety=below_safety)
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [level_view(r) for r in rows],
        "next_cursor": f"{rows[-1].sku}|{rows[-1].warehouse}" if more and rows else None,
    }


def get_routing(make_uow: UowFactory, tenant_id: str, order_id: str, *,
                warehouses: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    with make_uow() as uow:
        _check_visible(uow, tenant_id, order_id, warehouses)
        return uow.orders.routing(tenant_id, order_id)


def explain_routing(decision: dict[str, Any]) -> list[str]:
    """A routing decision in plain words, for `orderhub order why`."""
    out = []
    chosen = decision.get("chosen")
    order = decision.get("order") or {}
    if order:
        due = order.get("due")
        out.append(f"Order to {order.get('destination') or '?'} ({order.get('region') or '?'})"
                   f", service level {order.get('service_level')}"
                   + (f", due {due}" if due else "")
                   + (f", needs {', '.join(order['needs'])}" if order.get("needs") else "")
                   + (f", not before {order['not_before']}" if order.get("not_before") else "")
                   + ".")
    for rule in decision.get("rules_matched") or []:
        out.append(f"Matched {rule}.")
    for note in decision.get("notes") or []:
        out.append(f"Note: {note}.")
    if chosen:
        parcels = "; ".join(f"{s['site']} by {s['service']} arriving {s['arrives']}"
                            for s in chosen["shipments"])
        out.append(f"Chosen: {parcels}. Cost {chosen['total']} CNY = shipping "
                   f"{chosen['shipping']} + handling {chosen['handling']} + split "
                   f"{chosen['split_penalty']} + lateness {chosen['late_penalty']}; promised "
                   f"{chosen['promised']}."
                   + (f" Preference bonus {chosen['bonus']} (score only)."
                      if chosen.get("bonus") not in (None, "0") else ""))
        if decision.get("promise_warning"):
            out.append(f"Promise at risk: {decision['promise_warning']}.")
    else:
        out.append(f"No plan: {decision.get('reason')}.")
    others = [c for c in decision.get("candidates", []) if chosen is None or c != chosen]
    for c in others[:4]:
        out.append(f"Not chosen: {' + '.join(c['sites'])} at {c['total']} CNY, promised "
                   f"{c['promised']}.")
    for site, why in sorted(decision.get("excluded", {}).items()):
        out.append(f"Excluded {site}: {why}.")
    out.append(f"Strategy {decision.get('strategy')}, model "
               f"{decision.get('model_version', decision.get('strategy'))}, "
               f"{decision.get('candidates_considered', 0)} plans priced"
               + (f", {decision['candidates_pruned']} more ruled out by a lower bound on "
                  "their cost" if decision.get("candidates_pruned") else "") + ".")
    return out
