"""Shopify payloads from canonical orders: the inverse of `parse.py`, the orders/* webhook
body (REST Admin API Order). Barcodes (they live on the variant) and districts have no place;
attributes travel in `note_attributes` except `source_name` and `tags` (fields of their own).
"""

from __future__ import annotations

from orderhub.adapters.channels._payload import JsonObject, hmac_sha256_b64
from orderhub.adapters.channels._rendering import (
    charged,
    customs_pairs,
    declared_pairs,
    derived_id,
    has_address,
    int_id,
    iso,
    line_gross,
    line_net,
    money,
    native_values,
    split_name,
    sum_lines,
)
from orderhub.adapters.channels.base import ChannelOrder
from orderhub.adapters.channels.shopify.parse import SHOPIFY_HMAC_HEADER, TEXT_ATTRIBUTES

_DEFAULTS = {"source_name": "web"}  # written when the order has no such attribute


def payload(order: ChannelOrder) -> JsonObject:
    """`order` as a Shopify orders/* webhook body."""
    ext = order.external_id
    cancelled = order.status == "cancelled"
    customer, address = order.customer, order.shipping_address
    items = []
    for i, line in enumerate(order.lines):
        rate = float(round(line.tax / line_net(line), 4)) if line.tax and line_net(line) else 0.0
        has_variant = bool(line.channel_sku)  # a custom line item has no variant
        items.append(
            {
                "id": int_id(line.line_ref) if line.line_ref else derived_id(ext, "line", i),
                "variant_id": derived_id(ext, "variant", i) if has_variant else None,
                "product_id": derived_id(ext, "product", i) if has_variant else None,
                "title": line.title,
                "name": line.title,
                "sku": line.channel_sku,
                "quantity": line.quantity,
                "current_quantity": line.quantity,
                "fulfillable_quantity": line.quantity,
                "fulfillment_status": None,
                "requires_shipping": True,
                "taxable": bool(line.tax),
                "gift_card": False,
                "properties": [{"name": k, "value": v} for k, v in customs_pairs(line)],
                "price": money(line.unit_price),
                "total_discount": money(line.discount),
                "discount_allocations": (
                    [{"amount": money(line.discount), "discount_application_index": 0}]
                    if line.discount
                    else []
                ),
                "tax_lines": (
                    [{"price": money(line.tax), "rate": rate, "title": "Tax"}] if line.tax else []
                ),
                "duties": [],
            }
        )
    shipping = []
    shipping_discount = -charged(order, "discount:shipping")
    if order.shipping_fee:
        shipping.append(
            {
                "id": derived_id(ext, "shipping"),
                "code": "STANDARD",
                "title": "Standard",
                "source": "shopify",
                "price": money(order.shipping_fee),
                "discounted_price": money(order.shipping_fee - shipping_discount),
                "discount_allocations": (
                    [{"amount": money(shipping_discount), "discount_application_index": 1}]
                    if shipping_discount else []),
                "tax_lines": [],
            }
        )
    first, last = split_name(address.name)
    ship_to = {
        "first_name": first,
        "last_name": last,
        "name": address.name,
        "company": None,
        "address1": address.line1,
        "address2": None,
        "city": address.city,
        "province": address.province,
        "country_code": address.country,
        "zip": address.postal_code,
        "phone": address.phone or None,
        "latitude": address.lat,
        "longitude": address.lon,
    }
    native = native_values(order, TEXT_ATTRIBUTES, _DEFAULTS)
    data: JsonObject = {
        "id": int_id(ext),
        "name": f"#{ext}",
        "created_at": iso(order.placed_at or order.updated_at),
        "processed_at": iso(order.placed_at or order.updated_at),
        "updated_at": iso(order.updated_at),
        "cancelled_at": iso(order.updated_at) if cancelled else None,
        "cancel_reason": "customer" if cancelled else None,
        "closed_at": None,
        "currency": order.currency,
        "presentment_currency": order.currency,
        "financial_status": "refunded" if cancelled else "paid",
        "fulfillment_status": None,
        "taxes_included": False,
        "email": customer.email or None,
        "contact_email": customer.email or None,
        "phone": None,
        "source_name": native["source_name"],
        "tags": native["tags"],
        "note": None,
        "note_attributes": [
            {"name": k, "value": v} for k, v in declared_pairs(order, TEXT_ATTRIBUTES)
        ],
        "total_line_items_price": money(sum_lines(order.lines, line_gross)),
        "total_discounts": money(sum_lines(order.lines, lambda ln: ln.discount)),
        "subtotal_price": money(sum_lines(order.lines, line_net)),
        "total_tax": money(sum_lines(order.lines, lambda ln: ln.tax)),
        "line_items": items,
        "shipping_lines": shipping,
        "refunds": [],
        "fulfillments": [],
    }
    duties, tips = charged(order, "duty"), charged(order, "tip")
    if duties:
        data["original_total_duties_set"] = {
            "shop_money": {"amount": money(duties), "currency_code": order.currency},
            "presentment_money": {"amount": money(duties), "currency_code": order.currency}}
    if tips:
        data["total_tip_received"] = money(tips)
    if order.total is not None:
        data["total_price"] = money(order.total)
    if has_address(address):
        data["shipping_address"] = ship_to
    if any((customer.ref, customer.name, customer.email, customer.phone)):
        cfirst, clast = split_name(customer.name)
        data["customer"] = {
            "id": int_id(customer.ref) if customer.ref else None,
            "email": customer.email or None,
            "first_name": cfirst,
            "last_name": clast,
            "phone": customer.phone or None,
            "state": "enabled",
            "currency": order.currency,
        }
    return data


def sign(body: bytes, secret: str) -> dict[str, str]:
    """The headers `verify` accepts:
    X-Shopify-Hmac-Sha256 = base64(HMAC-SHA256(app client secret, body))."""
    return {SHOPIFY_HMAC_HEADER: hmac_sha256_b64(secret, body)}
