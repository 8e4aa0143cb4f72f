"""Tabular order files (CSV and XLSX): B2B bulk orders and store POS batches.

One row per order line; rows with the same order number form one order. Columns are found
by header: `mapping` names the file's header for a canonical field (English or Chinese),
and every field it does not name falls back to `DEFAULT_HEADERS` (common English and
Chinese headers such as 订单号, 商品编码, 数量, 单价, 收货人, 手机, 省, 市, 区, 详细地址).
Optional columns carry buyer declarations (婴儿月龄, 买家年龄 -> `attributes`) and customs data
(跨境, 申报价值 on the order; HS编码, 原产国 on the line).

Rows are numbered as a spreadsheet shows them (the header is row 1). A bad row is reported
as `RowError(row, field, message)` and the order it belongs to is left out (its other rows
are reported too); all other orders come through. Row 0 means the file itself.

CSV: UTF-8 with or without BOM, falling back to GB18030 (a superset of GBK, as Chinese Excel
exports write it); UTF-16 with BOM ("Unicode text") too; comma, tab or semicolon separated.
XLSX: the first worksheet, read with openpyxl in read-only mode. Files carry no signature.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from orderhub.adapters.channels._payload import CHINA_TZ
from orderhub.adapters.channels.base import ChannelLine, ChannelOrder, PayloadError
from orderhub.adapters.country_names import country_from_name
from orderhub.adapters.currency_names import currency_from_text
from orderhub.domain.order import Address, Customer, OrderType

Fmt = Literal["csv", "xlsx"]

# Canonical field -> headers recognised without a mapping (compared after `normalise`).
# fmt: off
DEFAULT_HEADERS: dict[str, tuple[str, ...]] = {
    "external_id": ("external_id", "order_id", "order_no", "order_number", "order", "order#",
                    "订单号", "订单编号", "外部订单号", "单号", "销售单号", "小票号", "订单号码",
                    "平台订单号", "网店订单号"),
    # A purchase order's number: the order's id when no order number column is given, and
    # the mark of a B2B file (as are a buyer company and a ship-to site).
    "po_number": ("po_number", "po_no", "po", "po#", "po_num", "purchase_order",
                  "purchase_order_no", "purchase_order_number", "customer_po", "customer_po_no",
                  "采购单号", "采购订单号", "采购单编号", "采购订单编号", "po号", "po单号",
                  "客户采购单号", "订货单号",
                  # ERP exports: SAP (Purchasing Document, EBELN), Oracle, NetSuite, Dynamics
                  "purchasing_document", "purchasing_doc", "purch_doc",
                  "purchase_document", "purchase_order_id", "po_id", "po_reference",
                  "purchase_order_reference", "customer_po_number", "customer_reference",
                  "采购凭证", "采购凭证号", "采购订单", "订购单号", "客户订单号", "客户po号"),
    "sku": ("sku", "seller_sku", "sku_code", "item_code", "sku_id", "item_no", "item_number",
            "product_code", "article_no", "article_number", "material_no", "part_no",
            "商品编码", "商家编码", "sku编码", "货号", "物料编码", "物料号", "产品编码",
            "商品编号", "商品sku", "规格编码", "商家sku", "存货编码",
            # ERP exports: the supplier's own number first (it is ours), then SAP's
            # Material (MATNR), the buyer's material and part numbers (the crosswalk maps
            # them), Dynamics' item and product numbers; Oracle's and NetSuite's bare
            # "Item" last (SAP's "Item" is the line number, read only when nothing else is)
            "vendor_material_number", "vendor_material", "vendor_material_no",
            "supplier_material_number", "supplier_part_number", "supplier_part_no",
            "vendor_part_number", "vendor_part_no", "supplier_item_number", "vendor_item_number",
            "material", "material_number", "material_code", "material_id", "matnr",
            "customer_material", "customer_material_number", "customer_material_no",
            "buyer_part_number", "customer_part_number", "customer_part_no", "part_number",
            "part_id", "product_number", "product_no", "product_id", "item_id", "item_sku",
            "article", "article_code",
            "物料", "物料代码", "物料编号", "料号", "品号", "商品代码", "产品代码", "产品编号",
            "货品编码", "货品编号", "货品代码", "存货代码", "客户料号", "供应商料号", "客户物料号",
            "item"),
    "title": ("title", "product_name", "product", "item_name", "description",
              "item_description", "商品名称", "品名", "商品标题", "商品", "产品名称", "商品描述",
              "物料名称", "存货名称", "material_description", "short_text",
              "product_description", "item_text", "物料描述", "产品描述", "货品名称",
              "物料短文本", "短文本"),
    "quantity": ("quantity", "qty", "数量", "件数", "购买数量", "order_qty", "qty_ordered",
                 "quantity_ordered", "ordered_qty", "订购数量", "采购数量", "订货数量",
                 "order_quantity", "ordered_quantity", "po_quantity", "po_qty",
                 "purchase_quantity", "requested_quantity", "menge", "bestellmenge",
                 "订单数量", "下单数量", "需求数量", "采购订单数量"),
    "unit_price": ("unit_price", "price", "单价", "销售单价", "价格", "成交单价", "unit_cost",
                   "price_per_unit", "net_price", "采购单价", "含税单价", "订货单价",
                   "net_unit_price", "unit_net_price", "purchase_price", "po_price",
                   "item_price", "contract_price", "nettopreis", "净价", "未税单价",
                   "不含税单价", "采购价", "订单单价", "rate"),
    "discount": ("discount", "line_discount", "优惠", "优惠金额", "折扣金额", "折扣"),
    "tax": ("tax", "tax_amount", "税额", "税费", "税金"),
    "currency": ("currency", "币种", "货币", "currency_code", "币别", "currency_key",
                 "curr", "crcy", "document_currency", "order_currency", "po_currency",
                 "transaction_currency", "waehrung", "währung", "币制", "货币代码", "结算币种",
                 "交易币种", "币种代码"),
    "customer_ref": ("customer_ref", "customer_id", "customer_code",
                     "客户编码", "客户编号", "客户代码", "会员号", "buyer_id", "buyer_code",
                     "sold_to_party", "sold_to", "售达方"),
    "customer_name": ("customer_name", "customer", "company",
                      "客户名称", "客户", "公司名称", "买家", "buyer", "buyer_name", "买家姓名"),
    "buyer_company": ("buyer_company", "bill_to_company", "company_name", "buyer_company_name",
                      "采购单位", "采购方", "采购公司", "购买单位", "购货单位", "客户公司",
                      "订货单位"),
    "ship_to_site": ("ship_to_site", "ship_to", "ship_to_code", "site", "site_code",
                     "store_code", "delivery_site", "收货门店", "送货门店", "门店编码", "门店",
                     "收货单位", "收货站点", "送达方", "ship_to_party", "ship_to_location",
                     "deliver_to_location", "收货工厂"),
    "recipient": ("recipient", "receiver", "consignee", "ship_to_name", "ship_to_contact",
                  "contact_name", "attn", "收货人", "收件人", "联系人", "收货人姓名",
                  "收件人姓名"),
    "phone": ("phone", "mobile", "tel", "telephone", "phone_number", "mobile_phone",
              "ship_to_phone", "ship_to_tel", "recipient_phone", "consignee_phone",
              "contact_phone", "contact_number", "contact_no", "phone_no", "telephone_number",
              "telephone_no", "tel_no", "tel_number", "手机", "手机号",
              "联系电话", "电话", "收货人手机", "收货人电话",
              "收件人电话", "收件人手机", "收货电话", "联系方式", "手机号码"),
    "email": ("email", "e-mail", "邮箱", "电子邮箱", "ship_to_email"),
    "province": ("province", "state", "省", "省份", "ship_to_province", "ship_to_state",
                 "收货省份", "省/直辖市", "所在省", "state/province", "province/state",
                 "state_province", "province_state", "省/州", "省份/州", "state_code",
                 "province_code", "county_state", "州/省", "region"),
    "city": ("city", "市", "城市", "ship_to_city", "收货城市", "所在市", "town", "city_town",
             "所在城市"),
    "district": ("district", "county", "区", "区县", "县区", "区/县", "县", "ship_to_district",
                 "收货区县", "所在区"),
    "address": ("address", "address1", "street", "详细地址", "地址", "收货地址", "收件地址",
                "送货地址", "ship_to_address", "shipping_address", "address_line1",
                "street_address", "delivery_address", "street_house_number",
                "street_and_house_number", "street_house_no", "street_1",
                "街道地址", "街道"),
    "postal_code": ("postal_code", "zip", "zipcode", "postcode", "邮编", "邮政编码",
                    "ship_to_zip", "ship_to_postcode", "postal", "zip_postal_code",
                    "postal_zip_code"),
    "country": ("country", "country_code", "国家", "国家/地区", "ship_to_country",
                "country_key", "country_region", "ctry", "国家或地区", "国别", "国家代码"),
    "order_type": ("order_type", "type", "订单类型"),
    "shipping_fee": ("shipping_fee", "shipping", "freight", "运费"),
    # The order's total as the file states it (the amounts check compares the hub's sum of
    # lines, shipping and charges with it); a bare "total" is left out: in line-item files
    # it is as often the line's amount.
    "order_total": ("order_total", "po_total", "order_amount", "grand_total", "total_due",
                    "订单总额", "订单总金额", "订单金额", "整单金额", "采购总额", "应付总额",
                    # (not SAP's "Net Order Value": EKPO-NETWR, the item's value)
                    "order_value", "po_value", "total_order_value",
                    "po_total_value", "total_po_value", "document_total", "订单总价",
                    "采购订单总额", "订单总值"),
    "placed_at": ("placed_at", "order_date", "order_time", "created_at", "date",
                  "下单时间", "订单日期", "日期", "销售时间", "po_date", "采购日期",
                  "document_date", "purchase_order_date", "po_creation_date", "creation_date",
                  "下单日期", "凭证日期", "采购订单日期", "订货日期", "创建日期"),
    "requested_delivery": ("requested_delivery", "requested_delivery_date", "delivery_date",
                           "required_date", "need_by", "need_by_date", "要求到货日期",
                           "期望到货日期", "交货日期", "到货日期", "送达日期", "要求交期", "交期",
                           "requested_date", "promised_date", "required_by", "需求日期",
                           "要求交货日期", "交付日期"),
    "note": ("note", "notes", "remark", "remarks", "comment", "comments", "buyer_message",
             "备注", "买家留言", "订单备注", "客户备注", "留言", "买家备注"),
    "invoice_title": ("invoice_title", "发票抬头", "开票抬头", "开票名称"),
    "invoice_tax_id": ("invoice_tax_id", "tax_id", "vat_number", "税号", "纳税人识别号",
                       "统一社会信用代码"),
    "barcode": ("barcode", "ean", "upc", "gtin", "条码", "条形码", "商品条码"),
    "baby_age_months": ("baby_age_months", "baby_age", "婴儿月龄", "宝宝月龄"),
    "buyer_age": ("buyer_age", "买家年龄", "购买人年龄"),
    "cross_border": ("cross_border", "跨境", "是否跨境"),
    "declared_value": ("declared_value", "申报价值", "申报金额"),
    "hs_code": ("hs_code", "hs", "HS编码", "海关编码", "商品HS编码"),
    "origin_country": ("origin_country", "country_of_origin", "原产国"),
    # SAP's price unit (PEINH): the net price is per this many units ("250 per 100 PC")
    "price_unit": ("price_unit", "pricing_unit", "价格单位"),
}
CANONICAL_FIELDS: tuple[str, ...] = tuple(DEFAULT_HEADERS)
REQUIRED_FIELDS: tuple[str, ...] = ("external_id", "sku", "quantity", "unit_price")
# Fields that describe the order, not the line: repeated values on its rows must agree.
ORDER_FIELDS: tuple[str, ...] = (
    "currency", "customer_ref", "customer_name", "recipient", "phone", "email", "province",
    "city", "district", "address", "postal_code", "country", "order_type", "shipping_fee",
    "order_total", "placed_at", "baby_age_months", "buyer_age", "cross_border", "declared_value",
    "po_number", "buyer_company", "ship_to_site", "requested_delivery", "note",
    "invoice_title", "invoice_tax_id",
)
# Order fields kept as `ChannelOrder.attributes` (declarations the compliance rules read,
# the purchase order's references, the buyer's note and invoice details).
ATTRIBUTE_FIELDS: tuple[str, ...] = (
    "baby_age_months", "buyer_age", "po_number", "ship_to_site", "requested_delivery", "note",
    "invoice_title", "invoice_tax_id",
)
# Prefixes that say a column is the recipient's (compared normalised): "收货人手机号码" is a
# phone, "Ship To City" a city, even when that exact header is not listed above.
RECIPIENT_PREFIXES: tuple[str, ...] = ("shipto", "recipient", "consignee", "deliveryto",
                                       "收货人", "收件人", "收货", "收件", "送货")
# Prefixes that say a column is the line's item's ("Item SKU", "商品数量"), read only for
# the line's fields.
ITEM_PREFIXES: tuple[str, ...] = ("item", "product", "line", "goods", "article", "商品", "产品")
LINE_FIELDS: frozenset[str] = frozenset({"sku", "title", "quantity", "unit_price", "discount",
                                         "tax", "barcode", "hs_code", "origin_country"})
# A file with any of these columns holds purchase orders: its orders are B2B (unless an
# order type column says otherwise).
B2B_FIELDS: tuple[str, ...] = ("po_number", "buyer_company", "ship_to_site")
TRUE_FLAGS = frozenset({"true", "1", "yes", "y", "是"})
FALSE_FLAGS = frozenset({"false", "0", "no", "n", "否"})
COUNTRY_ALIASES = {"中国": "CN", "中国大陆": "CN", "中华人民共和国": "CN", "CHINA": "CN",
                   "香港": "HK", "中国香港": "HK", "澳门": "MO", "中国澳门": "MO",
                   "台湾": "TW", "中国台湾": "TW", "日本": "JP", "韩国": "KR", "美国": "US",
                   "英国": "GB", "德国": "DE", "法国": "FR", "意大利": "IT", "荷兰": "NL",
                   "澳大利亚": "AU", "新西兰": "NZ", "加拿大": "CA", "新加坡": "SG"}
ORDER_TYPE_ALIASES = {"b2c": OrderType.B2C, "零售": OrderType.B2C, "b2b": OrderType.B2B,
                      "批发": OrderType.B2B, "企业": OrderType.B2B, "pre_sale": OrderType.PRE_SALE,
                      "presale": OrderType.PRE_SALE, "预售": OrderType.PRE_SALE}
# fmt: on


@dataclass(frozen=True, slots=True)
class RowError:
    """A problem with one row (row 1 is the header; row 0 is the file itself)."""

    row: int
    field: str
    message: str


@dataclass(slots=True)
class TabularResult:
    """The orders read (each with its row numbers) and the problems found."""

    orders: list[tuple[list[int], ChannelOrder]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # headers no field reads
    columns: dict[str, str] = field(default_factory=dict)  # canonical field -> header


class _FileError(Exception):
    """The file cannot be read at all."""


def normalise(header: Any) -> str:
    """A header as compared: lower case, without spaces, _ - * : . # / 、 and a trailing
    (unit), so `PO No.`, `po_no` and `PO-NO` are one header, as are 区/县 and 区县."""
    text = "" if header is None else str(header).replace("\ufeff", "").strip().lower()
    text = re.sub(r"[（(][^）)]*[）)]$", "", text)
    return re.sub(r"[\s_\-*:：.#/／、]+", "", text)


# ----- reading ------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _FileError(f"not valid UTF-16 text ({exc.reason})") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise _FileError("not UTF-8 or GBK text") from exc


def read_csv(data: bytes) -> list[tuple[int, list[Any]]]:
    """(row number, cells) for every record of a CSV file."""
    text = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [(n, list(cells)) for n, cells in enumerate(reader, start=1)]
    except csv.Error as exc:
        raise _FileError(f"CSV error at record {reader.line_num}: {exc}") from exc


def read_xlsx(data: bytes) -> list[tuple[int, list[Any]]]:
    """(row number, cells) for every row of the first worksheet of an XLSX file."""
    try:
        import openpyxl  # type: ignore[import-untyped, import-not-found, unused-ignore]
    except ImportError as exc:  # pragma: no cover - openpyxl is a dependency
        raise _FileError("reading .xlsx needs the openpyxl package") from exc
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # an untrusted file may break the reader in many ways
        raise _FileError(f"not a readable .xlsx workbook ({type(exc).__name__})") from exc
    try:
        sheet = book.worksheets[0]
        return [
            (n, list(cells))
            for n, cells in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)
        ]
    finally:
        book.close()


# ----- cell values --------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A CSV or XLSX cell as text (shared by every file reader: order files, legacy
    exports, settlement statements)."""
    if type(value) is str:  # every CSV cell: the fast path
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 13800138000 or 1001 as a float
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


