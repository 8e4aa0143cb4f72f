"""Pinduoduo (拼多多): the open platform `pdd.order.information.get` response
(`order_info_get_response.order_info`).

Amounts are yuan (元) with two decimals, sent as JSON numbers (older SDK versions: decimal
strings; both are read); the goods APIs (`pdd.goods.*`) quote prices in fen, this order API
does not. Times are "YYYY-MM-DD HH:MM:SS" in China time. Discounts are order-level only
(`discount_amount` = platform + seller + 团长免单 discounts, plus the seller's price change
`order_change_amount`): they are spread over the lines pro rata.

Since the platform's privacy rules the receiver's name, phone and street come as
ciphertext (`receiver_name`, `receiver_phone`, `receiver_address`; only while the order waits
to ship, else "") with masked copies (`receiver_*_mask`); the ciphertext is opened by
`pdd.open.decrypt.batch` through the channel's decryption provider (decryption.py).

Pinduoduo delivers order changes through its message service (an SDK connection, no HTTP
signature), so `verify` checks a relay convention built on the platform's own request
signature: `pdd-sign` = UPPER(md5(client_secret + sorted(key + value) + client_secret)) over
`client_id`, `timestamp`, `type` = pdd.order.information.get, `data_type` = JSON and `data` =
the raw body, with `pdd-client-id` and `pdd-timestamp` as headers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from orderhub.adapters.channels._marketplace import (
    SignedPush,
    line_grosses,
    privacy_attributes,
    receiver,
    spread_discount,
)
from orderhub.adapters.channels._payload import (
    CHINA_TZ,
    ZERO,
    JsonObject,
    id_at,
    iso_time,
    join,
    load_object,
    objects_at,
    price_at,
    put,
    text_at,
    unwrap_response,
)
from orderhub.adapters.channels.base import ChannelLine, ChannelOrder, PayloadError
from orderhub.domain.order import Address, Customer

PDD_METHOD = "pdd.order.information.get"
PDD_PUSH = SignedPush(
    channel="Pinduoduo", key_header="pdd-client-id", time_header="pdd-timestamp",
    sign_header="pdd-sign", key_param="client_id", body_param="data",
    fixed={"type": PDD_METHOD, "data_type": "JSON"})
PDD_REFUNDED = 4  # refund_status 4: 退款成功
PDD_NO_REFUND = 1  # refund_status 1: 无售后或售后关闭
PDD_CONFIRM_CANCELLED = 2  # confirm_status 2: 已取消
PDD_WAIT_SHIP = 1  # order_status 1: 待发货
# PDD ciphertexts sit in an envelope: `~...~` (names, addresses) or `$...$` (phones).
_CIPHERTEXT = re.compile(r"([~$#])[A-Za-z0-9+/=]{16,}.*\1", re.DOTALL)
# Order fields kept as attributes under the hub's names (the renderer writes them back).
TEXT_ATTRIBUTES = {"buyer_memo": "buyer_message", "remark": "seller_memo"}
AMOUNT_ATTRIBUTES = ("platform_discount", "seller_discount", "capital_free_discount",
                     "order_change_amount")


def is_ciphertext(value: str) -> bool:
    """A value in PDD's encrypted-data envelope (`~base64~...~`, `$base64$...$`)."""
    return bool(_CIPHERTEXT.fullmatch(value.strip()))


