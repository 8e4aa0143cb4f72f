"""Settlement files and carrier bills (CSV or XLSX) to `SettlementRow`s: bytes in, rows out,
pure (no I/O beyond the bytes given). domain/reconciliation.py says what the rows mean.

Columns are found by header after `normalise` (the tabular import's rule: case, spaces,
_ - / and a trailing unit in brackets do not count, so `收入金额（+元）` is `收入金额`).
Every source lists the columns it knows: the required ones, optional ones it reads, and
the template's other columns, which it accepts and ignores. A header that is none of these
is refused (the file may be another source's, or edited), as is a missing required column,
naming it: `row 1.<column>`. A row with a bad amount, date or currency is refused naming
its row (as a spreadsheet shows it: the header is row 1) and field: `row 7.收入金额`. The
whole file is refused if any row is: nothing is imported from half a file.

Sources, and where their columns come from:

- `tmall` (Tmall/Taobao: the Alipay merchant account statement, 支付宝 账务明细, CSV as
  Alipay's merchant portal exports it, with `#` comment lines before and after the table):
  账务流水号, 业务流水号, 商户订单号, 商品名称, 发生时间, 对方账号, 收入金额（+元）,
  支出金额（-元）, 账户余额（元）, 交易渠道, 业务类型, 备注 - the column set of Alipay's
  账务明细 download; 业务基础订单号 and 业务订单号 appear in the 结算明细 variant. Which
  order the row is for: 业务基础订单号 (the Taobao trade id) when present, else 商户订单号
  with Tmall's `T200P` prefix removed (an assumption from published statements: Tmall
  writes the trade id as `T200P<tid>` there). 入账时间 is accepted for 发生时间. Amounts
  are CNY (a 币种 column, if any, is read). 业务类型 gives the kind: 交易付款/在线支付 →
  payment, 交易退款 → refund, 软件服务费/技术服务费 → fee, 佣金/淘宝客佣金 → commission;
  提现/充值/转账 rows (money moved to the bank, no order) are skipped and counted.
- `jd` (JD POP 结算单 / 账单明细, the per-fee settlement detail export): 订单编号, 订单状态,
  商品编号, 商品名称, 商品数量, 应结金额, 费用名称, 收支方向, 售后服务单号, 佣金比例 as
  read by public scripts over JD's export; 费用项 (for 费用名称), 金额 (for 应结金额),
  结算时间/费用结算时间 and 单据编号 are assumed from JD's settlement page. 费用名称 gives the
  kind: 货款 → payment (refund when negative, i.e. 收支方向 支出), 佣金 → commission,
  交易服务费/平台使用费 → fee, 退款 → refund; 收支方向 支出 makes the amount negative.
- `douyin` (抖店 结算账单, one row per settled order): 订单号, 子订单号, 结算时间, 结算金额,
  平台服务费, 佣金, 退款金额, 订单金额 - assumed from the fields 抖店's settlement bill is
  described with (we found no published template); a row becomes a payment (订单金额, or
  结算金额 + 平台服务费 + 佣金 + 退款金额 when that column is absent), a fee, a commission and
  a refund. 结算流水号 (if present) is the row's reference, else the (sub-)order number.
- `shopify` (Shopify Payments payout transactions export, "Export transactions" in the
  admin): Transaction Date, Type, Order, Card Brand, Card Source, Payout Status,
  Payout Date, Payout ID, Available On, Amount, Fee, Net, Checkout, Payment Method Name,
  Presentment Amount, Presentment Currency, Currency - Shopify's documented export; Type
  charge → payment (+ its Fee as a fee), refund → refund, adjustment/chargeback → adjustment;
  payout rows (no order) are skipped. Net must equal Amount − Fee.
- `carrier:<name>` (a carrier's monthly freight bill): 运单号, 日期, 计费重量, 运费,
  附加费类型, 附加费, 币种 (English: waybill, date, weight, freight, surcharge_type,
  surcharge, currency) - no public standard; these are the columns the brief names.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from orderhub.adapters.channels.tabular.parse import (
    cell_moment,
    cell_text,
    normalise,
    read_csv,
    read_xlsx,
)
from orderhub.adapters.currency_names import currency_from_text
from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.domain.money import is_known_currency
from orderhub.domain.reconciliation import CARRIER_PREFIX, CHINA, RowKind, SettlementRow

SOURCES = ("tmall", "jd", "douyin", "shopify")
MAX_ROWS = 500_000
_MAX_ERRORS = 50


@dataclass(frozen=True, slots=True)
class Spec:
    """A source's columns: field -> accepted headers (first one is the documented one)."""

    required: Mapping[str, tuple[str, ...]]
    optional: Mapping[str, tuple[str, ...]]
    ignored: tuple[str, ...]
    currency: str  # the currency of rows when the file names none ("" = required column)


