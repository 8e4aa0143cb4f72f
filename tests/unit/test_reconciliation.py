"""Settlement files and carrier bills parsed (each source, CSV and XLSX, from fixtures written
from the documented columns; bad files refused whole naming the column, row and field),
and the pure matching: every outcome, duplicates, freight allocation (issue 17 item 4)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from orderhub.adapters.settlements import parse_settlement
from orderhub.domain.errors import InvalidInput
from orderhub.domain.reconciliation import (
    FindingCode,
    LineFacts,
    OrderFacts,
    Period,
    RowKind,
    SettlementRow,
    ShipmentFacts,
    allocate_freight,
    reconcile_carrier,
    reconcile_channel,
    split,
)

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "settlements"
D = Decimal
NOV = datetime(2026, 11, 10, 2, tzinfo=UTC)


def parse(name: str, source: str) -> list[tuple[object, ...]]:
    parsed = parse_settlement((FIX / name).read_bytes(), name, source)
    return [(r.line, r.order_ref, r.kind, r.fee_type, r.amount, r.currency)
            for r in parsed.rows]


def test_tmall_alipay_statement() -> None:
    parsed = parse_settlement((FIX / "tmall_alipay.csv").read_bytes(), "a.csv", "tmall")
    assert (parsed.lines, parsed.skipped) == (4, 1)  # the withdrawal (提现) is skipped
    assert [(r.line, r.reference, r.order_ref, r.kind, r.amount) for r in parsed.rows] == [
        (6, "2026110322001100001", "TM-1", RowKind.PAYMENT, D("20.00")),
        (7, "2026110322001100002", "TM-1", RowKind.FEE, D("-1.00")),
        # no 业务基础订单号: 商户订单号 without Tmall's T200P prefix
        (8, "2026110422001100003", "TM-2", RowKind.PAYMENT, D("5.00"))]
    assert parsed.rows[0].occurred_at == datetime(2026, 11, 3, 2, tzinfo=UTC)  # China time


def test_jd_douyin_shopify_and_carrier() -> None:
    assert parse("jd_settlement.csv", "jd") == [
        (2, "JD-1", RowKind.PAYMENT, "货款", D("20.00"), "CNY"),
        (3, "JD-1", RowKind.COMMISSION, "佣金", D("-1.60"), "CNY"),
        (4, "JD-1", RowKind.FEE, "交易服务费", D("-0.20"), "CNY")]
    assert parse("douyin_bill.csv", "douyin") == [
        (2, "DY-1", RowKind.PAYMENT, "订单金额", D("20.00"), "CNY"),
        (2, "DY-1", RowKind.FEE, "平台服务费", D("-1.00"), "CNY"),
        (2, "DY-1", RowKind.COMMISSION, "佣金", D("-2.00"), "CNY")]
    assert parse("shopify_payouts.csv", "shopify") == [
        (2, "5001", RowKind.PAYMENT, "charge", D("20.00"), "USD"),
        (2, "5001", RowKind.FEE, "fee", D("-0.88"), "USD"),
        (3, "5001", RowKind.REFUND, "refund", D("-5.00"), "USD")]  # the payout row skipped
    rows = parse_settlement((FIX / "carrier_sf.csv").read_bytes(), "b.csv",
                            "carrier:sf").rows
    assert [(r.waybill, r.kind, r.fee_type, r.amount, r.weight_kg) for r in rows] == [
        ("SF100", RowKind.FREIGHT, "运费", D("12.00"), D("1.20")),
        ("SF100", RowKind.SURCHARGE, "燃油附加费", D("1.50"), D("1.20")),
        ("SF999", RowKind.FREIGHT, "运费", D("8.00"), D("0.50"))]


def test_xlsx_reads_like_csv() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["单据编号", "订单编号", "费用名称", "收支方向", "应结金额", "结算时间"])
    sheet.append(["D1", "JD-9", "货款", "收入", 12.5, datetime(2026, 11, 2, 9, 0)])
    sheet.append(["D2", "JD-9", "货款", "支出", 2, datetime(2026, 11, 3, 9, 0)])
    out = io.BytesIO()
    book.save(out)
    rows = parse_settlement(out.getvalue(), "jd.xlsx", "jd").rows
    assert [(r.kind, r.amount) for r in rows] == [(RowKind.PAYMENT, D("12.5")),
                                                 (RowKind.REFUND, D("-2"))]


def errors(data: bytes, source: str, name: str = "f.csv") -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        parse_settlement(data, name, source)
    return {e.loc: e.message for e in caught.value.errors}


def test_bad_files_name_the_column_row_and_field() -> None:
    shopify = (FIX / "shopify_payouts.csv").read_bytes().decode()
    found = errors(shopify.replace("Net,", "Netto,").encode(), "shopify")
    assert set(found) == {"row 1.Net", "row 1.Netto"}
    assert "unknown column" in found["row 1.Netto"]
    found = errors(shopify.replace("20.00,0.88,19.12", "20.00,0.88,19.00")
                   .replace("-5.00,0.00,-5.00,c1,card,-5.00,USD,USD",
                            "-5.00,0.00,-5.00,c1,card,-5.00,USD,ZZZ").encode(), "shopify")
    assert found == {"row 2.Net": "19.00 is not Amount 20.00 − Fee 0.88",
                     "row 3.Currency": "'ZZZ' is not a known ISO 4217 currency code"}
    found = errors("订单号,结算时间,平台服务费,佣金,退款金额,结算金额\n"
                   "DY-1,yesterday,1,2,0,x\n".encode(), "douyin")
    assert set(found) == {"row 2.结算金额", "row 2.结算时间"}
    assert errors(b"", "jd") == {"file": "the file is empty"}
    assert "source" in errors(b"a,b\n", "alipay")
    assert set(errors("运单号,日期\nSF1,2026-11-01\n".encode(), "carrier:sf")) == {"row 1.运费"}


def order(oid: str, total: str, status: str = "allocated") -> OrderFacts:
    return OrderFacts(oid, "E" + oid, "CNY", D(total), status, NOV)


def srow(line: int, ref: str, order_ref: str, kind: RowKind, amount: str,
         fee_type: str = "", currency: str = "CNY") -> SettlementRow:
    return SettlementRow(line, ref, order_ref, kind, fee_type or kind.value, D(amount),
                         currency, NOV)


def test_every_outcome_and_every_row_accounted_for() -> None:
    orders = {o.external_id: o for o in [order("1", "20.00"), order("2", "10.00"),
                                         order("3", "5.00", "cancelled"), order("4", "8.00"),
                                         order("5", "9.00")]}
    unsettled = order("6", "7.00")
    refunded_in_full = order("7", "7.00", "cancelled")
    rows = [srow(2, "r1", "E1", RowKind.PAYMENT, "20.00"),
            srow(3, "r2", "E1", RowKind.COMMISSION, "-1.00", "佣金"),
            srow(4, "r3", "E2", RowKind.PAYMENT, "9.98"),  # within 0.05
            srow(5, "r4", "E3", RowKind.PAYMENT, "5.00"),  # cancelled: refund missing
            srow(6, "r5", "E4", RowKind.PAYMENT, "7.00"),  # short by 1.00
            srow(7, "r6", "E5", RowKind.PAYMENT, "9.00", currency="USD"),
            srow(8, "r7", "E99", RowKind.PAYMENT, "3.00"),  # no such order
            srow(9, "r1", "E1", RowKind.PAYMENT, "20.00")]  # duplicate of line 2
    outcome = reconcile_channel(
        rows, orders, [*orders.values(), unsettled, refunded_in_full],
        {"3": D("5.00"), "7": D("7.00")}, tolerance=D("0.05"),
        fee_rates={"佣金": D("0.05")})
    by = {(f.code, f.order_id or f.external_id): f for f in outcome.findings}
    # order 2 settled within the tolerance, but its 5% 佣金 (0.50) was never charged
    assert set(by) == {(FindingCode.MATCHED, "1"), (FindingCode.FEE_MISMATCH, "2"),
                       (FindingCode.REFUND_MISMATCH, "3"), (FindingCode.FEE_MISMATCH, "3"),
                       (FindingCode.AMOUNT_MISMATCH, "4"), (FindingCode.FEE_MISMATCH, "4"),
                       (FindingCode.CURRENCY_MISMATCH, "5"), (FindingCode.UNMATCHED_ROW, "E99"),
                       (FindingCode.UNSETTLED_ORDER, "6"), (FindingCode.DUPLICATE, "E1")}
    assert by[(FindingCode.AMOUNT_MISMATCH, "4")].difference == D("-1.00")
    assert by[(FindingCode.DUPLICATE, "E1")].detail == {"first_line": 2}
    summary = outcome.summary()
    assert summary["rows"] == 8 and summary["rows_unaccounted"] == 0
    assert summary["rows_matched"] == 2  # order 1's two rows


def test_carrier_bill_allocation_by_weight_else_value() -> None:
    lines = (LineFacts(1, 2, D("30.00"), D("2.0")), LineFacts(2, 1, D("10.00"), D("1.0")))
    shipments = {"SF1": ShipmentFacts("shp1", "o1", "E1", "SF1", lines)}
    rows = [SettlementRow(2, "SF1|运费", "", RowKind.FREIGHT, "运费", D("10.00"), "CNY", NOV,
                          "SF1"),
            SettlementRow(2, "SF1|偏远", "", RowKind.SURCHARGE, "偏远", D("0.01"), "CNY", NOV,
                          "SF1"),
            SettlementRow(3, "SF2|运费", "", RowKind.FREIGHT, "运费", D("5.00"), "CNY", NOV,
                          "SF2")]
    outcome = reconcile_carrier(rows, shipments)
    [freight, lost] = outcome.findings
    assert freight.code == FindingCode.FREIGHT_ALLOCATED and freight.settled == D("10.01")
    assert freight.detail["rule"] == "weight"
    assert freight.detail["allocation"] == {"1": "6.67", "2": "3.34"}
    assert lost.code == FindingCode.UNMATCHED_WAYBILL and lost.row_count == 1
    no_weight = (LineFacts(1, 1, D("30.00"), None), LineFacts(2, 1, D("10.00"), D("1")))
    assert allocate_freight(D("4.00"), no_weight, "CNY") == (
        "value", {1: D("3.00"), 2: D("1.00")})
    assert split(D("0.10"), [D(1), D(1), D(1)], "CNY") == [D("0.04"), D("0.03"), D("0.03")]
    assert sum(split(D("100"), [D(1)] * 7, "JPY")) == D("100")


def test_periods_are_china_months() -> None:
    p = Period.parse("2026-11")
    assert p.start == datetime(2026, 10, 31, 16, tzinfo=UTC)
    assert p.end == datetime(2026, 11, 30, 16, tzinfo=UTC)
    assert str(Period.of(datetime(2026, 11, 30, 17, tzinfo=UTC))) == "2026-12"
    for bad in ("2026-13", "26-11", "2026/11", ""):
        with pytest.raises(InvalidInput):
            Period.parse(bad)