class PinduoduoAdapter:
    """拼多多 open platform `pdd.order.information.get` (one order with its SKUs)."""

    name = "pdd"

    def __init__(self, client_id: str = "") -> None:
        self.client_id = client_id

    def verify(self, body: bytes, headers: Mapping[str, str], secret: str) -> None:
        """pdd-sign = UPPER(md5(secret + client_id<id>data<body>data_typeJSON
        timestamp<ts>type<method> + secret)); secret "client_id:client_secret"."""
        PDD_PUSH.verify(self.client_id, body, headers, secret)

    def sent_at(self, headers: Mapping[str, str]) -> datetime:
        """When the push was signed (its signed timestamp header): `check_fresh` refuses
        a captured push replayed later, which `verify` alone would accept forever."""
        return PDD_PUSH.sent_at(headers)

    def parse(self, body: bytes) -> ChannelOrder:
        """The API response, `{"order_info": {...}}`, or the bare order_info."""
        data = load_object(body, "a Pinduoduo order")
        info, path = _order_info(data)
        external_id = id_at(info, "order_sn", path)
        items = objects_at(info, "item_list", path, required=True)
        ipath = join(path, "item_list")
        quantities, grosses = line_grosses(items, ipath, "goods_count", "goods_price")
        discount = _discount(info, path)
        shares = spread_discount(discount, grosses, join(path, "discount_amount"))
        lines = [
            _line(item, f"{ipath}[{i}]", quantity, share)
            for i, (item, quantity, share) in enumerate(zip(items, quantities, shares,
                                                              strict=True))
        ]

        refund = _int(info, "refund_status", path)
        confirm = _int(info, "confirm_status", path)
        cancelled = refund == PDD_REFUNDED or confirm == PDD_CONFIRM_CANCELLED
        placed_at = iso_time(info.get("created_time") or info.get("confirm_time"),
                             join(path, "created_time"), CHINA_TZ)
        updated = info.get("updated_at")
        updated_at = iso_time(updated, join(path, "updated_at"), CHINA_TZ) if updated \
            else placed_at

        found = receiver({
            "name": (text_at(info, "receiver_name", path),
                     text_at(info, "receiver_name_mask", path)),
            "phone": (text_at(info, "receiver_phone", path),
                      text_at(info, "receiver_phone_mask", path)),
            "line1": (text_at(info, "receiver_address", path),
                      text_at(info, "receiver_address_mask", path)),
        }, is_ciphertext)
        attributes: dict[str, str] = {}
        for key in ("order_status", "refund_status", "confirm_status", "trade_type",
                    "pay_time", "is_pre_sale", "pre_sale_time", "risk_control_status"):
            put(attributes, key if key != "order_status" else "pdd_order_status", info.get(key))
        for key, name in TEXT_ATTRIBUTES.items():
            put(attributes, name, text_at(info, key, path))
        for key in AMOUNT_ATTRIBUTES:
            if info.get(key) not in (None, ""):
                attributes[key] = str(price_at(info, key, path))
        attributes.update(privacy_attributes(found))

        return ChannelOrder(
            external_id=external_id,
            status="cancelled" if cancelled else "open",
            updated_at=updated_at,
            currency="CNY",
            lines=lines,
            customer=Customer(name=found.values["name"], phone=found.values["phone"]),
            shipping_address=Address(
                country=_country(text_at(info, "country", path)),
                province=text_at(info, "province", path),
                city=text_at(info, "city", path),
                district=text_at(info, "town", path),
                line1=found.values["line1"],
                name=found.values["name"],
                phone=found.values["phone"],
            ),
            shipping_fee=price_at(info, "postage", path, ZERO),
            total=price_at(info, "pay_amount", path) if info.get("pay_amount") is not None
            else None,
            placed_at=placed_at,
            attributes=attributes,
            encrypted=found.encrypted,
            raw=info,
        )


def _order_info(data: JsonObject) -> tuple[JsonObject, str]:
    return unwrap_response(data, "order_info_get_response", "order_info", "Pinduoduo API",
                           ("sub_msg", "error_msg"))


def _int(info: JsonObject, key: str, path: str) -> int | None:
    text = text_at(info, key, path)
    if not text:
        return None
    if not text.lstrip("-").isdigit():
        raise PayloadError(f"expected a status code, got {text!r}", join(path, key))
    return int(text)


def _discount(info: JsonObject, path: str) -> Decimal:
    """What the buyer did not pay for the goods: the discounts and the price change."""
    if info.get("discount_amount") not in (None, ""):
        discount = price_at(info, "discount_amount", path)
    else:
        discount = sum((price_at(info, key, path, ZERO) for key in
                        ("platform_discount", "seller_discount", "capital_free_discount")),
                       ZERO)
    return discount + price_at(info, "order_change_amount", path, ZERO)


def _line(item: JsonObject, path: str, quantity: int, discount: Decimal) -> ChannelLine:
    title = text_at(item, "goods_name", path)
    spec = text_at(item, "goods_spec", path)
    return ChannelLine(
        channel_sku=text_at(item, "outer_id", path) or text_at(item, "outer_goods_id", path),
        title=f"{title}（{spec}）" if spec else title,
        quantity=quantity,
        unit_price=price_at(item, "goods_price", path),
        discount=discount,
        line_ref=text_at(item, "sku_id", path),
    )


def _country(name: str) -> str:
    """PDD names the country ("中国"); mainland orders are CN."""
    if len(name) == 2 and name.isascii() and name.isalpha():
        return name.upper()
    return {"": "CN", "中国": "CN", "中国大陆": "CN", "香港": "HK", "中国香港": "HK",
            "澳门": "MO", "中国澳门": "MO", "台湾": "TW", "中国台湾": "TW"}.get(name, "CN")