# fmt: off
SPECS: dict[str, Spec] = {
    "tmall": Spec(
        required={"reference": ("业务流水号", "账务流水号"),
                  "income": ("收入金额（+元）",), "expense": ("支出金额（-元）",),
                  "business_type": ("业务类型",), "time": ("发生时间", "入账时间")},
        optional={"base_order": ("业务基础订单号",), "merchant_order": ("商户订单号",),
                  "currency": ("币种",)},
        ignored=("账务流水号", "商品名称", "对方账号", "账户余额（元）", "交易渠道", "备注",
                 "业务描述", "业务订单号", "交易对方", "服务费（元）"),
        currency="CNY"),
    "jd": Spec(
        required={"order": ("订单编号",), "fee_name": ("费用名称", "费用项"),
                  "amount": ("应结金额", "金额"), "time": ("结算时间", "费用结算时间")},
        optional={"direction": ("收支方向",), "document": ("单据编号",),
                  "item": ("商品编号",), "after_sale": ("售后服务单号",), "currency": ("币种",)},
        ignored=("订单状态", "商品名称", "商品数量", "佣金比例", "店铺名称", "下单时间",
                 "完成时间", "备注", "结算状态"),
        currency="CNY"),
    "douyin": Spec(
        required={"order": ("订单号",), "net": ("结算金额",), "time": ("结算时间",),
                  "service_fee": ("平台服务费",), "commission": ("佣金",),
                  "refund": ("退款金额",)},
        optional={"sub_order": ("子订单号",), "gross": ("订单金额", "订单实付应结"),
                  "serial": ("结算流水号", "动账流水号"), "currency": ("币种",)},
        ignored=("商品名称", "商品ID", "下单时间", "结算状态", "结算账户", "备注",
                 "运费", "渠道分成", "招商服务费", "站外推广费"),
        currency="CNY"),
    "shopify": Spec(
        required={"time": ("Transaction Date",), "type": ("Type",), "order": ("Order",),
                  "amount": ("Amount",), "fee": ("Fee",), "net": ("Net",),
                  "currency": ("Currency",)},
        optional={"transaction_id": ("Transaction ID", "ID")},
        ignored=("Card Brand", "Card Source", "Payout Status", "Payout Date", "Payout ID",
                 "Available On", "Checkout", "Payment Method Name", "Presentment Amount",
                 "Presentment Currency", "VAT"),
        currency=""),
    "carrier": Spec(
        required={"waybill": ("运单号", "waybill", "tracking_number", "快递单号"),
                  "time": ("日期", "date", "发货日期", "计费日期"),
                  "freight": ("运费", "freight", "基础运费")},
        optional={"weight": ("计费重量", "weight", "重量"),
                  "surcharge_type": ("附加费类型", "surcharge_type"),
                  "surcharge": ("附加费", "surcharge", "附加费金额"),
                  "currency": ("币种", "currency")},
        ignored=("寄件地", "目的地", "始发地", "产品类型", "件数", "备注", "origin",
                 "destination", "service", "pieces", "note"),
        currency="CNY"),
}
# fmt: on

_TMALL_KINDS = {"交易付款": RowKind.PAYMENT, "在线支付": RowKind.PAYMENT,
                "交易收款": RowKind.PAYMENT, "交易退款": RowKind.REFUND, "退款": RowKind.REFUND,
                "软件服务费": RowKind.FEE, "技术服务费": RowKind.FEE,
                "基础软件服务费": RowKind.FEE, "佣金": RowKind.COMMISSION,
                "淘宝客佣金": RowKind.COMMISSION, "天猫佣金": RowKind.COMMISSION}
_TMALL_SKIPPED = frozenset({"提现", "充值", "转账"})
_JD_KINDS = {"货款": RowKind.PAYMENT, "佣金": RowKind.COMMISSION,
             "广告联合活动降扣佣金": RowKind.COMMISSION, "交易服务费": RowKind.FEE,
             "平台使用费": RowKind.FEE, "技术服务费": RowKind.FEE, "退款": RowKind.REFUND,
             "售后退款": RowKind.REFUND}
