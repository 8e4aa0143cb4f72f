"""JD (jingdong.pop.order.get) and Pinduoduo (pdd.order.information.get): the documented
fixtures read field by field, the md5 signature, errors, discounts spread over lines, and
receivers that arrive masked or encrypted (the decryption port and its simulator)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orderhub.adapters.channels._marketplace import md5_sign, spread_discount
from orderhub.adapters.channels.base import (
    ChannelOrder,
    PayloadError,
    SignatureError,
    check_fresh,
)
from orderhub.adapters.channels.decryption import (
    DecryptionError,
    Opened,
    Sealed,
    SimulatorDecryptor,
    make_decryptor,
)
from orderhub.adapters.channels.jd import JdPopAdapter
from orderhub.adapters.channels.jd import render as jd_render
from orderhub.adapters.channels.pinduoduo import PinduoduoAdapter
from orderhub.adapters.channels.pinduoduo import render as pdd_render
from orderhub.adapters.channels.registry import ADAPTERS, sign
from orderhub.domain.order import HoldCode
from orderhub.domain.receivers import undecrypted_receiver
from orderhub.services.intake.receivers import decryptor_for, reveal_receivers
from tests.factories import order as make_order

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "channels"
D = Decimal
JD, PDD = JdPopAdapter(), PinduoduoAdapter()
TAOBAO_LIKE = ADAPTERS["taobao"]  # an adapter whose signature covers no send time
JD_SECRET, PDD_SECRET = "jd-app-key:jd-app-secret", "pdd-client-id:pdd-client-secret"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def computed(o: ChannelOrder) -> Decimal:
    return sum((ln.unit_price * ln.quantity - ln.discount + ln.tax for ln in o.lines),
               D(0)) + o.shipping_fee


# ----- JD ------------------------------------------------------------------------------------

def test_jd_order_read_field_by_field() -> None:
    o = JD.parse(load("jd_pop_order.json"))
    assert (o.external_id, o.status, o.currency) == ("301234567890", "open", "CNY")
    assert o.placed_at == datetime(2026, 11, 23, 12, 15, 6, tzinfo=UTC)  # China time
    assert o.updated_at == datetime(2026, 11, 23, 12, 15, 41, tzinfo=UTC)
    assert [(ln.channel_sku, ln.quantity, ln.unit_price, ln.discount, ln.line_ref)
            for ln in o.lines] == [
        ("FM-FEIHE-3-700", 2, D("238.00"), D("40.51"), "228886533499"),  # 20 own + 20.51 shared
        ("SNACK-NUT-750", 1, D("99.90"), D("4.49"), "228886533500"),
    ]
    assert (o.shipping_fee, o.total) == (D("6.00"), D("536.90"))
    assert computed(o) == o.total  # coupons (seller's and JD's) reconcile with orderPayment
    a = o.shipping_address
    assert (a.country, a.province, a.city, a.district) == ("CN", "江苏", "苏州市", "工业园区")
    assert (a.name, a.phone) == ("刘洋", "13912345678") and a.line1.endswith("2栋")
    assert o.customer.ref.startswith("o*AAQ2")
    assert o.attributes["buyer_message"] == "请周末送货，宝宝刚满8个月"
    assert o.attributes["jd_order_state"] == "WAIT_SELLER_STOCK_OUT"
    assert o.attributes["sellerDiscount"] == "35.00" and o.encrypted == {}


def test_jd_cancelled_and_encrypted_fixtures() -> None:
    cancelled = JD.parse(load("jd_pop_order_cancelled.json"))
    assert cancelled.status == "cancelled" and cancelled.external_id == "301234567890"
    assert cancelled.updated_at > JD.parse(load("jd_pop_order.json")).updated_at
    sealed = JD.parse(load("jd_pop_order_encrypted.json"))
    assert sorted(sealed.encrypted) == ["line1", "name"]
    assert (sealed.shipping_address.name, sealed.shipping_address.line1) == ("", "")
    assert sealed.shipping_address.phone == "139****5678"
    assert sealed.attributes["receiver_masked"] == "phone"
    assert sealed.attributes["receiver_encrypted"] == "name,line1"


def test_jd_without_coupons_spreads_the_seller_discount() -> None:
    doc = orjson.loads(load("jd_pop_order.json"))
    info = doc["jingdong_pop_order_get_responce"]["orderDetailInfo"]["orderInfo"]
    info["couponDetailList"] = []
    o = JD.parse(orjson.dumps(doc))
    assert sum(ln.discount for ln in o.lines) == D("35.00")
    assert computed(o) == D("546.90") != o.total  # JD's 京券 unseen: the amounts check says so


@pytest.mark.parametrize(("change", "field"), [
    ({"itemInfoList": []}, "orderInfo.itemInfoList"),
    ({"orderId": None}, "orderInfo.orderId"),
    ({"couponDetailList": [{"skuId": "100009876543", "couponPrice": "500.00"}]},
     "orderInfo.couponDetailList"),
    ({"freightPrice": "-1"}, "orderInfo.freightPrice"),
])
def test_jd_bad_payloads_name_the_field(change: dict[str, object], field: str) -> None:
    doc = orjson.loads(load("jd_pop_order.json"))
    info = doc["jingdong_pop_order_get_responce"]["orderDetailInfo"]["orderInfo"]
    info.update(change)
    with pytest.raises(PayloadError) as err:
        JD.parse(orjson.dumps(doc))
    assert err.value.field.endswith(field)


def test_jd_api_errors_are_payload_errors() -> None:
    with pytest.raises(PayloadError, match="无效"):
        JD.parse(b'{"error_response": {"code": "19", "zh_desc": "\xe6\x97\xa0\xe6\x95\x88"}}')
    failed = {"jingdong_pop_order_get_responce": {"orderDetailInfo": {
        "apiResult": {"success": False, "chineseErrCode": "订单不存在"}}}}
    with pytest.raises(PayloadError, match="订单不存在"):
        JD.parse(orjson.dumps(failed))


# ----- Pinduoduo -----------------------------------------------------------------------------

def test_pdd_order_read_field_by_field() -> None:
    o = PDD.parse(load("pdd_order_information.json"))
    assert (o.external_id, o.status) == ("261123-394857261930112", "open")
    assert o.placed_at == datetime(2026, 11, 23, 11, 42, 18, tzinfo=UTC)
    assert [(ln.channel_sku, ln.title, ln.quantity, ln.unit_price, ln.discount)
            for ln in o.lines] == [
        ("FM-A2-3-800", "a2至初 幼儿配方奶粉 3段（3段,800g）", 2, D("268.0"), D("27.93")),
        ("WIPE-80X6", "婴儿手口湿巾 80抽（80抽×6包）", 1, D("39.9"), D("2.07")),
    ]  # yuan as JSON numbers, read exactly; 30.00 of discounts spread pro rata
    assert (o.shipping_fee, o.total, computed(o)) == (D("0.0"), D("545.9"), D("545.90"))
    a = o.shipping_address
    assert (a.country, a.province, a.city, a.district) == ("CN", "浙江省", "杭州市", "西湖区")
    assert (a.name, a.phone, o.customer.name) == ("陈静", "13757123456", "陈静")
    assert o.attributes["buyer_message"] == "宝宝10个月，请尽快发货"
    assert o.attributes["platform_discount"] == "10.0"
    assert "receiver_masked" not in o.attributes


def test_pdd_refunded_masked_and_encrypted_fixtures() -> None:
    refunded = PDD.parse(load("pdd_order_information_refunded.json"))
    assert refunded.status == "cancelled" and refunded.external_id == "261123-394857261930112"
    masked = PDD.parse(load("pdd_order_information_masked.json"))
    assert masked.status == "open" and masked.encrypted == {}
    assert (masked.shipping_address.name, masked.shipping_address.phone) == ("陈*",
                                                                              "137****3456")
    assert masked.attributes["receiver_masked"] == "name,phone,line1"
    sealed = PDD.parse(load("pdd_order_information_encrypted.json"))
    assert sorted(sealed.encrypted) == ["line1", "name", "phone"]
    assert sealed.encrypted["phone"].startswith("$") and sealed.encrypted["name"][0] == "~"
    assert sealed.shipping_address.line1 == "文三路4****"  # the mask meanwhile


def test_pdd_cancelled_by_confirm_status_and_price_change() -> None:
    doc = orjson.loads(load("pdd_order_information.json"))
    info = doc["order_info_get_response"]["order_info"]
    info.update(order_change_amount=5.5, pay_amount=540.4, goods_amount=570.4)
    o = PDD.parse(orjson.dumps(doc))
    assert sum(ln.discount for ln in o.lines) == D("35.5") and computed(o) == o.total
    info["confirm_status"] = 2
    assert PDD.parse(orjson.dumps(doc)).status == "cancelled"


@pytest.mark.parametrize(("change", "field"), [
    ({"item_list": []}, "order_info.item_list"),
    ({"discount_amount": 900.0}, "order_info.discount_amount"),
    ({"pay_amount": "五百"}, "order_info.pay_amount"),
    ({"refund_status": "退款"}, "order_info.refund_status"),
])
def test_pdd_bad_payloads_name_the_field(change: dict[str, object], field: str) -> None:
    doc = orjson.loads(load("pdd_order_information.json"))
    doc["order_info_get_response"]["order_info"].update(change)
    with pytest.raises(PayloadError) as err:
        PDD.parse(orjson.dumps(doc))
    assert err.value.field.endswith(field)
    with pytest.raises(PayloadError, match="access_token"):
        PDD.parse(b'{"error_response": {"error_code": 10019, "error_msg": "access_token'
                  b' expired"}}')


# ----- signatures ----------------------------------------------------------------------------

def test_md5_signature_is_the_platforms_request_signature() -> None:
    # secret + k1v1k2v2 (keys in ASCII order) + secret, md5, upper-case hex
    expected = hashlib.md5(b"Sapp_keyK1timestamp2026-11-23 20:00:00v2.0S").hexdigest().upper()
    assert md5_sign("S", {"v": b"2.0", "app_key": b"K1",
                          "timestamp": b"2026-11-23 20:00:00"}) == expected


@pytest.mark.parametrize(("adapter", "secret", "fixture"), [
    ("jd", JD_SECRET, "jd_pop_order.json"),
    ("pdd", PDD_SECRET, "pdd_order_information.json"),
])
def test_signatures_accept_and_refuse(adapter: str, secret: str, fixture: str) -> None:
    parser = JD if adapter == "jd" else PDD
    body = load(fixture)
    headers = sign(adapter, body, secret)
    parser.verify(body, headers, secret)
    key_header, time_header, sign_header = list(headers)
    app_key, app_secret = secret.split(":")
    params = {"timestamp": headers[time_header].encode()}
    if adapter == "jd":
        params |= {"app_key": app_key.encode(), "method": b"jingdong.pop.order.get",
                   "v": b"2.0", "360buy_param_json": body}
    else:
        params |= {"client_id": app_key.encode(), "type": b"pdd.order.information.get",
                   "data_type": b"JSON", "data": body}
    assert headers[sign_header] == md5_sign(app_secret, params)
    parser.verify(body, {k.upper(): v for k, v in headers.items()}, secret)  # any case
    refused = [
        (body + b" ", headers, secret),
        (body, headers, app_key + ":other-secret"),
        (body, {**headers, key_header: "another-app"}, secret),
        (body, {**headers, time_header: "1"}, secret),
        (body, {k: v for k, v in headers.items() if k != sign_header}, secret),
        (body, headers, app_secret),  # no app key given
        (body, headers, ""),
    ]
    for given_body, given_headers, given_secret in refused:
        with pytest.raises(SignatureError):
            parser.verify(given_body, given_headers, given_secret)


# ----- discounts over lines ------------------------------------------------------------------

@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(st.integers(0, 10**7), min_size=1, max_size=6), st.data())
def test_spread_discount_sums_exactly_and_fits_each_line(cents: list[int],
                                                         data: st.DataObject) -> None:
    grosses = [D(c).scaleb(-2) for c in cents]
    discount = D(data.draw(st.integers(0, sum(cents)))).scaleb(-2)
    shares = spread_discount(discount, grosses, "x")
    assert sum(shares, D(0)) == discount
    assert all(D(0) <= s <= g for s, g in zip(shares, grosses, strict=True))


# ----- the decryption port -------------------------------------------------------------------

def test_simulator_opens_only_its_own_ciphertext_for_its_own_order() -> None:
    sim = SimulatorDecryptor(PDD_SECRET)
    token = sim.seal("O-1", "陈静")
    assert sim.seal("O-1", "陈静") == token  # deterministic, so renders repeat
    opened = sim.decrypt([Sealed("O-1", "name", f"~{token}~"), Sealed("O-2", "name", token),
                          Sealed("O-1", "name", "~not-base64!~")])
    assert opened[0] == Opened(text="陈静")
    assert opened[1].error and opened[2].error and not opened[1].text
    other = SimulatorDecryptor("pdd-client-id:another")
    assert other.decrypt([Sealed("O-1", "name", token)])[0].error
    with pytest.raises(ValueError, match="unknown decryption provider"):
        make_decryptor("pdd-cloud", PDD_SECRET)


def test_decryptor_is_configured_per_channel() -> None:
    providers = {"pdd-shop": "simulator", "t2/jd-shop": "simulator", "bad": "nope"}
    assert decryptor_for(providers, "t1", "pdd-shop", PDD_SECRET)[0] is not None
    assert decryptor_for(providers, "t2", "jd-shop", JD_SECRET)[0] is not None
    none, why = decryptor_for(providers, "t1", "jd-shop", JD_SECRET)
    assert none is None and "未配置解密服务" in why
    assert "配置有误" in decryptor_for(providers, "t1", "bad", "x:y")[1]


def test_reveal_opens_fields_and_customer_follows() -> None:
    sealed = PDD.parse(load("pdd_order_information_encrypted.json"))
    [opened] = reveal_receivers([sealed], SimulatorDecryptor(PDD_SECRET))
    a = opened.shipping_address
    assert (a.name, a.phone, a.line1) == ("陈静", "13757123456", "文三路478号华星时代广场A座1203")
    assert (opened.customer.name, opened.customer.phone) == ("陈静", "13757123456")
    assert opened.encrypted == {} and "receiver_undecrypted" not in opened.attributes
    plain = PDD.parse(load("pdd_order_information.json"))
    assert reveal_receivers([plain], None) == [plain]  # nothing to open, nothing asked


class Down:
    name = "down"

    def __init__(self) -> None:
        self.calls: list[int] = []

    def decrypt(self, items: Sequence[Sealed]) -> list[Opened]:
        self.calls.append(len(items))
        if len(self.calls) > 1:
            raise DecryptionError("quota exceeded")
        return [Opened(text="x") for _ in items]


def test_reveal_keeps_ciphertext_and_reason_when_it_cannot_open() -> None:
    sealed = JD.parse(load("jd_pop_order_encrypted.json"))
    [held] = reveal_receivers([sealed], None, "渠道 jd 未配置解密服务")
    assert held.attributes["receiver_undecrypted"] == "name,line1"
    assert held.attributes["receiver_undecrypted_reason"] == "渠道 jd 未配置解密服务"
    assert held.attributes["receiver_ciphertext_name"] == sealed.encrypted["name"]
    assert held.encrypted == {} and held.shipping_address.name == ""

    many = [replace(sealed, external_id=f"J-{i}") for i in range(60)]  # 120 fields
    down = Down()
    out = reveal_receivers(many, down)
    assert down.calls == [100, 20]  # batches of at most 100, as pdd.open.decrypt.batch takes
    assert all("quota exceeded" in o.attributes["receiver_undecrypted_reason"] for o in out)


def test_undecrypted_receiver_holds_until_the_fields_are_readable() -> None:
    o = make_order()
    assert undecrypted_receiver(o) == []
    o.attributes = {"receiver_undecrypted": "name,line1", "receiver_undecrypted_reason": "x",
                    "receiver_ciphertext_line1": "QUJD" * 10}
    o.shipping_address = replace(o.shipping_address, name="陈*", line1="QUJD" * 10)
    [reason] = undecrypted_receiver(o)
    assert reason.code == HoldCode.RECEIVER_ENCRYPTED
    assert reason.details == {"fields": ["name", "line1"]} and "收件人姓名" in reason.message
    o.shipping_address = replace(o.shipping_address, name="陈静", line1="文三路478号")
    assert undecrypted_receiver(o) == []  # corrected by an operator: no longer held


def test_sealed_renders_parse_back_to_the_same_order_once_opened() -> None:
    for adapter, module, secret, name in (
            ("pdd", pdd_render, PDD_SECRET, "pdd_order_information.json"),
            ("jd", jd_render, JD_SECRET, "jd_pop_order.json")):
        parser = JD if adapter == "jd" else PDD
        clear = parser.parse(load(name))
        sealed = parser.parse(orjson.dumps(module.sealed_payload(clear, secret)))
        assert sealed.encrypted and sealed.shipping_address != clear.shipping_address
        [opened] = reveal_receivers([sealed], make_decryptor("simulator", secret))
        assert opened.shipping_address == clear.shipping_address, adapter


@pytest.mark.parametrize(("adapter", "secret", "fixture"), [
    ("jd", JD_SECRET, "jd_pop_order.json"),
    ("pdd", PDD_SECRET, "pdd_order_information.json"),
])
def test_a_push_with_a_stale_timestamp_is_refused(adapter: str, secret: str,
                                                  fixture: str) -> None:
    """Review 16b: a captured, correctly signed push replayed a year later verifies (the
    signature is good) but is refused as stale; one signed at the hub's time passes, and
    so does one within the allowed clock skew either way."""
    parser = JD if adapter == "jd" else PDD
    body = load(fixture)
    now = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    stale = sign(adapter, body, secret, now - timedelta(days=365))
    parser.verify(body, stale, secret)  # the signature itself is good
    with pytest.raises(SignatureError, match="replay"):
        check_fresh(parser, stale, now)
    for skew in (timedelta(0), timedelta(minutes=14), -timedelta(minutes=14)):
        fresh = sign(adapter, body, secret, now + skew)
        parser.verify(body, fresh, secret)
        check_fresh(parser, fresh, now)
    with pytest.raises(SignatureError, match="replay"):
        check_fresh(parser, sign(adapter, body, secret, now + timedelta(minutes=16)), now)


def test_a_jos_style_beijing_timestamp_is_read_and_a_bad_one_refused() -> None:
    """JD's JOS router sends "yyyy-MM-dd HH:mm:ss" in Beijing time."""
    assert JD.sent_at({"jd-timestamp": "2026-11-24 10:00:00"}) == datetime(
        2026, 11, 24, 2, 0, tzinfo=UTC)
    with pytest.raises(SignatureError, match="not a time"):
        JD.sent_at({"jd-timestamp": "yesterday"})
    check_fresh(TAOBAO_LIKE, {}, datetime(2026, 11, 24, tzinfo=UTC))  # no signed time: passes
