"""Channel webhooks and file imports end to end, with the adapters' documented payloads."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from orderhub.adapters.db import tables as t
from orderhub.bootstrap import Hub
from orderhub.cli.app import app as cli
from tests.api import api_client
from tests.factories import seed_network

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "channels"
SECRET = "tmall-webhook-secret"


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    seed_network(hub)
    with api_client(hub) as c:
        r = c.post("/v1/channels", json={"code": "tmall-store", "name": "天猫旗舰店",
                                         "kind": "marketplace", "adapter": "taobao",
                                         "secret": SECRET})
        assert r.status_code == 201 and "secret" not in r.json()
        yield c


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {"X-Top-Sign": base64.b64encode(digest).decode(), "content-type": "application/json"}


def orders_stored(hub: Hub) -> int:
    with hub.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.orders)).scalar_one())


def test_webhook_stores_holds_maps_and_cancels(client: TestClient, hub: Hub) -> None:
    body = (FIXTURES / "taobao_trade_fullinfo.json").read_bytes()
    r = client.post("/v1/channels/tmall-store/webhook", content=body, headers=signed(body))
    assert r.status_code == 200, r.text
    [result] = r.json()
    assert (result["outcome"], result["status"]) == ("created", "on_hold")
    order = client.get(f"/v1/orders/{result['order_id']}").json()
    assert order["shipping_address"]["district"] == "南山区"
    codes = sorted(x["code"] for x in order["hold_reasons"])
    assert codes == ["unmapped_sku", "unmapped_sku"]  # the shop's codes are not ours yet
    held = client.get("/v1/orders/held", params={"code": "unmapped_sku",
                                                  "channel": "tmall-store"}).json()["items"]
    assert [o["id"] for o in held] == [result["order_id"]]
    assert client.get("/v1/orders/held", params={"code": "backorder"}).json()["items"] == []

    # the same delivery again: one order
    again = client.post("/v1/channels/tmall-store/webhook", content=body, headers=signed(body))
    assert again.json()[0]["outcome"] == "unchanged" and orders_stored(hub) == 1

    for channel_sku, master in (("TEA-DHP-250", "A"), ("CUP-GLASS-300", "B")):
        m = client.post("/v1/sku-mappings", json={"channel": "tmall-store",
                                                  "channel_key": channel_sku,
                                                  "master_sku": master})
        assert m.status_code == 200, m.text
    order = client.get(f"/v1/orders/{result['order_id']}").json()
    assert order["status"] == "allocated", order["hold_reasons"]

    closed = (FIXTURES / "taobao_trade_fullinfo_closed.json").read_bytes()
    r = client.post("/v1/channels/tmall-store/webhook", content=closed, headers=signed(closed))
    assert r.json()[0]["outcome"] == "cancelled"
    assert client.get(f"/v1/orders/{result['order_id']}").json()["status"] == "cancelled"
    assert orders_stored(hub) == 1


def test_bad_signature_or_payload_stores_nothing(client: TestClient, hub: Hub) -> None:
    body = (FIXTURES / "taobao_trade_fullinfo.json").read_bytes()
    r = client.post("/v1/channels/tmall-store/webhook", content=body,
                    headers=signed(body, "wrong-secret"))
    assert r.status_code == 401 and r.json()["type"] == "/problems/bad-signature"
    r = client.post("/v1/channels/tmall-store/webhook", content=body)
    assert r.status_code == 401
    junk = b'{"trade_fullinfo_get_response": {"trade": {"tid": 1}}}'
    r = client.post("/v1/channels/tmall-store/webhook", content=junk, headers=signed(junk))
    assert r.status_code == 400 and r.json()["errors"][0]["field"]
    r = client.post("/v1/channels/nowhere/webhook", content=body, headers=signed(body))
    assert r.status_code == 401  # no such channel reads as a bad signature: nothing revealed
    assert orders_stored(hub) == 0
    r = client.post("/v1/channels", json={"code": "x", "name": "x", "adapter": "ebay"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "adapter"


def test_csv_import_reports_bad_rows_and_imports_the_rest(hub: Hub, database_url: str) -> None:
    seed_network(hub)
    from orderhub.domain.inventory import Channel
    from orderhub.services import catalog

    catalog.add_channels(hub.uow, [Channel("default", "b2b", "B2B portal", "b2b")])
    result = CliRunner().invoke(cli, ["import", str(FIXTURES / "tabular_b2b_orders.csv"),
                                      "--channel", "b2b"],
                                env={"ORDERHUB_DATABASE_URL": database_url, "COLUMNS": "200"})
    assert result.exit_code == 1, result.output  # some rows were refused ...
    assert re.search(r"line 5: quantity", result.output)
    created = int(re.search(r"created\s+│\s+(\d+)", result.output).group(1))  # type: ignore[union-attr]
    assert created >= 1 and orders_stored(hub) == created  # ... and the good orders are in


def test_held_order_actions_and_rules_over_http(client: TestClient) -> None:
    from tests.factories import ADDRESS_JSON

    body = {"external_id": "HTTP-1", "channel": "tmall-store", "currency": "CNY",
            "shipping_address": {**ADDRESS_JSON, "district": ""},
            "lines": [{"sku": "A", "quantity": 1, "unit_price": "1.00"}]}
    order = client.post("/v1/orders", json=body).json()
    assert sorted(r["code"] for r in order["hold_reasons"]) == [
        "address_incomplete", "price_below_floor"]
    oid = order["id"]
    r = client.patch(f"/v1/orders/{oid}/shipping-address",
                     json={"district": "浦东新区", "reason": "buyer confirmed by phone"})
    assert r.status_code == 200 and r.json()["shipping_address"]["district"] == "浦东新区"
    r = client.post(f"/v1/orders/{oid}/override", json={"codes": ["backorder"],
                                                         "reason": "wrong code"})
    assert r.status_code == 409 and "not held for backorder" in r.json()["detail"]
    r = client.post(f"/v1/orders/{oid}/override", json={"codes": ["price_below_floor"],
                                                         "reason": "staff sale, L2 approved"})
    assert r.status_code == 200 and r.json()["status"] == "allocated"
    types = [e["type"] for e in client.get(f"/v1/orders/{oid}/timeline").json()]
    assert {"OrderAddressCorrected", "OrderHoldOverridden"} <= set(types)

    rules = client.get("/v1/validation/rules").json()
    assert {r["level"] for r in rules} == {"format", "availability", "compliance"}
    r = client.patch("/v1/validation/rules/C4-cross-border",
                     json={"params": {"declared_value_limit": "8000"}, "reason": "new quota"})
    assert r.status_code == 200 and r.json()["version"] == 2
    r = client.patch("/v1/validation/rules/C4-cross-border",
                     json={"params": {"declared_value_limit": "-1"}, "reason": "typo"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == \
        "params.declared_value_limit"
    assert client.patch("/v1/validation/rules/NOPE", json={"enabled": False,
                                                           "reason": "x"}).status_code == 404
    history = client.get("/v1/validation/rules/C4-cross-border/history").json()
    assert [h["version"] for h in history] == [1, 2]


def test_json_file_import_through_an_adapter(hub: Hub, database_url: str,
                                             tmp_path: Path) -> None:
    seed_network(hub)
    from orderhub.domain.inventory import Channel
    from orderhub.services import catalog

    catalog.add_channels(hub.uow, [Channel("default", "shop", "Shopify shop", "web", True,
                                           "shopify", "s3cret")])
    docs = [orjson.loads((FIXTURES / name).read_bytes())
            for name in ("shopify_order_usd.json", "shopify_order_eur.json")]
    docs.append({"not": "an order"})
    path = tmp_path / "orders.json"
    path.write_bytes(orjson.dumps(docs))
    result = CliRunner().invoke(cli, ["import", str(path), "--channel", "shop"],
                                env={"ORDERHUB_DATABASE_URL": database_url, "COLUMNS": "200"})
    assert result.exit_code == 1, result.output
    assert "line 3:" in result.output
    assert orders_stored(hub) == 2


def test_xlsx_import_with_chinese_headers(hub: Hub, database_url: str, tmp_path: Path) -> None:
    from openpyxl import Workbook

    from orderhub.domain.inventory import Channel
    from orderhub.services import catalog

    seed_network(hub)
    catalog.add_channels(hub.uow, [Channel("default", "pos", "门店 POS", "pos")])
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["订单号", "商品编码", "商品名称", "数量", "单价", "币种", "收货人", "手机", "省",
               "市", "区", "详细地址"])
    ws.append(["POS-1", "A", "苹果", 2, 10.5, "CNY", "王芳", "13800138000", "上海市", "上海市",
               "浦东新区", "世纪大道 1 号"])
    ws.append(["POS-2", "B", "香蕉", "两个", 3, "CNY", "李雷", "13912345678", "北京市", "北京市",
               "朝阳区", "建国路 2 号"])
    path = tmp_path / "pos.xlsx"
    wb.save(path)
    result = CliRunner().invoke(cli, ["import", str(path), "--channel", "pos"],
                                env={"ORDERHUB_DATABASE_URL": database_url, "COLUMNS": "200"})
    assert result.exit_code == 1, result.output
    assert re.search(r"line 3: .*数量|line 3: quantity", result.output), result.output
    with hub.read_uow() as uow:
        keys = uow.orders.find_by_channel_keys("default", [("pos", "POS-1")])
        [order] = uow.orders.get_many("default", [oid for oid, _ in keys.values()])
    assert order.status.value == "allocated" and order.lines[0].unit_price == Decimal("10.50")
