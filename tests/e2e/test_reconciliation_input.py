"""Reconciliation input the stored columns cannot hold is the file's error, not a 500
(issue 17 item 4: bad files refused whole, naming row and field): an order number, fee type
or waybill longer than its column, a NUL character; a long composed reference is kept as
its hash. A report export for a scope with characters outside latin-1 (a Chinese channel
code) or a quote has a valid Content-Disposition. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from orderhub.adapters.db import tables as t
from orderhub.adapters.settlements import parse_settlement
from orderhub.bootstrap import Hub
from orderhub.cli.app import app as cli
from tests.api import api_client
from tests.factories import seed_network

HEAD = ("账务流水号,业务流水号,商户订单号,发生时间,收入金额（+元）,支出金额（-元）,业务类型,"
        "业务基础订单号,币种\n")


def alipay(*rows: str) -> bytes:
    return ("#支付宝账务明细查询\n" + HEAD + "".join(r + "\n" for r in rows)).encode()


def tmall(serial: str, order: str, kind: str = "交易付款") -> str:
    return f"A{serial},{serial},T200P{order},2026-11-20 10:00:00,20.00,,{kind},{order},CNY"


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    seed_network(hub)
    with api_client(hub, role="finance") as c:
        yield c


def upload(client: TestClient, data: bytes, source: str = "tmall") -> object:
    return client.post("/v1/reconciliation/imports", content=data,
                       params={"source": source}, headers={"content-type": "text/csv"})


def test_values_the_columns_cannot_hold_are_row_errors(client: TestClient, hub: Hub) -> None:
    data = alipay(tmall("1", "TM-1"), tmall("2", "T" * 201), tmall("3", "TM-3", "费" * 65),
                  tmall("4", "TM\x00-4"))
    r = upload(client, data)
    assert r.status_code == 422, r.text  # type: ignore[attr-defined]
    errors = {e["field"]: e["message"] for e in r.json()["errors"]}  # type: ignore[attr-defined]
    assert errors == {"row 4.业务基础订单号": "longer than 200 characters",
                      "row 5.业务类型": "longer than 64 characters",
                      "row 6.业务基础订单号": "contains a NUL character"}, errors
    bill = ("运单号,日期,运费\n" + "SF" + "1" * 70 + ",2026-11-20,12.00\n").encode()
    r = upload(client, bill, source="carrier:sf")
    assert r.status_code == 422, r.text  # type: ignore[attr-defined]
    assert [e["field"] for e in r.json()["errors"]] == ["row 2.运单号"]  # type: ignore[attr-defined]
    with hub.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.settlement_rows)).scalar() == 0


def test_a_long_composed_reference_is_stored_as_its_hash(client: TestClient) -> None:
    jd = ("订单编号,费用名称,应结金额,结算时间,商品编号\n"
          + f"JD-1,货款,20.00,2026-11-20 10:00:00,{'9' * 290}\n").encode()
    [row] = parse_settlement(jd, "jd.csv", "jd").rows
    assert row.reference.startswith("sha256:") and len(row.reference) == 71
    r = client.post("/v1/reconciliation/imports", content=jd,
                    params={"source": "jd", "channel": "tmall"},
                    headers={"content-type": "text/csv"})
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("scope", ["天猫", 'a"b'])
def test_export_file_name_for_any_scope(client: TestClient, scope: str) -> None:
    r = client.get("/v1/reconciliation/report/export", params={"period": "2026-11",
                                                               "scope": scope})
    assert r.status_code == 200, r.text
    disposition = r.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="reconciliation-2026-11-')
    assert disposition.count('"') == 2 and "filename*=UTF-8''" in disposition


def test_cli_report_out_unwritable_is_a_message(hub: Hub, database_url: str,
                                                 tmp_path: Path) -> None:
    seed_network(hub)
    env = {"ORDERHUB_DATABASE_URL": database_url, "COLUMNS": "200"}
    result = CliRunner().invoke(cli, ["reconcile", "report", "--period", "2026-11",
                                      "--format", "csv", "--out",
                                      str(tmp_path / "no-such-dir" / "r.csv")], env=env)
    assert result.exit_code == 2, result.output
    assert "cannot write" in result.output and result.exception is not None
    assert isinstance(result.exception, SystemExit)
    result = CliRunner().invoke(cli, ["reconcile", "import", str(tmp_path), "--source",
                                      "tmall"], env=env)
    assert result.exit_code != 0 and isinstance(result.exception, SystemExit), result.output
