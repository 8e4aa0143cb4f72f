"""Channel payloads from canonical orders: the inverse of the channel adapters.

`render(adapter, order)` writes a `ChannelOrder` as that channel's documented payload (the
shape of the fixtures in tests/fixtures/channels, API envelope included), `render_csv(orders)`
writes a tabular import file, and `sign(adapter, body, secret)` returns the headers the
adapter's `verify` accepts. They build labelled test corpora: `ADAPTERS[a].parse(render(a, o))`
gives `o` back, except for what the format has no place for (docs/channels.md, "Rendering
payloads", lists it per format) and times, which are cut to the second.

Rendering is deterministic: ids the format needs but the order does not hold (line ids, SKU
ids, request ids) are derived from the order's external id. A value the format's own field
cannot hold (a non-CNY Douyin or Taobao order, an amount finer than a fen for Douyin, a CSV
line without SKU) is a ValueError; a field the format has no place for is left out.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import ROUND_FLOOR, Decimal

import orjson

from orderhub.adapters.channels._payload import (
    CHINA_TZ,
    CROSS_BORDER_KEY,
    DECLARED_VALUE_KEY,
    HS_CODE_KEY,
    ORIGIN_COUNTRY_KEY,
    ZERO,
    JsonObject,
    hmac_sha256_b64,
    person_name,
    places,
)
from orderhub.adapters.channels.base import ChannelLine, ChannelOrder
from orderhub.adapters.channels.shopify import SHOPIFY_HMAC_HEADER
from orderhub.adapters.channels.taobao import TAOBAO_SIGNATURE_HEADER
from orderhub.adapters.channels.tiktok import (
    DOUYIN_APP_HEADER,
    DOUYIN_CANCELLED,
    DOUYIN_OK,
    DOUYIN_SIGNATURE_HEADER,
    TIKTOK_SIGNATURE_HEADER,
)
from orderhub.adapters.channels.woocommerce import CN_STATES, WOOCOMMERCE_SIGNATURE_HEADER
from orderhub.domain.order import Address

ADAPTER_NAMES: tuple[str, ...] = ("shopify", "woocommerce", "tiktok", "douyin", "taobao")

# Canonical tabular field -> the Chinese header `render_csv` writes (one of DEFAULT_HEADERS).
CSV_HEADERS: dict[str, str] = {
    "external_id": "订单号",
    "sku": "商品编码",
    "title": "商品名称",
    "quantity": "数量",
    "unit_price": "单价",
    "discount": "优惠金额",
    "tax": "税额",
    "barcode": "条码",
    "hs_code": "HS编码",
    "origin_country": "原产国",
    "currency": "币种",
    "customer_ref": "客户编码",
    "customer_name": "客户名称",
    "email": "邮箱",
    "recipient": "收货人",
    "phone": "手机",
    "country": "国家",
    "province": "省",
    "city": "市",
    "district": "区",
    "address": "详细地址",
    "postal_code": "邮编",
    "order_type": "订单类型",
    "shipping_fee": "运费",
    "placed_at": "下单时间",
    "baby_age_months": "婴儿月龄",
    "buyer_age": "买家年龄",
    "cross_border": "跨境",
    "declared_value": "申报价值",
}
CSV_ATTRIBUTES: tuple[str, ...] = ("baby_age_months", "buyer_age")

# Order attributes each format carries in a field of its own (same name, free text), with the
# value written when the order has none. Shopify and WooCommerce carry every other attribute
# in `note_attributes` / `meta_data` too; the other formats drop the rest.
NATIVE_ATTRIBUTES: dict[str, tuple[tuple[str, str], ...]] = {
    "shopify": (("source_name", "web"), ("tags", "")),
    "woocommerce": (("payment_method", ""), ("customer_note", "")),
    "tiktok": (
        ("buyer_message", ""),
        ("cancel_reason", ""),
        ("fulfillment_type", "FULFILLMENT_BY_SELLER"),
        ("delivery_option_name", "Standard shipping"),
    ),
    "douyin": (("buyer_words", ""), ("cancel_reason", "")),
    "taobao": (("buyer_message", ""), ("seller_memo", "")),
}

_CJK = re.compile(r"[\u3400-\u9fff]")
_DIGITS = re.compile(r"[1-9][0-9]*|0")
_MAX_JSON_INT = 2**63 - 1
_CN_STATE_CODES = {name: code for code, name in CN_STATES.items()}


# ----- value helpers ------------------------------------------------------------------------


def _second(moment: datetime) -> datetime:
    """Aware UTC, cut to the second (a naive time is taken as UTC)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(microsecond=0)


