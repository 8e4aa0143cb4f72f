"""Tabular files that name their columns in many ways: English and Chinese synonyms, a
user's mapping, unknown headers reported (never a refusal), purchase-order files as B2B
orders, and a preview of the first rows as mapped; CSV and XLSX alike."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest

from orderhub.adapters.channels.tabular import (
    check_mapping,
    match_columns,
    parse_rows,
    preview_rows,
)
from orderhub.adapters.channels.tabular.parse import normalise
from orderhub.domain.order import OrderType


@pytest.mark.parametrize(("header", "field"), [
    ("po_number", "po_number"), ("PO No.", "po_number"), ("PO#", "po_number"),
    ("采购单号", "po_number"), ("Purchase Order No", "po_number"),
    ("订单号", "external_id"), ("Order Number", "external_id"),
    ("ship_to_phone", "phone"), ("收货人电话", "phone"), ("联系电话", "phone"),
    ("Ship To Phone", "phone"), ("手机号码", "phone"),
    ("收货人", "recipient"), ("Ship To Contact", "recipient"),
    ("收货地址", "address"), ("Ship To Address", "address"),
    ("省", "province"), ("市", "city"), ("区/县", "district"), ("区县", "district"),
    ("数量", "quantity"), ("Qty Ordered", "quantity"), ("订购数量", "quantity"),
    ("单价", "unit_price"), ("Unit Cost", "unit_price"), ("单价(元)", "unit_price"),
    ("SKU", "sku"), ("商品编码", "sku"), ("货号", "sku"), ("Item No.", "sku"),
    ("采购单位", "buyer_company"), ("Buyer Company", "buyer_company"),
    ("Ship To Site", "ship_to_site"), ("收货门店", "ship_to_site"),
    ("备注", "note"), ("买家留言", "note"), ("Remarks", "note"),
    ("要求到货日期", "requested_delivery"), ("Need By Date", "requested_delivery"),
    ("发票抬头", "invoice_title"), ("税号", "invoice_tax_id"),
    ("Ship To State/Province", "province"), ("State / Province", "province"),
    ("PO Total", "order_total"), ("订单总额", "order_total"), ("Order Amount", "order_total"),
])
def test_header_synonyms(header: str, field: str) -> None:
    found = match_columns(["Sales Rep", header], None, 1)
    assert found.headers.get(field) == header, (header, found.headers)


def test_normalise_ignores_case_spacing_punctuation_and_units() -> None:
    assert normalise("PO No.") == normalise("po_no") == normalise("PO-NO") == "pono"
    assert normalise("区/县") == normalise("区县")
    assert normalise("单价（元）") == normalise("单价")


def test_unknown_headers_are_reported_not_refused() -> None:
    data = "订单号,SKU,数量,单价,内部编码,Sales Rep\nA1,S1,1,10,x,y\n".encode()
    result = parse_rows(data, fmt="csv")
    assert result.errors == []
    assert result.ignored == ["内部编码", "Sales Rep"]
    assert [o.external_id for _, o in result.orders] == ["A1"]


def test_a_mapping_reads_columns_no_synonym_knows() -> None:
    data = b"Ref,Artikel,Menge,Preis,Tel\nA1,S1,2,10,13800138000\n"
    result = parse_rows(data, fmt="csv")
    assert {e.field for e in result.errors} >= {"external_id", "sku"}  # not guessed
    mapped = parse_rows(data, fmt="csv", mapping={
        "external_id": "Ref", "sku": "Artikel", "quantity": "Menge", "unit_price": "Preis",
        "phone": "Tel"})
    assert mapped.errors == [] and mapped.ignored == []
    [(_, order)] = mapped.orders
    assert order.lines[0].quantity == 2 and order.customer.phone == "13800138000"


def test_a_mapping_wins_over_a_synonym() -> None:
    data = "订单号,po_number,SKU,数量,单价\nINT-1,PO-9,S1,1,10\n".encode()
    [(_, order)] = parse_rows(data, fmt="csv", mapping={"external_id": "po_number"}).orders
    assert order.external_id == "PO-9"


@pytest.mark.parametrize(("mapping", "message"), [
    ({"nonsense": "X"}, "unknown canonical field(s) nonsense"),
    ({"sku": " "}, "sku: the header is empty"),
    ({"sku": "Code", "barcode": "code"}, "barcode: header 'code' is already mapped to sku"),
])
def test_a_malformed_mapping_is_refused_naming_the_field(mapping: dict[str, str],
                                                         message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        check_mapping(mapping)
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_rows(b"a,b\n1,2\n", fmt="csv", mapping=mapping)


def test_a_given_header_missing_from_the_file_is_an_error_a_saved_one_is_not() -> None:
    data = "订单号,SKU,数量,单价\nA1,S1,1,10\n".encode()
    given = parse_rows(data, fmt="csv", mapping={"phone": "Mobile No"})
    assert [(e.field, e.message) for e in given.errors] == [
        ("phone", "column 'Mobile No' is not in the header")]
    saved = parse_rows(data, fmt="csv", mapping={"phone": "Mobile No"}, optional={"phone"})
    assert saved.errors == [] and len(saved.orders) == 1


PO_FILE = (
    "PO No.,Buyer Company,Ship To Site,Item No.,Qty Ordered,Unit Cost,Ship To Contact,"
    "Ship To Phone,省,市,区/县,收货地址,Need By Date,备注\n"
    "PO-7781,上海某某贸易有限公司,SH-01,MF-100,10,99.00,张三,13800138000,上海市,上海市,"
    "浦东新区,世纪大道100号,2026-12-24,发票抬头：上海某某贸易有限公司\n"
    "PO-7781,上海某某贸易有限公司,SH-01,MF-200,5,120.00,张三,13800138000,上海市,上海市,"
    "浦东新区,世纪大道100号,2026-12-24,发票抬头：上海某某贸易有限公司\n"
)


def test_a_purchase_order_file_gives_b2b_orders() -> None:
    result = parse_rows(PO_FILE.encode(), fmt="csv")
    assert result.errors == [] and result.ignored == []
    [(rows, order)] = result.orders
    assert rows == [2, 3] and order.external_id == "PO-7781"
    assert order.order_type is OrderType.B2B
    assert order.customer.name == "上海某某贸易有限公司"
    assert order.shipping_address.name == "张三"
    assert order.shipping_address.district == "浦东新区"
    assert order.attributes["po_number"] == "PO-7781"
    assert order.attributes["ship_to_site"] == "SH-01"
    assert order.attributes["requested_delivery"] == "2026-12-24"
    assert order.attributes["note"] == "发票抬头：上海某某贸易有限公司"
    assert [ln.quantity for ln in order.lines] == [10, 5]


def test_an_order_type_column_still_decides() -> None:
    data = "采购单号,SKU,数量,单价,订单类型\nP1,S1,1,10,零售\n".encode()
    [(_, order)] = parse_rows(data, fmt="csv").orders
    assert order.order_type is OrderType.B2C
    plain = "订单号,SKU,数量,单价\nA1,S1,1,10\n".encode()
    assert parse_rows(plain, fmt="csv").orders[0][1].order_type is OrderType.B2C


def test_preview_shows_the_first_rows_as_mapped() -> None:
    data = (PO_FILE + "PO-7782,,,MF-100,abc,99.00,,,,,,,,\n").encode()
    shown = preview_rows(data, fmt="csv", limit=5)
    assert shown.order_type == "b2b" and shown.total_rows == 3
    assert shown.columns["phone"] == "Ship To Phone"
    assert shown.rows[0]["row"] == 2 and shown.rows[0]["sku"] == "MF-100"
    assert shown.rows[0]["external_id"] == "PO-7781"
    assert [(e.row, e.field) for e in shown.errors] == [(4, "quantity")]
    assert len(preview_rows(data, fmt="csv", limit=1).rows) == 1


def _xlsx(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_xlsx_with_chinese_synonyms_and_an_unknown_column() -> None:
    data = _xlsx([
        ["采购订单号", "采购单位", "商品编号", "采购数量", "采购单价", "收件人姓名", "收货人电话",
         "省份", "城市", "区/县", "送货地址", "业务员"],
        ["CG-1", "广州某某公司", "S1", 3, 12.5, "李四", 13912345678, "广东省", "广州市",
         "天河区", "天河路1号", "王五"],
    ])
    result = parse_rows(data, fmt="xlsx")
    assert result.errors == [] and result.ignored == ["业务员"]
    [(_, order)] = result.orders
    assert order.external_id == "CG-1" and order.order_type is OrderType.B2B
    assert order.shipping_address.phone == "13912345678"
    assert order.lines[0].quantity == 3
    shown = preview_rows(data, fmt="xlsx")
    assert shown.rows[0]["phone"] == "13912345678" and shown.ignored == ["业务员"]


@pytest.mark.parametrize(("header", "field"), [
    ("收货人手机号码", "phone"), ("收件人省份", "province"), ("Ship To City", "city"),
    ("Recipient Mobile", "phone"), ("收货详细地址", "address"), ("Consignee Zip", "postal_code"),
])
def test_a_recipient_prefix_is_read_through(header: str, field: str) -> None:
    found = match_columns(["订单号", header], None, 1)
    assert found.headers.get(field) == header and found.ignored == []


def test_the_prefix_pass_never_takes_a_field_twice() -> None:
    found = match_columns(["手机", "收货人手机号码"], None, 1)
    assert found.headers["phone"] == "手机" and found.ignored == ["收货人手机号码"]


def test_a_stated_order_total_is_read_and_a_bare_total_is_not() -> None:
    """The file's order total becomes the channel's stated total (the amounts check
    compares with it); a bare `Total` column, often a line's amount, is reported ignored."""
    data = ("PO Number,Item No.,Qty,Unit Price,Freight,PO Total,Total\n"
            "PO-1,A,2,10.00,5.00,25.00,20.00\n"
            "PO-1,B,1,3.00,5.00,25.00,3.00\n")
    result = parse_rows(data.encode(), fmt="csv")
    [(_, order)] = result.orders
    assert str(order.total) == "25.00" and result.ignored == ["Total"]
    bad = data.replace(",25.00,3.00", ",26.00,3.00")
    refused = parse_rows(bad.encode(), fmt="csv")  # rows of one order must agree
    assert any(e.field == "order_total" for e in refused.errors)


