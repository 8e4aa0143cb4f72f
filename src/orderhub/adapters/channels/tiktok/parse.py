"""TikTok Shop (global): the Open API "Get Order Detail" response, API version 202309
(`GET /order/202309/orders?ids=...` -> `data.orders[]`). Its ORDER_STATUS_CHANGE webhook
only names the order, so the hub fetches the detail and hands it to `parse`; `verify`
checks the webhook itself. Amounts are decimal strings; times are unix seconds; every
`line_items[]` entry is ONE unit, so identical units are grouped into one line here.
A unit's `seller_discount` is the line's discount; its `platform_discount` is the platform's
subsidy, counted as the order's `discount:platform` component (the seller still gets the
price); shipping is the listed `original_shipping_fee` with the seller's and platform's
shipping discounts as components, and the payment's fees (small order, retail delivery,
service, handling, insurance) are components too.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from orderhub.adapters.channels._payload import (
    ZERO,
    JsonObject,
    charge,
    compare_signature,
    currency_of,
    decimal_at,
    id_at,
    join,
    load_object,
    obj_at,
    objects_at,
    places,
    price_at,
    put,
    require_header,
    split_app_secret,
    text_at,
    unix_time,
)
from orderhub.adapters.channels.base import (
    ChannelLine,
    ChannelOrder,
    PayloadError,
)
from orderhub.domain.order import Address, Customer

TIKTOK_SIGNATURE_HEADER = "Authorization"
TIKTOK_CANCELLED = "CANCELLED"  # `status` of a cancelled order (and `display_status` of a unit)
# Order fields kept as attributes of the same name, which the renderer writes back.
TEXT_ATTRIBUTES = ("cancel_reason", "buyer_message", "fulfillment_type", "delivery_option_name")
# The order's fees in `payment` (202309), each a component of the total.
TIKTOK_FEES = (("small_order_fee", "fee:small_order"), ("retail_delivery_fee", "fee:delivery"),
               ("buyer_service_fee", "fee:service"), ("handling_fee", "fee:handling"),
               ("item_insurance_fee", "fee:insurance"),
               ("shipping_insurance_fee", "fee:shipping_insurance"))


@dataclass(slots=True)
class _Group:
    """Identical TikTok units gathered into one line."""

    sku: str
    title: str
    unit_price: Decimal
    quantity: int = 0
    discount: Decimal = ZERO  # the seller's
    platform: Decimal = ZERO  # the platform's subsidy: a component of its own
    tax: Decimal = ZERO
    refs: list[str] = field(default_factory=list)


class TikTokShopAdapter:
    """TikTok Shop Open API order detail (202309)."""

    name = "tiktok"

    def __init__(self, app_key: str = "") -> None:
        self.app_key = app_key

    def verify(self, body: bytes, headers: Mapping[str, str], secret: str) -> None:
        """Authorization = hex(HMAC-SHA256(app_secret, app_key + raw body))."""
        app_key, app_secret = split_app_secret(self.app_key, secret, "TikTok Shop")
        given = require_header(headers, TIKTOK_SIGNATURE_HEADER).lower()
        expected = hmac.new(
            app_secret.encode(), app_key.encode() + body, hashlib.sha256
        ).hexdigest()
        compare_signature(given, expected, TIKTOK_SIGNATURE_HEADER)

    def parse(self, body: bytes) -> ChannelOrder:
        """The detail response with exactly one order, or a bare order object."""
        data = load_object(body, "a TikTok Shop order detail")
        inner = data.get("data")
        if "shop_order_id" in data or (isinstance(inner, dict) and "shop_order_detail" in inner):
            raise PayloadError("this is a Douyin shop order: use the 'douyin' adapter")
        order, path = _tiktok_order(data)
        external_id = id_at(order, "id", path)
        payment = obj_at(order, "payment", path)
        if payment is None:
            raise PayloadError("is missing", join(path, "payment"))
        ppath = join(path, "payment")
        currency = currency_of(payment.get("currency"), f"{ppath}.currency")
        status = text_at(order, "status", path).upper()
        cancelled = status == TIKTOK_CANCELLED

        units = objects_at(order, "line_items", path, required=True)
        groups: dict[tuple[str, Decimal], _Group] = {}
        all_units_cancelled = all(
            text_at(u, "display_status").upper() == TIKTOK_CANCELLED for u in units
        )
        for i, unit in enumerate(units):
            upath = join(path, f"line_items[{i}]")
            # A unit cancelled inside a live order is a partial cancellation: leave it out.
            if (
                not cancelled
                and not all_units_cancelled
                and text_at(unit, "display_status", upath).upper() == TIKTOK_CANCELLED
            ):
                continue
            _add_unit(groups, unit, upath)
        # Order-level tax is spread over what the buyer paid per line (after both discounts);
        # then the line keeps the seller's discount and the platform's is a component.
        lines = [
            ChannelLine(
                channel_sku=g.sku,
                title=g.title,
                quantity=g.quantity,
                unit_price=g.unit_price,
                discount=g.discount + g.platform,
                tax=g.tax,
                line_ref=",".join(g.refs),
            )
            for g in groups.values()
        ]
        lines = [replace(line, discount=g.discount) for line, g in zip(
            _spread_order_tax(lines, payment, ppath), groups.values(), strict=True)]

        # Shipping as listed, its seller and platform discounts as components of their own
        # (`shipping_fee` is what the buyer paid after both).
        paid_shipping = price_at(payment, "shipping_fee", ppath, ZERO)
        seller_ship = price_at(payment, "shipping_fee_seller_discount", ppath, ZERO)
        platform_ship = price_at(payment, "shipping_fee_platform_discount", ppath, ZERO)
        cofunded = price_at(payment, "shipping_fee_cofunded_discount", ppath, ZERO)
        listed = payment.get("original_shipping_fee") not in (None, "")
        original = (price_at(payment, "original_shipping_fee", ppath) if listed
                    else paid_shipping + seller_ship + platform_ship + cofunded)
        shipping_fee = original + decimal_at(payment, "shipping_fee_tax", ppath, ZERO)
        found = [
            charge("discount:platform", -sum((g.platform for g in groups.values()), ZERO),
                   "platform discount"),
            charge("discount:shipping", -(seller_ship + cofunded), "seller shipping discount"),
            charge("discount:platform_shipping", -platform_ship, "platform shipping discount"),
            *(charge(kind, decimal_at(payment, key, ppath, ZERO), key)
              for key, kind in TIKTOK_FEES),
        ]
        charges = [c for c in found if c is not None]
        stated = {}
        if payment.get("original_total_product_price") not in (None, ""):
            stated["subtotal"] = decimal_at(payment, "original_total_product_price", ppath)
        placed_at = unix_time(order.get("create_time"), join(path, "create_time"))
        update_raw = order.get("update_time")
        updated_at = unix_time(update_raw, join(path, "update_time")) if update_raw else placed_at

        attributes: dict[str, str] = {"tiktok_status": status} if status else {}
        for key in (*TEXT_ATTRIBUTES, "cancellation_initiator", "is_cod"):
            put(attributes, key, order.get(key))

        return ChannelOrder(
            external_id=external_id,
            status="cancelled" if cancelled else "open",
            updated_at=updated_at,
            currency=currency,
            lines=lines,
            customer=_tiktok_customer(order, path),
            shipping_address=_tiktok_address(obj_at(order, "recipient_address", path), path),
            shipping_fee=shipping_fee,
            total=decimal_at(payment, "total_amount", ppath),
            placed_at=placed_at,
            attributes=attributes,
            charges=charges,
            stated_components=stated,
            raw=order,
        )


def _tiktok_order(data: JsonObject) -> tuple[JsonObject, str]:
    """The one order of a detail response (`data.orders[0]`), or a bare order object."""
    if "code" in data and data["code"] != 0:
        raise PayloadError(f"API error: {data.get('message', '')}", "code")
    envelope = obj_at(data, "data")
    if envelope is None:  # a bare order object
        return data, ""
    orders = objects_at(envelope, "orders", "data", required=False)
    if len(orders) != 1:
        raise PayloadError(f"expected exactly one order, got {len(orders)}", "data.orders")
    return orders[0], "data.orders[0]"


def _add_unit(groups: dict[tuple[str, Decimal], _Group], unit: JsonObject, path: str) -> None:
    sku = text_at(unit, "seller_sku", path)
    original = price_at(unit, "original_price", path)
    # Units are one product when the seller's SKU code (what the crosswalk maps) and the
    # listed price agree, whatever platform sku_id each unit carries; without a seller
    # code, the platform's sku_id says which product it is.
    key = (sku or text_at(unit, "sku_id", path), original)
    group = groups.get(key)
    if group is None:
        title = text_at(unit, "product_name", path)
        group = groups[key] = _Group(sku=sku, title=title, unit_price=original)
    group.quantity += 1
    group.discount += price_at(unit, "seller_discount", path, ZERO)
    group.platform += price_at(unit, "platform_discount", path, ZERO)
    for j, tax in enumerate(objects_at(unit, "item_tax", path, required=False)):
        group.tax += decimal_at(tax, "tax_amount", join(path, f"item_tax[{j}]"), ZERO)
    group.refs.append(text_at(unit, "id", path))
    if "sale_price" in unit:  # validate it even though it is derived
        price_at(unit, "sale_price", path)


def _spread_order_tax(
    lines: list[ChannelLine], payment: JsonObject, path: str
) -> list[ChannelLine]:
    """Put product tax stated only on the order onto the lines, pro rata to their net."""
    if any(line.tax for line in lines):
        return lines
    if payment.get("product_tax") not in (None, ""):
        order_tax = decimal_at(payment, "product_tax", path)
    else:
        order_tax = decimal_at(payment, "tax", path, ZERO) - decimal_at(
            payment, "shipping_fee_tax", path, ZERO
        )
    nets = [line.unit_price * line.quantity - line.discount for line in lines]
    base = sum(nets, ZERO)
    if order_tax <= 0 or base <= 0:
        return lines
    step = Decimal(1).scaleb(-max(places(order_tax), 2))
    shares = [(order_tax * net / base).quantize(step, ROUND_HALF_UP) for net in nets[:-1]]
    shares.append(order_tax - sum(shares, ZERO))
    return [
        ChannelLine(
            channel_sku=line.channel_sku,
            title=line.title,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount,
            tax=share,
            line_ref=line.line_ref,
        )
        for line, share in zip(lines, shares, strict=True)
    ]


_LEVELS = {
    "province": ("state", "province", "region", "prefecture", "nation", "country"),
    "city": ("city", "town", "post town", "municipality"),
    "district": ("district", "county", "ward", "commune", "borough"),
}


def _tiktok_address(data: JsonObject | None, order_path: str) -> Address:
    if data is None:
        return Address(country="")
    path = join(order_path, "recipient_address")
    found: dict[str, str] = {}
    for i, level in enumerate(objects_at(data, "district_info", path, required=False)):
        lpath = join(path, f"district_info[{i}]")
        level_name = text_at(level, "address_level_name", lpath).lower()
        value = text_at(level, "address_name", lpath)
        if text_at(level, "address_level", lpath).upper() == "L0":
            continue  # the country, already given as region_code
        for target, names in _LEVELS.items():
            if level_name in names and target not in found:
                found[target] = value
    street = [text_at(data, f"address_line{n}", path) for n in (1, 2, 3, 4)]
    line1 = (
        " ".join(p for p in street if p)
        or text_at(data, "address_detail", path)
        or text_at(data, "full_address", path)
    )
    return Address(
        country=text_at(data, "region_code", path).upper(),
        province=found.get("province", ""),
        city=found.get("city", ""),
        district=found.get("district", ""),
        line1=line1,
        postal_code=text_at(data, "postal_code", path),
        name=text_at(data, "name", path),
        phone=text_at(data, "phone_number", path),
    )


def _tiktok_customer(order: JsonObject, path: str) -> Customer:
    recipient = obj_at(order, "recipient_address", path) or {}
    return Customer(
        ref=text_at(order, "user_id", path),
        name=text_at(recipient, "name"),
        email=text_at(order, "buyer_email", path),
        phone=text_at(recipient, "phone_number"),
    )
