"""TikTok Shop payloads from canonical orders: the inverse of `parse.py`, the "Get Order
Detail" response with one `line_items[]` entry per unit (the line's discount and tax spread
over its units to the cent). Barcodes, customs data and attributes other than the order's own
text fields have no place; `total` is required (None is written as the computed total).
"""

from __future__ import annotations

import hashlib
import hmac

from orderhub.adapters.channels._payload import JsonObject
from orderhub.adapters.channels._rendering import (
    charged,
    computed_total,
    derived_id,
    line_gross,
    line_net,
    money,
    native_values,
    split_signing_secret,
    spread,
    spread_by,
    sum_lines,
    unix,
)
from orderhub.adapters.channels.base import ChannelOrder
from orderhub.adapters.channels.tiktok.parse import (
    TEXT_ATTRIBUTES,
    TIKTOK_CANCELLED,
    TIKTOK_FEES,
    TIKTOK_SIGNATURE_HEADER,
)

_DEFAULTS = {  # written when the order has no such attribute
    "fulfillment_type": "FULFILLMENT_BY_SELLER",
    "delivery_option_name": "Standard shipping",
}


def payload(order: ChannelOrder) -> JsonObject:
    """`order` as a TikTok Shop order detail response (API envelope included)."""
    ext = order.external_id
    cancelled = order.status == "cancelled"
    status = TIKTOK_CANCELLED if cancelled else "AWAITING_SHIPMENT"
    address = order.shipping_address
    units = []
    # The platform's subsidy (discount:platform) over the lines by their net, then units.
    platform = -charged(order, "discount:platform")
    platform_by_line = spread_by(platform, [line_net(ln) for ln in order.lines])
    for i, line in enumerate(order.lines):  # one line_items entry per unit
        sku_id = str(derived_id(ext, "sku", i))
        discounts = spread(line.discount, line.quantity)
        taxes = spread(line.tax, line.quantity)
        platforms = spread(platform_by_line[i], line.quantity)
        for n in range(line.quantity):
            unit: JsonObject = {
                "id": str(derived_id(ext, "unit", i, n)),
                "sku_id": sku_id,
                "product_id": str(derived_id(ext, "product", i)),
                "product_name": line.title,
                "sku_name": "",
                "seller_sku": line.channel_sku,
                "sku_type": "NORMAL",
                "display_status": status,
                "currency": order.currency,
                "original_price": money(line.unit_price),
                "sale_price": money(line.unit_price - discounts[n] - platforms[n]),
                "seller_discount": money(discounts[n]),
                "platform_discount": money(platforms[n]),
                "is_gift": False,
                "item_tax": (
                    [{"tax_type": "SALES_TAX", "tax_amount": money(taxes[n])}] if line.tax else []
                ),
            }
            units.append(unit)
    tax = money(sum_lines(order.lines, lambda ln: ln.tax))
    fee = money(order.shipping_fee)
    seller_shipping = -charged(order, "discount:shipping")
    platform_shipping = -charged(order, "discount:platform_shipping")
    total = order.total if order.total is not None else computed_total(order)
    levels = [
        ("L0", "Country", address.country),
        ("L1", "Province" if address.country == "CN" else "State", address.province),
        ("L2", "City", address.city),
        ("L3", "District", address.district),
    ]
    parts = (address.line1, address.district, address.city, address.province, address.country)
    native = native_values(order, TEXT_ATTRIBUTES, _DEFAULTS)
    placed = order.placed_at or order.updated_at
    data: JsonObject = {
        "id": ext,
        "status": status,
        "create_time": unix(placed),
        "paid_time": unix(placed),
        "update_time": unix(order.updated_at),
        "cancel_time": unix(order.updated_at) if cancelled else 0,
        "cancellation_initiator": "BUYER" if cancelled else "",
        "cancel_reason": native["cancel_reason"],
        "buyer_message": native["buyer_message"],
        "fulfillment_type": native["fulfillment_type"],
        "delivery_option_name": native["delivery_option_name"],
        "delivery_type": "HOME_DELIVERY",
        "is_cod": False,
        "user_id": order.customer.ref,
        "buyer_email": order.customer.email,
        "payment": {
            "currency": order.currency,
            "sub_total": money(sum_lines(order.lines, line_net) - platform),
            "original_total_product_price": money(sum_lines(order.lines, line_gross)),
            "seller_discount": money(sum_lines(order.lines, lambda ln: ln.discount)),
            "platform_discount": money(platform + platform_shipping),
            "shipping_fee": money(order.shipping_fee - seller_shipping - platform_shipping),
            "original_shipping_fee": fee,
            "shipping_fee_seller_discount": money(seller_shipping),
            "shipping_fee_platform_discount": money(platform_shipping),
            "shipping_fee_tax": "0.00",
            "tax": tax,
            "product_tax": tax,
            # the four fee fields always (as the fixtures), the insurance ones when charged
            **{key: money(charged(order, kind)) for key, kind in TIKTOK_FEES
               if "insurance" not in key or charged(order, kind)},
            "total_amount": money(total),
        },
        "recipient_address": {
            "name": address.name,
            "phone_number": address.phone,
            "region_code": address.country,
            "postal_code": address.postal_code,
            "address_line1": address.line1,
            "address_line2": "",
            "address_line3": "",
            "address_line4": "",
            "address_detail": "",
            "full_address": ", ".join(p for p in parts if p) if address.line1 else "",
            "district_info": [
                {"address_level": level, "address_level_name": name, "address_name": value}
                for level, name, value in levels
                if value
            ],
        },
        "line_items": units,
    }
    return {
        "code": 0,
        "data": {"orders": [data]},
        "message": "Success",
        "request_id": f"{derived_id(ext, 'request')}",
    }


def sign(body: bytes, secret: str) -> dict[str, str]:
    """The headers `verify` accepts for `secret` = "app_key:app_secret": Authorization =
    hex(HMAC-SHA256(app_secret, app_key + body))."""
    app_key, app_secret = split_signing_secret(secret)
    digest = hmac.new(app_secret.encode(), app_key.encode() + body, hashlib.sha256)
    return {TIKTOK_SIGNATURE_HEADER: digest.hexdigest()}
