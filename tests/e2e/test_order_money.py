"""Partial fulfilment money end to end: an order shipped in two shipments through the API,
its balance by line over HTTP and in the CLI (English and Chinese), units cancelled before
release over HTTP and the CLI, and bad input (unknown order, another tenant, bad lines)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from orderhub.bootstrap import Hub
from orderhub.cli.app import app as cli_app
from tests.api import api_client, create_app, platform_headers
from tests.factories import ADDRESS_JSON, seed_network

D = Decimal
PROBLEM = "application/problem+json"
STOCK = {("A", "SH"): 10, ("B", "SH"): 10, ("C", "GZ"): 5}
runner = CliRunner()


def cli(database_url: str, *args: str) -> tuple[int, str]:
    r = runner.invoke(cli_app, list(args), env={"ORDERHUB_DATABASE_URL": database_url,
                                                 "COLUMNS": "220"})
    return r.exit_code, r.output


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    seed_network(hub, STOCK)
    with api_client(hub) as c:
        yield c


def place(client: TestClient, external_id: str) -> dict[str, Any]:
    r = client.post("/v1/orders", json={
        "external_id": external_id, "channel": "web", "currency": "CNY",
        "shipping_address": ADDRESS_JSON, "shipping_fee": "12.00",
        "lines": [{"sku": "A", "quantity": 2, "unit_price": "50.00", "discount": "5.00",
                   "tax": "3.00"},
                  {"sku": "B", "quantity": 3, "unit_price": "10.00"},
                  {"sku": "C", "quantity": 1, "unit_price": "33.33", "tax": "1.11"}]})
    assert r.status_code == 201, r.text
    order: dict[str, Any] = r.json()
    assert order["status"] == "allocated"
    return order


def test_two_shipments_balance_over_http_and_in_the_cli(client: TestClient,
                                                        database_url: str) -> None:
    order = place(client, "MONEY-1")
    oid, total = order["id"], D(order["totals"]["grand_total"])
    # before any money moved: the allocation, shipping spread pro rata
    b = client.get(f"/v1/orders/{oid}/balance").json()
    assert b["consistent"] and D(b["totals"]["ordered"]) == total and b["entries"] == []
    for step in ("release", "pick", "pack"):
        assert client.post(f"/v1/orders/{oid}/{step}").status_code == 200
    ships = {s["warehouse"]: s["id"] for s in client.get(f"/v1/orders/{oid}").json()["shipments"]}
    r = client.post(f"/v1/orders/{oid}/ship", json={"shipment_ids": [ships["SH"]]})
    assert r.status_code == 200 and r.json()["status"] == "partially_shipped"
    b = client.get(f"/v1/orders/{oid}/balance").json()
    assert [(ln["sku"], ln["shipped_units"]) for ln in b["lines"]] == [("A", 2), ("B", 3),
                                                                       ("C", 0)]
    first = D(b["totals"]["invoiced"])
    assert client.post(f"/v1/orders/{oid}/ship", json={"shipment_ids": [ships["GZ"]]}
                       ).status_code == 200
    for step in ("deliver", "invoice", "pay"):
        assert client.post(f"/v1/orders/{oid}/{step}").status_code == 200
    b = client.get(f"/v1/orders/{oid}/balance").json()
    invoices = [D(e["amount"]) for e in b["entries"] if e["kind"] == "invoice"]
    assert len(invoices) == 2 and invoices[0] == first and sum(invoices, D(0)) == total
    assert D(b["totals"]["paid"]) == total and D(b["totals"]["outstanding"]) == 0
    assert b["consistent"] and b["status"] == "paid"
    assert sum((D(ln["invoiced"]) for ln in b["lines"]), D(0)) == total

    code, out = cli(database_url, "order", "balance", oid[:14])
    assert code == 0, out
    assert "ordered amount" in out and "the lines add up to the order totals" in out
    assert str(total) in out and "ShipmentDispatched:" in out
    code, out = cli(database_url, "order", "balance", oid, "--lang", "zh")
    assert code == 0 and "下单金额" in out and "各行之和等于订单合计" in out, out
    code, out = cli(database_url, "order", "balance", oid, "--json")
    assert code == 0 and json.loads(out)["totals"]["paid"] == str(total)


def test_cancel_lines_over_http_and_in_the_cli(client: TestClient, database_url: str) -> None:
    order = place(client, "MONEY-2")
    oid = order["id"]
    ordered = {ln["line_no"]: D(ln["ordered"])
               for ln in client.get(f"/v1/orders/{oid}/balance").json()["lines"]}
    r = client.post(f"/v1/orders/{oid}/cancel-lines",
                    json={"lines": [{"line_no": 3, "quantity": 1}], "reason": "GZ is short"})
    assert r.status_code == 200, r.text
    b = r.json()
    assert D(b["lines"][2]["cancelled"]) == ordered[3] and b["lines"][2]["cancelled_units"] == 1
    assert [(e["kind"], D(e["amount"])) for e in b["entries"]] == [("cancellation", ordered[3])]
    code, out = cli(database_url, "order", "cancel-lines", oid, "--line", "2=1",
                    "--reason", "one fewer")
    assert code == 0 and "cancellation" in out, out
    b = client.get(f"/v1/orders/{oid}/balance").json()
    assert b["lines"][1]["cancelled_units"] == 1 and b["consistent"]
    assert [ln["quantity"] for ln in client.get(f"/v1/orders/{oid}").json()["lines"]] == [2, 2]
    # bad input: nothing applied
    for body, loc in (({"lines": [{"line_no": 9, "quantity": 1}], "reason": "x"}, "lines.9"),
                      ({"lines": [{"line_no": 1, "quantity": 5}], "reason": "x"},
                       "lines.1.quantity"),
                      ({"lines": [{"line_no": 1, "quantity": 1},
                                  {"line_no": 1, "quantity": 1}], "reason": "x"},
                       "lines.1.line_no"),
                      ({"lines": [], "reason": "x"}, "lines"),
                      ({"lines": [{"line_no": "1", "quantity": 1}], "reason": "x"},
                       "lines.0.line_no"),
                      ({"lines": [{"line_no": 1, "quantity": 1.5}], "reason": "x"},
                       "lines.0.quantity"),
                      ({"lines": [{"line_no": 1, "quantity": 1}], "reason": "x\u0000"},
                       "reason"),
                      ({"lines": [{"line_no": 1, "quantity": 1}], "reason": "x",
                        "extra": 1}, "extra")):
        r = client.post(f"/v1/orders/{oid}/cancel-lines", json=body)
        assert r.status_code == 422 and r.headers["content-type"].startswith(PROBLEM), r.text
        assert any(e["field"].startswith(loc) for e in r.json()["errors"]), r.json()
    code, out = cli(database_url, "order", "cancel-lines", oid, "--line", "two", "--reason", "x")
    assert code == 1 and "LINE_NO=UNITS" in out
    code, out = cli(database_url, "order", "cancel-lines", oid, "--line", "1=9", "--reason", "x")
    assert code == 1 and "lines.1.quantity" in out and "Traceback" not in out
    assert len(client.get(f"/v1/orders/{oid}/balance").json()["entries"]) == 2
    assert client.post(f"/v1/orders/{oid}/release").status_code == 200
    r = client.post(f"/v1/orders/{oid}/cancel-lines",
                    json={"lines": [{"line_no": 1, "quantity": 1}], "reason": "too late"})
    assert r.status_code == 409, r.text


def test_unknown_order_and_other_tenant_are_404(client: TestClient, hub: Hub,
                                                database_url: str) -> None:
    order = place(client, "MONEY-3")
    r = client.get("/v1/orders/ord_nope/balance")
    assert r.status_code == 404 and r.headers["content-type"].startswith(PROBLEM)
    r = client.post("/v1/orders/ord_nope/cancel-lines",
                    json={"lines": [{"line_no": 1, "quantity": 1}], "reason": "x"})
    assert r.status_code == 404
    platform = TestClient(create_app(hub), headers=platform_headers(hub))
    r = platform.post("/v1/tenants", json={"id": "beta", "name": "Beta", "admin": "bo"})
    assert r.status_code == 201, r.text
    beta = TestClient(create_app(hub), headers={
        "Authorization": f"Bearer {r.json()['admin_key']['token']}"})
    assert beta.get(f"/v1/orders/{order['id']}/balance").status_code == 404
    r = beta.post(f"/v1/orders/{order['id']}/cancel-lines",
                  json={"lines": [{"line_no": 1, "quantity": 1}], "reason": "x"})
    assert r.status_code == 404
    assert client.get(f"/v1/orders/{order['id']}/balance").json()["entries"] == []
    code, out = cli(database_url, "order", "balance", "ord_missing")
    assert code == 1 and "not found" in out
    code, out = cli(database_url, "order", "balance", order["id"], "--tenant", "beta")
    assert code == 1 and "not found" in out
