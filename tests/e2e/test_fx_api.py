"""Exchange rates and money across currencies as a user meets them: `/v1/fx-rates` and
`/v1/fx-settings` over HTTP (scoped as the catalogue), `orderhub fx` on the command line (in
English and Chinese), a USD order judged in CNY, an unknown currency refused at the API, a
channel webhook's fee lines counted in the total, the demo's rates."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from orderhub.api.app import create_app
from orderhub.bootstrap import Hub
from orderhub.cli.app import app as cli
from orderhub.services import catalog, fx
from orderhub.services.access import users
from orderhub.tools.demo import DEMO_RATES, build_demo
from tests.api import api_client
from tests.console_support import PASSWORD, sign_in
from tests.factories import T, seed_network

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "channels"
runner = CliRunner()


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    seed_network(hub, {("A", "SH"): 50})
    with api_client(hub) as c:
        yield c


def order_body(external_id: str, currency: str, price: str) -> dict[str, object]:
    return {"channel": "web", "external_id": external_id, "currency": currency,
            "lines": [{"sku": "A", "quantity": 1, "unit_price": price}],
            "shipping_address": {"country": "CN", "province": "上海市", "city": "上海市",
                                 "district": "浦东新区", "line1": "世纪大道 100 号",
                                 "name": "王伟", "phone": "13800138000"}}


def test_rates_over_http_then_a_usd_order_is_judged_in_cny(client: TestClient,
                                                            hub: Hub) -> None:
    r = client.post("/v1/fx-rates", json={"rates": [
        {"currency": "USD", "rate": "7.12", "effective_date": "2026-11-20"},
        {"currency": "EUR", "rate": "7.7", "effective_date": "2026-11-20",
         "source": "PBOC central parity"}]})
    assert r.status_code == 200, r.text
    assert r.json() == {"added": 2, "changed": 0, "unchanged": 0, "retried": 0}
    listed = client.get("/v1/fx-rates", params={"currency": "USD"}).json()
    assert [(x["currency"], x["rate"], x["source"]) for x in listed] == [
        ("USD", "7.12", "manual")]
    assert client.get("/v1/fx-settings").json() == {"base_currency": "CNY", "max_age_days": 7}

    # SKU A lists at 10.00 CNY: half of it is the floor. 1.00 USD = 7.12 CNY is above it.
    r = client.post("/v1/orders", json=order_body("US-1", "USD", "1.00"))
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["status"] != "on_hold", order["hold_reasons"]
    assert order["fx"]["text"] == "USD 1.00 = CNY 7.12 at 7.12 (2026-11-20, manual)"
    timeline = client.get(f"/v1/orders/{order['id']}/timeline").json()
    assert any(e["type"] == "OrderValidated" and "CNY 7.12" in e["reason"] for e in timeline)
    # 0.50 USD = 3.56 CNY: below the floor, said in both currencies
    low = client.post("/v1/orders", json=order_body("US-2", "USD", "0.50")).json()
    [reason] = low["hold_reasons"]
    assert reason["code"] == "price_below_floor" and "USD 0.50 = CNY 3.56" in reason["message"]
    # no GBP rate: held for the rate
    gbp = client.post("/v1/orders", json=order_body("GB-1", "GBP", "5.00")).json()
    assert [x["code"] for x in gbp["hold_reasons"]] == ["fx_rate_missing"]


def test_bad_rates_and_unknown_currencies_are_field_errors(client: TestClient) -> None:
    r = client.post("/v1/fx-rates", json={"csv": "currency,rate,effective_date\n"
                                                 "USD,7.12,2026-11-20\nXYZ,abc,2026-11-20\n"})
    assert r.status_code == 422
    problem = r.json()
    fields = {e["field"] if "field" in e else e.get("loc") for e in problem["errors"]}
    assert any("line 3: currency" in str(f) for f in fields), problem
    assert any("line 3: rate" in str(f) for f in fields), problem
    assert client.get("/v1/fx-rates").json() == []  # nothing of the file applied
    r = client.post("/v1/fx-rates", json={"rates": [
        {"currency": "CNY", "rate": "1", "effective_date": "2026-11-20"}]})
    assert r.status_code == 422 and "base currency" in r.text
    r = client.post("/v1/fx-rates", json={"rates": [
        {"currency": "USD", "rate": "0", "effective_date": "2026-11-20"}]})
    assert r.status_code == 422
    r = client.post("/v1/orders", json=order_body("ZZ-1", "ZZZ", "1.00"))
    assert r.status_code == 422
    assert "currency" in r.text and "ISO 4217" in r.text
    r = client.put("/v1/fx-settings", json={"base_currency": "XYZ", "max_age_days": 7})
    assert r.status_code == 422


def test_rates_are_scoped_as_the_catalogue(hub: Hub) -> None:
    seed_network(hub)
    catalog.ensure_tenant(hub.uow, "other", "Other tenant", hub.clock())
    fx.set_rate(hub.uow, T, "USD", "7.1", "2026-11-20", hub.clock(), actor="ops")
    with api_client(hub, role="analyst") as reader:
        assert len(reader.get("/v1/fx-rates").json()) == 1
        r = reader.post("/v1/fx-rates", json={"rates": [
            {"currency": "USD", "rate": "7.2", "effective_date": "2026-11-20"}]})
        assert r.status_code == 403 and "catalog:write" in r.text
        assert reader.put("/v1/fx-settings", json={"base_currency": "USD",
                                                   "max_age_days": 7}).status_code == 403
    with api_client(hub, tenant="other") as other:  # tenant data never crosses tenants
        assert other.get("/v1/fx-rates").json() == []
        assert other.post("/v1/fx-rates", json={"rates": [
            {"currency": "USD", "rate": "6.9", "effective_date": "2026-11-20"}]}).status_code == 200
    assert [r["rate"] for r in fx.list_rates(hub.read_uow, T)] == [Decimal("7.1")]


def test_a_webhook_with_fee_lines_is_not_an_amount_mismatch(client: TestClient,
                                                            hub: Hub) -> None:
    secret = "woo-secret"
    r = client.post("/v1/channels", json={"code": "woo", "name": "Woo shop", "kind": "web",
                                          "adapter": "woocommerce", "secret": secret})
    assert r.status_code == 201
    client.post("/v1/fx-rates", json={"rates": [
        {"currency": "USD", "rate": "7.12", "effective_date": "2024-11-12"}]})
    body = (FIXTURES / "woocommerce_order_fees.json").read_bytes()
    sig = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    r = client.post("/v1/channels/woo/webhook", content=body,
                    headers={"X-WC-Webhook-Signature": sig, "content-type": "application/json"})
    assert r.status_code == 200, r.text
    order = client.get(f"/v1/orders/{r.json()[0]['order_id']}").json()
    assert "amount_mismatch" not in {x["code"] for x in order["hold_reasons"]}
    assert order["totals"]["grand_total"] == "64.97"
    kinds = [c["kind"] for c in order["totals"]["charges"]]
    assert kinds == ["fee:insurance", "fee:packaging", "fee:cod", "discount:seller"]


def run(*args: str, db: str, lang: str = "en") -> tuple[int, str]:
    result = runner.invoke(cli, [*args], env={"ORDERHUB_DATABASE_URL": db, "COLUMNS": "200",
                                              "ORDERHUB_LANG": lang})
    return result.exit_code, result.output


def test_cli_load_set_list_settings(database_url: str, tmp_path: Path) -> None:
    assert run("db", "upgrade", db=database_url)[0] == 0
    good = tmp_path / "rates.csv"
    good.write_text("currency,rate,effective_date,source\nUSD,7.12,2026-12-01,manual\n"
                    "HKD,0.91,2026-12-01,PBOC central parity\n", encoding="utf-8")
    code, out = run("fx", "load", str(good), db=database_url)
    assert code == 0 and "2 added, 0 changed, 0 unchanged" in out, out
    code, out = run("fx", "set", "EUR", "7.7", "--date", "2026-12-02", db=database_url)
    assert code == 0 and "EUR 7.7 (2026-12-02, manual)" in out
    code, out = run("fx", "list", "--json", db=database_url)
    assert code == 0 and '"base_currency": "CNY"' in out and '"HKD"' in out
    code, out = run("fx", "list", "--csv", db=database_url)
    assert code == 0 and out.splitlines()[0].startswith("currency,effective_date,rate")
    code, out = run("fx", "settings", "--max-age-days", "3", db=database_url)
    assert code == 0 and "stale after 3 days" in out

    bad = tmp_path / "bad.csv"
    bad.write_text("currency,rate,effective_date\nUSD,7.2,2026-12-03\nGBP,x,2026-12-03\n",
                   encoding="utf-8")
    code, out = run("fx", "load", str(bad), db=database_url)
    assert code == 1 and "line 3: rate" in out and "Traceback" not in out
    code, out = run("fx", "list", "--currency", "USD", "--json", db=database_url)
    assert "2026-12-03" not in out  # the file's good line was not applied either
    code, out = run("fx", "load", str(bad), db=database_url, lang="zh")
    assert code == 1 and "第 3 行" in out and "不是正数" in out
    code, out = run("fx", "set", "USD", "7", "--date", "tomorrow", db=database_url)
    assert code == 2 and "--date" in out
    code, out = run("fx", "--help", db=database_url, lang="zh")
    assert code == 0 and "汇率" in out and "导入汇率文件" in out


def test_demo_data_loads_its_documented_rates(hub: Hub) -> None:
    summary = build_demo(hub, skus=50)
    assert summary.fx_rates == len(DEMO_RATES) == 4
    rates = {r["currency"]: r for r in fx.list_rates(hub.read_uow, T)}
    assert set(rates) == {"USD", "EUR", "GBP", "HKD"}
    assert all(r["effective_date"] == hub.clock().date() for r in rates.values())
    assert all(r["source"].startswith("demo") for r in rates.values())


def test_the_console_shows_components_and_the_conversion(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 50})
    users.create_user(hub.uow, T, login="op", role="operations", password=PASSWORD,
                      granter=None, actor="test", now=hub.clock())
    fx.set_rate(hub.uow, T, "USD", "7.12", "2026-11-20", hub.clock(), actor="ops")
    with api_client(hub) as api:
        order = api.post("/v1/orders", json=order_body("US-C", "USD", "1.00")).json()
    page_client = TestClient(create_app(hub), follow_redirects=False)
    sign_in(page_client, "op")
    page = page_client.get(f"/console/orders/{order['id']}").text
    assert "USD 1.00 = CNY 7.12 at 7.12 (2026-11-20, manual)" in page
    assert "In the base currency" in page


def test_a_sentence_with_a_currency_threshold_judges_orders_converted(client: TestClient,
                                                                      hub: Hub) -> None:
    client.post("/v1/fx-rates", json={"rates": [
        {"currency": "USD", "rate": "7.12", "effective_date": "2026-11-20"}]})
    parsed = client.post("/v1/routing/rules/from-text",
                         json={"text": "当订单金额超过500美元时，转人工复核", "code": "big-usd"})
    assert parsed.status_code == 200, parsed.text
    rule = parsed.json()["rule"]
    assert rule["when"] == {"order_value_above": "500", "value_currency": "USD"}
    r = client.put("/v1/routing/rules/big-usd", json={
        "when": rule["when"], "then": rule["then"], "description": rule["description"],
        "reason": "large foreign orders"})
    assert r.status_code == 200, r.text
    # 500 USD = 3,560 CNY: a CNY order of 3,000 passes, one of 4,000 is held for review
    small = client.post("/v1/orders", json=order_body("CN-S", "CNY", "3000.00")).json()
    large = client.post("/v1/orders", json=order_body("CN-L", "CNY", "4000.00")).json()
    assert "rule_review" not in {x["code"] for x in small["hold_reasons"]}
    assert "rule_review" in {x["code"] for x in large["hold_reasons"]}, large
    # a USD order is compared in USD: 600 USD is over, 400 is not
    over = client.post("/v1/orders", json=order_body("US-O", "USD", "600.00")).json()
    under = client.post("/v1/orders", json=order_body("US-U", "USD", "400.00")).json()
    assert "rule_review" in {x["code"] for x in over["hold_reasons"]}
    assert "rule_review" not in {x["code"] for x in under["hold_reasons"]}


def test_a_sku_floor_in_usd_judges_usd_orders_without_a_rate(client: TestClient) -> None:
    bad = client.post("/v1/skus", json={"code": "U-BAD", "name": "x", "list_price": "10",
                                        "attributes": {"currency": "XYZ"}})
    assert bad.status_code == 422 and "attributes.currency" in bad.text
    r = client.post("/v1/skus", json={"code": "U-1", "name": "Tea (USD price list)",
                                      "list_price": "10.00",
                                      "attributes": {"floor_price": "8.00", "currency": "usd"}})
    assert r.status_code == 201, r.text
    client.post("/v1/inventory/receipts", json={"items": [
        {"sku": "U-1", "warehouse": "SH", "quantity": 10}], "reference": "fx-test"})
    body = order_body("US-F", "USD", "9.00")
    body["lines"] = [{"sku": "U-1", "quantity": 1, "unit_price": "9.00"}]
    order = client.post("/v1/orders", json=body).json()
    assert "price_below_floor" not in {x["code"] for x in order["hold_reasons"]}
    body = order_body("US-G", "USD", "7.00")
    body["lines"] = [{"sku": "U-1", "quantity": 1, "unit_price": "7.00"}]
    held = client.post("/v1/orders", json=body).json()
    codes = {x["code"] for x in held["hold_reasons"]}
    assert "price_below_floor" in codes and "fx_rate_missing" not in codes  # no rate needed
