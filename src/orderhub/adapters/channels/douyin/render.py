"""Douyin shop (抖店) payloads from canonical orders: the inverse of `parse.py`, the
`order.orderDetail` response with amounts in integer fen. CNY only (ValueError otherwise, or for
an amount finer than a fen); postal code, email, barcodes and customs data have no place.
"""

from __future__ import annotations

import hashlib

from orderhub.adapters.channels._payload import JsonObject
from orderhub.adapters.channels._rendering import (
    derived_id,
    line_gross,
    line_net,
    native_values,
    only_cny,
    split_signing_secret,
    sum_lines,
    to_fen,
    unix,
)
from orderhub.adapters.channels.base import ChannelOrder
from orderhub.adapters.channels.douyin.parse import (
    DOUYIN_APP_HEADER,
    DOUYIN_CANCELLED,
    DOUYIN_OK,
    DOUYIN_SIGNATURE_HEADER,
    TEXT_ATTRIBUTES,
)


def payload(order: ChannelOrder) -> JsonObject:
    """`order` as a 抖店 order.orderDetail response (API envelope included)."""
    only_cny("douyin", order)
    ext = order.external_id
    cancelled = order.status == "cancelled"
    status = DOUYIN_CANCELLED if cancelled else 2
    status_desc = "已取消" if cancelled else "备货中"
    address = order.shipping_address
    placed, updated = unix(order.placed_at or order.updated_at), unix(order.updated_at)
    skus = []
    for i, line in enumerate(order.lines):
        where = f"lines[{i}]"
        skus.append(
            {
                "order_id": line.line_ref or str(derived_id(ext, "line", i)),
                "parent_order_id": ext,
                "order_status": status,
                "order_status_desc": status_desc,
                "create_time": placed,
                "update_time": updated,
                "product_id": str(derived_id(ext, "product", i)),
                "product_name": line.title,
                "sku_id": derived_id(ext, "sku", i),
                "spec": [],
                "code": line.channel_sku,
                "out_sku_id": "",
                "item_num": line.quantity,
                "goods_price": to_fen(line.unit_price, f"{where}.unit_price"),
                "origin_amount": to_fen(line_gross(line), f"{where} amount"),
                "order_amount": to_fen(line_net(line), f"{where} net amount"),
                "pay_amount": to_fen(line_net(line) + line.tax, f"{where} paid amount"),
                "promotion_amount": to_fen(line.discount, f"{where}.discount"),
                "post_amount": 0,
                "tax_amount": to_fen(line.tax, f"{where}.tax"),
                "modify_amount": 0,
            }
        )
    native = native_values(order, TEXT_ATTRIBUTES)

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
        "order_amount": to_fen(sum_lines(order.lines, line_net), "the order amount"),
        "post_amount": to_fen(order.shipping_fee, "shipping_fee"),
        "modify_amount": 0,
        "promotion_amount": to_fen(sum_lines(order.lines, lambda ln: ln.discount), "the discounts"),
        "tax_amount": to_fen(sum_lines(order.lines, lambda ln: ln.tax), "the tax"),
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
        detail["pay_amount"] = to_fen(order.total, "total")
    return {
        "code": DOUYIN_OK,
        "data": {"shop_order_detail": detail},
        "log_id": f"{derived_id(ext, 'log')}",
        "msg": "success",
        "sub_code": "",
        "sub_msg": "",
    }


def sign(body: bytes, secret: str) -> dict[str, str]:
    """The headers `verify` accepts for `secret` = "app_key:app_secret": signed with md5,
    the push default (event-sign = md5_hex(app_key + body + app_secret)), naming the app in
    `app-id`."""
    app_key, app_secret = split_signing_secret(secret)
    md5 = hashlib.md5(app_key.encode() + body + app_secret.encode()).hexdigest()
    return {DOUYIN_SIGNATURE_HEADER: md5, DOUYIN_APP_HEADER: app_key}