_SHOPIFY_KINDS = {"charge": RowKind.PAYMENT, "refund": RowKind.REFUND,
                  "adjustment": RowKind.ADJUSTMENT, "chargeback": RowKind.ADJUSTMENT,
                  "chargeback won": RowKind.ADJUSTMENT, "chargeback lost": RowKind.ADJUSTMENT}
_SHOPIFY_SKIPPED = frozenset({"payout", "reserve", "transfer"})


@dataclass(frozen=True, slots=True)
class ParsedFile:
    source: str
    rows: list[SettlementRow]
    lines: int  # data rows read from the file
    skipped: int  # rows with no order by their nature (withdrawals, payouts), not imported
    sha256: str


def check_source(source: str) -> str:
    """The source's spec key; unknown sources refused (field `source`)."""
    if source in SPECS and source != "carrier":
        return source
    if source.startswith(CARRIER_PREFIX) and re.fullmatch(r"[a-z0-9_\-]{1,40}",
                                                         source[len(CARRIER_PREFIX):]):
        return "carrier"
    raise InvalidInput([FieldError("source", f"unknown source '{source}'; one of "
                                   + ", ".join(SOURCES) + " or carrier:<name>")])


def parse_settlement(data: bytes, filename: str, source: str,
                     naive_tz: tzinfo = CHINA) -> ParsedFile:
    """Every row of the file, or InvalidInput naming each bad column, row and field."""
    key = check_source(source)
    spec = SPECS[key]
    fmt = "xlsx" if filename.lower().endswith((".xlsx", ".xlsm")) else "csv"
    try:
        raw = read_xlsx(data) if fmt == "xlsx" else read_csv(data)
    except Exception as exc:  # the reader's own error type is private to it
        raise InvalidInput([FieldError("file", str(exc))]) from None
    table = [(n, cells) for n, cells in raw
             if not _blank(cells) and not _text(cells[0]).startswith("#")]
    if not table:
        raise InvalidInput([FieldError("file", "the file is empty")])
    if len(table) > MAX_ROWS:
        raise InvalidInput([FieldError("file", f"more than {MAX_ROWS:,} rows")])
    (_, header), body = table[0], table[1:]
    columns = _columns(header, spec)
    reader = _READERS[key]
    rows: list[SettlementRow] = []
    errors: list[FieldError] = []
    skipped = 0
    width = max(columns.values(), default=0) + 1
    labels = _STORED_LABELS[key]
    for n, cells in body:
        cell = _Cells(n, cells, columns, errors, width)
        got = reader(cell, spec, naive_tz)
        if got is None:
            skipped += 1
            continue
        rows.extend(_storable(cell, got, labels))
        if len(errors) >= _MAX_ERRORS:
            break
    if errors:
        raise InvalidInput(errors[:_MAX_ERRORS])
    return ParsedFile(source, rows, len(body), skipped, hashlib.sha256(data).hexdigest())


# What the stored columns hold (adapters/db/tables.py settlement_rows): a longer order
# reference, fee type or waybill, or a NUL character (PostgreSQL's text refuses it), is the
# row's error, named by its column; a longer reference (one composed of several cells) is
# stored as its SHA-256, which keeps it a key for finding duplicates.
_LIMITS = {"order_ref": 200, "fee_type": 64, "waybill": 64}
_REFERENCE_LIMIT = 300
_STORED_LABELS: dict[str, dict[str, str]] = {
    "tmall": {"order_ref": "业务基础订单号", "fee_type": "业务类型", "reference": "业务流水号"},
    "jd": {"order_ref": "订单编号", "fee_type": "费用名称", "reference": "单据编号"},
    "douyin": {"order_ref": "订单号", "fee_type": "佣金", "reference": "结算流水号"},
    "shopify": {"order_ref": "Order", "fee_type": "Type", "reference": "Transaction ID"},
    "carrier": {"waybill": "运单号", "fee_type": "附加费类型", "reference": "运单号",
                "order_ref": "运单号"},
}


def _storable(cell: _Cells, rows: list[SettlementRow], labels: Mapping[str, str]
              ) -> list[SettlementRow]:
    out = []
    for row in rows:
        ok = True
        for name in ("order_ref", "fee_type", "waybill", "reference"):
            value: str = getattr(row, name)
            if "\x00" in value:
                cell.fail(labels.get(name, name), "contains a NUL character")
                ok = False
            elif name in _LIMITS and len(value) > _LIMITS[name]:
                cell.fail(labels.get(name, name), f"longer than {_LIMITS[name]} characters")
                ok = False
        if ok and len(row.reference) > _REFERENCE_LIMIT:
            row = replace(row, reference="sha256:" + hashlib.sha256(
                row.reference.encode()).hexdigest())
        if ok:
            out.append(row)
    return out


