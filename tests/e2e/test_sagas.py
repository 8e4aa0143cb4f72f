"""Compensation sagas over HTTP and at the command line: a warehouse-bound logistics key
refuses its own warehouse's order (and only its own), the exception desk lists and shows
sagas, a saga that needs a human is retried, and the channel's event goes out."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from orderhub.adapters.bus.envelope import Envelope
from orderhub.adapters.carriers.base import CarrierUnavailable
from orderhub.bootstrap import Hub
from orderhub.cli.app import app as cli
from tests.api import api_client, create_app, issue_key
from tests.factories import ADDRESS_JSON, seed_network
from tests.sagas_support import install


def post_order(client: TestClient, ext: str) -> str:
    r = client.post("/v1/orders", json={
        "external_id": ext, "channel": "web", "currency": "CNY",
        "shipping_address": ADDRESS_JSON,
        "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def key(hub: Hub, **kwargs: object) -> TestClient:
    token = issue_key(hub, **kwargs)  # type: ignore[arg-type]
    return TestClient(create_app(hub), headers={"Authorization": f"Bearer {token}"})


def test_a_warehouse_refuses_its_order_over_http(hub: Hub) -> None:
    fake = install(hub)
    seed_network(hub, {("A", "SH"): 5, ("A", "BJ"): 5})
    sent: list[Envelope] = []
    hub.bus.subscribe("*", sent.append)
    with api_client(hub) as admin:
        oid = post_order(admin, "HTTP-1")
        assert admin.post(f"/v1/orders/{oid}/release").status_code == 200
        waybill = admin.get(f"/v1/orders/{oid}").json()["shipments"][0]["waybill"]
    unbound = key(hub, role="logistics", name="logi-any")
    r = unbound.post(f"/v1/orders/{oid}/release-rejected", json={"reason": "x"})
    assert r.status_code == 403 and r.json()["required_scope"] == "orders:manage"
    other_site = key(hub, role="logistics", warehouses=["BJ"], name="bj-dock")
    r = other_site.post(f"/v1/orders/{oid}/release-rejected", json={"reason": "x"})
    assert r.status_code == 404, r.text
    dock = key(hub, role="logistics", warehouses=["SH"], name="sh-dock")
    r = dock.post(f"/v1/orders/{oid}/release-rejected", json={"reason": ""})
    assert r.status_code == 422
    r = dock.post(f"/v1/orders/{oid}/release-rejected",
                  json={"reason": "rack damaged", "warehouse": "BJ"})
    assert r.status_code == 422 and "warehouse" in r.text
    r = dock.post(f"/v1/orders/{oid}/release-rejected", json={"reason": "rack damaged"})
    assert r.status_code == 201, r.text
    saga = r.json()
    assert (saga["kind"], saga["state"], saga["data"]["warehouses"]) == (
        "release_rejected", "done", ["SH"])
    assert [w for _, w in fake.voids] == [waybill]
    # Warehouse-bound keys see their own warehouses' sagas only.
    assert [s["id"] for s in dock.get("/v1/sagas").json()["items"]] == [saga["id"]]
    assert dock.get(f"/v1/sagas/{saga['id']}").status_code == 200
    assert other_site.get("/v1/sagas").json()["items"] == []
    assert other_site.get(f"/v1/sagas/{saga['id']}").status_code == 404
    with api_client(hub) as admin:
        order = admin.get(f"/v1/orders/{oid}").json()
        assert order["status"] == "allocated"
        assert {s["warehouse"] for s in order["shipments"] if s["status"] == "planned"} \
            == {"BJ"}
        page = admin.get("/v1/sagas", params={"order": oid, "state": "done"}).json()
        assert [s["id"] for s in page["items"]] == [saga["id"]]
        assert admin.get("/v1/sagas", params={"state": "nope"}).status_code == 422
        shown = admin.get(f"/v1/sagas/{saga['id']}").json()
        assert [s["state"] for s in shown["steps"]] == ["done"] * 4
        assert admin.get("/v1/sagas/sga_none").status_code == 404
        r = admin.post(f"/v1/sagas/{saga['id']}/retry")
        assert r.status_code == 409
    hub.relay.drain()
    compensated = [e for e in sent if e.type == "OrderCompensated"]
    assert len(compensated) == 1 and compensated[0].subject == oid
    assert compensated[0].data["voided_waybills"] == [waybill]


def test_the_desk_retries_a_saga_that_needs_a_human(hub: Hub,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    fake = install(hub)
    seed_network(hub, {("A", "SH"): 5, ("A", "BJ"): 5})
    fake.void_always = CarrierUnavailable("ZTO:standard: HTTP 503")
    desk = hub.waybills
    usual = desk.compensator
    monkeypatch.setattr(desk, "compensator", lambda: replace(usual(), max_attempts=1))
    with api_client(hub) as admin:
        oid = post_order(admin, "HTTP-2")
        admin.post(f"/v1/orders/{oid}/release")
        r = admin.post(f"/v1/orders/{oid}/release-rejected", json={"reason": "flooded"})
        assert r.status_code == 201 and r.json()["state"] == "needs_human"
        sid = r.json()["id"]
        waiting = admin.get("/v1/sagas", params={"state": "needs_human"}).json()["items"]
        assert [s["id"] for s in waiting] == [sid]
        assert admin.get(f"/v1/orders/{oid}/timeline").json()[-1]["type"] \
            == "CompensationNeedsHuman"
    reader = key(hub, role="finance", name="fin")  # exceptions:read, not exceptions:act
    assert reader.get(f"/v1/sagas/{sid}").status_code == 200
    r = reader.post(f"/v1/sagas/{sid}/retry")
    assert r.status_code == 403 and r.json()["required_scope"] == "exceptions:act"
    fake.void_always = None
    with api_client(hub) as admin:
        r = admin.post(f"/v1/sagas/{sid}/retry")
        assert r.status_code == 200 and r.json()["state"] == "done", r.text
        assert admin.get(f"/v1/orders/{oid}").json()["status"] == "allocated"


# ----- the command line --------------------------------------------------------------------
runner = CliRunner()


@pytest.fixture
def database_url(sqlite_template: Path, tmp_path: Path) -> str:
    import shutil

    target = tmp_path / "orderhub.db"
    shutil.copy(sqlite_template, target)
    return f"sqlite:///{target}"


def run(url: str, *args: str) -> str:
    r = runner.invoke(cli, [*args, "--database-url", url])
    assert r.exit_code == 0, r.output
    return r.output


def test_reject_release_and_sagas_from_the_cli(hub: Hub, database_url: str) -> None:
    seed_network(hub, {("A", "SH"): 5, ("A", "BJ"): 5})
    with api_client(hub) as admin:
        oid = post_order(admin, "CLI-SAGA")
        assert admin.post(f"/v1/orders/{oid}/release").status_code == 200
    out = run(database_url, "order", "reject-release", oid, "--reason", "rack damaged")
    assert "release_rejected" in out and "done (已完成)" in out
    page = json.loads(run(database_url, "sagas", "list", "--json"))
    [saga] = page["items"]
    assert saga["order_id"] == oid and saga["state"] == "done"
    shown = run(database_url, "sagas", "show", saga["id"])
    assert "void_waybills" in shown and "rack damaged" in shown
    assert "done" in run(database_url, "sagas", "list", "--state", "done")
    bad = runner.invoke(cli, ["sagas", "retry", saga["id"], "--database-url", database_url])
    assert bad.exit_code == 1 and "is done" in bad.output
    bad = runner.invoke(cli, ["order", "reject-release", oid, "--reason", "again",
                              "--database-url", database_url])
    assert bad.exit_code == 1 and "allocated" in bad.output


def test_finance_reports_a_failed_payment_over_http(hub: Hub) -> None:
    install(hub)
    seed_network(hub, {("A", "SH"): 5})
    with api_client(hub) as admin:
        oid = post_order(admin, "HTTP-PAY")
        assert admin.post(f"/v1/orders/{oid}/release").status_code == 200
    logistics = key(hub, role="logistics", name="logi")
    r = logistics.post(f"/v1/orders/{oid}/payment-failed", json={"reason": "declined"})
    assert r.status_code == 403 and r.json()["required_scope"] == "orders:bill"
    finance = key(hub, role="finance", name="fin-pay")
    assert finance.post(f"/v1/orders/{oid}/payment-failed", json={}).status_code == 422
    r = finance.post(f"/v1/orders/{oid}/payment-failed", json={"reason": "card declined"})
    assert r.status_code == 201, r.text
    assert (r.json()["kind"], r.json()["state"]) == ("payment_failed", "done")
    assert finance.get(f"/v1/orders/{oid}").json()["status"] == "cancelled"
    r = finance.post(f"/v1/orders/{oid}/payment-failed", json={"reason": "again"})
    assert r.status_code == 409
