"""The routing strategy through intake: decisions stored, served and explained."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from orderhub.bootstrap import Hub, bootstrap, make_strategy
from orderhub.cli.app import app as cli
from orderhub.config import Settings
from tests.api import api_client
from tests.conftest import Clock
from tests.factories import ADDRESS_JSON, seed_network


@pytest.fixture
def routed(database_url: str, clock: Clock) -> Iterator[Hub]:
    hub = bootstrap(Settings(database_url=database_url, allocation_strategy="routing",
                             webhook_allow_private_targets=True), clock=clock)
    yield hub
    hub.close()


def test_routed_order_has_an_explained_decision(routed: Hub, database_url: str) -> None:
    seed_network(routed, {("A", "SH"): 5, ("A", "BJ"): 5, ("B", "BJ"): 5})
    with api_client(routed) as client:
        r = client.post("/v1/orders", json={
            "external_id": "RT-1", "channel": "web", "currency": "CNY",
            "shipping_address": ADDRESS_JSON, "requested_delivery": "2026-11-26",
            "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"},
                      {"sku": "B", "quantity": 1, "unit_price": "10.00"}]})
        assert r.status_code == 201 and r.json()["status"] == "allocated"
        oid = r.json()["id"]
        assert [s["warehouse"] for s in r.json()["shipments"]] == ["BJ"]  # one parcel
        [decision] = client.get(f"/v1/orders/{oid}/routing").json()
        assert decision["strategy"] == "routing-v2"
        assert decision["chosen"]["sites"] == ["BJ"]
        # The SH+BJ split could not beat BJ alone even at its lowest conceivable cost.
        assert decision["candidates_considered"] >= 1 and decision["candidates_pruned"] >= 1
        assert decision["excluded"] == {"GZ": "holds none of the order's SKUs"}
        assert client.get("/v1/orders/ord_missing/routing").status_code == 404
    out = CliRunner().invoke(cli, ["order", "why", oid],
                             env={"ORDERHUB_DATABASE_URL": database_url, "COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "Chosen: BJ by" in out.output and "Excluded GZ" in out.output


def test_unroutable_order_is_held_with_the_reason(routed: Hub) -> None:
    seed_network(routed, {("A", "SH"): 1})
    with api_client(routed) as client:
        r = client.post("/v1/orders", json={
            "external_id": "RT-2", "channel": "web", "currency": "CNY",
            "shipping_address": ADDRESS_JSON,
            "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]})
        assert r.json()["status"] == "allocated"
        r = client.post("/v1/orders", json={
            "external_id": "RT-3", "channel": "web", "currency": "CNY",
            "shipping_address": ADDRESS_JSON,
            "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]})
        assert r.json()["status"] == "on_hold"
        assert r.json()["hold_reasons"][0]["code"] == "backorder"


def test_unknown_strategy_is_refused() -> None:
    with pytest.raises(ValueError, match="nearest or routing"):
        make_strategy("teleport")


def test_carrier_down_moves_new_orders_to_the_next_service(routed: Hub,
                                                           database_url: str) -> None:
    seed_network(routed, {("A", "SH"): 20})
    body = {"channel": "web", "currency": "CNY", "shipping_address": ADDRESS_JSON,
            "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]}
    with api_client(routed) as client:
        codes = {c["code"] for c in client.get("/v1/carriers").json()}
        assert {"SF:express", "ZTO:standard"} <= codes
        oid = client.post("/v1/orders", json={**body, "external_id": "CR-1"}).json()["id"]
        [d] = client.get(f"/v1/orders/{oid}/routing").json()
        assert d["chosen"]["shipments"][0]["service"] == "ZTO:standard"  # cheapest nearby
        r = client.patch("/v1/carriers/ZTO:standard", json={"healthy": False,
                                                           "reason": "API timeouts"})
        assert r.status_code == 200 and r.json()["healthy"] is False
        oid = client.post("/v1/orders", json={**body, "external_id": "CR-2"}).json()["id"]
        [d] = client.get(f"/v1/orders/{oid}/routing").json()
        assert d["chosen"]["shipments"][0]["service"] != "ZTO:standard"
        assert client.patch("/v1/carriers/NOPE:x", json={"healthy": False,
                                                         "reason": "x"}).status_code == 404
        assert client.patch("/v1/carriers/SF:express", json={"healthy": False,
                                                             "reason": ""}).status_code == 422
    out = CliRunner().invoke(cli, ["carrier", "up", "ZTO:standard", "--reason", "recovered"],
                             env={"ORDERHUB_DATABASE_URL": database_url, "COLUMNS": "200"})
    assert out.exit_code == 0 and "marked up" in out.output
    out = CliRunner().invoke(cli, ["carrier", "list"],
                             env={"ORDERHUB_DATABASE_URL": database_url, "COLUMNS": "200"})
    assert "DOWN" not in out.output and "ZTO:standard" in out.output
