"""JD (京东) POP shops: the JOS `jingdong.pop.order.get` response
(`jingdong_pop_order_get_responce.orderDetailInfo.orderInfo`; JD spells it "responce").

Amounts are decimal strings in yuan; times "YYYY-MM-DD HH:MM:SS" in China time. The order
states `orderTotalPrice` (goods at JD price, no freight), `sellerDiscount` (the seller's
discounts), `freightPrice` and `orderPayment` (what the buyer pays: goods − every discount
+ freight); discounts funded by JD (京券, 京豆, 红包) are only in `couponDetailList`, so
the lines' discounts are `orderTotalPrice + freightPrice − orderPayment`, each coupon that
names a `skuId` on its line, the rest spread pro rata.

Receivers: `consigneeInfo.fullname`, `fullAddress`, `mobile`, `telephone` come as JD TDE
ciphertext (base64) or masked (`136*******5`); `desen_mobile` is an index token, not a
number. Ciphertext is opened through the channel's decryption provider (decryption.py).

JD delivers order changes through its JOS message service (an SDK connection, no HTTP
signature), so `verify` checks a relay convention built on JOS's own request signature:
`jd-sign` = UPPER(md5(app_secret + sorted(key + value) + app_secret)) over `app_key`,
`method` = jingdong.pop.order.get, `timestamp`, `v` = 2.0 and `360buy_param_json` = the raw
body, with `jd-app-key` and `jd-timestamp` as headers.
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
    decimal_at,
    id_at,
    iso_time,
    join,
    json_type,
    list_at,
    load_object,
    obj_at,
    objects_at,
    price_at,
    put,
    text_at,
)
from orderhub.adapters.channels.base import ChannelLine, ChannelOrder, PayloadError
from orderhub.domain.order import Address, Customer

JD_METHOD = "jingdong.pop.order.get"
JD_PUSH = SignedPush(
    channel="JD", key_header="jd-app-key", time_header="jd-timestamp", sign_header="jd-sign",
    key_param="app_key", body_param="360buy_param_json",
    fixed={"method": JD_METHOD, "v": "2.0"})
JD_CANCELLED = "TRADE_CANCELED"
JD_WAIT_STOCK_OUT = "WAIT_SELLER_STOCK_OUT"
# TDE ciphertext: base64 without spaces, 32+ characters (a sealed two-character name is
# already 60+), longer than any clear phone number or plain-letter name.
_CIPHERTEXT = re.compile(r"[A-Za-z0-9+/]{32,}={0,2}")
# Order fields kept as attributes under the hub's names (the renderer writes them back).
TEXT_ATTRIBUTES = {"orderRemark": "buyer_message", "venderRemark": "seller_memo"}


def is_ciphertext(value: str) -> bool:
    """A JD TDE ciphertext (base64 of 32+ characters; no clear name, phone or address is)."""
    return bool(_CIPHERTEXT.fullmatch(value.strip()))


class JdPopAdapter:
    """京东 JOS `jingdong.pop.order.get` (a POP shop order with its items)."""

    name = "jd"

    def __init__(self, app_key: str = "") -> None:
        self.app_key = app_key

    def verify(self, body: bytes, headers: Mapping[str, str], secret: str) -> None:
        """jd-sign = UPPER(md5(secret + 360buy_param_json<body>app_key<key>method<m>
        timestamp<ts>v2.0 + secret)); secret "app_key:app_secret"."""
        JD_PUSH.verify(self.app_key, body, headers, secret)

    def sent_at(self, headers: Mapping[str, str]) -> datetime:
        """When the push was signed (its signed timestamp header): `check_fresh` refuses
        a captured push replayed later, which `verify` alone would accept forever."""
        return JD_PUSH.sent_at(headers)

    def parse(self, body: bytes) -> ChannelOrder:
        """The API response, `{"orderInfo": {...}}`, or the bare orderInfo."""
        data = load_object(body, "a JD POP order")
        info, path = _order_info(data)
        external_id = id_at(info, "orderId", path)
        items = objects_at(info, "itemInfoList", path, required=True)
        ipath = join(path, "itemInfoList")
        quantities, grosses = line_grosses(items, ipath, "itemTotal", "jdPrice")
        discounts = _discounts(info, path, items, grosses)
        lines = [
            _line(item, f"{ipath}[{i}]", quantity, discount)
            for i, (item, quantity, discount) in enumerate(zip(items, quantities, discounts,
                                                                 strict=True))
        ]

        state = text_at(info, "orderState", path)
        placed_at = iso_time(info.get("orderStartTime"), join(path, "orderStartTime"), CHINA_TZ)
        modified = info.get("modified")
        updated_at = iso_time(modified, join(path, "modified"), CHINA_TZ) if modified \
            else placed_at

        consignee = obj_at(info, "consigneeInfo", path) or {}
        cpath = join(path, "consigneeInfo")
        phone = text_at(consignee, "mobile", cpath) or text_at(consignee, "telephone", cpath)
        found = receiver({
            "name": (text_at(consignee, "fullname", cpath), ""),
            "phone": (phone, ""),
            "line1": (text_at(consignee, "fullAddress", cpath), ""),
        }, is_ciphertext)

        attributes: dict[str, str] = {"jd_order_state": state} if state else {}
        for key, name in (("orderType", "jd_order_type"), ("payType", "pay_type"),
                          ("paymentConfirmTime", "pay_time"),
                          ("orderStateRemark", "jd_order_state_remark")):
            put(attributes, name, info.get(key))
        for key, name in TEXT_ATTRIBUTES.items():
            put(attributes, name, text_at(info, key, path))
        for key in ("orderTotalPrice", "sellerDiscount", "orderSellerPrice", "balanceUsed"):
            if info.get(key) not in (None, ""):
                attributes[key] = str(decimal_at(info, key, path))
        attributes.update(privacy_attributes(found))

        return ChannelOrder(
            external_id=external_id,
            status="cancelled" if state == JD_CANCELLED else "open",
            updated_at=updated_at,
            currency="CNY",
            lines=lines,
            customer=Customer(ref=text_at(info, "open_id_buyer", path)
                              or text_at(info, "xid_buyer", path) or text_at(info, "pin", path),
                              name=found.values["name"], phone=found.values["phone"]),
            shipping_address=Address(
                country="CN",
                province=text_at(consignee, "province", cpath),
                city=text_at(consignee, "city", cpath),
                district=text_at(consignee, "county", cpath),
                line1=found.values["line1"],
                postal_code=text_at(consignee, "consPostCode", cpath),
                name=found.values["name"],
                phone=found.values["phone"],
            ),
            shipping_fee=price_at(info, "freightPrice", path, ZERO),
            total=price_at(info, "orderPayment", path) if info.get("orderPayment") not in
            (None, "") else None,
            placed_at=placed_at,
            attributes=attributes,
            encrypted=found.encrypted,
            raw=info,
        )


def _order_info(data: JsonObject) -> tuple[JsonObject, str]:
    error = obj_at(data, "error_response")
    if error is not None:
        message = text_at(error, "zh_desc") or text_at(error, "en_desc")
        raise PayloadError(f"JD API error: {message}", "error_response")
    for key in ("jingdong_pop_order_get_responce", "jingdong_pop_order_get_response"):
        response = obj_at(data, key)
        if response is None:
            continue
        detail = obj_at(response, "orderDetailInfo", key)
        if detail is None:
            raise PayloadError("is missing", f"{key}.orderDetailInfo")
        dpath = f"{key}.orderDetailInfo"
        result = obj_at(detail, "apiResult", dpath)
        if result is not None and str(result.get("success", "true")).lower() != "true":
            message = text_at(result, "chineseErrCode", dpath) or text_at(
                result, "englishErrCode", dpath)
            raise PayloadError(f"JD API error: {message}", f"{dpath}.apiResult")
        info = obj_at(detail, "orderInfo", dpath)
        if info is None:
            raise PayloadError("is missing", f"{dpath}.orderInfo")
        return info, f"{dpath}.orderInfo"
    info = obj_at(data, "orderInfo")
    if info is not None:
        return info, "orderInfo"
    return data, ""


def _coupons(info: JsonObject, path: str) -> list[tuple[str, Decimal]]:
    """(skuId or "", amount) of each couponDetailList entry (nested lists are flattened)."""
    out = []
    entries = list_at(info, "couponDetailList", path)
    flat: list[tuple[str, object]] = []
    for i, entry in enumerate(entries):
        where = f"{join(path, 'couponDetailList')}[{i}]"
        if isinstance(entry, list):
            flat += [(f"{where}[{j}]", e) for j, e in enumerate(entry)]
        else:
            flat.append((where, entry))
    for where, entry in flat:
        if not isinstance(entry, dict):
            raise PayloadError(f"expected an object, got {json_type(entry)}", where)
        if entry.get("couponPrice") in (None, ""):
            continue
        out.append((text_at(entry, "skuId", where), price_at(entry, "couponPrice", where)))
    return out


def _discounts(info: JsonObject, path: str, items: list[JsonObject],
               grosses: list[Decimal]) -> list[Decimal]:
    """Each line's discount. With `couponDetailList`: every coupon (the seller's and JD's),
    one naming a line's `skuId` on that line, the others spread pro rata. Without it:
    `sellerDiscount`, spread pro rata. `orderPayment` is not used to make them up, so a
    payment that does not add up stays visible to the amounts check."""
    where = join(path, "couponDetailList")
    coupons = _coupons(info, path)
    if not coupons:
        return spread_discount(price_at(info, "sellerDiscount", path, ZERO), grosses,
                               join(path, "sellerDiscount"))
    skus = [text_at(item, "skuId", path) for item in items]
    own = [ZERO for _ in items]
    shared = ZERO
    for sku, amount in coupons:
        if sku and sku in skus:
            own[skus.index(sku)] += amount
        else:
            shared += amount
    for i, amount in enumerate(own):
        if amount > grosses[i]:
            raise PayloadError(f"coupons for skuId {skus[i]} ({amount}) exceed its line "
                               f"({grosses[i]})", where)
    rest = spread_discount(shared, [g - o for g, o in zip(grosses, own, strict=True)], where)
    return [o + r for o, r in zip(own, rest, strict=True)]


def _line(item: JsonObject, path: str, quantity: int, discount: Decimal) -> ChannelLine:
    return ChannelLine(
        channel_sku=text_at(item, "outerSkuId", path) or text_at(item, "skuId", path),
        title=text_at(item, "skuName", path),
        quantity=quantity,
        unit_price=price_at(item, "jdPrice", path),
        discount=discount,
        line_ref=text_at(item, "id", path) or text_at(item, "skuId", path),
    )
