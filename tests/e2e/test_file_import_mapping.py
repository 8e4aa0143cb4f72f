"""Tabular imports that adapt to the file, end to end (SQLite and PostgreSQL): column
synonyms, `--map` and a channel's saved mapping (CLI and API), a preview that stores
nothing, unknown headers reported, purchase-order files as B2B orders; and the facts in a
buyer's note (age, delivery date, invoice title) kept on the order and read by the
formula-stage check."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from orderhub.adapters.db import tables as t
from orderhub.bootstrap import Hub
from orderhub.cli import i18n
from orderhub.cli.app import app as cli
from orderhub.domain.inventory import Channel, Sku
from orderhub.services import catalog
from tests.api import api_client
from tests.factories import seed_network

# A supplier's own headers: none of Ref/Artikel/Menge/Preis is a known synonym.
FOREIGN = (
    "Ref,Artikel,Menge,Preis,收货人,收货人电话,省,市,区/县,收货地址,业务员\n"
    "R-1,A,2,10.00,张三,13800138000,上海市,上海市,浦东新区,世纪大道100号,王五\n"
    "R-2,B,1,5.00,李四,13912345678,北京市,北京市,朝阳区,建国路1号,王五\n"
)
PO_FILE = (
    "PO No.,Buyer Company,Ship To Site,Item No.,Qty Ordered,Unit Cost,Ship To Contact,"
    "Ship To Phone,省,市,区/县,收货地址,备注\n"
    "PO-7781,上海某某贸易有限公司,SH-01,F2,1,200.00,张三,13800138000,上海市,上海市,"
    "浦东新区,世纪大道100号,宝宝刚满3个月，12月24日前送达，发票抬头：上海某某贸易有限公司\n"
)
MAP = ["--map", "Ref=external_id", "--map", "Artikel=sku", "--map", "Menge=quantity",
       "--map", "Preis=unit_price"]


def run(database_url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env={
        "ORDERHUB_DATABASE_URL": database_url, "COLUMNS": "250", "ORDERHUB_LANG": "en"})
    i18n.set_language("en")  # the CLI's language is process state: leave it as found
    return result.exit_code, result.output


def orders_stored(hub: Hub) -> int:
    with hub.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.orders)).scalar_one())


@pytest.fixture
def seeded(hub: Hub) -> Hub:
    seed_network(hub)
    catalog.add_channels(hub.uow, [Channel("default", "b2b", "B2B portal", "b2b")])
    catalog.add_skus(hub.uow, [Sku("default", "F2", "二段奶粉", Decimal("200.00"),
                                   attributes={"formula_stage": 2})], hub.clock())
    return hub


def test_cli_map_preview_and_saved_mapping(seeded: Hub, database_url: str,
                                           tmp_path: Path) -> None:
    path = tmp_path / "supplier.csv"
    path.write_text(FOREIGN, encoding="utf-8")
    code, out = run(database_url, "import", str(path), "--channel", "b2b")
    assert code == 1 and "external_id: no column for this field" in out, out
    assert orders_stored(seeded) == 0

    code, out = run(database_url, "import", str(path), "--channel", "b2b", *MAP,
                    "--preview", "--json")
    assert code == 0, out
    shown = json.loads(out)
    assert shown["columns"]["external_id"] == "Ref" and shown["columns"]["phone"] == "收货人电话"
    assert shown["ignored"] == ["业务员"] and shown["errors"] == []
    assert [r["external_id"] for r in shown["rows"]] == ["R-1", "R-2"]
    assert orders_stored(seeded) == 0  # a preview stores nothing

    code, out = run(database_url, "import", "mapping", "save", "b2b", *MAP, "--json")
    assert code == 0 and json.loads(out)["saved"] is True, out
    code, out = run(database_url, "import", "mapping", "show", "b2b", "--json")
    assert json.loads(out)["mapping"] == {"Ref": "external_id", "Artikel": "sku",
                                          "Menge": "quantity", "Preis": "unit_price"}
    code, out = run(database_url, "import", str(path), "--channel", "b2b")
    assert code == 0, out
    assert "ignored columns: 业务员" in out
    assert orders_stored(seeded) == 2

    code, out = run(database_url, "import", "mapping", "save", "b2b", "--clear")
    assert code == 0
    code, out = run(database_url, "import", "mapping", "show", "b2b", "--json")
    assert json.loads(out) == {"channel": "b2b", "saved": False, "mapping": {}}


@pytest.mark.parametrize(("pairs", "message"), [
    (["--map", "Ref"], "map.0: 'Ref' is not HEADER=FIELD"),
    (["--map", "Ref=order_no"], "map.Ref: unknown field 'order_no'"),
    (["--map", "Ref=sku", "--map", "Artikel=sku"],
     "map.Artikel: field 'sku' is already mapped from 'Ref'"),
    (["--map", "=sku"], "map: empty header for field 'sku'"),
])
def test_a_malformed_mapping_is_refused_with_the_field(seeded: Hub, database_url: str,
                                                        tmp_path: Path, pairs: list[str],
                                                        message: str) -> None:
    path = tmp_path / "supplier.csv"
    path.write_text(FOREIGN, encoding="utf-8")
    for args in (["import", str(path), "--channel", "b2b", *pairs],
                 ["import", "mapping", "save", "b2b", *pairs]):
        code, out = run(database_url, *args)
        assert code == 2 and message in " ".join(out.split()), (args, out)
    assert orders_stored(seeded) == 0
    code, out = run(database_url, "import", "mapping", "show", "b2b", "--json")
    assert json.loads(out)["saved"] is False
    code, out = run(database_url, "import", "mapping", "show", "nowhere")
    assert code == 1 and "channel 'nowhere' not found" in out


def test_cli_speaks_chinese(seeded: Hub, database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "supplier.csv"
    path.write_text(FOREIGN, encoding="utf-8")
    code, out = run(database_url, "--lang", "zh", "import", str(path), "--channel", "b2b",
                    *MAP, "--preview")
    assert code == 0 and "已忽略的列：业务员" in out, out
    code, out = run(database_url, "import", "mapping", "show", "b2b", "--lang", "zh")
    assert code == 0 and "渠道 b2b 没有保存的列映射" in out, out
    code, out = run(database_url, "import", "mapping", "save", "--help", "--lang", "zh")
    assert code == 0 and "保存渠道的列映射" in out, out


def test_a_po_file_becomes_a_b2b_order_with_its_note_facts(seeded: Hub, database_url: str,
                                                           tmp_path: Path) -> None:
    path = tmp_path / "po.csv"
    path.write_text(PO_FILE, encoding="utf-8")
    code, out = run(database_url, "import", str(path), "--channel", "b2b", "--json")
    assert code == 0, out
    report = json.loads(out[out.index("{"):])  # after the progress line on stderr
    assert report["outcomes"] == {"created": 1} and report["ignored_columns"] == []
    with api_client(seeded) as client:
        [order] = client.get("/v1/orders", params={"channel": "b2b"}).json()["items"]
        assert order["order_type"] == "b2b" and order["external_id"] == "PO-7781"
        attrs = order["attributes"]
        assert attrs["po_number"] == "PO-7781" and attrs["ship_to_site"] == "SH-01"
        assert attrs["note_baby_age_months"] == "3"
        assert attrs["note_baby_age_months_span"] == "note: 宝宝刚满3个月"
        assert attrs["note_requested_delivery"].endswith("-12-24")
        assert attrs["note_invoice_title"] == "上海某某贸易有限公司"
        # stage 2 formula for a 3-month-old: held, the hold quoting the buyer's words
        assert order["status"] == "on_hold"
        [reason] = [r for r in order["hold_reasons"] if r["code"] == "age_stage_mismatch"]
        assert "age 3 months read from the buyer's note (note: 宝宝刚满3个月)" in \
            reason["message"]
        code, shown = run(database_url, "order", "show", order["id"])
        assert code == 0 and "buyer note, baby's age (months): 3  「note: 宝宝刚满3个月」" in shown
        code, shown = run(database_url, "order", "show", order["id"], "--lang", "zh")
        assert "买家留言，发票抬头：上海某某贸易有限公司" in shown, shown
        timeline = client.get(f"/v1/orders/{order['id']}/timeline").json()
        [read] = [e for e in timeline if e["type"] == "BuyerNoteRead"]
        assert read["data"]["facts"] == ["baby_age_months", "requested_delivery",
                                         "invoice_title"]
        assert read["data"]["baby_age_months"] == "3"
        assert "上海" not in str(read)  # the invoice title stays on the order, encrypted
        # the buyer's words are personal: a caller without the full view does not see them
    with api_client(seeded, role="analyst") as analyst:
        seen = analyst.get(f"/v1/orders/{order['id']}").json()["attributes"]
        assert "note" not in seen and "note_baby_age_months_span" not in seen
        assert "note_invoice_title" not in seen and seen["note_baby_age_months"] == "3"


@pytest.fixture
def client(seeded: Hub) -> Iterator[TestClient]:
    with api_client(seeded) as c:
        yield c


def test_api_mapping_preview_and_import(client: TestClient, seeded: Hub) -> None:
    r = client.get("/v1/channels/b2b/import-mapping")
    assert r.status_code == 200 and r.json() == {"channel": "b2b", "saved": False,
                                                 "mapping": {}}
    r = client.put("/v1/channels/b2b/import-mapping",
                   json={"mapping": {"Ref": "external_id", "Artikel": "nonsense"}})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "mapping.Artikel"
    assert client.get("/v1/channels/b2b/import-mapping").json()["saved"] is False
    r = client.put("/v1/channels/nowhere/import-mapping", json={"mapping": {"a": "sku"}})
    assert r.status_code == 404

    body = FOREIGN.encode()
    r = client.post("/v1/channels/b2b/imports/preview", params={"format": "csv"},
                    content=body, headers={"content-type": "text/csv"})
    assert r.status_code == 200, r.text
    assert {e["field"] for e in r.json()["errors"]} >= {"external_id", "sku"}
    r = client.put("/v1/channels/b2b/import-mapping", json={"mapping": {
        "Ref": "external_id", "Artikel": "sku", "Menge": "quantity"}})
    assert r.status_code == 200 and r.json()["saved"] is True
    r = client.post("/v1/channels/b2b/imports/preview",
                    params={"format": "csv", "map": "Preis=unit_price", "limit": 1},
                    content=body, headers={"content-type": "text/csv"})
    assert r.status_code == 200, r.text
    shown = r.json()
    assert shown["errors"] == [] and shown["ignored"] == ["业务员"]
    assert len(shown["rows"]) == 1 and shown["rows"][0]["unit_price"] == "10.00"
    assert orders_stored(seeded) == 0

    r = client.post("/v1/channels/b2b/imports", params={"format": "csv", "map": "Preis"},
                    content=body, headers={"content-type": "text/csv"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "map.0"
    r = client.post("/v1/channels/b2b/imports",
                    params={"format": "csv", "map": "Preis=unit_price"},
                    content=body, headers={"content-type": "text/csv"})
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["outcomes"] == {"created": 2} and done["ignored"] == ["业务员"]
    assert orders_stored(seeded) == 2


def test_api_import_of_xlsx_purchase_orders(client: TestClient, seeded: Hub) -> None:
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["采购订单号", "采购单位", "商品编号", "采购数量", "采购单价", "收件人姓名",
               "收货人电话", "省份", "城市", "区/县", "送货地址", "要求到货日期"])
    ws.append(["CG-1", "广州某某公司", "A", 3, 10.0, "李四", 13912345678, "广东省", "广州市",
               "天河区", "天河路1号", "2026-12-30"])
    out = io.BytesIO()
    wb.save(out)
    r = client.post("/v1/channels/b2b/imports", params={"format": "xlsx"},
                    content=out.getvalue(),
                    headers={"content-type": "application/vnd.openxmlformats-"
                             "officedocument.spreadsheetml.sheet"})
    assert r.status_code == 200 and r.json()["outcomes"] == {"created": 1}, r.text
    [order] = client.get("/v1/orders", params={"channel": "b2b"}).json()["items"]
    assert order["order_type"] == "b2b" and order["customer"]["name"] == "广州某某公司"
    assert order["requested_delivery"] == "2026-12-30"  # the PO's need-by date: the SLA's


def test_api_refuses_unknown_channels_and_bad_files(client: TestClient, seeded: Hub) -> None:
    r = client.post("/v1/channels/nowhere/imports/preview", params={"format": "csv"},
                    content=FOREIGN.encode(), headers={"content-type": "text/csv"})
    assert r.status_code == 404
    r = client.post("/v1/channels/nowhere/imports", params={"format": "csv"},
                    content=PO_FILE.encode(), headers={"content-type": "text/csv"})
    assert r.status_code == 404, r.text
    r = client.post("/v1/channels/b2b/imports", params={"format": "xlsx"},
                    content=b"not a workbook", headers={"content-type": "text/csv"})
    assert r.status_code == 200 and r.json()["errors"][0]["field"] == "file"
    r = client.post("/v1/channels/b2b/imports", params={"format": "pdf"}, content=b"x")
    assert r.status_code == 422
    assert orders_stored(seeded) == 0


def test_the_console_order_page_shows_the_note_facts(seeded: Hub, database_url: str,
                                                     tmp_path: Path) -> None:
    from orderhub.services.access import users
    from tests.console_support import PASSWORD, sign_in

    path = tmp_path / "po.csv"
    path.write_text(PO_FILE, encoding="utf-8")
    assert run(database_url, "import", str(path), "--channel", "b2b")[0] == 0
    users.create_user(seeded.uow, "default", login="boss", role="tenant_admin",
                      password=PASSWORD, granter=None, actor="test", now=seeded.clock())
    from tests.api import create_app

    with api_client(seeded) as client:
        [order] = client.get("/v1/orders", params={"channel": "b2b"}).json()["items"]
    browser = TestClient(create_app(seeded), follow_redirects=False)
    sign_in(browser, "boss")
    page = browser.get(f"/console/orders/{order['id']}", headers={"Accept-Language": "zh"})
    assert page.status_code == 200, page.text
    assert 'data-note-fact="baby_age_months">3 个月' in page.text
    assert "宝宝刚满3个月" in page.text and "上海某某贸易有限公司" in page.text
    assert "PO-7781 · SH-01" in page.text


def test_mapping_errors_in_chinese(seeded: Hub, database_url: str) -> None:
    code, out = run(database_url, "import", "mapping", "save", "b2b", "--map", "Ref=order_no",
                    "--lang", "zh")
    assert code == 2 and "map.Ref：未知字段 'order_no'" in " ".join(out.split()), out
    code, out = run(database_url, "import", "mapping", "show", "nowhere", "--lang", "zh")
    assert code == 1 and "渠道 nowhere 不存在" in out, out
