"""Issue 16, classes 3-5, as a user meets them: through HTTP (orders, channels, warehouses,
the suggestion accepted in one call, phone_e164 masked by role, validation rule
parameters) and through the CLI (`orderhub order accept-address`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from orderhub.bootstrap import Hub
from orderhub.cli.app import app as cli
from tests.api import api_client
from tests.e2e.test_api import order_body, setup_network

NO_CITY = {"country": "CN", "province": "广东省", "district": "南山区",
           "line1": "科技园路 1 号", "name": "王芳", "phone": "139 1234 5678"}


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    with api_client(hub) as c:
        setup_network(c)
        yield c


def submit(client: TestClient, external_id: str, address: dict[str, Any],
           **extra: Any) -> dict[str, Any]:
    r = client.post("/v1/orders", json=order_body(external_id, [("A", 1)],
                                                  shipping_address=address, **extra))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def test_held_address_suggestion_accepted_in_one_call_and_phone_e164_by_role(
        client: TestClient, hub: Hub) -> None:
    o = submit(client, "AP-1", NO_CITY)
    assert o["status"] == "on_hold"
    assert [r["code"] for r in o["hold_reasons"]] == ["address_incomplete"]
    assert o["address_suggestion"]["values"] == {"city": "深圳市"}
    assert "city" not in o["shipping_address"]
    a = o["shipping_address"]
    assert (a["phone"], a["phone_e164"], a["phone_status"]) == (
        "139 1234 5678", "+8613912345678", "valid")

    with api_client(hub, role="logistics") as logistics:
        seen = logistics.get(f"/v1/orders/{o['id']}").json()["shipping_address"]
        assert seen["phone_e164"] == "*********5678" and seen["phone"] == "*******5678"
        r = logistics.post(f"/v1/orders/{o['id']}/address-suggestion/accept")
        assert r.status_code == 403  # orders:manage

    r = client.post(f"/v1/orders/{o['id']}/address-suggestion/accept",
                    json={"reason": "buyer confirmed by phone"})
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["status"] == "allocated" and done["shipping_address"]["city"] == "深圳市"
    assert done["address_suggestion"] is None
    timeline = client.get(f"/v1/orders/{o['id']}/timeline").json()
    items = timeline["items"] if isinstance(timeline, dict) else timeline
    assert any(e["type"] == "OrderAddressCorrected"
               and e["reason"] == "buyer confirmed by phone" for e in items)
    r = client.post(f"/v1/orders/{o['id']}/address-suggestion/accept")
    assert r.status_code == 409  # nothing left to accept
    r = client.post("/v1/orders/ord_nope/address-suggestion/accept")
    assert r.status_code == 404
    r = client.post(f"/v1/orders/{o['id']}/address-suggestion/accept",
                    json={"reason": "x", "extra": 1})
    assert r.status_code == 422


def test_other_countries_cross_border_and_rule_parameters(client: TestClient,
                                                         hub: Hub) -> None:
    # USD orders are judged on money in the base currency: a rate for their day
    r = client.post("/v1/fx-rates", json={"rates": [{
        "currency": "USD", "rate": "7.10", "effective_date": hub.clock().date().isoformat(),
        "source": "test"}]})
    assert r.status_code in (200, 201), r.text
    us = {"country": "US", "city": "Austin", "postal_code": "7330", "line1": "1 Main St",
          "name": "Jo", "phone": "(512) 555-0100"}
    o = submit(client, "AP-2", us, currency="USD")
    reasons = {r["code"]: r for r in o["hold_reasons"]}
    assert reasons["address_incomplete"]["details"]["missing"] == ["province"]
    assert reasons["address_incomplete"]["details"]["invalid"] == ["postal_code"]
    assert "ships from CN to US" in reasons["cross_border_docs"]["message"]

    # a site in the US: the same order is domestic there (warehouse country via the API)
    r = client.post("/v1/warehouses", json={"code": "AUS", "name": "Austin DC",
                                            "lat": 30.27, "lon": -97.74, "country": "US"})
    assert r.status_code == 201, r.text
    sites = {w["code"]: w for w in client.get("/v1/warehouses").json()}
    assert sites["AUS"]["country"] == "US" and sites["SH"]["country"] == "CN"
    full = {**us, "province": "TX", "postal_code": "73301"}
    o = submit(client, "AP-2b", full, currency="USD")  # A is stocked in CN only
    # found after routing chose a CN site (validation saw a US site in the network)
    assert {x["code"] for x in o["hold_reasons"]} == {"cross_border_docs"}
    assert all("ships from CN to US" in x["message"] for x in o["hold_reasons"])
    r = client.post("/v1/inventory/receipts", json={"sku": "A", "warehouse": "AUS",
                                                     "quantity": 5, "reference": "ASN-US"})
    assert r.status_code == 201, r.text
    o = submit(client, "AP-2c", full, currency="USD")
    assert o["status"] == "allocated", o["hold_reasons"]
    assert {x["warehouse"] for x in o["reservations"]} == {"AUS"}
    r = client.post("/v1/warehouses", json={"code": "BAD", "name": "x", "lat": 0, "lon": 0,
                                            "country": "usa"})
    assert r.status_code == 422 and "country" in r.text

    r = client.post("/v1/channels", json={"code": "global", "name": "天猫国际",
                                          "kind": "marketplace", "cross_border": True})
    assert r.status_code == 201, r.text
    listed = {c["code"]: c for c in client.get("/v1/channels").json()}
    assert listed["global"]["cross_border"] is True
    shanghai = order_body("x", [("A", 1)])["shipping_address"]
    o = submit(client, "AP-3", shanghai, channel="global")
    assert {r["code"] for r in o["hold_reasons"]} == {"cross_border_docs"}  # line, value

    rules = {r["code"]: r for r in client.get("/v1/validation/rules").json()}
    assert "auto_fill_min_confidence" in rules["F2-address"]["params"]
    r = client.patch("/v1/validation/rules/F2-address", json={
        "params": {"auto_fill_min_confidence": 7}, "reason": "typo"})
    assert r.status_code == 422 and "auto_fill_min_confidence" in r.text
    r = client.patch("/v1/validation/rules/C4-cross-border", json={
        "params": {"limits": {"US": {"amount": "0", "currency": "USD"}}},
        "reason": "US de minimis suspended"})
    assert r.status_code == 200, r.text


def test_cli_accepts_the_suggestion(client: TestClient, database_url: str) -> None:
    o = submit(client, "AP-4", NO_CITY)
    runner = CliRunner()
    env = {"ORDERHUB_DATABASE_URL": database_url, "COLUMNS": "200"}
    r = runner.invoke(cli, ["order", "accept-address", o["id"], "--json"], env=env)
    assert r.exit_code == 0, r.output
    assert '"status": "allocated"' in r.output and "深圳市" in r.output
    r = runner.invoke(cli, ["order", "accept-address", o["id"]], env=env)
    assert r.exit_code == 1 and "no address suggestion" in r.output
    r = runner.invoke(cli, ["order", "show", o["id"], "--json"], env=env)
    assert "+8613912345678" in r.output


def test_console_shows_and_accepts_the_suggestion(hub: Hub) -> None:
    from dataclasses import replace as _replace

    from orderhub.api.app import create_app
    from orderhub.domain.privacy import PiiView
    from orderhub.services.access import users
    from orderhub.services.intake.submit import submit_orders
    from orderhub.services.orders import views
    from tests.console_support import PASSWORD, csrf_of
    from tests.e2e.test_console_ops import _client, _version
    from tests.factories import SHANGHAI, T, draft, seed_network

    seed_network(hub)
    for login, role in (("op", "operations"), ("ana", "analyst")):
        users.create_user(hub.uow, T, login=login, role=role, password=PASSWORD,
                          granter=None, actor="test", now=hub.clock())
    app = create_app(hub)
    address = _replace(SHANGHAI, province="广东省", city="", district="南山区",
                       line1="科技园路 1 号")
    [r] = submit_orders(hub.uow, T, [draft("CS-1", address=address)], strategy=hub.strategy,
                        now=hub.clock(), actor="test", presale_lock=hub.presale_lock)
    oid = str(r.order_id)
    analyst = _client(app, "ana")
    page = analyst.get(f"/console/held/{oid}")
    assert 'id="address-suggestion"' in page.text and "深圳市" in page.text
    assert 'data-action="accept-address"' not in page.text  # may see, may not act
    c = _client(app)
    c.cookies.set("oh_lang", "zh", path="/console")
    page = c.get(f"/console/held/{oid}")
    assert "建议补全的地址" in page.text and "0.90" in page.text and "采纳建议" in page.text
    form = {"csrf": csrf_of(page.text), "version": _version(page.text)}
    assert c.post(f"/console/held/{oid}/accept-address",
                  data={**form, "csrf": "x"}).status_code == 403
    ok = c.post(f"/console/held/{oid}/accept-address", data=form)
    assert ok.status_code == 303 and ok.headers["location"].endswith("done=suggestion")
    after = views.get_order(hub.read_uow, T, oid, pii=PiiView.FULL)
    assert after["status"] == "allocated" and after["shipping_address"]["city"] == "深圳市"
    assert "已采纳建议地址" in c.get(ok.headers["location"]).text
