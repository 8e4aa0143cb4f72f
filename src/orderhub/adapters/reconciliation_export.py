"""A reconciliation report as a file for finance: CSV (UTF-8 with BOM, so Excel opens the
Chinese labels) or XLSX (openpyxl, write-only). Bytes out, pure: rows are given.
One row per finding: scope, period, run, the reason code and its Chinese label, the order
(hub id and channel id), reference, waybill, fee type, expected, settled, difference,
currency, rows counted and their lines in the files; freight findings also carry the
allocation to the order's lines (`line=amount; ...`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

COLUMNS = ("scope", "period", "run_id", "code", "label", "order_id", "external_id",
           "reference", "waybill", "fee_type", "expected", "settled", "difference",
           "currency", "row_count", "lines", "allocation")
HEADERS_ZH = ("范围", "期间", "对账批次", "原因代码", "原因", "订单号", "渠道订单号", "流水号",
              "运单号", "费用类型", "应收/应付", "实际结算", "差额", "币种", "行数", "文件行号",
              "运费分摊")


def _cells(row: Mapping[str, Any]) -> list[Any]:
    detail = row.get("detail") or {}
    allocation = detail.get("allocation") or {}
    values = {**row, "lines": " ".join(str(n) for n in row.get("lines") or []),
              "allocation": "; ".join(f"{k}={v}" for k, v in allocation.items())}
    return ["" if values.get(c) is None else values[c] for c in COLUMNS]


def to_csv(rows: Iterable[Mapping[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f"{zh} {en}" for zh, en in zip(HEADERS_ZH, COLUMNS, strict=True)])
    for row in rows:
        writer.writerow(_cells(row))
    return ("\ufeff" + out.getvalue()).encode()


def to_xlsx(rows: Iterable[Mapping[str, Any]]) -> bytes:
    import openpyxl  # type: ignore[import-untyped, import-not-found, unused-ignore]

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("对账 reconciliation")
    sheet.append([f"{zh} {en}" for zh, en in zip(HEADERS_ZH, COLUMNS, strict=True)])
    for row in rows:
        sheet.append(_cells(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
