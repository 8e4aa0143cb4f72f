"""Pinduoduo payloads from canonical orders: the inverse of `parse.py`, a
`pdd.order.information.get` response with amounts as yuan strings (the parser also reads the
JSON numbers the current API sends) and China times. CNY only (ValueError otherwise).

PDD has no line-level discount: the lines' discounts are written as the order's
`seller_discount` / `discount_amount`, which the parser spreads back pro rata. `payload`
writes the receiver in clear (as the API did before its privacy rules), `sealed_payload` as
the current API does: ciphertext in `receiver_*` sealed by the decryption simulator, masked
copies in `receiver_*_mask`.
"""

from __future__ import annotations

from datetime import datetime

from orderhub.adapters.channels._payload import JsonObject
from orderhub.adapters.channels._rendering import (
    china_time,
    derived_id,
    int_id,
    line_gross,
    money,
    native_values,
    only_cny,
    sum_lines,
)
from orderhub.adapters.channels.base import ChannelOrder
from orderhub.adapters.channels.decryption import SimulatorDecryptor
from orderhub.adapters.channels.pinduoduo.parse import (
    PDD_CONFIRM_CANCELLED,
    PDD_NO_REFUND,
    PDD_PUSH,
    PDD_REFUNDED,
    PDD_WAIT_SHIP,
    TEXT_ATTRIBUTES,
)


def mask_name(name: str) -> str:
    return name[:1] + "*" * (len(name) - 1) if len(name) > 1 else name


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "*" * len(phone)


def mask_street(line1: str) -> str:
    return line1[:4] + "****" if len(line1) > 4 else "*" * len(line1)


def payload(order: ChannelOrder) -> JsonObject:
    """`order` as a pdd.order.information.get response, receiver in clear."""
    return _response(order, None)


def sealed_payload(order: ChannelOrder, secret: str) -> JsonObject:
    """`order` as the current API sends it: receiver name, phone and street as ciphertext
    the decryption simulator for a channel with `secret` opens, masked copies beside."""
    return _response(order, SimulatorDecryptor(secret))


def _response(order: ChannelOrder, sealer: SimulatorDecryptor | None) -> JsonObject:
    only_cny("pdd", order)
    ext = order.external_id
    cancelled = order.status == "cancelled"
    address = order.shipping_address
    items = []
    for i, line in enumerate(order.lines):
        sku_id = line.line_ref or str(derived_id(ext, "sku", i))
        items.append({
            "goods_id": derived_id(ext, "goods", i),
            "sku_id": int_id(sku_id),
            "outer_id": line.channel_sku,
            "outer_goods_id": line.channel_sku,
            "goods_name": line.title,
            "goods_spec": "",
            "goods_price": money(line.unit_price),
            "goods_count": line.quantity,
        })
    discount = sum_lines(order.lines, lambda ln: ln.discount)
    gross = sum_lines(order.lines, line_gross)
    native = native_values(order, TEXT_ATTRIBUTES.values())
    placed = order.placed_at or order.updated_at
    receiver = {"name": address.name, "phone": address.phone, "address": address.line1}

    def sent(key: str) -> str:
        value = receiver[key]
        if sealer is None or not value:
            return value
        envelope = "$" if key == "phone" else "~"
        return f"{envelope}{sealer.seal(ext, value)}{envelope}"

    info: JsonObject = {
        "order_sn": ext,
        "order_status": PDD_WAIT_SHIP,
        "refund_status": PDD_REFUNDED if cancelled else PDD_NO_REFUND,
        "confirm_status": PDD_CONFIRM_CANCELLED if cancelled else 1,
        "trade_type": 0,
        "created_time": china_time(placed),
        "confirm_time": china_time(placed),
        "pay_time": china_time(placed),
        "updated_at": china_time(order.updated_at),
        "country": "中国" if address.country in ("", "CN") else address.country,
        "province": address.province,
        "city": address.city,
        "town": address.district,
        "receiver_name": sent("name"),
        "receiver_name_mask": mask_name(address.name),
        "receiver_phone": sent("phone"),
        "receiver_phone_mask": mask_phone(address.phone),
        "receiver_address": sent("address"),
        "receiver_address_mask": mask_street(address.line1),
        "goods_amount": money(gross),
        "discount_amount": money(discount),
        "platform_discount": "0.00",
        "seller_discount": money(discount),
        "capital_free_discount": "0.00",
        "postage": money(order.shipping_fee),
        "buyer_memo": native["buyer_message"],
        "remark": native["seller_memo"],
        "item_list": items,
    }
    if order.total is not None:
        info["pay_amount"] = money(order.total)
    return {"order_info_get_response": {"order_info": info}}


def sign(body: bytes, secret: str, now: datetime | None = None) -> dict[str, str]:
    """The headers `verify` accepts; `secret` is "client_id:client_secret"."""
    return PDD_PUSH.sign(body, secret, now)