_text = cell_text


def cell_moment(value: Any, naive_tz: tzinfo) -> datetime:
    """A cell's ISO date-time (a date cell, YYYY-MM-DD[ HH:MM:SS], / for -; naive ones in
    `naive_tz`) in UTC; ValueError naming the text otherwise (legacy exports and settlement
    statements: their dates are ISO; order files also read other shapes, `_moment`)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    else:
        text = cell_text(value).replace("/", "-")
        text = re.sub(r"\s+([+-]\d{2}:?\d{2})$", r"\1", text)  # Shopify: "... -0500"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"'{cell_text(value)}' is not a date-time "
                             "(YYYY-MM-DD HH:MM:SS)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=naive_tz)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 moved across midnight UTC
        raise ValueError(f"'{cell_text(value)}' is out of range") from None


_AMOUNT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(f"'{value}' is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # A spreadsheet's number is a binary float (a formula's 3 x 19.9 is stored as
        # 59.699999999999996): read to the 15 significant digits a spreadsheet shows
        if not math.isfinite(value):
            raise ValueError(f"'{value}' is not a number")
        found = Decimal(format(value, ".15g"))
        whole = found == found.to_integral_value() and abs(found) < Decimal("1e15")
        return found.quantize(Decimal(1)) if whole else found.normalize()
    if isinstance(value, Decimal):
        return value
    text = re.sub(r"[\s¥￥$€£]", "", _text(value))
    if _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    if not _AMOUNT.fullmatch(text):
        raise ValueError(f"'{_text(value)}' is not a number")
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
        raise ValueError(f"'{text}' is not a number") from exc


def _quantity(value: Any) -> int:
    try:
        amount = _decimal(value)
    except ValueError:
        raise ValueError(f"'{_text(value)}' is not a whole number") from None
    if amount != amount.to_integral_value():
        raise ValueError(f"'{_text(value)}' is not a whole number")
    if amount <= 0:
        raise ValueError(f"must be a positive whole number, got {_text(value)}")
    return int(amount)


_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y%m%d")


DateOrder = Literal["dmy", "mdy"]
# A day and month written with a separator before a four-digit year: 05.12.2026, 12/05/2026.
_NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})([./-])(\d{1,2})\2(\d{4})"
                           r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$")
# Countries whose exports write the month first (12/05/2026 is 5 December).
_MONTH_FIRST = frozenset({"US", "PH", "FM", "MH", "PW", "BZ"})


def date_order(rows: list[tuple[int, list[Any]]], columns: Mapping[str, int],
               now: datetime | None = None) -> DateOrder:
    """Whether the file's numeric dates are day-first or month-first: a day above 12 or a
    dotted date (05.12.2026) says day-first, a second number above 12 month-first. A file
    whose dates never say is read the way that puts its order dates nearer to `now` (an
    export is recent: 12/05/2026 read on 7 December 2026 is 5 December), and where that
    does not decide either, as its ship-to countries write dates (month-first for the US;
    day-first elsewhere)."""
    day_first = month_first = 0
    seen: list[re.Match[str]] = []
    for _, cells in rows:
        for name in ("placed_at", "requested_delivery"):
            i = columns.get(name)
            m = _NUMERIC_DATE.match(_text(cells[i])) if i is not None and i < len(cells) else None
            if m is None:
                continue
            a, b = int(m.group(1)), int(m.group(3))
            day_first += a > 12 or m.group(2) == "."
            month_first += b > 12
            if name == "placed_at":
                seen.append(m)
    if day_first != month_first:
        return "dmy" if day_first > month_first else "mdy"
    if now is not None and seen:
        today = now.date()

        def distance(order: DateOrder) -> int:
            days = sorted(abs((d.date() - today).days) for d in (
                _safe_date(m, order) for m in seen) if d is not None)
            return days[len(days) // 2] if days else 10**6

        near_dmy, near_mdy = distance("dmy"), distance("mdy")
        if near_dmy != near_mdy:
            return "dmy" if near_dmy < near_mdy else "mdy"
    i = columns.get("country")
    found = [country_from_name(_text(cells[i])) for _, cells in rows
             if i is not None and i < len(cells) and _text(cells[i])]
    us = sum(code in _MONTH_FIRST for code in found)
    return "mdy" if found and us * 2 > len(found) else "dmy"


def _safe_date(m: re.Match[str], order: DateOrder) -> datetime | None:
    try:
        return _numeric_date(m.group(0), order)
    except ValueError:
        return None


def _numeric_date(text: str, order: DateOrder) -> datetime | None:
    m = _NUMERIC_DATE.match(text)
    if m is None:
        return None
    a, b = int(m.group(1)), int(m.group(3))
    day, month = (a, b) if order == "dmy" else (b, a)
    if m.group(2) == ".":
        day, month = a, b  # dotted dates are day-first everywhere they are written
    hour, minute, second = (int(m.group(k) or 0) for k in (5, 6, 7))
    return datetime(int(m.group(4)), month, day, hour, minute, second)


# A date as Chinese spreadsheets write it: 2026年12月5日 [14:30[:00]] (also 号, 时/点 and 分)
_CHINESE_DATE = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?"
                           r"(?:\s*(\d{1,2})\s*[:：时点]\s*(\d{1,2})\s*分?"
                           r"(?:\s*[:：]\s*(\d{1,2})\s*秒?)?)?\s*$")


def _chinese_date(text: str) -> str:
    """`2026年12月5日 9:05` as `2026-12-05 09:05:00`; other text as it is."""
    m = _CHINESE_DATE.match(text)
    if m is None:
        return text
    y, mo, d, h, mi, sec = (int(g) if g else 0 for g in m.groups())
    return f"{y:04d}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{sec:02d}"


def _moment(value: Any, naive_tz: tzinfo, order: DateOrder = "dmy") -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    else:
        text = _chinese_date(_text(value))
        try:
            numeric = _numeric_date(text, order)
        except ValueError:
            shape = "day/month/year" if order == "dmy" else "month/day/year"
            raise ValueError(f"'{text}' is not a date (read as {shape})") from None
        try:
            moment = numeric or datetime.fromisoformat(text)
        except ValueError:
            cleaned = text.replace("/", "-").replace("T", " ")
            for fmt in _TIME_FORMATS:
                try:
                    moment = datetime.strptime(cleaned, fmt)
                    break
                except ValueError:
                    continue
            else:
                raise ValueError(f"'{text}' is not a date-time (YYYY-MM-DD HH:MM:SS)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=naive_tz)
    return moment.astimezone(UTC)


def _currency(value: Any) -> str:
    """An ISO 4217 code, however written (人民币, 新台币, US$, HK$, Swiss Franc: see
    adapters/currency_names.py). Three letters that are no currency are kept: intake holds
    the order (fx_rate_missing), as it holds one in a currency without a rate."""
    text = _text(value)
    code = currency_from_text(text)
    if not code:
        raise ValueError(f"'{text}' is not a currency (an ISO 4217 code such as CNY or USD, "
                         "or a name such as 人民币, 美元, 新台币, US$)")
    return code


def _country(value: Any) -> str:
    text = _text(value)
    code = COUNTRY_ALIASES.get(text.upper(), COUNTRY_ALIASES.get(text, text.upper()))
    if not re.fullmatch(r"[A-Z]{2}", code):
        code = country_from_name(text)  # 澳門, 台灣, Hong Kong, Korea, Republic of, 大韩民国...
    if not re.fullmatch(r"[A-Z]{2}", code):
        raise ValueError(f"'{text}' is not an ISO 3166-1 alpha-2 country code")
    return code


def _whole(value: Any) -> str:
    """A non-negative whole number (an age) as its digits."""
    try:
        amount = _decimal(value)
    except ValueError:
        raise ValueError(f"'{_text(value)}' is not a whole number") from None
    if amount != amount.to_integral_value() or amount < 0:
        raise ValueError(f"'{_text(value)}' is not a whole number")
    return str(int(amount))


def _flag(value: Any) -> bool:
    text = _text(value).lower()
    if text in TRUE_FLAGS:
        return True
    if text in FALSE_FLAGS:
        return False
    raise ValueError(f"'{_text(value)}' is not yes or no (true/false, 1/0, 是/否)")


def _order_type(value: Any) -> OrderType:
    text = _text(value)
    found = ORDER_TYPE_ALIASES.get(text.lower().replace("-", "_"))
    if found is None:
        raise ValueError(f"'{text}' is not an order type (b2c, b2b, pre_sale)")
    return found


# ----- columns ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ColumnMatch:
    """Which column each canonical field is read from, the header's problems, and the
    headers no field reads (reported, never a reason to refuse the file)."""

    columns: dict[str, int]
    errors: list[RowError]
    ignored: list[str]
    headers: dict[str, str]  # canonical field -> the file's header it is read from


def check_mapping(mapping: Mapping[str, str]) -> None:
    """Raise ValueError naming the field unless `mapping` (canonical field -> header) is
    well formed: known fields, non-empty headers, no header named for two fields."""
    unknown = sorted(set(mapping) - set(CANONICAL_FIELDS))
    if unknown:
        raise ValueError(
            f"unknown canonical field(s) {', '.join(unknown)}; known: {', '.join(CANONICAL_FIELDS)}"
        )
    seen: dict[str, str] = {}
    for name, header in mapping.items():
        key = normalise(header)
        if not key:
            raise ValueError(f"{name}: the header is empty")
        if key in seen:
            raise ValueError(f"{name}: header '{header}' is already mapped to {seen[key]}")
        seen[key] = name


def match_columns(header: list[Any], mapping: Mapping[str, str] | None, row: int,
                  optional: Collection[str] = ()) -> ColumnMatch:
    """Columns of `header` for each canonical field: `mapping` (field -> header) first, then
    the known synonyms (DEFAULT_HEADERS). A purchase-order number stands in for the order
    number when the file has none. Unknown headers are listed in `ignored`. A field in
    `optional` (from a saved mapping) whose header is not in this file is read as if it
    were not mapped."""
    check_mapping(dict(mapping or {}))
    positions_all = {normalise(cell) for cell in header if _text(cell)}
    mapping = {name: h for name, h in (mapping or {}).items()
               if name not in optional or normalise(h) in positions_all}
    positions: dict[str, int] = {}
    for i, cell in enumerate(header):
        if _text(cell):
            positions.setdefault(normalise(cell), i)
    columns: dict[str, int] = {}
    errors: list[RowError] = []
    for name in CANONICAL_FIELDS:
        if name not in mapping:
            continue
        index = positions.get(normalise(mapping[name]))
        if index is None:
            errors.append(RowError(row, name, f"column '{mapping[name]}' is not in the header"))
            continue
        columns[name] = index
    for name in CANONICAL_FIELDS:
        if name in mapping:
            continue
        for alias in DEFAULT_HEADERS[name]:
            index = positions.get(normalise(alias))
            if index is not None and index not in columns.values():
                columns[name] = index
                break
    # Second pass: a header that says whose it is ("收货人手机号码", "Ship To City") is read
    # as the header without that prefix, for a field still without a column.
    aliases = {normalise(a): name for name in CANONICAL_FIELDS for a in DEFAULT_HEADERS[name]}
    for i, cell in enumerate(header):
        key = normalise(cell)
        if not key or i in columns.values() or key in aliases:
            continue
        for prefix in RECIPIENT_PREFIXES + ITEM_PREFIXES:
            target = aliases.get(key[len(prefix):]) if key.startswith(prefix) else None
            if prefix in ITEM_PREFIXES and target not in LINE_FIELDS:
                continue
            if target is not None and target not in columns and target not in mapping:
                columns[target] = i
                break
    if "external_id" not in columns and "external_id" not in mapping and "po_number" in columns:
        columns["external_id"] = columns["po_number"]
    used = set(columns.values())
    ignored = [_text(cell) for i, cell in enumerate(header) if _text(cell) and i not in used]
    for name in REQUIRED_FIELDS:
        if name not in columns and name not in mapping:
            wanted = ", ".join(DEFAULT_HEADERS[name][:6])
            # Name the file's columns no field reads: one of them is likely this field
            unknown = ", ".join(f"'{h}'" for h in ignored) or "none"
            errors.append(RowError(
                row, name, f"no column for this field (headers: {wanted}, …; or --map "
                f"HEADER={name}); columns not understood: {unknown}"))
    headers = {name: _text(header[i]) for name, i in columns.items()}
    return ColumnMatch(columns, errors, ignored, headers)


def resolve_columns(
    header: list[Any], mapping: Mapping[str, str] | None, row: int
) -> tuple[dict[str, int], list[RowError]]:
    """Column index of each canonical field found in `header`, and the header's problems."""
    found = match_columns(header, mapping, row)
    return found.columns, found.errors