def _iso(moment: datetime) -> str:
    return _second(moment).isoformat()


def _naive_utc(moment: datetime) -> str:
    return _second(moment).replace(tzinfo=None).isoformat()


def _china(moment: datetime) -> str:
    return _second(moment).astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")


def _unix(moment: datetime) -> int:
    return int(_second(moment).timestamp())


def _money(amount: Decimal) -> str:
    """A decimal string with at least two places and no exponent ("5" -> "5.00")."""
    if places(amount) < 2:
        amount = amount.quantize(Decimal("0.01"))
    return format(amount, "f")


def _plain(amount: Decimal) -> str:
    """An amount as written, without an exponent."""
    return format(amount, "f")


def _fen(amount: Decimal, what: str) -> int:
    """Yuan as integer fen; ValueError when the amount is finer than a fen."""
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"{what} {amount} is not a whole number of fen")
    return int(fen)


def _int_id(value: str) -> int | str:
    """An id the platform documents as an integer; other ids stay strings (adapters read both)."""
    if _DIGITS.fullmatch(value) and int(value) <= _MAX_JSON_INT:
        return int(value)
    return value


def _derived(*parts: object) -> int:
    """A stable 16-digit id for something the order does not name (a line id, a SKU id)."""
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()
    return 10**15 + int(digest[:12], 16) % (9 * 10**15)


def _split_name(name: str) -> tuple[str, str]:
    """(first_name, last_name) that the adapters join back into `name`."""
    if _CJK.search(name) and len(name) > 1:
        first, last = name[1:], name[:1]  # family name first: 王伟 = 王 + 伟
    else:
        head, _, tail = name.rpartition(" ")
        first, last = (head, tail) if head else (name, "")
    if person_name(first.strip(), last.strip()) != name.strip():
        return name, ""
    return first, last


def _spread(amount: Decimal, parts: int) -> list[Decimal]:
    """`amount` in `parts` shares at its own precision (at least cents), summing exactly."""
    step = Decimal(1).scaleb(-max(places(amount), 2))
    base = (amount / parts).quantize(step, ROUND_FLOOR)
    extra = int((amount - base * parts) / step)
    return [base + step if i < extra else base for i in range(parts)]


def _gross(line: ChannelLine) -> Decimal:
    return line.unit_price * line.quantity


def _net(line: ChannelLine) -> Decimal:
    return _gross(line) - line.discount


def _sum(lines: Iterable[ChannelLine], amount: Callable[[ChannelLine], Decimal]) -> Decimal:
    return sum((amount(line) for line in lines), ZERO)


def _computed_total(order: ChannelOrder) -> Decimal:
    return _sum(order.lines, lambda ln: _net(ln) + ln.tax) + order.shipping_fee


def _native(adapter: str, order: ChannelOrder) -> dict[str, str]:
    return {key: order.attributes.get(key, default) for key, default in NATIVE_ATTRIBUTES[adapter]}


def _declared(adapter: str, order: ChannelOrder) -> list[tuple[str, str]]:
    """(name, value) for a name/value list: attributes, then cross_border and declared_value."""
    native = {key for key, _ in NATIVE_ATTRIBUTES[adapter]}
    pairs = [
        (key, value)
        for key, value in order.attributes.items()
        if key not in native and key not in (CROSS_BORDER_KEY, DECLARED_VALUE_KEY)
    ]
    if order.cross_border:
        pairs.append((CROSS_BORDER_KEY, "true"))
    if order.declared_value is not None:
        pairs.append((DECLARED_VALUE_KEY, _plain(order.declared_value)))
    return pairs