def test_a_blank_recipient_is_missing_not_the_buying_company() -> None:
    """A file with a recipient column and a blank cell: the name stays blank (the
    required-fields check holds the order); a file without the column ships to its buyer."""
    from orderhub.adapters.channels.tabular.parse import parse_rows

    head = "采购订单号,采购方,{recipient}收货人手机,省份,城市,区县,详细地址,商品编码,数量,单价\n"
    row = ("CG-1,南京丽人美妆有限公司,{blank}13770881150,江苏省,南京市,鼓楼区,中山北路30号,"
           "A,3,75.00\n")
    with_column = parse_rows((head.format(recipient="收货人,") + row.format(blank=",")).encode(),
                             fmt="csv")
    [(_, order)] = with_column.orders
    assert order.shipping_address.name == "" and order.customer.name == "南京丽人美妆有限公司"
    without = parse_rows((head.format(recipient="") + row.format(blank="")).encode(), fmt="csv")
    [(_, order)] = without.orders
    assert order.shipping_address.name == "南京丽人美妆有限公司"


@pytest.mark.parametrize(("dates", "countries", "expected"), [
    (["05.12.2026", "06.12.2026"], ["Germany", "Germany"], ["2026-12-05", "2026-12-06"]),
    (["12/05/2026", "12/15/2026"], ["US", "US"], ["2026-12-05", "2026-12-15"]),  # 15: month first
    (["12/05/2026", "25/11/2026"], ["GB", "GB"], ["2026-05-12", "2026-11-25"]),  # 25: day first
    (["12/05/2026", "11/05/2026"], ["United States of America", "US"],
     ["2026-12-05", "2026-11-05"]),  # never says: nearest the import (7 December)
])
def test_numeric_dates_are_read_in_the_files_own_order(
        dates: list[str], countries: list[str], expected: list[str]) -> None:
    """Day-first or month-first is decided once for the whole file: by a day above 12 or a
    dotted date, else by the ship-to countries' convention."""
    from orderhub.adapters.channels.tabular.parse import CHINA_TZ, parse_rows

    csv = "order_id,order_date,country,city,address,name,phone,sku,qty,price\n" + "".join(
        f"P{i},{d},{c},X,1 Road,N,+1 503 555 0100,A,1,1.00\n"
        for i, (d, c) in enumerate(zip(dates, countries, strict=True)))
    result = parse_rows(csv.encode(), fmt="csv", received_at=datetime(2026, 12, 7, tzinfo=UTC))
    assert result.errors == []
    assert [o.placed_at.astimezone(CHINA_TZ).date().isoformat() for _, o in result.orders
            if o.placed_at] == expected


