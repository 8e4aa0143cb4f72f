"""The legacy system's order export (CSV or XLSX), read for the channel cut-over report
(domain/cutover.py): bytes in, `LegacyRow`s out. Pure: no I/O beyond the bytes given.

One row per order. Columns are found by header, after `normalise` (the tabular import's
rule): `mapping` names the file's header for a field, every other field falls back to
`HEADERS` (common English and Chinese headers). Required: the external order id, the
total and a currency (or `default_currency`). Optional: status, warehouse (several sites
separated by , ; | or 、), hold flag, hold or exception reason, order time. A row is
held when its hold flag says so, when it gives a hold reason, or when its status is a
held one (挂起, exception, ...).

A malformed file is refused whole: every problem as a `FieldError` whose `loc` names the
row as a spreadsheet shows it (the header is row 1) and the field, e.g. `row 4.total`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from orderhub.adapters.channels.tabular.parse import (
    cell_moment,
    cell_text,
    normalise,
    read_csv,
    read_xlsx,
)
from orderhub.adapters.currency_names import currency_from_text
from orderhub.domain.cutover import HELD_STATUSES, LegacyRow
from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.domain.money import is_known_currency

CHINA_TZ = ZoneInfo("Asia/Shanghai")  # an export's naive times are read as China time

# fmt: off
HEADERS: dict[str, tuple[str, ...]] = {
    "external_id": ("external_id", "order_id", "order_no", "order_number", "platform_order_id",
                    "订单号", "订单编号", "外部订单号", "平台订单号", "单号"),
    "status": ("status", "order_status", "state", "状态", "订单状态"),
    "warehouse": ("warehouse", "warehouses", "ship_from", "site", "仓库", "发货仓",
                  "发货仓库", "仓库编码"),
    "total": ("total", "grand_total", "order_total", "amount", "order_amount",
              "金额", "订单金额", "总金额", "实付金额", "应付金额"),
    "currency": ("currency", "币种", "货币"),
    "held": ("held", "on_hold", "hold", "exception", "is_exception", "挂起", "是否挂起",
             "异常", "是否异常"),
    "hold_reason": ("hold_reason", "exception_reason", "reason", "挂起原因", "异常原因",
                    "原因"),
    "placed_at": ("placed_at", "order_date", "order_time", "created_at", "下单时间",
                  "订单日期", "创建时间"),
}
# fmt: on
FIELDS: tuple[str, ...] = tuple(HEADERS)
REQUIRED: tuple[str, ...] = ("external_id", "total")
_TRUE = frozenset({"true", "1", "yes", "y", "是", "held", "挂起"})
_FALSE = frozenset({"false", "0", "no", "n", "否", ""})
_MAX_ROWS = 200_000


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """`field=Header` pairs (the CLI's --map) into a mapping; unknown fields refused."""
    out: dict[str, str] = {}
    errors = []
    for i, pair in enumerate(pairs):
        name, sep, header = pair.partition("=")
        if not sep or not header.strip():
            errors.append(FieldError(f"map.{i}", f"'{pair}' is not field=Header"))
        elif name.strip() not in HEADERS:
            errors.append(FieldError(f"map.{i}", f"unknown field '{name.strip()}'; one of "
                                     + ", ".join(FIELDS)))
        else:
            out[name.strip()] = header.strip()
    if errors:
        raise InvalidInput(errors)
    return out


def read_legacy(data: bytes, filename: str, *, mapping: Mapping[str, str] | None = None,
                default_currency: str = "", naive_tz: tzinfo = CHINA_TZ) -> list[LegacyRow]:
    """Every order of the export, or InvalidInput naming each bad row and field."""
    fmt = "xlsx" if filename.lower().endswith((".xlsx", ".xlsm")) else "csv"
    try:
        rows = read_xlsx(data) if fmt == "xlsx" else read_csv(data)
    except Exception as exc:  # the reader's own error type is private to it
        raise InvalidInput([FieldError("file", str(exc))]) from None
    rows = [(n, cells) for n, cells in rows if any(_text(c) for c in cells)]
    if not rows:
        raise InvalidInput([FieldError("file", "the file is empty")])
    if len(rows) > _MAX_ROWS:
        raise InvalidInput([FieldError("file", f"more than {_MAX_ROWS:,} rows")])
    (_, header), body = rows[0], rows[1:]
    columns = _columns(header, mapping or {}, default_currency)
    out: list[LegacyRow] = []
    errors: list[FieldError] = []
    first_line: dict[str, int] = {}
    for n, cells in body:
        row, problems = _row(n, cells, columns, default_currency, naive_tz)
        errors += problems
        if row is None:
            continue
        if row.external_id in first_line:
            errors.append(FieldError(f"row {n}.external_id", f"order {row.external_id} is "
                                     f"also on row {first_line[row.external_id]}"))
            continue
        first_line[row.external_id] = n
        out.append(row)
    if errors:
        raise InvalidInput(errors[:50])
    return out


def _columns(header: list[Any], mapping: Mapping[str, str], default_currency: str
             ) -> dict[str, int]:
    names = [normalise(h) for h in header]
    columns: dict[str, int] = {}
    errors = []
    for name in FIELDS:
        if name in mapping:
            wanted = normalise(mapping[name])
            if wanted not in names:
                errors.append(FieldError(f"row 1.{name}", f"no column '{mapping[name]}' (the "
                                         "mapping names it)"))
                continue
            columns[name] = names.index(wanted)
            continue
        for alias in HEADERS[name]:
            if normalise(alias) in names:
                columns[name] = names.index(normalise(alias))
                break
    required = [*REQUIRED, *([] if default_currency else ["currency"])]
    errors += [FieldError(f"row 1.{name}", "no column for it; headers recognised: "
                          + ", ".join(HEADERS[name][:4]) + " (or map one with field=Header)")
               for name in required if name not in columns]
    if errors:
        raise InvalidInput(errors)
    return columns


_text = cell_text


def _cell(cells: list[Any], columns: Mapping[str, int], name: str) -> Any:
    i = columns.get(name)
    return cells[i] if i is not None and i < len(cells) else None


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(f"'{value}' is not an amount")
    if isinstance(value, int | Decimal):
        amount, text = Decimal(value), str(value)
    elif isinstance(value, float):
        amount, text = Decimal(repr(value)), repr(value)
    else:
        text = re.sub(r"[\s¥￥$€£,]", "", _text(value))
        if not re.fullmatch(r"-?(\d+(\.\d*)?|\.\d+)", text):
            raise ValueError(f"'{_text(value)}' is not an amount")
        try:
            amount = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            raise ValueError(f"'{text}' is not an amount") from None
    # Every path (a workbook's cells arrive as int or float): the column holds < 1e14.
    if not amount.is_finite():
        raise ValueError(f"'{text}' is not an amount")
    if abs(amount) >= Decimal("1e12"):
        raise ValueError(f"'{text}' is too large")
    return amount


def _currency(value: Any, default: str) -> str:
    text = _text(value) or default
    code = currency_from_text(text) or text.upper()  # 人民币, 港币, US$: names too
    if not re.fullmatch(r"[A-Z]{3}", code) or not is_known_currency(code):
        raise ValueError(f"'{text}' is not a known ISO 4217 currency code")
    return code


def _flag(value: Any) -> bool:
    text = _text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"'{_text(value)}' is not yes or no (true/false, 1/0, 是/否)")