def _customs(line: ChannelLine) -> list[tuple[str, str]]:
    pairs = [(HS_CODE_KEY, line.hs_code), (ORIGIN_COUNTRY_KEY, line.origin_country)]
    return [(key, value) for key, value in pairs if value]


def _has_address(address: Address) -> bool:
    return any(
        (address.country, address.province, address.city, address.district, address.line1,
         address.postal_code, address.name, address.phone)
    )  # fmt: skip


def _only_cny(adapter: str, order: ChannelOrder) -> None:
    if order.currency != "CNY":
        raise ValueError(f"{adapter} orders are in CNY only, not {order.currency}")


# ----- Shopify ------------------------------------------------------------------------------


def _shopify(order: ChannelOrder) -> JsonObject:
    ext = order.external_id
    cancelled = order.status == "cancelled"
    customer, address = order.customer, order.shipping_address
    items = []
    for i, line in enumerate(order.lines):
        rate = float(round(line.tax / _net(line), 4)) if line.tax and _net(line) else 0.0
        has_variant = bool(line.channel_sku)  # a custom line item has no variant
        items.append(
            {
                "id": _int_id(line.line_ref) if line.line_ref else _derived(ext, "line", i),
                "variant_id": _derived(ext, "variant", i) if has_variant else None,
                "product_id": _derived(ext, "product", i) if has_variant else None,
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
                "properties": [{"name": k, "value": v} for k, v in _customs(line)],
                "price": _money(line.unit_price),
                "total_discount": _money(line.discount),
                "discount_allocations": (
                    [{"amount": _money(line.discount), "discount_application_index": 0}]
                    if line.discount
                    else []
                ),
                "tax_lines": (
                    [{"price": _money(line.tax), "rate": rate, "title": "Tax"}] if line.tax else []
                ),
                "duties": [],
            }
        )
    shipping = []
    if order.shipping_fee:
        shipping.append(
            {
                "id": _derived(ext, "shipping"),
                "code": "STANDARD",
                "title": "Standard",
                "source": "shopify",
                "price": _money(order.shipping_fee),
                "discounted_price": _money(order.shipping_fee),
                "discount_allocations": [],
                "tax_lines": [],
            }
        )
    first, last = _split_name(address.name)
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
    native = _native("shopify", order)
    data: JsonObject = {
        "id": _int_id(ext),
        "name": f"#{ext}",
        "created_at": _iso(order.placed_at or order.updated_at),
        "processed_at": _iso(order.placed_at or order.updated_at),
        "updated_at": _iso(order.updated_at),
        "cancelled_at": _iso(order.updated_at) if cancelled else None,
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
        "note_attributes": [{"name": k, "value": v} for k, v in _declared("shopify", order)],
        "total_line_items_price": _money(_sum(order.lines, _gross)),
        "total_discounts": _money(_sum(order.lines, lambda ln: ln.discount)),
        "subtotal_price": _money(_sum(order.lines, _net)),
        "total_tax": _money(_sum(order.lines, lambda ln: ln.tax)),
        "line_items": items,
        "shipping_lines": shipping,
        "refunds": [],
        "fulfillments": [],
    }
    if order.total is not None:
        data["total_price"] = _money(order.total)
    if _has_address(address):
        data["shipping_address"] = ship_to
    if any((customer.ref, customer.name, customer.email, customer.phone)):
        cfirst, clast = _split_name(customer.name)
        data["customer"] = {
            "id": _int_id(customer.ref) if customer.ref else None,
            "email": customer.email or None,
            "first_name": cfirst,
            "last_name": clast,
            "phone": customer.phone or None,
            "state": "enabled",
            "currency": order.currency,
        }
    return data


# ----- WooCommerce --------------------------------------------------------------------------


