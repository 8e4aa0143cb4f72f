"""Order-as-a-Service through HTTP, with real API keys: rate limits (429, Retry-After,
RateLimit-*), failed authentications limited per address, metering per tenant, credential
and operation, the usage API and statement, the CLI, and the service catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from orderhub.bootstrap import Hub, bootstrap
from orderhub.cli.app import app as cli
from orderhub.config import Settings
from orderhub.services import catalog
from orderhub.services.access import credentials
from orderhub.services.service_catalog import SERVICES
from tests.api import create_app
from tests.conftest import Clock
from tests.e2e.test_api import order_body
from tests.factories import seed_network

PROBLEM = "application/problem+json"


class Keys:
    """Named API keys, made on first use: `keys("shop")` are its request headers,
    `keys.id("shop")` the credential id usage is metered under."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.issued: dict[tuple[str, str], tuple[str, str]] = {}

    def __call__(self, name: str, tenant: str = "default") -> dict[str, str]:
        if (name, tenant) not in self.issued:
            catalog.ensure_tenant(self.hub.uow, tenant, tenant, self.hub.clock())
            issued = credentials.create_key(self.hub.uow, tenant, name=name,
                                            role="tenant_admin", granter=None, actor="test",
                                            now=self.hub.clock())
            self.issued[(name, tenant)] = (issued.token, issued.credential.id)
        return {"Authorization": f"Bearer {self.issued[(name, tenant)][0]}"}

    def id(self, name: str, tenant: str = "default") -> str:
        self(name, tenant)
        return self.issued[(name, tenant)][1]


@pytest.fixture
def limited(database_url: str, clock: Clock) -> Iterator[tuple[Hub, TestClient, Keys]]:
    """Bursts of 3 per key and 5 per tenant, refilling too slowly to matter in a test;
    three failed authentications per address and minute."""
    hub = bootstrap(Settings(database_url=database_url, rate_limit_key_burst=3,
                             rate_limit_key_per_second=0.001, rate_limit_tenant_burst=5,
                             rate_limit_tenant_per_second=0.001,
                             auth_failures_per_minute=3), clock=clock)
    with TestClient(create_app(hub)) as c:
        yield hub, c, Keys(hub)
    hub.close()


@pytest.fixture
def keys(hub: Hub) -> Keys:
    return Keys(hub)


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    with TestClient(create_app(hub)) as c:
        yield c


def test_over_the_key_limit_429_with_retry_after_and_ratelimit_headers(
        limited: tuple[Hub, TestClient, Keys]) -> None:
    _, c, key = limited
    for name in ("k1", "k2"):
        key(name)
    key("k3", "acme")
    seen = []
    for _ in range(3):
        r = c.get("/v1/orders", headers=key("k1"))
        assert r.status_code == 200, r.text
        seen.append((r.headers["RateLimit-Limit"], r.headers["RateLimit-Remaining"]))
        assert "Retry-After" not in r.headers
    assert seen == [("3", "2"), ("3", "1"), ("3", "0")]
    assert 'name="credential"' in r.headers["RateLimit-Policy"]
    r = c.get("/v1/orders", headers=key("k1"))
    assert r.status_code == 429
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["type"] == "/problems/rate-limited"
    assert int(r.headers["Retry-After"]) >= 1
    assert r.headers["RateLimit-Remaining"] == "0" and int(r.headers["RateLimit-Reset"]) > 0
    # Another key of the tenant has its own bucket, until the tenant's (5) runs out.
    assert c.get("/v1/orders", headers=key("k2")).status_code == 200
    r = c.get("/v1/orders", headers=key("k2"))
    assert r.status_code == 200 and r.headers["RateLimit-Remaining"] == "0"  # tenant's
    r = c.get("/v1/orders", headers=key("k2"))
    assert r.status_code == 429 and r.headers["RateLimit-Limit"] == "5"
    # Another tenant is not held back; public routes are neither limited nor metered.
    r = c.get("/v1/orders", headers=key("k3", "acme"))
    assert r.status_code == 200 and r.headers["RateLimit-Remaining"] == "2"
    h = c.get("/healthz")
    assert h.status_code == 200 and "RateLimit-Limit" not in h.headers


def test_failed_authentications_are_limited_per_address(
        limited: tuple[Hub, TestClient, Keys]) -> None:
    _, c, key = limited
    good = key("k1")
    bad = {"Authorization": "Bearer ohk_nope_nope"}
    assert [c.get("/v1/orders", headers=bad).status_code for _ in range(2)] == [401] * 2
    r = c.get("/v1/orders", headers=bad)  # the third failure within the minute
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    r = c.get("/v1/orders", headers=good)  # a correct key from the same address: still 429
    assert r.status_code == 429 and r.headers["content-type"] == PROBLEM


