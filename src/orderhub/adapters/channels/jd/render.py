"""JD POP payloads from canonical orders: the inverse of `parse.py`, a
`jingdong.pop.order.get` response with amounts as yuan strings and China times. CNY only
(ValueError otherwise). Each line's discount is written as a coupon naming its `skuId`
("30-单品促销优惠"), their sum as `sellerDiscount`. `payload` writes the consignee in
clear, `sealed_payload` as the current API does (TDE-style ciphertext from the decryption
simulator for name, mobile and address).
"""

from __future__ import annotations

from datetime import datetime

from orderhub.adapters.channels._payload import JsonObject
from orderhub.adapters.channels._rendering import (
    china_time,
    computed_total,
    derived_id,
    line_gross,
    money,
    native_values,
    only_cny,
    sum_lines,
)
from orderhub.adapters.channels.base import ChannelOrder
from orderhub.adapters.channels.decryption import SimulatorDecryptor
from orderhub.adapters.channels.jd.parse import (
    JD_CANCELLED,
    JD_PUSH,
    JD_WAIT_STOCK_OUT,
    TEXT_ATTRIBUTES,
)

SKU_COUPON = "30-单品促销优惠"


def payload(order: ChannelOrder) -> JsonObject:
    """`order` as a jingdong.pop.order.get response, consignee in clear."""
    return _response(order, None)


def sealed_payload(order: ChannelOrder, secret: str) -> JsonObject:
    """`order` with the consignee's name, mobile and address as ciphertext the decryption
    simulator for a channel with `secret` opens."""
    return _response(order, SimulatorDecryptor(secret))


def _response(order: ChannelOrder, sealer: SimulatorDecryptor | None) -> JsonObject:
    only_cny("jd", order)
    ext = order.external_id
    address = order.shipping_address
    items, coupons = [], []
    for i, line in enumerate(order.lines):
        sku_id = str(derived_id(ext, "sku", i))
        items.append({
            "id": line.line_ref or str(derived_id(ext, "line", i)),
            "skuId": sku_id,
            "outerSkuId": line.channel_sku,
            "wareId": str(derived_id(ext, "ware", i)),
            "skuName": line.title,
            "jdPrice": money(line.unit_price),
            "itemTotal": str(line.quantity),
            "giftPoint": "0",
        })
        if line.discount:
            coupons.append({"orderId": ext, "skuId": sku_id, "couponType": SKU_COUPON,
                            "couponPrice": money(line.discount)})
    gross = sum_lines(order.lines, line_gross)
    discount = sum_lines(order.lines, lambda ln: ln.discount)
    native = native_values(order, TEXT_ATTRIBUTES.values())
    placed = order.placed_at or order.updated_at

    def sent(value: str) -> str:
        return sealer.seal(ext, value) if sealer is not None and value else value

    info: JsonObject = {
        "orderId": ext,
        "venderId": str(derived_id(ext, "vender") % 10**8),
        "orderType": "22",
        "payType": "4-在线支付",
        "orderState": JD_CANCELLED if order.status == "cancelled" else JD_WAIT_STOCK_OUT,
        "orderStartTime": china_time(placed),
        "paymentConfirmTime": china_time(placed),
        "modified": china_time(order.updated_at),
        "orderTotalPrice": money(gross),
        "sellerDiscount": money(discount),
        "orderSellerPrice": money(gross - discount),
        "freightPrice": money(order.shipping_fee),
        "orderPayment": money(order.total if order.total is not None
                              else computed_total(order)),
        "orderRemark": native["buyer_message"],
        "venderRemark": native["seller_memo"],
        "open_id_buyer": order.customer.ref,
        "consigneeInfo": {
            "fullname": sent(address.name),
            "mobile": sent(address.phone),
            "telephone": sent(address.phone),
            "province": address.province,
            "city": address.city,
            "county": address.district,
            "fullAddress": sent(address.line1),
            "consPostCode": address.postal_code,
        },
        "itemInfoList": items,
        "couponDetailList": coupons,
    }
    return {"jingdong_pop_order_get_responce": {
        "code": "0",
        "orderDetailInfo": {"apiResult": {"success": True}, "orderInfo": info},
    }}


def sign(body: bytes, secret: str, now: datetime | None = None) -> dict[str, str]:
    """The headers `verify` accepts; `secret` is "app_key:app_secret"."""
    return JD_PUSH.sign(body, secret, now)
