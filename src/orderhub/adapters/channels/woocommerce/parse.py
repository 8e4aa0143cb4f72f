"""WooCommerce: the REST API v3 Order (`GET /wp-json/wc/v3/orders/<id>`), which is also the
body of the `order.created` and `order.updated` webhooks.

Amounts are decimal strings in the order currency, excluding tax (tax is in the `*_tax`
fields, whether or not the shop enters prices with tax); the line `price` is a JSON number
equal to `total / quantity` (after discounts), so the unit price is taken from `subtotal`.
`date_*_gmt` are naive GMT strings. The external id is the post `id`; `number` (which order
number plugins may rewrite) is kept as an attribute. Buyer declarations travel in the order's
`meta_data` (keys starting with "_" are private and left out, except the documented ones
that carry order facts: `PRIVATE_META`) and customs data in the line items' `meta_data`.
Each `fee_lines[]` entry (insurance, packaging, COD fee; a negative fee is the shop's
discount) is a component of the total (`ChannelOrder.charges`, its kind read from its
name); `discount_total`, `cart_tax` and `shipping_total + shipping_tax` are the stated
components the amounts check compares the lines and shipping lines with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import TypeVar

from orderhub.adapters.channels._payload import (
    ZERO,
    JsonObject,
    charge,
    currency_of,
    decimal_at,
    declarations,
    fee_kind,
    id_at,
    iso_time,
    join,
    line_customs,
    load_object,
    obj_at,
    objects_at,
    person_name,
    price_at,
    put,
    quantity_at,
    split_line,
    text_at,
    verify_hmac_b64,
)
from orderhub.adapters.channels.base import ChannelLine, ChannelOrder, PayloadError
from orderhub.domain.order import Address, Customer

_P = TypeVar("_P", Address, Customer)

WOOCOMMERCE_SIGNATURE_HEADER = "X-WC-Webhook-Signature"
WOOCOMMERCE_CANCELLED = frozenset({"cancelled", "refunded", "failed", "trash"})
# Order fields kept as attributes of the same name, which the renderer writes back.
TEXT_ATTRIBUTES = ("payment_method", "customer_note")

# WooCommerce's own state codes for China (i18n/states.php), as the Chinese province name.
CN_STATES: dict[str, str] = {
    "CN1": "云南",
    "CN2": "北京",
    "CN3": "天津",
    "CN4": "河北",
    "CN5": "山西",
    "CN6": "内蒙古",
    "CN7": "辽宁",
    "CN8": "吉林",
    "CN9": "黑龙江",
    "CN10": "上海",
    "CN11": "江苏",
    "CN12": "浙江",
    "CN13": "安徽",
    "CN14": "福建",
    "CN15": "江西",
    "CN16": "山东",
    "CN17": "河南",
    "CN18": "湖北",
    "CN19": "湖南",
    "CN20": "广东",
    "CN21": "广西",
    "CN22": "海南",
    "CN23": "重庆",
    "CN24": "四川",
    "CN25": "贵州",
    "CN26": "陕西",
    "CN27": "甘肃",
    "CN28": "青海",
    "CN29": "宁夏",
    "CN30": "澳门",
    "CN31": "西藏",
    "CN32": "新疆",
}


class WooCommerceAdapter:
    """WooCommerce REST API v3 Order JSON (webhook or API response)."""

    name = "woocommerce"

    def verify(self, body: bytes, headers: Mapping[str, str], secret: str) -> None:
        """X-WC-Webhook-Signature = base64(HMAC-SHA256(webhook secret, raw body))."""
        verify_hmac_b64(body, headers, secret, WOOCOMMERCE_SIGNATURE_HEADER)

    def parse(self, body: bytes) -> ChannelOrder:
        """One order; the creation ping (`webhook_id=<n>`, not JSON) is a PayloadError."""
        order = load_object(body, "a WooCommerce order")
        external_id = id_at(order, "id")
        currency = currency_of(order.get("currency"), "currency")
        items = objects_at(order, "line_items", required=True)
        lines = [_line(item, f"line_items[{i}]") for i, item in enumerate(items)]

        shipping_lines = objects_at(order, "shipping_lines", required=False)
        if shipping_lines:
            shipping_fee = sum(
                (
                    price_at(ship, "total", f"shipping_lines[{i}]")
                    + decimal_at(ship, "total_tax", f"shipping_lines[{i}]", ZERO)
                    for i, ship in enumerate(shipping_lines)
                ),
                ZERO,
            )
        else:
            shipping_fee = price_at(order, "shipping_total", default=ZERO) + decimal_at(
                order, "shipping_tax", default=ZERO
            )

        created = order.get("date_created_gmt")
        modified = order.get("date_modified_gmt")
        placed_at = iso_time(created, "date_created_gmt") if created else None
        if modified:
            updated_at = iso_time(modified, "date_modified_gmt")
        elif placed_at is not None:
            updated_at = placed_at
        else:
            raise PayloadError("is missing", "date_modified_gmt")
        status = text_at(order, "status")

        meta = objects_at(order, "meta_data", required=False)
        declared = declarations(meta, "meta_data", "key", skip_private=True)
        attributes = dict(declared.attributes)  # the order's own facts below take precedence
        attributes.update(meta_facts(meta))
        put(attributes, "order_number", order.get("number"))
        put(attributes, "wc_status", status)
        for key in (*TEXT_ATTRIBUTES, "prices_include_tax"):
            put(attributes, key, order.get(key))
        charges = []
        for i, fee in enumerate(objects_at(order, "fee_lines", required=False)):
            fpath = f"fee_lines[{i}]"
            amount = decimal_at(fee, "total", fpath, ZERO) + decimal_at(
                fee, "total_tax", fpath, ZERO)
            name = text_at(fee, "name", fpath)
            found = charge(fee_kind(name, amount), amount, name)
            if found is not None:
                charges.append(found)
        stated = {}
        for key, fields in (("discount", ("discount_total",)), ("tax", ("cart_tax",)),
                            ("shipping", ("shipping_total", "shipping_tax"))):
            if order.get(fields[0]) not in (None, ""):
                stated[key] = sum((decimal_at(order, f, default=ZERO) for f in fields), ZERO)

        return ChannelOrder(
            external_id=external_id,
            status="cancelled" if status in WOOCOMMERCE_CANCELLED else "open",
            updated_at=updated_at,
            currency=currency,
            lines=lines,
            customer=_with_phone(_customer(order), attributes.get("billing_phone", "")),
            shipping_address=_meta_phone(order, _address(order), attributes),
            shipping_fee=shipping_fee,
            total=decimal_at(order, "total") if order.get("total") not in (None, "") else None,
            placed_at=placed_at,
            cross_border=declared.cross_border,
            declared_value=declared.declared_value,
            requested_delivery=_iso_date(attributes.get("requested_delivery", "")),
            attributes=attributes,
            charges=charges,
            stated_components=stated,
            raw=order,
        )


# ----- private meta keys that carry order facts ---------------------------------------------
# Keys starting with "_" are hidden from the shop's order screen, not from the API: the ones
# below are documented by WooCommerce or a common plugin to hold an order fact, so they are
# read (docs/channels.md cites each source); every other "_" key stays skipped.
PRIVATE_META: dict[str, str] = {
    "_billing_phone": "billing_phone",  # WooCommerce core order data (post meta before HPOS)
    "_shipping_phone": "shipping_phone",  # WooCommerce core, shipping phone since 5.6
    "_delivery_date": "requested_delivery",  # checkout delivery-date fields (Y-m-d)
    "_orddd_timestamp": "requested_delivery",  # Order Delivery Date Pro (Tyche Softwares)
    "_orddd_lite_timestamp": "requested_delivery",  # Order Delivery Date Lite (Tyche)
    "jckwds_date_ymd": "requested_delivery",  # Iconic WooCommerce Delivery Slots (Ymd)
    "_billing_vat_number": "invoice_tax_id",  # WooCommerce EU VAT Number (and WCPOS default)
    "_vat_number": "invoice_tax_id",  # WooCommerce EU VAT Number before 2.3
    "_billing_eu_vat_number": "invoice_tax_id",  # EU VAT plugins (WPFactory and others)
    "vat_number": "invoice_tax_id",  # Aelia EU VAT Assistant
    "_oss_vat_number": "invoice_tax_id",  # EU VAT One Stop Shop for WooCommerce
    "_invoice_title": "invoice_title",  # Chinese checkout-field customisations (发票抬头)
    "_billing_invoice_title": "invoice_title",
    # The buyer's date of birth from checkout-field plugins (Checkout Field Editor, Flexible
    # Checkout Fields, age-verification plugins): read by the buyer-notes stage as the
    # buyer's own age (domain/buyer_notes.BIRTH_DATE_ATTRIBUTE)
    "_billing_birthdate": "buyer_birth_date",
    "_billing_birth_date": "buyer_birth_date",
    "billing_birthdate": "buyer_birth_date",
    "billing_birth_date": "buyer_birth_date",
    "_date_of_birth": "buyer_birth_date",
    "date_of_birth": "buyer_birth_date",
    "_dob": "buyer_birth_date",
    "dob": "buyer_birth_date",
}
_TIMESTAMP_KEYS = frozenset({"_orddd_timestamp", "_orddd_lite_timestamp"})


def _meta_date(key: str, value: str) -> str:
    """A delivery date as YYYY-MM-DD ("" when it is not one). Order Delivery Date stores
    the chosen day's midnight in the shop's time zone as unix seconds: noon UTC of that
    day is within 12 hours of it in every zone, so the date of (seconds + 12 h) is it."""
    text = value.strip()
    try:
        if key in _TIMESTAMP_KEYS:
            moment = datetime.fromtimestamp(int(text) + 12 * 3600, UTC)
            return moment.date().isoformat()
        digits = text.replace("-", "").replace("/", "")
        if len(digits) == 8 and digits.isdigit():
            return date(int(digits[:4]), int(digits[4:6]), int(digits[6:])).isoformat()
    except (ValueError, OverflowError, OSError):
        return ""
    return ""


def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:  # a shop's own free-text "requested_delivery" meta: not a date
        return None


def meta_facts(meta: list[JsonObject]) -> dict[str, str]:
    """The order facts of `meta_data` under their canonical attribute names."""
    out: dict[str, str] = {}
    for i, entry in enumerate(meta):
        key = text_at(entry, "key", f"meta_data[{i}]")
        name = PRIVATE_META.get(key)
        value = entry.get("value")
        if name is None or not isinstance(value, str | int) or isinstance(value, bool):
            continue
        text = str(value).strip()
        if name == "requested_delivery":
            text = _meta_date(key, text)
        if text and name not in out:
            out[name] = text
    return out


def _with_phone(target: _P, phone: str) -> _P:
    return replace(target, phone=phone) if phone and not target.phone else target


def _meta_phone(order: JsonObject, address: Address, attributes: dict[str, str]) -> Address:
    """The recipient's phone: `shipping.phone`, else the `_shipping_phone` meta, else the
    billing phone (`billing.phone`, then the `_billing_phone` meta)."""
    if text_at(obj_at(order, "shipping") or {}, "phone", "shipping"):
        return address
    if attributes.get("shipping_phone"):
        return replace(address, phone=attributes["shipping_phone"])
    return _with_phone(address, attributes.get("billing_phone", ""))


def _line(item: JsonObject, path: str) -> ChannelLine:
    quantity = quantity_at(item, "quantity", path)
    total = price_at(item, "total", path)
    subtotal = price_at(item, "subtotal", path, default=total)
    unit_price, discount = split_line(subtotal, quantity, total)
    barcode = text_at(item, "global_unique_id", path)  # GTIN/EAN, WooCommerce 9.2+
    meta = objects_at(item, "meta_data", path, required=False)
    hs_code, origin_country = line_customs(meta, join(path, "meta_data"), "key")
    return ChannelLine(
        channel_sku=text_at(item, "sku", path),
        title=text_at(item, "name", path),
        quantity=quantity,
        unit_price=unit_price,
        discount=discount,
        tax=decimal_at(item, "total_tax", path, ZERO),
        barcode=barcode,
        line_ref=text_at(item, "id", path),
        hs_code=hs_code,
        origin_country=origin_country,
    )


def _has_address(data: JsonObject | None, path: str) -> bool:
    return data is not None and any(
        text_at(data, key, path) for key in ("address_1", "city", "postcode")
    )


def _address(order: JsonObject) -> Address:
    shipping = obj_at(order, "shipping")
    billing = obj_at(order, "billing") or {}
    data, path = billing, "billing"
    if shipping is not None and _has_address(shipping, "shipping"):
        data, path = shipping, "shipping"
    country = text_at(data, "country", path).upper()
    state = text_at(data, "state", path)
    province = CN_STATES.get(state, state) if country == "CN" else state
    parts = (text_at(data, "address_1", path), text_at(data, "address_2", path))
    line1 = " ".join(p for p in parts if p)
    name = person_name(text_at(data, "first_name", path), text_at(data, "last_name", path))
    return Address(
        country=country,
        province=province,
        city=text_at(data, "city", path),
        line1=line1,
        postal_code=text_at(data, "postcode", path),
        name=name or text_at(data, "company", path),
        phone=text_at(data, "phone", path) or text_at(billing, "phone", "billing"),
    )


def _customer(order: JsonObject) -> Customer:
    billing = obj_at(order, "billing") or {}
    customer_id = text_at(order, "customer_id")
    return Customer(
        ref="" if customer_id in ("", "0") else customer_id,  # 0 is a guest checkout
        name=person_name(
            text_at(billing, "first_name", "billing"), text_at(billing, "last_name", "billing")
        ),
        email=text_at(billing, "email", "billing"),
        phone=text_at(billing, "phone", "billing"),
    )
