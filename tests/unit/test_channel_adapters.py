"""Channel adapters: fixtures shaped like each platform's documented payloads parse to the
expected canonical orders; signatures, malformed payloads and tabular files."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

from orderhub.adapters.channels._payload import split_line
from orderhub.adapters.channels.base import (
    ChannelAdapter,
    ChannelOrder,
    PayloadError,
    SignatureError,
)
from orderhub.adapters.channels.douyin import DouyinShopAdapter
from orderhub.adapters.channels.registry import ADAPTERS, get_adapter
from orderhub.adapters.channels.shopify import ShopifyAdapter
from orderhub.adapters.channels.tabular import (
    RowError,
    TabularAdapter,
    parse_rows,
)
from orderhub.adapters.channels.taobao import TaobaoAdapter
from orderhub.adapters.channels.tiktok import TikTokShopAdapter
from orderhub.adapters.channels.woocommerce import WooCommerceAdapter
from orderhub.domain.money import quantize
from orderhub.domain.order import OrderType

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "channels"
D = Decimal


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def utc(year: int, month: int, day: int, hour: int, minute: int, second: int) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# ----- expected values per fixture ------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    adapter: str
    external_id: str
    status: str
    currency: str
    updated_at: datetime
    # (channel_sku, quantity, unit_price, discount, tax)
    lines: list[tuple[str, int, str, str, str]]
    shipping_fee: str
    total: str
    address: dict[str, str]
    customer_ref: str


SHOPIFY_LINES = [
    ("TEA-LJ-250", 2, "48.00", "4.80", "11.86"),
    ("CUP-CL-01", 4, "12.50", "5.00", "5.85"),
    ("TRAY-BB-01", 1, "35.00", "0", "4.55"),
]
SHOPIFY_ADDRESS = {
    "country": "CN",
    "province": "Shanghai",
    "city": "上海市",
    "line1": "浦东新区世纪大道100号 环球金融中心 25楼",
    "postal_code": "200120",
    "name": "王伟",
    "phone": "+86 138 0013 8000",
}
WC_LINES = [
    ("TEA-BLK-100", 3, "60.00", "18.00", "9.72"),
    ("POT-YX-01", 1, "120.00", "12.00", "6.48"),
    ("SPOON-01", 2, "12.50", "2.50", "1.35"),
]
WC_ADDRESS = {
    "country": "CN",
    "province": "上海",
    "city": "上海市",
    "district": "",
    "line1": "徐汇区漕溪北路 88 号 3 号楼 1201 室",
    "postal_code": "200030",
    "name": "李芳",
    "phone": "13912345678",
}
TIKTOK_LINES = [  # the seller's discount on the line; the platform's 2.00 is a component
    ("TEA-OOLONG-50", 2, "25.00", "5.00", "3.44"),
    ("GAIWAN-WHITE", 1, "40.00", "0", "3.20"),
]
TIKTOK_ADDRESS = {
    "country": "US",
    "province": "New York",
    "city": "New York",
    "district": "New York County",
    "line1": "350 5th Ave Apt 5B",
    "postal_code": "10118",
    "name": "Jane Doe",
    "phone": "(+1)212*****00",
}
DOUYIN_LINES = [
    ("TEA-AJB-50", 2, "128.00", "20.00", "0"),
    ("CUP-RY-01", 3, "39.00", "10.00", "0"),
    ("TOWEL-01", 1, "15.00", "0", "0"),
]
DOUYIN_ADDRESS = {
    "country": "CN",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "line1": "文新街道文三路 478 号华星时代广场 A 座 1801",
    "name": "张三",
    "phone": "138****5678",
}
TAOBAO_LINES = [
    ("TEA-DHP-250", 2, "199.00", "38.00", "0"),
    ("CUP-GLASS-300", 1, "59.90", "6.90", "0"),
]
TAOBAO_ADDRESS = {
    "country": "CN",
    "province": "广东省",
    "city": "深圳市",
    "district": "南山区",
    "line1": "科技南十二路 2 号",
    "postal_code": "518057",
    "name": "陈*",
    "phone": "*******8899",
}

EXPECTED: dict[str, Expected] = {
    "shopify_order_usd.json": Expected(
        "shopify", "5812345678901", "open", "USD", utc(2024, 11, 8, 15, 15, 35),
        SHOPIFY_LINES, "16.95", "210.41", SHOPIFY_ADDRESS, "7001234567",
    ),
    "shopify_order_usd_cancelled.json": Expected(
        "shopify", "5812345678901", "cancelled", "USD", utc(2024, 11, 9, 13, 0, 0),
        SHOPIFY_LINES, "16.95", "210.41", SHOPIFY_ADDRESS, "7001234567",
    ),
    "shopify_order_eur.json": Expected(
        "shopify", "5812345679999", "open", "EUR", utc(2024, 11, 10, 13, 2, 15),
        [("TEA-SENCHA-100", 3, "14.90", "0", "0"), ("KETTLE-01", 1, "59.00", "5.90", "0")],
        "4.90", "102.70",
        {"country": "DE", "city": "Berlin", "postal_code": "10117", "name": "Anna Schmidt"},
        "7009876543",
    ),
    "woocommerce_order_cny.json": Expected(
        "woocommerce", "727", "open", "CNY", utc(2024, 11, 11, 12, 5, 12),
        WC_LINES, "12.72", "322.77", WC_ADDRESS, "26",
    ),
    "woocommerce_order_cny_refunded.json": Expected(
        "woocommerce", "727", "cancelled", "CNY", utc(2024, 11, 13, 2, 30, 0),
        WC_LINES, "12.72", "322.77", WC_ADDRESS, "26",
    ),
    "woocommerce_order_usd.json": Expected(
        "woocommerce", "731", "open", "USD", utc(2024, 11, 12, 1, 41, 3),
        [("TEA-MATCHA-30", 2, "19.99", "0", "0"), ("WHISK-BAMBOO", 1, "14.00", "0", "0")],
        "8.50", "62.48",
        {"country": "US", "province": "CA", "city": "Mountain View", "name": "John Smith"},
        "",  # guest checkout: customer_id 0
    ),
    "tiktok_order_usd.json": Expected(
        "tiktok", "576461413038785752", "open", "USD", utc(2024, 11, 12, 3, 0, 50),
        TIKTOK_LINES, "5.99", "95.63", TIKTOK_ADDRESS, "7021436810468230477",
    ),
    "tiktok_order_usd_cancelled.json": Expected(
        "tiktok", "576461413038785752", "cancelled", "USD", utc(2024, 11, 12, 5, 40, 0),
        TIKTOK_LINES, "5.99", "95.63", TIKTOK_ADDRESS, "7021436810468230477",
    ),
    "tiktok_order_gbp.json": Expected(
        "tiktok", "578123456789012345", "open", "GBP", utc(2024, 11, 12, 8, 45, 0),
        [("MUG-ENAMEL", 2, "12.00", "2.40", "0"), ("TEA-EARLGREY-100", 1, "8.50", "0", "0")],
        "2.99", "33.09",
        {"country": "GB", "province": "England", "city": "London", "district": "Greater London",
         "postal_code": "NW1 6XE"},
        "7034567890123456789",
    ),
    "douyin_order_detail.json": Expected(
        "douyin", "6919876543210987654", "open", "CNY", utc(2024, 11, 11, 10, 11, 0),
        DOUYIN_LINES, "8.00", "366.00", DOUYIN_ADDRESS, "1@#R0Z2bGF3V0VtZjVkRzhnaUNiV3A5dz09",
    ),
    "douyin_order_detail_cancelled.json": Expected(
        "douyin", "6919876543210987654", "cancelled", "CNY", utc(2024, 11, 11, 13, 0, 0),
        DOUYIN_LINES, "8.00", "366.00", DOUYIN_ADDRESS, "1@#R0Z2bGF3V0VtZjVkRzhnaUNiV3A5dz09",
    ),
    "taobao_trade_fullinfo.json": Expected(
        "taobao", "3912345678901234567", "open", "CNY", utc(2024, 11, 10, 16, 3, 45),
        TAOBAO_LINES, "10.00", "423.00", TAOBAO_ADDRESS, "AAHk5d-EAAeGwJedwSHpg8bT",
    ),
    "taobao_trade_fullinfo_closed.json": Expected(
        "taobao", "3912345678901234567", "cancelled", "CNY", utc(2024, 11, 12, 1, 30, 0),
        TAOBAO_LINES, "10.00", "423.00", TAOBAO_ADDRESS, "AAHk5d-EAAeGwJedwSHpg8bT",
    ),
    "tmall_global_trade_fullinfo.json": Expected(
        "taobao", "3923456789012345678", "open", "CNY", utc(2024, 11, 20, 13, 15, 20),
        [("MATCHA-UJI-100", 2, "88.00", "8.00", "15.29")], "0", "183.29",
        {"country": "CN", "province": "北京", "city": "北京市", "district": "朝阳区",
         "name": "刘*", "phone": "*******2233"},
        "AAFp9d-EAAeGwJedwSHtq0bX",
    ),
}  # fmt: skip

# The first order of each channel and its cancellation/refund update.
UPDATES = [
    ("shopify_order_usd.json", "shopify_order_usd_cancelled.json"),
    ("woocommerce_order_cny.json", "woocommerce_order_cny_refunded.json"),
    ("tiktok_order_usd.json", "tiktok_order_usd_cancelled.json"),
    ("douyin_order_detail.json", "douyin_order_detail_cancelled.json"),
    ("taobao_trade_fullinfo.json", "taobao_trade_fullinfo_closed.json"),
]


def parse(name: str) -> ChannelOrder:
    return get_adapter(EXPECTED[name].adapter).parse(fixture(name))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_parses_to_expected_order(name: str) -> None:
    want = EXPECTED[name]
    order = parse(name)
    assert order.external_id == want.external_id
    assert order.status == want.status
    assert order.currency == want.currency
    assert order.updated_at == want.updated_at
    assert (
        order.updated_at.utcoffset() is not None
        and order.updated_at.utcoffset() == UTC.utcoffset(None)
    )
    assert order.placed_at is not None and order.placed_at <= order.updated_at
    got = [(ln.channel_sku, ln.quantity, ln.unit_price, ln.discount, ln.tax) for ln in order.lines]
    assert got == [(s, q, D(p), D(d), D(t)) for s, q, p, d, t in want.lines]
    assert all(type(ln.quantity) is int and ln.quantity > 0 for ln in order.lines)
    assert all(isinstance(ln.unit_price, Decimal) for ln in order.lines)
    assert order.shipping_fee == D(want.shipping_fee)
    assert order.total == D(want.total)
    for key, value in want.address.items():
        assert getattr(order.shipping_address, key) == value, key
    assert order.customer.ref == want.customer_ref
    assert order.raw  # the channel's own order object, not the API envelope
    assert str(
        order.raw.get("id") or order.raw.get("shop_order_id") or order.raw.get("tid_str")
    ) == (want.external_id)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_lines_plus_shipping_minus_discounts_plus_tax_equals_channel_total(name: str) -> None:
    order = parse(name)
    gross = sum((ln.unit_price * ln.quantity for ln in order.lines), D(0))
    discounts = sum((ln.discount for ln in order.lines), D(0))
    tax = sum((ln.tax for ln in order.lines), D(0))
    charges = sum((c.amount for c in order.charges), D(0))  # fees, duties, subsidies ...
    computed = quantize(gross - discounts + tax + order.shipping_fee + charges, order.currency)
    assert order.total is not None
    assert computed == quantize(order.total, order.currency)


@pytest.mark.parametrize(("first", "update"), UPDATES)
def test_cancellation_update_keeps_the_id_and_moves_time_forward(first: str, update: str) -> None:
    before, after = parse(first), parse(update)
    assert before.status == "open" and after.status == "cancelled"
    assert after.external_id == before.external_id
    assert after.updated_at > before.updated_at


def test_other_currency_fixtures() -> None:
    assert parse("shopify_order_eur.json").currency == "EUR"
    assert parse("woocommerce_order_usd.json").currency == "USD"
    assert parse("tiktok_order_gbp.json").currency == "GBP"


def test_chinese_text_is_preserved() -> None:
    order = parse("taobao_trade_fullinfo.json")
    assert order.lines[0].title == "武夷山大红袍 特级 250g 礼盒装（净含量:250g;包装:礼盒装）"
    assert order.lines[0].barcode == "6901234567892"
    assert order.attributes["buyer_message"] == "送人的，不要放发票"
    assert parse("douyin_order_detail.json").lines[0].title == "安吉白茶 明前特级 50g"


# ----- channel specifics ----------------------------------------------------------------------


def _json(data: Any) -> bytes:
    return orjson.dumps(data)


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(fixture(name))
    return data


def test_shopify_specifics() -> None:
    order = parse("shopify_order_usd.json")
    assert order.attributes["order_name"] == "#1042"
    assert order.shipping_address.lat == pytest.approx(31.2353)
    assert order.customer.name == "王伟" and order.customer.email == "wang.wei@example.com"
    assert order.lines[0].barcode == "" and order.lines[0].line_ref == "13800001"
    eur = parse("shopify_order_eur.json")
    assert eur.attributes["taxes_included"] == "true"
    assert eur.attributes["included_tax"] == "12.18"

    data = _load("shopify_order_usd.json")
    data["financial_status"] = "refunded"  # a full refund without a cancellation
    assert ShopifyAdapter().parse(_json(data)).status == "cancelled"
    data["financial_status"] = "partially_refunded"
    assert ShopifyAdapter().parse(_json(data)).status == "open"
    data["line_items"][0]["sku"] = ""
    assert ShopifyAdapter().parse(_json({"order": data})).lines[0].channel_sku == "44100001"


def test_woocommerce_specifics() -> None:
    order = parse("woocommerce_order_cny.json")
    assert order.attributes["order_number"] == "727"
    assert order.placed_at == utc(2024, 11, 11, 12, 5, 9)
    data = _load("woocommerce_order_usd.json")
    data["status"] = "failed"
    assert WooCommerceAdapter().parse(_json(data)).status == "cancelled"
    # A subtotal that does not divide evenly: unit price rounds up, the line net is kept.
    data["line_items"][0].update({"quantity": 3, "subtotal": "10.00", "total": "10.00"})
    line = WooCommerceAdapter().parse(_json(data)).lines[0]
    assert (line.unit_price, line.discount) == (D("3.34"), D("0.02"))
    assert line.unit_price * line.quantity - line.discount == D("10.00")
    with pytest.raises(PayloadError):  # the webhook creation ping is form-encoded
        WooCommerceAdapter().parse(b"webhook_id=12")


def test_fixtures_without_declarations_are_not_cross_border() -> None:
    for name in sorted(EXPECTED):
        order = parse(name)
        assert order.declared_value is None, name
        assert order.cross_border == (name == "tmall_global_trade_fullinfo.json"), name
        assert all(ln.hs_code == ln.origin_country == "" for ln in order.lines), name


def test_shopify_note_attributes_and_line_properties() -> None:
    data = _load("shopify_order_usd.json")
    data["note_attributes"] = [
        {"name": "baby_age_months", "value": "8"},
        {"name": "buyer_age", "value": 31},
        {"name": "身份证姓名", "value": "王伟"},
        {"name": "cross_border", "value": "TRUE"},
        {"name": "declared_value", "value": "1234.50"},
        {"name": "order_name", "value": "#spoofed"},  # the order's own facts win
        {"name": "gift_wrap", "value": None},
        {"name": "", "value": "nameless"},
    ]
    data["line_items"][0]["properties"] = [
        {"name": "hs_code", "value": "0902.10"},
        {"name": "origin_country", "value": " cn "},
        {"name": "engraving", "value": "茶"},
    ]
    order = ShopifyAdapter().parse(_json(data))
    assert order.cross_border is True and order.declared_value == D("1234.50")
    assert {k: order.attributes[k] for k in ("baby_age_months", "buyer_age", "身份证姓名")} == {
        "baby_age_months": "8",
        "buyer_age": "31",
        "身份证姓名": "王伟",
    }
    assert order.attributes["cross_border"] == "TRUE"
    assert order.attributes["declared_value"] == "1234.50"
    assert order.attributes["order_name"] == "#1042"
    assert "gift_wrap" not in order.attributes and "" not in order.attributes
    assert (order.lines[0].hs_code, order.lines[0].origin_country) == ("0902.10", "CN")
    assert (order.lines[1].hs_code, order.lines[1].origin_country) == ("", "")

    for flag, expected in [("1", True), ("true", True), ("false", False), ("0", False),
                           ("yes", False), ("", False)]:  # fmt: skip
        data["note_attributes"][3]["value"] = flag
        assert ShopifyAdapter().parse(_json(data)).cross_border is expected, flag
    data["note_attributes"][4]["value"] = ""
    assert ShopifyAdapter().parse(_json(data)).declared_value is None
    for bad in ("abc", "-1.00", {"amount": "1"}):
        data["note_attributes"][4]["value"] = bad
        with pytest.raises(PayloadError) as err:
            ShopifyAdapter().parse(_json(data))
        assert err.value.field == "note_attributes[4].value"
    data["note_attributes"] = [{"name": ["not", "text"], "value": "1"}]
    with pytest.raises(PayloadError) as err:
        ShopifyAdapter().parse(_json(data))
    assert err.value.field == "note_attributes[0].name"


def test_woocommerce_meta_data() -> None:
    data = _load("woocommerce_order_cny.json")
    data["meta_data"] = [
        {"id": 901, "key": "_wc_order_attribution_source_type", "value": "typein"},
        {"id": 902, "key": "baby_age_months", "value": "14"},
        {"id": 903, "key": "cross_border", "value": "1"},
        {"id": 904, "key": "declared_value", "value": 300},
        {"id": 905, "key": "_cross_border", "value": "0"},
        {"id": 906, "key": "plugin_blob", "value": {"a": 1}},
    ]
    data["line_items"][1]["meta_data"] = [
        {"id": 911, "key": "_reduced_stock", "value": "1"},
        {"id": 912, "key": "hs_code", "value": "6912001000", "display_key": "HS"},
        {"id": 913, "key": "origin_country", "value": "cn"},
    ]
    order = WooCommerceAdapter().parse(_json(data))
    assert order.cross_border is True and order.declared_value == D(300)
    assert order.attributes["baby_age_months"] == "14"
    assert not any(key.startswith("_") for key in order.attributes)
    assert "plugin_blob" not in order.attributes
    assert order.attributes["order_number"] == "727"
    assert (order.lines[1].hs_code, order.lines[1].origin_country) == ("6912001000", "CN")
    assert order.lines[0].hs_code == ""
    data["meta_data"][3]["value"] = "three hundred"
    with pytest.raises(PayloadError) as err:
        WooCommerceAdapter().parse(_json(data))
    assert err.value.field == "meta_data[3].value"


def test_split_line_never_gives_a_negative_discount() -> None:
    assert split_line(D("398.00"), 2, D("360.00")) == (D("199.00"), D("38.00"))
    unit, discount = split_line(D("59.90"), 1, D("65.00"))  # a manual price increase
    assert (unit, discount) == (D("65.00"), D("0.00"))


def test_tiktok_units_cancelled_in_a_live_order_are_left_out() -> None:
    data = _load("tiktok_order_usd.json")
    data["data"]["orders"][0]["line_items"][1]["display_status"] = "CANCELLED"
    order = TikTokShopAdapter().parse(_json(data))
    assert [(ln.channel_sku, ln.quantity) for ln in order.lines] == [
        ("TEA-OOLONG-50", 1),
        ("GAIWAN-WHITE", 1),
    ]
    assert order.lines[0].line_ref == "576461413038851288"


def test_tiktok_order_level_tax_is_spread_over_the_lines() -> None:
    data = _load("tiktok_order_usd.json")
    for unit in data["data"]["orders"][0]["line_items"]:
        del unit["item_tax"]
    order = TikTokShopAdapter().parse(_json(data))
    assert sum((ln.tax for ln in order.lines), D(0)) == D("6.64")
    assert [ln.tax for ln in order.lines] == [D("3.44"), D("3.20")]  # 6.64 pro rata 43 : 40


def test_tiktok_accepts_a_bare_order_and_refuses_other_shapes() -> None:
    order = _load("tiktok_order_usd.json")["data"]["orders"][0]
    assert TikTokShopAdapter().parse(_json(order)).external_id == "576461413038785752"
    with pytest.raises(PayloadError) as err:
        TikTokShopAdapter().parse(fixture("douyin_order_detail.json"))
    assert "douyin" in str(err.value)
    with pytest.raises(PayloadError) as err:
        TikTokShopAdapter().parse(_json({"code": 36009003, "message": "order not found"}))
    assert err.value.field == "code"
    with pytest.raises(PayloadError) as err:
        TikTokShopAdapter().parse(_json({"code": 0, "data": {"orders": []}}))
    assert err.value.field == "data.orders"


def test_douyin_accepts_the_bare_detail() -> None:
    detail = _load("douyin_order_detail.json")["data"]["shop_order_detail"]
    order = DouyinShopAdapter().parse(_json(detail))
    assert order.external_id == "6919876543210987654"
    assert order.attributes["buyer_words"] == "请尽快发货，谢谢"
    with pytest.raises(PayloadError) as err:
        DouyinShopAdapter().parse(_json({"code": 30001, "msg": "订单不存在", "data": {}}))
    assert err.value.field == "code"


def test_taobao_variants() -> None:
    trade = _load("taobao_trade_fullinfo.json")["trade_fullinfo_get_response"]["trade"]
    for sub in trade["orders"]["order"]:
        del sub["divide_order_fee"]  # fall back to price*num + adjust - discount - allocation
    order = TaobaoAdapter().parse(_json({"trade": trade}))
    assert [(ln.discount, ln.unit_price) for ln in order.lines] == [
        (D("38.00"), D("199.00")),
        (D("6.90"), D("59.90")),
    ]
    assert TaobaoAdapter().parse(_json(trade)).external_id == "3912345678901234567"
    trade["orders"]["order"][1]["refund_status"] = "SUCCESS"  # one line refunded, trade live
    partial = TaobaoAdapter().parse(_json(trade))
    assert partial.status == "open" and [ln.channel_sku for ln in partial.lines] == ["TEA-DHP-250"]
    assert parse("tmall_global_trade_fullinfo.json").cross_border
    with pytest.raises(PayloadError) as err:
        TaobaoAdapter().parse(_json({"error_response": {"code": 27, "msg": "Invalid session"}}))
    assert err.value.field == "error_response"


def test_registry() -> None:
    assert sorted(ADAPTERS) == ["douyin", "jd", "pdd", "shopify", "taobao", "tiktok",
                               "woocommerce"]
    for name, adapter in ADAPTERS.items():
        assert adapter.name == name
    with pytest.raises(KeyError) as err:
        get_adapter("amazon")
    assert "douyin, jd, pdd, shopify, taobao, tiktok, woocommerce" in str(err.value)


# ----- signatures -----------------------------------------------------------------------------


def b64_hmac(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


SECRET = "shpss_0123456789abcdef"


@pytest.mark.parametrize(
    ("adapter", "header", "name"),
    [
        (ShopifyAdapter(), "X-Shopify-Hmac-Sha256", "shopify_order_usd.json"),
        (WooCommerceAdapter(), "X-WC-Webhook-Signature", "woocommerce_order_cny.json"),
        (TaobaoAdapter(), "X-Top-Sign", "taobao_trade_fullinfo.json"),
    ],
)
def test_base64_hmac_signatures(adapter: ChannelAdapter, header: str, name: str) -> None:
    body = fixture(name)
    good = b64_hmac(SECRET, body)
    adapter.verify(body, {header: good}, SECRET)
    adapter.verify(body, {header.lower(): good}, SECRET)  # header names are case-insensitive
    for headers, secret, payload in [
        ({header: b64_hmac("other-secret", body)}, SECRET, body),
        ({header: good}, SECRET, body + b" "),  # any change to the raw body
        ({header: "not base64 at all"}, SECRET, body),
        ({}, SECRET, body),
        ({header: ""}, SECRET, body),
        ({header: good}, "", body),
    ]:
        with pytest.raises(SignatureError):
            adapter.verify(payload, headers, secret)


def test_tiktok_signature() -> None:
    body = fixture("tiktok_order_usd.json")
    app_key, app_secret = "6a1b2c3d4e5f6", "e59af819e5e0b2f1b8c91a7c7a5e5f0b"
    good = hmac.new(app_secret.encode(), app_key.encode() + body, hashlib.sha256).hexdigest()
    TikTokShopAdapter(app_key=app_key).verify(body, {"Authorization": good}, app_secret)
    TikTokShopAdapter().verify(body, {"authorization": good}, f"{app_key}:{app_secret}")
    for headers, secret in [
        ({"Authorization": good.replace(good[0], "0" if good[0] != "0" else "1")}, app_secret),
        ({}, app_secret),
        ({"Authorization": hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()},
         app_secret),  # signed without the app key
    ]:  # fmt: skip
        with pytest.raises(SignatureError):
            TikTokShopAdapter(app_key=app_key).verify(body, headers, secret)
    with pytest.raises(SignatureError):  # no app key anywhere
        TikTokShopAdapter().verify(body, {"Authorization": good}, app_secret)


def test_douyin_signature() -> None:
    body = (
        b'[{"tag":"101","msg_id":"7000000000000000001","data":"{\\"p_id\\":6919876543210987654}"}]'
    )
    app_key, app_secret = "7123456789012345678", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    md5 = hashlib.md5((app_key + body.decode() + app_secret).encode()).hexdigest()
    adapter = DouyinShopAdapter(app_key=app_key)
    adapter.verify(body, {"event-sign": md5, "app-id": app_key}, app_secret)
    DouyinShopAdapter().verify(body, {"Event-Sign": md5}, f"{app_key}:{app_secret}")
    sha = hmac.new(
        app_secret.encode(), (app_key + body.decode() + app_secret).encode(), hashlib.sha256
    ).hexdigest()
    adapter.verify(body, {"event-sign": sha, "sign-method": "hmac-sha256"}, app_secret)
    for headers in [
        {"event-sign": md5, "app-id": "another-app"},
        {"event-sign": sha},  # sha256 signature without the sign-method header
        {"event-sign": md5, "sign-method": "rsa"},
        {},
    ]:
        with pytest.raises(SignatureError):
            adapter.verify(body, headers, app_secret)
    with pytest.raises(SignatureError):
        adapter.verify(body + b" ", {"event-sign": md5}, app_secret)


# ----- malformed payloads ---------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """Where a channel keeps the order, its id, its lines and a line's quantity and price."""

    adapter: str
    fixture: str
    order: Callable[[dict[str, Any]], dict[str, Any]]
    prefix: str
    id_keys: tuple[str, ...]
    lines: Callable[[dict[str, Any]], tuple[dict[str, Any], str]]
    line_path: str
    quantity: str | None
    price: str


