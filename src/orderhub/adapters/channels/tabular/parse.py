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
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from orderhub.adapters.channels._payload import CHINA_TZ
from orderhub.adapters.channels.base import ChannelLine, ChannelOrder, PayloadError
from orderhub.domain.order import Address, Customer, OrderType
from orderhub.domain.regions import country_code

Fmt = Literal["csv", "xlsx"]

# Canonical field -> headers recognised without a mapping (compared after `normalise`).
# fmt: off
DEFAULT_HEADERS: dict[str, tuple[str, ...]] = {
    "external_id": ("external_id", "order_id", "order_no", "order_number", "order",
                    "订单号", "订单编号", "外部订单号", "单号", "销售单号", "小票号"),
    "sku": ("sku", "seller_sku", "sku_code", "item_code",
            "商品编码", "商家编码", "sku编码", "货号", "物料编码"),
    "title": ("title", "product_name", "product", "item_name",
              "商品名称", "品名", "商品标题", "商品"),
    "quantity": ("quantity", "qty", "数量", "件数", "购买数量"),
    "unit_price": ("unit_price", "price", "单价", "销售单价", "价格", "成交单价"),
    "discount": ("discount", "line_discount", "优惠", "优惠金额", "折扣金额", "折扣"),
    "tax": ("tax", "tax_amount", "税额", "税费", "税金"),
    "currency": ("currency", "币种", "货币"),
    "customer_ref": ("customer_ref", "customer_id", "customer_code",
                     "客户编码", "客户编号", "客户代码", "会员号"),
    "customer_name": ("customer_name", "customer", "company",
                      "客户名称", "客户", "公司名称", "买家"),
    "recipient": ("recipient", "receiver", "consignee", "ship_to_name",
                  "收货人", "收件人", "联系人"),
    "phone": ("phone", "mobile", "tel", "telephone",
              "手机", "手机号", "联系电话", "电话", "收货人手机"),
    "email": ("email", "e-mail", "邮箱", "电子邮箱"),
    "province": ("province", "state", "省", "省份"),
    "city": ("city", "市", "城市"),
    "district": ("district", "county", "区", "区县", "县区"),
    "address": ("address", "address1", "street", "详细地址", "地址", "收货地址"),
    "postal_code": ("postal_code", "zip", "zipcode", "postcode", "邮编", "邮政编码"),
    "country": ("country", "country_code", "国家", "国家/地区"),
    "order_type": ("order_type", "type", "订单类型"),
    "shipping_fee": ("shipping_fee", "shipping", "freight", "运费"),
    "placed_at": ("placed_at", "order_date", "order_time", "created_at", "date",
                  "下单时间", "订单日期", "日期", "销售时间"),
    "barcode": ("barcode", "ean", "upc", "gtin", "条码", "条形码", "商品条码"),
    "baby_age_months": ("baby_age_months", "baby_age", "婴儿月龄", "宝宝月龄"),
    "buyer_age": ("buyer_age", "买家年龄", "购买人年龄"),
    "cross_border": ("cross_border", "跨境", "是否跨境"),
    "declared_value": ("declared_value", "申报价值", "申报金额"),
    "hs_code": ("hs_code", "hs", "HS编码", "海关编码", "商品HS编码"),
    "origin_country": ("origin_country", "country_of_origin", "原产国"),
}
CANONICAL_FIELDS: tuple[str, ...] = tuple(DEFAULT_HEADERS)
REQUIRED_FIELDS: tuple[str, ...] = ("external_id", "sku", "quantity", "unit_price")
# Fields that describe the order, not the line: repeated values on its rows must agree.
ORDER_FIELDS: tuple[str, ...] = (
    "currency", "customer_ref", "customer_name", "recipient", "phone", "email", "province",
    "city", "district", "address", "postal_code", "country", "order_type", "shipping_fee",
    "placed_at", "baby_age_months", "buyer_age", "cross_border", "declared_value",
)
# Order fields kept as `ChannelOrder.attributes` (declarations the compliance rules read).
ATTRIBUTE_FIELDS: tuple[str, ...] = ("baby_age_months", "buyer_age")
TRUE_FLAGS = frozenset({"true", "1", "yes", "y", "是"})
FALSE_FLAGS = frozenset({"false", "0", "no", "n", "否"})
CURRENCY_ALIASES = {"RMB": "CNY", "人民币": "CNY", "元": "CNY", "港币": "HKD", "港元": "HKD",
                    "美元": "USD", "欧元": "EUR", "日元": "JPY", "英镑": "GBP"}
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


class _FileError(Exception):
    """The file cannot be read at all."""


def normalise(header: Any) -> str:
    """A header as compared: lower case, without spaces, _ - * : and a trailing (unit)."""
    text = "" if header is None else str(header).replace("\ufeff", "").strip().lower()
    text = re.sub(r"[（(][^）)]*[）)]$", "", text)
    return re.sub(r"[\s_\-*:：]+", "", text)


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


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 13800138000 or 1001 as a float
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