def _blank(cells: list[Any]) -> bool:
    try:
        return not "".join(cells).strip()  # a CSV record: all text, joined in C
    except TypeError:
        return not any(_text(c) for c in cells)


def _columns(header: list[Any], spec: Spec) -> dict[str, int]:
    names = [normalise(h) for h in header]
    columns: dict[str, int] = {}
    known: set[str] = {normalise(h) for h in spec.ignored}
    for fields in (spec.required, spec.optional):
        for name, headers in fields.items():
            known.update(normalise(h) for h in headers)
            for h in headers:
                if normalise(h) in names:
                    columns[name] = names.index(normalise(h))
                    break
    errors = [FieldError(f"row 1.{headers[0]}", "missing: this source's files have the "
                         f"column {' or '.join(headers)}")
              for name, headers in spec.required.items() if name not in columns]
    errors += [FieldError(f"row 1.{_text(h)}", "unknown column for this source")
               for h, n in zip(header, names, strict=True) if n and n not in known]
    if errors:
        raise InvalidInput(errors)
    return columns


class _Cells:
    """One row's cells by field, collecting errors as `row N.<header>`."""

    __slots__ = ("cells", "columns", "errors", "n")

    def __init__(self, n: int, cells: list[Any], columns: Mapping[str, int],
                 errors: list[FieldError], width: int) -> None:
        if len(cells) < width:  # a short record: the missing cells are empty
            cells = [*cells, *([None] * (width - len(cells)))]
        self.n, self.cells, self.columns, self.errors = n, cells, columns, errors

    def raw(self, name: str) -> Any:
        i = self.columns.get(name)
        return None if i is None else self.cells[i]

    def text(self, name: str) -> str:
        return _text(self.raw(name))

    def has(self, name: str) -> bool:
        return name in self.columns

    def fail(self, label: str, message: str) -> None:
        self.errors.append(FieldError(f"row {self.n}.{label}", message))

    def read_currency(self, default: str) -> str | None:
        try:
            return _currency(self.raw("currency"), default)
        except ValueError as exc:
            self.fail("币种" if default else "Currency", str(exc))
            return None

    def read_moment(self, name: str, label: str, tz: tzinfo) -> datetime | None:
        try:
            return _moment(self.raw(name), tz)
        except ValueError as exc:
            self.fail(label, str(exc))
            return None

    def read(self, name: str, label: str, parse: Callable[[Any], Any]) -> Any:
        try:
            return parse(self.raw(name))
        except ValueError as exc:
            self.fail(label, str(exc))
            return None


_text = cell_text


_PLAIN = re.compile(r"-?\d{1,12}(\.\d{1,6})?")


def _amount(value: Any, *, blank_zero: bool = False) -> Decimal:
    if type(value) is str and _PLAIN.fullmatch(value):  # most cells: plain decimals
        return Decimal(value)
    if isinstance(value, bool):
        raise ValueError(f"'{value}' is not an amount")
    if isinstance(value, int | Decimal):
        amount, text = Decimal(value), str(value)
    elif isinstance(value, float):
        amount, text = Decimal(repr(value)), repr(value)
    else:
        text = re.sub(r"[\s¥￥$€£,+]", "", _text(value))
        if text == "" and blank_zero:
            return Decimal(0)
        if not re.fullmatch(r"-?(\d+(\.\d*)?|\.\d+)", text):
            raise ValueError(f"'{_text(value)}' is not an amount")
        try:
            amount = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            raise ValueError(f"'{text}' is not an amount") from None
    if not amount.is_finite() or abs(amount) >= Decimal("1e12"):
        raise ValueError(f"'{text}' is not an amount (or too large)")
    if amount != amount.quantize(Decimal("0.000001")):
        raise ValueError(f"'{text}' has more than 6 decimals")
    return amount


def _optional_amount(value: Any) -> Decimal:
    return _amount(value, blank_zero=True)


_CURRENCIES: dict[tuple[str, str], str] = {}


def _currency(value: Any, default: str) -> str:
    text = _text(value) or default
    known = _CURRENCIES.get((text, default))
    if known is not None:
        return known
    code = _check_currency(text)
    if len(_CURRENCIES) < 1000:
        _CURRENCIES[(text, default)] = code
    return code