SHAPES = [
    Shape("shopify", "shopify_order_usd.json", lambda d: d, "", ("id",),
          lambda o: (o, "line_items"), "line_items[0]", "quantity", "price"),
    Shape("woocommerce", "woocommerce_order_cny.json", lambda d: d, "", ("id",),
          lambda o: (o, "line_items"), "line_items[0]", "quantity", "total"),
    Shape("tiktok", "tiktok_order_usd.json", lambda d: d["data"]["orders"][0], "data.orders[0].",
          ("id",), lambda o: (o, "line_items"), "line_items[0]", None, "original_price"),
    Shape("douyin", "douyin_order_detail.json", lambda d: d["data"]["shop_order_detail"],
          "data.shop_order_detail.", ("shop_order_id",), lambda o: (o, "sku_order_list"),
          "sku_order_list[0]", "item_num", "goods_price"),
    Shape("taobao", "taobao_trade_fullinfo.json",
          lambda d: d["trade_fullinfo_get_response"]["trade"], "trade_fullinfo_get_response.trade.",
          ("tid", "tid_str"), lambda o: (o["orders"], "order"), "orders.order[0]", "num", "price"),
]  # fmt: skip


def _mutated(shape: Shape, change: Callable[[dict[str, Any]], None]) -> bytes:
    data = _load(shape.fixture)
    change(shape.order(data))
    return _json(data)