def test_refused_calls_are_metered_but_not_billed(
        limited: tuple[Hub, TestClient, Keys]) -> None:
    hub, c, key = limited
    for _ in range(5):
        c.get("/v1/orders", headers=key("k1"))
    for _ in range(20):
        c.get("/healthz")
    hub.flush_usage()
    with hub.read_uow() as uow:
        totals = {(t.key, t.status_class): t.calls
                  for t in uow.usage.totals("default", hub.clock().replace(hour=0),
                                            hub.clock().replace(hour=23), "operation_status")}
    assert totals == {("GET /v1/orders", "2xx"): 3, ("GET /v1/orders", "4xx"): 2}


def test_calls_orders_and_rows_are_metered_per_key_and_operation(
        hub: Hub, client: TestClient, keys: Keys) -> None:
    key = keys
    seed_network(hub)
    c = client
    r = c.post("/v1/orders", json=order_body("M-1", [("A", 1)]), headers=key("shop"))
    assert r.status_code == 201, r.text
    assert c.post("/v1/orders", json=order_body("M-1", [("A", 1)]),
                  headers=key("shop")).status_code == 200  # the same order again: no order
    r = c.post("/v1/orders/batch", headers=key("shop"), json={"orders": [
        order_body(f"M-B{i}", [("A", 1)]) for i in range(3)]})
    assert r.status_code == 200 and r.json()["created"] == 3
    r = c.post("/v1/skus/batch", headers=key("erp"), json=[
        {"code": f"S{i}", "name": f"SKU {i}"} for i in range(4)])
    assert r.status_code == 201, r.text
    assert c.get("/v1/orders?limit=2", headers=key("erp")).status_code == 200
    assert c.get("/v1/orders/NOPE", headers=key("erp")).status_code == 404

    r = c.get("/v1/usage", headers=key("erp"))
    assert r.status_code == 200, r.text
    by_op = {i["operation"]: i for i in r.json()["items"]}
    assert by_op["POST /v1/orders"] == {"operation": "POST /v1/orders", "calls": 2,
                                        "failed": 0, "orders": 1, "rows": 0}
    assert by_op["POST /v1/orders/batch"]["orders"] == 3
    assert by_op["POST /v1/skus/batch"]["rows"] == 4
    assert by_op["GET /v1/orders"]["rows"] == 2
    assert by_op["GET /v1/orders/{order_id}"]["failed"] == 1
    assert r.json()["total"]["orders"] == 4

    r = c.get("/v1/usage?group_by=credential", headers=key("erp"))
    creds = {i["credential"]: i["calls"] for i in r.json()["items"]}
    assert creds[key.id("shop")] == 3 and creds[key.id("erp")] == 4  # and the usage read
    r = c.get("/v1/usage?group_by=day&from=2026-11-01&to=2026-11-30", headers=key("erp"))
    assert [i["day"] for i in r.json()["items"]] == ["2026-11-24"]
    r = c.get("/v1/usage?from=2026-11-25&to=2026-11-30", headers=key("erp"))
    assert r.json()["items"] == []

    r = c.get("/v1/usage/statement?month=2026-11", headers=key("finance"))
    assert r.status_code == 200, r.text
    doc = r.json()
    lines = {line["service"]: line for line in doc["lines"]}
    assert lines["intake"]["units"] == 4 and lines["intake"]["amount"] == "0.20"
    assert lines["catalogue-sync"]["units"] == 4 and lines["catalogue-sync"]["amount"] == "0.00"
    assert lines["order-status"]["units"] == 1  # the 404 is not billed
    assert doc["currency"] == "CNY"
    assert Decimal(doc["total"]) == sum(Decimal(v["amount"]) for v in doc["lines"])
    assert c.get("/v1/usage/statement?month=2026-12",
                 headers=key("finance")).json()["total"] == "0.00"


def test_usage_of_another_tenant_is_not_shown(hub: Hub, client: TestClient,
                                              keys: Keys) -> None:
    key = keys
    client.get("/v1/orders", headers=key("shop"))
    client.get("/v1/orders/NOPE", headers=key("k", "acme"))  # metered for acme: a 404
    hub.flush_usage()
    r = client.get("/v1/usage", headers=key("shop"))
    assert r.json()["total"]["calls"] == 1
    with hub.read_uow() as uow:
        [acme] = uow.usage.totals("acme", hub.clock().replace(hour=0),
                                  hub.clock().replace(hour=23), "operation")
    assert acme.calls == 1 and acme.failed == 1


@pytest.mark.parametrize("query,field", [("month=2026-13", "month"), ("month=26-11-1", "month")])
def test_a_bad_month_is_a_422_naming_it(client: TestClient, keys: Keys, query: str,
                                        field: str) -> None:
    r = client.get(f"/v1/usage/statement?{query}", headers=keys("finance"))
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert field in r.text


