"""A warehouse closes: open orders move elsewhere at once, released ones are flagged."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from orderhub.bootstrap import Hub
from orderhub.cli.app import app as cli
from orderhub.domain.privacy import PiiView
from tests.api import api_client
from tests.factories import ADDRESS_JSON, draft, seed_network


def post_order(client: TestClient, ext: str) -> str:
    r = client.post("/v1/orders", json={
        "external_id": ext, "channel": "web", "currency": "CNY",
        "shipping_address": ADDRESS_JSON,
        "lines": [{"sku": "A", "quantity": 2, "unit_price": "10.00"}]})
    assert r.json()["shipments"][0]["warehouse"] == "SH", r.json()
    return str(r.json()["id"])


def levels(client: TestClient) -> dict[str, tuple[int, int]]:
    ws = client.get("/v1/inventory/A").json()["warehouses"]
    return {w["warehouse"]: (w["on_hand"], w["reserved"]) for w in ws}


def test_closing_a_warehouse_reroutes_and_flags(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 10, ("A", "BJ"): 3})
    with api_client(hub) as client:
        open_1, open_2, released = (post_order(client, f"C-{i}") for i in range(3))
        client.post(f"/v1/orders/{released}/release")
        assert levels(client) == {"SH": (10, 6), "BJ": (3, 0)}

        r = client.post("/v1/warehouses/SH/close", json={"reason": "typhoon"})
        assert r.status_code == 200, r.text
        report = r.json()
        assert report["flagged"] == [released]
        assert len(report["rerouted"]) == 1 and len(report["held"]) == 1  # BJ holds 3 units
        [moved] = report["rerouted"]
        assert report["rerouted"][moved] == ["BJ"] and {moved, *report["held"]} == {open_1,
                                                                                   open_2}
        assert levels(client) == {"SH": (10, 2), "BJ": (3, 2)}  # only the released order's
        assert client.get("/v1/warehouses/SH").json()["active"] is False
        timeline = client.get(f"/v1/orders/{moved}/timeline").json()
        types = [e["type"] for e in timeline]
        assert types[-7:] == ["InventoryReleased", "OrderHeld", "OrderReleasedFromHold",
                              "OrderValidated", "InventoryReserved", "OrderAllocated",
                              "OrderExceptionRaised"]
        # Beijing is farther: the date promised from Shanghai cannot be kept, and says so.
        assert timeline[-1]["reason"].startswith("promise at risk: due ")
        assert report["promises_kept"] == 0 and moved in report["promises_later"]
        last = client.get(f"/v1/orders/{released}/timeline").json()[-1]
        assert last["type"] == "OrderExceptionRaised" and "typhoon" in last["reason"]
        held = client.get(f"/v1/orders/{report['held'][0]}").json()
        assert held["status"] == "on_hold"
        r = client.post("/v1/warehouses/NOPE/close", json={"reason": "x"})
        assert r.status_code == 404


def test_cli_close(hub: Hub, database_url: str) -> None:
    seed_network(hub, {("A", "SH"): 10, ("A", "BJ"): 10})
    with api_client(hub) as client:
        post_order(client, "CLI-1")
    out = CliRunner().invoke(cli, ["warehouse", "close", "SH", "--reason", "power cut"],
                             env={"ORDERHUB_DATABASE_URL": database_url, "COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "1 order(s) re-routed" in out.output and "-> BJ" in out.output


@pytest.mark.parametrize("mode", ["summary", "--verbose", "--json"])
def test_cli_close_of_a_busy_site_summarises(hub: Hub, database_url: str, mode: str) -> None:
    from orderhub.services.intake.submit import submit_orders

    seed_network(hub, {("A", "SH"): 100, ("A", "BJ"): 100})
    results = submit_orders(hub.uow, "default", [draft(f"BUSY-{i}") for i in range(40)],
                            strategy=hub.strategy, now=hub.clock(), actor="t",
                            presale_lock=hub.presale_lock)
    ids = sorted(str(r.order_id) for r in results)
    args = ["warehouse", "close", "SH", "--reason", "power cut"]
    out = CliRunner().invoke(cli, args + ([mode] if mode != "summary" else []),
                             env={"ORDERHUB_DATABASE_URL": database_url, "COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    listed = [oid for oid in ids if oid in out.output]
    if mode == "--json":
        change = json.loads(out.output)
        report = change["reroute"]
        assert change["active"] is False and report["looked_at"] == 40
        assert sorted(report["rerouted"]) == ids
        assert sum(report["counts"].values()) == 40
        assert [o["order_id"] for o in report["orders"]] == ids
        assert {o["sites"] == ["BJ"] for o in report["orders"]} == {True}
        return
    lines = out.output.strip().splitlines()
    assert "40 order(s) re-routed (" in lines[1] and "40 order(s) looked at" in lines[1]
    assert "to BJ: 40" in lines[2]
    if mode == "summary":
        assert len(lines) == 4 and listed == []  # no line per order
        assert "--verbose lists each one" in lines[3]
    else:
        assert listed == ids and len(lines) == 3 + 40


def test_patch_inactive_also_reroutes(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 10, ("A", "BJ"): 10})
    with api_client(hub) as client:
        oid = post_order(client, "P-1")
        r = client.patch("/v1/warehouses/SH", json={"active": False})
        assert r.status_code == 200 and r.json()["active"] is False
        order = client.get(f"/v1/orders/{oid}").json()
        assert order["status"] == "allocated"
        assert [s["warehouse"] for s in order["shipments"] if s["status"] == "planned"] == ["BJ"]


def test_closing_twice_changes_nothing_more(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 10, ("A", "BJ"): 10})
    with api_client(hub) as client:
        oid = post_order(client, "T-1")
        client.post(f"/v1/orders/{oid}/release")
        first = client.post("/v1/warehouses/SH/close", json={"reason": "storm"}).json()
        again = client.post("/v1/warehouses/SH/close", json={"reason": "storm"}).json()
        assert first["flagged"] == [oid] and again["flagged"] == []
        types = [e["type"] for e in client.get(f"/v1/orders/{oid}/timeline").json()]
        assert types.count("OrderExceptionRaised") == 1


def test_rerouted_presale_keeps_its_lock_deadline(hub: Hub) -> None:
    from datetime import timedelta

    from orderhub.domain.order import OrderType
    from orderhub.services.intake.submit import submit_orders
    from orderhub.services.network import incidents
    from orderhub.services.orders import views
    from tests.factories import draft

    seed_network(hub, {("A", "SH"): 10, ("A", "BJ"): 10})
    now = hub.clock()
    release = (now + timedelta(days=5)).date()
    presale = draft("PS-R", order_type=OrderType.PRE_SALE, presale_release=release)
    [r] = submit_orders(hub.uow, "default", [presale],
                        strategy=hub.strategy, now=now, actor="t",
                        presale_lock=timedelta(minutes=30))
    before = views.get_order(hub.read_uow, "default", str(r.order_id),
                             pii=PiiView.FULL)["reservations"][0]
    incidents.close_warehouse(hub.uow, "default", before["warehouse"], reason="storm",
                                   actor="ops", now=now + timedelta(minutes=10),
                                   strategy=hub.strategy, presale_lock=timedelta(minutes=30))
    after = [x for x in views.get_order(hub.read_uow, "default", str(r.order_id),
                                        pii=PiiView.FULL)["reservations"]
             if x["state"] == "active"]
    assert after and after[0]["warehouse"] != before["warehouse"]
    assert after[0]["expires_at"] == before["expires_at"]  # not moved to close time + TTL


def test_closing_the_last_warehouse_with_a_sku_says_so(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 10, ("B", "SH"): 5, ("B", "BJ"): 5})
    with api_client(hub) as client:
        oid = post_order(client, "L-1")
        report = client.post("/v1/warehouses/SH/close", json={"reason": "fire"}).json()
        assert report["held"] == [oid] and report["rerouted"] == {}
        assert report["warnings"] == ["1 SKU(s) are now unavailable everywhere (only SH held "
                                      "them); their orders are held as backorders: A"]
        held = client.get(f"/v1/orders/{oid}").json()
        assert held["status"] == "on_hold"
        assert held["hold_reasons"][0]["code"] == "backorder"
        assert "SKU A: 2 ordered, 0 available" in held["hold_reasons"][0]["message"]
