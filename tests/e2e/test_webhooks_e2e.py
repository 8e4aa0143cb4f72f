"""From an order submitted over HTTP to a signed webhook at a real local receiver, through
the outbox, the relay, the internal `webhooks` durable consumer and the dispatcher."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from orderhub.adapters.webhooks.signing import verify
from orderhub.api.app import create_app
from orderhub.bootstrap import Hub
from tests.conftest import Clock
from tests.factories import ADDRESS_JSON, seed_network
from tests.webhook_receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def test_order_events_arrive_signed_at_the_receiver(hub: Hub, clock: Clock,
                                                    receiver: Receiver) -> None:
    seed_network(hub)
    dispatcher = hub.enable_webhooks()
    [consumer] = [c for c in hub.consumers if c.name == "webhooks"]
    consumer.process_once(wait=0)  # the consumer starts at the current end of the log
    with TestClient(create_app(hub)) as client:
        r = client.post("/v1/webhooks", json={"url": receiver.url("/orders"),
                                              "event_types": ["OrderCreated", "OrderAllocated"]})
        assert r.status_code == 201, r.text
        secret = r.json()["secret"]
        hook_id = r.json()["id"]
        receiver.script("/orders", 503)  # the first attempt fails and is retried
        r = client.post("/v1/orders", json={
            "external_id": "WH-1", "channel": "web", "currency": "CNY",
                "shipping_address": ADDRESS_JSON,
            "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]})
        assert r.status_code == 201
        order_id = r.json()["id"]

        hub.relay.drain()
        consumer.process_once(wait=0)
        dispatcher.deliver_due()
        clock.now += timedelta(minutes=5)
        dispatcher.deliver_due()

        bodies = receiver.received("/orders")
        types = sorted({x.json()["type"] for x in bodies})
        assert types == ["io.orderhub.OrderAllocated", "io.orderhub.OrderCreated"]
        assert len(bodies) == 3  # one retried after the 503
        for req in bodies:
            verify(secret, req.headers, req.body, now=hub.clock())
            assert req.json()["subject"] == order_id
        log = client.get(f"/v1/webhooks/{hook_id}/deliveries").json()["items"]
        assert sorted(d["status"] for d in log) == ["succeeded", "succeeded"]
        status = client.get("/v1/events/status").json()
        assert status["webhook_deliveries"] == {"succeeded": 2}


def test_a_slow_failing_receiver_does_not_hold_up_intake(hub: Hub, receiver: Receiver) -> None:
    from tests.webhook_receiver import Sleep

    seed_network(hub, {("A", "SH"): 100})
    hub.settings = hub.settings.model_copy(update={"webhook_timeout_seconds": 0.5})
    with TestClient(create_app(hub, background=True)) as client:
        client.post("/v1/webhooks", json={"url": receiver.url("/slow")})
        for _ in range(20):
            receiver.script("/slow", Sleep(2.0, 500))
        import time

        started = time.perf_counter()
        for i in range(10):
            r = client.post("/v1/orders", json={
                "external_id": f"SLOW-{i}", "channel": "web", "currency": "CNY",
                "shipping_address": ADDRESS_JSON,
                "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]})
            assert r.status_code == 201
        elapsed = time.perf_counter() - started
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not receiver.received("/slow"):
            time.sleep(0.05)
        assert receiver.received("/slow")  # the receiver is being called (and stalls) ...
        assert elapsed < 5.0  # ... while intake answered every order without waiting for it
        status = client.get("/v1/events/status").json()
        assert status["webhook_deliveries"].get("pending", 0) > 0