def _error(shape: Shape, body: bytes) -> PayloadError:
    with pytest.raises(PayloadError) as err:
        get_adapter(shape.adapter).parse(body)
    return err.value


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.adapter)
def test_malformed_payloads(shape: Shape) -> None:
    assert _error(shape, b"{not json").field == "body"
    assert "not valid JSON" in str(_error(shape, b"\xff\xfe"))
    assert "got array" in str(_error(shape, b"[]"))
    assert "got string" in str(_error(shape, b'"order"'))

    def drop_id(o: dict[str, Any]) -> None:
        for key in shape.id_keys:
            o.pop(key, None)

    assert _error(shape, _mutated(shape, drop_id)).field == shape.prefix + shape.id_keys[0]

    def drop_lines(o: dict[str, Any]) -> None:
        holder, key = shape.lines(o)
        holder.pop(key)

    def empty_lines(o: dict[str, Any]) -> None:
        holder, key = shape.lines(o)
        holder[key] = []

    for change in (drop_lines, empty_lines):
        field = _error(shape, _mutated(shape, change)).field
        assert field.startswith(shape.prefix) and field.split(".")[-1] in (
            "line_items", "sku_order_list", "order", "orders",
        )  # fmt: skip

    def first_line(o: dict[str, Any]) -> dict[str, Any]:
        holder, key = shape.lines(o)
        line: dict[str, Any] = holder[key][0]
        return line

    line_path = shape.prefix + shape.line_path
    if shape.quantity is not None:
        quantity = shape.quantity
        for bad in (-2, 0, 1.5, "two", True):
            body = _mutated(shape, lambda o, v=bad: first_line(o).__setitem__(quantity, v))
            assert _error(shape, body).field == f"{line_path}.{quantity}"
    # Douyin may omit goods_price (origin_amount / item_num is used), so null is fine there.
    bad_prices: list[Any] = ["abc", "12,50", {"amount": "1"}, "NaN", [], True]
    if shape.adapter != "douyin":
        bad_prices.append(None)
    for bad_price in bad_prices:
        body = _mutated(shape, lambda o, v=bad_price: first_line(o).__setitem__(shape.price, v))
        err = _error(shape, body)
        assert err.field == f"{line_path}.{shape.price}", err
    body = _mutated(shape, lambda o: first_line(o).__setitem__(shape.price, "-1.00"))
    if shape.adapter != "douyin":  # fen are integers: "-1.00" is not one
        assert "negative" in str(_error(shape, body))