def _check_currency(text: str) -> str:
    if not text:
        raise ValueError("empty; a currency code is required (e.g. CNY, USD)")
    code = currency_from_text(text) or text.upper()  # 人民币, 港币, US$: names too
    if not re.fullmatch(r"[A-Z]{3}", code) or not is_known_currency(code):
        raise ValueError(f"'{text}' is not a known ISO 4217 currency code")
    return code


_MOMENTS: dict[tuple[str, tzinfo], datetime] = {}


def _moment(value: Any, naive_tz: tzinfo) -> datetime:
    """A date-time (naive ones in `naive_tz`) in UTC; a statement's rows share many
    seconds, so texts already read are looked up."""
    if type(value) is str:
        key = (value, naive_tz)
        found = _MOMENTS.get(key)
        if found is None:
            found = _read_moment(value, naive_tz)
            if len(_MOMENTS) > 100_000:
                _MOMENTS.clear()
            _MOMENTS[key] = found
        return found
    return _read_moment(value, naive_tz)


def _read_moment(value: Any, naive_tz: tzinfo) -> datetime:
    if value is None or _text(value) == "":
        raise ValueError("empty; a date-time is required")
    return cell_moment(value, naive_tz)


def _ref(cell: _Cells, name: str, label: str) -> str:
    text = cell.text(name)
    if not text:
        cell.fail(label, "empty")
    elif len(text) > 200:
        cell.fail(label, "longer than 200 characters")
    return text


def _label(spec: Spec, name: str) -> str:
    return (spec.required.get(name) or spec.optional[name])[0]


# ----- per source ---------------------------------------------------------------------------
Reader = Callable[[_Cells, Spec, tzinfo], list[SettlementRow] | None]


def _read_tmall(cell: _Cells, spec: Spec, tz: tzinfo) -> list[SettlementRow] | None:
    business = cell.text("business_type")
    if business in _TMALL_SKIPPED:
        return None
    kind = _TMALL_KINDS.get(business, RowKind.OTHER)
    order = cell.text("base_order")
    if not order:
        merchant = cell.text("merchant_order")
        order = merchant[5:] if merchant.startswith("T200P") else merchant
    if not order:
        cell.fail("业务基础订单号", "empty: the row names no order (业务基础订单号 or 商户订单号)")
    reference = _ref(cell, "reference", "业务流水号")
    income = cell.read("income", "收入金额（+元）", _optional_amount)
    expense = cell.read("expense", "支出金额（-元）", _optional_amount)
    currency = cell.read_currency(spec.currency)
    moment = cell.read_moment("time", "发生时间", tz)
    if income is None or expense is None or currency is None or moment is None or not order:
        return []
    return [SettlementRow(cell.n, reference, order, kind, business or "其他",
                          income - abs(expense), currency, moment)]


def _read_jd(cell: _Cells, spec: Spec, tz: tzinfo) -> list[SettlementRow] | None:
    order = _ref(cell, "order", "订单编号")
    fee = cell.text("fee_name")
    if not fee:
        cell.fail(_label(spec, "fee_name"), "empty")
    amount = cell.read("amount", _label(spec, "amount"), _amount)
    currency = cell.read("currency", "币种", lambda v: _currency(v, spec.currency))
    moment = cell.read("time", _label(spec, "time"), lambda v: _moment(v, tz))
    direction = cell.text("direction")
    if direction not in ("", "收入", "支出"):
        cell.fail("收支方向", f"'{direction}' is not 收入 or 支出")
    if amount is None or currency is None or moment is None or not order or not fee:
        return []
    if direction == "支出":
        amount = -abs(amount)
    elif direction == "收入":
        amount = abs(amount)
    kind = _JD_KINDS.get(fee, RowKind.OTHER)
    if kind == RowKind.PAYMENT and amount < 0:
        kind = RowKind.REFUND
    reference = cell.text("document") or "|".join(
        (order, fee, cell.text("item"), cell.text("after_sale"), moment.isoformat(),
         str(amount)))
    return [SettlementRow(cell.n, reference, order, kind, fee, amount, currency, moment)]