def _woocommerce(order: ChannelOrder) -> JsonObject:
    ext = order.external_id
    customer, address = order.customer, order.shipping_address
    items = []
    for i, line in enumerate(order.lines):
        tax = _money(line.tax)
        items.append(
            {
                "id": _int_id(line.line_ref) if line.line_ref else _derived(ext, "line", i),
                "name": line.title,
                "product_id": _derived(ext, "product", i),
                "variation_id": 0,
                "quantity": line.quantity,
                "tax_class": "",
                "subtotal": _money(_gross(line)),
                "subtotal_tax": tax,
                "total": _money(_net(line)),
                "total_tax": tax,
                "taxes": [{"id": 1, "total": tax, "subtotal": tax}] if line.tax else [],
                "meta_data": [
                    {"id": _derived(ext, "line-meta", i, k), "key": k, "value": v}
                    for k, v in _customs(line)
                ],
                "sku": line.channel_sku,
                "global_unique_id": line.barcode,
                "price": float(_net(line) / line.quantity),
                "parent_name": None,
            }
        )
    shipping = []
    if order.shipping_fee:
        shipping.append(
            {
                "id": _derived(ext, "shipping"),
                "method_title": "Flat rate",
                "method_id": "flat_rate",
                "instance_id": "1",
                "total": _money(order.shipping_fee),
                "total_tax": "0.00",
                "taxes": [],
                "meta_data": [],
            }
        )
    state = address.province
    if address.country == "CN":
        state = _CN_STATE_CODES.get(state, state)
    afirst, alast = _split_name(address.name)
    cfirst, clast = _split_name(customer.name)
    street = {
        "company": "",
        "address_1": address.line1,
        "address_2": "",
        "city": address.city,
        "state": state,
        "postcode": address.postal_code,
        "country": address.country,
    }
    native = _native("woocommerce", order)
    tax_total = _money(_sum(order.lines, lambda ln: ln.tax))
    data: JsonObject = {
        "id": _int_id(ext),
        "parent_id": 0,
        "number": ext,
        "order_key": f"wc_order_{_derived(ext, 'key')}",
        "created_via": "checkout",
        "status": "cancelled" if order.status == "cancelled" else "processing",
        "currency": order.currency,
        "prices_include_tax": False,
        "date_created": _naive_utc(order.placed_at or order.updated_at),
        "date_created_gmt": _naive_utc(order.placed_at or order.updated_at),
        "date_modified": _naive_utc(order.updated_at),
        "date_modified_gmt": _naive_utc(order.updated_at),
        "discount_total": _money(_sum(order.lines, lambda ln: ln.discount)),
        "discount_tax": "0.00",
        "shipping_total": _money(order.shipping_fee),
        "shipping_tax": "0.00",
        "cart_tax": tax_total,
        "total_tax": tax_total,
        "customer_id": 0 if not customer.ref else _int_id(customer.ref),
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
            {"id": _derived(ext, "meta", k), "key": k, "value": v}
            for k, v in _declared("woocommerce", order)
        ],
        "line_items": items,
        "tax_lines": [],
        "shipping_lines": shipping,
        "fee_lines": [],
        "coupon_lines": [],
        "refunds": [],
    }
    if order.total is not None:
        data["total"] = _money(order.total)
    return data


# ----- TikTok Shop --------------------------------------------------------------------------


