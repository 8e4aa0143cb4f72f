"""Editing an order end to end: PATCH /v1/orders/{id} with If-Match / expected_version
(ETag on GET, 409 with the current version when stale, 422 naming the field, 409 once
packed, 403 without the scope) and `orderhub order edit` as a user types it (English and
Chinese), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from orderhub.bootstrap import Hub
from orderhub.cli.app import app as cli
from orderhub.domain.lifecycle import OrderStatus
from orderhub.services.orders import fulfilment
from tests.api import api_client
from tests.factories import T, draft, seed_network
from tests.integration.test_events import submit

PROBLEM = "application/problem+json"
runner = CliRunner()


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    seed_network(hub)
    with api_client(hub, role="operations") as c:
        yield c


def reserved(client: TestClient, sku: str = "A") -> dict[str, int]:
    r = client.get(f"/v1/inventory/{sku}")
    assert r.status_code == 200, r.text
    return {w["warehouse"]: w["reserved"] for w in r.json()["warehouses"]}


def test_edit_over_http_with_versions(hub: Hub, client: TestClient) -> None:
    [oid] = submit(hub, draft("API-1", [("A", 2)]))
    got = client.get(f"/v1/orders/{oid}")
    assert got.status_code == 200
    version = got.json()["version"]
    assert got.headers["etag"] == f'"{version}"'
    assert reserved(client) == {"SH": 2, "BJ": 0}

    r = client.patch(f"/v1/orders/{oid}", headers={"If-Match": f'"{version}"'},
                     json={"reason": "buyer wants more", "lines": [{"line_no": 1,
                                                                    "quantity": 4}],
                           "add_lines": [{"sku": "A", "quantity": 1, "unit_price": "8.00"}]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["edit"] == {"outcome": "in_place", "version": version + 1,
                            "money_difference": "28.00", "currency": "CNY"}
    assert body["version"] == version + 1 and r.headers["etag"] == f'"{version + 1}"'
    assert [(ln["line_no"], ln["quantity"]) for ln in body["lines"]] == [(1, 4), (2, 1)]
    assert body["totals"]["grand_total"] == "48.00"
    assert reserved(client) == {"SH": 5, "BJ": 0}  # 2 + the difference (3) + 1 added

    # the same edit again from the old version: 409 with the version now stored
    stale = client.patch(f"/v1/orders/{oid}", json={
        "reason": "again", "expected_version": version, "lines": [{"line_no": 1,
                                                                   "quantity": 9}]})
    assert stale.status_code == 409 and stale.headers["content-type"] == PROBLEM
    assert stale.json()["current_version"] == version + 1
    assert stale.headers["etag"] == f'"{version + 1}"'
    assert reserved(client) == {"SH": 5, "BJ": 0}

    # the timeline: one OrderEdited with the diff and the money difference
    timeline = client.get(f"/v1/orders/{oid}/timeline").json()
    [edited] = [e for e in timeline if e["type"] == "OrderEdited"]
    assert edited["reason"] == "buyer wants more"
    assert edited["data"]["money_difference"] == "28.00"
    assert [ln["line_no"] for ln in edited["data"]["changes"]["lines"]] == [1, 2]

    # held if it can no longer be filled: nothing reserved, nothing lost
    r = client.patch(f"/v1/orders/{oid}", json={"reason": "wholesale",
                                                "lines": [{"line_no": 1, "quantity": 40}]})
    assert r.status_code == 200 and r.json()["status"] == "on_hold"
    assert r.json()["edit"]["outcome"] == "held"
    assert reserved(client) == {"SH": 0, "BJ": 0}


@pytest.mark.parametrize(("body", "headers", "field"), [
    ({"reason": "x", "lines": [{"line_no": 1, "quantity": 0}]}, {}, "lines.0.quantity"),
    ({"reason": "x", "lines": [{"line_no": 1, "quantity": -1}]}, {}, "lines.0.quantity"),
    ({"reason": "x", "lines": [{"line_no": 7, "quantity": 1}]}, {}, "lines.0.line_no"),
    ({"reason": "x", "add_lines": [{"sku": "ZZZ", "quantity": 1}]}, {}, "add_lines.0.sku"),
    ({"reason": "x", "remove_lines": [1]}, {}, "remove_lines"),
    ({"reason": "x", "lines": [{"line_no": 1, "quantity": "2"}]}, {}, "lines.0.quantity"),
    ({"reason": "x", "service_level": "warp"}, {}, "service_level"),
    ({"reason": "x", "bogus": 1}, {}, "bogus"),
    ({"reason": "", "lines": [{"line_no": 1, "quantity": 2}]}, {}, "reason"),
    ({"reason": "x", "lines": [{"line_no": 1, "quantity": 2}]}, {"If-Match": "soon"},
     "If-Match"),
    ({"reason": "x", "expected_version": 1, "lines": [{"line_no": 1, "quantity": 2}]},
     {"If-Match": '"2"'}, "expected_version"),
])
def test_bad_input_is_a_422_naming_the_field(hub: Hub, client: TestClient,
                                             body: dict[str, Any], headers: dict[str, str],
                                             field: str) -> None:
    [oid] = submit(hub, draft("BAD-1"))
    before = client.get(f"/v1/orders/{oid}").json()
    r = client.patch(f"/v1/orders/{oid}", json=body, headers=headers)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    assert field in [e["field"] for e in r.json()["errors"]], r.json()
    assert client.get(f"/v1/orders/{oid}").json() == before


def test_edits_of_finished_orders_are_409_and_unknown_ones_404(hub: Hub,
                                                               client: TestClient) -> None:
    packed, cancelled = submit(hub, draft("F-1"), draft("F-2"))
    hub.waybills.release(T, packed, actor="wms")
    for step in (OrderStatus.PICKED, OrderStatus.PACKED):
        fulfilment.advance_order(hub.uow, T, packed, step, now=hub.clock(), actor="wms")
    fulfilment.cancel_order(hub.uow, T, cancelled, "buyer", now=hub.clock(), actor="ops")
    edit = {"reason": "x", "lines": [{"line_no": 1, "quantity": 2}]}
    r = client.patch(f"/v1/orders/{packed}", json=edit)
    assert r.status_code == 409 and "packed" in r.json()["detail"]
    r = client.patch(f"/v1/orders/{cancelled}", json=edit)
    assert r.status_code == 409 and "cancelled" in r.json()["detail"]
    assert client.patch("/v1/orders/ord_nope", json=edit).status_code == 404


def test_edit_needs_the_orders_manage_scope(hub: Hub) -> None:
    seed_network(hub)
    [oid] = submit(hub, draft("S-1"))
    with api_client(hub, role="analyst") as c:
        r = c.patch(f"/v1/orders/{oid}", json={"reason": "x", "lines": [
            {"line_no": 1, "quantity": 2}]})
    assert r.status_code == 403 and r.json()["required_scope"] == "orders:manage"


def run(db: str, *args: str, lang: str = "en") -> tuple[int, str]:
    result = runner.invoke(cli, ["--lang", lang, *args],
                           env={"ORDERHUB_DATABASE_URL": db, "COLUMNS": "200"})
    return result.exit_code, result.output


def test_edit_from_the_command_line(hub: Hub, database_url: str) -> None:
    seed_network(hub)
    [oid] = submit(hub, draft("CLI-1", [("A", 2)]))
    code, out = run(database_url, "order", "show", oid, "--json")
    assert code == 0, out
    version = json.loads(out)["version"]
    code, out = run(database_url, "order", "show", oid)
    assert code == 0 and f"version={version}" in out, out
    code, out = run(database_url, "order", "edit", oid, "--qty", "1=3", "--add", "B:1:4.50",
                    "--expected-version", str(version), "--reason", "phone call")
    assert code == 0, out
    assert "edited (routed again)" in out, out  # B is not at SH, where A ships from
    assert "to collect 14.50 CNY" in out, out
    code, out = run(database_url, "order", "edit", oid, "--qty", "1=1",
                    "--reason", "fewer", "--json")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["edit"]["money_difference"] == "-20.00"
    assert [ln["quantity"] for ln in doc["lines"]] == [1, 1]
    # stale version, bad input: a message and exit 1 / 2, nothing changed
    code, out = run(database_url, "order", "edit", oid, "--qty", "1=5",
                    "--expected-version", str(version), "--reason", "old")
    assert code == 1 and f"not {version}" in out, out
    code, out = run(database_url, "order", "edit", oid, "--qty", "1=0", "--reason", "zero")
    assert code == 1 and "lines.0.quantity" in out, out
    code, out = run(database_url, "order", "edit", oid, "--qty", "one", "--reason", "x")
    assert code == 2 and "LINE=N" in out, out
    code, out = run(database_url, "order", "edit", oid, "--add", "NOPE:1", "--reason", "x")
    assert code == 1 and "add_lines.0.sku" in out, out
    code, out = run(database_url, "order", "edit", oid, "--qty", "1=2", "--reason", "中文",
                    lang="zh")
    assert code == 0 and "已修改" in out and "待收取 10.00 CNY" in out, out
    code, out = run(database_url, "order", "edit", "--help", lang="zh")
    assert code == 0 and "修改订单" in out, out
    code, out = run(database_url, "order", "show", oid, "--json")
    assert [ln["quantity"] for ln in json.loads(out)["lines"]] == [2, 1]


def test_edit_from_the_console_order_page(hub: Hub) -> None:
    import re

    from orderhub.api.app import create_app
    from orderhub.services.access import users
    from tests.console_support import PASSWORD, csrf_of

    seed_network(hub)
    for login, role in (("op", "operations"), ("ana", "analyst")):
        users.create_user(hub.uow, T, login=login, role=role, password=PASSWORD,
                          granter=None, actor="test", now=hub.clock())
    [oid] = submit(hub, draft("CON-1", [("A", 2)]))

    def signed_in(login: str) -> TestClient:
        c = TestClient(create_app(hub), follow_redirects=False)
        form = c.get("/console/sign-in")
        r = c.post("/console/sign-in", data={"tenant": T, "login": login,
                                             "password": PASSWORD,
                                             "csrf": csrf_of(form.text)})
        assert r.status_code == 303, r.text
        return c

    ana = signed_in("ana")
    assert 'data-action="edit"' not in ana.get(f"/console/orders/{oid}").text
    c = signed_in("op")
    page = c.get(f"/console/orders/{oid}")
    assert page.status_code == 200 and 'data-action="edit"' in page.text
    found = re.search(r'name="version" value="(\d+)"', page.text)
    assert found
    version = found.group(1)
    form = {"csrf": csrf_of(page.text), "version": version, "line_no": ["1"],
            "quantity": ["4"], "district": "", "edit_reason": "buyer called"}
    r = c.post(f"/console/orders/{oid}/edit", data={**form, "edit_reason": ""})
    assert r.status_code == 400 and 'id="e-edit_reason"' in r.text
    r = c.post(f"/console/orders/{oid}/edit", data={**form, "quantity": ["0"]})
    assert r.status_code == 400 and "lines.0.quantity" in r.text
    r = c.post(f"/console/orders/{oid}/edit", data=form)
    assert r.status_code == 303, r.text
    with hub.read_uow() as uow:
        o = uow.orders.get(T, oid)
    assert o.lines[0].quantity == 4 and o.status.value == "allocated"
    assert sum(r.quantity for r in o.active_reservations()) == 4
    stale = c.post(f"/console/orders/{oid}/edit", data={**form, "quantity": ["5"]})
    assert stale.status_code == 409 and 'data-action="reload"' in stale.text
    shown = c.get(f"/console/orders/{oid}")
    assert "order edited" in shown.text