def test_currency_must_be_an_iso_code() -> None:
    data = _load("shopify_order_usd.json")
    data["currency"] = "usd"
    assert ShopifyAdapter().parse(_json(data)).currency == "USD"
    data["currency"] = "US$"  # a currency written as its sign is read (currency_names)
    assert ShopifyAdapter().parse(_json(data)).currency == "USD"
    data["currency"] = "$"  # a sign several currencies use is not guessed
    with pytest.raises(PayloadError) as err:
        ShopifyAdapter().parse(_json(data))
    assert err.value.field == "currency"


def test_bad_times_are_payload_errors() -> None:
    data = _load("woocommerce_order_cny.json")
    data["date_modified_gmt"] = "yesterday"
    with pytest.raises(PayloadError) as err:
        WooCommerceAdapter().parse(_json(data))
    assert err.value.field == "date_modified_gmt"
    tt = _load("tiktok_order_usd.json")
    tt["data"]["orders"][0]["create_time"] = "2024-11-12"
    with pytest.raises(PayloadError) as err:
        TikTokShopAdapter().parse(_json(tt))
    assert err.value.field == "data.orders[0].create_time"


# ----- tabular --------------------------------------------------------------------------------


def test_csv_bad_rows_are_reported_and_good_orders_come_through() -> None:
    received = utc(2024, 11, 12, 0, 0, 0)
    result = parse_rows(fixture("tabular_b2b_orders.csv"), fmt="csv", received_at=received)
    assert [(rows, order.external_id) for rows, order in result.orders] == [
        ([2, 3], "PO-2024-001"),
        ([6], "PO-2024-003"),
    ]
    assert [(e.row, e.field) for e in result.errors] == [
        (4, "external_id"),  # the good row of the order left out
        (5, "quantity"),
        (7, "external_id"),  # the summary row (合计)
    ]
    assert "十个" in result.errors[1].message
    assert "PO-2024-002" in result.errors[0].message and "5" in result.errors[0].message

    first = result.orders[0][1]
    assert first.order_type == OrderType.B2B and first.currency == "CNY"
    assert [(ln.channel_sku, ln.quantity, ln.unit_price, ln.discount) for ln in first.lines] == [
        ("TEA-LJ-250", 20, D("168.00"), D("168.00")),
        ("CUP-CL-01", 100, D("12.50"), D("0")),
    ]
    assert first.shipping_fee == D("50.00")
    assert first.updated_at == first.placed_at == utc(2024, 11, 11, 1, 0, 0)  # 09:00 China time
    address = first.shipping_address
    assert (address.province, address.city, address.district) == ("浙江省", "杭州市", "西湖区")
    assert (address.line1, address.name, address.phone) == ("龙井路 1 号", "王经理", "13800138000")
    assert first.customer.ref == "C0001" and first.customer.name == "杭州西湖茶庄有限公司"

    third = result.orders[1][1]
    assert third.currency == "CNY"  # RMB
    assert third.lines[0].title == "竹制茶盘, 大号"
    assert third.lines[0].unit_price == D("1035.00")  # "1,035.00"
    assert third.placed_at == utc(2024, 11, 12, 6, 0, 0)  # 2024/11/12 14:00


