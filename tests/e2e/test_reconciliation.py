"""Reconciliation of channel settlements and carrier bills, end to end (issue 17 item 4):
a Tmall settlement file with one row of each outcome imported over the API, run, reported,
exported as CSV and XLSX, closed (then imports and runs refused); bad files refused whole;
scopes; a carrier bill matched by waybill with its freight allocated; the same through the
CLI. On SQLite and PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from orderhub.adapters.db import tables as t
from orderhub.bootstrap import Hub
from orderhub.cli.app import app as cli
from tests.api import api_client
from tests.factories import ADDRESS_JSON, seed_network

runner = CliRunner()
HEAD = ("账务流水号,业务流水号,商户订单号,发生时间,收入金额（+元）,支出金额（-元）,业务类型,"
        "业务基础订单号,币种\n")


def alipay(rows: list[tuple[str, ...]]) -> bytes:
    """An Alipay statement: `#` lines around the table, as the portal exports it."""
    body = "".join(",".join(r) + "\n" for r in rows)
    return ("#支付宝账务明细查询\n#账号：[2088]\n" + HEAD + body
            + "#-----账务明细列表结束-----\n").encode()


def row(serial: str, order: str, amount: str, kind: str = "交易付款",
        when: str = "2026-11-20 10:00:00", currency: str = "CNY") -> tuple[str, ...]:
    income, expense = (amount, "") if not amount.startswith("-") else ("", amount)
    return ("A" + serial, serial, "T200P" + order, when, income, expense, kind, order,
            currency)


def order(client: TestClient, ext: str, price: str, qty: int = 1, sku: str = "A",
          channel: str = "tmall") -> str:
    r = client.post("/v1/orders", json={
        "external_id": ext, "channel": channel, "currency": "CNY",
        "shipping_address": ADDRESS_JSON,
        "lines": [{"sku": sku, "quantity": qty, "unit_price": price}]})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    seed_network(hub, {("A", "SH"): 50, ("B", "BJ"): 50})
    with api_client(hub, role="finance") as c:
        yield c


@pytest.fixture
def ops(hub: Hub, client: TestClient) -> Iterator[TestClient]:
    with api_client(hub, role="operations") as c:
        yield c


def upload(client: TestClient, data: bytes, **params: str) -> Any:
    params.setdefault("source", "tmall")
    return client.post("/v1/reconciliation/imports", content=data, params=params,
                       headers={"content-type": "text/csv"})


def count(hub: Hub, table: Any) -> int:
    with hub.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_tmall_settlement_import_run_report_export_close(client: TestClient, ops: TestClient,
                                                         hub: Hub) -> None:
    ids = {ext: order(ops, ext, price) for ext, price in (
        ("TM-1", "20.00"), ("TM-2", "5.00"), ("TM-3", "7.00"), ("TM-4", "10.00"),
        ("TM-5", "10.00"), ("TM-6", "3.00"))}
    assert ops.post(f"/v1/orders/{ids['TM-5']}/cancel", json={"reason": "buyer"}
                    ).status_code == 200
    data = alipay([
        row("1", "TM-1", "20.00"), row("2", "TM-1", "-1.00", "软件服务费"),  # matched
        row("3", "TM-2", "5.00"),  # matched
        row("4", "TM-4", "9.00"),  # settled 1.00 short: amount_mismatch
        row("5", "TM-5", "10.00"),  # cancelled (refunded in full) but no refund row
        row("6", "TM-6", "3.00", currency="USD"),  # currency_mismatch
        row("7", "TM-404", "8.00"),  # no such order: unmatched_row
        row("1", "TM-1", "20.00"),  # the same 业务流水号 again: duplicate
        ("A9", "9", "", "2026-11-21 09:00:00", "", "-500.00", "提现", "", "CNY"),  # skipped
    ])  # TM-3: never settled

    # Bad files first: refused whole, naming the column / row and field; nothing stored.
    bad = upload(client, data.replace("业务类型".encode(), "业务种类".encode()))
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json()["errors"]}
    assert fields == {"row 1.业务类型", "row 1.业务种类"}, bad.text
    bad = upload(client, alipay([row("1", "TM-1", "20.00"), row("2", "TM-2", "5.0x"),
                                 row("3", "TM-3", "7.00", currency="XYZ"),
                                 row("4", "TM-4", "1.00", when="2026-13-45")]))
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {
        "row 5.收入金额（+元）", "row 6.币种", "row 7.发生时间"}, bad.text
    assert "'5.0x' is not an amount" in bad.text and "XYZ" in bad.text
    assert upload(client, data, source="taobao-ish").status_code == 422
    assert upload(client, data, channel="nope").status_code == 422
    assert count(hub, t.settlement_rows) == 0 and count(hub, t.settlement_imports) == 0

    r = upload(client, data, filename="alipay-2026-11.csv")
    assert r.status_code == 201, r.text
    doc = r.json()
    assert (doc["scope"], doc["period"], doc["rows"], doc["skipped"]) == (
        "tmall", "2026-11", 8, 1)
    again = upload(client, data)
    assert again.status_code == 409 and "already imported" in again.text
    assert ops.get("/v1/reconciliation/report", params={"period": "2026-11"}
                   ).status_code == 403  # operations has no finance scope
    assert ops.post("/v1/reconciliation/runs", json={"period": "2026-11"}).status_code == 403

    r = client.post("/v1/reconciliation/runs", json={"period": "2026-11"})
    assert r.status_code == 201, r.text
    [run] = r.json()
    summary = run["summary"]
    assert summary["rows"] == 8 and summary["rows_unaccounted"] == 0
    assert summary["rows_matched"] == 3 and summary["rows_flagged"] == 5
    counts = {k: v for k, v in summary["counts"].items() if v}
    assert counts == {"matched": 2, "amount_mismatch": 1, "refund_mismatch": 1,
                      "currency_mismatch": 1, "unmatched_row": 1, "unsettled_order": 1,
                      "duplicate": 1}

    report = client.get("/v1/reconciliation/report", params={"period": "2026-11"}).json()
    [scope] = report["scopes"]
    found = {(f["code"], f["external_id"]): f for f in scope["findings"]}
    short = found[("amount_mismatch", "TM-4")]
    assert (short["expected"], short["settled"], short["difference"]) == (
        "10.00", "9.00", "-1.00")
    assert short["label"] == "实收金额不符" and short["order_id"] == ids["TM-4"]
    refund = found[("refund_mismatch", "TM-5")]
    assert (refund["expected"], refund["settled"]) == ("10.00", "0.00")
    assert found[("unsettled_order", "TM-3")]["expected"] == "7.00"
    assert found[("duplicate", "TM-1")]["detail"] == {"first_line": 4}
    assert found[("unmatched_row", "TM-404")]["lines"] == [10]
    only = client.get("/v1/reconciliation/report", params={
        "period": "2026-11", "code": "duplicate"}).json()["scopes"][0]
    assert [f["code"] for f in only["findings"]] == ["duplicate"]
    assert client.get("/v1/reconciliation/report", params={
        "period": "2026-11", "code": "nope"}).status_code == 422

    # Expected fee rates: TM-1's 软件服务费 is 5% of 20.00; the others were charged none.
    r = client.post("/v1/reconciliation/runs", json={
        "period": "2026-11", "scope": "tmall", "fee_rates": {"软件服务费": "0.05"}})
    assert r.status_code == 201, r.text
    fees = client.get("/v1/reconciliation/report", params={
        "period": "2026-11", "code": "fee_mismatch"}).json()["scopes"][0]["findings"]
    assert [(f["external_id"], f["expected"], f["settled"]) for f in fees] == [
        ("TM-2", "0.25", "0.00"), ("TM-4", "0.50", "0.00"), ("TM-5", "0.50", "0.00")]
    assert client.post("/v1/reconciliation/runs", json={
        "period": "2026-11", "fee_rates": {"佣金": "2"}}).status_code == 422

    # Export for finance: every finding, Chinese labels.
    csv_r = client.get("/v1/reconciliation/report/export", params={"period": "2026-11"})
    assert csv_r.status_code == 200 and csv_r.headers["content-type"].startswith("text/csv")
    text = csv_r.content.decode("utf-8-sig")
    assert "原因代码 code" in text.splitlines()[0] and "实收金额不符" in text
    assert len(text.strip().splitlines()) == 1 + 10  # the latest run: 1 matched, 9 problems
    x = client.get("/v1/reconciliation/report/export", params={"period": "2026-11",
                                                               "format": "xlsx"})
    assert x.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(x.content)).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 11 and "重复扣款/重复结算" in {v[4] for v in values}

    # Close: frozen, audited, evented; later imports and runs refused.
    r = client.post("/v1/reconciliation/periods/close", json={"period": "2026-11"})
    assert r.status_code == 200, r.text
    assert r.json()[0]["status"] == "closed"
    late = upload(client, alipay([row("99", "TM-3", "7.00")]))
    assert late.status_code == 409 and "closed" in late.text
    assert client.post("/v1/reconciliation/runs", json={"period": "2026-11"}
                       ).status_code == 409
    assert client.post("/v1/reconciliation/periods/close", json={"period": "2026-11"}
                       ).status_code == 409
    assert client.get("/v1/reconciliation/report", params={"period": "2026-11"}
                      ).json()["scopes"][0]["status"] == "closed"
    with hub.engine.connect() as conn:
        types = [r[0] for r in conn.execute(select(t.outbox.c.type).where(
            t.outbox.c.type.in_(["SettlementImported", "ReconciliationRun",
                                 "ReconciliationPeriodClosed"])))]
        kinds = [r[0] for r in conn.execute(select(t.audit_log.c.detail).where(
            t.audit_log.c.kind == "reconciliation_change"))]
    assert sorted(types) == ["ReconciliationPeriodClosed", "ReconciliationRun",
                             "ReconciliationRun", "SettlementImported"]
    assert [k["change"] for k in kinds] == ["settlement_imported", "reconciled",
                                            "reconciled", "period_closed"]
    assert count(hub, t.settlement_rows) == 8  # the late file left nothing behind


def test_close_needs_a_run_and_no_file_after_it(client: TestClient, ops: TestClient) -> None:
    order(ops, "TM-1", "20.00")
    assert upload(client, alipay([row("1", "TM-1", "20.00")])).status_code == 201
    r = client.post("/v1/reconciliation/periods/close", json={"period": "2026-11"})
    assert r.status_code == 409 and "not reconciled" in r.text
    assert client.post("/v1/reconciliation/runs", json={"period": "2026-11"}
                       ).status_code == 201
    assert upload(client, alipay([row("2", "TM-1", "-1.00", "佣金")]),
                  filename="later.csv").status_code == 201
    r = client.post("/v1/reconciliation/periods/close", json={"period": "2026-11"})
    assert r.status_code == 409 and "after the latest run" in r.text
    assert client.post("/v1/reconciliation/runs", json={"period": "2026-12"}
                       ).status_code == 422  # nothing imported for it
    r = client.post("/v1/reconciliation/runs", json={"period": "2026-11", "scope": "web"})
    assert r.status_code == 422 and "nothing imported for web" in r.text


def test_carrier_bill_matched_by_waybill_freight_allocated(client: TestClient,
                                                           ops: TestClient,
                                                           hub: Hub) -> None:
    r = ops.post("/v1/orders", json={
        "external_id": "W-1", "channel": "web", "currency": "CNY",
        "shipping_address": ADDRESS_JSON,
        "lines": [{"sku": "A", "quantity": 3, "unit_price": "10.00"},
                  {"sku": "A", "quantity": 1, "unit_price": "10.00"}]})
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    with hub.engine.begin() as conn:  # as booked at release by the carrier
        conn.execute(update(t.shipments).where(t.shipments.c.order_id == oid)
                     .values(waybill="SF100"))
    bill = ("运单号,日期,计费重量,运费,附加费类型,附加费,币种\n"
            "SF100,2026-11-05,1.20,12.00,燃油附加费,1.00,CNY\n"
            "SF999,2026-11-06,0.50,8.00,,,CNY\n"
            "SF100,2026-11-05,1.20,12.00,,,CNY\n").encode()
    r = upload(client, bill, source="carrier:sf")
    assert r.status_code == 201, r.text
    assert r.json()["scope"] == "carrier:sf" and r.json()["rows"] == 4
    [run] = client.post("/v1/reconciliation/runs", json={"period": "2026-11",
                                                         "scope": "carrier:sf"}).json()
    assert {k: v for k, v in run["summary"]["counts"].items() if v} == {
        "freight_allocated": 1, "unmatched_waybill": 1, "duplicate": 1}
    found = {f["code"]: f for f in client.get("/v1/reconciliation/report", params={
        "period": "2026-11", "scope": "carrier:sf"}).json()["scopes"][0]["findings"]}
    freight = found["freight_allocated"]
    assert freight["order_id"] == oid and freight["settled"] == "13.00"
    # SKU A has no weight here: by value, 30.00 : 10.00
    assert freight["detail"]["rule"] == "value"
    assert freight["detail"]["allocation"] == {"1": "9.75", "2": "3.25"}
    assert found["unmatched_waybill"]["waybill"] == "SF999"
    assert found["duplicate"]["waybill"] == "SF100"


def cli_run(database_url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli, list(args), env={"ORDERHUB_DATABASE_URL": database_url,
                                                  "COLUMNS": "200"})
    return result.exit_code, result.output


def test_cli_import_run_report_close(client: TestClient, ops: TestClient, hub: Hub,
                                     database_url: str, tmp_path: Path) -> None:
    order(ops, "TM-1", "20.00")
    order(ops, "TM-2", "5.00")
    path = tmp_path / "alipay.csv"
    path.write_bytes(alipay([row("1", "TM-1", "20.00"), row("2", "TM-2", "4.00")]))
    code, out = cli_run(database_url, "reconcile", "import", str(path), "--source", "tmall")
    assert code == 0, out
    assert "2 settlement rows imported for tmall 2026-11" in out
    bad = tmp_path / "bad.csv"
    bad.write_bytes(alipay([row("3", "TM-1", "abc")]))
    code, out = cli_run(database_url, "reconcile", "import", str(bad), "--source", "tmall",
                        "--lang", "zh")
    assert code != 0 and "第 4 行 收入金额（+元）" in out and "'abc' 不是金额" in out, out
    code, out = cli_run(database_url, "reconcile", "run", "--period", "2026-11", "--lang",
                        "zh")
    assert code == 0, out
    assert "已匹配 1 条" in out and "实收金额不符: 1" in out
    code, out = cli_run(database_url, "reconcile", "report", "--period", "2026-11")
    assert code == 0 and "amount_mismatch" in out and "TM-2" in out, out
    xlsx = tmp_path / "report.xlsx"
    code, out = cli_run(database_url, "reconcile", "report", "--period", "2026-11",
                        "--format", "xlsx", "--out", str(xlsx))
    assert code == 0, out
    assert openpyxl.load_workbook(xlsx).worksheets[0].max_row == 3
    code, out = cli_run(database_url, "reconcile", "close", "--period", "2026-11",
                        "--lang", "zh")
    assert code == 0 and "已按对账批次" in out, out
    code, out = cli_run(database_url, "reconcile", "run", "--period", "2026-11", "--lang",
                        "zh")
    assert code != 0 and "已关账" in out, out
    code, out = cli_run(database_url, "reconcile", "run", "--period", "2026-1x")
    assert code != 0 and "YYYY-MM" in out


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "settlements"


def test_jd_douyin_xlsx_and_shopify_files_through_the_api(client: TestClient,
                                                          ops: TestClient) -> None:
    order(ops, "JD-1", "20.00", channel="web")
    order(ops, "DY-1", "10.00", qty=2)  # tmall channel: 20.00
    r = ops.post("/v1/orders", json={
        "external_id": "5001", "channel": "web", "currency": "USD",
        "shipping_address": ADDRESS_JSON,
        "lines": [{"sku": "A", "quantity": 1, "unit_price": "20.00"}]})
    assert r.status_code == 201, r.text
    jd = upload(client, (FIXTURES / "jd_settlement.csv").read_bytes(), source="jd",
                channel="web")
    assert jd.status_code == 201 and jd.json()["rows"] == 3, jd.text
    book = openpyxl.Workbook()
    sheet = book.active
    for line in (FIXTURES / "douyin_bill.csv").read_text(encoding="utf-8").splitlines():
        sheet.append(line.split(","))
    buf = io.BytesIO()
    book.save(buf)
    dy = client.post("/v1/reconciliation/imports", content=buf.getvalue(), params={
        "source": "douyin", "channel": "tmall", "filename": "douyin-2026-11.xlsx"},
        headers={"content-type": "application/vnd.openxmlformats-officedocument."
                 "spreadsheetml.sheet"})
    assert dy.status_code == 201 and dy.json()["rows"] == 3, dy.text
    sp = upload(client, (FIXTURES / "shopify_payouts.csv").read_bytes(), source="shopify",
                channel="web")
    assert sp.status_code == 201 and (sp.json()["rows"], sp.json()["skipped"]) == (3, 1)
    runs = client.post("/v1/reconciliation/runs", json={"period": "2026-11"}).json()
    counts = {r["scope"]: {k: v for k, v in r["summary"]["counts"].items() if v}
              for r in runs}
    # Shopify refunded 5.00 of order 5001; the hub knows of no refund.
    assert counts == {"tmall": {"matched": 1},
                      "web": {"matched": 1, "refund_mismatch": 1}}
    imports = client.get("/v1/reconciliation/imports", params={"period": "2026-11"}).json()
    assert sorted(i["source"] for i in imports) == ["douyin", "jd", "shopify"]
