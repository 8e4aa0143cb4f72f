"""From an order submitted over HTTP to a signed webhook at a real local receiver, through
the outbox, the relay, the internal `webhooks` durable consumer and the dispatcher; and a
dispatcher process killed mid-delivery."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from orderhub.adapters.bus.envelope import Envelope
from orderhub.adapters.webhooks.sender import WebhookSender
from orderhub.adapters.webhooks.signing import verify
from orderhub.bootstrap import Hub, bootstrap
from orderhub.config import Settings
from orderhub.domain.ids import new_id
from orderhub.services.events.webhooks.deliveries import list_deliveries
from orderhub.services.events.webhooks.dispatcher import WebhookDispatcher
from orderhub.services.events.webhooks.endpoints import create_endpoint
from orderhub.services.events.webhooks.fanout import enqueue_deliveries
from tests.api import api_client, platform_headers
from tests.conftest import Clock
from tests.factories import ADDRESS_JSON, seed_network
from tests.webhook_receiver import Receiver, Sleep


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
    with api_client(hub) as client:
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
        status = client.get("/v1/events/status", headers=platform_headers(hub)).json()
        assert status["webhook_deliveries"] == {"succeeded": 2}


def test_a_slow_failing_receiver_does_not_hold_up_intake(hub: Hub, receiver: Receiver) -> None:
    from tests.webhook_receiver import Sleep

    seed_network(hub, {("A", "SH"): 100})
    hub.settings = hub.settings.model_copy(update={"webhook_timeout_seconds": 0.5})
    with api_client(hub, background=True) as client:
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
        status = client.get("/v1/events/status", headers=platform_headers(hub)).json()
        assert status["webhook_deliveries"].get("pending", 0) > 0


# A dispatcher in its own process, sending one delivery to a receiver that never answers in
# time: the test kills it (SIGKILL) while the request is in flight.
DISPATCHER_PROCESS = """
import sys
from orderhub.adapters.webhooks.sender import WebhookSender
from orderhub.bootstrap import bootstrap
from orderhub.config import Settings
from orderhub.services.events.webhooks.dispatcher import WebhookDispatcher
from tests.api import api_client, platform_headers

hub = bootstrap(Settings(database_url=sys.argv[1], webhook_timeout_seconds=120.0,
                         webhook_allow_private_targets=True))  # the receiver is local
sender = WebhookSender(hub.settings, trust_env=False)
WebhookDispatcher(hub.uow, hub.settings, hub.clock, sender,
                  lease_seconds=float(sys.argv[2])).deliver_due()
"""


def test_a_killed_dispatchers_delivery_is_sent_again_within_one_lease(
    database_url: str, receiver: Receiver
) -> None:
    lease = 2.0
    settings = Settings(database_url=database_url, webhook_allow_private_targets=True)
    with bootstrap(settings) as hub:  # the real clock: two processes share it
        ep = create_endpoint(hub.uow, "default", receiver.url("/hook"), hub.clock())
        env = Envelope(new_id("evt"), "OrderCreated", "default", "ord_x", 1, hub.clock(),
                       {"status": "created"})
        assert enqueue_deliveries(hub.uow, [env], hub.clock()) == 1
        receiver.script("/hook", Sleep(120.0))
        child = subprocess.Popen([sys.executable, "-c", DISPATCHER_PROCESS, database_url,
                                  str(lease)])
        successor = WebhookDispatcher(hub.uow, hub.settings, hub.clock,
                                      WebhookSender(hub.settings, trust_env=False),
                                      lease_seconds=lease)
        try:
            deadline = time.monotonic() + 30
            while not receiver.received() and time.monotonic() < deadline:
                time.sleep(0.02)
            assert len(receiver.received()) == 1, "the first dispatcher sent nothing"
            # Alive, its heartbeat keeps the delivery past the lease: nobody else sends it.
            alive_until = time.monotonic() + 1.5 * lease
            while time.monotonic() < alive_until:
                assert successor.deliver_due() == 0
                time.sleep(0.1)
            child.kill()
            child.wait(10)
            killed_at = time.monotonic()
            while successor.deliver_due() == 0 and time.monotonic() - killed_at < 30:
                time.sleep(0.05)
            resumed_after = time.monotonic() - killed_at
        finally:
            child.kill()
            child.wait(10)
            successor.close()
        assert resumed_after <= lease + 0.5  # within one lease of the crash, not a minute
        assert successor.deliver_due() == 0
        ids = [r.headers["webhook-id"] for r in receiver.received("/hook")]
        assert ids == [env.id, env.id]  # at least once; receivers de-duplicate on the id
        [delivery] = list_deliveries(hub.read_uow, "default", ep.id).items
        assert delivery.status == "succeeded" and delivery.attempts == 1