# ----- rows to orders -----------------------------------------------------------------------


@dataclass(slots=True)
class _Row:
    number: int
    external_id: str
    line: ChannelLine | None
    values: dict[str, Any]
    errors: list[RowError]


def _read_row(number: int, cells: list[Any], columns: dict[str, int], naive_tz: tzinfo,
              order: DateOrder = "dmy") -> _Row:
    raw = {name: (cells[i] if i < len(cells) else None) for name, i in columns.items()}
    errors: list[RowError] = []
    values: dict[str, Any] = {}

    def convert(name: str, fn: Callable[[Any], Any]) -> Any:
        cell = raw.get(name)
        if _text(cell) == "":
            return None
        try:
            return fn(cell)
        except ValueError as exc:
            errors.append(RowError(number, name, str(exc)))
            return None

    external_id = _text(raw.get("external_id"))
    if not external_id:  # a summary or stray row: it belongs to no order
        return _Row(number, "", None, {}, [RowError(number, "external_id", "is empty")])
    sku = _text(raw.get("sku"))
    if not sku:
        errors.append(RowError(number, "sku", "is empty"))
    quantity = convert("quantity", _quantity)
    if quantity is None and not any(e.field == "quantity" for e in errors):
        errors.append(RowError(number, "quantity", "is empty"))
    unit_price = convert("unit_price", _decimal)
    if unit_price is None and not any(e.field == "unit_price" for e in errors):
        errors.append(RowError(number, "unit_price", "is empty"))
    per = convert("price_unit", _decimal)
    if per is not None and per <= 0:
        errors.append(RowError(number, "price_unit", f"must be positive, got {per}"))
    elif per is not None and unit_price is not None and per != 1:
        unit_price = unit_price / per  # the price of one unit
    amounts: dict[str, Decimal] = {}
    for name in ("unit_price", "discount", "tax", "shipping_fee", "declared_value",
                 "order_total"):
        amount = unit_price if name == "unit_price" else convert(name, _decimal)
        if amount is not None and amount < 0:
            errors.append(RowError(number, name, f"must not be negative, got {amount}"))
        elif amount is not None:
            amounts[name] = amount
    parsers: dict[str, Callable[[Any], Any]] = {
        "currency": _currency,
        "country": _country,
        "order_type": _order_type,
        "placed_at": lambda v: _moment(v, naive_tz, order),
        "baby_age_months": _whole,
        "buyer_age": _whole,
        "cross_border": _flag,
        "requested_delivery": lambda v: _moment(v, naive_tz, order).astimezone(naive_tz).date()
        .isoformat(),
    }
    for name in ORDER_FIELDS:
        if name in ("shipping_fee", "declared_value", "order_total"):
            if name in amounts:
                values[name] = amounts[name]
            continue
        value = convert(name, parsers.get(name, _text))
        if value not in (None, ""):
            values[name] = value
    origin_country = convert("origin_country", _country) or ""
    line = None
    if not errors and quantity is not None and "unit_price" in amounts:
        line = ChannelLine(
            channel_sku=sku,
            title=_text(raw.get("title")),
            quantity=quantity,
            unit_price=amounts["unit_price"],
            discount=amounts.get("discount", Decimal(0)),
            tax=amounts.get("tax", Decimal(0)),
            barcode=_text(raw.get("barcode")),
            line_ref=str(number),
            hs_code=_text(raw.get("hs_code")),
            origin_country=origin_country,
        )
    return _Row(number, external_id, line, values, errors)