def _tiktok(order: ChannelOrder) -> JsonObject:
    ext = order.external_id
    cancelled = order.status == "cancelled"
    status = "CANCELLED" if cancelled else "AWAITING_SHIPMENT"
    address = order.shipping_address
    units = []
    for i, line in enumerate(order.lines):  # one line_items entry per unit
        sku_id = str(_derived(ext, "sku", i))
        discounts = _spread(line.discount, line.quantity)
        taxes = _spread(line.tax, line.quantity)
        for n in range(line.quantity):
            unit: JsonObject = {
                "id": str(_derived(ext, "unit", i, n)),
                "sku_id": sku_id,
                "product_id": str(_derived(ext, "product", i)),
                "product_name": line.title,
                "sku_name": "",
                "seller_sku": line.channel_sku,
                "sku_type": "NORMAL",
                "display_status": status,
                "currency": order.currency,
                "original_price": _money(line.unit_price),
                "sale_price": _money(line.unit_price - discounts[n]),
                "seller_discount": _money(discounts[n]),
                "platform_discount": "0.00",
                "is_gift": False,
                "item_tax": (
                    [{"tax_type": "SALES_TAX", "tax_amount": _money(taxes[n])}] if line.tax else []
                ),
            }
            units.append(unit)
    tax = _money(_sum(order.lines, lambda ln: ln.tax))
    fee = _money(order.shipping_fee)
    total = order.total if order.total is not None else _computed_total(order)
    levels = [
        ("L0", "Country", address.country),
        ("L1", "Province" if address.country == "CN" else "State", address.province),
        ("L2", "City", address.city),
        ("L3", "District", address.district),
    ]
    parts = (address.line1, address.district, address.city, address.province, address.country)
    native = _native("tiktok", order)
    placed = order.placed_at or order.updated_at
    data: JsonObject = {
        "id": ext,
        "status": status,
        "create_time": _unix(placed),
        "paid_time": _unix(placed),
        "update_time": _unix(order.updated_at),
        "cancel_time": _unix(order.updated_at) if cancelled else 0,
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
            "sub_total": _money(_sum(order.lines, _net)),
            "original_total_product_price": _money(_sum(order.lines, _gross)),
            "seller_discount": _money(_sum(order.lines, lambda ln: ln.discount)),
            "platform_discount": "0.00",
            "shipping_fee": fee,
            "original_shipping_fee": fee,
            "shipping_fee_seller_discount": "0.00",
            "shipping_fee_platform_discount": "0.00",
            "shipping_fee_tax": "0.00",
            "tax": tax,
            "product_tax": tax,
            "small_order_fee": "0.00",
            "retail_delivery_fee": "0.00",
            "buyer_service_fee": "0.00",
            "handling_fee": "0.00",
            "total_amount": _money(total),
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
        "request_id": f"{_derived(ext, 'request')}",
    }


# ----- Douyin shop (抖店) -------------------------------------------------------------------


def _douyin(order: ChannelOrder) -> JsonObject:
    _only_cny("douyin", order)
    ext = order.external_id
    cancelled = order.status == "cancelled"
    status = DOUYIN_CANCELLED if cancelled else 2
    status_desc = "已取消" if cancelled else "备货中"
    address = order.shipping_address
    placed, updated = _unix(order.placed_at or order.updated_at), _unix(order.updated_at)
    skus = []
    for i, line in enumerate(order.lines):
        where = f"lines[{i}]"
        skus.append(
            {
                "order_id": line.line_ref or str(_derived(ext, "line", i)),
                "parent_order_id": ext,
                "order_status": status,
                "order_status_desc": status_desc,
                "create_time": placed,
                "update_time": updated,
                "product_id": str(_derived(ext, "product", i)),
                "product_name": line.title,
                "sku_id": _derived(ext, "sku", i),
                "spec": [],
                "code": line.channel_sku,
                "out_sku_id": "",
                "item_num": line.quantity,
                "goods_price": _fen(line.unit_price, f"{where}.unit_price"),
                "origin_amount": _fen(_gross(line), f"{where} amount"),
                "order_amount": _fen(_net(line), f"{where} net amount"),
                "pay_amount": _fen(_net(line) + line.tax, f"{where} paid amount"),
                "promotion_amount": _fen(line.discount, f"{where}.discount"),
                "post_amount": 0,
                "tax_amount": _fen(line.tax, f"{where}.tax"),
                "modify_amount": 0,
            }
        )
    native = _native("douyin", order)

    def division(name: str) -> JsonObject:
        return {"name": name, "id": ""}

    detail: JsonObject = {
        "shop_order_id": ext,
        "order_status": status,
        "order_status_desc": status_desc,
        "create_time": placed,
        "pay_time": placed,
        "update_time": updated,
        "cancel_reason": native["cancel_reason"],
        "buyer_words": native["buyer_words"],
        "seller_words": "",
        "order_amount": _fen(_sum(order.lines, _net), "the order amount"),
        "post_amount": _fen(order.shipping_fee, "shipping_fee"),
        "modify_amount": 0,
        "promotion_amount": _fen(_sum(order.lines, lambda ln: ln.discount), "the discounts"),
        "tax_amount": _fen(_sum(order.lines, lambda ln: ln.tax), "the tax"),
        "post_tel": address.phone,
        "post_receiver": address.name,
        "post_addr": {
            "province": division(address.province),
            "city": division(address.city),
            "town": division(address.district),
            "detail": address.line1,
        },
        "doudian_open_id": order.customer.ref,
        "open_id": "",
        "sku_order_list": skus,
    }
    if order.total is not None:
        detail["pay_amount"] = _fen(order.total, "total")
    return {
        "code": DOUYIN_OK,
        "data": {"shop_order_detail": detail},
        "log_id": f"{_derived(ext, 'log')}",
        "msg": "success",
        "sub_code": "",
        "sub_msg": "",
    }


