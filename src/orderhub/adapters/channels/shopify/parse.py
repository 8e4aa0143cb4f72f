"""Shopify: the `orders/create`, `orders/updated` and `orders/cancelled` webhooks.

The payload is the REST Admin API Order resource (documented for API version 2024-10; the
fields used here are unchanged through 2025-07). Money fields are decimal strings in the shop
currency (`currency`); times are ISO 8601 with an offset. The external id is the numeric
`id` (stable, unique per shop); the shop-facing `name` ("#1001") is kept as an attribute.
Buyer declarations travel in the order's `note_attributes` (cart attributes) and customs data
in the line items' `properties`. Shipping discounts (`shipping_lines[].discount_allocations`),
duties (`original_total_duties_set`, else the line items' `duties[]`) and tips
(`total_tip_received`) are components of the total (`ChannelOrder.charges`); the stated
`total_line_items_price` is compared with the lines' subtotal.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from orderhub.adapters.channels._payload import (
    ZERO,
    JsonObject,
    charge,
    currency_of,
    decimal_at,
    declarations,
    id_at,
    iso_time,
    join,
    line_customs,
    list_at,
    load_object,
    obj_at,
    objects_at,
    person_name,
    price_at,
    put,
    quantity_at,
    text_at,
    verify_hmac_b64,
)
from orderhub.adapters.channels.base import (
    ChannelLine,
    ChannelOrder,
)
from orderhub.domain.order import Address, Customer

SHOPIFY_HMAC_HEADER = "X-Shopify-Hmac-Sha256"
# Fully refunded or voided payments end the order for fulfilment, like a cancellation.
SHOPIFY_CANCELLED_FINANCIAL = frozenset({"refunded", "voided"})
# Order fields kept as attributes of the same name, which the renderer writes back.
TEXT_ATTRIBUTES = ("source_name", "tags", "note")


class ShopifyAdapter:
    """Shopify REST Admin API Order resource, as the orders/* webhooks deliver it."""

    name = "shopify"

    def verify(self, body: bytes, headers: Mapping[str, str], secret: str) -> None:
        """X-Shopify-Hmac-Sha256 = base64(HMAC-SHA256(app client secret, raw body))."""
        verify_hmac_b64(body, headers, secret, SHOPIFY_HMAC_HEADER)

    def parse(self, body: bytes) -> ChannelOrder:
        """One Order resource (the webhook body, or `{"order": {...}}` from the REST API)."""
        order = load_object(body, "a Shopify Order")
        wrapped = order.get("order")
        if "id" not in order and isinstance(wrapped, dict):
            order = wrapped
        external_id = id_at(order, "id")
        currency = currency_of(order.get("currency"), "currency")
        taxes_included = order.get("taxes_included") is True
        items = objects_at(order, "line_items", required=True)
        lines = [
            _shopify_line(item, f"line_items[{i}]", taxes_included) for i, item in enumerate(items)
        ]
        shipping_fee = shipping_discount = ZERO
        for i, ship in enumerate(objects_at(order, "shipping_lines", required=False)):
            path = f"shipping_lines[{i}]"
            shipping_fee += price_at(ship, "price", path)
            shipping_discount += _sum_amounts(ship, "discount_allocations", "amount", path)
            if not taxes_included:
                shipping_fee += _sum_amounts(ship, "tax_lines", "price", path)
        charges = [c for c in (
            charge("discount:shipping", -shipping_discount, "shipping discount"),
            charge("duty", _duties(order), "duties"),
            charge("tip", decimal_at(order, "total_tip_received", default=ZERO), "tip"),
        ) if c is not None]
        stated = {}
        if order.get("total_line_items_price") not in (None, ""):
            stated["subtotal"] = decimal_at(order, "total_line_items_price")

        placed_at = iso_time(order.get("created_at"), "created_at")
        updated_raw = order.get("updated_at")
        updated_at = iso_time(updated_raw, "updated_at") if updated_raw else placed_at
        cancelled_raw = order.get("cancelled_at")
        financial = text_at(order, "financial_status")
        cancelled = bool(cancelled_raw) or financial in SHOPIFY_CANCELLED_FINANCIAL
        if cancelled_raw:
            updated_at = max(updated_at, iso_time(cancelled_raw, "cancelled_at"))

        declared = declarations(
            objects_at(order, "note_attributes", required=False), "note_attributes", "name"
        )
        attributes = dict(declared.attributes)  # the order's own facts below take precedence
        for key in ("name", "order_number", "financial_status", "fulfillment_status"):
            put(attributes, "order_name" if key == "name" else key, order.get(key))
        for key in ("cancel_reason", "presentment_currency", *TEXT_ATTRIBUTES):
            put(attributes, key, order.get(key))
        if taxes_included:
            attributes["taxes_included"] = "true"
            put(attributes, "included_tax", order.get("total_tax"))

        return ChannelOrder(
            external_id=external_id,
            status="cancelled" if cancelled else "open",
            updated_at=updated_at,
            currency=currency,
            lines=lines,
            customer=_shopify_customer(order),
            shipping_address=_shopify_address(obj_at(order, "shipping_address")),
            shipping_fee=shipping_fee,
            total=decimal_at(order, "total_price") if order.get("total_price") else None,
            placed_at=placed_at,
            cross_border=declared.cross_border,
            declared_value=declared.declared_value,
            attributes=attributes,
            charges=charges,
            stated_components=stated,
            raw=order,
        )


def _duties(order: JsonObject) -> Decimal:
    """Duties charged on the order: `original_total_duties_set` (or the current one) in shop
    money, else the line items' `duties[]`."""
    for key in ("original_total_duties_set", "current_total_duties_set"):
        bag = obj_at(order, key)
        shop = obj_at(bag, "shop_money", key) if bag is not None else None
        if shop is not None and shop.get("amount") not in (None, ""):
            return decimal_at(shop, "amount", join(key, "shop_money"))
    total = ZERO
    for i, item in enumerate(objects_at(order, "line_items", required=False)):
        for j, duty in enumerate(objects_at(item, "duties", f"line_items[{i}]",
                                            required=False)):
            dpath = f"line_items[{i}].duties[{j}]"
            bag = obj_at(duty, "shop_money", dpath) or obj_at(
                obj_at(duty, "price_set", dpath) or {}, "shop_money", join(dpath, "price_set"))
            if bag is not None:
                total += decimal_at(bag, "amount", dpath, ZERO)
    return total


def _sum_amounts(data: JsonObject, key: str, field: str, path: str) -> Decimal:
    """Sum `field` over the objects of the array `key` (tax_lines, discount_allocations)."""
    total = ZERO
    for i, entry in enumerate(objects_at(data, key, path, required=False)):
        total += decimal_at(entry, field, f"{join(path, key)}[{i}]")
    return total


def _shopify_line(item: JsonObject, path: str, taxes_included: bool) -> ChannelLine:
    quantity = quantity_at(item, "quantity", path)
    unit_price = price_at(item, "price", path)
    if list_at(item, "discount_allocations", path):
        discount = _sum_amounts(item, "discount_allocations", "amount", path)
    else:  # older payloads only carry the (now deprecated) per-line total
        discount = price_at(item, "total_discount", path, default=ZERO)
    tax = ZERO if taxes_included else _sum_amounts(item, "tax_lines", "price", path)
    sku = text_at(item, "sku", path) or text_at(item, "variant_id", path)
    properties = objects_at(item, "properties", path, required=False)
    hs_code, origin_country = line_customs(properties, join(path, "properties"), "name")
    return ChannelLine(
        channel_sku=sku,
        title=text_at(item, "title", path) or text_at(item, "name", path),
        quantity=quantity,
        unit_price=unit_price,
        discount=discount,
        tax=tax,
        barcode="",  # line items carry no barcode; it lives on the variant
        line_ref=text_at(item, "id", path),
        hs_code=hs_code,
        origin_country=origin_country,
    )


def _shopify_address(data: JsonObject | None) -> Address:
    if data is None:
        return Address(country="")
    path = "shipping_address"
    name = text_at(data, "name", path) or person_name(
        text_at(data, "first_name", path), text_at(data, "last_name", path)
    )
    line1 = " ".join(
        part for part in (text_at(data, "address1", path), text_at(data, "address2", path)) if part
    )
    lat, lon = data.get("latitude"), data.get("longitude")
    return Address(
        country=text_at(data, "country_code", path).upper(),
        province=text_at(data, "province", path),
        city=text_at(data, "city", path),
        line1=line1,
        postal_code=text_at(data, "zip", path),
        name=name,
        phone=text_at(data, "phone", path),
        lat=float(lat) if isinstance(lat, int | float) and not isinstance(lat, bool) else None,
        lon=float(lon) if isinstance(lon, int | float) and not isinstance(lon, bool) else None,
    )


def _shopify_customer(order: JsonObject) -> Customer:
    data = obj_at(order, "customer") or {}
    path = "customer"
    return Customer(
        ref=text_at(data, "id", path),
        name=person_name(text_at(data, "first_name", path), text_at(data, "last_name", path)),
        email=text_at(data, "email", path)
        or text_at(order, "email")
        or text_at(order, "contact_email"),
        phone=text_at(data, "phone", path) or text_at(order, "phone"),
    )
