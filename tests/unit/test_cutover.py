"""Channel cut-over (issue 16): the per-order comparison, the rate and the promotion bar
(domain/cutover.py), and the legacy export reader (adapters/legacy_export.py)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from orderhub.adapters.legacy_export import parse_mapping, read_legacy
from orderhub.domain.cutover import (
    DifferenceKind,
    LegacyRow,
    PromotionBar,
    ShadowRecord,
    ShadowStatus,
    compare,
)
from orderhub.domain.errors import InvalidInput

DAY1 = datetime(2026, 12, 1, 2, tzinfo=UTC)
DAY2 = datetime(2026, 12, 2, 2, tzinfo=UTC)
K = DifferenceKind


def hub(ext: str, status: ShadowStatus = ShadowStatus.ALLOCATED, sites: tuple[str, ...] = ("SH",),
        total: str = "10.00", currency: str = "CNY", codes: tuple[str, ...] = (),
        at: datetime = DAY1) -> ShadowRecord:
    return ShadowRecord(f"shd_{ext}", "web", ext, status, sites, Decimal(total), currency,
                        codes, at)


def legacy(ext: str, status: str = "shipped", sites: tuple[str, ...] = ("SH",),
           total: str = "10.00", currency: str = "CNY", held: bool = False,
           at: datetime | None = None, line: int = 2) -> LegacyRow:
    return LegacyRow(ext, status, sites, Decimal(total), currency, held, "", at, line)


@pytest.mark.parametrize(("mine", "theirs", "kinds"), [
    (hub("1"), legacy("1"), []),
    (hub("1", total="10.00"), legacy("1", total="10.01"), []),  # within the tolerance
    (hub("1", total="10.00"), legacy("1", total="10.02"), [K.AMOUNT]),
    (hub("1", currency="USD"), legacy("1"), [K.CURRENCY]),
    (hub("1", sites=("BJ",)), legacy("1"), [K.WAREHOUSE]),
    (hub("1", sites=("BJ", "SH")), legacy("1", sites=("SH", "BJ")), []),  # a split, any order
    (hub("1", ShadowStatus.ON_HOLD, (), codes=("backorder",)), legacy("1"), [K.HOLD]),
    (hub("1"), legacy("1", "挂起", (), held=True), [K.HOLD]),
    (hub("1", ShadowStatus.ON_HOLD, ()), legacy("1", "exception", (), held=True), []),
    (hub("1", ShadowStatus.CANCELLED, ()), legacy("1", "已取消", ()), []),
    (hub("1", ShadowStatus.CANCELLED, ()), legacy("1"), [K.CANCELLED]),
    (hub("1", total="9.00", sites=("BJ",)), legacy("1"), [K.AMOUNT, K.WAREHOUSE]),
])
def test_each_kind_of_difference(mine: ShadowRecord, theirs: LegacyRow,
                                 kinds: list[DifferenceKind]) -> None:
    report = compare("web", [mine], [theirs])
    assert [d.kind for d in report.differences] == kinds
    assert (report.compared, report.matched, report.consistent) == (1, 1, int(not kinds))


def test_missing_on_either_side_window_and_rate() -> None:
    mine = [hub("1"), hub("2"), hub("3", at=DAY2)]
    theirs = [legacy("1"), legacy("4", line=5), legacy("5", at=DAY2),
              legacy("3")]  # undated: counts when its hub counterpart does
    report = compare("web", mine, theirs)
    assert {(d.external_id, d.kind) for d in report.differences} == {
        ("2", K.MISSING_IN_LEGACY), ("4", K.MISSING_IN_HUB), ("5", K.MISSING_IN_HUB)}
    assert (report.compared, report.consistent, report.rate) == (5, 2, Decimal("0.4000"))
    day1 = compare("web", mine, theirs, DAY1, DAY2)  # [DAY1, DAY2): order 3 and row 5 out
    assert sorted(d.external_id for d in day1.differences) == ["2", "4"]
    assert (day1.compared, day1.consistent) == (3, 1)
    assert str(compare("web", [], []).rate) == "0.0000"


def test_promotion_bar() -> None:
    report = compare("web", [hub("1"), hub("2")], [legacy("1"), legacy("2", total="3")])
    assert report.rate == Decimal("0.5000")
    assert PromotionBar(Decimal("0.5"), 2).shortfalls(report) == []
    assert PromotionBar(Decimal("0.98")).shortfalls(report) == [
        "consistency rate 0.5000 is below 0.98"]
    assert PromotionBar(Decimal("0.5"), 3).shortfalls(report) == [
        "2 orders compared, fewer than 3"]


def test_reads_chinese_headers_flags_and_split_sites() -> None:
    data = ("订单号,订单状态,发货仓,实付金额,币种,是否挂起,挂起原因,下单时间\n"
            "T-1,已发货,SH、BJ,\"1,299.00\",人民币,否,,2026-12-01 10:00:00\n"
            "T-2,挂起,,50,CNY,,,\n"
            "T-3,待审核,,¥8.5,CNY,否,地址不全,\n").encode("gb18030")
    rows = read_legacy(data, "legacy.csv")
    assert [(r.external_id, r.warehouses, r.total, r.currency, r.held) for r in rows] == [
        ("T-1", ("SH", "BJ"), Decimal("1299.00"), "CNY", False),
        ("T-2", (), Decimal("50"), "CNY", True),  # held by its status
        ("T-3", (), Decimal("8.5"), "CNY", True)]  # held by its reason
    assert rows[0].placed_at == datetime(2026, 12, 1, 2, tzinfo=UTC)  # China time
    assert rows[2].line == 4


def test_xlsx_with_a_mapping_and_a_default_currency() -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["PO", "Value", "DC", "Exception"])
    book.active.append(["P-1", 12.5, "GZ", "yes"])
    buf = io.BytesIO()
    book.save(buf)
    rows = read_legacy(buf.getvalue(), "export.xlsx", default_currency="CNY",
                       mapping=parse_mapping(["external_id=PO", "total=Value",
                                              "warehouse=DC"]))
    assert [(r.external_id, r.total, r.warehouses, r.held) for r in rows] == [
        ("P-1", Decimal("12.5"), ("GZ",), True)]


@pytest.mark.parametrize(("text", "where"), [
    ("order_id,total,currency\nA-1,ten,CNY\n", "row 2.total"),
    ("order_id,total,currency\nA-1,10,XXQ\n", "row 2.currency"),
    ("order_id,total,currency,held\nA-1,10,CNY,maybe\n", "row 2.held"),
    ("order_id,total,currency\n,10,CNY\n", "row 2.external_id"),
    ("order_id,total,currency\nA-1,10,CNY\nA-1,11,CNY\n", "row 3.external_id"),
    ("order_id,currency\nA-1,CNY\n", "row 1.total"),
    ("order_id,total\nA-1,10\n", "row 1.currency"),
    ("order_id,total,currency,order_date\nA-1,10,CNY,yesterday\n", "row 2.placed_at"),
    ("", "file"),
])
def test_a_malformed_file_is_refused_with_its_row_and_field(text: str, where: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_legacy(text.encode(), "legacy.csv")
    assert where in [e.loc for e in caught.value.errors], caught.value.errors


def test_a_bad_mapping_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_mapping(["price=Amount", "total"])
    assert [e.loc for e in caught.value.errors] == ["map.0", "map.1"]
    with pytest.raises(InvalidInput) as missing:
        read_legacy(b"order_id,total,currency\nA,1,CNY\n", "x.csv",
                    mapping={"total": "Amount"})
    assert missing.value.errors[0].loc == "row 1.total"


def test_the_bar_is_judged_on_the_exact_rate_not_the_rounded_one() -> None:
    """Review 16b: 4899 consistent of 4999 is 0.97999..., shown as 0.9800; a bar of 0.98
    must refuse it (it was met by the four-place rounding)."""
    from orderhub.domain.cutover import CutoverReport
    found = CutoverReport("web", None, None, compared=4999, matched=4999, consistent=4899)
    assert found.rate == Decimal("0.9800")  # as shown
    short = PromotionBar(Decimal("0.98"), 1).shortfalls(found)
    assert short and "below 0.98" in short[0]
    exact = CutoverReport("web", None, None, compared=5000, matched=5000, consistent=4900)
    assert PromotionBar(Decimal("0.98"), 1).shortfalls(exact) == []