# ----- Taobao / Tmall -----------------------------------------------------------------------


def _taobao(order: ChannelOrder) -> JsonObject:
    _only_cny("taobao", order)
    ext = order.external_id
    cancelled = order.status == "cancelled"
    status = "TRADE_CLOSED" if cancelled else "WAIT_SELLER_SEND_GOODS"
    address, customer = order.shipping_address, order.customer
    subs = []
    for i, line in enumerate(order.lines):
        oid = line.line_ref or str(_derived(ext, "line", i))
        sub: JsonObject = {
            "oid": _int_id(oid),
            "oid_str": oid,
            "num_iid": _derived(ext, "item", i),
            "outer_iid": line.channel_sku,
            "outer_sku_id": line.channel_sku,
            "title": line.title,
            "sku_properties_name": "",
            "num": line.quantity,
            "price": _money(line.unit_price),
            "total_fee": _money(_net(line)),
            "payment": _money(_net(line)),
            "discount_fee": _money(line.discount),
            "adjust_fee": "0.00",
            "part_mjz_discount": "0.00",
            "divide_order_fee": _money(_net(line)),
            "status": status,
            "refund_status": "SUCCESS" if cancelled else "NO_REFUND",
            "barcode": line.barcode,
        }
        if line.tax:  # Tmall Global import tax; its presence marks the trade cross-border
            sub["sub_order_tax_fee"] = _money(line.tax)
        subs.append(sub)
    native = _native("taobao", order)
    placed = order.placed_at or order.updated_at
    trade: JsonObject = {
        "tid_str": ext,
        "status": status,
        "type": "fixed",
        "buyer_open_uid": customer.ref,
        "created": _china(placed),
        "pay_time": _china(placed),
        "modified": _china(order.updated_at),
        "post_fee": _money(order.shipping_fee),
        "total_fee": _money(_sum(order.lines, _gross)),
        "discount_fee": _money(_sum(order.lines, lambda ln: ln.discount)),
        "adjust_fee": "0.00",
        "num": sum(line.quantity for line in order.lines),
        "buyer_message": native["buyer_message"],
        "seller_memo": native["seller_memo"],
        "receiver_name": address.name,
        "receiver_mobile": address.phone,
        "receiver_phone": "",
        "receiver_country": "" if address.country == "CN" else address.country,
        "receiver_state": address.province,
        "receiver_city": address.city,
        "receiver_district": address.district,
        "receiver_address": address.line1,
        "receiver_zip": address.postal_code,
        "orders": {"order": subs},
    }
    tid = _int_id(ext)
    if isinstance(tid, int):
        trade = {"tid": tid, **trade}
    if order.total is not None:
        trade["payment"] = _money(order.total)
    if customer.email:
        trade["buyer_email"] = customer.email
    return {
        "trade_fullinfo_get_response": {
            "trade": trade,
            "request_id": f"{_derived(ext, 'request'):x}",
        }
    }


# ----- public functions ---------------------------------------------------------------------

_RENDERERS: dict[str, Callable[[ChannelOrder], JsonObject]] = {
    "shopify": _shopify,
    "woocommerce": _woocommerce,
    "tiktok": _tiktok,
    "douyin": _douyin,
    "taobao": _taobao,
}


def _known(adapter: str) -> None:
    if adapter not in _RENDERERS:
        known = ", ".join(sorted(_RENDERERS))
        raise KeyError(f"unknown channel adapter '{adapter}'; known: {known}")


