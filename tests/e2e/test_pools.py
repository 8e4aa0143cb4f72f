"""Group-buy pools through the API and the CLI: the policy as versioned rule data, orders
pooled near a pickup point, a pool listed, shown and closed; scopes; Chinese output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from orderhub.bootstrap import Hub
from orderhub.cli.app import app as cli
from orderhub.services import catalog
from orderhub.services.intake.submit import submit_orders
from tests.api import api_client, auth_headers, create_app
from tests.factories import ADDRESS_JSON, T, draft, seed_network
from tests.integration.test_pools import NEAR, STORE

runner = CliRunner()
POLICY = {"channels": {"tuan": {"radius_km": 5, "window_minutes": 120, "threshold": 3}}}


def setup(hub: Hub) -> None:
    from orderhub.domain.inventory import Channel

    seed_network(hub)
    catalog.add_channels(hub.uow, [Channel(T, "tuan", "Community group buy")])
    catalog.add_warehouses(hub.uow, [STORE], hub.clock())


def post(client: TestClient, ext: str, lat: float, lon: float) -> str:
    r = client.post("/v1/orders", json={
        "external_id": ext, "channel": "tuan", "currency": "CNY",
        "shipping_address": {**ADDRESS_JSON, "lat": lat, "lon": lon},
        "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_pools_over_http(hub: Hub) -> None:
    setup(hub)
    with api_client(hub) as client:
        bad = client.put("/v1/pools/policy", json={"reason": "x", "document": {
            "channels": {"tuan": {"radius_km": "far", "threshold": 0}}}})
        assert bad.status_code == 422
        assert {e["field"] for e in bad.json()["errors"]} >= {
            "channels.tuan.radius_km", "channels.tuan.threshold"}
        r = client.put("/v1/pools/policy", json={"document": POLICY, "reason": "launch",
                                                 "expected_version": 0})
        assert r.status_code == 200 and r.json()["version"] == 1, r.text
        assert client.put("/v1/pools/policy", json={"document": POLICY, "reason": "again",
                                                     "expected_version": 0}).status_code == 409
        assert client.get("/v1/pools/policy").json()["document"] == {"channels": {"tuan": {
            "radius_km": 5.0, "window_minutes": 120, "threshold": 3, "enabled": True}}}
        assert [v["version"] for v in client.get("/v1/pools/policy/versions").json()] == [1]

        ids = [post(client, f"H-{i}", NEAR[i].lat or 0, NEAR[i].lon or 0) for i in range(2)]
        assert [client.get(f"/v1/orders/{o}").json()["status"] for o in ids] == \
            ["validated"] * 2
        [pool] = client.get("/v1/pools", params={"status": "open"}).json()
        assert pool["members"] == 2 and pool["threshold"] == 3
        shown = client.get(f"/v1/pools/{pool['id']}").json()
        assert [m["order_id"] for m in shown["orders"]] == ids
        assert client.get("/v1/pools/nope").status_code == 404
        assert client.get("/v1/pools", params={"status": "maybe"}).status_code == 422
        r = client.post(f"/v1/pools/{pool['id']}/close", json={"reason": "truck leaves"})
        assert r.status_code == 200, r.text
        assert r.json()["routed"] == 2 and r.json()["close_reason"] == "manual"
        assert client.post(f"/v1/pools/{pool['id']}/close",
                           json={"reason": "again"}).status_code == 409
        assert [client.get(f"/v1/orders/{o}").json()["status"] for o in ids] == \
            ["allocated"] * 2
    # reading needs orders:read, closing orders:manage, the policy rules:approve
    with api_client(hub, role="analyst") as analyst:
        assert analyst.get("/v1/pools").status_code == 200
        assert analyst.post(f"/v1/pools/{pool['id']}/close",
                            json={"reason": "x"}).status_code == 403
        assert analyst.put("/v1/pools/policy", json={"document": POLICY,
                                                     "reason": "x"}).status_code == 403
    # a key bound to a warehouse sees only the pools it ships, and only its orders
    with TestClient(create_app(hub), headers=auth_headers(
            hub, role="logistics", warehouses=["BJ"])) as bj:
        assert bj.get("/v1/pools").json() == []
        assert bj.get(f"/v1/pools/{pool['id']}").status_code == 404
    with TestClient(create_app(hub), headers=auth_headers(
            hub, role="logistics", warehouses=["SH"])) as sh:
        assert [p["id"] for p in sh.get("/v1/pools").json()] == [pool["id"]]
        assert [m["order_id"] for m in sh.get(f"/v1/pools/{pool['id']}").json()["orders"]] \
            == ids
    # another tenant sees none of it
    catalog.ensure_tenant(hub.uow, "other", "Other", hub.clock())
    with api_client(hub, tenant="other") as other:
        assert other.get("/v1/pools").json() == []
        assert other.get(f"/v1/pools/{pool['id']}").status_code == 404
        assert other.get("/v1/pools/policy").json()["version"] == 0


@pytest.fixture
def database_url(sqlite_template: Path, tmp_path: Path) -> str:
    import shutil

    target = tmp_path / "orderhub.db"
    shutil.copy(sqlite_template, target)
    return f"sqlite:///{target}"


def run(url: str, *args: str, code: int = 0) -> str:
    r = runner.invoke(cli, [*args, "--database-url", url])
    assert r.exit_code == code, r.output
    return r.output


def test_pools_from_the_cli(hub: Hub, database_url: str, tmp_path: Path) -> None:
    setup(hub)
    doc = tmp_path / "pools.json"
    doc.write_text(json.dumps(POLICY), encoding="utf-8")
    assert "version 1 in force" in run(database_url, "pool", "policy", "--set", str(doc),
                                       "--reason", "launch")
    assert "拼单策略第 2 版已生效" in run(database_url, "pool", "policy", "--set", str(doc),
                                          "--reason", "again", "--lang", "zh")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"channels": {"tuan": {"threshold": 1}}}), encoding="utf-8")
    out = run(database_url, "pool", "policy", "--set", str(bad), "--reason", "x", code=2)
    assert "channels.tuan.threshold" in out and "Traceback" not in out
    out = run(database_url, "pool", "policy", "--set", str(bad), "--reason", "x", "--lang",
              "zh", code=2)
    assert "channels.tuan.threshold：必须在 2 到 10000 之间" in out
    assert json.loads(run(database_url, "pool", "policy"))["version"] == 2
    assert [v["version"] for v in json.loads(run(database_url, "pool", "policy",
                                                 "--versions"))] == [2, 1]
    got: list[Any] = submit_orders(hub.uow, T, [draft(f"C-{i}", channel="tuan", address=NEAR[i])
                                                for i in range(2)],
                                   strategy=hub.strategy, now=hub.clock(), actor="test",
                                   presale_lock=hub.presale_lock)
    ids = [str(r.order_id) for r in got]
    [pool] = json.loads(run(database_url, "pool", "list", "--json"))
    assert pool["status"] == "open" and pool["members"] == 2
    assert "自提点" in run(database_url, "pool", "list", "--lang", "zh")
    shown = json.loads(run(database_url, "pool", "show", pool["id"]))
    assert [m["order_id"] for m in shown["orders"]] == ids
    closed = run(database_url, "pool", "close", pool["id"], "--reason", "truck leaves")
    assert "2 of 2 orders routed in 1" in " ".join(closed.split())
    again = run(database_url, "pool", "close", pool["id"], "--reason", "x", "--lang", "zh",
                code=2)
    assert "已关闭" in again
    missing = run(database_url, "pool", "show", "pool_nope", code=1)
    assert "not found" in missing
