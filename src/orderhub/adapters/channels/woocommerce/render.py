"""WooCommerce payloads from canonical orders: the inverse of `parse.py`, the REST API v3
Order. Districts have no place; a Chinese province is written as WooCommerce's state code;
attributes travel in `meta_data` except `payment_method` and `customer_note`.
"""

from __future__ import annotations

from orderhub.adapters.channels._payload import JsonObject, hmac_sha256_b64
from orderhub.adapters.channels._rendering import (
    customs_pairs,
    declared_pairs,
    derived_id,
    int_id,
    line_gross,
    line_net,
    money,
    naive_utc,
    native_values,
    split_name,
    sum_lines,
)
from orderhub.adapters.channels.base import ChannelOrder
from orderhub.adapters.channels.woocommerce.parse import (
    CN_STATES,
    TEXT_ATTRIBUTES,
    WOOCOMMERCE_SIGNATURE_HEADER,
)

_CN_STATE_CODES = {name: code for code, name in CN_STATES.items()}


def payload(order: ChannelOrder) -> JsonObject:
    """`order` as a WooCommerce REST API v3 Order."""
    ext = order.external_id
    customer, address = order.customer, order.shipping_address
    items = []
    for i, line in enumerate(order.lines):
        tax = money(line.tax)
        items.append(
            {
                "id": int_id(line.line_ref) if line.line_ref else derived_id(ext, "line", i),
                "name": line.title,
                "product_id": derived_id(ext, "product", i),
                "variation_id": 0,
                "quantity": line.quantity,
                "tax_class": "",
                "subtotal": money(line_gross(line)),
                "subtotal_tax": tax,
                "total": money(line_net(line)),
                "total_tax": tax,
                "taxes": [{"id": 1, "total": tax, "subtotal": tax}] if line.tax else [],
                "meta_data": [
                    {"id": derived_id(ext, "line-meta", i, k), "key": k, "value": v}
                    for k, v in customs_pairs(line)
                ],
                "sku": line.channel_sku,
                "global_unique_id": line.barcode,
                "price": float(line_net(line) / line.quantity),
                "parent_name": None,
            }
        )
    shipping = []
    if order.shipping_fee:
        shipping.append(
            {
                "id": derived_id(ext, "shipping"),
                "method_title": "Flat rate",
                "method_id": "flat_rate",
                "instance_id": "1",
                "total": money(order.shipping_fee),
                "total_tax": "0.00",
                "taxes": [],
                "meta_data": [],
            }
        )
    state = address.province
    if address.country == "CN":
        state = _CN_STATE_CODES.get(state, state)
    afirst, alast = split_name(address.name)
    cfirst, clast = split_name(customer.name)
    street = {
        "company": "",
        "address_1": address.line1,
        "address_2": "",
        "city": address.city,
        "state": state,
        "postcode": address.postal_code,
        "country": address.country,
    }
    native = native_values(order, TEXT_ATTRIBUTES)
    tax_total = money(sum_lines(order.lines, lambda ln: ln.tax))
    data: JsonObject = {
        "id": int_id(ext),
        "parent_id": 0,
        "number": ext,
        "order_key": f"wc_order_{derived_id(ext, 'key')}",
        "created_via": "checkout",
        "status": "cancelled" if order.status == "cancelled" else "processing",
        "currency": order.currency,
        "prices_include_tax": False,
        "date_created": naive_utc(order.placed_at or order.updated_at),
        "date_created_gmt": naive_utc(order.placed_at or order.updated_at),
        "date_modified": naive_utc(order.updated_at),
        "date_modified_gmt": naive_utc(order.updated_at),
        "discount_total": money(sum_lines(order.lines, lambda ln: ln.discount)),
        "discount_tax": "0.00",
        "shipping_total": money(order.shipping_fee),
        "shipping_tax": "0.00",
        "cart_tax": tax_total,
        "total_tax": tax_total,
        "customer_id": 0 if not customer.ref else int_id(customer.ref),
        "billing": {
            "first_name": cfirst,
            "last_name": clast,
            **street,
            "email": customer.email,
            "phone": customer.phone,
        },
        "shipping": {"first_name": afirst, "last_name": alast, **street, "phone": address.phone},
        "payment_method": native["payment_method"],
        "payment_method_title": native["payment_method"],
        "customer_note": native["customer_note"],
        "meta_data": [
            {"id": derived_id(ext, "meta", k), "key": k, "value": v}
            for k, v in declared_pairs(order, TEXT_ATTRIBUTES)
        ],
        "line_items": items,
        "tax_lines": [],
        "shipping_lines": shipping,
        "fee_lines": [
            {"id": derived_id(ext, "fee", i), "name": c.label or c.kind.rpartition(":")[2],
             "tax_class": "", "tax_status": "none", "total": money(c.amount),
             "total_tax": "0.00", "taxes": [], "meta_data": []}
            for i, c in enumerate(order.charges)
        ],
        "coupon_lines": [],
        "refunds": [],
    }
    if order.total is not None:
        data["total"] = money(order.total)
    return data


def sign(body: bytes, secret: str) -> dict[str, str]:
    """The headers `verify` accepts:
    X-WC-Webhook-Signature = base64(HMAC-SHA256(webhook secret, body))."""
    return {WOOCOMMERCE_SIGNATURE_HEADER: hmac_sha256_b64(secret, body)}
