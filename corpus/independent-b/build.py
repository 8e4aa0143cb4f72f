"""Generator for independent corpus B (deterministic). See README.md.

Run: .venv/bin/python corpus/independent-b/build.py
Writes payloads/, labels.jsonl and the fixture table in README.md; checks every label
against the corpus's own arithmetic (components vs stated total, FX, floors, phones).
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import phonenumbers

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import sign  # noqa: E402

D = Decimal
Q2 = D("0.01")
CAT = json.loads((HERE / "catalog.json").read_text(encoding="utf-8"))
SKU = {s["code"]: s for s in CAT["skus"]}
RATES = {}
with (HERE / "rates.csv").open(encoding="utf-8") as fh:
    for row in csv.DictReader(fh):
        RATES[row["base"]] = D(row["rate"])
RATES["CNY"] = D(1)

SRC = {
    "shopify": "Shopify REST Admin API 2024-10 Order resource, https://shopify.dev/docs/api/admin-rest/2024-10/resources/order ; webhook HMAC https://shopify.dev/docs/apps/build/webhooks/subscribe/https",
    "woocommerce": "WooCommerce REST API v3 order properties, https://woocommerce.github.io/woocommerce-rest-api-docs/#order-properties ; signature WC_Webhook::generate_signature()",
    "tiktok": "TikTok Shop Partner API 202309 Get Order Detail, https://partner.tiktokshop.com/docv2/page/650aa8ccc16ffe02b8f167a0 (payment, line_items one per unit, recipient_address.district_info)",
    "taobao": "TOP taobao.trade.fullinfo.get, https://open.taobao.com/api.htm?docId=54&docType=2 (Trade/Order fields; 常用订单金额说明 https://open.taobao.com/docV3.htm?docId=108471&docType=1)",
    "jd": "JOS jingdong.pop.order.get (订单详情), https://jos.jd.com/apilist?apiGroupId=55&apiId=4247 (orderInfo: orderTotalPrice, orderSellerPrice, orderPayment, freightPrice, sellerDiscount, consigneeInfo, itemInfoList, couponDetailList); signature docs/channels.md JD section",
    "pdd": "Pinduoduo pdd.order.information.get (订单详情), https://open.pinduoduo.com/application/document/api?id=pdd.order.information.get ; field list as mirrored in github.com/lywzx/pdd-node-sdk PddOrderInformationGet.ts; signature docs/channels.md PDD section",
    "tabular": "B2B purchase-order export, headers as ERP exports name them (SAP/Oracle-style English: PO No., Ship-to Contact Phone; 用友/金蝶-style Chinese: 采购订单号, 收货人手机, 商品编码, 单价(元))",
}

# ----- addresses -------------------------------------------------------------------------
# key: country, province label (None = not scored), payload province, city, district,
# street, postcode, phone as the channel writes it, recipient name
A: dict[str, dict[str, Any]] = {}


def _addr(key: str, country: str, prov_label: str | None, prov: str, city: str, district: str,
          street: str, zip_: str, phone: str, name: str, **kw: Any) -> None:
    A[key] = dict(country=country, prov_label=prov_label, prov=prov, city=city,
                  district=district, street=street, zip=zip_, phone=phone, name=name, **kw)


_addr("cn_hz", "CN", "浙江省", "浙江省", "杭州市", "西湖区", "文三路90号东部软件园3号楼502室", "310012", "13857123456", "陈思远")
_addr("cn_sz", "CN", "广东省", "广东省", "深圳市", "南山区", "粤海街道高新南一道8号创维大厦A座1203", "518057", "13926541234", "林晓婷")
_addr("cn_sh", "CN", "上海市", "上海", "上海市", "浦东新区", "张江路665号3号楼201室", "201203", "18616789012", "王海波")
_addr("cn_bj", "CN", "北京市", "北京", "北京市", "朝阳区", "建国路88号SOHO现代城2号楼1508", "100022", "15011223344", "张雨桐")
_addr("cn_nj", "CN", "江苏省", "江苏省", "南京市", "鼓楼区", "中山北路30号江苏大厦9楼", "210008", "13770881234", "刘畅")
_addr("cn_nn", "CN", "广西壮族自治区", "广西壮族自治区", "南宁市", "青秀区", "民族大道136号华润大厦C座", "530022", "17777123456", "黄嘉怡")
_addr("cn_wh", "CN", "湖北省", "湖北省", "武汉市", "洪山区", "珞喻路1037号华中科技大学西十二舍", "430074", "15927012345", "周杰")
_addr("cn_cq", "CN", "重庆市", "重庆", "重庆市", "渝中区", "解放碑民族路188号环球金融中心", "400010", "13340231234", "杨帆")
_addr("cn_cd", "CN", "四川省", "四川省", "成都市", "武侯区", "人民南路四段11号", "610041", "18980012345", "李娜")
_addr("cn_hhht", "CN", "内蒙古自治区", "内蒙古", "呼和浩特市", "赛罕区", "大学东街235号", "010020", "15049112345", "高原")
_addr("cn_xm", "CN", "福建省", "福建省", "厦门市", "思明区", "湖滨南路57号", "361004", "13606051234", "郑雅文")
_addr("cn_sy", "CN", "辽宁省", "辽宁省", "沈阳市", "和平区", "南京北街206号", "110001", "13904051234", "孙浩")
_addr("hk_en", "HK", None, "Kowloon", "Mong Kok", "", "Flat 12B, Tower 2, 8 Argyle Street", "", "+852 9123 4567", "Tai Man Chan", prov_code="KL")
_addr("hk_zh", "HK", None, "香港特别行政区", "九龙", "油尖旺区", "弥敦道132号美丽华大厦8楼C室", "999077", "+852 6123 4567", "陈嘉欣")
_addr("mo_zh", "MO", None, "澳门特别行政区", "澳门半岛", "花地玛堂区", "罗理基博士大马路600号1楼", "999078", "+853 6612 3456", "何家豪")
_addr("tw_zh", "TW", None, "台湾", "台北市", "信义区", "信义路五段7号35楼", "110", "0912345678", "林怡君")
_addr("us_sf", "US", "CA", "California", "San Francisco", "", "1 Ferry Building, Suite 50", "94111", "(415) 983-8030", "Emily Carter", prov_code="CA")
_addr("us_ny", "US", "NY", "New York", "New York", "", "350 5th Ave, Apt 12C", "10118", "212-736-3100", "Michael Brooks", prov_code="NY")
_addr("us_tx", "US", "TX", "Texas", "Austin", "", "600 Congress Ave, Floor 14", "78701", "+1 512 474 5171", "Sofia Ramirez", prov_code="TX")
_addr("us_wa", "US", "WA", "Washington", "Seattle", "", "400 Broad St", "98109", "206-905-2100", "Daniel Kim", prov_code="WA")
_addr("us_den", "US", "CO", "Colorado", "Denver", "", "1701 Wynkoop St", "80202", "(303) 534-2121", "Hannah Lee", prov_code="CO")
_addr("gb_ldn", "GB", None, "England", "London", "", "221B Baker Street", "NW1 6XE", "+44 20 7224 3688", "Oliver Smith")
_addr("gb_man", "GB", None, "England", "Manchester", "", "1 Piccadilly Gardens", "M1 1RG", "+44 161 234 5678", "Amelia Jones")
_addr("de_ber", "DE", None, "", "Berlin", "", "Friedrichstraße 43", "10117", "+49 30 20945678", "Lena Müller")
_addr("de_muc", "DE", None, "", "München", "", "Marienplatz 8", "80331", "+49 151 23456789", "Jonas Weber")
_addr("fr_par", "FR", None, "", "Paris", "", "12 Rue de Rivoli", "75004", "+33 6 12 34 56 78", "Camille Bernard")
_addr("jp_tky", "JP", None, "Tokyo", "Shibuya-ku", "", "Jinnan 1-2-3, Room 405", "150-0041", "090-1234-5678", "Yuki Tanaka", prov_code="JP-13", woo_state="JP13")
_addr("au_syd", "AU", "NSW", "New South Wales", "Sydney", "", "100 George Street", "2000", "+61 412 345 678", "Jack Wilson", prov_code="NSW")
_addr("au_mel", "AU", "VIC", "Victoria", "Melbourne", "", "200 Bourke Street", "3000", "03 9876 5432", "Chloe Nguyen", prov_code="VIC")
_addr("sg", "SG", None, "", "Singapore", "", "10 Anson Road #20-05 International Plaza", "079903", "+65 9123 4567", "Tan Wei Ling")
_addr("ca_tor", "CA", "ON", "Ontario", "Toronto", "", "290 Bremner Blvd", "M5V 3L9", "+1 416-868-6937", "Ethan Tremblay", prov_code="ON")
_addr("ch_zrh", "CH", None, "", "Zürich", "", "Bahnhofstrasse 1", "8001", "+41 44 668 18 00", "Noah Keller")
_addr("kr_sel", "KR", None, "Seoul", "Seoul", "Gangnam-gu", "152 Teheran-ro", "06236", "+82 10-2345-6789", "Kim Minji")

COUNTRY_NAME = {"US": "United States", "GB": "United Kingdom", "DE": "Germany", "FR": "France",
                "JP": "Japan", "AU": "Australia", "SG": "Singapore", "CA": "Canada",
                "CH": "Switzerland", "KR": "South Korea", "HK": "Hong Kong SAR", "CN": "China",
                "MO": "Macao SAR", "TW": "Taiwan"}


def e164(phone: str, country: str) -> str:
    num = phonenumbers.parse(phone, country)
    assert phonenumbers.is_valid_number(num), (phone, country)
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def is_invalid(phone: str, country: str) -> bool:
    try:
        return not phonenumbers.is_valid_number(phonenumbers.parse(phone, country))
    except phonenumbers.NumberParseException:
        return True


def m(x: Any) -> str:
    return str(D(str(x)).quantize(Q2))


LABELS: list[dict[str, Any]] = []


def add_label(rid: str, channel: str, code: str, file: str, ext: str, headers: dict[str, str] | None,
              expected: list[str], fields: dict[str, Any] | None, why: str) -> None:
    LABELS.append({"id": rid, "channel": channel, "channel_code": code, "file": file,
                   "external_id": ext, "headers": headers, "expected": expected,
                   "fields": fields, "why": why, "source": SRC[channel]})


def label_fields(total: Any, cur: str, lines: list[tuple[str | None, int, Any]], a: dict[str, Any],
                 phone_label: str | None = None, *, district: bool = True,
                 city: str | None = None) -> dict[str, Any]:
    ls = sorted(({"sku": s, "quantity": q, "unit_price": m(p) if cur != "JPY" and cur != "KRW" else str(D(str(p)))}
                 for s, q, p in lines), key=lambda x: (x["sku"] or "", x["unit_price"]))
    if phone_label is None:
        phone_label = e164(a["phone"], a["country"])
    return {
        "total": m(total) if cur not in ("JPY", "KRW") else str(D(str(total))),
        "currency": cur,
        "lines": ls,
        "country": a["country"],
        "province": a["prov_label"],
        "city": a["city"] if city is None else city,
        "district": (a["district"] if a["country"] == "CN" or (a["district"] and a["country"] in ("HK", "MO", "TW")) else None) if district else None,
        "phone_e164": phone_label,
    }


def write(path: Path, body: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, indent=2).encode("utf-8")


def spec_addr(key: str, **over: Any) -> dict[str, Any]:
    a = dict(A[key])
    a.update(over)
    return a


# ----- Shopify ---------------------------------------------------------------------------
def shopify(rid: str, n: int, cur: str, a: dict[str, Any], lines: list[tuple[Any, ...]], *,
            expected: list[str] | None = None, why: str = "clean", ship: Any = 0, ship_disc: Any = 0,
            tax: Any = 0, taxes_included: bool = False, duties: Any = 0, tip: Any = 0,
            note: str = "", attrs: list[tuple[str, str]] | None = None, delta: Any = 0,
            phone_label: str | None = None, no_name: bool = False, refusal: str | None = None) -> None:
    """lines: (channel sku, master sku or None, qty, unit price, line discount)."""
    a = uniq(a)
    zero = "0" if cur == "JPY" else "0.00"
    fmt = (lambda x: str(int(D(str(x))))) if cur == "JPY" else m
    def money(x: Any) -> dict[str, Any]:
        return {"shop_money": {"amount": fmt(x), "currency_code": cur},
                "presentment_money": {"amount": fmt(x), "currency_code": cur}}
    items, line_total, disc_total = [], D(0), D(0)
    for i, (csku, _master, qty, price, *rest) in enumerate(lines):
        ldisc = D(str(rest[0])) if rest else D(0)
        line_total += D(str(price)) * qty
        disc_total += ldisc
        item = {
            "id": 14000000000000 + n * 10 + i, "admin_graphql_api_id": f"gid://shopify/LineItem/{14000000000000 + n * 10 + i}",
            "product_id": 8800000000 + i, "variant_id": 45000000000 + n * 10 + i,
            "title": SKU[_master]["name"].split(" / ")[-1] if _master else "Custom gift bundle",
            "name": SKU[_master]["name"].split(" / ")[-1] if _master else "Custom gift bundle",
            "sku": csku, "vendor": "Corpus B", "quantity": qty, "current_quantity": qty,
            "fulfillable_quantity": qty, "requires_shipping": True, "taxable": True, "gift_card": False,
            "price": fmt(price), "price_set": money(price), "total_discount": fmt(ldisc),
            "total_discount_set": money(ldisc),
            "discount_allocations": ([{"amount": fmt(ldisc), "amount_set": money(ldisc), "discount_application_index": 0}] if ldisc else []),
            "tax_lines": [], "duties": [], "fulfillment_status": None,
        }
        items.append(item)
    duties_d = D(str(duties))
    if duties_d:
        first = items[0]
        master = lines[0][1]
        first["duties"] = [{"id": "2" + str(n).zfill(8), "harmonized_system_code": SKU[master]["attributes"].get("hs_code", "").replace(".", "") + "00",
                            "country_code_of_origin": SKU[master]["attributes"].get("origin_country"),
                            "shop_money": {"amount": fmt(duties_d), "currency_code": cur},
                            "presentment_money": {"amount": fmt(duties_d), "currency_code": cur},
                            "tax_lines": [{"title": "Import duty", "price": fmt(duties_d), "rate": 0.0}],
                            "admin_graphql_api_id": f"gid://shopify/Duty/{n}"}]
    tax_d, ship_d, sdisc = D(str(tax)), D(str(ship)), D(str(ship_disc))
    if tax_d:
        items[0]["tax_lines"] = [{"title": "VAT" if taxes_included else "Sales tax", "price": fmt(tax_d), "rate": 0.0, "price_set": money(tax_d)}]
    subtotal = line_total - disc_total
    ship_net = ship_d - sdisc
    total = subtotal + ship_net + (D(0) if taxes_included else tax_d) + duties_d + D(str(tip))
    stated = total + D(str(delta))
    first, _, last = a["name"].partition(" ")
    name = "" if no_name else a["name"]
    sa = {"first_name": "" if no_name else first, "last_name": "" if no_name else last, "name": name,
          "company": None, "address1": a["street"], "address2": None, "city": a["city"], "zip": a["zip"] or None,
          "province": a["prov"] or None, "province_code": a.get("prov_code") or None,
          "country": COUNTRY_NAME[a["country"]], "country_code": a["country"], "phone": a["phone"],
          "latitude": None, "longitude": None}
    order = {
        "id": 5900000000000 + n, "admin_graphql_api_id": f"gid://shopify/Order/{5900000000000 + n}",
        "name": f"#B{1000 + n}", "order_number": 1000 + n, "number": n,
        "email": f"buyer{n}@example.net", "contact_email": f"buyer{n}@example.net",
        "created_at": "2026-12-05T10:%02d:00+00:00" % (n % 60), "processed_at": "2026-12-05T10:%02d:05+00:00" % (n % 60),
        "currency": cur, "presentment_currency": cur, "financial_status": "paid", "fulfillment_status": None,
        "test": False, "confirmed": True, "taxes_included": taxes_included, "tax_exempt": False,
        "total_line_items_price": fmt(line_total), "total_line_items_price_set": money(line_total),
        "total_discounts": fmt(disc_total + sdisc), "total_discounts_set": money(disc_total + sdisc),
        "subtotal_price": fmt(subtotal), "subtotal_price_set": money(subtotal),
        "total_shipping_price_set": money(ship_net),
        "total_tax": fmt(tax_d), "total_tax_set": money(tax_d),
        "current_total_duties_set": money(duties_d) if duties_d else None,
        "original_total_duties_set": money(duties_d) if duties_d else None,
        "total_tip_received": fmt(tip) if D(str(tip)) else zero,
        "total_price": fmt(stated), "total_price_set": money(stated),
        "total_outstanding": zero,
        "note": note or None,
        "note_attributes": [{"name": k, "value": v} for k, v in (attrs or [])],
        "discount_codes": ([{"code": "CORPUSB", "amount": fmt(disc_total + sdisc), "type": "fixed_amount"}] if disc_total + sdisc else []),
        "customer": {"id": 7100000000 + n, "email": f"buyer{n}@example.net",
                     "first_name": None if no_name else first, "last_name": None if no_name else last,
                     "phone": None, "currency": cur, "tags": ""},
        "shipping_address": sa,
        "billing_address": None if no_name else dict(sa),
        "line_items": items,
        "shipping_lines": ([{"id": 4600000000 + n, "title": "Standard International", "code": "INTL-STD",
                             "source": "shopify", "price": fmt(ship_d), "price_set": money(ship_d),
                             "discounted_price": fmt(ship_net), "discounted_price_set": money(ship_net),
                             "discount_allocations": ([{"amount": fmt(sdisc), "amount_set": money(sdisc), "discount_application_index": 0}] if sdisc else []),
                             "tax_lines": []}] if ship_d else []),
        "tax_lines": ([{"title": "VAT" if taxes_included else "Sales tax", "price": fmt(tax_d), "rate": 0.0}] if tax_d else []),
        "source_name": "web", "tags": "",
    }
    body = dumps(order)
    path = f"payloads/shopify/{rid}.json"
    headers = sign.shopify(body)
    if refusal == "signature":
        headers = sign.shopify(body, "shpss_not_the_right_secret")
    elif refusal == "payload":
        body = body[: len(body) // 2]
        headers = sign.shopify(body)
    write(HERE / path, body)
    ext = str(order["id"])
    if refusal:
        add_label(rid, "shopify", "shopify_b", path, ext, headers, [f"refused:{refusal}"], None, why)
        return
    f = label_fields(stated, cur, [(ln[1], ln[2], ln[3]) for ln in lines], a, phone_label)
    add_label(rid, "shopify", "shopify_b", path, ext, headers, expected or [], f, why)


# ----- WooCommerce -----------------------------------------------------------------------
def woo(rid: str, n: int, cur: str, a: dict[str, Any], lines: list[tuple[Any, ...]], *,
        expected: list[str] | None = None, why: str = "clean", ship: Any = 0, tax_rate: Any = 0,
        fees: list[tuple[str, Any]] | None = None, coupon: tuple[str, Any] | None = None,
        note: str = "", meta: list[tuple[str, str]] | None = None, delta: Any = 0,
        phone_label: str | None = None, refusal: str | None = None, bad_qty: bool = False) -> None:
    a = uniq(a)
    rate = D(str(tax_rate))
    fmt = (lambda x: str(int(D(str(x))))) if cur == "JPY" else m
    def tx(x: D) -> D:
        return (x * rate).quantize(D(1) if cur == "JPY" else Q2, ROUND_HALF_UP)
    gross = sum((D(str(p)) * q for _, _, q, p in lines), D(0))
    cdisc = D(str(coupon[1])) if coupon else D(0)
    items, total, given = [], D(0), D(0)
    for i, (csku, master, qty, price) in enumerate(lines):
        sub = D(str(price)) * qty
        share = (cdisc * sub / gross).quantize(Q2) if cdisc and i < len(lines) - 1 else (cdisc - given if cdisc else D(0))
        given += share
        net = sub - share
        t = tx(net)
        total += net + t
        items.append({"id": 300 + n * 10 + i, "name": SKU[master]["name"].split(" / ")[-1] if master else "Oolong tea 100g",
                      "product_id": 1200 + i, "variation_id": 0, "quantity": "two" if bad_qty else qty,
                      "tax_class": "", "subtotal": fmt(sub), "subtotal_tax": fmt(tx(sub)), "total": fmt(net),
                      "total_tax": fmt(t), "taxes": ([{"id": 1, "total": fmt(t), "subtotal": fmt(tx(sub))}] if rate else []),
                      "meta_data": [], "sku": csku, "price": float((net / qty).quantize(D("0.0001"))),
                      "image": {"id": "", "src": ""}, "parent_name": None})
    ship_d = D(str(ship))
    st = tx(ship_d)
    total += ship_d + st
    fee_lines = []
    for j, (fname, famt) in enumerate(fees or []):
        fa = D(str(famt))
        ft = tx(fa)
        total += fa + ft
        fee_lines.append({"id": 500 + n * 10 + j, "name": fname, "tax_class": "", "tax_status": "taxable" if rate else "none",
                          "amount": fmt(fa), "total": fmt(fa), "total_tax": fmt(ft), "taxes": [], "meta_data": []})
    stated = total + D(str(delta))
    first, _, last = a["name"].partition(" ")
    state = a.get("woo_state") or a.get("prov_code") or ""
    addr = {"first_name": first, "last_name": last, "company": "", "address_1": a["street"], "address_2": "",
            "city": a["city"], "state": state, "postcode": a["zip"], "country": a["country"]}
    order = {
        "id": 8800 + n, "parent_id": 0, "status": "processing", "currency": cur, "version": "9.4.2",
        "prices_include_tax": False, "date_created": "2026-12-05T11:%02d:00" % (n % 60),
        "date_created_gmt": "2026-12-05T10:%02d:00" % (n % 60),
        "discount_total": fmt(cdisc), "discount_tax": fmt(tx(cdisc)) if cdisc else fmt(0),
        "shipping_total": fmt(ship_d), "shipping_tax": fmt(st),
        "cart_tax": fmt(sum((D(it["total_tax"]) for it in items), D(0))),
        "total": fmt(stated), "total_tax": fmt(sum((D(it["total_tax"]) for it in items), D(0)) + st + sum((D(f["total_tax"]) for f in fee_lines), D(0))),
        "customer_id": 40 + n, "order_key": f"wc_order_B{n:04d}",
        "billing": {**addr, "email": f"kunde{n}@example.org", "phone": a["phone"]},
        "shipping": {**addr, "phone": a["phone"]},
        "payment_method": "stripe", "payment_method_title": "Credit card (Stripe)", "transaction_id": f"pi_B{n:06d}",
        "customer_ip_address": "203.0.113.%d" % n, "customer_user_agent": "Mozilla/5.0",
        "created_via": "checkout", "customer_note": note, "date_paid": "2026-12-05T11:%02d:30" % (n % 60),
        "number": str(8800 + n),
        "meta_data": [{"id": 9000 + n * 10 + k, "key": key, "value": val} for k, (key, val) in enumerate(meta or [])],
        "line_items": items,
        "tax_lines": ([{"id": 700 + n, "rate_code": f"{a['country']}-VAT-1", "rate_id": 1, "label": "VAT" if a["country"] != "US" else "Sales tax",
                        "compound": False, "tax_total": fmt(sum((D(it["total_tax"]) for it in items), D(0)) + sum((D(f["total_tax"]) for f in fee_lines), D(0))),
                        "shipping_tax_total": fmt(st), "rate_percent": float(rate * 100)}] if rate else []),
        "shipping_lines": ([{"id": 600 + n, "method_title": "Flat rate", "method_id": "flat_rate", "instance_id": "3",
                             "total": fmt(ship_d), "total_tax": fmt(st), "taxes": []}] if ship_d else []),
        "fee_lines": fee_lines,
        "coupon_lines": ([{"id": 800 + n, "code": coupon[0], "discount": fmt(cdisc), "discount_tax": fmt(tx(cdisc)), "meta_data": []}] if coupon else []),
        "refunds": [], "currency_symbol": {"EUR": "€", "GBP": "£", "USD": "$", "JPY": "¥", "AUD": "$", "CHF": "CHF"}.get(cur, ""),
    }
    body = dumps(order)
    path = f"payloads/woocommerce/{rid}.json"
    headers = sign.woocommerce(body)
    if refusal == "signature":
        headers = sign.woocommerce(json.dumps(order, ensure_ascii=False).encode())  # signed a different serialisation
    write(HERE / path, body)
    if refusal:
        add_label(rid, "woocommerce", "woo_b", path, str(order["id"]), headers, [f"refused:{refusal}"], None, why)
        return
    f = label_fields(stated, cur, [(ln[1], ln[2], ln[3]) for ln in lines], a, phone_label)
    add_label(rid, "woocommerce", "woo_b", path, str(order["id"]), headers, expected or [], f, why)


# ----- TikTok Shop -----------------------------------------------------------------------
def tiktok(rid: str, n: int, cur: str, a: dict[str, Any], lines: list[tuple[Any, ...]], *,
           expected: list[str] | None = None, why: str = "clean", ship: Any = 0, ship_seller: Any = 0,
           ship_platform: Any = 0, seller: Any = 0, platform: Any = 0, tax: Any = 0,
           small_order_fee: Any = 0, retail_delivery_fee: Any = 0, note: str = "", delta: Any = 0,
           no_name: bool = False, refusal: str | None = None, masked: str = "") -> None:
    """line discounts (seller, platform) are order totals split over the units."""
    a = uniq(a)
    units = []
    for csku, master, qty, price in lines:
        units += [(csku, master, D(str(price)))] * qty
    orig = sum((u[2] for u in units), D(0))
    sd, pd = D(str(seller)), D(str(platform))
    items, gs, gp = [], D(0), D(0)
    for i, (csku, master, price) in enumerate(units):
        last = i == len(units) - 1
        s = sd - gs if last else (sd * price / orig).quantize(Q2)
        p = pd - gp if last else (pd * price / orig).quantize(Q2)
        gs += s
        gp += p
        items.append({"id": f"57700{n:03d}{i:04d}", "sku_id": f"17299{n:03d}{i:02d}", "product_id": f"173000{n:03d}",
                      "product_name": SKU[master]["name"].split(" / ")[-1] if master else "Mystery gift",
                      "sku_name": "Default", "seller_sku": csku, "original_price": m(price),
                      "sale_price": m(price - s - p), "seller_discount": m(s), "platform_discount": m(p),
                      "currency": cur, "display_status": "AWAITING_SHIPMENT", "is_gift": False,
                      "package_id": f"1152{n:04d}", "sku_type": "NORMAL", "rts_time": 0,
                      "item_tax": []})
    sub_total = orig - sd - pd
    ship_d = D(str(ship))
    ship_fee = ship_d - D(str(ship_seller)) - D(str(ship_platform))
    total = sub_total + ship_fee + D(str(tax)) + D(str(small_order_fee)) + D(str(retail_delivery_fee))
    stated = total + D(str(delta))
    payment = {"currency": cur, "original_total_product_price": m(orig), "seller_discount": m(sd),
               "platform_discount": m(pd), "sub_total": m(sub_total), "original_shipping_fee": m(ship_d),
               "shipping_fee_seller_discount": m(ship_seller), "shipping_fee_platform_discount": m(ship_platform),
               "shipping_fee": m(ship_fee), "tax": m(tax), "product_tax": m(tax), "shipping_fee_tax": "0.00",
               "small_order_fee": m(small_order_fee), "retail_delivery_fee": m(retail_delivery_fee),
               "total_amount": m(stated)}
    levels = [{"address_level": "L0", "address_level_name": "Country", "address_name": COUNTRY_NAME[a["country"]]}]
    if a["prov"]:
        levels.append({"address_level": "L1", "address_level_name": "State" if a["country"] == "US" else "Region", "address_name": a["prov"]})
    if a["city"] and a["country"] != "SG":
        levels.append({"address_level": "L3" if a["country"] == "US" else "L2", "address_level_name": "City", "address_name": a["city"]})
    first, _, last = a["name"].partition(" ")
    if masked:
        masked = masked[:-3] + re.sub(r"\D", "", a["phone"])[-3:]
    phone = masked or a["phone"]
    full = ", ".join(x for x in (a["street"], a["city"], a["prov"], a["zip"], COUNTRY_NAME[a["country"]]) if x)
    order = {"id": f"5768{n:011d}", "status": "AWAITING_SHIPMENT", "create_time": 1796464800 + n * 60,
             "paid_time": 1796464830 + n * 60, "update_time": 1796464900 + n * 60,
             "buyer_message": note, "buyer_email": f"v{n}ab@scs.tiktokw.us", "user_id": f"72000{n:05d}",
             "payment": payment, "payment_method_name": "Credit card",
             "recipient_address": {"name": "" if no_name else a["name"], "first_name": "" if no_name else first,
                                   "last_name": "" if no_name else last, "phone_number": phone,
                                   "address_line1": a["street"], "address_line2": "", "address_line3": "", "address_line4": "",
                                   "address_detail": a["street"], "postal_code": a["zip"], "region_code": a["country"],
                                   "full_address": full, "district_info": levels, "delivery_preferences": {"drop_off_location": ""}},
             "line_items": items, "fulfillment_type": "FULFILLMENT_BY_SELLER", "delivery_type": "HOME_DELIVERY",
             "shipping_type": "TIKTOK", "is_cod": False, "is_sample_order": False, "is_on_hold_order": False,
             "warehouse_id": "7301234567890", "commerce_platform": "TIKTOK_SHOP", "order_type": "NORMAL"}
    resp = {"code": 0, "message": "Success", "request_id": f"20261205{n:010d}", "data": {"orders": [order]}}
    if refusal == "payload":
        resp["data"]["orders"] = []
    body = dumps(resp)
    headers = sign.tiktok(body)
    if refusal == "signature":
        import hashlib
        import hmac
        headers = {"Content-Type": "application/json",
                   "Authorization": hmac.new(sign.SECRETS["tiktok_app_secret"].encode(), body, hashlib.sha256).hexdigest()}
    path = f"payloads/tiktok/{rid}.json"
    write(HERE / path, body)
    if refusal:
        add_label(rid, "tiktok", "tts_b", path, order["id"], headers, [f"refused:{refusal}"], None, why)
        return
    pl = "masked" if masked else None
    f = label_fields(stated, cur, [(ln[1], ln[2], ln[3]) for ln in lines], a, pl)
    add_label(rid, "tiktok", "tts_b", path, order["id"], headers, expected or [], f, why)


# ----- Taobao / Tmall --------------------------------------------------------------------
def taobao(rid: str, n: int, a: dict[str, Any], lines: list[tuple[Any, ...]], *,
           expected: list[str] | None = None, why: str = "clean", post: Any = 0, shop_disc: Any = 0,
           adjust: Any = 0, note: str = "", delta: Any = 0, phone: str | None = None,
           phone_label: str | None = None, refusal: str | None = None, no_name: bool = False) -> None:
    """lines: (outer_sku_id, master, qty, price, line discount). shop_disc: 满减 split over lines."""
    a = uniq(a)
    total_fee = sum((D(str(ln[3])) * ln[2] for ln in lines), D(0))
    line_disc = sum((D(str(ln[4])) if len(ln) > 4 else D(0) for ln in lines), D(0))
    sdisc = D(str(shop_disc))
    orders, given = [], D(0)
    for i, ln in enumerate(lines):
        csku, master, qty, price = ln[:4]
        ld = D(str(ln[4])) if len(ln) > 4 else D(0)
        gross = D(str(price)) * qty
        share = sdisc - given if i == len(lines) - 1 else (sdisc * gross / total_fee).quantize(Q2)
        given += share
        o_total = gross - ld
        orders.append({"oid": int(f"39{n:04d}{i:02d}0001"), "oid_str": f"39{n:04d}{i:02d}0001", "num_iid": 700000000000 + i,
                       "sku_id": str(5100000000000 + n * 10 + i), "title": SKU[master]["name"] if master else "西湖龙井礼盒 250g",
                       "price": m(price), "num": qty, "total_fee": m(o_total), "discount_fee": m(ld),
                       "adjust_fee": "0.00", "part_mjz_discount": m(share), "payment": m(o_total - share),
                       "divide_order_fee": m(o_total - share), "outer_iid": csku.split("-")[0] if csku else "",
                       "outer_sku_id": csku, "status": "WAIT_SELLER_SEND_GOODS", "refund_status": "NO_REFUND",
                       "cid": 50012345})
    discount_fee = line_disc + sdisc
    payment = total_fee - discount_fee + D(str(adjust)) + D(str(post))
    stated = payment + D(str(delta))
    trade = {"tid": int(f"31{n:010d}"), "tid_str": f"31{n:010d}", "status": "WAIT_SELLER_SEND_GOODS", "type": "fixed",
             "created": "2026-12-05 09:%02d:11" % (n % 60), "pay_time": "2026-12-05 09:%02d:40" % (n % 60),
             "modified": "2026-12-05 09:%02d:41" % (n % 60), "buyer_nick": f"t**{n}",
             "buyer_message": note, "seller_memo": "", "has_buyer_message": bool(note),
             "total_fee": m(total_fee), "discount_fee": m(discount_fee), "adjust_fee": m(adjust),
             "post_fee": m(post), "payment": m(stated), "received_payment": "0.00", "point_fee": 0,
             "receiver_name": "" if no_name else a["name"], "receiver_state": a["prov"],
             "receiver_city": a["city"], "receiver_district": a["district"], "receiver_town": "",
             "receiver_address": a["street"], "receiver_zip": a["zip"],
             "receiver_mobile": phone if phone is not None else a["phone"], "receiver_phone": "",
             "receiver_country": "", "shipping_type": "express", "orders": {"order": orders}}
    resp = {"trade_fullinfo_get_response": {"trade": trade, "request_id": f"16b{n:06d}"}}
    if refusal == "payload":
        resp = {"trade_fullinfo_get_response": {"request_id": f"16b{n:06d}"}}
    body = dumps(resp)
    headers = sign.taobao(body)
    if refusal == "signature":
        headers = sign.taobao(body, "top_relay_wrong_secret")
    path = f"payloads/taobao/{rid}.json"
    write(HERE / path, body)
    if refusal:
        add_label(rid, "taobao", "tmall_b", path, trade["tid_str"], headers, [f"refused:{refusal}"], None, why)
        return
    f = label_fields(stated, "CNY", [(ln[1], ln[2], ln[3]) for ln in lines], a, phone_label)
    add_label(rid, "taobao", "tmall_b", path, trade["tid_str"], headers, expected or [], f, why)


# ----- JD --------------------------------------------------------------------------------
def jd(rid: str, n: int, a: dict[str, Any], lines: list[tuple[Any, ...]], *, expected: list[str] | None = None,
       why: str = "clean", freight: Any = 0, seller_disc: Any = 0, note: str = "", delta: Any = 0,
       mobile: str | None = None, telephone: bool = False, phone_label: str | None = None,
       refusal: str | None = None) -> None:
    """lines: (outerSkuId, master, qty, jdPrice, skuId)."""
    a = uniq(a)
    total = sum((D(str(ln[3])) * ln[2] for ln in lines), D(0))
    sd = D(str(seller_disc))
    seller_price = total - sd
    payment = seller_price + D(str(freight))
    stated = payment + D(str(delta))
    items = [{"skuId": ln[4] if len(ln) > 4 else str(100012340000 + n * 10 + i), "outerSkuId": ln[0],
              "skuName": SKU[ln[1]]["name"] if ln[1] else "未知商品", "jdPrice": m(ln[3]), "itemTotal": str(ln[2]),
              "wareId": str(10002000 + i), "productNo": "", "giftPoint": "0", "newStoreId": "0"}
             for i, ln in enumerate(lines)]
    coupons = ([{"orderId": f"29{n:09d}", "skuId": items[0]["skuId"], "couponType": "20-套装优惠", "couponPrice": m(sd)}] if sd else [])
    province = a["prov"]
    full = province + a["city"] + a["district"] + a["street"]
    info = {"orderId": f"29{n:09d}", "venderId": "10234567", "orderType": "22", "payType": "4-在线支付",
            "orderTotalPrice": m(total), "orderSellerPrice": m(seller_price), "orderPayment": m(stated),
            "freightPrice": m(freight), "sellerDiscount": m(sd), "orderState": "WAIT_SELLER_STOCK_OUT",
            "orderStateRemark": "等待出库", "deliveryType": "任意时间", "invoiceInfo": "不需要开具发票",
            "orderRemark": note, "orderStartTime": "2026-12-05 10:%02d:03" % (n % 60), "modified": "2026-12-05 10:%02d:30" % (n % 60),
            "pin": f"jd_{n:03d}****", "balanceUsed": "0.00", "storeOrder": "京东配送",
            "consigneeInfo": {"fullname": a["name"], "fullAddress": full, "telephone": a["phone"] if telephone else "",
                              "mobile": a["phone"] if mobile is None else mobile, "province": province,
                              "provinceId": "1", "city": a["city"], "cityId": "72", "county": a["district"],
                              "countyId": "2819", "town": "", "townId": "0"},
            "itemInfoList": items, "couponDetailList": coupons}
    resp = {"jingdong_pop_order_get_responce": {"code": "0", "orderDetailInfo": {"apiResult": {"success": True, "englistErrCode": "", "chineseErrCode": ""}, "orderInfo": info}}}
    if refusal == "payload":
        resp = {"jingdong_pop_order_get_responce": {"code": "0", "orderDetailInfo": {"apiResult": {"success": True}}}}
    body = dumps(resp)
    headers = sign.jd(body)
    if refusal == "signature":
        headers = sign.jd(body, creds="JDCORPUSB01:wrong_secret")
    path = f"payloads/jd/{rid}.json"
    write(HERE / path, body)
    if refusal:
        add_label(rid, "jd", "jd_b", path, info["orderId"], headers, [f"refused:{refusal}"], None, why)
        return
    f = label_fields(stated, "CNY", [(ln[1], ln[2], ln[3]) for ln in lines], a, phone_label)
    add_label(rid, "jd", "jd_b", path, info["orderId"], headers, expected or [], f, why)


# ----- Pinduoduo -------------------------------------------------------------------------
def pdd(rid: str, n: int, a: dict[str, Any], lines: list[tuple[Any, ...]], *, expected: list[str] | None = None,
        why: str = "clean", postage: Any = 0, seller: Any = 0, platform: Any = 0, note: str = "",
        delta: Any = 0, phone: str | None = None, phone_label: str | None = None,
        refusal: str | None = None) -> None:
    """lines: (outer_id, master, qty, goods_price). Amounts are JSON numbers in yuan."""
    a = uniq(a)
    goods = sum((D(str(ln[3])) * ln[2] for ln in lines), D(0))
    disc = D(str(seller)) + D(str(platform))
    pay = goods + D(str(postage)) - disc
    stated = pay + D(str(delta))
    def num(x: Any) -> float:
        return float(D(str(x)).quantize(Q2))
    items = [{"goods_id": 300000000000 + i, "goods_name": SKU[ln[1]]["name"] if ln[1] else "补水面膜 5片",
              "goods_count": ln[2], "goods_price": num(ln[3]), "sku_id": 1200000000000 + n * 10 + i,
              "outer_id": ln[0], "outer_goods_id": ln[0].split("-")[0] if ln[0] else "", "goods_spec": "默认",
              "goods_img": "https://img.pddpic.com/goods/x.jpeg"} for i, ln in enumerate(lines)]
    info = {"order_sn": f"261205-{n:015d}", "order_status": 1, "confirm_status": 1, "refund_status": 1,
            "trade_type": 0, "created_time": "2026-12-05 11:%02d:33" % (n % 60), "confirm_time": "2026-12-05 11:%02d:40" % (n % 60),
            "pay_time": "2026-12-05 11:%02d:39" % (n % 60), "updated_at": "2026-12-05 11:%02d:41" % (n % 60),
            "goods_amount": num(goods), "discount_amount": num(disc), "seller_discount": num(seller),
            "platform_discount": num(platform), "capital_free_discount": 0.0, "postage": num(postage),
            "pay_amount": num(stated), "pay_type": "WEIXIN",
            "receiver_name": a["name"], "receiver_phone": phone if phone is not None else a["phone"],
            "receiver_address": a["prov"] + a["city"] + a["district"] + a["street"],
            "country": "中国", "country_id": 1, "province": a["prov"], "province_id": 6, "city": a["city"], "city_id": 77,
            "town": a["district"], "town_id": 705, "address": a["street"], "buyer_memo": note, "remark": "",
            "is_stock_out": 0, "is_pre_sale": 0, "item_list": items}
    resp = {"order_info_get_response": {"order_info": info, "request_id": f"17{n:08d}"}}
    body = dumps(resp)
    if refusal == "payload":
        body = body[: len(body) * 2 // 3]
    headers = sign.pdd(body)
    if refusal == "signature":
        headers = sign.pdd(body, creds="pddcorpusbclient:wrong_secret")
    path = f"payloads/pdd/{rid}.json"
    write(HERE / path, body)
    if refusal:
        add_label(rid, "pdd", "pdd_b", path, info["order_sn"], headers, [f"refused:{refusal}"], None, why)
        return
    f = label_fields(stated, "CNY", [(ln[1], ln[2], ln[3]) for ln in lines], a, phone_label)
    add_label(rid, "pdd", "pdd_b", path, info["order_sn"], headers, expected or [], f, why)


# ----- B2B purchase orders ---------------------------------------------------------------
PO_ROWS: dict[str, list[dict[str, Any]]] = {}
EN_COUNTRY = {"HK": "Hong Kong", "CN": "China", "US": "United States", "SG": "Singapore", "GB": "United Kingdom",
              "KR": "Korea, Republic of"}


def po(rid: str, file: str, po_no: str, cur: str, a: dict[str, Any], lines: list[tuple[Any, ...]], *,
       expected: list[str] | None = None, why: str = "clean", delta: Any = 0, country_text: str | None = None,
       phone_label: str | None = None, no_name: bool = False, buyer: str = "") -> None:
    a = uniq(a)
    total = sum((D(str(ln[3])) * ln[2] for ln in lines), D(0))
    stated = total + D(str(delta))
    rows = PO_ROWS.setdefault(file, [])
    for i, (csku, master, qty, price) in enumerate(lines):
        rows.append(dict(po=po_no, cur=cur, a=a, line=i + 1, sku=csku,
                         desc=SKU[master]["name"] if master else "Bamboo tray / 竹托盘", qty=qty, price=D(str(price)),
                         amount=D(str(price)) * qty, total=stated, country_text=country_text or a["country"],
                         name="" if no_name else a["name"], buyer=buyer))
    f = label_fields(stated, cur, [(ln[1], ln[2], ln[3]) for ln in lines], a, phone_label)
    add_label(rid, "tabular", "po_b", f"payloads/b2b/{file}", po_no, None, expected or [], f, why)


def write_po_files() -> None:
    # English CSV (UTF-8 with BOM, CRLF, as Excel saves "CSV UTF-8")
    en = ["PO No.", "PO Date", "Buyer", "Ship-to Contact", "Ship-to Contact Phone", "Ship-to Country",
          "Ship-to State/Province", "Ship-to City", "Ship-to District", "Ship-to Address", "Ship-to Postal Code",
          "Line No.", "Item Code", "Description", "Qty", "UoM", "Unit Price", "Currency", "Line Amount", "PO Total"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(en)
    for r in PO_ROWS["po_export_en.csv"]:
        a = r["a"]
        st = a.get("prov_code") if a["country"] in ("US", "CA", "AU") else (a["prov"] if a["country"] == "CN" else "")
        w.writerow([r["po"], "2026-12-04", r["buyer"], r["name"], a["phone"], EN_COUNTRY.get(r["country_text"], r["country_text"]), st,
                    a["city"], a["district"], a["street"], a["zip"], r["line"], r["sku"], r["desc"], r["qty"], "EA",
                    m(r["price"]), r["cur"], m(r["amount"]), m(r["total"])])
    write(HERE / "payloads/b2b/po_export_en.csv", ("\ufeff" + buf.getvalue()).encode("utf-8"))
    # Chinese CSV, CNY only: 单价(元)
    zh = ["采购订单号", "订单日期", "采购方", "收货人", "收货人手机", "国家/地区", "省份", "城市", "区县", "详细地址", "邮编",
          "行号", "商品编码", "商品名称", "数量", "单位", "单价(元)", "金额(元)", "订单总金额(元)"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(zh)
    for r in PO_ROWS["采购订单_人民币.csv"]:
        a = r["a"]
        w.writerow([r["po"], "2026-12-04", r["buyer"], r["name"], a["phone"], "中国", a["prov"], a["city"],
                    a["district"], a["street"], a["zip"], r["line"], r["sku"], r["desc"], r["qty"], "罐" if "奶粉" in r["desc"] else "件",
                    m(r["price"]), m(r["amount"]), m(r["total"])])
    write(HERE / "payloads/b2b/采购订单_人民币.csv", ("\ufeff" + buf.getvalue()).encode("utf-8"))
    # Chinese XLSX with a currency column
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "采购订单"
    hx = ["采购单号", "下单日期", "客户名称", "收货人姓名", "收货人电话", "收货国家/地区", "省/州", "城市", "区县", "收货地址",
          "邮政编码", "行号", "商品编码", "品名", "数量", "单价", "币种", "行金额", "订单总额"]
    ws.append(hx)
    for r in PO_ROWS["采购订单_境外.xlsx"]:
        a = r["a"]
        ws.append([r["po"], "2026-12-04", r["buyer"], r["name"], a["phone"], r["country_text"], a["prov"] if a["country"] == "CN" else "",
                   a["city"], a["district"], a["street"], a["zip"], r["line"], r["sku"], r["desc"], r["qty"],
                   float(r["price"]), r["cur"], float(r["amount"]), float(r["total"])])
    out = io.BytesIO()
    wb.save(out)
    write(HERE / "payloads/b2b/采购订单_境外.xlsx", out.getvalue())


# ===== record specs =======================================================================
# Order date for every record: 2026-12-05. Ages in notes are read against that date.
def specs() -> None:
    AB = expected_one = None  # noqa: F841
    S1, S2, S3 = "MLK-S1-900", "MLK-S2-900", "MLK-S3-900"
    # ---------------- Shopify (shopify_b) ----------------
    shopify("SB-01", 1, "USD", A["us_sf"], [(S1, S1, 2, "49.00")], ship="12.00", tax="8.33",
            note="Baby is 7 weeks old, thank you!", why="clean; USD floor comparison needs FX (49 USD = CNY 346.92 > 230); baby 7 weeks, stage 1")
    shopify("SB-02", 2, "GBP", A["gb_ldn"], [("HONEY-MG-250", "HONEY-MG-250", 1, "39.00")], ship="4.99", tax="6.50",
            taxes_included=True, duties="6.20", why="clean; UK, VAT included in prices (not added again); duties collected at checkout are in total_price")
    shopify("SB-03", 3, "EUR", A["de_ber"], [("MASK-HYA-10", "MASK-HYA-10", 3, "12.90", "3.87")], ship="5.90", ship_disc="5.90",
            tax="5.56", taxes_included=True, why="clean; DE, VAT included, 10% code on the line, free-shipping discount on shipping_lines")
    shopify("SB-04", 4, "JPY", A["jp_tky"], [("FISHOIL-90", "FISHOIL-90", 2, "4200")], ship="800", tax="836", taxes_included=True,
            tip="300", why="clean; JPY without decimals, consumption tax included, a 300 JPY tip in total_price")
    shopify("SB-05", 5, "HKD", A["hk_en"], [("OIL-WL-50", "OIL-WL-50", 4, "85.00")], ship="30.00",
            why="clean; the oil is stocked only in the Hong Kong warehouse: HK to HK is not cross-border, so its missing HS code does not matter")
    shopify("SB-06", 6, "AUD", A["au_syd"], [("HONEY-MG-250", "HONEY-MG-250", 1, "79.00")], ship="15.00", tip="5.00",
            why="clean; AUD has a rate (79 AUD = CNY 364.98 > 260); a tip")
    shopify("SB-07", 7, "SGD", A["sg"], [(S3, S3, 3, "58.00")], ship="10.00",
            note="My son is 20 months old", why="clean; SGD has a rate; 20 months fits stage 3")
    shopify("SB-08", 8, "USD", A["us_ny"], [("WSK-SM-700", "WSK-SM-700", 1, "119.00")], tax="10.56",
            attrs=[("Date of birth", "1988-06-14"), ("Gift wrap", "no")], why="clean; whisky, buyer's date of birth in note_attributes says 38")
    shopify("SB-09", 9, "EUR", A["fr_par"], [("SAKE-JM-720", "SAKE-JM-720", 2, "69.00")], ship="9.90", ship_disc="4.95",
            tax="23.00", taxes_included=True, why="clean; FR, VAT included; half-price shipping discount")
    shopify("SB-10", 10, "USD", A["us_tx"], [("PENDANT-AU", "PENDANT-AU", 1, "599.00")], tax="49.42",
            why="clean; cross-border to the US, goods CNY 4,240.92 < 5,000 and above floor CNY 3,800")
    shopify("SB-11", 11, "USD", A["us_wa"], [(S2, S2, 6, "45.00")], attrs=[("baby_age_months", "9")],
            why="clean; 6 cans is the limit, not over it; cart attribute baby_age_months 9 fits stage 2")
    shopify("SB-12", 12, "HKD", A["hk_en"], [(S2, S2, 2, "330.00")], ship="40.00", note="寶寶今年8個月大，謝謝",
            why="clean; note in traditional Chinese: 8 months, stage 2; cross-border CN to HK with HS codes on file")
    shopify("SB-13", 13, "USD", A["us_sf"], [("MASK-HYA-10", "MASK-HYA-10", 2, "16.00")], ship="6.00", tax="2.72", delta="12.00",
            expected=["amount_mismatch"], why="total_price 12.00 above lines + shipping + tax")
    shopify("SB-14", 14, "EUR", A["de_muc"], [("HONEY-MG-250", "HONEY-MG-250", 1, "45.00")], ship="6.90", tax="8.29",
            taxes_included=True, duties="7.40", delta="-7.40", expected=["amount_mismatch"],
            why="duties 7.40 collected (current_total_duties_set) but total_price leaves them out: 7.40 below the components")
    shopify("SB-15", 15, "USD", spec_addr("us_ny", zip=""), [("FISHOIL-90", "FISHOIL-90", 2, "28.00")], ship="7.00",
            expected=["address_incomplete"], why="US address without ZIP code")
    shopify("SB-16", 16, "AUD", spec_addr("au_mel", prov="", prov_code="", prov_label=""), [("HONEY-MG-250", "HONEY-MG-250", 1, "80.00")],
            ship="12.00", expected=["address_incomplete"], why="Australian address without state")
    shopify("SB-17", 17, "GBP", spec_addr("gb_man", phone="+44 161 234 56"), [("MASK-HYA-10", "MASK-HYA-10", 2, "13.00")], ship="3.99",
            tax="4.99", taxes_included=True, phone_label="invalid", expected=["phone_invalid"], why="UK number too short")
    shopify("SB-18", 18, "USD", spec_addr("us_wa", phone="+1 (123) 456-7890"), [("FISHOIL-90", "FISHOIL-90", 1, "29.00")], ship="5.00",
            phone_label="invalid", expected=["phone_invalid"], why="US area code 123 does not exist")
    shopify("SB-19", 19, "USD", A["us_tx"], [("HONEY-MG-250", "HONEY-MG-250", 1, "52.00")], ship="8.00", no_name=True,
            expected=["missing_field"], why="no recipient name anywhere (shipping address, billing, customer)")
    shopify("SB-20", 20, "USD", A["us_sf"], [("", None, 1, "39.00")], ship="5.00", expected=["unmapped_sku"],
            why="custom line item without a SKU")
    shopify("SB-21", 21, "USD", A["us_ny"], [(S1, S1, 2, "48.00")], ship="8.00", note="Baby is 10 months old",
            expected=["age_stage_mismatch"], why="stage 1 (0-6 months) for a 10-month-old")
    shopify("SB-22", 22, "USD", A["us_den"], [("WSK-SM-700", "WSK-SM-700", 1, "115.00")], tax="3.32",
            attrs=[("buyer_age", "17")], expected=["age_restricted"], why="whisky; cart attribute buyer_age 17 < 18")
    shopify("SB-23", 23, "USD", A["us_tx"], [(S3, S3, 8, "40.00")], ship="0.00", expected=["quantity_limit"],
            why="8 cans of formula, limit 6 per customer")
    shopify("SB-24", 24, "AUD", A["au_syd"], [("PANDA-PLUSH", "PANDA-PLUSH", 2, "32.00")], ship="12.00",
            expected=["cross_border_docs"], why="to Australia from a mainland warehouse (payload says nothing); panda plush has no origin on file")
    shopify("SB-25", 25, "USD", A["us_wa"], [("LAPTOP-14", "LAPTOP-14", 2, "1099.00")], tax="221.00",
            expected=["declared_value_limit"], why="to the US, goods 2 x 1,099 USD = CNY 15,561.84 > 5,000")
    shopify("SB-26", 26, "USD", A["us_sf"], [("FISHOIL-90", "FISHOIL-90", 1, "9.99")], ship="5.00",
            expected=["price_below_floor"], why="9.99 USD = CNY 70.73 < floor CNY 140")
    shopify("SB-27", 27, "CAD", A["ca_tor"], [("HONEY-MG-250", "HONEY-MG-250", 1, "72.00")], ship="14.00", tax="11.18",
            expected=["fx_rate_missing"], why="CAD has no rate in the table")
    shopify("SB-28", 28, "USD", A["us_ny"], [("UMBRELLA-FD", "UMBRELLA-FD", 1, "14.00")], ship="5.00",
            expected=["backorder"], why="umbrella has no stock anywhere")
    shopify("SB-29", 29, "USD", A["us_sf"], [("MASK-HYA-10", "MASK-HYA-10", 1, "15.00")], refusal="signature",
            why="X-Shopify-Hmac-Sha256 computed with another app's secret")
    shopify("SB-30", 30, "USD", A["us_sf"], [("MASK-HYA-10", "MASK-HYA-10", 1, "15.00")], refusal="payload",
            why="body cut off half-way (not JSON), correctly signed")

    # ---------------- WooCommerce (woo_b) ----------------
    woo("WB-01", 1, "EUR", A["de_ber"], [("MASK-HYA-10", "MASK-HYA-10", 4, "14.50")], ship="4.90", tax_rate="0.19",
        fees=[("Geschenkverpackung", "3.50")], why="clean; 19% VAT on lines, shipping and a gift-wrap fee")
    woo("WB-02", 2, "GBP", A["gb_man"], [("HONEY-MG-250", "HONEY-MG-250", 2, "38.00")], ship="5.00", coupon=("WELCOME10", "7.60"),
        fees=[("Shipping insurance", "2.50")], why="clean; coupon line and an insurance fee line")
    woo("WB-03", 3, "EUR", A["fr_par"], [("SAKE-JM-720", "SAKE-JM-720", 1, "72.00")], ship="8.00",
        fees=[("Loyalty points redeemed", "-5.00")], why="clean; a negative fee line (loyalty discount)")
    woo("WB-04", 4, "USD", A["us_sf"], [("FISHOIL-90", "FISHOIL-90", 3, "29.00")], ship="7.50", tax_rate="0.08625",
        fees=[("Cash on delivery fee", "2.00")], why="clean; sales tax on lines, shipping and the COD fee")
    woo("WB-05", 5, "EUR", A["de_muc"], [(S2, S2, 2, "42.00")], ship="5.90", note="Unser Baby ist 7 Monate alt.",
        why="clean; note in German (7 months, stage 2 fits either way)")
    woo("WB-06", 6, "JPY", A["jp_tky"], [("MASK-HYA-10", "MASK-HYA-10", 2, "1800")], ship="600", coupon=("NEWYEAR", "200"),
        why="clean; JPY, coupon")
    woo("WB-07", 7, "AUD", A["au_mel"], [(S1, S1, 2, "62.00")], ship="12.00", meta=[("baby_age_months", "3"), ("_wc_order_attribution_source_type", "organic")],
        why="clean; meta_data baby_age_months 3 fits stage 1")
    woo("WB-08", 8, "GBP", A["gb_ldn"], [("WSK-SM-700", "WSK-SM-700", 1, "79.00")], note="Gift - please include a card. I am 42.",
        why="clean; whisky, buyer states 42")
    woo("WB-09", 9, "EUR", A["de_ber"], [("HONEY-MG-250", "HONEY-MG-250", 1, "44.00")], ship="5.90",
        fees=[("Transportversicherung", "3.00")], delta="-3.00", expected=["amount_mismatch"],
        why="insurance fee line 3.00 present but total leaves it out")
    woo("WB-10", 10, "GBP", A["gb_ldn"], [("MASK-HYA-10", "MASK-HYA-10", 2, "13.50")], ship="3.95", delta="1.00",
        expected=["amount_mismatch"], why="total 1.00 above lines + shipping")
    woo("WB-11", 11, "EUR", spec_addr("de_muc", zip=""), [("FISHOIL-90", "FISHOIL-90", 1, "27.00")], ship="4.90",
        expected=["address_incomplete"], why="German address without postcode")
    woo("WB-12", 12, "USD", spec_addr("us_tx", city=""), [("FISHOIL-90", "FISHOIL-90", 1, "27.00")], ship="6.00",
        expected=["address_incomplete"], why="US address without city")
    woo("WB-13", 13, "EUR", spec_addr("de_ber", phone="+49 30 12"), [("MASK-HYA-10", "MASK-HYA-10", 2, "14.00")], ship="4.90",
        phone_label="invalid", expected=["phone_invalid"], why="German number too short")
    woo("WB-14", 14, "EUR", spec_addr("fr_par", phone="+33 1 23 45"), [("MASK-HYA-10", "MASK-HYA-10", 2, "14.00")], ship="6.90",
        phone_label="invalid", expected=["phone_invalid"], why="French number too short")
    woo("WB-15", 15, "EUR", A["de_ber"], [("WOO-TEA-OOLONG", None, 1, "24.00")], ship="4.90",
        expected=["unmapped_sku"], why="SKU not in catalogue or crosswalk")
    woo("WB-16", 16, "EUR", A["de_muc"], [("VASE-QH-30", "VASE-QH-30", 1, "189.00")], ship="19.00",
        expected=["not_sellable_in_channel"], why="vase is sellable on tmall_b, jd_b, po_b only")
    woo("WB-17", 17, "GBP", A["gb_man"], [(S3, S3, 2, "36.00")], ship="4.50", note="Our baby is 5 months old",
        expected=["age_stage_mismatch"], why="stage 3 (12-36 months) for a 5-month-old")
    woo("WB-18", 18, "GBP", A["gb_ldn"], [("KETTLE-1L7", "KETTLE-1L7", 1, "39.00")], ship="8.00",
        expected=["cross_border_docs"], why="to the UK from a mainland warehouse; kettle has no HS code")
    woo("WB-19", 19, "CHF", A["ch_zrh"], [("HONEY-MG-250", "HONEY-MG-250", 1, "48.00")], ship="9.00",
        expected=["fx_rate_missing"], why="CHF has no rate in the table")
    woo("WB-20", 20, "GBP", A["gb_man"], [("HONEY-MG-250", "HONEY-MG-250", 1, "18.00")], ship="3.95",
        expected=["price_below_floor"], why="18 GBP = CNY 161.10 < floor CNY 260")
    woo("WB-21", 21, "EUR", A["de_ber"], [("UMBRELLA-FD", "UMBRELLA-FD", 2, "12.00")], ship="4.90",
        expected=["backorder"], why="umbrella has no stock anywhere")
    woo("WB-22", 22, "EUR", A["de_ber"], [("MASK-HYA-10", "MASK-HYA-10", 1, "14.00")], refusal="signature",
        why="signature computed over a different serialisation of the order than the bytes sent")
    woo("WB-23", 23, "EUR", A["de_ber"], [("MASK-HYA-10", "MASK-HYA-10", 1, "14.00")], refusal="payload", bad_qty=True,
        why="line quantity is the string \"two\"")

    # ---------------- TikTok Shop (tts_b) ----------------
    tiktok("TT-01", 1, "USD", A["us_sf"], [("TT-FISHOIL", "FISHOIL-90", 2, "29.99")], seller="3.00", platform="2.00",
           ship="5.99", ship_platform="5.99", tax="4.50", masked="(+1)415-***-8030",
           why="clean; crosswalk seller_sku; seller and platform discounts; platform pays shipping")
    tiktok("TT-02", 2, "USD", A["us_ny"], [("MASK-HYA-10", "MASK-HYA-10", 3, "15.99")], seller="4.80", tax="3.83", ship="4.99",
           masked="(+1)212-***-3100", why="clean; seller discount, tax")
    tiktok("TT-03", 3, "GBP", A["gb_ldn"], [("HONEY-MG-250", "HONEY-MG-250", 1, "36.99")], platform="3.00", ship="3.99",
           masked="(+44)20*****688", why="clean; UK, platform discount")
    tiktok("TT-04", 4, "SGD", A["sg"], [(S3, S3, 2, "55.90")], ship="4.00", note="baby 16 months",
           masked="(+65)9***4567", why="clean; SGD; 16 months fits stage 3")
    tiktok("TT-05", 5, "USD", A["us_tx"], [(S2, S2, 4, "44.99")], note="for my 10-month-old", masked="(+1)512-***-5171",
           why="clean; 10 months fits stage 2")
    tiktok("TT-06", 6, "USD", A["us_den"], [("MASK-HYA-10", "MASK-HYA-10", 1, "12.99")], ship="3.99", tax="1.05",
           retail_delivery_fee="0.28", small_order_fee="1.00", masked="(+1)303-***-2121",
           why="clean; Colorado retail delivery fee and a small-order fee in total_amount")
    tiktok("TT-07", 7, "GBP", A["gb_man"], [("HONEY-MG-250", "HONEY-MG-250", 2, "37.50")], seller="5.00", ship="0.00",
           masked="(+44)161****678", why="clean; seller discount split over two units")
    tiktok("TT-08", 8, "USD", A["us_wa"], [("TT-FISHOIL", "FISHOIL-90", 1, "28.99"), ("MASK-HYA-10", "MASK-HYA-10", 1, "14.99")],
           seller="2.00", platform="1.50", ship="6.99", ship_seller="2.00", tax="3.90", masked="(+1)206-***-2100",
           why="clean; two products, discounts on lines and shipping")
    tiktok("TT-09", 9, "USD", A["us_sf"], [("MASK-HYA-10", "MASK-HYA-10", 2, "15.99")], ship="4.99", tax="2.80", delta="2.00",
           masked="(+1)415-***-8030", expected=["amount_mismatch"], why="total_amount 2.00 above the components")
    tiktok("TT-10", 10, "USD", A["us_ny"], [("FISHOIL-90", "FISHOIL-90", 2, "29.99")], platform="3.00", ship="5.99", delta="-3.00",
           masked="(+1)212-***-3100", expected=["amount_mismatch"], why="total_amount 3.00 below: platform discount taken twice")
    tiktok("TT-11", 11, "USD", spec_addr("us_tx", zip=""), [("MASK-HYA-10", "MASK-HYA-10", 2, "15.99")], ship="4.99",
           masked="(+1)512-***-5171", expected=["address_incomplete"], why="US address without postal code")
    tiktok("TT-12", 12, "GBP", spec_addr("gb_man", zip=""), [("HONEY-MG-250", "HONEY-MG-250", 1, "37.00")], ship="3.99",
           masked="(+44)161****678", expected=["address_incomplete"], why="UK address without postcode")
    tiktok("TT-13", 13, "USD", A["us_wa"], [("FISHOIL-90", "FISHOIL-90", 1, "29.99")], ship="4.99", no_name=True,
           masked="(+1)206-***-2100", expected=["missing_field"], why="recipient name empty")
    tiktok("TT-14", 14, "USD", A["us_sf"], [("", None, 1, "19.99")], ship="4.99", masked="(+1)415-***-8030",
           expected=["unmapped_sku"], why="seller_sku empty")
    tiktok("TT-15", 15, "USD", A["us_ny"], [("SAKE-JM-720", "SAKE-JM-720", 1, "69.00")], ship="5.99",
           masked="(+1)212-***-3100", expected=["not_sellable_in_channel"], why="sake is not sellable on tts_b")
    tiktok("TT-16", 16, "USD", A["us_tx"], [(S2, S2, 2, "44.99")], note="Baby is 3 months old", masked="(+1)512-***-5171",
           expected=["age_stage_mismatch"], why="stage 2 (6-12 months) for a 3-month-old")
    tiktok("TT-17", 17, "USD", A["us_wa"], [(S1, S1, 7, "47.00")], masked="(+1)206-***-2100",
           expected=["quantity_limit"], why="7 cans (seven unit line items), limit 6")
    tiktok("TT-18", 18, "USD", A["us_sf"], [("LAPTOP-14", "LAPTOP-14", 1, "1199.00")], tax="101.92", masked="(+1)415-***-8030",
           expected=["declared_value_limit"], why="to the US, goods 1,199 USD = CNY 8,488.92 > 5,000")
    tiktok("TT-19", 19, "USD", A["us_ny"], [("HONEY-MG-250", "HONEY-MG-250", 1, "19.99")], ship="4.99",
           masked="(+1)212-***-3100", expected=["price_below_floor"], why="19.99 USD = CNY 141.53 < floor CNY 260")
    tiktok("TT-20", 20, "USD", A["us_den"], [("PANDA-PLUSH", "PANDA-PLUSH", 2, "18.99")], ship="4.99",
           masked="(+1)303-***-2121", expected=["cross_border_docs"], why="to the US from a mainland warehouse; plush has no origin")
    tiktok("TT-21", 21, "USD", A["us_sf"], [("MASK-HYA-10", "MASK-HYA-10", 1, "15.99")], refusal="signature",
           why="Authorization is HMAC over the body without the app_key prefix")
    tiktok("TT-22", 22, "USD", A["us_sf"], [("MASK-HYA-10", "MASK-HYA-10", 1, "15.99")], refusal="payload",
           why="data.orders is empty")

    # ---------------- Taobao / Tmall (tmall_b) ----------------
    taobao("TM-01", 1, A["cn_hz"], [(S1, S1, 2, "318.00")], shop_disc="20.00", note="宝宝刚满两个月",
           why="clean; shop 满减 20 (part_mjz_discount); 2 months fits stage 1")
    taobao("TM-02", 2, A["cn_sh"], [("TMB-HONEY250", "HONEY-MG-250", 2, "358.00")], post="10.00", adjust="-6.00",
           why="clean; crosswalk outer_sku_id; receiver_state 上海; post_fee and adjust_fee -6")
    taobao("TM-03", 3, A["cn_bj"], [("SAKE-JM-720", "SAKE-JM-720", 1, "520.00")], note="请在12月20日前送达，谢谢",
           why="clean; a delivery date in the message is not an age; sake without age statement")
    taobao("TM-04", 4, A["cn_nn"], [(S3, S3, 3, "278.00", "30.00")], note="孩子一岁三个月了",
           why="clean; 广西壮族自治区; line discount 30 (platform coupon); 15 months fits stage 3")
    taobao("TM-05", 5, A["hk_zh"], [(S2, S2, 2, "298.00")], post="25.00", note="宝宝九个月",
           why="clean; 香港特别行政区 -> HK, cross-border with HS codes, CNY 596 < 5,000; 9 months stage 2")
    taobao("TM-06", 6, A["tw_zh"], [("HONEY-MG-250", "HONEY-MG-250", 1, "358.00")], post="30.00",
           why="clean; 台湾 -> TW, cross-border, docs on file")
    taobao("TM-07", 7, A["mo_zh"], [("MASK-HYA-10", "MASK-HYA-10", 5, "99.00")], post="20.00",
           why="clean; 澳门特别行政区 -> MO, cross-border, docs on file")
    taobao("TM-08", 8, A["cn_cq"], [("VASE-QH-30", "VASE-QH-30", 1, "1280.00")],
           why="clean; vase is sellable on tmall_b; receiver_state 重庆")
    taobao("TM-09", 9, A["cn_cd"], [("LAPTOP-14", "LAPTOP-14", 1, "7999.00", "200.00")],
           why="clean; domestic, so no declared-value limit; line discount 200")
    taobao("TM-10", 10, A["cn_wh"], [(S3, S3, 2, "278.00")], phone="159****2345", phone_label="masked",
           note="宝宝2025年6月出生", why="clean; masked mobile; born June 2025 = 18 months, stage 3")
    taobao("TM-11", 11, A["cn_hz"], [("FISHOIL-90", "FISHOIL-90", 2, "198.00")], post="8.00", delta="12.00",
           expected=["amount_mismatch"], why="payment 12.00 above total_fee - discount_fee + adjust_fee + post_fee")
    taobao("TM-12", 12, A["cn_sz"], [("HONEY-MG-250", "HONEY-MG-250", 1, "358.00")], post="12.00", delta="-12.00",
           expected=["amount_mismatch"], why="payment leaves out post_fee 12")
    taobao("TM-13", 13, spec_addr("cn_nj", district=""), [("MASK-HYA-10", "MASK-HYA-10", 2, "99.00")],
           expected=["address_incomplete"], why="receiver_district empty")
    taobao("TM-14", 14, spec_addr("cn_xm", city=""), [("MASK-HYA-10", "MASK-HYA-10", 2, "99.00")],
           expected=["address_incomplete"], why="receiver_city empty")
    taobao("TM-15", 15, A["cn_sy"], [("FISHOIL-90", "FISHOIL-90", 1, "198.00")], phone="1380013800", phone_label="invalid",
           expected=["phone_invalid"], why="10-digit mobile")
    taobao("TM-16", 16, A["cn_cd"], [("FISHOIL-90", "FISHOIL-90", 1, "198.00")], phone="12345678901", phone_label="invalid",
           expected=["phone_invalid"], why="no mainland mobile prefix 123")
    taobao("TM-17", 17, A["cn_bj"], [("HONEY-MG-250", "HONEY-MG-250", 1, "358.00")], no_name=True,
           expected=["missing_field"], why="receiver_name empty")
    taobao("TM-18", 18, A["cn_sh"], [("", None, 1, "168.00")], expected=["unmapped_sku"],
           why="商家编码 empty (outer_iid, outer_sku_id)")
    taobao("TM-19", 19, A["cn_wh"], [("UMBRELLA-FD", "UMBRELLA-FD", 2, "79.00")], expected=["backorder"],
           why="umbrella has no stock anywhere")
    taobao("TM-20", 20, A["cn_hz"], [(S1, S1, 2, "318.00")], note="宝宝已经十一个月了", expected=["age_stage_mismatch"],
           why="stage 1 (0-6 months) for an 11-month-old")
    taobao("TM-21", 21, A["cn_sz"], [(S3, S3, 2, "278.00")], note="宝宝2026年5月出生，麻烦尽快发货", expected=["age_stage_mismatch"],
           why="stage 3 (12-36 months); born May 2026 = about 7 months")
    taobao("TM-22", 22, A["cn_nj"], [("WSK-SM-700", "WSK-SM-700", 1, "780.00")], note="本人今年16岁", expected=["age_restricted"],
           why="whisky; buyer writes that they are 16")
    taobao("TM-23", 23, A["cn_cq"], [(S2, S2, 9, "298.00")], expected=["quantity_limit"], why="9 cans, limit 6")
    taobao("TM-24", 24, A["tw_zh"], [("KETTLE-1L7", "KETTLE-1L7", 1, "269.00")], post="40.00", expected=["cross_border_docs"],
           why="to Taiwan (台湾) from a mainland warehouse; kettle has no HS code")
    taobao("TM-25", 25, A["cn_sz"], [("OIL-WL-50", "OIL-WL-50", 3, "88.00")], expected=["cross_border_docs"],
           why="oil is stocked only in Hong Kong: HK to mainland is cross-border, and it has no HS code")
    taobao("TM-26", 26, A["hk_zh"], [("PENDANT-AU", "PENDANT-AU", 2, "4600.00")], expected=["declared_value_limit"],
           why="to Hong Kong, goods CNY 9,200 > 5,000")
    taobao("TM-27", 27, A["cn_hz"], [(S1, S1, 1, "158.00")], expected=["price_below_floor"], why="CNY 158 < floor CNY 230")
    taobao("TM-28", 28, A["cn_hz"], [("MASK-HYA-10", "MASK-HYA-10", 1, "99.00")], refusal="signature",
           why="X-Top-Sign made with another secret")
    taobao("TM-29", 29, A["cn_hz"], [("MASK-HYA-10", "MASK-HYA-10", 1, "99.00")], refusal="payload",
           why="response without a trade object")

    # ---------------- JD (jd_b) ----------------
    jd("JD-01", 1, A["cn_bj"], [("", "FISHOIL-90", 2, "198.00", "100045678901")], seller_disc="20.00",
       why="clean; no outerSkuId, JD skuId mapped in the crosswalk; province 北京; seller discount")
    jd("JD-02", 2, A["cn_sz"], [(S2, S2, 3, "298.00")], seller_disc="30.00", note="宝宝10个月", mobile="139****1234",
       phone_label="masked", why="clean; masked mobile; 10 months fits stage 2")
    jd("JD-03", 3, A["cn_sy"], [("LAPTOP-14", "LAPTOP-14", 1, "7999.00")], seller_disc="300.00",
       why="clean; domestic laptop")
    jd("JD-04", 4, A["cn_hhht"], [("VASE-QH-30", "VASE-QH-30", 1, "1280.00")], freight="15.00",
       why="clean; province 内蒙古 -> 内蒙古自治区; freight")
    jd("JD-05", 5, A["cn_cq"], [("SAKE-JM-720", "SAKE-JM-720", 2, "520.00")], why="clean; sake sellable on jd_b")
    jd("JD-06", 6, spec_addr("cn_hz", phone="0571-88886666"), [("HONEY-MG-250", "HONEY-MG-250", 1, "358.00")], mobile="",
       telephone=True, why="clean; only a landline (telephone), no mobile")
    jd("JD-07", 7, A["cn_nj"], [("FISHOIL-90", "FISHOIL-90", 1, "198.00")], freight="6.00", delta="10.00",
       expected=["amount_mismatch"], why="orderPayment 10.00 above orderSellerPrice + freightPrice")
    jd("JD-08", 8, spec_addr("cn_wh", district=""), [("MASK-HYA-10", "MASK-HYA-10", 2, "99.00")],
       expected=["address_incomplete"], why="county (区县) empty")
    jd("JD-09", 9, A["cn_xm"], [("MASK-HYA-10", "MASK-HYA-10", 2, "99.00")], mobile="1891234567", phone_label="invalid",
       expected=["phone_invalid"], why="10-digit mobile")
    jd("JD-10", 10, A["cn_cd"], [("JD-UNKNOWN-01", None, 1, "99.00")], expected=["unmapped_sku"],
       why="outerSkuId and skuId not in catalogue or crosswalk")
    jd("JD-11", 11, A["cn_bj"], [(S2, S2, 2, "298.00")], note="孩子两岁半了", expected=["age_stage_mismatch"],
       why="stage 2 (6-12 months) for a child of two and a half (30 months)")
    jd("JD-12", 12, A["cn_sh"], [("PENDANT-AU", "PENDANT-AU", 1, "2999.00")], expected=["price_below_floor"],
       why="CNY 2,999 < floor CNY 3,800")
    jd("JD-13", 13, A["cn_nn"], [("UMBRELLA-FD", "UMBRELLA-FD", 1, "79.00")], expected=["backorder"],
       why="umbrella has no stock anywhere")
    jd("JD-14", 14, A["cn_sy"], [(S3, S3, 7, "278.00")], expected=["quantity_limit"], why="7 cans, limit 6")
    jd("JD-15", 15, A["cn_bj"], [("MASK-HYA-10", "MASK-HYA-10", 1, "99.00")], refusal="signature",
       why="jd-sign made with another app secret")
    jd("JD-16", 16, A["cn_bj"], [("MASK-HYA-10", "MASK-HYA-10", 1, "99.00")], refusal="payload",
       why="orderDetailInfo without orderInfo")

    # ---------------- Pinduoduo (pdd_b) ----------------
    pdd("PD-01", 1, A["cn_wh"], [("PDD-MASK10", "MASK-HYA-10", 3, "89.90")], seller="5.00", platform="10.00",
        why="clean; crosswalk outer_id; seller and platform discounts")
    pdd("PD-02", 2, A["cn_cd"], [(S3, S3, 2, "259.00")], seller="8.00", note="宝宝一岁八个月",
        why="clean; 20 months fits stage 3")
    pdd("PD-03", 3, A["cn_xm"], [("FISHOIL-90", "FISHOIL-90", 2, "168.00")], phone="17012345678-4521", phone_label="masked",
        why="clean; virtual number with extension (隐私号)")
    pdd("PD-04", 4, A["cn_nj"], [("HONEY-MG-250", "HONEY-MG-250", 1, "299.00")], postage="8.00", why="clean; postage")
    pdd("PD-05", 5, spec_addr("cn_sh", prov="上海市"), [(S1, S1, 1, "279.00")], phone="186****9012", phone_label="masked",
        note="宝宝出生45天", why="clean; masked phone; 45 days fits stage 1")
    pdd("PD-06", 6, A["cn_nn"], [("KETTLE-1L7", "KETTLE-1L7", 1, "239.00")],
        why="clean; domestic, so the kettle's missing HS code does not matter")
    pdd("PD-07", 7, A["cn_hz"], [("FISHOIL-90", "FISHOIL-90", 1, "168.00")], postage="6.00", delta="5.00",
        expected=["amount_mismatch"], why="pay_amount 5.00 above goods_amount + postage - discount_amount")
    pdd("PD-08", 8, spec_addr("cn_sz", district=""), [("MASK-HYA-10", "MASK-HYA-10", 2, "89.90")],
        expected=["address_incomplete"], why="town (区县) empty")
    pdd("PD-09", 9, A["cn_sy"], [("MASK-HYA-10", "MASK-HYA-10", 2, "89.90")], phone="1990000000", phone_label="invalid",
        expected=["phone_invalid"], why="10-digit mobile")
    pdd("PD-10", 10, A["cn_bj"], [("SAKE-JM-720", "SAKE-JM-720", 1, "499.00")], expected=["not_sellable_in_channel"],
        why="sake is not sellable on pdd_b")
    pdd("PD-11", 11, A["cn_cq"], [(S1, S1, 2, "279.00")], note="宝宝快一岁了", expected=["age_stage_mismatch"],
        why="stage 1 (0-6 months) for a baby of almost one year")
    pdd("PD-12", 12, A["cn_wh"], [("MASK-HYA-10", "MASK-HYA-10", 2, "39.90")], expected=["price_below_floor"],
        why="CNY 39.90 < floor CNY 65")
    pdd("PD-13", 13, A["cn_cd"], [("", None, 1, "29.90")], expected=["unmapped_sku"], why="outer_id empty")
    pdd("PD-14", 14, A["cn_hz"], [("MASK-HYA-10", "MASK-HYA-10", 1, "89.90")], refusal="signature",
        why="pdd-sign made with another client secret")
    pdd("PD-15", 15, A["cn_hz"], [("MASK-HYA-10", "MASK-HYA-10", 1, "89.90")], refusal="payload",
        why="body cut off (not JSON)")

    # ---------------- B2B purchase orders (po_b) ----------------
    EN, ZH, XL = "po_export_en.csv", "采购订单_人民币.csv", "采购订单_境外.xlsx"
    po("PO-01", EN, "4500012001", "HKD", A["hk_en"], [("HONEY-MG-250", "HONEY-MG-250", 6, "360.00"), ("MASK-HYA-10", "MASK-HYA-10", 10, "100.00")],
       buyer="Harbour Health Distribution Ltd", why="clean; HK distributor, HKD, goods CNY 2,860.20 < 5,000")
    po("PO-02", EN, "4500012002", "CNY", spec_addr("cn_sh", phone="021-6888 1234", prov="上海市"),
       [("CUST-88120", "HONEY-MG-250", 20, "300.00"), ("FISHOIL-90", "FISHOIL-90", 30, "160.00")],
       buyer="Shanghai Jiahe Trading Co.", why="clean; buyer's part number in the crosswalk; Shanghai landline")
    po("PO-03", EN, "4500012003", "USD", A["us_tx"], [("MASK-HYA-10", "MASK-HYA-10", 20, "11.50"), ("FISHOIL-90", "FISHOIL-90", 10, "24.00")],
       buyer="Lone Star Wellness LLC", why="clean; USD, goods CNY 3,327.60 < 5,000")
    po("PO-04", EN, "4500012004", "SGD", A["sg"], [("HONEY-MG-250", "HONEY-MG-250", 5, "62.00")], buyer="Lion City Foods Pte Ltd",
       why="clean; SGD, goods CNY 1,636.80")
    po("PO-05", EN, "4500012005", "USD", A["us_sf"], [("MASK-HYA-10", "MASK-HYA-10", 20, "11.00")], delta="50.00",
       buyer="Bay Beauty Inc.", expected=["amount_mismatch"], why="PO Total 270.00 but the line adds up to 220.00")
    po("PO-06", EN, "4500012006", "USD", spec_addr("us_ny", prov="", prov_code="", prov_label=""), [("FISHOIL-90", "FISHOIL-90", 10, "24.00")],
       buyer="Empire Vitamins Corp.", expected=["address_incomplete"], why="Ship-to State/Province empty for a US address")
    po("PO-07", EN, "4500012007", "GBP", spec_addr("gb_man", phone="+44 161 496 00"), [("HONEY-MG-250", "HONEY-MG-250", 4, "36.00")],
       buyer="Northern Larder Ltd", phone_label="invalid", expected=["phone_invalid"], why="UK landline too short")
    po("PO-08", EN, "4500012008", "CNY", A["cn_cd"], [("ZZ-9001", None, 10, "45.00")], buyer="成都锦程商贸有限公司",
       expected=["unmapped_sku"], why="Item Code not in catalogue or crosswalk")
    po("PO-09", EN, "4500012009", "KRW", A["kr_sel"], [("MASK-HYA-10", "MASK-HYA-10", 20, "19000")], buyer="Hanbit Cosmetics Co., Ltd.",
       expected=["fx_rate_missing"], why="KRW has no rate in the table")
    po("PO-10", EN, "4500012010", "USD", A["us_wa"], [("FISHOIL-90", "FISHOIL-90", 10, "12.00")], buyer="Cascade Naturals",
       expected=["price_below_floor"], why="12 USD = CNY 84.96 < floor CNY 140")
    po("PO-11", ZH, "CG20261204-001", "CNY", A["cn_hz"], [(S3, S3, 6, "245.00")], buyer="杭州贝乐母婴用品有限公司",
       why="clean; 6 cans (at the limit)")
    po("PO-12", ZH, "CG20261204-002", "CNY", A["cn_cd"], [("VASE-QH-30", "VASE-QH-30", 2, "1100.00")], buyer="成都蜀韵文化有限公司",
       why="clean; vase sellable on po_b")
    po("PO-13", ZH, "CG20261204-003", "CNY", A["cn_bj"], [("WSK-SM-700", "WSK-SM-700", 6, "690.00")], buyer="北京京华酒业有限公司",
       why="clean; B2B whisky, no age statement")
    po("PO-14", ZH, "CG20261204-004", "CNY", spec_addr("cn_wh", district=""), [("FISHOIL-90", "FISHOIL-90", 10, "160.00")],
       buyer="武汉康源医药有限公司", expected=["address_incomplete"], why="区县 empty")
    po("PO-15", ZH, "CG20261204-005", "CNY", A["cn_nj"], [("MASK-HYA-10", "MASK-HYA-10", 30, "75.00")], no_name=True,
       buyer="南京丽人美妆有限公司", expected=["missing_field"], why="收货人 empty")
    po("PO-16", ZH, "CG20261204-006", "CNY", A["cn_xm"], [("HONEY-MG-250", "HONEY-MG-250", 5, "300.00"), ("FISHOIL-90", "FISHOIL-90", 5, "160.00")],
       delta="-100.00", buyer="厦门鹭岛食品有限公司", expected=["amount_mismatch"], why="订单总金额 2,200.00 but the lines add up to 2,300.00")
    po("PO-17", ZH, "CG20261204-007", "CNY", A["cn_sy"], [("UMBRELLA-FD", "UMBRELLA-FD", 50, "50.00")], buyer="沈阳北方百货有限公司",
       expected=["backorder"], why="umbrella has no stock anywhere")
    po("PO-18", ZH, "CG20261204-008", "CNY", A["cn_sz"], [("HONEY-MG-250", "HONEY-MG-250", 10, "199.00")], buyer="深圳鹏城优选有限公司",
       expected=["price_below_floor"], why="CNY 199 < floor CNY 260")
    po("PO-19", XL, "HW-2612-01", "HKD", A["hk_zh"], [("MASK-HYA-10", "MASK-HYA-10", 10, "100.00")], country_text="中国香港",
       buyer="港怡贸易有限公司", why="clean; 收货国家/地区 中国香港 -> HK; HKD")
    po("PO-20", XL, "HW-2612-02", "HKD", A["mo_zh"], [("MASK-HYA-10", "MASK-HYA-10", 5, "105.00")], country_text="澳門",
       buyer="澳門健康之選有限公司", why="clean; 澳門 -> MO; paid in HKD (has a rate)")
    po("PO-21", XL, "HW-2612-03", "TWD", A["tw_zh"], [("HONEY-MG-250", "HONEY-MG-250", 3, "1550")], country_text="台灣",
       buyer="台灣好食股份有限公司", expected=["fx_rate_missing"], why="TWD has no rate in the table")
    po("PO-22", XL, "HW-2612-04", "HKD", A["hk_zh"], [("KETTLE-1L7", "KETTLE-1L7", 2, "300.00")], country_text="香港",
       buyer="港怡贸易有限公司", expected=["cross_border_docs"], why="to Hong Kong from a mainland warehouse; kettle has no HS code")


# ----- one customer per record --------------------------------------------------------------
_K = [0]
CN_GIVEN = ["思远", "晓婷", "海波", "雨桐", "子涵", "嘉怡", "浩然", "雅文", "欣怡", "俊杰", "梓萱", "宇航", "诗涵", "明轩", "可馨", "博文",
            "若曦", "天佑", "静怡", "一鸣"]
EN_GIVEN = ["Emily", "Oliver", "Sofia", "Daniel", "Hannah", "Lena", "Jonas", "Camille", "Yuki", "Jack", "Chloe", "Noah", "Mia",
            "Lucas", "Grace", "Leo", "Ava", "Ethan", "Isla", "Felix"]


def uniq(a: dict[str, Any]) -> dict[str, Any]:
    """Every record gets its own recipient, phone and flat, so per-customer limits and
    duplicate/velocity checks never see a repeat across records."""
    _K[0] += 1
    k = _K[0]
    a = dict(a)
    if a["phone"] and not is_invalid(a["phone"], a["country"]):
        digits = [i for i, c in enumerate(a["phone"]) if c.isdigit()]
        ph = list(a["phone"])
        for pos, d in zip(digits[-3:], f"{k:03d}", strict=True):
            ph[pos] = d
        a["phone"] = "".join(ph)
        if is_invalid(a["phone"], a["country"]):
            raise AssertionError((a["phone"], k))
    if a["name"]:
        if a["country"] in ("CN", "HK", "MO", "TW") and not a["name"].isascii():
            a["name"] = a["name"][0] + CN_GIVEN[k % len(CN_GIVEN)]
        else:
            a["name"] = EN_GIVEN[k % len(EN_GIVEN)] + " " + a["name"].split(" ", 1)[-1]
    if a["country"] in ("CN", "HK", "MO", "TW") and not a["street"].isascii():
        a["street"] = a["street"] + f"（{k}号信箱）" if a["country"] == "CN" else a["street"] + f" {k}室"
        if a["country"] == "CN":
            a["street"] = a["street"].replace(f"（{k}号信箱）", "") + f"{k}单元"
    else:
        a["street"] = a["street"] + f", Unit {k}"
    return a


# ----- self-check and output ------------------------------------------------------------------
HK_ONLY = {"OIL-WL-50"}


def check() -> None:
    ids = set()
    for lab in LABELS:
        assert lab["id"] not in ids, lab["id"]
        ids.add(lab["id"])
        exp = lab["expected"]
        assert len(exp) <= 1
        f = lab["fields"]
        if f is None:
            continue
        cur = f["currency"]
        rate = RATES.get(cur)
        if rate is None:
            assert exp == ["fx_rate_missing"], lab["id"]
            continue
        code = exp[0] if exp else ""
        below = []
        value = D(0)
        for ln in f["lines"]:
            if ln["sku"] is None:
                continue
            s = SKU[ln["sku"]]["attributes"]
            cny = D(ln["unit_price"]) * rate
            value += cny * ln["quantity"]
            if cny < D(s["floor_price"]):
                below.append(ln["sku"])
            elif code != "price_below_floor":
                assert cny >= D(s["floor_price"]) * D("1.10"), (lab["id"], ln, cny)
        assert bool(below) == (code == "price_below_floor"), (lab["id"], below)
        skus = {ln["sku"] for ln in f["lines"]}
        src = "HK" if skus and skus <= HK_ONLY else "CN"
        if f["country"] != src and code not in ("declared_value_limit",):
            assert value < D(4500), (lab["id"], value)
        if code == "declared_value_limit":
            assert value > D(8000), (lab["id"], value)
        if f["phone_e164"] == "invalid":
            assert code == "phone_invalid"
        if code == "phone_invalid":
            assert f["phone_e164"] == "invalid"


def main() -> None:
    for sub in ("shopify", "woocommerce", "tiktok", "taobao", "jd", "pdd", "b2b"):
        for old in (HERE / "payloads" / sub).glob("*") if (HERE / "payloads" / sub).exists() else []:
            old.unlink()
    specs()
    write_po_files()
    check()
    with (HERE / "labels.jsonl").open("w", encoding="utf-8") as fh:
        for lab in LABELS:
            fh.write(json.dumps(lab, ensure_ascii=False) + "\n")
    rows = ["| id | file | expected | what |", "|---|---|---|---|"]
    for lab in LABELS:
        rows.append(f"| {lab['id']} | `{lab['file']}` | {', '.join(lab['expected']) or 'clean'} | {lab['why']} |")
    readme = HERE / "README.md"
    text = readme.read_text(encoding="utf-8")
    head = text.split("<!-- fixtures -->")[0]
    readme.write_text(head + "<!-- fixtures -->\n\n" + "\n".join(rows) + "\n", encoding="utf-8")
    clean = sum(1 for lab in LABELS if not lab["expected"])
    print(f"{len(LABELS)} records, {clean} clean ({clean / len(LABELS):.0%})")


if __name__ == "__main__":
    main()
