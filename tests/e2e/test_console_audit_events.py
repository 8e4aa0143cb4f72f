"""The console's audit and events pages over HTTP, on SQLite and PostgreSQL: the audit
chain verified and its entries filtered; an order's event stream and its live follower;
webhook endpoints, dead letters and replay (one, and an endpoint's dead ones); refusals:
a role without audit:read / events:read / webhooks:write sees nothing and gets 403, a
forged CSRF token 403, bad filters their error by the field."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from orderhub.api.app import create_app
from orderhub.bootstrap import Hub
from orderhub.domain.webhooks import WebhookDelivery
from orderhub.services.access import users
from orderhub.services.events.webhooks import endpoints
from orderhub.services.orders import views
from tests.api import auth_headers
from tests.console_support import PASSWORD, csrf_of, sign_in
from tests.factories import ADDRESS_JSON, seed_network


@pytest.fixture
def setup(hub: Hub) -> tuple[TestClient, str]:
    seed_network(hub)
    for login, role in (("op", "operations"), ("stock", "inventory"), ("admin", "tenant_admin")):
        users.create_user(hub.uow, "default", login=login, role=role, password=PASSWORD,
                          granter=None, actor="test", now=hub.clock())
    app = create_app(hub)
    api = TestClient(app, headers=auth_headers(hub))
    r = api.post("/v1/orders", json={
        "external_id": "EV-1", "channel": "web", "currency": "CNY",
        "customer": {"ref": "c-1", "name": "李雷"}, "shipping_address": ADDRESS_JSON,
        "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]})
    assert r.status_code == 201, r.text
    return TestClient(app, follow_redirects=False), r.json()["id"]


def _dead_delivery(hub: Hub, order_id: str) -> tuple[str, str]:
    now = hub.clock()
    ep = endpoints.create_endpoint(hub.uow, "default", "https://hooks.example.com/orderhub",
                                   now, description="ERP")
    event = views.get_timeline(hub.read_uow, "default", order_id)[0]
    with hub.uow() as uow:
        uow.webhooks.add_deliveries([WebhookDelivery(
            "whd_console_1", "default", ep.id, event["event_id"], event["type"], order_id,
            "dead", 3, None, 410, "answer 410 Gone", None, now, now, payload={})])
        uow.commit()
    return ep.id, "whd_console_1"


def test_audit_verified_and_filtered(setup: tuple[TestClient, str]) -> None:
    c, _ = setup
    sign_in(c, "stock")  # inventory: no audit:read
    assert 'href="/console/audit"' not in c.get("/console/network").text
    assert c.get("/console/audit").status_code == 403
    assert c.get("/console/events").status_code == 403  # nor events:read
    c.cookies.clear()
    sign_in(c, "op")
    page = c.get("/console/audit")
    assert page.status_code == 200 and 'data-verdict="ok"' in page.text
    assert 'href="/console/audit"' in page.text
    assert "data-seq=" in page.text  # the users made above are audited
    kinds = c.get("/console/audit?kind=key_change")
    assert kinds.status_code == 200
    bad = c.get("/console/audit?kind=nonsense&before=x")
    assert bad.status_code == 400 and 'id="e-kind"' in bad.text


def test_order_event_stream_and_follower(setup: tuple[TestClient, str], hub: Hub) -> None:
    c, order_id = setup
    sign_in(c, "op")
    page = c.get(f"/console/events?order={order_id}")
    assert page.status_code == 200 and 'id="order-events"' in page.text
    seqs = [int(s) for s in re.findall(r'data-event-seq="(\d+)"', page.text)]
    assert seqs and 'id="follower"' in page.text
    nothing = c.get(f"/console/events/follow?order={order_id}&after={max(seqs)}")
    assert nothing.status_code == 200 and "data-event-seq" not in nothing.text
    assert f"after={max(seqs)}" in nothing.text  # polls on from the same place
    again = c.get(f"/console/events/follow?order={order_id}&after=0")
    assert again.text.count("data-event-seq") == len(seqs)
    missing = c.get("/console/events?order=ord_nope")
    assert missing.status_code == 400 and 'id="e-order"' in missing.text


def test_webhooks_dead_letters_and_replay(setup: tuple[TestClient, str], hub: Hub) -> None:
    c, order_id = setup
    endpoint_id, delivery_id = _dead_delivery(hub, order_id)
    sign_in(c, "op")  # operations: webhooks:read, not webhooks:write
    page = c.get("/console/events")
    assert f'data-delivery="{delivery_id}"' in page.text and "answer 410 Gone" in page.text
    assert "/replay" not in page.text
    assert c.post(f"/console/events/webhooks/deliveries/{delivery_id}/replay",
                  data={"csrf": csrf_of(page.text)}).status_code == 403
    c.cookies.clear()
    sign_in(c, "admin")
    detail = c.get(f"/console/events/webhooks/{endpoint_id}?status=dead")
    assert detail.status_code == 200 and 'data-status="dead"' in detail.text
    assert c.get(f"/console/events/webhooks/{endpoint_id}?status=lost").status_code == 400
    token = csrf_of(detail.text)
    assert c.post(f"/console/events/webhooks/deliveries/{delivery_id}/replay",
                  data={"csrf": "forged"}).status_code == 403
    r = c.post(f"/console/events/webhooks/deliveries/{delivery_id}/replay",
               data={"csrf": token})
    assert r.status_code == 303
    after = c.get(r.headers["location"])
    assert 'data-status="pending"' in after.text and "put back to be sent" in after.text
    again = c.post(f"/console/events/webhooks/deliveries/{delivery_id}/replay",
                   data={"csrf": token})
    assert again.status_code == 409  # already pending
    bulk = c.post(f"/console/events/webhooks/{endpoint_id}/replay-dead", data={"csrf": token})
    assert bulk.status_code == 303 and bulk.headers["location"].endswith("replayed=0")
    assert c.get("/console/events/webhooks/nope").status_code == 404