def test_without_a_clock_undecided_dates_follow_the_countries() -> None:
    from orderhub.adapters.channels.tabular.parse import date_order

    columns = {"placed_at": 0, "country": 1}
    us = [(2, ["12/05/2026", "US"]), (3, ["11/05/2026", "United States"])]
    au = [(2, ["12/05/2026", "AU"]), (3, ["11/05/2026", "Australia"])]
    assert date_order(us, columns) == "mdy" and date_order(au, columns) == "dmy"


def test_an_item_prefix_names_a_line_column_only() -> None:
    """"Item SKU" is the SKU and "Item Qty" the quantity; "Item City" is not a city."""
    from orderhub.adapters.channels.tabular.parse import match_columns

    found = match_columns(["Order #", "Item SKU", "Item Qty", "Unit Cost", "Item City"], None, 1)
    assert found.errors == []
    assert found.headers["sku"] == "Item SKU" and found.headers["quantity"] == "Item Qty"
    assert "city" not in found.headers and "Item City" in found.ignored


def test_dates_that_never_say_are_read_nearest_the_import() -> None:
    """12/05/2026 in a file of mixed countries, imported on 7 December 2026: 5 December
    (month-first puts the orders two days back, day-first seven months)."""
    from orderhub.adapters.channels.tabular.parse import CHINA_TZ, parse_rows

    csv = ("order_id,order_date,country,city,address,name,contact number,sku,qty,price\n"
           "P1,12/05/2026,DE,Berlin,1 Road,N,+49 30 1234567,A,1,1.00\n"
           "P2,12/06/2026,GB,London,1 Road,N,+44 7911 123456,A,1,1.00\n"
           "P3,11/05/2026,US,Portland,1 Road,N,+1 503 555 0100,A,1,1.00\n")
    result = parse_rows(csv.encode(), fmt="csv", received_at=datetime(2026, 12, 7, tzinfo=UTC))
    assert result.errors == []
    assert [o.placed_at.astimezone(CHINA_TZ).date().isoformat() for _, o in result.orders
            if o.placed_at] == ["2026-12-05", "2026-12-06", "2026-11-05"]
    assert next(o.shipping_address.phone for _, o in result.orders) == "+49 30 1234567"