def _build_order(
    external_id: str,
    rows: list[_Row],
    *,
    default_currency: str,
    default_country: str,
    default_order_type: OrderType,
    received_at: datetime,
    b2b_file: bool = False,
    has_recipient: bool = False,
) -> tuple[ChannelOrder | None, list[RowError]]:
    """One order from its rows; order-level values must agree where they are repeated."""
    errors: list[RowError] = []
    first: dict[str, tuple[Any, int]] = {}
    for row in rows:
        for name, value in row.values.items():
            if name not in first:
                first[name] = (value, row.number)
            elif first[name][0] != value:
                seen, where = first[name]
                errors.append(
                    RowError(
                        row.number,
                        name,
                        f"'{_text(value)}' differs from '{_text(seen)}' (row {where})",
                    )
                )
    bad = sorted({e.row for e in errors} | {r.number for r in rows if r.errors})
    if bad:
        listed = ", ".join(str(n) for n in bad)
        for row in rows:
            if row.number not in bad:
                errors.append(
                    RowError(
                        row.number,
                        "external_id",
                        f"order '{external_id}' left out because of errors in row(s) {listed}",
                    )
                )
        return None, errors

    def get(name: str, default: Any = "") -> Any:
        return first[name][0] if name in first else default

    company = get("buyer_company")
    # A file without a recipient column ships to its customer (or buyer company); a blank
    # recipient cell in a file that has the column is a missing value, left blank for the
    # required-fields check to hold, not filled with the buying company's name.
    recipient = get("recipient") if has_recipient else (get("customer_name") or company)
    placed_at: datetime | None = get("placed_at", None)
    if b2b_file and "order_type" not in first:
        default_order_type = OrderType.B2B
    order = ChannelOrder(
        external_id=external_id,
        status="open",
        updated_at=placed_at or received_at,
        currency=get("currency", default_currency),
        lines=[row.line for row in rows if row.line is not None],
        customer=Customer(
            ref=get("customer_ref"),
            name=company or get("customer_name") or recipient,
            email=get("email"),
            phone=get("phone"),
        ),
        shipping_address=Address(
            country=get("country", default_country),
            province=get("province"),
            city=get("city"),
            district=get("district"),
            line1=get("address"),
            postal_code=get("postal_code"),
            name=recipient,
            phone=get("phone"),
        ),
        shipping_fee=get("shipping_fee", Decimal(0)),
        total=get("order_total", None),
        placed_at=placed_at,
        order_type=get("order_type", default_order_type),
        cross_border=get("cross_border", False),
        declared_value=get("declared_value", None),
        requested_delivery=(date.fromisoformat(get("requested_delivery"))
                            if "requested_delivery" in first else None),
        attributes={name: _text(get(name)) for name in ATTRIBUTE_FIELDS if name in first},
        raw={
            "rows": [{"row": r.number, **{k: _text(v) for k, v in r.values.items()}} for r in rows]
        },
    )
    return order, []