def render(adapter: str, order: ChannelOrder) -> bytes:
    """`order` as the JSON body channel `adapter` sends (KeyError for an unknown adapter,
    ValueError for a value its format cannot hold)."""
    _known(adapter)
    if not order.lines:
        raise ValueError("an order needs at least one line")
    return orjson.dumps(_RENDERERS[adapter](order))


def _split_app_secret(secret: str) -> tuple[str, str]:
    app_key, sep, app_secret = secret.partition(":")
    if not sep or not app_key or not app_secret:
        raise ValueError("the secret must be 'app_key:app_secret'")
    return app_key, app_secret


def sign(adapter: str, body: bytes, secret: str) -> dict[str, str]:
    """The headers with which `ADAPTERS[adapter].verify(body, headers, secret)` passes.

    TikTok Shop and Douyin take the secret as "app_key:app_secret" (as the registry's
    instances do); Douyin is signed with md5, the push default, and names the app in `app-id`.
    """
    _known(adapter)
    if not secret:
        raise ValueError("no signing secret given")
    if adapter == "tiktok":
        app_key, app_secret = _split_app_secret(secret)
        digest = hmac.new(app_secret.encode(), app_key.encode() + body, hashlib.sha256)
        return {TIKTOK_SIGNATURE_HEADER: digest.hexdigest()}
    if adapter == "douyin":
        app_key, app_secret = _split_app_secret(secret)
        md5 = hashlib.md5(app_key.encode() + body + app_secret.encode()).hexdigest()
        return {DOUYIN_SIGNATURE_HEADER: md5, DOUYIN_APP_HEADER: app_key}
    header = {
        "shopify": SHOPIFY_HMAC_HEADER,
        "woocommerce": WOOCOMMERCE_SIGNATURE_HEADER,
        "taobao": TAOBAO_SIGNATURE_HEADER,
    }[adapter]
    return {header: hmac_sha256_b64(secret, body)}


def _csv_rows(order: ChannelOrder) -> list[dict[str, str]]:
    if not order.external_id:
        raise ValueError("a CSV order needs an order number")
    if not order.lines:
        raise ValueError(f"order {order.external_id}: an order needs at least one line")
    address, customer = order.shipping_address, order.customer
    declared = order.declared_value
    fields = {
        "external_id": order.external_id,
        "currency": order.currency,
        "customer_ref": customer.ref,
        "customer_name": customer.name,
        "email": customer.email,
        "recipient": address.name,
        "phone": address.phone or customer.phone,
        "country": address.country,
        "province": address.province,
        "city": address.city,
        "district": address.district,
        "address": address.line1,
        "postal_code": address.postal_code,
        "order_type": order.order_type.value,
        "shipping_fee": _plain(order.shipping_fee),
        "placed_at": _china(order.updated_at),
        "cross_border": "是" if order.cross_border else "否",
        "declared_value": "" if declared is None else _plain(declared),
        **{name: order.attributes.get(name, "") for name in CSV_ATTRIBUTES},
    }
    rows = []
    for line in order.lines:
        if not line.channel_sku:
            raise ValueError(f"order {order.external_id}: a CSV line needs a SKU")
        rows.append(
            {
                **fields,
                "sku": line.channel_sku,
                "title": line.title,
                "quantity": str(line.quantity),
                "unit_price": _plain(line.unit_price),
                "discount": _plain(line.discount),
                "tax": _plain(line.tax),
                "barcode": line.barcode,
                "hs_code": line.hs_code,
                "origin_country": line.origin_country,
            }
        )
    return rows


def render_csv(orders: list[ChannelOrder]) -> bytes:
    """`orders` as a CSV import file for `tabular.parse_rows` (UTF-8 with BOM, as Excel
    writes it; Chinese default headers; one row per line; times in China time)."""
    seen: set[str] = set()
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(CSV_HEADERS.values())
    for order in orders:
        if order.external_id in seen:
            raise ValueError(f"order number {order.external_id} is used twice")
        seen.add(order.external_id)
        for row in _csv_rows(order):
            writer.writerow(row[name] for name in CSV_HEADERS)
    return out.getvalue().encode("utf-8-sig")
