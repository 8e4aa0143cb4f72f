"""TikTok Shop (global) and Douyin shop (抖店), both ByteDance channels.

TikTok Shop: the Open API "Get Order Detail" response, API version 202309
(`GET /order/202309/orders?ids=...` -> `data.orders[]`). Its ORDER_STATUS_CHANGE webhook
only names the order, so the hub fetches the detail and hands it to `parse`; `verify`
checks the webhook itself. Amounts are decimal strings; times are unix seconds; every
`line_items[]` entry is ONE unit, so identical units are grouped into one line here.

Douyin shop: the 抖店 open platform `order.orderDetail` response
(`data.shop_order_detail`), amounts in fen (integer minor units of CNY), times unix
seconds. Its message push (消息推送) likewise carries ids only.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from orderhub.adapters.channels._payload import (
    ZERO,
    JsonObject,
    compare_signature,
    currency_of,
    decimal_at,
    header_value,
    id_at,
    join,
    json_type,
    load_object,
    obj_at,
    objects_at,
    places,
    price_at,
    put,
    quantity_at,
    require_header,
    require_secret,
    text_at,
    unix_time,
)
from orderhub.adapters.channels.base import (
    ChannelLine,
    ChannelOrder,
    PayloadError,
    SignatureError,
)
from orderhub.domain.order import Address, Customer

TIKTOK_SIGNATURE_HEADER = "Authorization"
DOUYIN_SIGNATURE_HEADER = "event-sign"
DOUYIN_APP_HEADER = "app-id"
DOUYIN_METHOD_HEADER = "sign-method"
DOUYIN_CANCELLED = 4  # order_status 4: 已取消
DOUYIN_OK = 10000  # `code` of a successful 抖店 API response


def split_app_secret(app_key: str, secret: str, channel: str) -> tuple[str, str]:
    """(app_key, app_secret): the adapter's own app key, or a secret "app_key:app_secret"."""
    require_secret(secret)
    if app_key:
        return app_key, secret
    key, sep, app_secret = secret.partition(":")
    if not sep or not key or not app_secret:
        raise SignatureError(
            f"{channel} signatures include the app key: configure the secret as "
            "'app_key:app_secret' or construct the adapter with app_key"
        )
    return key, app_secret


# ----- TikTok Shop -------------------------------------------------------------------------


@dataclass(slots=True)
class _Group:
    """Identical TikTok units gathered into one line."""

    sku: str
    title: str
    unit_price: Decimal
    quantity: int = 0
    discount: Decimal = ZERO
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
        cancelled = status == "CANCELLED"

        units = objects_at(order, "line_items", path, required=True)
        groups: dict[tuple[str, Decimal], _Group] = {}
        all_units_cancelled = all(
            text_at(u, "display_status").upper() == "CANCELLED" for u in units
        )
        for i, unit in enumerate(units):
            upath = join(path, f"line_items[{i}]")
            # A unit cancelled inside a live order is a partial cancellation: leave it out.
            if (
                not cancelled
                and not all_units_cancelled
                and text_at(unit, "display_status", upath).upper() == "CANCELLED"
            ):
                continue
            _add_unit(groups, unit, upath)
        lines = [
            ChannelLine(
                channel_sku=g.sku,
                title=g.title,
                quantity=g.quantity,
                unit_price=g.unit_price,
                discount=g.discount,
                tax=g.tax,
                line_ref=",".join(g.refs),
            )
            for g in groups.values()
        ]
        lines = _spread_order_tax(lines, payment, ppath)

        shipping_fee = price_at(payment, "shipping_fee", ppath, ZERO) + decimal_at(
            payment, "shipping_fee_tax", ppath, ZERO
        )
        placed_at = unix_time(order.get("create_time"), join(path, "create_time"))
        update_raw = order.get("update_time")
        updated_at = unix_time(update_raw, join(path, "update_time")) if update_raw else placed_at

        attributes: dict[str, str] = {"tiktok_status": status} if status else {}
        for key in ("cancel_reason", "cancellation_initiator", "buyer_message"):
            put(attributes, key, order.get(key))
        for key in ("fulfillment_type", "delivery_option_name", "is_cod"):
            put(attributes, key, order.get(key))
        fees = ZERO
        for key in ("small_order_fee", "retail_delivery_fee", "buyer_service_fee", "handling_fee"):
            fees += decimal_at(payment, key, ppath, ZERO)
        if fees:
            attributes["fees_total"] = str(fees)

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
    key = (text_at(unit, "sku_id", path) or sku, original)
    group = groups.get(key)
    if group is None:
        title = text_at(unit, "product_name", path)
        group = groups[key] = _Group(sku=sku, title=title, unit_price=original)
    group.quantity += 1
    group.discount += price_at(unit, "seller_discount", path, ZERO)
    group.discount += price_at(unit, "platform_discount", path, ZERO)
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


# ----- Douyin shop (抖店) -------------------------------------------------------------------


def fen(data: JsonObject, key: str, path: str, default: int | None = None) -> Decimal:
    """An integer amount in fen (分) as yuan."""
    value: Any = data.get(key)
    if value is None or value == "":
        if default is None:
            raise PayloadError("is missing", join(path, key))
        value = default
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        where = join(path, key)
        raise PayloadError(f"expected an amount in fen (integer), got {json_type(value)}", where)
    return Decimal(value).scaleb(-2)


