"""Shipping documents through the API and the CLI (issue 19 part 4): a released shipment's
label as PDF and ZPL, the order's packing list, a wave in one file, layouts saved and
refused, scopes, warehouse-bound keys, tenants kept apart, prints audited."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from pypdf import PdfReader
from typer.testing import CliRunner

from orderhub.bootstrap import Hub
from orderhub.cli.app import app as cli
from orderhub.services import catalog
from tests.api import api_client, auth_headers
from tests.factories import ADDRESS_JSON, seed_network

PROBLEM = "application/problem+json"


def release(client: TestClient, ext: str, address: dict[str, str] | None = None,
            sku: str = "A") -> tuple[str, dict[str, Any]]:
    r = client.post("/v1/orders", json={
        "external_id": ext, "channel": "web", "currency": "CNY",
        "shipping_address": address or ADDRESS_JSON,
        "lines": [{"sku": sku, "quantity": 2, "unit_price": "10.00"}]})
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    r = client.post(f"/v1/orders/{oid}/release")
    assert r.status_code == 200, r.text
    return oid, r.json()["shipments"][0]


def test_label_packing_list_and_wave_over_http(hub: Hub) -> None:
    seed_network(hub)
    far = {**ADDRESS_JSON, "province": "新疆维吾尔自治区", "city": "乌鲁木齐市",
           "district": "天山区", "line1": "解放南路 88 号 3 单元 502 室", "name": "阿依古丽"}
    with api_client(hub) as admin:
        oid, s = release(admin, "LBL-1", far)
        r = admin.get(f"/v1/shipments/{s['id']}/label")
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/pdf"
        assert r.headers["cache-control"] == "no-store"
        assert r.content.startswith(b"%PDF-")
        text = PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
        assert "阿依古丽" in text and "新疆维吾尔自治区乌鲁木齐市天山区" in text
        assert s["waybill"] in text

        r = admin.get(f"/v1/shipments/{s['id']}/label", params={"format": "zpl"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/zpl")
        assert re.findall(r"\^BCN,\d+,Y,N,N\^FH_\^FD([^\^]+)\^FS", r.text) == [s["waybill"]]

        r = admin.get(f"/v1/orders/{oid}/packing-list")
        assert r.status_code == 200 and r.content.startswith(b"%PDF-")
        page = PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
        assert "Apple" in page and "装箱单" in page

        r = admin.get(f"/v1/shipments/{s['id']}/label", params={"format": "png"})
        assert r.status_code == 422 and r.headers["content-type"] == PROBLEM

        # a wave: every released, unpicked shipment of the warehouse, one page each
        more = [release(admin, f"LBL-W{i}")[1] for i in range(3)]
        wh = more[0]["warehouse"]
        at_wh = [x for x in [s, *more] if x["warehouse"] == wh]
        r = admin.post("/v1/labels/wave", json={"warehouse": wh})
        assert r.status_code == 200, r.text
        assert len(PdfReader(io.BytesIO(r.content)).pages) == len(at_wh)
        assert r.headers["x-document-pages"] == str(len(at_wh))
        r = admin.post("/v1/labels/wave", json={"warehouse": wh, "format": "zpl"})
        assert r.text.count("^XA") == len(at_wh)
        assert set(re.findall(r"\^BCN,\d+,Y,N,N\^FH_\^FD([^\^]+)\^FS", r.text)) == {
            x["waybill"] for x in at_wh}
        # picked: no longer in the wave
        assert admin.post(f"/v1/orders/{oid}/pick").status_code == 200
        r = admin.post("/v1/labels/wave", json={"warehouse": wh, "format": "zpl"})
        assert r.text.count("^XA") == len([x for x in at_wh if x["id"] != s["id"]])
        r = admin.post("/v1/labels/wave", json={"warehouse": "NOPE"})
        assert r.status_code == 404
        r = admin.post("/v1/labels/wave", json={"warehouse": wh, "since": "2099-01-01T00:00:00Z"})
        assert r.status_code == 409

        # prints are audited: who printed what, never the address
        audit = admin.get("/v1/audit", params={"kind": "label_print"}).json()
        entries = audit["entries"] if isinstance(audit, dict) else audit
        assert len(entries) >= 5
        assert "阿依古丽" not in json.dumps(entries, ensure_ascii=False)
        assert any(e["detail"].get("wave") for e in entries)

        # an allocated, unreleased order has no label yet
        r = admin.post("/v1/orders", json={
            "external_id": "LBL-open", "channel": "web", "currency": "CNY",
            "shipping_address": ADDRESS_JSON,
            "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]})
        open_shipment = r.json()["shipments"][0]["id"]
        r = admin.get(f"/v1/shipments/{open_shipment}/label")
        assert r.status_code == 409 and "no waybill" in r.json()["detail"]


def test_layouts_over_http_validated_when_saved(hub: Hub) -> None:
    seed_network(hub)
    with api_client(hub) as admin:
        layouts = {x["carrier"]: x for x in admin.get("/v1/labels/layouts").json()}
        assert layouts["SF"]["source"] == "builtin"
        doc = admin.get("/v1/labels/layouts/ZTO").json()["layout"]
        doc["fields"].append({"name": "buyer_id_card", "x_mm": 5, "y_mm": 130})
        r = admin.put("/v1/labels/layouts/ZTO", json=doc)
        assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
        [err] = r.json()["errors"]
        assert err["field"] == f"fields.{len(doc['fields']) - 1}.name"
        assert "buyer_id_card" in err["message"]
        doc["fields"].pop()
        doc["logo"]["text"] = "中通 · ACME"
        r = admin.put("/v1/labels/layouts/ZTO", json=doc)
        assert r.status_code == 200, r.text
        assert r.json()["version"] == 1 and r.json()["source"] == "tenant"
        assert [v["version"] for v in
                admin.get("/v1/labels/layouts/ZTO/versions").json()] == [1]
        r = admin.put("/v1/labels/layouts/bad%20code", json=doc)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "carrier"
        _, s = release(admin, "LBL-L1")
        if s["carrier_service"].startswith("ZTO"):
            r = admin.get(f"/v1/shipments/{s['id']}/label", params={"format": "zpl"})
            assert "中通 · ACME" in r.text
        docs = admin.get(f"/v1/shipments/{s['id']}/documents").json()
        assert docs and {d["kind"] for d in docs} <= {"label", "packing_list"}


def test_scopes_tenants_and_warehouse_bound_keys(hub: Hub) -> None:
    seed_network(hub)
    catalog.ensure_tenant(hub.uow, "acme", "Acme", hub.clock())
    with api_client(hub) as admin:
        oid, s = release(admin, "LBL-S1")
    label = f"/v1/shipments/{s['id']}/label"
    with api_client(hub, role="logistics") as logistics, \
            api_client(hub, role="operations") as ops, \
            api_client(hub, role="finance") as finance, \
            api_client(hub, role="analyst") as analyst:
        assert logistics.get(label).status_code == 200
        assert ops.get(label).status_code == 200
        for other in (finance, analyst):
            r = other.get(label)
            assert r.status_code == 403 and "labels:read" in r.json()["detail"]
        assert analyst.put("/v1/labels/layouts/SF", json={}).status_code == 403
    with api_client(hub, tenant="acme") as acme:
        assert acme.get(label).status_code == 404
        assert acme.get(f"/v1/orders/{oid}/packing-list").status_code == 404
        assert acme.get(f"/v1/shipments/{s['id']}/documents").status_code == 404
    other = "BJ" if s["warehouse"] != "BJ" else "SH"
    app = api_client(hub).app
    bound = TestClient(app, headers=auth_headers(hub, role="logistics",
                                                 warehouses=[s["warehouse"]]))
    stranger = TestClient(app, headers=auth_headers(hub, role="logistics",
                                                    warehouses=[other]))
    assert bound.get(label).status_code == 200
    assert stranger.get(label).status_code == 404
    assert stranger.post("/v1/labels/wave", json={"warehouse": s["warehouse"]}).status_code \
        == 404


def run(database_url: str, *args: str) -> tuple[int, str]:
    out = CliRunner().invoke(cli, list(args), env={"ORDERHUB_DATABASE_URL": database_url,
                                                   "COLUMNS": "200"})
    return out.exit_code, out.output


def test_labels_from_the_command_line(hub: Hub, database_url: str, tmp_path: Path) -> None:
    seed_network(hub)
    with api_client(hub) as admin:
        oid, s = release(admin, "LBL-C1")
        release(admin, "LBL-C2")
    out_pdf, out_zpl = tmp_path / "l.pdf", tmp_path / "l.zpl"
    code, out = run(database_url, "label", "print", s["id"], "--out", str(out_pdf))
    assert code == 0, out
    assert out_pdf.read_bytes().startswith(b"%PDF-") and "1 shipment(s)" in out
    code, out = run(database_url, "label", "print", oid, "--format", "zpl", "--out",
                    str(out_zpl))
    assert code == 0 and f"^FD{s['waybill']}^FS" in out_zpl.read_text()
    code, out = run(database_url, "label", "print", oid, "--kind", "packing_list", "--out",
                    str(tmp_path / "p.pdf"))
    assert code == 0, out
    code, out = run(database_url, "label", "wave", "--warehouse", s["warehouse"],
                    "--since", "2026-01-01", "--out", str(tmp_path / "w.pdf"))
    assert code == 0, out
    assert len(PdfReader(tmp_path / "w.pdf").pages) >= 1
    code, out = run(database_url, "--lang", "zh", "label", "print", "shp_nope", "--out",
                    str(tmp_path / "x.pdf"))
    assert code == 1 and "没有包裹或订单 shp_nope" in out and not (tmp_path / "x.pdf").exists()
    code, out = run(database_url, "label", "wave", "--warehouse", s["warehouse"],
                    "--since", "yesterday", "--out", str(tmp_path / "y.pdf"))
    assert code == 2 and "ISO 8601" in out

    # layouts: show, edit, set (refused with the place of the bad field, then saved)
    code, out = run(database_url, "label", "layout", "show", "SF")
    assert code == 0, out
    doc = json.loads(out)["layout"]
    del doc["carrier"]
    doc["fields"][0]["name"] = "idcard"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    code, out = run(database_url, "label", "layout", "set", "SF", str(bad))
    assert code == 1 and "fields.0.name" in out
    doc["fields"][0]["name"] = "waybill"
    good = tmp_path / "good.yaml"
    import yaml

    good.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    code, out = run(database_url, "--lang", "zh", "label", "layout", "set", "SF", str(good))
    assert code == 0 and "SF 的面单模板已保存：版本 1" in out, out
    code, out = run(database_url, "label", "layout", "list", "--json")
    assert {r["carrier"]: r["source"] for r in json.loads(out)}["SF"] == "tenant"
    code, out = run(database_url, "label", "documents", oid, "--json")
    assert code == 0 and any(d["created_by"].startswith("cli:") for d in json.loads(out))


def test_a_release_in_the_demo_produces_documents(hub: Hub, database_url: str) -> None:
    code, out = run(database_url, "demo-data", "--skus", "50")
    assert code == 0, out
    consumer = hub.enable_labels()  # as `serve` starts it with the other background work
    with api_client(hub) as admin:
        r = admin.post("/v1/orders", json={
            "external_id": "DEMO-LBL-1", "channel": "web", "currency": "CNY",
            "shipping_address": {"province": "浙江省", "city": "杭州市", "district": "西湖区",
                                 "line1": "文三路 100 号", "name": "张三",
                                 "phone": "13800138000"},
            "lines": [{"sku": "SKU-00001", "quantity": 1, "unit_price": "59.90"}]})
        assert r.status_code == 201 and r.json()["status"] == "allocated", r.text
        oid = r.json()["id"]
        assert admin.post(f"/v1/orders/{oid}/release").status_code == 200
        hub.relay.drain()
        while consumer.process_once(wait=0):
            pass
        [s] = admin.get(f"/v1/orders/{oid}").json()["shipments"]
        docs = admin.get(f"/v1/shipments/{s['id']}/documents").json()
        assert {(d["kind"], d["format"]) for d in docs} == {
            ("label", "pdf"), ("label", "zpl"), ("packing_list", "pdf")}
        r = admin.get(f"/v1/shipments/{s['id']}/label")
        label = next(d for d in docs if (d["kind"], d["format"]) == ("label", "pdf"))
        assert r.headers["x-document-sha256"] == label["sha256"]  # the reprint is the print
        text = PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
        assert "张三" in text and s["waybill"] in text
