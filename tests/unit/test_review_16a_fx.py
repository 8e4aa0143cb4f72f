"""Review of the issue-16 merges (branch review-16a): the rate used for an order's day,
amounts read from a spreadsheet."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal

from orderhub.adapters.channels.tabular.parse import parse_rows
from orderhub.domain.fx import FxMissing, FxRate, FxSettings, RateTable
from tests.unit.test_tabular_headers import _xlsx


def test_a_rate_after_the_day_is_used_whether_or_not_an_older_stale_one_exists() -> None:
    """With no usable rate on or before the order's day, the first one after it within the
    staleness limit is used (fcd0421); an older, stale rate stored as well must not make
    the order wait for a rate it would be judged at without that older one."""
    settings = FxSettings("CNY", 7)
    later = FxRate("USD", date(2026, 12, 5), Decimal("7.2"))
    day = date(2026, 12, 1)
    assert RateTable.of(settings, [later]).rate_for("USD", day) == later
    with_old = RateTable.of(settings, [FxRate("USD", date(2026, 11, 1), Decimal("7.0")), later])
    assert with_old.rate_for("USD", day) == later
    # beyond the limit either way: stale, naming the older rate
    far = RateTable.of(settings, [FxRate("USD", date(2026, 11, 1), Decimal("7.0")),
                                  FxRate("USD", date(2026, 12, 20), Decimal("7.2"))])
    missing = far.rate_for("USD", day)
    assert isinstance(missing, FxMissing) and missing.reason == "stale"


def _as_excel_writes(data: bytes, exact: dict[str, str]) -> bytes:
    """The workbook with some cells' values as Excel stores a formula's result: the binary
    float in full (openpyxl writes the short form)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                for short, full in exact.items():
                    body = body.replace(f"<v>{short}</v>".encode(), f"<v>{full}</v>".encode())
            dst.writestr(item, body)
    return out.getvalue()


def test_a_spreadsheets_float_artefacts_are_not_read_as_amounts() -> None:
    """XLSX numbers are binary floats: a formula's PO total (3 x 19.9) is stored as
    59.699999999999996. Read as that, the order's stated total has 15 decimals (kept so
    on SQLite, rounded to 6 on PostgreSQL, shown so in a hold); it is 59.70."""
    data = _as_excel_writes(
        _xlsx([["po_number", "sku", "quantity", "unit_price", "po_total", "shipping_fee"],
               ["PO-9", "S1", 3, 19.9, 59.7, 0.3]]),
        {"59.7": "59.699999999999996", "0.3": "0.30000000000000004"})
    result = parse_rows(data, fmt="xlsx")
    assert result.errors == []
    [(_, order)] = result.orders
    assert order.total == Decimal("59.7") and order.shipping_fee == Decimal("0.3")
    assert order.lines[0].unit_price == Decimal("19.9")