def test_usage_bad_group_and_range(client: TestClient, keys: Keys) -> None:
    r = client.get("/v1/usage?group_by=sku", headers=keys("k"))
    assert r.status_code == 422 and "group_by" in r.text
    r = client.get("/v1/usage?from=2026-11-20&to=2026-11-01", headers=keys("k"))
    assert r.status_code == 422 and "to" in r.text


def _resolve(doc: dict[str, Any], pointer: str) -> Any:
    assert pointer.startswith("#/"), pointer
    node: Any = doc
    for part in pointer[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_the_service_catalogue_refers_to_real_operations_and_schemas(
        client: TestClient, keys: Keys) -> None:
    assert client.get("/v1/services").status_code == 401
    r = client.get("/v1/services", headers=keys("any"))
    assert r.status_code == 200
    items = r.json()["items"]
    assert {i["code"] for i in items} >= {"intake", "routing-decision", "atp-check",
                                          "order-status", "webhook-subscriptions"}
    doc = client.get("/openapi.json").json()
    for item in items:
        assert item["name"]["en"] and item["name"]["zh"] and item["owner"] and item["version"]
        assert Decimal(item["price"]["amount"]) > 0 and item["price"]["currency"] == "CNY"
        assert item["price"]["unit"] in ("order", "call", "row")
        assert 0 < Decimal(item["sla"]["availability_pct"]) <= 100
        assert item["sla"]["p99_latency_ms"] > 0
        for op in item["operations"]:
            assert op["method"].lower() in doc["paths"][op["path"]], op
        for ref in item["schemas"]["input"] + item["schemas"]["output"]:
            assert _resolve(doc, ref) is not None, ref
    operations = [op for s in SERVICES for op in s.operations]
    assert len(operations) == len(set(operations))  # each operation sold once
    assert "429" in doc["paths"]["/v1/orders"]["post"]["responses"]


def test_a_broken_reference_would_be_caught(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    with pytest.raises(KeyError):
        _resolve(doc, "#/components/schemas/NoSuchSchema")


def test_cli_usage_show_and_statement(hub: Hub, client: TestClient, keys: Keys,
                                     database_url: str) -> None:
    seed_network(hub)
    assert client.post("/v1/orders", json=order_body("C-1", [("A", 1)]),
                       headers=keys("shop")).status_code == 201
    hub.flush_usage()
    runner = CliRunner()
    env = {"ORDERHUB_DATABASE_URL": database_url}
    r = runner.invoke(cli, ["usage", "statement", "--tenant", "default", "--month", "2026-11",
                            "--json"], env=env)
    assert r.exit_code == 0, r.output
    assert '"amount": "0.05"' in r.output and '"total": "0.05"' in r.output
    r = runner.invoke(cli, ["usage", "statement", "--tenant", "default", "--month",
                            "2026-11"], env=env)
    assert r.exit_code == 0 and "订单接入" in r.output
    r = runner.invoke(cli, ["usage", "show", "--tenant", "default", "--month", "2026-11"],
                      env=env)
    assert r.exit_code == 0 and "POST /v1/orders" in r.output
    r = runner.invoke(cli, ["usage", "show", "--tenant", "default", "--month", "2026-11",
                            "--group-by", "credential", "--json"], env=env)
    assert r.exit_code == 0 and f'"credential": "{keys.id("shop")}"' in r.output
    r = runner.invoke(cli, ["usage", "statement", "--tenant", "default", "--month", "2026-1"],
                      env=env)
    assert r.exit_code == 1 and "month" in r.output
    r = runner.invoke(cli, ["usage", "show", "--tenant", "default", "--group-by", "sku"],
                      env=env)
    assert r.exit_code == 1 and "group-by" in r.output


def test_a_channels_signed_webhook_is_metered_under_the_channel(
        hub: Hub, client: TestClient, keys: Keys) -> None:
    from tests.e2e.test_channels_api import FIXTURES, SECRET, signed

    seed_network(hub)
    r = client.post("/v1/channels", headers=keys("admin"), json={
        "code": "tmall-store", "name": "天猫旗舰店", "kind": "marketplace",
        "adapter": "taobao", "secret": SECRET})
    assert r.status_code == 201, r.text
    body = (FIXTURES / "taobao_trade_fullinfo.json").read_bytes()
    r = client.post("/v1/channels/tmall-store/webhook", content=body,  # no bearer: signed
                    headers={**signed(body), "X-Tenant-ID": "default"})
    assert r.status_code == 200 and r.json()[0]["outcome"] == "created"
    assert "RateLimit-Limit" not in r.headers  # limited per key; this caller has none
    r = client.get("/v1/usage?group_by=credential", headers=keys("finance"))
    by_cred = {i["credential"]: i for i in r.json()["items"]}
    assert by_cred["channel:tmall-store"]["orders"] == 1
    statement = client.get("/v1/usage/statement?month=2026-11", headers=keys("finance")).json()
    assert {line["service"]: line["units"] for line in statement["lines"]}["intake"] == 1