def _moment(value: Any, naive_tz: tzinfo) -> datetime | None:
    if value is None or _text(value) == "":
        return None
    return cell_moment(value, naive_tz)


def _row(n: int, cells: list[Any], columns: Mapping[str, int], default_currency: str,
         naive_tz: tzinfo) -> tuple[LegacyRow | None, list[FieldError]]:
    errors: list[FieldError] = []

    def read(name: str, parse: Any) -> Any:
        try:
            return parse(_cell(cells, columns, name))
        except ValueError as exc:
            errors.append(FieldError(f"row {n}.{name}", str(exc)))
            return None

    external_id = _text(_cell(cells, columns, "external_id"))
    if not external_id:
        errors.append(FieldError(f"row {n}.external_id", "empty"))
    elif len(external_id) > 200:
        errors.append(FieldError(f"row {n}.external_id", "longer than 200 characters"))
    total = read("total", _amount)
    currency = read("currency", lambda v: _currency(v, default_currency))
    held = read("held", _flag) if "held" in columns else False
    placed_at = read("placed_at", lambda v: _moment(v, naive_tz))
    status = _text(_cell(cells, columns, "status"))[:64]
    reason = _text(_cell(cells, columns, "hold_reason"))[:500]
    sites = tuple(s.strip() for s in re.split(r"[,;|、，；]", _text(
        _cell(cells, columns, "warehouse"))) if s.strip())
    if errors or total is None or currency is None:
        return None, errors
    held = bool(held) or bool(reason) or status.lower().replace(" ", "_") in HELD_STATUSES
    return LegacyRow(external_id, status, sites, total, currency, held, reason, placed_at,
                     n), []
