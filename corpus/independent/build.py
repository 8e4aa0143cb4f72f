"""Builds the independent corpus (payloads/, labels.jsonl) from the record specs below.

Written by an independent helper session that did not read the hub's validation, parsing or
corpus code. Every payload follows its platform's public documentation (README.md cites the
page per channel and per fixture); every label is written here, from the platform's meaning
of its fields and the catalogue (catalog.json), before the hub was run on any of it.

Run: python corpus/independent/build.py  (rewrites payloads/ and labels.jsonl; deterministic)
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import zlib
import sys
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import phonenumbers

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import sign  # noqa: E402

D = Decimal
ZERO = D("0")
CATALOG = json.loads((HERE / "catalog.json").read_text(encoding="utf-8"))
SKUS = {s["code"]: s for s in CATALOG["skus"]}
ZERO_DECIMAL = {"JPY", "KRW"}

SRC = {
    "shopify": "https://shopify.dev/docs/api/admin-rest/2024-10/resources/order (Order resource: "
               "line_items[].discount_allocations/tax_lines/duties, shipping_lines[].discount_allocations, "
               "total_tip_received, current_total_duties_set, note, note_attributes, taxes_included); "
               "webhook HMAC: https://shopify.dev/docs/apps/build/webhooks/subscribe/https",
    "woocommerce": "https://woocommerce.github.io/woocommerce-rest-api-docs/#order-properties (line_items, "
                   "shipping_lines, fee_lines, coupon_lines, meta_data, customer_note); signature: "
                   "woocommerce/includes/class-wc-webhook.php generate_signature() "
                   "(github.com/woocommerce/woocommerce)",
    "tiktok": "https://partner.tiktokshop.com/docv2/page/650aa8ccc16ffe02b8f167a0 (Order API 202309 "
              "Get Order Detail: payment.original_total_product_price/seller_discount/platform_discount/"
              "sub_total/original_shipping_fee/shipping_fee_*_discount/tax/small_order_fee/"
              "retail_delivery_fee/total_amount; line_items one per unit; recipient_address.district_info); "
              "webhook signature: https://partner.tiktokshop.com/docv2/page/64f1997e93f5dc028e357341",
    "taobao": "https://open.taobao.com/api.htm?docId=54&docType=2 (taobao.trade.fullinfo.get: Trade "
              "total_fee/discount_fee/adjust_fee/post_fee/payment, buyer_message, receiver_*; Order price/"
              "num/total_fee/discount_fee/adjust_fee/part_mjz_discount/divide_order_fee/payment); field "
              "semantics cross-checked with github.com/bububa/opentaobao model/trade",
    "tabular": "B2B purchase-order exports: headers as written by ERP/EDI PO exports (SAP Ariba / "
               "Coupa PO CSV column names in English; 用友/金蝶 采购订单导出 column names in Chinese)",
}


def q2(x: Decimal, cur: str) -> Decimal:
    return x.quantize(D("1") if cur in ZERO_DECIMAL else D("0.01"), rounding=ROUND_HALF_UP)


def fmt(x: Decimal, cur: str) -> str:
    return str(q2(x, cur))


# ----- record model -------------------------------------------------------------------------
@dataclass
class Line:
    sku: str  # the channel's SKU / code ("" when the seller left it blank)
    master: str | None  # the master SKU it means (None: not in the catalogue)
    qty: int
    price: Decimal  # unit price before discounts, order currency
    disc: Decimal = ZERO  # line discount, whole line
    tax: Decimal = ZERO  # line tax, whole line
    duty: Decimal = ZERO  # Shopify duties on the line
    platform_disc: Decimal = ZERO  # TikTok/Taobao: platform-funded discount, whole line
    title: str = ""


@dataclass
class Addr:
    country: str
    province: str
    city: str
    district: str
    line1: str
    zip: str
    # labels (None: not scored for this record)
    l_province: str | None = None
    l_city: str | None = None
    l_district: str | None = None
    province_code: str = ""
    line2: str = ""
    country_name: str = ""


@dataclass
class Rec:
    rid: str
    channel: str  # adapter: shopify, woocommerce, tiktok, taobao, tabular
    currency: str
    lines: list[Line]
    addr: Addr
    name: str
    phone: str  # as the channel gives it
    phone_label: str  # E.164, "masked" or "invalid"
    expected: list[str]
    note: str = ""
    attrs: dict[str, str] = field(default_factory=dict)
    ship: Decimal = ZERO  # shipping before discounts
    ship_disc: Decimal = ZERO  # seller-funded shipping discount
    ship_platform_disc: Decimal = ZERO
    ship_tax: Decimal = ZERO
    tip: Decimal = ZERO
    fees: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)  # (name, amount, tax)
    order_disc: Decimal = ZERO  # order-level discount not allocated to lines (Taobao shop-level)
    adjust: Decimal = ZERO  # Taobao adjust_fee (seller's manual change, +/-)
    small_order_fee: Decimal = ZERO
    retail_delivery_fee: Decimal = ZERO
    taxes_included: bool = False
    mismatch: Decimal = ZERO  # added to the stated total: the amount_mismatch defect
    why: str = ""  # the defect in words
    refusal: str = ""  # "bad_secret", "tampered", "no_sig", "not_json", "truncated", "no_lines", "ping", "hex_sig"
    seq: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def goods(self) -> Decimal:
        return sum((ln.price * ln.qty for ln in self.lines), ZERO)

    @property
    def total(self) -> Decimal:
        t = ZERO
        for ln in self.lines:
            t += ln.price * ln.qty - ln.disc - ln.platform_disc + ln.duty
            if not self.taxes_included:
                t += ln.tax
        t += self.ship - self.ship_disc - self.ship_platform_disc + self.ship_tax
        t += self.tip + sum((a + tx for _, a, tx in self.fees), ZERO)
        t += -self.order_disc + self.adjust + self.small_order_fee + self.retail_delivery_fee
        return q2(t, self.currency)

    @property
    def stated_total(self) -> Decimal:
        return q2(self.total + self.mismatch, self.currency)


RECS: list[Rec] = []
_seq = [0]


UNIT = {"US": "Apt {n}", "GB": "Flat {n}", "DE": "Whg. {n}", "JP": "Room {n}", "HK": "Rm {n}",
        "AU": "Unit {n}", "SG": "#12-{n}", "CA": "Suite {n}", "TW": "{n}F", "MO": "{n}/F"}


def add(r: Rec) -> Rec:
    """Numbers the record and gives it its own flat/room, so no two records share an address."""
    _seq[0] += 1
    r.seq = _seq[0]
    a = r.addr
    if "{room}" in a.line1:
        r.addr = replace(a, line1=a.line1.replace("{room}", f"{r.seq + 100} 室"))
    else:
        r.addr = replace(a, line2=UNIT.get(a.country, "#{n}").format(n=r.seq + 10))
    RECS.append(r)
    return r


def L(sku: str, qty: int, price: str, disc: str = "0", tax: str = "0", duty: str = "0",
      pdisc: str = "0", master: str | None = "=", title: str = "") -> Line:
    m = sku if master == "=" else master
    t = title or (SKUS[m]["name"] if m in SKUS else f"Item {sku or 'without code'}")
    return Line(sku, m, qty, D(price), D(disc), D(tax), D(duty), D(pdisc), t)


# ----- addresses ----------------------------------------------------------------------------
CN = [  # province, city, district, street, zip
    ("浙江省", "杭州市", "西湖区", "文三路 478 号华星时代广场 A 座", "310012"),
    ("上海市", "上海市", "浦东新区", "张杨路 1588 号", "200122"),
    ("广东省", "深圳市", "南山区", "高新南七道 9 号", "518057"),
    ("北京市", "北京市", "朝阳区", "建国路 88 号 SOHO 现代城 5 号楼", "100022"),
    ("四川省", "成都市", "武侯区", "天府大道北段 1700 号", "610041"),
    ("江苏省", "南京市", "鼓楼区", "中山北路 30 号", "210008"),
    ("湖北省", "武汉市", "洪山区", "珞喻路 1037 号", "430074"),
    ("山东省", "青岛市", "市南区", "香港中路 10 号", "266071"),
    ("福建省", "厦门市", "思明区", "湖滨南路 90 号", "361004"),
    ("陕西省", "西安市", "雁塔区", "小寨东路 126 号", "710061"),
    ("辽宁省", "沈阳市", "和平区", "南京北街 206 号", "110001"),
    ("河南省", "郑州市", "金水区", "花园路 39 号", "450008"),
    ("湖南省", "长沙市", "岳麓区", "麓山南路 932 号", "410083"),
    ("重庆市", "重庆市", "渝中区", "民族路 188 号", "400010"),
    ("天津市", "天津市", "和平区", "南京路 189 号", "300051"),
    ("云南省", "昆明市", "五华区", "东风西路 11 号", "650032"),
    ("广西壮族自治区", "南宁市", "青秀区", "民族大道 136 号", "530028"),
    ("安徽省", "合肥市", "蜀山区", "长江西路 130 号", "230031"),
    ("江西省", "南昌市", "东湖区", "八一大道 357 号", "330003"),
    ("黑龙江省", "哈尔滨市", "南岗区", "西大直街 92 号", "150001"),
]


def cn(i: int, *, no_city: bool = False, no_district: bool = False, short_prov: bool = False) -> Addr:
    p, c, d, s, z = CN[i % len(CN)]
    room = "{room}"
    prov = p.rstrip("市") if short_prov and p.endswith("市") else p
    city = "" if no_city else c
    dist = "" if no_district else d
    return Addr("CN", prov, city, dist, f"{s} {room}", z, l_province=p, l_city=city, l_district=dist)


US = [  # line1, city, state code, state name, zip
    ("1199 Coleman Ave", "San Jose", "CA", "California", "95110"),
    ("350 5th Ave", "New York", "NY", "New York", "10118"),
    ("1 Microsoft Way", "Redmond", "WA", "Washington", "98052"),
    ("233 S Wacker Dr", "Chicago", "IL", "Illinois", "60606"),
    ("600 Congress Ave", "Austin", "TX", "Texas", "78701"),
    ("1701 Bryant St", "Denver", "CO", "Colorado", "80204"),
    ("100 Cambridge St", "Boston", "MA", "Massachusetts", "02114"),
    ("1000 Vin Scully Ave", "Los Angeles", "CA", "California", "90012"),
]


def us(i: int, *, no_state: bool = False, no_zip: bool = False) -> Addr:
    l1, c, st, stn, z = US[i % len(US)]
    return Addr("US", "" if no_state else stn, c, "", l1, "" if no_zip else z,
                l_province=None if no_state else st, l_city=c, province_code="" if no_state else st,
                country_name="United States")


GB = [("221B Baker Street", "London", "NW1 6XE"), ("1 Deansgate", "Manchester", "M3 1AZ"),
      ("12 Princes Street", "Edinburgh", "EH2 2AN"), ("40 Broad Street", "Bristol", "BS1 2EP")]


def gb(i: int, *, no_zip: bool = False) -> Addr:
    l1, c, z = GB[i % len(GB)]
    return Addr("GB", "", c, "", l1, "" if no_zip else z, l_city=c,
                country_name="United Kingdom")


DE = [("Unter den Linden 77", "Berlin", "10117"), ("Marienplatz 8", "München", "80331"),
      ("Königsallee 60", "Düsseldorf", "40212"), ("Zeil 106", "Frankfurt am Main", "60313")]


def de(i: int, *, no_zip: bool = False) -> Addr:
    l1, c, z = DE[i % len(DE)]
    return Addr("DE", "", c, "", l1, "" if no_zip else z, l_city=c, country_name="Germany")


JP = [("1-1 Marunouchi", "Chiyoda-ku", "Tokyo", "JP-13", "100-0005"),
      ("2-2-1 Umeda, Kita-ku", "Osaka", "Osaka", "JP-27", "530-0001"),
      ("3-1 Minatomirai, Nishi-ku", "Yokohama", "Kanagawa", "JP-14", "220-0012")]


def jp(i: int, *, no_pref: bool = False) -> Addr:
    l1, c, pref, code, z = JP[i % len(JP)]
    return Addr("JP", "" if no_pref else pref, c, "", l1, z, l_city=c,
                province_code="" if no_pref else code, country_name="Japan")


def hk_en(i: int) -> Addr:
    opts = [("Flat 12B, Tower 2, Harbour City, 25 Canton Road", "Tsim Sha Tsui", "Kowloon", "KL"),
            ("Unit 1503, 15/F, Times Square, 1 Matheson Street", "Causeway Bay", "Hong Kong Island", "HK"),
            ("Room 8, 3/F, 18 On Lai Street", "Sha Tin", "New Territories", "NT")]
    l1, c, p, code = opts[i % len(opts)]
    return Addr("HK", p, c, "", l1, "", l_city=c, province_code=code, country_name="Hong Kong")


def hk_zh(i: int) -> Addr:
    opts = [("香港特别行政区", "九龙", "油尖旺区", "广东道 30 号新港中心 2 座 15 楼"),
            ("香港特别行政区", "香港岛", "湾仔区", "告士打道 138 号 12 楼"),
            ("香港特别行政区", "新界", "沙田区", "沙田正街 18 号 8 楼")]
    p, c, d, s = opts[i % len(opts)]
    return Addr("HK", p, c, d, f"{s} {{room}}", "999077", l_city=c, l_district=d)


def mo_zh(i: int) -> Addr:
    opts = [("澳门特别行政区", "澳门半岛", "花地玛堂区", "罗理基博士大马路 600 号"),
            ("澳门特别行政区", "氹仔", "嘉模堂区", "广东大马路 88 号")]
    p, c, d, s = opts[i % len(opts)]
    return Addr("MO", p, c, d, f"{s} {{room}}", "999078", l_city=c, l_district=d)


def tw_zh(i: int) -> Addr:
    opts = [("台湾", "台北市", "大安区", "忠孝东路四段 181 号"), ("台湾", "高雄市", "前镇区", "中山二路 5 号")]
    p, c, d, s = opts[i % len(opts)]
    return Addr("TW", p, c, d, f"{s} {{room}}", "106", l_city=c, l_district=d)


def other(country: str, i: int) -> Addr:
    data = {
        "AU": ("1 Macquarie Street", "Sydney", "New South Wales", "NSW", "2000", "Australia"),
        "SG": ("1 Raffles Place", "Singapore", "", "", "048616", "Singapore"),
        "CA": ("290 Bremner Blvd", "Toronto", "Ontario", "ON", "M5V 3L9", "Canada"),
        "TW": ("No. 7, Sec. 5, Xinyi Road, Xinyi District", "Taipei City", "", "", "110", "Taiwan"),
        "MO": ("Avenida da Praia Grande 429", "Macau", "", "", "", "Macao"),
    }
    l1, c, p, code, z, nm = data[country]
    return Addr(country, p, c, "", l1, z, l_city=c, province_code=code, country_name=nm,
                l_province=code if country in ("AU", "CA") else None)


# ----- phones -------------------------------------------------------------------------------
def cn_mobile(i: int) -> str:
    prefixes = ["138", "139", "186", "158", "177", "135", "188", "150"]
    return f"{prefixes[i % len(prefixes)]}{(20260000 + i * 7919) % 100000000:08d}"


def e164(raw: str, region: str) -> str:
    n = phonenumbers.parse(raw, region)
    assert phonenumbers.is_valid_number(n), (raw, region)
    return phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)


def assert_invalid(raw: str, region: str) -> None:
    try:
        n = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return
    assert not phonenumbers.is_valid_number(n), (raw, region)


FOREIGN_PHONES = {
    "US": lambda i: f"+1 415-734-{2200 + i:04d}",
    "GB": lambda i: f"+44 7911 {123400 + i:06d}",
    "DE": lambda i: f"+49 30 {9018200 + i:07d}",
    "JP": lambda i: f"+81 90-{1234 + i:04d}-5678",
    "HK": lambda i: f"+852 9{123 + i:03d} {4567 + i:04d}",
    "MO": lambda i: f"+853 66{12 + i % 80:02d} {3456 + i:04d}",
    "TW": lambda i: f"+886 912 {345 + i:03d} {678 + i:03d}",
    "AU": lambda i: f"+61 4{12 + i % 80:02d} {345 + i:03d} {678:03d}",
    "SG": lambda i: f"+65 9{123 + i:03d} {4567 + i:04d}",
    "CA": lambda i: f"+1 416-364-{5600 + i:04d}",
    "CN": lambda i: cn_mobile(i),
}


def phone_for(country: str, i: int) -> tuple[str, str]:
    raw = FOREIGN_PHONES[country](i)
    return raw, e164(raw, country)


# ----- renderers ----------------------------------------------------------------------------
BASE_TIME = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)


def t_of(r: Rec) -> datetime:
    return BASE_TIME + timedelta(minutes=37 * r.seq)


def _h(text: str) -> int:
    return zlib.crc32(text.encode())


def money_set(x: Decimal, cur: str) -> dict[str, Any]:
    m = {"amount": fmt(x, cur), "currency_code": cur}
    return {"shop_money": m, "presentment_money": dict(m)}


def split_name(name: str) -> tuple[str, str]:
    if not name:
        return "", ""
    if " " in name:
        a, b = name.split(" ", 1)
        return a, b
    return name[1:], name[:1]  # Chinese: given name, family name


def shopify(r: Rec) -> dict[str, Any]:
    cur, oid = r.currency, 5_830_000_000_000 + r.seq * 1013
    a = r.addr
    first, last = split_name(r.name)
    items = []
    for k, ln in enumerate(r.lines):
        rate = "0.0725"
        items.append({
            "id": 14_100_000_000_000 + r.seq * 100 + k,
            "admin_graphql_api_id": f"gid://shopify/LineItem/{14_100_000_000_000 + r.seq * 100 + k}",
            "variant_id": 44_000_000_000 + _h(ln.sku or ln.title) % 10**9,
            "product_id": 8_800_000_000 + _h(ln.title) % 10**9,
            "title": ln.title, "name": ln.title, "variant_title": "", "vendor": "Independent Corpus Co.",
            "sku": ln.sku, "quantity": ln.qty, "current_quantity": ln.qty, "fulfillable_quantity": ln.qty,
            "price": fmt(ln.price, cur), "price_set": money_set(ln.price, cur),
            "total_discount": "0.00", "total_discount_set": money_set(ZERO, cur),
            "discount_allocations": ([{"amount": fmt(ln.disc, cur), "amount_set": money_set(ln.disc, cur),
                                       "discount_application_index": 0}] if ln.disc else []),
            "tax_lines": ([{"title": "VAT" if r.taxes_included else "State Tax", "price": fmt(ln.tax, cur),
                            "price_set": money_set(ln.tax, cur),
                            "rate": 0.2 if r.taxes_included else float(rate), "channel_liable": False}]
                          if ln.tax else []),
            "duties": ([{"id": str(9_100_000 + r.seq * 10 + k),
                         "harmonized_system_code": SKUS[ln.master]["attributes"].get("hs_code", "").replace(".", "")
                         if ln.master in SKUS else "",
                         "country_code_of_origin": SKUS[ln.master]["attributes"].get("origin_country", "")
                         if ln.master in SKUS else "",
                         "shop_money": {"amount": fmt(ln.duty, cur), "currency_code": cur},
                         "presentment_money": {"amount": fmt(ln.duty, cur), "currency_code": cur},
                         "price_set": money_set(ln.duty, cur), "tax_lines": []}] if ln.duty else []),
            "properties": [], "requires_shipping": True, "taxable": True, "gift_card": False,
            "grams": int(D(SKUS[ln.master]["weight_kg"]) * 1000) if ln.master in SKUS else 200,
            "fulfillment_service": "manual", "fulfillment_status": None, "product_exists": True,
        })
    line_disc = sum((ln.disc for ln in r.lines), ZERO)
    line_tax = sum((ln.tax for ln in r.lines), ZERO)
    duties = sum((ln.duty for ln in r.lines), ZERO)
    ship_lines = []
    if r.ship:
        ship_lines.append({
            "id": 4_900_000_000 + r.seq, "title": "International Express" if a.country != "CN" else "Standard",
            "code": "INTL-EXP", "source": "shopify", "price": fmt(r.ship, cur), "price_set": money_set(r.ship, cur),
            "discounted_price": fmt(r.ship - r.ship_disc, cur),
            "discounted_price_set": money_set(r.ship - r.ship_disc, cur),
            "discount_allocations": ([{"amount": fmt(r.ship_disc, cur), "amount_set": money_set(r.ship_disc, cur),
                                       "discount_application_index": 1}] if r.ship_disc else []),
            "tax_lines": ([{"title": "Shipping Tax", "price": fmt(r.ship_tax, cur),
                            "price_set": money_set(r.ship_tax, cur), "rate": 0.0725}] if r.ship_tax else []),
            "carrier_identifier": None, "requested_fulfillment_service_id": None, "is_removed": False,
        })
    disc_apps = []
    if line_disc:
        disc_apps.append({"target_type": "line_item", "type": "discount_code", "value": fmt(line_disc, cur),
                          "value_type": "fixed_amount", "allocation_method": "across", "target_selection": "all",
                          "code": "WELCOME10"})
    if r.ship_disc:
        disc_apps.append({"target_type": "shipping_line", "type": "automatic", "value": fmt(r.ship_disc, cur),
                          "value_type": "fixed_amount", "allocation_method": "each",
                          "target_selection": "all", "title": "Shipping promo"})
    addr = {
        "first_name": first or None, "last_name": last or None, "name": r.name or None,
        "address1": a.line1, "address2": a.line2 or None, "city": a.city or None, "zip": a.zip or None,
        "province": a.province or None, "province_code": a.province_code or None,
        "country": a.country_name or ("China" if a.country == "CN" else a.country), "country_code": a.country,
        "phone": r.phone or None, "company": None, "latitude": None, "longitude": None,
    }
    cust_first, cust_last = (first, last) if r.name else (None, None)
    body: dict[str, Any] = {
        "id": oid, "admin_graphql_api_id": f"gid://shopify/Order/{oid}",
        "name": f"#{1000 + r.seq}", "order_number": 1000 + r.seq, "number": r.seq,
        "email": f"buyer{r.seq}@example.com", "contact_email": f"buyer{r.seq}@example.com",
        "phone": None, "created_at": t_of(r).isoformat(), "updated_at": t_of(r).isoformat(),
        "processed_at": t_of(r).isoformat(), "cancelled_at": None, "cancel_reason": None, "closed_at": None,
        "currency": cur, "presentment_currency": cur, "financial_status": "paid", "fulfillment_status": None,
        "confirmed": True, "test": False, "source_name": "web", "tags": "", "buyer_accepts_marketing": False,
        "taxes_included": r.taxes_included, "estimated_taxes": False,
        "total_line_items_price": fmt(r.goods, cur), "total_line_items_price_set": money_set(r.goods, cur),
        "total_discounts": fmt(line_disc + r.ship_disc, cur),
        "total_discounts_set": money_set(line_disc + r.ship_disc, cur),
        "subtotal_price": fmt(r.goods - line_disc, cur), "subtotal_price_set": money_set(r.goods - line_disc, cur),
        "total_shipping_price_set": money_set(r.ship - r.ship_disc + r.ship_tax, cur),
        "total_tax": fmt(line_tax + r.ship_tax, cur), "total_tax_set": money_set(line_tax + r.ship_tax, cur),
        "total_tip_received": fmt(r.tip, cur),
        "total_price": fmt(r.stated_total, cur), "total_price_set": money_set(r.stated_total, cur),
        "current_total_price": fmt(r.stated_total, cur),
        "total_outstanding": "0.00", "total_weight": sum(i["grams"] * i["quantity"] for i in items),
        "discount_codes": ([{"code": "WELCOME10", "amount": fmt(line_disc, cur), "type": "fixed_amount"}]
                           if line_disc else []),
        "discount_applications": disc_apps,
        "note": r.note or None,
        "note_attributes": [{"name": k, "value": v} for k, v in r.attrs.items()],
        "line_items": items, "shipping_lines": ship_lines,
        "tax_lines": ([{"title": "State Tax", "price": fmt(line_tax + r.ship_tax, cur),
                        "rate": 0.0725, "price_set": money_set(line_tax + r.ship_tax, cur)}]
                      if line_tax + r.ship_tax else []),
        "shipping_address": addr, "billing_address": dict(addr),
        "customer": {"id": 7_700_000_000 + r.seq, "email": f"buyer{r.seq}@example.com",
                     "first_name": cust_first, "last_name": cust_last, "phone": None,
                     "currency": cur, "tags": "", "state": "enabled", "verified_email": True},
        "payment_gateway_names": ["shopify_payments"], "refunds": [], "fulfillments": [],
    }
    if duties:
        body["current_total_duties_set"] = money_set(duties, cur)
        body["original_total_duties_set"] = money_set(duties, cur)
    if not r.name:
        body["billing_address"] = None
    return body


# WooCommerce's own state codes for China (woocommerce/i18n/states.php)
WC_STATES_CN = {"云南省": "CN1", "北京市": "CN2", "天津市": "CN3", "辽宁省": "CN7", "黑龙江省": "CN9",
                "上海市": "CN10", "江苏省": "CN11", "浙江省": "CN12", "安徽省": "CN13", "福建省": "CN14",
                "江西省": "CN15", "山东省": "CN16", "河南省": "CN17", "湖北省": "CN18", "湖南省": "CN19",
                "广东省": "CN20", "广西壮族自治区": "CN21", "重庆市": "CN23", "四川省": "CN24", "陕西省": "CN26"}


def woocommerce(r: Rec) -> dict[str, Any]:
    cur, oid = r.currency, 52_000 + r.seq
    a = r.addr
    first, last = split_name(r.name)
    items = []
    for k, ln in enumerate(r.lines):
        sub = ln.price * ln.qty
        tot = sub - ln.disc
        items.append({
            "id": 910_000 + r.seq * 10 + k, "name": ln.title, "product_id": 300 + k, "variation_id": 0,
            "quantity": ln.qty, "tax_class": "", "subtotal": fmt(sub, cur), "subtotal_tax": fmt(ln.tax, cur),
            "total": fmt(tot, cur), "total_tax": fmt(ln.tax, cur),
            "taxes": ([{"id": 1, "total": fmt(ln.tax, cur), "subtotal": fmt(ln.tax, cur)}] if ln.tax else []),
            "meta_data": [], "sku": ln.sku, "global_unique_id": "",
            "price": float(q2(tot / ln.qty, cur)), "image": {"id": "", "src": ""}, "parent_name": None,
        })
    ship_lines = []
    if r.ship or r.ship_disc:
        ship_lines.append({"id": 920_000 + r.seq, "method_title": "Flat rate", "method_id": "flat_rate",
                           "instance_id": "3", "total": fmt(r.ship - r.ship_disc, cur),
                           "total_tax": fmt(r.ship_tax, cur), "taxes": [], "meta_data": []})
    fee_lines = [{"id": 930_000 + r.seq * 10 + k, "name": n, "tax_class": "", "tax_status": "taxable" if tx else "none",
                  "amount": fmt(amt, cur), "total": fmt(amt, cur), "total_tax": fmt(tx, cur),
                  "taxes": ([{"id": 1, "total": fmt(tx, cur), "subtotal": ""}] if tx else []), "meta_data": []}
                 for k, (n, amt, tx) in enumerate(r.fees)]
    line_disc = sum((ln.disc for ln in r.lines), ZERO)
    coupons = ([{"id": 940_000 + r.seq, "code": "xmas10", "discount": fmt(line_disc, cur), "discount_tax": "0.00",
                 "meta_data": []}] if line_disc else [])
    if r.ship_disc:
        coupons.append({"id": 940_500 + r.seq, "code": "freeship", "discount": "0.00", "discount_tax": "0.00",
                        "meta_data": [{"id": 1, "key": "coupon_data",
                                       "value": {"code": "freeship", "free_shipping": True}}]})
    line_tax = sum((ln.tax for ln in r.lines), ZERO)
    fee_tax = sum((tx for _, _, tx in r.fees), ZERO)
    state = WC_STATES_CN.get(a.province, a.province_code or a.province) if a.country == "CN" else (
        a.province.upper() if a.country == "HK" else a.province_code or a.province)
    ship_addr = {"first_name": first, "last_name": last, "company": "", "address_1": a.line1,
                 "address_2": a.line2, "city": a.city, "state": state, "postcode": a.zip,
                 "country": a.country, "phone": r.phone}
    created = t_of(r)
    body = {
        "id": oid, "parent_id": 0, "status": "processing", "currency": cur, "version": "9.4.2",
        "prices_include_tax": False,
        "date_created": created.astimezone(timezone(timedelta(hours=1))).strftime("%Y-%m-%dT%H:%M:%S"),
        "date_created_gmt": created.strftime("%Y-%m-%dT%H:%M:%S"),
        "date_modified": created.astimezone(timezone(timedelta(hours=1))).strftime("%Y-%m-%dT%H:%M:%S"),
        "date_modified_gmt": created.strftime("%Y-%m-%dT%H:%M:%S"),
        "discount_total": fmt(line_disc, cur), "discount_tax": "0.00",
        "shipping_total": fmt(r.ship - r.ship_disc, cur), "shipping_tax": fmt(r.ship_tax, cur),
        "cart_tax": fmt(line_tax, cur), "total": fmt(r.stated_total, cur),
        "total_tax": fmt(line_tax + r.ship_tax + fee_tax, cur),
        "customer_id": 1200 + r.seq, "order_key": f"wc_order_ic{r.seq:05d}",
        "billing": {**ship_addr, "email": f"wc{r.seq}@example.org"},
        "shipping": ship_addr,
        "payment_method": "stripe", "payment_method_title": "Credit card (Stripe)",
        "transaction_id": f"pi_3Q{r.seq:06d}", "customer_ip_address": "203.0.113.7",
        "customer_user_agent": "Mozilla/5.0", "created_via": "checkout", "customer_note": r.note,
        "date_completed": None, "date_paid": created.strftime("%Y-%m-%dT%H:%M:%S"),
        "date_paid_gmt": created.strftime("%Y-%m-%dT%H:%M:%S"), "cart_hash": f"{r.seq:032x}",
        "number": str(oid),
        "meta_data": [{"id": 7000 + r.seq * 10 + k, "key": key, "value": v}
                      for k, (key, v) in enumerate(r.attrs.items())]
                     + [{"id": 7999, "key": "_stripe_fee", "value": "1.23"}],
        "line_items": items,
        "tax_lines": ([{"id": 950_000 + r.seq, "rate_code": "VAT-1", "rate_id": 1, "label": "VAT",
                        "compound": False, "tax_total": fmt(line_tax + fee_tax, cur),
                        "shipping_tax_total": fmt(r.ship_tax, cur), "rate_percent": 20, "meta_data": []}]
                      if line_tax + r.ship_tax + fee_tax else []),
        "shipping_lines": ship_lines, "fee_lines": fee_lines, "coupon_lines": coupons, "refunds": [],
        "payment_url": "", "is_editable": False, "needs_payment": False, "needs_processing": True,
        "currency_symbol": {"EUR": "€", "GBP": "£", "USD": "$", "CNY": "¥"}.get(cur, cur),
    }
    if not r.name:
        body["billing"] = {**ship_addr, "email": f"wc{r.seq}@example.org"}
    return body


TT_DISTRICT = {
    "US": lambda a: [{"address_level_name": "Country", "address_name": "United States", "address_level": "L0",
                      "iso_code": "US"},
                     {"address_level_name": "State", "address_name": a.province, "address_level": "L1",
                      "iso_code": f"US-{a.province_code}"},
                     {"address_level_name": "City", "address_name": a.city, "address_level": "L3"}],
    "GB": lambda a: [{"address_level_name": "Country", "address_name": "United Kingdom", "address_level": "L0",
                      "iso_code": "GB"},
                     {"address_level_name": "Country", "address_name": "England", "address_level": "L1"},
                     {"address_level_name": "Post town", "address_name": a.city, "address_level": "L3"}],
}


def tiktok(r: Rec) -> dict[str, Any]:
    cur, oid = r.currency, str(576_500_000_000_000_000 + r.seq * 7777)
    a = r.addr
    first, last = split_name(r.name)
    items = []
    for k, ln in enumerate(r.lines):
        sd = ln.disc / ln.qty
        pd = ln.platform_disc / ln.qty
        tx = ln.tax / ln.qty
        for u in range(ln.qty):
            items.append({
                "id": str(577_000_000_000_000_000 + r.seq * 1000 + k * 50 + u),
                "sku_id": str(1_729_000_000_000_000_000 + _h(ln.sku or ln.title)),
                "product_id": str(1_730_000_000_000_000_000 + _h(ln.sku or ln.title)),
                "product_name": ln.title, "sku_name": "Default", "seller_sku": ln.sku,
                "original_price": fmt(ln.price, cur), "sale_price": fmt(ln.price - sd - pd, cur),
                "seller_discount": fmt(sd, cur), "platform_discount": fmt(pd, cur), "currency": cur,
                "display_status": "AWAITING_SHIPMENT", "package_status": "TO_FULFILL", "is_gift": False,
                "sku_type": "NORMAL", "item_tax": ([{"tax_type": "SALES_TAX", "tax_amount": fmt(tx, cur),
                                                     "tax_rate": "0.0725"}] if tx else []),
            })
    s_disc = sum((ln.disc for ln in r.lines), ZERO)
    p_disc = sum((ln.platform_disc for ln in r.lines), ZERO)
    product_tax = sum((ln.tax for ln in r.lines), ZERO)
    sub_total = r.goods - s_disc - p_disc
    ship_fee = r.ship - r.ship_disc - r.ship_platform_disc
    payment = {
        "currency": cur, "original_total_product_price": fmt(r.goods, cur),
        "seller_discount": fmt(s_disc, cur), "platform_discount": fmt(p_disc, cur),
        "sub_total": fmt(sub_total, cur), "original_shipping_fee": fmt(r.ship, cur),
        "shipping_fee_seller_discount": fmt(r.ship_disc, cur),
        "shipping_fee_platform_discount": fmt(r.ship_platform_disc, cur),
        "shipping_fee_cofunded_discount": "0.00", "shipping_fee": fmt(ship_fee, cur),
        "product_tax": fmt(product_tax, cur), "shipping_fee_tax": fmt(r.ship_tax, cur),
        "tax": fmt(product_tax + r.ship_tax, cur), "small_order_fee": fmt(r.small_order_fee, cur),
        "retail_delivery_fee": fmt(r.retail_delivery_fee, cur), "buyer_service_fee": "0.00",
        "handling_fee": "0.00", "shipping_insurance_fee": "0.00", "item_insurance_fee": "0.00",
        "total_amount": fmt(r.stated_total, cur),
    }
    full = ", ".join(x for x in [a.line1, a.line2, a.city, a.province_code, a.zip] if x)
    order = {
        "id": oid, "status": "AWAITING_SHIPMENT", "create_time": int(t_of(r).timestamp()),
        "update_time": int(t_of(r).timestamp()) + 60, "paid_time": int(t_of(r).timestamp()) + 5,
        "buyer_message": r.note, "buyer_email": f"v{r.seq}x@scs.tiktokw.us", "user_id": str(7_021_000_000 + r.seq),
        "payment": payment, "payment_method_name": "CCDC",
        "recipient_address": {
            "name": r.name, "first_name": first, "last_name": last, "phone_number": r.phone,
            "full_address": full, "address_detail": a.line2, "address_line1": a.line1, "address_line2": a.line2,
            "address_line3": "", "address_line4": "", "postal_code": a.zip, "region_code": a.country,
            "post_town": a.city if a.country == "GB" else "",
            "district_info": TT_DISTRICT[a.country](a) if a.country in TT_DISTRICT else [],
        },
        "fulfillment_type": "FULFILLMENT_BY_SELLER", "shipping_type": "SELLER", "delivery_type": "HOME_DELIVERY",
        "delivery_option_name": "Standard shipping", "is_cod": False, "is_sample_order": False,
        "commerce_platform": "TIKTOK_SHOP", "order_type": "NORMAL", "warehouse_id": "7300000000000000001",
        "line_items": items, "packages": [], "seller_note": "",
    }
    if not items:
        order["line_items"] = []
    return {"code": 0, "message": "Success", "request_id": f"20261205{r.seq:010d}",
            "data": {"orders": [order]}}


def taobao(r: Rec) -> dict[str, Any]:
    cur = r.currency
    tid = 3_920_000_000_000_000_000 + r.seq * 131
    a = r.addr
    created = t_of(r).astimezone(timezone(timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S")
    orders = []
    n = len(r.lines)
    per_line_order_disc = [ZERO] * n
    if r.order_disc and n:
        # shop-level discount (满减) shared by goods value; the last line takes the remainder
        left = r.order_disc
        for k, ln in enumerate(r.lines):
            share = left if k == n - 1 else q2(r.order_disc * ln.price * ln.qty / r.goods, cur)
            per_line_order_disc[k] = share
            left -= share
    adj = [ZERO] * n
    if n:
        adj[0] = r.adjust
    for k, ln in enumerate(r.lines):
        total_fee = ln.price * ln.qty - ln.disc - ln.platform_disc + adj[k]
        divide = total_fee - per_line_order_disc[k]
        pay = divide + (r.ship if n == 1 else ZERO)
        orders.append({
            "oid": tid * 10 + k, "oid_str": str(tid * 10 + k), "num_iid": 6_080_000_000 + _h(ln.title) % 10**9,
            "sku_id": str(5_100_000_000 + _h(ln.sku or ln.title) % 10**9), "outer_iid": ln.sku, "outer_sku_id": ln.sku,
            "title": ln.title, "sku_properties_name": "规格:标准装",
            "price": fmt(ln.price, cur), "num": ln.qty, "total_fee": fmt(total_fee, cur),
            "payment": fmt(pay, cur), "discount_fee": fmt(ln.disc + ln.platform_disc, cur),
            "adjust_fee": fmt(adj[k], cur), "part_mjz_discount": fmt(per_line_order_disc[k], cur),
            "divide_order_fee": fmt(divide, cur), "status": "WAIT_SELLER_SEND_GOODS",
            "refund_status": "NO_REFUND", "cid": 50_018_000 + k, "is_oversold": False,
        })
    disc_total = sum((ln.disc + ln.platform_disc for ln in r.lines), ZERO) + r.order_disc
    trade = {
        "tid": tid, "tid_str": str(tid), "status": "WAIT_SELLER_SEND_GOODS", "type": "fixed",
        "created": created, "modified": created, "pay_time": created,
        "buyer_nick": "t**" + str(r.seq % 10), "buyer_open_uid": f"AAH{r.seq:08d}ZZ",
        "seller_nick": "独立语料旗舰店", "title": "独立语料旗舰店",
        "num": sum(ln.qty for ln in r.lines), "total_fee": fmt(r.goods, cur),
        "discount_fee": fmt(disc_total, cur), "adjust_fee": fmt(r.adjust, cur), "post_fee": fmt(r.ship, cur),
        "payment": fmt(r.stated_total, cur), "received_payment": "0.00", "point_fee": 0,
        "coupon_fee": 0, "has_buyer_message": bool(r.note), "buyer_message": r.note,
        "seller_memo": "", "shipping_type": "express",
        "receiver_name": r.name, "receiver_state": a.province, "receiver_city": a.city,
        "receiver_district": a.district, "receiver_town": "", "receiver_address": a.line1,
        "receiver_zip": a.zip, "receiver_mobile": r.phone, "receiver_phone": "",
        "receiver_country": "", "orders": {"order": orders},
    }
    trade.update(r.extra.get("trade", {}))
    return {"trade_fullinfo_get_response": {"trade": trade, "request_id": f"16t{r.seq:08d}"}}


RENDER = {"shopify": shopify, "woocommerce": woocommerce, "tiktok": tiktok, "taobao": taobao}
CHANNEL_CODE = {"shopify": "shopify_intl", "woocommerce": "woo_store", "tiktok": "tiktok_shop",
                "taobao": "tmall", "tabular": "b2b_po"}
EXT_ID = {
    "shopify": lambda b: str(b["id"]),
    "woocommerce": lambda b: str(b["id"]),
    "tiktok": lambda b: b["data"]["orders"][0]["id"],
    "taobao": lambda b: b["trade_fullinfo_get_response"]["trade"]["tid_str"],
}

def cn_woo(i: int, *, no_city: bool = False) -> Addr:
    """A CN address as a WooCommerce checkout gives it: state code, free-text city, and no
    district field, so the district is written at the start of address_1."""
    p, c, d, st, z = CN[(i + 5) % len(CN)]
    city = "" if no_city else c
    return Addr("CN", p, city, "", f"{d}{st} {{room}}", z, l_province=p, l_city=city, l_district=d)


EN_COLS = ["PO Number", "PO Date", "Buyer", "Ship To Name", "Ship To Phone", "Ship To Country",
           "Ship To State/Province", "Ship To City", "Ship To District", "Ship To Address", "Ship To Postal Code",
           "Item No.", "Description", "Qty", "Unit Price", "Currency", "Line Amount", "Freight", "PO Total"]
ZH_COLS = ["采购单号", "订单日期", "采购方", "收货人", "收货人电话", "国家/地区", "省份", "城市", "区县",
           "详细地址", "邮编", "商品编码", "商品名称", "数量", "单价", "币种", "金额", "运费", "订单总额"]
ZH_COUNTRY = {"CN": "中国", "HK": "香港", "MO": "澳門", "TW": "台灣", "US": "美国", "GB": "英国"}


def b2b_rows(r: Rec, lang: str, po: str, buyer: str) -> dict[str, Any]:
    a, cur = r.addr, r.currency
    cols = EN_COLS if lang == "en" else ZH_COLS
    country = a.country if lang == "en" else ZH_COUNTRY[a.country]
    date = t_of(r).astimezone(timezone(timedelta(hours=8))).strftime("%Y-%m-%d" if lang == "en" else "%Y/%m/%d")
    rows = []
    for ln in r.lines:
        vals = [po, date, buyer, r.name, r.phone, country, a.province if a.country != "US" else a.province_code,
                a.city, a.district, ", ".join(x for x in (a.line2, a.line1) if x), a.zip, ln.sku, ln.title, str(ln.qty), fmt(ln.price, cur), cur,
                fmt(ln.price * ln.qty, cur), fmt(r.ship, cur), fmt(r.stated_total, cur)]
        rows.append(dict(zip(cols, vals, strict=True)))
    return {"file": "po_export_en.csv" if lang == "en" else "采购订单导出.csv", "po": po, "rows": rows}


def define_b2b(rec: Any) -> None:
    """25 purchase orders in two files: an English ERP export and a Chinese one."""
    def po(rid: str, lang: str, po_no: str, buyer: str, cur: str, lines: list[Line], addr: Addr,
           exp: list[str], **kw: Any) -> None:
        r = rec(rid, "tabular", cur, lines, addr, exp, **kw)
        r.extra = b2b_rows(r, lang, po_no, buyer)

    def landline(i: int) -> tuple[str, str]:
        raw = f"021-6234{5000 + i:04d}"
        return raw, e164(raw, "CN")

    en, zh = "en", "zh"
    po("PO-01", en, "PO-HK-240117", "Harbour Baby Supplies Ltd", "HKD",
       [L("TEA-LJ-250", 6, "348.00"), L("DIAPER-L-54", 6, "152.00")], hk_en(0), [], ship=D("200.00"),
       why="clean; HK distributor, HKD, two lines")
    po("PO-02", en, "4500012345", "Shanghai Kids Retail Co., Ltd.", "CNY",
       [L("100-2291", 40, "139.00", master="DIAPER-L-54", title="Diapers L 54 (cust. part 100-2291)")], cn(2), [],
       phone=landline(1), why="clean; the buyer's own part number, mapped in the crosswalk; landline phone")
    po("PO-03", en, "4500012346", "Shanghai Kids Retail Co., Ltd.", "CNY",
       [L("BOTTLE-PPSU-240", 24, "149.00"), L("TEA-LJ-250", 10, "320.00")], cn(4), [], phone=landline(2))
    po("PO-04", en, "PO-US-88120", "Pacific Wellness Inc.", "USD", [L("VIT-D3-60", 12, "19.90")], us(0), [],
       ship=D("45.00"))
    po("PO-05", en, "PO-UK-3391", "Tea & Silk London Ltd", "GBP", [L("SILK-SCARF", 5, "49.00")], gb(0), [],
       ship=D("20.00"))
    po("PO-06", en, "4500012347", "Hangzhou Gifts Trading", "CNY", [L("TEA-LJ-250", 10, "320.00")], cn(5),
       ["amount_mismatch"], mismatch=D("100.00"), why="PO Total 3,300.00 but the lines add up to 3,200.00")
    po("PO-07", en, "4500012348", "Hangzhou Gifts Trading", "CNY",
       [L("ITM-88912", 10, "320.00", master=None, title="Tea sampler (new item)")], cn(6), ["unmapped_sku"],
       why="item number not in catalogue or crosswalk")
    po("PO-08", en, "4500012349", "Shanghai Kids Retail Co., Ltd.", "CNY", [L("BOTTLE-PPSU-240", 12, "149.00")],
       cn(7), ["phone_invalid"], phone=inv_b2b("021-1234", "CN"), why="landline too short")
    po("PO-09", en, "4500012350", "Chengdu Mother & Baby", "CNY", [L("DIAPER-L-54", 20, "139.00")],
       cn(4, no_district=True), ["address_incomplete"], why="Ship To District empty")
    po("PO-10", en, "PO-US-88121", "Pacific Wellness Inc.", "USD", [L("SKN-SERUM-30", 10, "45.00")], us(1),
       ["price_below_floor"], ship=D("30.00"), why="USD 45 = CNY 319.50 < floor CNY 520")
    po("PO-11", en, "4500012351", "Hangzhou Gifts Trading", "CNY", [L("MUG-CERAMIC", 30, "69.00")], cn(8),
       ["backorder"], why="mug has no stock anywhere")
    po("PO-12", zh, "CG20261205001", "杭州西子商贸有限公司", "CNY",
       [L("TEA-LJ-250", 10, "320.00"), L("SILK-SCARF", 5, "460.00")], cn(0), [])
    po("PO-13", zh, "CG20261205002", "香港恒丰贸易有限公司", "HKD", [L("VIT-D3-60", 10, "138.00")], hk_zh(0), [],
       ship=D("150.00"), phone=("+852 9188 2201", e164("+852 9188 2201", "HK")),
       why="clean; 国家/地区 香港 -> HK")
    po("PO-14", zh, "CG20261205003", "澳門利民貿易行", "MOP", [L("TEA-LJ-250", 5, "360.00")], mo_zh(0),
       ["fx_rate_missing"], phone=("6612 7788", e164("6612 7788", "MO")), why="MOP has no rate in the table")
    po("PO-15", zh, "CG20261205004", "台灣寶寶好物有限公司", "TWD", [L("BOTTLE-PPSU-240", 6, "680")], tw_zh(0),
       ["fx_rate_missing"], phone=("0912 345 601", e164("0912 345 601", "TW")), why="TWD has no rate in the table")
    po("PO-16", zh, "CG20261205005", "台灣寶寶好物有限公司", "CNY", [L("TEA-LJ-250", 4, "320.00")], tw_zh(1), [],
       phone=("0912 345 602", e164("0912 345 602", "TW")), why="clean; 国家/地区 台灣 -> TW")
    po("PO-17", zh, "CG20261205006", "澳門利民貿易行", "HKD", [L("DIAPER-L-54", 6, "152.00")], mo_zh(1), [],
       phone=("6612 7789", e164("6612 7789", "MO")), why="clean; 国家/地区 澳門 -> MO")
    po("PO-18", zh, "CG20261205007", "上海童趣母婴用品有限公司", "CNY",
       [L("100-2291", 20, "139.00", master="DIAPER-L-54", title="纸尿裤 L码 (客户料号 100-2291)")], cn(1), [],
       phone=landline(3))
    po("PO-19", zh, "CG20261205008", "上海童趣母婴用品有限公司", "CNY", [L("BOTTLE-PPSU-240", 10, "149.00")],
       cn(9, no_city=True), ["address_incomplete"], why="城市 empty")
    po("PO-20", zh, "CG20261205009", "杭州西子商贸有限公司", "CNY", [L("TEA-LJ-250", 6, "320.00")], cn(10),
       ["missing_field"], name="", why="收货人 empty")
    po("PO-21", zh, "CG20261205010", "杭州西子商贸有限公司", "CNY", [L("SILK-SCARF", 4, "460.00")], cn(11),
       ["amount_mismatch"], mismatch=D("-40.00"), why="订单总额 1,800.00 but the lines add up to 1,840.00")
    po("PO-22", zh, "CG20261205011", "北京国酒汇贸易有限公司", "CNY", [L("WN-BDX-750", 12, "199.00")], cn(12),
       ["price_below_floor"], why="CNY 199 < floor CNY 299")
    po("PO-23", zh, "CG20261205012", "香港恒丰贸易有限公司", "HKD", [L("CANDLE-SOY", 20, "98.00")], hk_zh(1),
       ["cross_border_docs"], phone=("+852 9188 2202", e164("+852 9188 2202", "HK")),
       why="to Hong Kong; candle has no HS code")
    po("PO-24", zh, "CG20261205013", "香港恒丰贸易有限公司", "HKD", [L("VIT-D3-60", 10, "138.00")], hk_zh(2),
       ["phone_invalid"], phone=inv_b2b("+852 1234 5678", "HK"), why="HK numbers do not start with 1")
    po("PO-25", zh, "CG20261205014", "杭州西子商贸有限公司", "CNY",
       [L("HB-2025-017", 5, "320.00", master=None, title="龙井 半斤装 (新品)")], cn(13), ["unmapped_sku"],
       why="商品编码 not in catalogue or crosswalk")


def inv_b2b(raw: str, region: str) -> tuple[str, str]:
    assert_invalid(raw, region)
    return raw, "invalid"


# ----- the records --------------------------------------------------------------------------
from specs import define  # noqa: E402  (the record list, kept apart for reading)


def fields_of(r: Rec) -> dict[str, Any]:
    a = r.addr
    f: dict[str, Any] = {
        "total": fmt(r.stated_total, r.currency), "currency": r.currency,
        "lines": sorted(({"sku": ln.master if ln.master in SKUS else None, "quantity": ln.qty,
                          "unit_price": fmt(ln.price, r.currency)} for ln in r.lines),
                        key=lambda x: (x["sku"] or "", x["unit_price"])),
        "country": a.country, "province": a.l_province, "city": a.l_city, "district": a.l_district,
        "phone_e164": r.phone_label,
    }
    return f



RATES = {"CNY": D("1"), "USD": D("7.10"), "EUR": D("7.70"), "GBP": D("9.00"), "HKD": D("0.91"), "JPY": D("0.048")}
STAGES = {"1": (0, 6), "2": (6, 12), "3": (12, 36)}


def self_check() -> None:
    """The labels agree with the catalogue by the corpus's own arithmetic (not the hub's)."""
    for r in RECS:
        if r.refusal:
            continue
        exp = set(r.expected)
        rate = RATES.get(r.currency)
        assert (rate is None) == ("fx_rate_missing" in exp), r.rid
        if rate is None:
            continue
        below = False
        for ln in r.lines:
            if ln.master not in SKUS:
                assert "unmapped_sku" in exp, r.rid
                continue
            at = SKUS[ln.master]["attributes"]
            net = (ln.price * ln.qty - ln.disc) / ln.qty * rate
            floor = D(at["floor_price"])
            if ln.price * rate < floor:
                below = True
            elif "price_below_floor" not in exp:
                assert net >= floor * D("1.05"), (r.rid, ln.master, net, floor)
            if at.get("category") == "infant_formula" and "quantity_limit" not in exp:
                assert ln.qty <= int(at["max_per_customer"]), r.rid
        assert below == ("price_below_floor" in exp), r.rid
        cross = r.addr.country != "CN"
        goods_cny = sum((ln.price * ln.qty for ln in r.lines), ZERO) * rate
        if cross and "declared_value_limit" not in exp:
            assert goods_cny < D("4000"), (r.rid, goods_cny)
        if "declared_value_limit" in exp:
            assert cross and goods_cny > D("6000"), r.rid
        docs_missing = cross and any(ln.master in SKUS and not (SKUS[ln.master]["attributes"].get("hs_code")
                                     and SKUS[ln.master]["attributes"].get("origin_country")) for ln in r.lines)
        assert docs_missing == ("cross_border_docs" in exp), r.rid
    phones = [r.phone for r in RECS if r.phone and not r.refusal]
    dup = {p for p in phones if phones.count(p) > 1}
    assert not dup, dup


def main() -> None:
    define(sys.modules[__name__])
    self_check()
    out = HERE / "payloads"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir()
    labels = []
    csv_rows: dict[str, list[dict[str, str]]] = {}
    for r in RECS:
        if r.channel == "tabular":
            fname = r.extra["file"]
            csv_rows.setdefault(fname, []).extend(r.extra["rows"])
            labels.append({
                "id": r.rid, "channel": "tabular", "channel_code": CHANNEL_CODE["tabular"],
                "file": f"payloads/b2b/{fname}", "external_id": r.extra["po"], "headers": {},
                "expected": r.expected, "fields": fields_of(r), "why": r.why, "source": SRC["tabular"],
            })
            continue
        body = RENDER[r.channel](r)
        raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        ext = EXT_ID[r.channel](body)
        headers = sign.SIGNERS[r.channel](raw)
        if r.refusal == "bad_secret":
            headers = sign.SIGNERS[r.channel](raw, "an_old_rotated_secret")  # type: ignore[call-arg]
        elif r.refusal == "tampered":
            headers = sign.SIGNERS[r.channel](raw)
            raw = raw.replace(b'"total":"', b'"total":"1', 1) if r.channel == "woocommerce" else raw + b" "
        elif r.refusal == "no_sig":
            headers = {"Content-Type": "application/json"}
        elif r.refusal == "hex_sig":
            import hashlib
            import hmac
            headers = {"X-Top-Sign": hmac.new(sign.SECRETS["taobao"].encode(), raw, hashlib.sha256).hexdigest(),
                       "Content-Type": "application/json"}
        elif r.refusal == "not_json":
            raw = b"webhook_id=42"
            headers = {**sign.SIGNERS[r.channel](raw), "Content-Type": "application/x-www-form-urlencoded"}
        elif r.refusal == "truncated":
            raw = raw[: len(raw) // 2]
            headers = sign.SIGNERS[r.channel](raw)
        elif r.refusal == "no_lines":
            pass  # the renderer already wrote an order without lines
        sub = out / r.channel
        sub.mkdir(exist_ok=True)
        path = sub / f"{r.rid}.json"
        path.write_bytes(raw)
        labels.append({
            "id": r.rid, "channel": r.channel, "channel_code": CHANNEL_CODE[r.channel],
            "file": str(path.relative_to(HERE)), "external_id": ext, "headers": headers,
            "expected": r.expected, "fields": None if r.refusal else fields_of(r), "why": r.why,
            "source": SRC[r.channel],
        })
    b2b = out / "b2b"
    b2b.mkdir(exist_ok=True)
    for fname, rows in csv_rows.items():
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(rows[0].keys()), lineterminator="\r\n")
        w.writeheader()
        w.writerows(rows)
        enc = "utf-8-sig"  # Excel-saved CSV with a BOM, as Chinese ERP exports are
        (b2b / fname).write_bytes(buf.getvalue().encode(enc))
    with (HERE / "labels.jsonl").open("w", encoding="utf-8") as fh:
        for lab in labels:
            fh.write(json.dumps(lab, ensure_ascii=False) + "\n")
    readme = HERE / "README.md"
    text = readme.read_text(encoding="utf-8").split("<!-- fixtures -->")[0] + "<!-- fixtures -->\n\n"
    rows = ["| id | file | expected | what |", "|---|---|---|---|"]
    rows += [f"| {lab['id']} | `{lab['file']}` | {', '.join(lab['expected']) or 'clean'} | "
             f"{lab['why'] or 'clean'} |" for lab in labels]
    readme.write_text(text + "\n".join(rows) + "\n", encoding="utf-8")
    from collections import Counter
    c = Counter(x for lab in labels for x in (lab["expected"] or ["clean"]))
    print(len(labels), "records;", dict(sorted(c.items())))
    print(Counter(lab["channel"] for lab in labels))


if __name__ == "__main__":
    main()
