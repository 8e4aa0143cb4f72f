"""Through HTTP, with concurrent callers: receipts and adjustments once per reference or
Idempotency-Key, ATP and shortfall in the stock views, and SKU mappings confirmed at once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from orderhub.bootstrap import Hub
from orderhub.cli.app import app as cli
from tests.api import api_client
from tests.factories import seed_network

PROBLEM = "application/problem+json"


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    seed_network(hub)  # A: 10 in SH and 10 in BJ; channels web and tmall
    with api_client(hub) as c:
        yield c


def at_once(n: int, call: Callable[[], httpx.Response]) -> list[httpx.Response]:
    barrier = threading.Barrier(n)

    def one(_: int) -> httpx.Response:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def warehouse(client: TestClient, sku: str, wh: str) -> dict[str, Any]:
    [row] = [w for w in client.get(f"/v1/inventory/{sku}").json()["warehouses"]
             if w["warehouse"] == wh]
    return row  # type: ignore[no-any-return]


def test_five_identical_receipts_at_once_add_once_and_all_succeed(client: TestClient) -> None:
    body = {"sku": "A", "warehouse": "SH", "quantity": 4, "reference": "ASN-7"}
    answers = at_once(5, lambda: client.post("/v1/inventory/receipts", json=body))
    assert sorted(r.status_code for r in answers) == [200, 200, 200, 200, 201]
    assert {r.json()["on_hand"] for r in answers} == {14}
    assert warehouse(client, "A", "SH")["on_hand"] == 14

    r = client.post("/v1/inventory/receipts", json={**body, "quantity": 5})
    assert r.status_code == 409 and r.headers["content-type"] == PROBLEM
    assert "'ASN-7'" in r.json()["detail"] and "SKU A in warehouse SH" in r.json()["detail"]
    assert warehouse(client, "A", "SH")["on_hand"] == 14


def test_five_receipts_with_one_idempotency_key_add_once(client: TestClient) -> None:
    body = {"sku": "A", "warehouse": "SH", "quantity": 4}  # no reference
    headers = {"Idempotency-Key": "rcpt-1"}
    answers = at_once(5, lambda: client.post("/v1/inventory/receipts", json=body,
                                             headers=headers))
    assert sorted(r.status_code for r in answers) == [200, 200, 200, 200, 201]
    assert warehouse(client, "A", "SH")["on_hand"] == 14
    r = client.post("/v1/inventory/receipts", json={**body, "quantity": 1}, headers=headers)
    assert r.status_code == 409 and "Idempotency-Key 'rcpt-1'" in r.json()["detail"]
    # without reference or key every receipt counts
    for _ in range(2):
        assert client.post("/v1/inventory/receipts", json=body).status_code == 201
    assert warehouse(client, "A", "SH")["on_hand"] == 22


def test_five_identical_adjustments_at_once_apply_once(client: TestClient) -> None:
    body = {"sku": "A", "warehouse": "SH", "delta": -2, "reason": "damage", "reference": "D-1"}
    answers = at_once(5, lambda: client.post("/v1/inventory/adjustments", json=body))
    assert sorted(r.status_code for r in answers) == [200, 200, 200, 200, 201]
    assert warehouse(client, "A", "SH")["on_hand"] == 8
    r = client.post("/v1/inventory/adjustments", json={**body, "reason": "loss"})
    assert r.status_code == 409 and "'D-1'" in r.json()["detail"]


def test_safety_stock_above_free_stock_shows_the_shortfall(client: TestClient) -> None:
    r = client.put("/v1/inventory/A/SH/safety-stock", json={"safety_stock": 13})
    assert r.status_code == 200
    assert (r.json()["atp"], r.json()["shortfall"]) == (0, 3)
    one = client.get("/v1/inventory/A").json()
    assert (one["atp"], one["shortfall"]) == (10, 3)  # BJ's 10 free, SH 3 short
    [listed] = client.get("/v1/inventory", params={"sku": "A", "warehouse": "SH"}).json()["items"]
    assert listed == {"sku": "A", "warehouse": "SH", "on_hand": 10, "reserved": 0,
                      "safety_stock": 13, "atp": 0, "shortfall": 3}
    spec = client.get("/openapi.json").json()["components"]["schemas"]["StockLevelOut"]
    assert "never below 0" in spec["properties"]["atp"]["description"]
    assert "shortfall" in spec["required"]


def test_cli_stock_shows_the_shortfall(client: TestClient, hub: Hub) -> None:
    client.put("/v1/inventory/A/SH/safety-stock", json={"safety_stock": 13})
    result = CliRunner().invoke(cli, ["stock", "A"], env={
        "ORDERHUB_DATABASE_URL": hub.settings.database_url, "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "shortfall" in result.output
    [sh] = [ln for ln in result.output.splitlines() if "SH" in ln]
    assert [c for c in sh.replace("│", " ").split()] == ["SH", "10", "0", "13", "0", "3"]


def test_ten_identical_mapping_confirmations_at_once_all_succeed(client: TestClient) -> None:
    body = {"channel": "tmall", "channel_key": "TM-1", "master_sku": "A"}
    answers = at_once(10, lambda: client.post("/v1/sku-mappings", json=body))
    assert [r.status_code for r in answers] == [200] * 10, [r.text for r in answers]
    mappings = client.get("/v1/sku-mappings", params={"channel": "tmall"}).json()
    assert [(m["channel_key"], m["master_sku"]) for m in mappings] == [("TM-1", "A")]
