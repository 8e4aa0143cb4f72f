"""Douyin shop (抖店): the open platform `order.orderDetail` response
(`data.shop_order_detail`), amounts in fen (integer minor units of CNY), times unix
seconds. Its message push (消息推送) carries ids only, so the hub fetches the detail.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from orderhub.adapters.channels._payload import (
    ZERO,
    JsonObject,
    compare_signature,
    header_value,
    id_at,
    join,
    json_type,
    load_object,
    obj_at,
    objects_at,
    put,
    quantity_at,
    require_header,
    split_app_secret,
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

DOUYIN_SIGNATURE_HEADER = "event-sign"
DOUYIN_APP_HEADER = "app-id"
DOUYIN_METHOD_HEADER = "sign-method"
DOUYIN_CANCELLED = 4  # order_status 4: 已取消
DOUYIN_OK = 10000  # `code` of a successful 抖店 API response
# Order fields kept as attributes of the same name, which the renderer writes back.
TEXT_ATTRIBUTES = ("cancel_reason", "buyer_words")


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
        for key in ("order_status", "order_status_desc", *TEXT_ATTRIBUTES):
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
