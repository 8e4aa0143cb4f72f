"""Purchase-order files as ERPs export them (SAP, Oracle, NetSuite, Dynamics, Chinese ERPs):
their column names are read without a mapping, and a file whose required column cannot be
found says which of its columns were not understood."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orderhub.adapters.channels._payload import CHINA_TZ as CHINA
from orderhub.adapters.channels.tabular import match_columns, parse_rows
from orderhub.domain.order import OrderType


@pytest.mark.parametrize(("header", "field"), [
    ("Material", "sku"), ("Material Number", "sku"), ("Matnr", "sku"),
    ("Customer Material", "sku"), ("Vendor Material Number", "sku"), ("Part Number", "sku"),
    ("Item number", "sku"), ("物料", "sku"), ("物料编码", "sku"), ("料号", "sku"),
    ("Purchasing Document", "po_number"), ("PO Number", "po_number"), ("采购订单号", "po_number"),
    ("采购凭证", "po_number"),
    ("Order Quantity", "quantity"), ("PO Qty", "quantity"), ("数量", "quantity"),
    ("订单数量", "quantity"),
    ("Net Price", "unit_price"), ("Rate", "unit_price"), ("单价", "unit_price"),
    ("净价", "unit_price"),
    ("Currency", "currency"), ("Document Currency", "currency"), ("币种", "currency"),
    ("币制", "currency"),
    ("Delivery Date", "requested_delivery"), ("Promised Date", "requested_delivery"),
    ("交货日期", "requested_delivery"), ("需求日期", "requested_delivery"),
    ("Ship-to Party", "ship_to_site"), ("Sold-to Party", "customer_ref"),
    ("Ship-to Region", "province"), ("Region", "province"), ("Country Key", "country"),
    ("Document Date", "placed_at"), ("下单日期", "placed_at"),
    ("Short Text", "title"), ("物料描述", "title"), ("Total Order Value", "order_total"),
    ("Street/House number", "address"), ("Telephone Number", "phone"),
])
def test_erp_headers(header: str, field: str) -> None:
    found = match_columns(["Plant", header], None, 1)
    assert found.headers.get(field) == header, (header, found.headers)


def test_sap_item_is_the_line_number_when_a_material_column_exists() -> None:
    found = match_columns(["Purchasing Document", "Item", "Material", "Order Quantity",
                           "Net Price"], None, 1)
    assert found.headers["sku"] == "Material"
    assert "Item" in found.ignored


def test_oracle_item_is_the_sku_when_nothing_else_is() -> None:
    found = match_columns(["PO Number", "Line", "Item", "Quantity", "Unit Price"], None, 1)
    assert found.headers["sku"] == "Item"


def test_an_sap_style_export_with_bom_and_iso_dates_is_read_as_b2b_orders() -> None:
    data = ("\ufeffPurchasing Document,Document Date,Item,Material,Short Text,Order Quantity,"
            "Order Unit,Net Price,Currency,Ship-to Party,Ship-to Name,Ship-to Street,"
            "Ship-to City,Ship-to Region,Ship-to Postal Code,Country Key,Telephone Number\r\n"
            "4700001234,2027-03-02,00010,WIDGET-A,Widget A,12,PC,3.50,USD,SH-77,Dana Roe,"
            "12 Elm Road,Austin,TX,73301,US,+1 512 555 0101\r\n"
            "4700001234,2027-03-02,00020,WIDGET-B,Widget B,4,PC,9.00,USD,SH-77,Dana Roe,"
            "12 Elm Road,Austin,TX,73301,US,+1 512 555 0101\r\n").encode()
    result = parse_rows(data, fmt="csv")
    assert result.errors == []
    [(rows, order)] = result.orders
    assert rows == [2, 3]
    assert order.external_id == "4700001234" and order.order_type == OrderType.B2B
    assert [(ln.channel_sku, ln.quantity, ln.unit_price) for ln in order.lines] == [
        ("WIDGET-A", 12, Decimal("3.50")), ("WIDGET-B", 4, Decimal("9.00"))]
    a = order.shipping_address
    assert (a.country, a.province, a.city, a.postal_code) == ("US", "TX", "Austin", "73301")
    assert order.attributes["ship_to_site"] == "SH-77"
    assert sorted(result.ignored) == ["Item", "Order Unit"]


def test_a_chinese_erp_export_is_read() -> None:
    data = ("采购订单号,物料,物料描述,数量,单价,币种,交货日期,收货人,收货人电话,省份,城市,区/县,"
            "收货地址\n"
            "CG-9001,TEA-01,龙井,3,88.00,人民币,2027-01-05,王芳,13912345678,浙江省,杭州市,"
            "西湖区,文三路1号\n").encode()
    result = parse_rows(data, fmt="csv")
    assert result.errors == []
    [(_, order)] = result.orders
    assert order.currency == "CNY" and order.lines[0].channel_sku == "TEA-01"
    assert order.attributes["requested_delivery"] == "2027-01-05"


def test_a_missing_required_column_names_the_columns_not_understood() -> None:
    data = b"PO Number,Zeile,Artikelnummer,Menge,Net Price\nP1,1,X1,2,10\n"
    result = parse_rows(data, fmt="csv")
    [error] = [e for e in result.errors if e.field == "sku"]
    assert error.row == 1
    assert "columns not understood: 'Zeile', 'Artikelnummer'" in error.message
    assert result.orders == []
    mapped = parse_rows(data, fmt="csv", mapping={"sku": "Artikelnummer"})
    assert mapped.errors == [] and mapped.orders[0][1].lines[0].channel_sku == "X1"


# ----- currencies written as names ---------------------------------------------------------

@pytest.mark.parametrize(("written", "code"), [
    ("人民币", "CNY"), ("RMB", "CNY"), ("CN¥", "CNY"), ("港币", "HKD"), ("港元", "HKD"),
    ("HK$", "HKD"), ("美元", "USD"), ("US$", "USD"), ("usd", "USD"), ("新台币", "TWD"),
    ("台幣", "TWD"), ("NT$", "TWD"), ("欧元", "EUR"), ("€", "EUR"), ("英镑", "GBP"),
    ("日元", "JPY"), ("円", "JPY"), ("韩元", "KRW"), ("澳元", "AUD"), ("A$", "AUD"),
    ("加元", "CAD"), ("C$", "CAD"), ("新加坡元", "SGD"), ("S$", "SGD"), ("瑞士法郎", "CHF"),
    ("Swiss Franc", "CHF"), ("New Zealand Dollar", "NZD"), ("ＵＳＤ", "USD"),
    ("Schweizer Franken", "CHF"), ("澳門元", "MOP"),
])
def test_currency_names(written: str, code: str) -> None:
    from orderhub.adapters.currency_names import currency_from_text

    assert currency_from_text(written) == code


@pytest.mark.parametrize("written", ["$", "Dollars", "kr", "", "美刀刀刀", "¥", "￥"])
def test_ambiguous_or_unknown_currency_names_are_not_guessed(written: str) -> None:
    from orderhub.adapters.currency_names import currency_from_text

    assert currency_from_text(written) == ""


def _file(currency: str) -> bytes:
    return ("订单号,SKU,数量,单价,币种\nA1,S1,1,10," + currency + "\nA2,S1,1,10,人民币\n").encode()


def test_a_currency_name_without_a_rate_is_an_order_not_a_refused_row() -> None:
    # 瑞士法郎 is well formed: the order is read in CHF (intake holds it for the rate)
    result = parse_rows(_file("瑞士法郎"), fmt="csv")
    assert result.errors == []
    assert [o.currency for _, o in result.orders] == ["CHF", "CNY"]


def test_a_three_letter_code_that_is_no_currency_is_kept_for_intake_to_hold() -> None:
    result = parse_rows(_file("QQQ"), fmt="csv")
    assert result.errors == [] and result.orders[0][1].currency == "QQQ"


def test_an_unknown_currency_word_is_refused_with_its_row_and_field() -> None:
    result = parse_rows(_file("银两"), fmt="csv")
    [error] = [e for e in result.errors if e.row == 2]
    assert error.field == "currency" and "'银两' is not a currency" in error.message
    assert [o.external_id for _, o in result.orders] == ["A2"]


def test_channel_payload_currency_names_are_read_as_codes() -> None:
    from orderhub.adapters.channels._payload import currency_of
    from orderhub.adapters.channels.base import PayloadError

    assert currency_of("rmb", "currency") == "CNY"
    assert currency_of("HK$", "currency") == "HKD"
    with pytest.raises(PayloadError):
        currency_of("$", "currency")


@pytest.mark.parametrize(("written", "iso"), [
    ("2027年3月2日", "2027-03-02"), ("2027年03月02号", "2027-03-02"),
    ("2027年3月2日 9:05", "2027-03-02"),
])
def test_chinese_order_dates_are_read(written: str, iso: str) -> None:
    data = ("采购订单号,下单日期,物料,数量,单价\nCG-1," + written + ",S1,1,10\n").encode()
    result = parse_rows(data, fmt="csv")
    assert result.errors == []
    placed = result.orders[0][1].placed_at
    assert placed is not None
    assert placed.astimezone(CHINA).date().isoformat() == iso


def test_a_chinese_date_that_is_no_day_is_refused_on_its_row() -> None:
    data = "采购订单号,下单日期,物料,数量,单价\nCG-1,2027年2月30日,S1,1,10\n".encode()
    [error] = parse_rows(data, fmt="csv").errors
    assert (error.row, error.field) == (2, "placed_at")


def test_the_columns_not_understood_are_shown_in_both_languages() -> None:
    from orderhub.cli.i18n_zh import PATTERNS
    from orderhub.console.i18n import Translator
    from orderhub.console.pages.imports import row_message

    data = b"PO Number,Zeile,Artikelnummer,Menge,Net Price\nP1,1,X1,2,10\n"
    [error] = [e for e in parse_rows(data, fmt="csv").errors if e.field == "sku"]
    zh = next(z.format(*m.groups()) for p, z in PATTERNS
              if (m := __import__("re").fullmatch(p, error.message)))
    assert "未能识别的列：'Zeile', 'Artikelnummer'" in zh
    shown = row_message(Translator("zh"), error.message)
    assert "未能识别的列" in shown and "Artikelnummer" in shown