_AMOUNT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(f"'{value}' is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
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


def _moment(value: Any, naive_tz: tzinfo) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    else:
        text = _text(value)
        try:
            moment = datetime.fromisoformat(text)
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
    text = _text(value)
    code = CURRENCY_ALIASES.get(text.upper(), CURRENCY_ALIASES.get(text, text.upper()))
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValueError(f"'{text}' is not an ISO 4217 currency code")
    return code


def _country(value: Any) -> str:
    text = _text(value)
    code = COUNTRY_ALIASES.get(text.upper(), COUNTRY_ALIASES.get(text, text.upper()))
    if not re.fullmatch(r"[A-Z]{2}", code):
        code = country_code(text)  # 澳門, 台灣, Hong Kong, United States, ... (domain/regions)
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


def resolve_columns(
    header: list[Any], mapping: Mapping[str, str] | None, row: int
) -> tuple[dict[str, int], list[RowError]]:
    """Column index of each canonical field found in `header`, and the header's problems."""
    mapping = mapping or {}
    unknown = sorted(set(mapping) - set(CANONICAL_FIELDS))
    if unknown:
        raise ValueError(
            f"unknown canonical field(s) {', '.join(unknown)}; known: {', '.join(CANONICAL_FIELDS)}"
        )
    positions: dict[str, int] = {}
    for i, cell in enumerate(header):
        positions.setdefault(normalise(cell), i)
    columns: dict[str, int] = {}
    errors: list[RowError] = []
    for name in CANONICAL_FIELDS:
        if name in mapping:
            index = positions.get(normalise(mapping[name]))
            if index is None:
                errors.append(RowError(row, name, f"column '{mapping[name]}' is not in the header"))
                continue
            columns[name] = index
            continue
        for alias in DEFAULT_HEADERS[name]:
            index = positions.get(normalise(alias))
            if index is not None and index not in columns.values():
                columns[name] = index
                break
    for name in REQUIRED_FIELDS:
        if name not in columns and name not in mapping:
            wanted = ", ".join(DEFAULT_HEADERS[name][:6])
            errors.append(RowError(row, name, f"no column for this field (headers: {wanted}, …)"))
    return columns, errors


# ----- rows to orders -----------------------------------------------------------------------


@dataclass(slots=True)
class _Row:
    number: int
    external_id: str
    line: ChannelLine | None
    values: dict[str, Any]
    errors: list[RowError]


def _read_row(number: int, cells: list[Any], columns: dict[str, int], naive_tz: tzinfo) -> _Row:
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
    amounts: dict[str, Decimal] = {}
    for name in ("unit_price", "discount", "tax", "shipping_fee", "declared_value"):
        amount = unit_price if name == "unit_price" else convert(name, _decimal)
        if amount is not None and amount < 0:
            errors.append(RowError(number, name, f"must not be negative, got {amount}"))
        elif amount is not None:
            amounts[name] = amount
    parsers: dict[str, Callable[[Any], Any]] = {
        "currency": _currency,
        "country": _country,
        "order_type": _order_type,
        "placed_at": lambda v: _moment(v, naive_tz),
        "baby_age_months": _whole,
        "buyer_age": _whole,
        "cross_border": _flag,
    }
    for name in ORDER_FIELDS:
        if name in ("shipping_fee", "declared_value"):
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

    recipient = get("recipient") or get("customer_name")
    placed_at: datetime | None = get("placed_at", None)
    order = ChannelOrder(
        external_id=external_id,
        status="open",
        updated_at=placed_at or received_at,
        currency=get("currency", default_currency),
        lines=[row.line for row in rows if row.line is not None],
        customer=Customer(
            ref=get("customer_ref"),
            name=get("customer_name") or recipient,
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
        placed_at=placed_at,
        order_type=get("order_type", default_order_type),
        cross_border=get("cross_border", False),
        declared_value=get("declared_value", None),
        attributes={name: get(name) for name in ATTRIBUTE_FIELDS if name in first},
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
) -> TabularResult:
    """Read a CSV or XLSX order file into orders and row errors.

    `mapping` maps canonical fields to the file's headers (others use DEFAULT_HEADERS);
    an unknown canonical name raises ValueError. Naive times are read in `naive_tz`
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
    columns, header_errors = resolve_columns(header, mapping, header_row)
    if header_errors:
        result.errors.extend(header_errors)
        if any(e.field in REQUIRED_FIELDS for e in header_errors):
            return result
    now = received_at or datetime.now(UTC)

    grouped: dict[str, list[_Row]] = {}
    for number, cells in rows[1:]:
        row = _read_row(number, cells, columns, naive_tz)
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
        )
        result.errors.extend(errors)
        if order is not None:
            result.orders.append(([r.number for r in order_rows], order))
    result.errors.sort(key=lambda e: (e.row, e.field))
    return result


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
