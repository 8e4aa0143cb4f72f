"""Waybills booked at release against a real local HTTP carrier API: fallback to the next
carrier when one times out, the circuit breaker marking a failing service down (and its
open orders re-routed), the probe bringing it back, and no carrier at all."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from orderhub.bootstrap import Hub, bootstrap
from orderhub.config import Settings
from tests.api import api_client
from tests.conftest import Clock
from tests.factories import ADDRESS_JSON, seed_network
from tests.webhook_receiver import Json, Receiver, Sleep


@pytest.fixture
def carrier_api() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def hub_with_api(database_url: str, clock: Clock, carrier_api: Receiver) -> Iterator[Hub]:
    hub = bootstrap(Settings(database_url=database_url,
                             carrier_endpoints={"ZTO": carrier_api.url("/zto")},
                             carrier_timeout_seconds=0.3, carrier_breaker_failures=2,
                             carrier_breaker_reset_seconds=60.0), clock=clock)
    yield hub
    hub.close()


def reset_time_passes(hub: Hub, service: str) -> None:
    """The breaker's reset time is over: it may try the service again. (A real 0.5 s reset
    and a sleep made the "too early" step fail whenever the steps before it took longer.)"""
    hub.waybills.breaker("default", service).reset_timeout = 0


def post(client: TestClient, ext: str) -> str:
    r = client.post("/v1/orders", json={
        "external_id": ext, "channel": "web", "currency": "CNY",
        "shipping_address": ADDRESS_JSON,
        "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def shipment(client: TestClient, oid: str) -> dict[str, str]:
    [s] = [s for s in client.get(f"/v1/orders/{oid}").json()["shipments"]
           if s["status"] == "planned"]
    return dict(s)


def test_release_books_the_waybill_with_the_carrier_api(hub_with_api: Hub,
                                                        carrier_api: Receiver) -> None:
    seed_network(hub_with_api, {("A", "SH"): 10})
    carrier_api.script("/zto/waybills", Json({"waybill": "73100000001"}))
    with api_client(hub_with_api) as client:
        oid = post(client, "WB-1")
        r = client.post(f"/v1/orders/{oid}/release")
        assert r.status_code == 200, r.text
        s = shipment(client, oid)
        assert (s["carrier_service"], s["waybill"]) == ("ZTO:standard", "73100000001")
        [sent] = carrier_api.received("/zto/waybills")
        body = sent.json()
        assert body["shipment_id"] == s["id"] and body["origin"] == "SH"
        assert sent.headers["idempotency-key"] == s["id"]
        event = client.get(f"/v1/orders/{oid}/timeline").json()[-1]
        assert event["type"] == "OrderReleasedToWarehouse"
        assert event["data"]["shipments"][0]["waybill"] == "73100000001"


def test_timeouts_fall_back_then_trip_the_breaker(hub_with_api: Hub,
                                                  carrier_api: Receiver) -> None:
    hub = hub_with_api
    seed_network(hub, {("A", "SH"): 10})
    carrier_api.script("/zto/waybills", Sleep(2.0), Sleep(2.0))
    with api_client(hub) as client:
        first, second, waiting = (post(client, f"TO-{i}") for i in range(3))
        assert shipment(client, waiting)["carrier_service"] == "ZTO:standard"

        r = client.post(f"/v1/orders/{first}/release")
        assert r.status_code == 200, r.text
        s = shipment(client, first)
        assert s["carrier_service"] == "SF:express" and s["waybill"].startswith("SF")
        reason = client.get(f"/v1/orders/{first}/timeline").json()[-1]["reason"]
        assert "ZTO:standard: no answer in time" in reason
        assert hub.waybills.state("default", "ZTO:standard") == "closed"

        # The second timeout opens the breaker; the order in hand is still released (by SF)
        # before the service is marked down and its other open orders re-routed.
        r = client.post(f"/v1/orders/{second}/release")
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "released"
        assert r.json()["shipments"][0]["carrier_service"] == "SF:express"
        assert hub.waybills.state("default", "ZTO:standard") == "open"
        zto = next(c for c in client.get("/v1/carriers").json() if c["code"] == "ZTO:standard")
        assert zto["state"] == "down" and "circuit breaker opened" in zto["note"]
        # The open order planned on ZTO was re-routed to the next service at once ...
        assert shipment(client, waiting)["carrier_service"] == "SF:express"
        # ... and new orders are not planned on it.
        assert shipment(client, post(client, "TO-9"))["carrier_service"] == "SF:express"
        calls = len(carrier_api.received("/zto/waybills"))
        client.post(f"/v1/orders/{waiting}/release")
        assert len(carrier_api.received("/zto/waybills")) == calls  # not called while open

        assert hub.waybills.probe() == []  # too early: the breaker refuses without a call
        assert carrier_api.received("/zto/health") == []
        reset_time_passes(hub, "ZTO:standard")
        assert hub.waybills.probe() == ["ZTO:standard"]
        zto = next(c for c in client.get("/v1/carriers").json() if c["code"] == "ZTO:standard")
        assert zto["state"] == "up"
        assert shipment(client, post(client, "TO-10"))["carrier_service"] == "ZTO:standard"


def test_no_carrier_leaves_the_order_allocated(hub_with_api: Hub,
                                               carrier_api: Receiver) -> None:
    seed_network(hub_with_api, {("A", "SH"): 10})
    carrier_api.script("/zto/waybills", 503)
    with api_client(hub_with_api) as client:
        oid = post(client, "NC-1")
        for code in ("SF:express", "JD:b2b_freight"):
            client.patch(f"/v1/carriers/{code}", json={"state": "down", "reason": "strike"})
        r = client.post(f"/v1/orders/{oid}/release")
        assert r.status_code == 503
        assert "no carrier booked a waybill" in r.json()["detail"]
        assert "ZTO:standard: HTTP 503" in r.json()["detail"]
        order = client.get(f"/v1/orders/{oid}").json()
        assert order["status"] == "allocated"
        last = client.get(f"/v1/orders/{oid}").json()
        assert last["shipments"][0]["waybill"] is None
        timeline = client.get(f"/v1/orders/{oid}/timeline").json()
        assert timeline[-1]["type"] == "OrderExceptionRaised"
        # A rejected request (4xx) is the request's fault: it does not count for the breaker.
        carrier_api.script("/zto/waybills", 400, 400, 400)
        for _ in range(3):
            assert client.post(f"/v1/orders/{oid}/release").status_code == 503
        assert hub_with_api.waybills.state("default", "ZTO:standard") == "closed"


def test_the_breaker_leaves_an_operators_state_alone(hub_with_api: Hub,
                                                     carrier_api: Receiver) -> None:
    hub = hub_with_api
    seed_network(hub, {("A", "SH"): 10})
    carrier_api.script("/zto/waybills", 503, 503)
    with api_client(hub) as client:
        ids = [post(client, f"OP-{i}") for i in range(2)]
        client.patch("/v1/carriers/ZTO:standard", json={"state": "degraded", "delay_days": 1,
                                                        "reason": "peak season"})
        for oid in ids:
            assert client.post(f"/v1/orders/{oid}/release").status_code == 200
        assert hub.waybills.state("default", "ZTO:standard") == "open"
        zto = next(c for c in client.get("/v1/carriers").json() if c["code"] == "ZTO:standard")
        assert (zto["state"], zto["delay_days"], zto["note"]) == ("degraded", 1, "peak season")
        reset_time_passes(hub, "ZTO:standard")
        assert hub.waybills.probe() == []  # it never marked it down, so it brings nothing up
        zto = next(c for c in client.get("/v1/carriers").json() if c["code"] == "ZTO:standard")
        assert zto["state"] == "degraded"