def test_gbk_csv_with_a_custom_mapping() -> None:
    text = (
        "流水号,商品代码,商品,数量,单价,折扣,门店,收货人,手机,省,市,区,详细地址\r\n"
        "POS-88-0001,TEA-LJ-250,龙井绿茶,1,168,10,杭州湖滨店,,,浙江省,杭州市,上城区,湖滨路 1 号\r\n"
        "POS-88-0001,CUP-CL-01,青瓷茶杯,2,12.5,,杭州湖滨店,,,浙江省,杭州市,上城区,湖滨路 1 号\r\n"
        "POS-88-0002,TEA-BLK-100,红茶,-1,54,,杭州湖滨店,,,浙江省,杭州市,上城区,湖滨路 1 号\r\n"
    )
    data = text.encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    result = parse_rows(
        data,
        fmt="csv",
        mapping={"external_id": "流水号", "sku": "商品代码", "customer_name": "门店"},
    )
    assert [(rows, o.external_id) for rows, o in result.orders] == [([2, 3], "POS-88-0001")]
    order = result.orders[0][1]
    assert order.customer.name == "杭州湖滨店" and order.shipping_address.district == "上城区"
    assert [ln.discount for ln in order.lines] == [D(10), D(0)]
    assert result.errors == [RowError(4, "quantity", "must be a positive whole number, got -1")]


