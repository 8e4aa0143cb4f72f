"""Taobao / Tmall payloads from canonical orders: the inverse of `parse.py`, the
`taobao.trade.fullinfo.get` response, amounts in yuan strings and times in China time. CNY only
(ValueError otherwise); a line's tax marks a Tmall Global (cross-border) trade. Components:
a COD fee as `buyer_cod_fee`, duties as `order_tax_fee`, the platform's subsidy as
`platform_subsidy_fee` (the sub-orders' paid amounts net of it).
"""

from __future__ import annotations

from orderhub.adapters.channels._payload import JsonObject, hmac_sha256_b64
from orderhub.adapters.channels._rendering import (
    charged,
    china_time,
    derived_id,
    int_id,
    line_gross,
    line_net,
    money,
    native_values,
    only_cny,
    spread_by,
    sum_lines,
)
from orderhub.adapters.channels.base import ChannelOrder
from orderhub.adapters.channels.taobao.parse import (
    TAOBAO_CLOSED,
    TAOBAO_REFUNDED,
    TAOBAO_SIGNATURE_HEADER,
    TEXT_ATTRIBUTES,
)


def payload(order: ChannelOrder) -> JsonObject:
    """`order` as a TOP taobao.trade.fullinfo.get response."""
    only_cny("taobao", order)
    ext = order.external_id
    cancelled = order.status == "cancelled"
    status = TAOBAO_CLOSED if cancelled else "WAIT_SELLER_SEND_GOODS"
    address, customer = order.shipping_address, order.customer
    subs = []
    # The platform's subsidy: the buyer paid that much less on the lines (by their discount).
    subsidy = -charged(order, "discount:platform")
    platform = spread_by(subsidy, [ln.discount for ln in order.lines])
    for i, line in enumerate(order.lines):
        oid = line.line_ref or str(derived_id(ext, "line", i))
        sub: JsonObject = {
            "oid": int_id(oid),
            "oid_str": oid,
            "num_iid": derived_id(ext, "item", i),
            "outer_iid": line.channel_sku,
            "outer_sku_id": line.channel_sku,
            "title": line.title,
            "sku_properties_name": "",
            "num": line.quantity,
            "price": money(line.unit_price),
            "total_fee": money(line_net(line)),
            "payment": money(line_net(line) - platform[i]),
            "discount_fee": money(line.discount),
            "adjust_fee": "0.00",
            "part_mjz_discount": money(platform[i]),
            "divide_order_fee": money(line_net(line) - platform[i]),
            "status": status,
            "refund_status": TAOBAO_REFUNDED if cancelled else "NO_REFUND",
            "barcode": line.barcode,
        }
        if line.tax:  # Tmall Global import tax; its presence marks the trade cross-border
            sub["sub_order_tax_fee"] = money(line.tax)
        subs.append(sub)
    native = native_values(order, TEXT_ATTRIBUTES)
    placed = order.placed_at or order.updated_at
    trade: JsonObject = {
        "tid_str": ext,
        "status": status,
        "type": "fixed",
        "buyer_open_uid": customer.ref,
        "created": china_time(placed),
        "pay_time": china_time(placed),
        "modified": china_time(order.updated_at),
        "post_fee": money(order.shipping_fee),
        "total_fee": money(sum_lines(order.lines, line_gross)),
        "discount_fee": money(sum_lines(order.lines, lambda ln: ln.discount)),
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
    tid = int_id(ext)
    if isinstance(tid, int):
        trade = {"tid": tid, **trade}
    for key, kinds in (("buyer_cod_fee", ("fee:cod",)), ("order_tax_fee", ("duty",)),
                       ("platform_subsidy_fee", ("discount:platform",))):
        amount = abs(charged(order, *kinds))
        if amount:
            trade[key] = money(amount)
    if order.total is not None:
        trade["payment"] = money(order.total)
    if customer.email:
        trade["buyer_email"] = customer.email
    return {
        "trade_fullinfo_get_response": {
            "trade": trade,
            "request_id": f"{derived_id(ext, 'request'):x}",
        }
    }


def sign(body: bytes, secret: str) -> dict[str, str]:
    """The headers `verify` accepts: X-Top-Sign = base64(HMAC-SHA256(relay secret, body))."""
    return {TAOBAO_SIGNATURE_HEADER: hmac_sha256_b64(secret, body)}