class DouyinShopAdapter:
    """抖店 open platform `order.orderDetail` (shop order with its SKU orders)."""

    name = "douyin"

    def __init__(self, app_key: str = "") -> None:
        self.app_key = app_key

    def verify(self, body: bytes, headers: Mapping[str, str], secret: str) -> None:
        """event-sign = md5_hex(app_key + body + app_secret); with `sign-method:
        hmac-sha256`, hex(HMAC-SHA256(app_secret, app_key + body + app_secret))."""
        app_key, app_secret = split_app_secret(self.app_key, secret, "Douyin")
        given = require_header(headers, DOUYIN_SIGNATURE_HEADER).lower()
        app_id = header_value(headers, DOUYIN_APP_HEADER)
        if app_id and app_id != app_key:
            raise SignatureError(f"{DOUYIN_APP_HEADER} header names another app")
        message = app_key.encode() + body + app_secret.encode()
        method = header_value(headers, DOUYIN_METHOD_HEADER).lower().replace("_", "-")
        if method in ("hmac-sha256", "hmacsha256"):
            expected = hmac.new(app_secret.encode(), message, hashlib.sha256).hexdigest()
        elif method in ("", "md5"):
            expected = hashlib.md5(message).hexdigest()
        else:
            raise SignatureError(f"unsupported {DOUYIN_METHOD_HEADER} '{method}'")
        compare_signature(given, expected, DOUYIN_SIGNATURE_HEADER)

    def parse(self, body: bytes) -> ChannelOrder:
        """The detail response (`data.shop_order_detail`) or the bare detail object."""
        data = load_object(body, "a Douyin shop order detail")
        if "code" in data and data["code"] not in (DOUYIN_OK, str(DOUYIN_OK)):
            raise PayloadError(f"API error: {data.get('msg', '')}", "code")
        envelope = obj_at(data, "data")
        if envelope is not None:
            order = obj_at(envelope, "shop_order_detail", "data")
            if order is None:
                raise PayloadError("is missing", "data.shop_order_detail")
            path = "data.shop_order_detail"
        else:
            order, path = data, ""
        external_id = id_at(order, "shop_order_id", path)
        skus = objects_at(order, "sku_order_list", path, required=True)
        lines = [
            _douyin_line(sku, join(path, f"sku_order_list[{i}]")) for i, sku in enumerate(skus)
        ]
        status = order.get("order_status")
        cancelled = status in (DOUYIN_CANCELLED, str(DOUYIN_CANCELLED))
        placed_at = unix_time(order.get("create_time"), join(path, "create_time"))
        update_raw = order.get("update_time")
        updated_at = unix_time(update_raw, join(path, "update_time")) if update_raw else placed_at

        attributes: dict[str, str] = {}
        for key in ("order_status", "order_status_desc", "cancel_reason", "buyer_words"):
            put(attributes, key, order.get(key))
        for key in ("order_amount", "promotion_amount", "modify_amount"):
            if order.get(key) not in (None, ""):
                attributes[key] = str(fen(order, key, path))

        return ChannelOrder(
            external_id=external_id,
            status="cancelled" if cancelled else "open",
            updated_at=updated_at,
            currency="CNY",
            lines=lines,
            customer=_douyin_customer(order, path),
            shipping_address=_douyin_address(order, path),
            shipping_fee=fen(order, "post_amount", path, 0),
            total=fen(order, "pay_amount", path) if "pay_amount" in order else None,
            placed_at=placed_at,
            attributes=attributes,
            raw=order,
        )


def _douyin_line(sku: JsonObject, path: str) -> ChannelLine:
    quantity = quantity_at(sku, "item_num", path)
    if sku.get("goods_price") not in (None, ""):
        unit_price = fen(sku, "goods_price", path)
    else:
        unit_price = (fen(sku, "origin_amount", path) / quantity).quantize(Decimal("0.01"))
    if sku.get("promotion_amount") not in (None, ""):
        discount = fen(sku, "promotion_amount", path)
    else:
        paid = fen(sku, "pay_amount", path, 0) - fen(sku, "post_amount", path, 0)
        discount = max(unit_price * quantity - paid, ZERO)
    if unit_price < 0 or discount < 0:
        raise PayloadError("amounts must not be negative", path)
    return ChannelLine(
        channel_sku=text_at(sku, "code", path) or text_at(sku, "out_sku_id", path),
        title=text_at(sku, "product_name", path),
        quantity=quantity,
        unit_price=unit_price,
        discount=discount,
        tax=fen(sku, "tax_amount", path, 0),
        line_ref=text_at(sku, "order_id", path),
    )


def _douyin_address(order: JsonObject, path: str) -> Address:
    addr = obj_at(order, "post_addr", path) or {}
    apath = join(path, "post_addr")

    def named(key: str) -> str:
        part = obj_at(addr, key, apath)
        return text_at(part, "name", f"{apath}.{key}") if part else ""

    detail = text_at(addr, "detail", apath)
    street = named("street")
    line1 = detail if not street or detail.startswith(street) else f"{street}{detail}"
    return Address(
        country="CN",
        province=named("province"),
        city=named("city"),
        district=named("town"),
        line1=line1,
        name=text_at(order, "post_receiver", path),
        phone=text_at(order, "post_tel", path),
    )


def _douyin_customer(order: JsonObject, path: str) -> Customer:
    ref = text_at(order, "doudian_open_id", path) or text_at(order, "open_id", path)
    return Customer(
        ref=ref,
        name=text_at(order, "post_receiver", path),
        phone=text_at(order, "post_tel", path),
    )