def test_tab_separated_utf16_export() -> None:
    text = "order_id\tsku\tqty\tprice\tcurrency\nA-1\tSKU-1\t2\t9.90\thkd\n"
    result = parse_rows(codecs_utf16(text), fmt="csv")
    assert not result.errors
    order = result.orders[0][1]
    assert order.currency == "HKD" and order.lines[0].unit_price == D("9.90")


def codecs_utf16(text: str) -> bytes:
    return text.encode("utf-16")  # with a BOM, as Excel's "Unicode text" writes it


def test_xlsx_rows() -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    header = ["Order No", "SKU", "Product Name", "Qty", "Unit Price", "Discount", "Tax"]
    header += ["Currency", "Customer ID", "Receiver", "Mobile", "Province", "City", "District"]
    header += ["Address", "Zip", "Order Type", "Shipping Fee", "Order Date"]
    sheet.append(header)
    when = datetime(2024, 11, 11, 9, 30)
    suzhou = ["江苏省", "苏州市", "姑苏区", "人民路 100 号", 215000, "B2B", 80, when]
    nanjing = ["江苏省", "南京市", "鼓楼区", "中山路 1 号", 210000, "B2B", 0, when]
    wuxi = ["江苏省", "无锡市", "梁溪区", "中山路 2 号", 214000, "B2B", 0, when]
    for row in [
        ["B2B-1001", "TEA-LJ-250", "龙井绿茶", 50, 150, 750, 0, "CNY", "C9", "周经理", 13800138000],
        ["B2B-1001", "CUP-CL-01", "青瓷茶杯", 200.0, 11.2, None, None, "CNY", "C9", "周经理", None],
        [],
        ["B2B-1002", "TRAY-BB-01", "竹制茶盘", 3, -35, None, None, "CNY", "C10", "吴总", None],
        ["B2B-1003", "TEA-BLK-100", "红茶", 5, 54, None, None, "USD", "C11", "郑总", None],
        ["B2B-1003", "POT-YX-01", "紫砂壶", 1, 120, None, None, "CNY", "C11", "郑总", None],
    ]:
        city = suzhou if row[:1] == ["B2B-1001"] else nanjing if row[:1] == ["B2B-1002"] else wuxi
        sheet.append(row + city if row else row)
    buffer = io.BytesIO()
    book.save(buffer)

    result = parse_rows(buffer.getvalue(), fmt="xlsx")
    assert [(rows, o.external_id) for rows, o in result.orders] == [([2, 3], "B2B-1001")]
    order = result.orders[0][1]
    assert order.order_type == OrderType.B2B
    assert [(ln.quantity, ln.unit_price, ln.discount) for ln in order.lines] == [
        (50, D(150), D(750)),
        (200, D("11.2"), D(0)),
    ]
    assert order.shipping_address.phone == "13800138000"
    assert order.shipping_address.postal_code == "215000"
    assert order.shipping_address.city == "苏州市"
    assert order.placed_at == utc(2024, 11, 11, 1, 30, 0)
    assert [(e.row, e.field) for e in result.errors] == [
        (5, "unit_price"),
        (6, "external_id"),  # left out with row 7
        (7, "currency"),  # USD on row 6, CNY on row 7
    ]
    assert "row 6" in result.errors[2].message


