"""The record specs of the independent corpus: one call per record, with its label.

Prices in foreign currencies are chosen against the catalogue's CNY floors at the rates in
rates.csv: clean lines sit 10% or more above the floor after discounts, defective ones far
below it; clean cross-border orders stay far under the CNY 5,000 declared-value limit and
defective ones far above it, so small differences in rates or rounding cannot flip a label.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

CN_NAMES = ["王伟", "李娜", "张敏", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周杰", "吴芳", "徐强", "孙悦",
            "马超", "朱琳", "胡斌", "郭敏", "何军", "高燕", "林涛", "罗丹"]
EN_NAMES = ["Emily Carter", "James Wilson", "Sophie Müller", "Hiroshi Tanaka", "Olivia Brown",
            "Lukas Schmidt", "Chloe Wong", "Daniel Lee", "Grace Kim", "Noah Davies", "Mia Fischer",
            "Yuki Sato", "Ava Thompson", "Ethan Ho", "Lily Chan", "Oscar Evans"]


def define(M: ModuleType) -> None:  # noqa: C901, PLR0915 - a flat list of records
    n = [0]

    def nxt() -> int:
        n[0] += 1
        return n[0]

    def rec(rid: str, ch: str, cur: str, lines: list[Any], addr: Any, exp: list[str], *,
            phone: tuple[str, str] | None = None, name: str | None = None, **kw: Any) -> Any:
        i = nxt()
        if name is None:
            name = (CN_NAMES if addr.country == "CN" or ch == "taobao" else EN_NAMES)[i % 16 if ch != "taobao" else i % 20]
        if phone is None:
            if addr.country == "CN":
                raw = M.cn_mobile(i)
                phone = (raw, M.e164(raw, "CN"))
            elif ch == "taobao":
                raw, lab = M.phone_for(addr.country, i)
                cc = lab[1:4] if addr.country in ("HK", "MO") else lab[1:4]
                phone = ("00" + lab[1:], lab)
                assert cc
            elif ch == "tiktok":
                raw, lab = M.phone_for(addr.country, i)
                # TikTok Shop masks buyers' phones: "(+1)213-***-1234" (Get Order Detail sample)
                digits = lab[len("+1"):] if addr.country == "US" else lab[3:]
                cc = "+1" if addr.country == "US" else lab[:3]
                if addr.country == "US":
                    phone = (f"({cc}){digits[:3]}-***-{digits[-4:]}", "masked")
                else:
                    phone = (f"({cc}){digits[:4]}***{digits[-3:]}", "masked")
            else:
                phone = M.phone_for(addr.country, i)
        return M.add(M.Rec(rid, ch, cur, lines, addr, name, phone[0], phone[1], exp, **kw))

    L, D = M.L, M.D
    cn, us, gb, de, jp, hk_en, hk_zh, mo_zh, tw_zh, other = (
        M.cn, M.us, M.gb, M.de, M.jp, M.hk_en, M.hk_zh, M.mo_zh, M.tw_zh, M.other)

    def inv(raw: str, region: str) -> tuple[str, str]:
        M.assert_invalid(raw, region)
        return raw, "invalid"

    # ================================ Shopify (shopify_intl) ================================
    s = "shopify"
    rec("SH-01", s, "USD", [L("SKN-SERUM-30", 1, "89.00", tax="6.45")], us(0), [], ship=D("15.00"))
    rec("SH-02", s, "USD", [L("VIT-D3-60", 2, "19.90", tax="2.89")], us(1), [], ship=D("12.00"), tip=D("5.00"),
        why="clean; the total includes a 5.00 tip (total_tip_received)")
    rec("SH-03", s, "USD", [L("TEA-LJ-250", 2, "45.00", duty="6.30")], us(2), [], ship=D("18.00"),
        why="clean; duties collected at checkout (line_items[].duties, current_total_duties_set) are in total_price")
    rec("SH-04", s, "GBP", [L("SILK-SCARF", 1, "49.00", tax="8.17")], gb(0), [], ship=D("9.00"),
        taxes_included=True, why="clean; UK shop, prices include VAT (taxes_included)")
    rec("SH-05", s, "EUR", [L("BOTTLE-PPSU-240", 2, "19.50", disc="3.90", tax="5.61")], de(0), [],
        ship=D("7.90"), taxes_included=True, why="clean; EU shop, VAT included, discount code on the line")
    rec("SH-06", s, "HKD", [L("IF-S2-800", 2, "285.00")], hk_en(0), [], ship=D("120.00"), ship_disc=D("120.00"),
        attrs={"baby_age_months": "9"}, why="clean; free-shipping discount on shipping_lines; baby 9 months, stage 2")
    rec("SH-07", s, "JPY", [L("VIT-D3-60", 1, "2980")], jp(0), [], ship=D("1500"), why="clean; JPY, no decimals")
    rec("SH-08", s, "JPY", [L("SKN-SERUM-30", 1, "12800", duty="640")], jp(1), [], ship=D("1800"), tip=D("500"),
        why="clean; JPY with duties and a tip")
    rec("SH-09", s, "USD", [L("IF-S3-800", 2, "33.50", tax="4.86")], us(3), [], ship=D("12.00"),
        note="Baby is 14 months old, please pack carefully", why="clean; note states 14 months, stage 3 fits")
    rec("SH-10", s, "USD", [L("WN-BDX-750", 2, "56.00", tax="8.12")], us(4), [], ship=D("20.00"),
        attrs={"buyer_age": "34"}, why="clean; wine, buyer declares 34")
    rec("SH-11", s, "HKD", [L("TEA-LJ-250", 1, "348.00"), L("DIAPER-L-54", 2, "152.00")], hk_en(1), [],
        ship=D("60.00"), tip=D("20.00"), why="clean; HKD with a tip")
    rec("SH-12", s, "GBP", [L("IF-S1-800", 1, "29.90"), L("VIT-D3-60", 1, "15.50", disc="2.00")], gb(1), [],
        ship=D("12.00"), ship_disc=D("6.00"), taxes_included=True,
        why="clean; line discount and a half-price shipping discount")
    rec("SH-13", s, "EUR", [L("SKN-SERUM-30", 1, "82.00", duty="4.10", tax="13.09")], de(1), [], ship=D("9.90"),
        taxes_included=True, why="clean; EUR, VAT included, duties collected")
    rec("SH-14", s, "USD", [L("DIAPER-L-54", 3, "19.50", tax="4.24")], us(5), [], ship=D("25.00"))
    rec("SH-15", s, "USD", [L("TEA-LJ-250", 1, "45.00")], other("TW", 0), [], ship=D("15.00"),
        why="clean; Taiwan address (country TW)")
    rec("SH-16", s, "HKD", [L("VIT-D3-60", 2, "138.00")], other("MO", 0), [], ship=D("80.00"),
        why="clean; Macao address (country MO), paid in HKD")
    rec("SH-17", s, "USD", [L("SILK-SCARF", 1, "65.00", disc="6.50", tax="4.24"),
                            L("BOTTLE-PPSU-240", 1, "21.00", disc="2.10", tax="1.37")], us(6), [],
        ship=D("15.00"), ship_disc=D("5.00"), tip=D("3.00"),
        why="clean; line discounts, shipping discount, tip")
    rec("SH-18", s, "GBP", [L("VIT-D3-60", 2, "15.50")], gb(2), [], ship=D("6.00"), taxes_included=True,
        attrs={"gift_message": "Happy birthday!"})
    # defects
    rec("SH-19", s, "USD", [L("SKN-SERUM-30", 1, "89.00", tax="6.45")], us(7), ["amount_mismatch"],
        ship=D("15.00"), mismatch=D("10.00"), why="total_price is 10.00 above lines+shipping+tax")
    rec("SH-20", s, "GBP", [L("TEA-LJ-250", 1, "36.00", tax="6.00")], gb(3), ["amount_mismatch"],
        ship=D("6.00"), taxes_included=True, mismatch=D("-5.00"), why="total_price 5.00 below the components")
    rec("SH-21", s, "JPY", [L("BOTTLE-PPSU-240", 2, "3080")], jp(2), ["amount_mismatch"], ship=D("1200"),
        mismatch=D("300"), why="total_price 300 JPY above the components")
    rec("SH-22", s, "USD", [L("VIT-D3-60", 2, "19.90", tax="2.89")], us(0, no_zip=True), ["address_incomplete"],
        ship=D("12.00"), why="US address without ZIP code")
    rec("SH-23", s, "USD", [L("TEA-LJ-250", 1, "45.00", tax="3.26")], us(1, no_state=True), ["address_incomplete"],
        ship=D("12.00"), why="US address without state")
    rec("SH-24", s, "GBP", [L("SILK-SCARF", 1, "49.00", tax="8.17")], gb(0, no_zip=True), ["address_incomplete"],
        ship=D("9.00"), taxes_included=True, why="UK address without postcode")
    rec("SH-25", s, "JPY", [L("SKN-SERUM-30", 1, "12800")], jp(0, no_pref=True), ["address_incomplete"],
        ship=D("1800"), why="Japanese address without prefecture")
    rec("SH-26", s, "USD", [L("BOTTLE-PPSU-240", 2, "21.00", tax="3.05")], us(2), ["phone_invalid"],
        ship=D("10.00"), phone=inv("+1 123-456-7890", "US"), why="US number with area code 123")
    rec("SH-27", s, "GBP", [L("DIAPER-L-54", 2, "16.50")], gb(1), ["phone_invalid"], ship=D("6.00"),
        taxes_included=True, phone=inv("+44 20 1234", "GB"), why="UK number too short")
    rec("SH-28", s, "USD", [L("VIT-D3-60", 1, "19.90", tax="1.44")], us(3), ["missing_field"], ship=D("8.00"),
        name="", why="no recipient name anywhere (shipping address, billing, customer)")
    rec("SH-29", s, "USD", [L("", 1, "45.00", master=None, title="Longjing Tea 250g (new listing)")], us(4),
        ["unmapped_sku"], ship=D("12.00"), why="line without SKU (variant only), not in the crosswalk")
    rec("SH-30", s, "USD", [L("SERUM-30-V2", 1, "89.00", master=None, title="Face serum 30ml v2")], us(5),
        ["unmapped_sku"], ship=D("12.00"), why="SKU SERUM-30-V2 not in catalogue or crosswalk")
    rec("SH-31", s, "HKD", [L("TEA-GIFT-BOX", 1, "648.00")], hk_en(2), ["not_sellable_in_channel"],
        ship=D("60.00"), why="gift box sellable on tmall and b2b_po only")
    rec("SH-32", s, "USD", [L("MUG-CERAMIC", 2, "9.90")], us(6), ["backorder"], ship=D("10.00"),
        why="mug has no stock anywhere")
    rec("SH-33", s, "USD", [L("IF-S3-800", 1, "33.50")], us(7), ["age_stage_mismatch"], ship=D("10.00"),
        attrs={"baby_age_months": "3"}, why="stage 3 (12-36 months) for a 3-month-old (note_attributes)")
    rec("SH-34", s, "GBP", [L("IF-S2-800", 2, "28.90")], gb(2), ["age_stage_mismatch"], ship=D("8.00"),
        taxes_included=True, note="Baby is 2 months old, first time trying this brand",
        why="stage 2 (6-12 months) for a 2-month-old, stated in the order note")
    rec("SH-35", s, "USD", [L("WN-BDX-750", 1, "56.00", tax="4.06")], us(0), ["age_restricted"], ship=D("15.00"),
        attrs={"buyer_age": "17"}, why="wine, buyer declares 17")
    rec("SH-36", s, "HKD", [L("IF-S1-800", 9, "295.00")], hk_en(0), ["quantity_limit"], ship=D("150.00"),
        why="9 cans of formula, limit 6 per customer")
    rec("SH-37", s, "USD", [L("CANDLE-SOY", 2, "12.50")], us(1), ["cross_border_docs"], ship=D("12.00"),
        why="to the US from a CN warehouse; candle has no HS code")
    rec("SH-38", s, "GBP", [L("CANDLE-SOY", 1, "9.90"), L("VIT-D3-60", 1, "15.50")], gb(3), ["cross_border_docs"],
        ship=D("7.00"), taxes_included=True, why="to the UK; candle has no HS code")
    rec("SH-39", s, "USD", [L("WATCH-AUTO-40", 1, "1399.00")], us(2), ["declared_value_limit"], ship=D("35.00"),
        why="cross-border, goods USD 1,399 = CNY 9,933 > 5,000")
    rec("SH-40", s, "JPY", [L("CAM-X100", 1, "268000")], jp(1), ["declared_value_limit"], ship=D("2500"),
        why="cross-border, goods JPY 268,000 = CNY 12,864 > 5,000")
    rec("SH-41", s, "USD", [L("SKN-SERUM-30", 1, "49.00")], us(3), ["price_below_floor"], ship=D("10.00"),
        why="USD 49 = CNY 347.90 < floor CNY 520")
    rec("SH-42", s, "EUR", [L("TEA-LJ-250", 1, "25.00")], de(2), ["price_below_floor"], ship=D("8.00"),
        taxes_included=True, why="EUR 25 = CNY 192.50 < floor CNY 240")
    rec("SH-43", s, "SGD", [L("VIT-D3-60", 2, "26.00")], other("SG", 0), ["fx_rate_missing"], ship=D("8.00"),
        why="SGD has no rate in the table")
    rec("SH-44", s, "USD", [L("VIT-D3-60", 1, "19.90")], us(4), ["refused:signature"], ship=D("8.00"),
        refusal="bad_secret", why="signed with an old, rotated secret")
    rec("SH-45", s, "USD", [L("TEA-LJ-250", 1, "45.00")], us(5), ["refused:payload"], ship=D("8.00"),
        refusal="truncated", why="body cut in half (invalid JSON), correctly signed")
    rec("SH-46", s, "USD", [], us(6), ["refused:payload"], ship=D("8.00"), refusal="no_lines",
        why="order with no line_items")

    # ================================ WooCommerce (woo_store) ===============================
    w = "woocommerce"
    rec("WC-01", w, "EUR", [L("SKN-SERUM-30", 1, "82.00", tax="15.58")], de(0), [], ship=D("9.90"),
        ship_tax=D("1.88"))
    rec("WC-02", w, "EUR", [L("BOTTLE-PPSU-240", 2, "19.50", tax="7.41")], de(1), [], ship=D("6.90"),
        ship_tax=D("1.31"), fees=[("Versandversicherung / shipping insurance", D("2.50"), D("0.48"))],
        why="clean; a taxed insurance fee line is part of the total")
    rec("WC-03", w, "GBP", [L("IF-S3-800", 2, "26.50")], gb(0), [], ship=D("5.00"),
        fees=[("Gift wrapping", D("3.00"), D("0.60"))], why="clean; gift-wrap fee line")
    rec("WC-04", w, "GBP", [L("VIT-D3-60", 3, "15.50")], gb(1), [], ship=D("4.00"),
        fees=[("Loyalty discount", D("-5.00"), D("0"))], why="clean; a negative fee line (loyalty discount)")
    rec("WC-05", w, "CNY", [L("TEA-LJ-250", 2, "320.00")], M.cn_woo(0), [],
        fees=[("货到付款手续费 COD fee", D("10.00"), D("0"))], why="clean; CN address with the district in address_1; COD fee")
    rec("WC-06", w, "CNY", [L("IF-S2-800", 2, "258.00")], M.cn_woo(1), [], note="宝宝8个月，谢谢",
        why="clean; note says 8 months, stage 2 fits")
    rec("WC-07", w, "USD", [L("VIT-D3-60", 2, "19.90")], us(0), [], ship=D("10.00"),
        fees=[("Handling fee", D("2.00"), D("0"))])
    rec("WC-08", w, "HKD", [L("SILK-SCARF", 1, "498.00")], hk_en(1), [], ship=D("60.00"))
    rec("WC-09", w, "EUR", [L("IF-S1-800", 2, "34.90", disc="6.98", tax="4.40")], de(2), [], ship=D("5.90"),
        ship_disc=D("5.90"), why="clean; 10% coupon and a free-shipping coupon")
    rec("WC-10", w, "GBP", [L("WN-BDX-750", 1, "44.00", tax="8.80")], gb(2), [], ship=D("6.00"),
        attrs={"buyer_age": "29"}, why="clean; wine, buyer_age 29 in meta_data")
    rec("WC-11", w, "USD", [L("IF-S2-800", 1, "36.50")], us(1), [], ship=D("8.00"),
        attrs={"baby_age_months": "7"}, why="clean; baby_age_months 7 in meta_data, stage 2")
    rec("WC-12", w, "JPY", [L("BOTTLE-PPSU-240", 2, "3080")], jp(2), [], ship=D("1200"))
    rec("WC-13", w, "CNY", [L("WOO-SCARF-RED", 1, "460.00", master="SILK-SCARF")], M.cn_woo(2), [],
        fees=[("礼品包装 Gift wrap", D("15.00"), D("0"))], why="clean; SKU mapped in the crosswalk")
    rec("WC-14", w, "EUR", [L("DIAPER-L-54", 2, "18.00", tax="6.84")], de(3), [], ship=D("4.90"))
    rec("WC-15", w, "GBP", [L("TEA-LJ-250", 1, "36.00", disc="3.00"), L("BOTTLE-PPSU-240", 1, "16.50")], gb(3), [])
    # defects
    rec("WC-16", w, "EUR", [L("SKN-SERUM-30", 1, "82.00", tax="15.58")], de(0), ["amount_mismatch"],
        ship=D("9.90"), fees=[("Expressversand / express fee", D("4.00"), D("0"))], mismatch=D("-4.00"),
        why="total leaves out the fee line it lists")
    rec("WC-17", w, "GBP", [L("VIT-D3-60", 2, "15.50")], gb(0), ["amount_mismatch"], ship=D("4.00"),
        mismatch=D("1.00"), why="total 1.00 above the components")
    rec("WC-18", w, "CNY", [L("TEA-LJ-250", 1, "320.00")], M.cn_woo(3), ["amount_mismatch"], ship=D("10.00"),
        mismatch=D("-20.00"), why="total 20.00 below the components")
    rec("WC-19", w, "EUR", [L("BOTTLE-PPSU-240", 1, "19.50", tax="3.71")], de(1, no_zip=True),
        ["address_incomplete"], ship=D("6.90"), why="German address without postcode")
    rec("WC-20", w, "CNY", [L("VIT-D3-60", 2, "128.00")], M.cn_woo(4, no_city=True), ["address_incomplete"],
        why="CN address without city (district and street given)")
    rec("WC-21", w, "USD", [L("TEA-LJ-250", 1, "45.00")], us(2, no_state=True), ["address_incomplete"],
        ship=D("10.00"), why="US address without state")
    rec("WC-22", w, "EUR", [L("DIAPER-L-54", 1, "18.00", tax="3.42")], de(2), ["phone_invalid"], ship=D("4.90"),
        phone=inv("+49 123", "DE"), why="German number too short")
    rec("WC-23", w, "CNY", [L("TEA-LJ-250", 1, "320.00")], M.cn_woo(5), ["phone_invalid"],
        phone=inv("1381234567", "CN"), why="10-digit mainland mobile")
    rec("WC-24", w, "EUR", [L("VIT-D3-60", 1, "17.90", tax="3.40")], de(3), ["missing_field"], ship=D("4.90"),
        name="", why="no first or last name in shipping or billing")
    rec("WC-25", w, "CNY", [L("WOO-SCARF-BLUE", 1, "460.00", master=None, title="真丝围巾 蓝色")], M.cn_woo(6),
        ["unmapped_sku"], why="WOO-SCARF-BLUE is not mapped (only the red one is)")
    rec("WC-26", w, "CNY", [L("TEA-GIFT-BOX", 1, "588.00")], M.cn_woo(7), ["not_sellable_in_channel"],
        why="gift box sellable on tmall and b2b_po only")
    rec("WC-27", w, "EUR", [L("MUG-CERAMIC", 1, "9.00"), L("VIT-D3-60", 1, "17.90")], de(0), ["backorder"],
        ship=D("5.90"), why="mug has no stock anywhere")
    rec("WC-28", w, "EUR", [L("IF-S1-800", 1, "34.90")], de(1), ["age_stage_mismatch"], ship=D("5.90"),
        attrs={"baby_age_months": "20"}, why="stage 1 (0-6 months) for a 20-month-old (meta_data)")
    rec("WC-29", w, "CNY", [L("IF-S3-800", 2, "238.00")], M.cn_woo(8), ["age_stage_mismatch"],
        note="宝宝刚满3个月，请尽快发货", why="stage 3 (12-36 months) for a 3-month-old, in customer_note")
    rec("WC-30", w, "GBP", [L("WN-BDX-750", 1, "44.00", tax="8.80")], gb(1), ["age_restricted"], ship=D("6.00"),
        attrs={"buyer_age": "16"}, why="wine, buyer_age 16 in meta_data")
    rec("WC-31", w, "CNY", [L("IF-S3-800", 10, "238.00")], M.cn_woo(9), ["quantity_limit"],
        why="10 cans of formula, limit 6 per customer")
    rec("WC-32", w, "EUR", [L("PHONE-CASE-15", 2, "10.50")], de(2), ["cross_border_docs"], ship=D("4.90"),
        why="to Germany; phone case has no country of origin")
    rec("WC-33", w, "EUR", [L("WATCH-AUTO-40", 1, "1290.00")], de(3), ["declared_value_limit"], ship=D("25.00"),
        why="cross-border, goods EUR 1,290 = CNY 9,933 > 5,000")
    rec("WC-34", w, "GBP", [L("SILK-SCARF", 1, "25.00")], gb(2), ["price_below_floor"], ship=D("5.00"),
        why="GBP 25 = CNY 225 < floor CNY 350")
    rec("WC-35", w, "CAD", [L("TEA-LJ-250", 1, "62.00")], other("CA", 0), ["fx_rate_missing"], ship=D("15.00"),
        why="CAD has no rate in the table")
    rec("WC-36", w, "AUD", [L("VIT-D3-60", 2, "29.00")], other("AU", 0), ["fx_rate_missing"], ship=D("12.00"),
        why="AUD has no rate in the table")
    rec("WC-37", w, "EUR", [L("SKN-SERUM-30", 1, "82.00")], de(0), ["refused:signature"], ship=D("9.90"),
        refusal="tampered", why="total edited after signing")
    rec("WC-38", w, "EUR", [L("VIT-D3-60", 1, "17.90")], de(1), ["refused:payload"], refusal="not_json",
        why="the ping WooCommerce sends when a webhook is created (webhook_id=42, form-encoded)")

    # ================================ TikTok Shop (tiktok_shop) =============================
    t = "tiktok"
    rec("TT-01", t, "USD", [L("VIT-D3-60", 2, "19.90", disc="2.00", tax="2.74")], us(0), [], ship=D("5.99"),
        ship_platform_disc=D("5.99"), why="clean; seller discount; shipping paid by the platform")
    rec("TT-02", t, "USD", [L("SKN-SERUM-30", 1, "89.00", pdisc="5.00", tax="6.09")], us(1), [],
        why="clean; platform-funded discount (platform_discount)")
    rec("TT-03", t, "USD", [L("TEA-LJ-250", 1, "45.00", tax="1.30")], us(5), [], ship=D("4.99"),
        retail_delivery_fee=D("0.28"), why="clean; Colorado retail delivery fee")
    rec("TT-04", t, "USD", [L("TTS-VITD3", 1, "13.90", master="VIT-D3-60")], us(2), [], ship=D("3.99"),
        small_order_fee=D("1.00"), why="clean; mapped seller_sku; small-order fee")
    rec("TT-05", t, "GBP", [L("SILK-SCARF", 1, "49.00", disc="4.90")], gb(0), [], ship=D("3.99"),
        ship_disc=D("3.99"), why="clean; seller discount and seller-paid shipping")
    rec("TT-06", t, "GBP", [L("IF-S2-800", 2, "28.90")], gb(1), [], ship=D("2.99"),
        note="Baby is 9 months old", why="clean; buyer_message 9 months, stage 2")
    rec("TT-07", t, "USD", [L("IF-S3-800", 1, "33.50", tax="2.43")], us(3), [], ship=D("6.99"),
        note="my son is 2 years old", why="clean; 2 years, stage 3")
    rec("TT-08", t, "USD", [L("DIAPER-L-54", 2, "19.50", disc="3.00", tax="2.62"),
                            L("BOTTLE-PPSU-240", 1, "21.00", pdisc="2.00", tax="1.51")], us(4), [],
        ship=D("7.99"), ship_disc=D("2.00"), why="clean; seller and platform discounts on lines and shipping")
    rec("TT-09", t, "USD", [L("SKN-SERUM-30", 1, "89.00", tax="6.45")], us(6), [],
        phone=("+1 650-253-0099", M.e164("+1 650-253-0099", "US")), why="clean; unmasked phone")
    rec("TT-10", t, "GBP", [L("TEA-LJ-250", 2, "36.00")], gb(2), [], ship=D("3.49"))
    rec("TT-11", t, "USD", [L("TTS-VITD3", 3, "19.90", master="VIT-D3-60", tax="4.32")], us(7), [], ship=D("5.99"))
    rec("TT-12", t, "USD", [L("IF-S1-800", 2, "37.90", tax="5.50")], us(0), [], ship=D("6.99"),
        note="宝宝刚满月", why="clean; buyer message in Chinese: just one month old, stage 1")
    rec("TT-13", t, "USD", [L("SILK-SCARF", 1, "65.00", tax="4.71")], us(1), [], ship=D("8.99"),
        ship_platform_disc=D("3.00"))
    # defects
    rec("TT-14", t, "USD", [L("VIT-D3-60", 2, "19.90", tax="2.89")], us(2), ["amount_mismatch"], ship=D("5.99"),
        mismatch=D("2.00"), why="total_amount 2.00 above the payment components")
    rec("TT-15", t, "GBP", [L("BOTTLE-PPSU-240", 1, "16.50")], gb(3), ["amount_mismatch"], ship=D("2.99"),
        mismatch=D("-1.50"), why="total_amount 1.50 below the payment components")
    rec("TT-16", t, "USD", [L("TEA-LJ-250", 1, "45.00", tax="3.26")], us(3, no_zip=True), ["address_incomplete"],
        ship=D("4.99"), why="postal_code empty")
    rec("TT-17", t, "USD", [L("DIAPER-L-54", 1, "19.50", tax="1.41")], us(4), ["phone_invalid"], ship=D("4.99"),
        phone=inv("(+1)123-456-7890", "US"), why="unmasked, area code 123")
    rec("TT-18", t, "USD", [L("VIT-D3-60", 1, "19.90", tax="1.44")], us(5), ["missing_field"], ship=D("3.99"),
        name="", why="recipient name empty")
    rec("TT-19", t, "USD", [L("TT-LJ-250-NEW", 1, "45.00", master=None, title="Longjing tea 250g")], us(6),
        ["unmapped_sku"], ship=D("4.99"), why="seller_sku not in catalogue or crosswalk")
    rec("TT-20", t, "USD", [L("WN-BDX-750", 1, "56.00")], us(7), ["not_sellable_in_channel"], ship=D("9.99"),
        why="wine is not sellable on tiktok_shop")
    rec("TT-21", t, "USD", [L("TEA-GIFT-BOX", 1, "89.00")], us(0), ["not_sellable_in_channel"], ship=D("9.99"),
        why="gift box sellable on tmall and b2b_po only")
    rec("TT-22", t, "USD", [L("MUG-CERAMIC", 1, "9.90"), L("TEA-LJ-250", 1, "45.00")], us(1), ["backorder"],
        ship=D("4.99"), why="mug has no stock anywhere")
    rec("TT-23", t, "USD", [L("IF-S2-800", 1, "36.50")], us(2), ["age_stage_mismatch"], ship=D("5.99"),
        note="My daughter is 4 months old", why="stage 2 (6-12 months) for a 4-month-old")
    rec("TT-24", t, "USD", [L("IF-S3-800", 1, "33.50")], us(3), ["age_stage_mismatch"], ship=D("5.99"),
        note="Baby is 45 days old", why="stage 3 (12-36 months) for a 45-day-old")
    rec("TT-25", t, "USD", [L("IF-S1-800", 7, "37.90")], us(4), ["quantity_limit"], ship=D("9.99"),
        why="7 cans of formula (7 line_items, one per unit), limit 6")
    rec("TT-26", t, "USD", [L("CANDLE-SOY", 2, "12.50")], us(5), ["cross_border_docs"], ship=D("4.99"),
        why="to the US from a CN warehouse; candle has no HS code")
    rec("TT-27", t, "USD", [L("CAM-X100", 1, "1799.00")], us(6), ["declared_value_limit"], ship=D("0"),
        why="cross-border, goods USD 1,799 = CNY 12,773 > 5,000")
    rec("TT-28", t, "USD", [L("SKN-SERUM-30", 1, "39.00")], us(7), ["price_below_floor"], ship=D("4.99"),
        why="USD 39 = CNY 276.90 < floor CNY 520")
    rec("TT-29", t, "GBP", [L("IF-S1-800", 1, "15.00")], gb(0), ["price_below_floor"], ship=D("2.99"),
        why="GBP 15 = CNY 135 < floor CNY 198")
    rec("TT-30", t, "SGD", [L("VIT-D3-60", 2, "26.00")], other("SG", 1), ["fx_rate_missing"], ship=D("3.00"),
        phone=M.phone_for("SG", 30), why="SGD has no rate in the table (TikTok Shop Singapore)")
    rec("TT-31", t, "USD", [L("VIT-D3-60", 1, "19.90")], us(0), ["refused:signature"], ship=D("3.99"),
        refusal="no_sig", why="no Authorization header")
    rec("TT-32", t, "USD", [], us(1), ["refused:payload"], refusal="no_lines", why="order without line_items")

    # ================================ Taobao / Tmall (tmall) ================================
    b = "taobao"
    rec("TB-01", b, "CNY", [L("TEA-LJ-250", 2, "320.00")], cn(0), [])
    rec("TB-02", b, "CNY", [L("IF-S2-800", 2, "258.00", disc="20.00")], cn(1), [], note="宝宝十个月了",
        why="clean; ten months (Chinese numerals), stage 2")
    rec("TB-03", b, "CNY", [L("IF-S1-800", 1, "268.00")], cn(2), [], note="宝宝刚满月，第一次喝",
        why="clean; one month old, stage 1")
    rec("TB-04", b, "CNY", [L("IF-S3-800", 3, "238.00")], cn(3), [], order_disc=D("30.00"), note="宝宝两岁了",
        why="clean; shop-level 满减 30 (part_mjz_discount); two years old, stage 3")
    rec("TB-05", b, "CNY", [L("SKN-SERUM-30", 1, "680.00")], cn(4), [], adjust=D("-20.00"),
        why="clean; seller lowered the price by 20 (adjust_fee -20)")
    rec("TB-06", b, "CNY", [L("SILK-SCARF", 1, "460.00"), L("TEA-LJ-250", 1, "320.00")], cn(5), [],
        order_disc=D("50.00"), adjust=D("10.00"), ship=D("12.00"),
        why="clean; 满减 50 shared across lines, adjust_fee +10, post_fee 12")
    rec("TB-07", b, "CNY", [L("DIAPER-L-54", 3, "139.00", disc="15.00")], cn(6), [],
        phone=("138****" + "5521", "masked"), why="clean; masked receiver_mobile")
    rec("TB-08", b, "CNY", [L("BOTTLE-PPSU-240", 2, "149.00")], cn(7), [],
        phone=("17012345678-4521", "masked"), why="clean; privacy (virtual) number with extension")
    rec("TB-09", b, "CNY", [L("TM-LJ250", 1, "320.00", master="TEA-LJ-250")], cn(8), [], ship=D("8.00"),
        why="clean; outer_sku_id mapped in the crosswalk")
    rec("TB-10", b, "CNY", [L("VIT-D3-60", 2, "128.00")], cn(1, short_prov=True), [],
        why="clean; receiver_state 上海 (short form), province label 上海市")
    rec("TB-11", b, "CNY", [L("WN-BDX-750", 2, "399.00")], cn(3, short_prov=True), [],
        why="clean; wine without age declaration; receiver_state 北京")
    rec("TB-12", b, "CNY", [L("CAM-X100", 1, "12800.00")], cn(9), [],
        why="clean; domestic, so no declared-value limit")
    rec("TB-13", b, "CNY", [L("TEA-LJ-250", 1, "320.00"), L("VIT-D3-60", 1, "128.00")], hk_zh(0), [],
        ship=D("30.00"), why="clean; Hong Kong address in Chinese (country HK), HS codes on file")
    rec("TB-14", b, "CNY", [L("VIT-D3-60", 2, "128.00")], mo_zh(0), [], ship=D("30.00"),
        why="clean; Macao address in Chinese (country MO)")
    rec("TB-15", b, "CNY", [L("SILK-SCARF", 1, "460.00")], tw_zh(0), [], ship=D("40.00"),
        why="clean; Taiwan address in Chinese (country TW)")
    rec("TB-16", b, "CNY", [L("TEA-GIFT-BOX", 1, "588.00")], cn(10), [], why="clean; gift box is sellable on tmall")
    rec("TB-17", b, "CNY", [L("CANDLE-SOY", 2, "89.00")], cn(11), [], why="clean; domestic, no HS code needed")
    rec("TB-18", b, "CNY", [L("SKN-SERUM-30", 1, "680.00", pdisc="30.00")], cn(12), [],
        why="clean; platform-funded coupon (天猫购物券) in discount_fee")
    # defects
    rec("TB-19", b, "CNY", [L("TEA-LJ-250", 1, "320.00")], cn(13), ["amount_mismatch"], mismatch=D("15.00"),
        why="payment 15.00 above total_fee - discount_fee + adjust_fee + post_fee")
    rec("TB-20", b, "CNY", [L("VIT-D3-60", 2, "128.00")], cn(14), ["amount_mismatch"], mismatch=D("-8.88"),
        why="payment 8.88 below the components")
    rec("TB-21", b, "CNY", [L("BOTTLE-PPSU-240", 1, "149.00")], cn(15), ["amount_mismatch"], ship=D("10.00"),
        mismatch=D("-10.00"), why="payment leaves out post_fee 10")
    rec("TB-22", b, "CNY", [L("TEA-LJ-250", 1, "320.00")], cn(16, no_district=True), ["address_incomplete"],
        why="receiver_district empty")
    rec("TB-23", b, "CNY", [L("DIAPER-L-54", 2, "139.00")], cn(17, no_district=True), ["address_incomplete"],
        why="receiver_district empty")
    rec("TB-24", b, "CNY", [L("VIT-D3-60", 1, "128.00")], cn(18, no_city=True), ["address_incomplete"],
        why="receiver_city empty")
    rec("TB-25", b, "CNY", [L("TEA-LJ-250", 1, "320.00")], cn(19), ["phone_invalid"],
        phone=inv("1391234567", "CN"), why="10-digit mobile")
    rec("TB-26", b, "CNY", [L("SILK-SCARF", 1, "460.00")], cn(0), ["phone_invalid"],
        phone=inv("12345678901", "CN"), why="no such mobile prefix (123)")
    rec("TB-27", b, "CNY", [L("VIT-D3-60", 1, "128.00")], cn(1), ["missing_field"], name="",
        why="receiver_name empty")
    rec("TB-28", b, "CNY", [L("", 1, "320.00", master=None, title="西湖龙井 明前特级 250g")], cn(2), ["unmapped_sku"],
        why="seller left 商家编码 (outer_iid, outer_sku_id) empty")
    rec("TB-29", b, "CNY", [L("TM-LJ500", 1, "598.00", master=None, title="西湖龙井 500g")], cn(3), ["unmapped_sku"],
        why="TM-LJ500 not in catalogue or crosswalk")
    rec("TB-30", b, "CNY", [L("MUG-CERAMIC", 2, "69.00")], cn(4), ["backorder"], why="mug has no stock anywhere")
    rec("TB-31", b, "CNY", [L("MUG-CERAMIC", 1, "69.00"), L("TEA-LJ-250", 1, "320.00")], cn(5), ["backorder"],
        why="mug has no stock anywhere")
    rec("TB-32", b, "CNY", [L("IF-S2-800", 1, "258.00")], cn(6), ["age_stage_mismatch"], note="宝宝刚满3个月",
        why="stage 2 (6-12 months) for a 3-month-old")
    rec("TB-33", b, "CNY", [L("IF-S1-800", 2, "268.00")], cn(7), ["age_stage_mismatch"], note="宝宝一岁半",
        why="stage 1 (0-6 months) for an 18-month-old (一岁半)")
    rec("TB-34", b, "CNY", [L("IF-S3-800", 1, "238.00")], cn(8), ["age_stage_mismatch"],
        note="孩子十个月，麻烦发顺丰", why="stage 3 (12-36 months) for a 10-month-old")
    rec("TB-35", b, "CNY", [L("WN-BDX-750", 1, "399.00")], cn(9), ["age_restricted"], note="本人今年17岁，送朋友的",
        why="wine, buyer states in the message that they are 17")
    rec("TB-36", b, "CNY", [L("IF-S2-800", 8, "258.00")], cn(10), ["quantity_limit"],
        why="8 cans of formula, limit 6 per customer")
    rec("TB-37", b, "CNY", [L("CANDLE-SOY", 2, "89.00")], hk_zh(1), ["cross_border_docs"], ship=D("30.00"),
        why="to Hong Kong; candle has no HS code")
    rec("TB-38", b, "CNY", [L("PHONE-CASE-15", 3, "79.00")], tw_zh(1), ["cross_border_docs"], ship=D("40.00"),
        why="to Taiwan; phone case has no country of origin")
    rec("TB-39", b, "CNY", [L("CAM-X100", 1, "12800.00")], hk_zh(2), ["declared_value_limit"], ship=D("50.00"),
        why="to Hong Kong, goods CNY 12,800 > 5,000")
    rec("TB-40", b, "CNY", [L("WATCH-AUTO-40", 1, "9800.00")], mo_zh(1), ["declared_value_limit"], ship=D("50.00"),
        why="to Macao, goods CNY 9,800 > 5,000")
    rec("TB-41", b, "CNY", [L("TEA-LJ-250", 1, "99.00")], cn(11), ["price_below_floor"],
        why="CNY 99 < floor CNY 240")
    rec("TB-42", b, "CNY", [L("IF-S1-800", 2, "158.00")], cn(12), ["price_below_floor"],
        why="CNY 158 < floor CNY 198")
    rec("TB-43", b, "CNY", [L("TEA-LJ-250", 1, "320.00")], cn(13), ["refused:signature"], refusal="hex_sig",
        why="X-Top-Sign sent as hex instead of base64")
    rec("TB-44", b, "CNY", [], cn(14), ["refused:payload"], refusal="no_lines", why="trade with no orders")

    # ================================ B2B purchase orders (CSV) =============================
    M.define_b2b(rec)
