"""Where each channel puts what the buyer typed, and the WooCommerce private meta keys that
carry order facts: the adapters keep them as attributes, the extractor reads them."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest

from orderhub.adapters.channels.registry import ADAPTERS
from orderhub.adapters.channels.woocommerce.parse import meta_facts
from orderhub.domain.buyer_notes import note_texts, read_notes

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "channels"
DAY = date(2026, 12, 7)


def _woo(**changes: Any) -> bytes:
    doc = orjson.loads((FIXTURES / "woocommerce_order_usd.json").read_bytes())
    doc.update(changes)
    return orjson.dumps(doc)


def test_woocommerce_reads_the_documented_private_meta_keys() -> None:
    meta = [
        {"id": 1, "key": "_billing_phone", "value": "+1 650 555 0199"},
        {"id": 2, "key": "_shipping_phone", "value": "+1 650 555 0123"},
        {"id": 3, "key": "_orddd_timestamp", "value": "1798041600"},  # 2026-12-24 00:00 +08
        {"id": 4, "key": "_billing_vat_number", "value": "GB123456789"},
        {"id": 5, "key": "_invoice_title", "value": "ACME Ltd"},
        {"id": 6, "key": "_edit_lock", "value": "1700000000:1"},  # WordPress internals: skipped
        {"id": 7, "key": "_wc_order_attribution_source_type", "value": "typein"},
    ]
    order = ADAPTERS["woocommerce"].parse(_woo(meta_data=meta))
    attrs = order.attributes
    assert attrs["requested_delivery"] == "2026-12-24"
    assert attrs["invoice_tax_id"] == "GB123456789" and attrs["invoice_title"] == "ACME Ltd"
    assert "_edit_lock" not in attrs and "_wc_order_attribution_source_type" not in attrs
    # the fixture's shipping address has no phone: the shipping phone meta fills it
    assert order.shipping_address.phone == "+1 650 555 0123"
    assert order.customer.phone == "+1 650 555 0100"  # billing.phone given: kept


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("_delivery_date", "2026-12-24", "2026-12-24"),
    ("jckwds_date_ymd", "20261224", "2026-12-24"),
    ("_orddd_lite_timestamp", "1798070400", "2026-12-24"),  # midnight UTC
    ("_orddd_timestamp", "1798088400", "2026-12-24"),  # midnight UTC-5
    ("_delivery_date", "Christmas", None),
    ("_orddd_timestamp", "soon", None),
])
def test_delivery_date_meta(key: str, value: str, expected: str | None) -> None:
    assert meta_facts([{"key": key, "value": value}]).get("requested_delivery") == expected


@pytest.mark.parametrize(("fixture", "field", "note", "source"), [
    ("woocommerce_order_usd.json", "customer_note", "Baby is 2 months old", "customer_note"),
    ("shopify_order_usd.json", "note", "Baby is 2 months old", "note"),
    ("tiktok_order_usd.json", "buyer_message", "宝宝刚满2个月", "buyer_message"),
])
def test_each_channel_exposes_its_buyer_note(fixture: str, field: str, note: str,
                                             source: str) -> None:
    doc = orjson.loads((FIXTURES / fixture).read_bytes())
    target = doc
    if "data" in doc and isinstance(doc["data"], dict):  # TikTok: data.orders[0]
        orders = doc["data"].get("orders") or doc["data"].get("order_list")
        target = orders[0] if orders else doc["data"]
    target[field] = note
    adapter = ADAPTERS[fixture.split("_")[0]]
    order = adapter.parse(orjson.dumps(doc))
    assert [s for s, _, _ in note_texts(order.attributes)] == [source]
    assert read_notes(order.attributes, DAY)["note_baby_age_months"] == "2"


def test_taobao_buyer_memo_and_message_are_read() -> None:
    doc = orjson.loads((FIXTURES / "taobao_trade_fullinfo.json").read_bytes())
    trade = doc["trade_fullinfo_get_response"]["trade"]
    trade["buyer_message"] = "12月24日前送达"
    trade["buyer_memo"] = "宝宝两岁半"
    order = ADAPTERS["taobao"].parse(orjson.dumps(doc))
    facts = read_notes(order.attributes, DAY)
    assert facts["note_baby_age_months"] == "30"
    assert facts["note_requested_delivery"] == "2026-12-24"


def test_personal_meta_and_note_words_are_free_text() -> None:
    from orderhub.domain.privacy import PiiView, shape_attributes

    attrs = {"billing_phone": "+1 650 555 0199", "shipping_phone": "+1 650 555 0123",
             "invoice_title": "ACME Ltd", "invoice_tax_id": "GB123456789",
             **read_notes({"buyer_memo": "宝宝3个月，发票抬头：上海某某有限公司"}, DAY)}
    seen = shape_attributes(attrs, PiiView.MASKED)
    assert seen == {"note_baby_age_months": "3"}
    assert shape_attributes(attrs, PiiView.FULL) == attrs


def test_a_structured_delivery_date_is_the_orders_requested_delivery() -> None:
    order = ADAPTERS["woocommerce"].parse(_woo(meta_data=[
        {"key": "_delivery_date", "value": "2026-12-24"}]))
    assert order.requested_delivery == date(2026, 12, 24)
    loose = ADAPTERS["woocommerce"].parse(_woo(meta_data=[
        {"key": "requested_delivery", "value": "next week"}]))
    assert loose.requested_delivery is None and loose.attributes["requested_delivery"] == \
        "next week"
    from orderhub.adapters.channels.tabular import parse_rows
    [(_, po)] = parse_rows("采购单号,SKU,数量,单价,要求到货日期\nP1,S1,1,10,2026/12/30\n".encode(),
                           fmt="csv").orders
    assert po.requested_delivery == date(2026, 12, 30)


def test_douyin_buyer_words_are_read() -> None:
    doc = orjson.loads((FIXTURES / "douyin_order_detail.json").read_bytes())
    doc["data"]["shop_order_detail"]["buyer_words"] = "孩子一岁零三个月，下周五前到货"
    order = ADAPTERS["douyin"].parse(orjson.dumps(doc))
    facts = read_notes(order.attributes, DAY)
    assert facts["note_baby_age_months"] == "15"
    assert facts["note_requested_delivery"] == "2026-12-18"
    assert facts["note_requested_delivery_span"] == "buyer_words: 下周五前到货"