def test_tabular_header_and_file_problems() -> None:
    result = parse_rows("订单号,数量,单价\nA,1,2\n".encode(), fmt="csv")
    assert result.orders == []
    assert [(e.row, e.field) for e in result.errors] == [(1, "sku")]
    result = parse_rows(b"order_id,sku,qty,price\nA,S,1,2\n", fmt="csv", mapping={"title": "Name"})
    assert [(e.row, e.field) for e in result.errors] == [(1, "title")]
    assert len(result.orders) == 1  # an optional column that is missing does not stop the file
    with pytest.raises(ValueError, match="unknown canonical field"):
        parse_rows(b"a\n", fmt="csv", mapping={"colour": "颜色"})
    bad = parse_rows(b"PK\x03\x04 not really a zip", fmt="xlsx")
    assert bad.orders == [] and bad.errors[0].row == 0 and bad.errors[0].field == "file"
    assert parse_rows(b"", fmt="csv").errors == [RowError(0, "file", "the file has no header row")]


def test_csv_declaration_and_customs_columns() -> None:
    text = (
        "订单号,商品编码,数量,单价,婴儿月龄,买家年龄,跨境,申报价值,HS编码,原产国\n"
        "HK-1,FORMULA-1,2,298.00,8,29,是,596.00,1901101000,新西兰\n"
        "HK-1,FORMULA-2,1,268.00,,,,,1901101000,NZ\n"
        "CN-2,TEA-1,1,50,,,否,,,\n"
    )
    result = parse_rows(text.encode(), fmt="csv")
    assert result.errors == []
    first, second = (order for _, order in result.orders)
    assert first.attributes == {"baby_age_months": "8", "buyer_age": "29"}
    assert first.cross_border is True and first.declared_value == D("596.00")
    assert [(ln.hs_code, ln.origin_country) for ln in first.lines] == [
        ("1901101000", "NZ"),
        ("1901101000", "NZ"),
    ]
    assert second.attributes == {} and second.cross_border is False
    assert second.declared_value is None and second.lines[0].origin_country == ""

    english = "order_id,sku,qty,price,baby_age_months,buyer_age,cross_border,declared_value,"
    english += "hs_code,origin_country\nA-1,S-1,1,9.9,6.0,18,TRUE,12,0902,jp\n"
    order = parse_rows(english.encode(), fmt="csv").orders[0][1]
    assert order.attributes == {"baby_age_months": "6", "buyer_age": "18"}
    assert (order.cross_border, order.declared_value) == (True, D(12))
    assert (order.lines[0].hs_code, order.lines[0].origin_country) == ("0902", "JP")


