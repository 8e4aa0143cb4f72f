"""Taobao / Tmall: the TOP API `taobao.trade.fullinfo.get` response
(`trade_fullinfo_get_response.trade`, JSON format, API version 2.0).

Amounts are decimal strings in yuan (CNY is the only trade currency); `created` and
`modified` are "YYYY-MM-DD HH:MM:SS" in China time. Sub-orders sit at `orders.order[]` (TOP's
JSON nesting of lists). TOP pushes trade changes through the TMC message service, which has
no per-message HTTP signature, so `verify` checks OUR relay's convention:
`X-Top-Sign` = base64(HMAC-SHA256(secret, raw body)), added by the relay that forwards TMC
messages (or fetched trades) to the hub. The trade's own amounts outside its sub-orders
(COD service fee, Tmall Global duties, the platform's subsidy) are components of the total
(`_components`); `total_fee` (price x num of every sub-order) is the stated subtotal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from orderhub.adapters.channels._payload import (
    CHINA_TZ,
    ZERO,
    JsonObject,
    charge,
    decimal_at,
    iso_time,
    join,
    load_object,
    objects_at,
    price_at,
    put,
    quantity_at,
    split_line,
    spread_over,
    text_at,
    unwrap_response,
    verify_hmac_b64,
)
from orderhub.adapters.channels.base import ChannelLine, ChannelOrder, PayloadError
from orderhub.domain.order import Address, Charge, Customer

TAOBAO_SIGNATURE_HEADER = "X-Top-Sign"
# TRADE_CLOSED: refunded after payment; TRADE_CLOSED_BY_TAOBAO: closed before payment.
TAOBAO_CLOSED = "TRADE_CLOSED"
TAOBAO_CANCELLED = frozenset({TAOBAO_CLOSED, "TRADE_CLOSED_BY_TAOBAO"})
# Sub-order refund states that take a line out of a live trade.
TAOBAO_REFUNDED = "SUCCESS"
TAOBAO_LINE_REFUNDED = frozenset({TAOBAO_REFUNDED})
# Order fields kept as attributes of the same name, which the renderer writes back.
TEXT_ATTRIBUTES = ("buyer_message", "buyer_memo", "seller_memo")


class TaobaoAdapter:
    """TOP `taobao.trade.fullinfo.get` trade (Taobao and Tmall, incl. Tmall Global)."""

    name = "taobao"

    def verify(self, body: bytes, headers: Mapping[str, str], secret: str) -> None:
        """Relay convention: X-Top-Sign = base64(HMAC-SHA256(secret, raw body))."""
        verify_hmac_b64(body, headers, secret, TAOBAO_SIGNATURE_HEADER)

    def parse(self, body: bytes) -> ChannelOrder:
        """The API response, `{"trade": {...}}`, or the bare trade object."""
        data = load_object(body, "a Taobao trade")
        trade, path = _trade(data)
        external_id = text_at(trade, "tid_str", path) or text_at(trade, "tid", path)
        if not external_id:
            raise PayloadError("is missing", join(path, "tid"))
        status = text_at(trade, "status", path)
        cancelled = status in TAOBAO_CANCELLED

        orders_obj = trade.get("orders")
        if isinstance(orders_obj, dict):
            subs = objects_at(orders_obj, "order", join(path, "orders"), required=True)
            opath = join(path, "orders.order")
        else:  # tolerate a plain list (some relays flatten TOP's nesting)
            subs = objects_at(trade, "orders", path, required=True)
            opath = join(path, "orders")
        lines: list[ChannelLine] = []
        for i, sub in enumerate(subs):
            spath = f"{opath}[{i}]"
            line = _line(sub, spath)
            refunded = (
                text_at(sub, "refund_status", spath) in TAOBAO_LINE_REFUNDED
                or text_at(sub, "status", spath) in TAOBAO_CANCELLED
            )
            if refunded and not cancelled:
                continue  # a sub-order refunded inside a live trade
            lines.append(line)
        if not lines:  # every sub-order refunded: the trade is over
            lines = [_line(sub, f"{opath}[{i}]") for i, sub in enumerate(subs)]
            cancelled = True

        placed_at = iso_time(trade.get("created"), join(path, "created"), CHINA_TZ)
        modified = trade.get("modified")
        updated_at = iso_time(modified, join(path, "modified"), CHINA_TZ) if modified else placed_at

        attributes: dict[str, str] = {"taobao_status": status} if status else {}
        for key in ("type", "buyer_nick", *TEXT_ATTRIBUTES, "pay_time"):
            put(attributes, "trade_type" if key == "type" else key, trade.get(key))
        for key in ("total_fee", "discount_fee", "adjust_fee"):
            put(attributes, key, trade.get(key))
        cross_border = any(line.tax for line in lines)
        lines, charges = _components(trade, path, lines, subs)
        stated = {}
        if trade.get("total_fee") not in (None, "") and len(lines) == len(subs):
            stated["subtotal"] = price_at(trade, "total_fee", path)  # price x num, every line

        return ChannelOrder(
            external_id=external_id,
            status="cancelled" if cancelled else "open",
            updated_at=updated_at,
            currency="CNY",
            lines=lines,
            customer=_customer(trade, path),
            shipping_address=_address(trade, path),
            shipping_fee=price_at(trade, "post_fee", path, ZERO),
            total=decimal_at(trade, "payment", path) if trade.get("payment") else None,
            placed_at=placed_at,
            cross_border=cross_border,
            attributes=attributes,
            charges=charges,
            stated_components=stated,
            raw=trade,
        )


def _components(trade: JsonObject, path: str, lines: list[ChannelLine],
                subs: list[JsonObject]) -> tuple[list[ChannelLine], list[Charge]]:
    """The trade's amounts outside its sub-orders: the buyer's COD service fee
    (`buyer_cod_fee`, else `cod_fee`), Tmall Global duties stated only on the trade
    (`order_tax_fee`, when no sub-order carries its own), the seller's manual price change
    stated only on the trade (`adjust_fee` while every sub-order's is zero: an
    `adjustment`; TOP copies a one-sub-order trade's change onto the sub-order, where it is
    already in the line), and the platform's subsidy
    (`platform_subsidy_fee`): the sub-orders' paid amounts are net of it, but it is the
    platform's money, not the seller's price cut, so it is taken out of the lines' discounts
    (in proportion to them) and counted as the `discount:platform` component."""
    cod_key = "buyer_cod_fee" if trade.get("buyer_cod_fee") not in (None, "") else "cod_fee"
    charges = [c for c in (
        charge("fee:cod", price_at(trade, cod_key, path, ZERO), "货到付款服务费"),
        charge("duty", price_at(trade, "order_tax_fee", path, ZERO), "关税税费")
        if not any(line.tax for line in lines) else None,
    ) if c is not None]
    adjust = decimal_at(trade, "adjust_fee", path, ZERO)
    if adjust and not any(decimal_at(sub, "adjust_fee", path, ZERO) for sub in subs):
        charges.append(Charge("adjustment", adjust, "卖家改价"))
    subsidy = price_at(trade, "platform_subsidy_fee", path, ZERO)
    discounts = [line.discount for line in lines]
    if subsidy and sum(discounts, ZERO) >= subsidy:
        shares = spread_over(subsidy, discounts)
        lines = [replace(line, discount=line.discount - share)
                 for line, share in zip(lines, shares, strict=True)]
        charges.append(Charge("discount:platform", -subsidy, "平台补贴"))
    return lines, charges


def _trade(data: JsonObject) -> tuple[JsonObject, str]:
    return unwrap_response(data, "trade_fullinfo_get_response", "trade", "TOP",
                           ("sub_msg", "msg"))


def _line(sub: JsonObject, path: str) -> ChannelLine:
    quantity = quantity_at(sub, "num", path)
    price = price_at(sub, "price", path)
    gross = price * quantity
    if sub.get("divide_order_fee") not in (None, ""):  # paid after all allocated discounts
        net = price_at(sub, "divide_order_fee", path)
    else:
        net = (
            gross
            + decimal_at(sub, "adjust_fee", path, ZERO)
            - decimal_at(sub, "discount_fee", path, ZERO)
            - decimal_at(sub, "part_mjz_discount", path, ZERO)
        )
    if net < 0:
        raise PayloadError(f"the sub-order's net amount is negative ({net})", path)
    unit_price, discount = split_line(gross, quantity, net)
    title = text_at(sub, "title", path)
    props = text_at(sub, "sku_properties_name", path)
    return ChannelLine(
        channel_sku=text_at(sub, "outer_sku_id", path) or text_at(sub, "outer_iid", path),
        title=f"{title}（{props}）" if props else title,
        quantity=quantity,
        unit_price=unit_price,
        discount=discount,
        tax=price_at(sub, "sub_order_tax_fee", path, ZERO),
        barcode=text_at(sub, "barcode", path),
        line_ref=text_at(sub, "oid_str", path) or text_at(sub, "oid", path),
    )


def _address(trade: JsonObject, path: str) -> Address:
    country = text_at(trade, "receiver_country", path)
    return Address(
        country=country.upper() if len(country) == 2 else "CN",
        province=text_at(trade, "receiver_state", path),
        city=text_at(trade, "receiver_city", path),
        district=text_at(trade, "receiver_district", path),
        line1=text_at(trade, "receiver_address", path),
        postal_code=text_at(trade, "receiver_zip", path),
        name=text_at(trade, "receiver_name", path),
        phone=text_at(trade, "receiver_mobile", path) or text_at(trade, "receiver_phone", path),
    )


def _customer(trade: JsonObject, path: str) -> Customer:
    return Customer(
        ref=text_at(trade, "buyer_open_uid", path) or text_at(trade, "buyer_nick", path),
        name=text_at(trade, "receiver_name", path),
        email=text_at(trade, "buyer_email", path),
        phone=text_at(trade, "receiver_mobile", path) or text_at(trade, "receiver_phone", path),
    )