def parse_rows(
    data: bytes,
    *,
    fmt: Fmt,
    mapping: Mapping[str, str] | None = None,
    default_currency: str = "CNY",
    default_country: str = "CN",
    default_order_type: OrderType = OrderType.B2C,
    naive_tz: tzinfo = CHINA_TZ,
    received_at: datetime | None = None,
    optional: Collection[str] = (),
) -> TabularResult:
    """Read a CSV or XLSX order file into orders and row errors.

    `mapping` maps canonical fields to the file's headers (others use DEFAULT_HEADERS);
    an unknown canonical name or a header named twice raises ValueError. Headers no
    field reads are listed in `result.ignored`. Naive times are read in `naive_tz`
    (China time by default); an order without `placed_at` is stamped `received_at`.
    """
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"unknown format '{fmt}' (csv or xlsx)")
    result = TabularResult()
    try:
        table = read_csv(data) if fmt == "csv" else read_xlsx(data)
    except _FileError as exc:
        result.errors.append(RowError(0, "file", str(exc)))
        return result
    rows = [(n, cells) for n, cells in table if any(_text(c) for c in cells)]
    if not rows:
        result.errors.append(RowError(0, "file", "the file has no header row"))
        return result
    header_row, header = rows[0]
    match = match_columns(header, mapping, header_row, optional)
    columns, header_errors = match.columns, match.errors
    result.ignored, result.columns = match.ignored, match.headers
    if header_errors:
        result.errors.extend(header_errors)
        if any(e.field in REQUIRED_FIELDS for e in header_errors):
            return result
    now = received_at or datetime.now(UTC)

    grouped: dict[str, list[_Row]] = {}
    dates = date_order(rows[1:], columns, now)
    for number, cells in rows[1:]:
        row = _read_row(number, cells, columns, naive_tz, dates)
        result.errors.extend(row.errors)
        if row.external_id:
            grouped.setdefault(row.external_id, []).append(row)
    for external_id, order_rows in grouped.items():
        order, errors = _build_order(
            external_id,
            order_rows,
            default_currency=default_currency,
            default_country=default_country,
            default_order_type=default_order_type,
            received_at=now,
            b2b_file=any(name in columns for name in B2B_FIELDS),
            has_recipient="recipient" in columns,
        )
        result.errors.extend(errors)
        if order is not None:
            result.orders.append(([r.number for r in order_rows], order))
    result.errors.sort(key=lambda e: (e.row, e.field))
    return result


