"""Demand history files: CSV (UTF-8, a header row) or XLSX (the first sheet, a header
row) to records, and records to history rows (domain/forecasting/series.parse_rows)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from typing import Any

from orderhub.domain.forecasting.series import HistoryRow, RowProblem, parse_rows

MAX_FILE_BYTES = 50 * 1024 * 1024


def _records(name: str, content: bytes) -> Iterator[Mapping[str, Any]]:
    if name.lower().endswith((".xlsx", ".xlsm")):
        from openpyxl import load_workbook  # type: ignore[import-untyped, unused-ignore]

        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        rows = book.active.iter_rows(values_only=True) if book.active else iter(())
        header = next(rows, None)
        if header is None:
            return
        names = [str(h or "").strip() for h in header]
        for values in rows:
            yield dict(zip(names, values, strict=False))
        return
    text = content.decode("utf-8-sig")
    yield from csv.DictReader(io.StringIO(text))


def read_file(name: str, content: bytes) -> tuple[list[HistoryRow], list[RowProblem]]:
    """Rows and problems of a CSV or XLSX file (columns: sku, warehouse or region, date,
    quantity); a file that cannot be read at all is one problem on row 1."""
    if len(content) > MAX_FILE_BYTES:
        return [], [RowProblem(1, "file", f"larger than {MAX_FILE_BYTES // 2**20} MiB")]
    if not name.lower().endswith((".csv", ".xlsx", ".xlsm")):
        return [], [RowProblem(1, "file", "expected a .csv or .xlsx file")]
    try:
        return parse_rows(_records(name, content))
    except (UnicodeDecodeError, csv.Error, ValueError, KeyError, OSError) as exc:
        return [], [RowProblem(1, "file", f"cannot read it: {type(exc).__name__}: {exc}")]
    except Exception as exc:  # openpyxl raises zipfile / xml errors on a broken workbook
        return [], [RowProblem(1, "file", f"not a readable workbook: {type(exc).__name__}")]