def _read_douyin(cell: _Cells, spec: Spec, tz: tzinfo) -> list[SettlementRow] | None:
    order = _ref(cell, "order", "订单号")
    net = cell.read("net", "结算金额", _amount)
    service = cell.read("service_fee", "平台服务费", _optional_amount)
    commission = cell.read("commission", "佣金", _optional_amount)
    refund = cell.read("refund", "退款金额", _optional_amount)
    gross = cell.read("gross", _label(spec, "gross"), _amount) if cell.has("gross") else None
    currency = cell.read("currency", "币种", lambda v: _currency(v, spec.currency))
    moment = cell.read("time", "结算时间", lambda v: _moment(v, tz))
    if (net is None or service is None or commission is None or refund is None
            or currency is None or moment is None or not order
            or (cell.has("gross") and gross is None)):
        return []
    service, commission, refund = abs(service), abs(commission), abs(refund)
    if gross is None:
        gross = net + service + commission + refund
    elif gross - service - commission - refund != net:
        cell.fail("结算金额", f"{net} is not 订单金额 {gross} − 平台服务费 {service} − 佣金 "
                  f"{commission} − 退款金额 {refund}")
        return []
    base = cell.text("serial") or "|".join(filter(None, (order, cell.text("sub_order"))))
    out = [SettlementRow(cell.n, base, order, RowKind.PAYMENT, "订单金额", gross, currency,
                         moment)]
    for kind, label, value in ((RowKind.FEE, "平台服务费", service),
                               (RowKind.COMMISSION, "佣金", commission),
                               (RowKind.REFUND, "退款金额", refund)):
        if value:
            out.append(SettlementRow(cell.n, f"{base}#{label}", order, kind, label, -value,
                                     currency, moment))
    return out


def _read_shopify(cell: _Cells, spec: Spec, tz: tzinfo) -> list[SettlementRow] | None:
    kind_text = cell.text("type").lower()
    if kind_text in _SHOPIFY_SKIPPED:
        return None
    kind = _SHOPIFY_KINDS.get(kind_text)
    if kind is None:
        cell.fail("Type", f"'{cell.text('type')}' is not a transaction type (charge, refund, "
                  "adjustment, chargeback, payout)")
    order = _ref(cell, "order", "Order").lstrip("#")
    amount = cell.read("amount", "Amount", _amount)
    fee = cell.read("fee", "Fee", _optional_amount)
    net = cell.read("net", "Net", _amount)
    currency = cell.read("currency", "Currency", lambda v: _currency(v, ""))
    moment = cell.read("time", "Transaction Date", lambda v: _moment(v, tz))
    if (kind is None or amount is None or fee is None or net is None or currency is None
            or moment is None or not order):
        return []
    if amount - fee != net:
        cell.fail("Net", f"{net} is not Amount {amount} − Fee {fee}")
        return []
    base = cell.text("transaction_id") or "|".join(
        (order, kind_text, moment.isoformat(), str(amount)))
    out = [SettlementRow(cell.n, base, order, kind, kind_text, amount, currency, moment)]
    if fee:
        out.append(SettlementRow(cell.n, f"{base}#fee", order, RowKind.FEE, "fee", -fee,
                                 currency, moment))
    return out


def _read_carrier(cell: _Cells, spec: Spec, tz: tzinfo) -> list[SettlementRow] | None:
    waybill = _ref(cell, "waybill", _label(spec, "waybill"))
    freight = cell.read("freight", _label(spec, "freight"), _amount)
    surcharge = cell.read("surcharge", "附加费", _optional_amount)
    surcharge_type = cell.text("surcharge_type") or "附加费"
    weight = cell.read("weight", "计费重量", _optional_amount) if cell.has("weight") else None
    if weight is not None and weight < 0:
        cell.fail("计费重量", f"{weight} is negative")
    currency = cell.read("currency", "币种", lambda v: _currency(v, spec.currency))
    moment = cell.read("time", _label(spec, "time"), lambda v: _moment(v, tz))
    if (freight is None or surcharge is None or currency is None or moment is None
            or not waybill):
        return []
    out = [SettlementRow(cell.n, f"{waybill}|运费", "", RowKind.FREIGHT, "运费", freight,
                         currency, moment, waybill, weight or None)]
    if surcharge:
        out.append(SettlementRow(cell.n, f"{waybill}|{surcharge_type}", "",
                                 RowKind.SURCHARGE, surcharge_type, surcharge, currency,
                                 moment, waybill, weight or None))
    return out


_READERS: dict[str, Reader] = {"tmall": _read_tmall, "jd": _read_jd, "douyin": _read_douyin,
                               "shopify": _read_shopify, "carrier": _read_carrier}