@dataclass(slots=True)
class TabularPreview:
    """The first rows of a file as they would be read: each row's values by canonical
    field (as written in the file), the columns used and ignored, and the problems."""

    columns: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    order_type: str = OrderType.B2C.value
    total_rows: int = 0


def preview_rows(
    data: bytes,
    *,
    fmt: Fmt,
    mapping: Mapping[str, str] | None = None,
    limit: int = 10,
    naive_tz: tzinfo = CHINA_TZ,
    optional: Collection[str] = (),
) -> TabularPreview:
    """The first `limit` data rows as mapped; nothing is converted into orders or stored."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"unknown format '{fmt}' (csv or xlsx)")
    preview = TabularPreview()
    try:
        table = read_csv(data) if fmt == "csv" else read_xlsx(data)
    except _FileError as exc:
        preview.errors.append(RowError(0, "file", str(exc)))
        return preview
    rows = [(n, cells) for n, cells in table if any(_text(c) for c in cells)]
    if not rows:
        preview.errors.append(RowError(0, "file", "the file has no header row"))
        return preview
    header_row, header = rows[0]
    match = match_columns(header, mapping, header_row, optional)
    preview.columns, preview.ignored = match.headers, match.ignored
    preview.errors.extend(match.errors)
    preview.total_rows = len(rows) - 1
    if any(name in match.columns for name in B2B_FIELDS):
        preview.order_type = OrderType.B2B.value
    for number, cells in rows[1:limit + 1]:
        values = {name: _text(cells[i]) if i < len(cells) else ""
                  for name, i in sorted(match.columns.items(), key=lambda kv: kv[1])}
        preview.rows.append({"row": number, **values})
        if not any(e.field in REQUIRED_FIELDS and e.row == header_row for e in match.errors):
            preview.errors.extend(_read_row(
                number, cells, match.columns, naive_tz,
                date_order(rows[1:], match.columns, datetime.now(UTC))).errors)
    return preview


class TabularAdapter:
    """The channel-adapter face of `parse_rows` for a file holding a single order."""

    name = "tabular"

    def __init__(self, fmt: Fmt = "csv", mapping: Mapping[str, str] | None = None) -> None:
        self.fmt: Fmt = fmt
        self.mapping = dict(mapping or {})

    def verify(self, body: bytes, headers: Mapping[str, str], secret: str) -> None:
        """Files carry no signature: nothing to check (authenticate the uploader instead)."""

    def parse(self, body: bytes) -> ChannelOrder:
        """The file's only order; any row error or a second order is a PayloadError."""
        result = self.parse_many(body)
        if result.errors:
            e = result.errors[0]
            raise PayloadError(e.message, f"row {e.row}: {e.field}")
        if len(result.orders) != 1:
            raise PayloadError(f"expected one order, the file has {len(result.orders)}")
        return result.orders[0][1]

    def parse_many(self, body: bytes) -> TabularResult:
        """All orders of the file, with its row errors."""
        return parse_rows(body, fmt=self.fmt, mapping=self.mapping)
