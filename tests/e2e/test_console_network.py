"""The console's network page over HTTP, on SQLite and PostgreSQL: warehouses, carriers
and blocks shown; closing / reopening a warehouse, a carrier down / up, a region blocked
and lifted through the same incident functions as the API, each with its re-routing
report; refusals: a role without network:write sees no forms and gets 403, a forged CSRF
token 403, a missing reason or a bad field its error by the field."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orderhub.api.app import create_app
from orderhub.bootstrap import Hub
from orderhub.services.access import users
from orderhub.services.network import incidents
from tests.api import auth_headers
from tests.console_support import PASSWORD, csrf_of, sign_in
from tests.factories import ADDRESS_JSON, seed_network


def _order(external_id: str, sku: str = "A") -> dict[str, Any]:
    return {"external_id": external_id, "channel": "web", "currency": "CNY",
            "customer": {"ref": "c-1", "name": "李雷"}, "shipping_address": ADDRESS_JSON,
            "lines": [{"sku": sku, "quantity": 1, "unit_price": "10.00"}]}


@pytest.fixture
def setup(hub: Hub) -> TestClient:
    seed_network(hub)
    for login, role in (("op", "operations"), ("ana", "analyst")):
        users.create_user(hub.uow, "default", login=login, role=role, password=PASSWORD,
                          granter=None, actor="test", now=hub.clock())
    app = create_app(hub)
    api = TestClient(app, headers=auth_headers(hub))
    r = api.post("/v1/orders/batch", json={"orders": [_order("N-1"), _order("N-2")]})
    assert r.status_code == 200, r.text
    return TestClient(app, follow_redirects=False)


def _sign_in(c: TestClient, login: str) -> str:
    sign_in(c, login)
    page = c.get("/console/network")
    assert page.status_code == 200
    return page.text


def test_read_only_role_sees_no_actions_and_is_refused(setup: TestClient) -> None:
    c = setup
    html = _sign_in(c, "ana")
    assert 'data-site="SH"' in html and 'id="net-map-data"' in html
    assert "/warehouses/SH/close" not in html and 'id="block"' not in html
    r = c.post("/console/network/warehouses/SH/close",
               data={"csrf": csrf_of(html), "reason": "storm"})
    assert r.status_code == 403
    assert c.post("/console/network/blocks", data={"csrf": csrf_of(html), "area": "east",
                                                   "reason": "x"}).status_code == 403


def test_close_and_reopen_a_warehouse_shows_the_report(setup: TestClient, hub: Hub) -> None:
    c = setup
    html = _sign_in(c, "op")
    token = csrf_of(html)
    assert c.post("/console/network/warehouses/SH/close",
                  data={"csrf": "forged", "reason": "storm"}).status_code == 403
    empty = c.post("/console/network/warehouses/SH/close", data={"csrf": token, "reason": " "})
    assert empty.status_code == 400 and 'id="wh-SH-e-reason"' in empty.text
    with hub.read_uow() as uow:
        assert uow.catalog.warehouse("default", "SH").active  # unchanged
    r = c.post("/console/network/warehouses/SH/close", data={"csrf": token, "reason": "storm"})
    assert r.status_code == 200, r.text
    assert 'id="reroute-report"' in r.text and "warehouse SH closed: storm" in r.text
    routed = re.search(r'data-report="routed">(\d+)<', r.text)
    assert routed and int(routed.group(1)) == 2  # both orders were planned at SH
    assert 'data-site-status="SH">closed<' in r.text
    with hub.read_uow() as uow:
        assert not uow.catalog.warehouse("default", "SH").active
    again = c.post("/console/network/warehouses/SH/reopen",
                   data={"csrf": token, "reason": "storm over"})
    assert again.status_code == 200 and 'data-site-status="SH">open<' in again.text
    missing = c.post("/console/network/warehouses/NOPE/close",
                     data={"csrf": token, "reason": "x"})
    assert missing.status_code == 404


def test_carrier_down_and_up(setup: TestClient, hub: Hub) -> None:
    c = setup
    html = _sign_in(c, "op")
    token = csrf_of(html)
    code = re.search(r'data-carrier="([^"]+)"', html)
    assert code
    svc = code.group(1)
    bad = c.post(f"/console/network/carriers/{svc}",
                 data={"csrf": token, "state": "sideways", "delay_days": "x", "reason": "r"})
    assert bad.status_code == 400
    assert f'id="cs-{svc}-e-delay_days"' in bad.text and "Not one of the choices." in bad.text
    slow = c.post(f"/console/network/carriers/{svc}",
                  data={"csrf": token, "state": "degraded", "delay_days": "0", "reason": "slow"})
    assert slow.status_code == 400 and f'id="cs-{svc}-e-delay_days"' in slow.text  # service
    down = c.post(f"/console/network/carriers/{svc}",
                  data={"csrf": token, "state": "down", "delay_days": "0", "reason": "strike"})
    assert down.status_code == 200 and 'id="reroute-report"' in down.text
    assert f'data-carrier-state="{svc}">down<' in down.text
    up = c.post(f"/console/network/carriers/{svc}",
                data={"csrf": token, "state": "up", "reason": "back"})
    assert up.status_code == 200 and f'data-carrier-state="{svc}">up<' in up.text


def test_block_and_lift_a_region(setup: TestClient, hub: Hub) -> None:
    c = setup
    token = csrf_of(_sign_in(c, "op"))
    unknown = c.post("/console/network/blocks",
                     data={"csrf": token, "area": "Atlantis", "direction": "both",
                           "reason": "x"})
    assert unknown.status_code == 400 and 'id="block-e-area"' in unknown.text
    r = c.post("/console/network/blocks", data={"csrf": token, "area": "上海",
                                                "direction": "inbound", "reason": "typhoon"})
    assert r.status_code == 200 and 'id="reroute-report"' in r.text
    held = re.search(r'data-report="held">(\d+)<', r.text)
    assert held and int(held.group(1)) == 2  # both orders go to Shanghai
    dup = c.post("/console/network/blocks", data={"csrf": token, "area": "上海",
                                                  "direction": "inbound", "reason": "again"})
    assert dup.status_code == 409
    [block] = incidents.list_blocks(hub.read_uow, "default")
    lifted = c.post(f"/console/network/blocks/{block['id']}/lift",
                    data={"csrf": token, "reason": "passed"})
    assert lifted.status_code == 200 and "No active block." in lifted.text
    assert incidents.list_blocks(hub.read_uow, "default") == []


def test_chinese_labels(setup: TestClient) -> None:
    c = setup
    _sign_in(c, "op")
    c.cookies.set("oh_lang", "zh", path="/console")
    html = c.get("/console/network").text
    assert "区域封锁" in html and "关闭仓库" in html