def test_csv_bad_declarations_are_row_errors() -> None:
    text = (
        "订单号,商品编码,数量,单价,婴儿月龄,买家年龄,跨境,申报价值,原产国\n"
        "A,S,1,1,八个月,,,,\n"
        "B,S,1,1,,-3,,,\n"
        "C,S,1,1,,,也许,,\n"
        "D,S,1,1,,,,-5,\n"
        "E,S,1,1,,,,,火星\n"
        "F,S,1,1,6,,是,,\n"
        "F,T,1,1,7,,否,,\n"
        "G,S,1,1,0,,,0,\n"
    )
    result = parse_rows(text.encode(), fmt="csv")
    assert [(e.row, e.field) for e in result.errors] == [
        (2, "baby_age_months"),
        (3, "buyer_age"),
        (4, "cross_border"),
        (5, "declared_value"),
        (6, "origin_country"),
        (7, "external_id"),  # left out with row 8
        (8, "baby_age_months"),  # 7 on row 8, 6 on row 7
        (8, "cross_border"),
    ]
    assert [o.external_id for _, o in result.orders] == ["G"]
    assert result.orders[0][1].attributes == {"baby_age_months": "0"}
    assert result.orders[0][1].declared_value == D(0)


def test_tabular_adapter() -> None:
    adapter = TabularAdapter()
    adapter.verify(b"anything", {}, "")  # files carry no signature
    body = "订单号,商品编码,数量,单价\nX-1,SKU-1,2,5.5\n".encode()
    order = adapter.parse(body)
    assert order.external_id == "X-1" and order.lines[0].unit_price == D("5.5")
    with pytest.raises(PayloadError) as err:
        adapter.parse(body + b"X-2,SKU-2,1,1\n")
    assert "expected one order" in str(err.value)
    with pytest.raises(PayloadError) as err:
        adapter.parse(body + b"X-1,SKU-2,0,1\n")
    assert err.value.field == "row 2: external_id"


def test_fixture_payloads_are_not_mutated_by_parsing() -> None:
    data = _load("tiktok_order_usd.json")
    before = copy.deepcopy(data)
    TikTokShopAdapter().parse(_json(data))
    assert data == before


def test_bare_payloads_name_fields_without_an_envelope_prefix() -> None:
    order = _load("tiktok_order_usd.json")["data"]["orders"][0]
    order["line_items"][0]["original_price"] = "x"
    with pytest.raises(PayloadError) as err:
        TikTokShopAdapter().parse(_json(order))
    assert err.value.field == "line_items[0].original_price"
    trade = _load("taobao_trade_fullinfo.json")["trade_fullinfo_get_response"]["trade"]
    trade["created"] = "11/11/2024"
    with pytest.raises(PayloadError) as err:
        TaobaoAdapter().parse(_json(trade))
    assert err.value.field == "created"
    detail = _load("douyin_order_detail.json")["data"]["shop_order_detail"]
    detail["sku_order_list"][2]["item_num"] = 0
    with pytest.raises(PayloadError) as err:
        DouyinShopAdapter().parse(_json(detail))
    assert err.value.field == "sku_order_list[2].item_num"


def test_tiktok_units_of_one_seller_sku_are_one_line_whatever_their_sku_ids() -> None:
    """Units are grouped by the seller's SKU code (what the crosswalk maps) and price, even
    where each unit carries its own platform sku_id; a unit without a seller code is
    grouped by its sku_id."""
    data = _load("tiktok_order_usd.json")
    units = data["data"]["orders"][0]["line_items"]
    first = units[0]
    twin = {**first, "id": first["id"] + "9", "sku_id": str(first["sku_id"]) + "9"}
    units.append(twin)
    order = TikTokShopAdapter().parse(_json(data))
    [line] = [ln for ln in order.lines if ln.channel_sku == first["seller_sku"]]
    before = TikTokShopAdapter().parse(_json(_load("tiktok_order_usd.json")))
    [single] = [ln for ln in before.lines if ln.channel_sku == first["seller_sku"]]
    assert line.quantity == single.quantity + 1
    assert twin["id"] in line.line_ref.split(",")
    nameless = {**first, "id": first["id"] + "8", "seller_sku": "", "sku_id": "only-sku-id"}
    units.append(nameless)
    order = TikTokShopAdapter().parse(_json(data))
    assert ("", 1) in [(ln.channel_sku, ln.quantity) for ln in order.lines]
