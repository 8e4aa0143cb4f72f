"""Webhooks end to end against a real HTTP receiver, on SQLite and PostgreSQL: Standard
Webhooks signatures, retry classification, backoff, dead letters, replay, subscriptions,
idempotent enqueue, several dispatchers at once, and the /v1/webhooks API."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from orderhub.adapters.bus.envelope import Envelope
from orderhub.adapters.metrics import REGISTRY
from orderhub.adapters.webhooks.sender import SendResult, WebhookSender, classify_status
from orderhub.adapters.webhooks.signing import (
    WebhookVerificationError,
    generate_secret,
    is_valid_secret,
    sign,
    verify,
)
from orderhub.bootstrap import Hub
from orderhub.domain.errors import Conflict, InvalidInput, NotFound
from orderhub.domain.ids import new_id
from orderhub.services import catalog
from orderhub.services.events import webhooks
from orderhub.services.events.webhooks import WebhookDispatcher, WebhookEndpoint
from tests.api import api_client, auth_headers
from tests.conftest import Clock
from tests.webhook_receiver import Receiver, Sleep, unused_port

PROBLEM = "application/problem+json"
MakeDispatcher = Callable[..., WebhookDispatcher]


# ----- fixtures --------------------------------------------------------------------------------
@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def make_dispatcher(hub: Hub) -> Iterator[MakeDispatcher]:
    made: list[WebhookDispatcher] = []

    def make(**settings: Any) -> WebhookDispatcher:
        s = hub.settings.model_copy(
            update={"webhook_timeout_seconds": 2.0, "webhook_max_attempts": 4, **settings}
        )
        d = WebhookDispatcher(
            hub.uow, s, hub.clock, WebhookSender(s, trust_env=False), random.Random(7)
        )
        made.append(d)
        return d

    yield make
    for d in made:
        d.close()


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    with api_client(hub) as c:
        yield c


# ----- helpers ---------------------------------------------------------------------------------
def envelope(
    clock: Clock, etype: str = "OrderCreated", tenant: str = "default", **data: Any
) -> Envelope:
    return Envelope(
        id=new_id("evt"),
        type=etype,
        tenant=tenant,
        subject="ord_x",
        sequence=1,
        time=clock.now,
        data=data or {"status": "created"},
    )


def endpoint(
    hub: Hub, url: str, *, types: list[str] | None = None, tenant: str = "default"
) -> WebhookEndpoint:
    return webhooks.create_endpoint(hub.uow, tenant, url, hub.clock(), event_types=types or [])


def only_delivery(hub: Hub, ep: WebhookEndpoint) -> webhooks.DeliveryLog:
    page = webhooks.list_deliveries(hub.read_uow, ep.tenant_id, ep.id)
    assert len(page.items) == 1
    return webhooks.get_delivery(hub.read_uow, ep.tenant_id, page.items[0].id)


def metric(outcome: str) -> float:
    value = REGISTRY.get_sample_value("orderhub_webhook_deliveries_total", {"outcome": outcome})
    return value or 0.0


def one_pending(
    hub: Hub, clock: Clock, receiver: Receiver, path: str = "/hook"
) -> tuple[WebhookEndpoint, Envelope]:
    ep = endpoint(hub, receiver.url(path))
    env = envelope(clock)
    assert webhooks.enqueue_deliveries(hub.uow, [env], clock.now) == 1
    return ep, env


# ----- signing (Standard Webhooks) -------------------------------------------------------------
def test_signature_matches_the_standard_webhooks_reference_vector() -> None:
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    sig = sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
    assert sig == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    headers = {
        "Webhook-Id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "Webhook-Timestamp": "1614265330",
        "Webhook-Signature": f"v1,bm90IGl0 v1a,whatever {sig}",  # several; one matches
    }
    verify(secret, headers, body, now=1614265330 + 299)
    with pytest.raises(WebhookVerificationError, match="signature"):
        verify(secret, headers, body + b" ", now=1614265330)
    with pytest.raises(WebhookVerificationError, match="signature"):
        verify(generate_secret(), headers, body, now=1614265330)
    with pytest.raises(WebhookVerificationError, match="too old"):
        verify(secret, headers, body, now=1614265330 + 301)
    with pytest.raises(WebhookVerificationError, match="future"):
        verify(secret, headers, body, now=1614265330 - 301)
    with pytest.raises(WebhookVerificationError, match="webhook-signature"):
        verify(secret, {k: v for k, v in headers.items() if "Sig" not in k}, body, now=0)
    with pytest.raises(WebhookVerificationError, match="not an integer"):
        verify(secret, {**headers, "Webhook-Timestamp": "soon"}, body, now=0)


def test_generated_secrets_follow_the_spec() -> None:
    a, b = generate_secret(), generate_secret()
    assert a.startswith("whsec_") and a != b
    assert is_valid_secret(a)
    assert not is_valid_secret("whsec_short") and not is_valid_secret("whsec_!!!")


def test_status_classification() -> None:
    assert [classify_status(c) for c in (200, 204, 299)] == ["succeeded"] * 3
    assert [classify_status(c) for c in (408, 429, 500, 502, 503, 599)] == ["retry"] * 6
    assert [classify_status(c) for c in (301, 302, 400, 401, 404, 410, 422)] == ["dead"] * 7


# ----- delivery ----------------------------------------------------------------------------------
def test_delivery_is_signed_and_the_receiver_can_verify_it(
    hub: Hub, clock: Clock, receiver: Receiver, make_dispatcher: MakeDispatcher
) -> None:
    ep, env = one_pending(hub, clock, receiver)
    assert make_dispatcher().deliver_due() == 1

    [req] = receiver.received()
    assert req.headers["content-type"] == "application/json"
    assert req.headers["webhook-id"] == env.id
    assert req.headers["webhook-timestamp"] == str(int(clock.now.timestamp()))
    assert req.headers["webhook-signature"].startswith("v1,")
    assert req.json() == env.to_dict()
    verify(ep.secret, req.headers, req.body, now=clock.now)
    tampered = req.body.replace(b"created", b"cancelled")
    with pytest.raises(WebhookVerificationError):
        verify(ep.secret, req.headers, tampered, now=clock.now)

    log = only_delivery(hub, ep)
    assert log.delivery.status == "succeeded"
    assert log.delivery.attempts == 1 and log.delivery.last_status_code == 200
    assert log.delivery.next_attempt_at is None
    assert [(a.attempt, a.outcome, a.status_code) for a in log.attempts] == [(1, "succeeded", 200)]
    assert log.attempts[0].latency_ms > 0
    assert log.delivery.payload == env.to_dict()


def test_server_error_is_retried_with_backoff_then_succeeds(
    hub: Hub, clock: Clock, receiver: Receiver, make_dispatcher: MakeDispatcher
) -> None:
    ep, env = one_pending(hub, clock, receiver)
    receiver.script("/hook", 500, 200)
    dispatcher = make_dispatcher(webhook_backoff_seconds=10.0)
    before = {o: metric(o) for o in ("retry", "succeeded", "dead")}

    assert dispatcher.deliver_due() == 1
    first = only_delivery(hub, ep).delivery
    assert first.status == "pending" and first.attempts == 1
    assert first.last_status_code == 500 and "HTTP 500" in first.last_error
    assert first.next_attempt_at is not None
    delay = (first.next_attempt_at - clock.now).total_seconds()
    assert 5.0 <= delay < 15.0  # base 10 s, jitter factor in [0.5, 1.5)

    assert dispatcher.deliver_due() == 0  # not due yet
    clock.now = first.next_attempt_at
    assert dispatcher.deliver_due() == 1

    log = only_delivery(hub, ep)
    assert log.delivery.status == "succeeded" and log.delivery.attempts == 2
    assert [(a.attempt, a.outcome, a.status_code) for a in log.attempts] == [
        (1, "retry", 500),
        (2, "succeeded", 200),
    ]
    ids = {r.headers["webhook-id"] for r in receiver.received()}
    assert ids == {env.id}  # the same message id on every attempt, for de-duplication
    assert {o: metric(o) - n for o, n in before.items()} == {"retry": 1, "succeeded": 1, "dead": 0}
    assert REGISTRY.get_sample_value("orderhub_webhook_pending") == 0


@pytest.mark.parametrize("status", [408, 429, 503])
def test_throttling_and_timeouts_answered_by_the_receiver_are_retried(
    hub: Hub, clock: Clock, receiver: Receiver, make_dispatcher: MakeDispatcher, status: int
) -> None:
    ep, _ = one_pending(hub, clock, receiver)
    receiver.script("/hook", status)
    make_dispatcher().deliver_due()
    log = only_delivery(hub, ep)
    assert log.delivery.status == "pending" and log.delivery.last_status_code == status
    assert [a.outcome for a in log.attempts] == ["retry"]


@pytest.mark.parametrize("status", [400, 404, 410, 301])
def test_client_errors_and_redirects_are_dead_at_once(
    hub: Hub, clock: Clock, receiver: Receiver, make_dispatcher: MakeDispatcher, status: int
) -> None:
    ep, _ = one_pending(hub, clock, receiver)
    receiver.script("/hook", status)
    make_dispatcher().deliver_due()
    log = only_delivery(hub, ep)
    assert log.delivery.status == "dead" and log.delivery.attempts == 1
    assert log.delivery.next_attempt_at is None
    assert [(a.outcome, a.status_code) for a in log.attempts] == [("dead", status)]
    assert f"answer {status}" in log.delivery.last_error  # the receiver's own words
    assert len(receiver.received()) == 1  # a redirect is not followed
    dead = webhooks.dead_letters(hub.read_uow, "default")
    assert [d.id for d in dead.items] == [log.delivery.id]


def test_a_receiver_slower_than_the_timeout_is_retried(
    hub: Hub, clock: Clock, receiver: Receiver, make_dispatcher: MakeDispatcher
) -> None:
    ep, _ = one_pending(hub, clock, receiver)
    receiver.script("/hook", Sleep(5.0), 200)
    dispatcher = make_dispatcher(webhook_timeout_seconds=0.3)
    dispatcher.deliver_due()
    first = only_delivery(hub, ep)
    assert first.delivery.status == "pending" and first.delivery.last_status_code is None
    assert first.delivery.last_error.startswith("timeout")
    assert first.attempts[0].outcome == "retry" and first.attempts[0].latency_ms >= 250

    clock.now += timedelta(hours=1)
    dispatcher.deliver_due()
    assert only_delivery(hub, ep).delivery.status == "succeeded"


@pytest.mark.parametrize("failure", ["close", "reset", "refused"])
def test_broken_connections_are_retried(
    hub: Hub, clock: Clock, receiver: Receiver, make_dispatcher: MakeDispatcher, failure: str
) -> None:
    if failure == "refused":
        ep = endpoint(hub, f"http://127.0.0.1:{unused_port()}/hook")
        webhooks.enqueue_deliveries(hub.uow, [envelope(clock)], clock.now)
    else:
        ep, _ = one_pending(hub, clock, receiver)
        receiver.script("/hook", failure)  # type: ignore[arg-type]
    make_dispatcher().deliver_due()
    log = only_delivery(hub, ep)
    assert log.delivery.status == "pending" and log.delivery.last_status_code is None
    assert log.delivery.last_error.startswith("connection error")
    assert [a.outcome for a in log.attempts] == ["retry"]

    if failure != "refused":
        clock.now += timedelta(hours=1)
        make_dispatcher().deliver_due()
        assert only_delivery(hub, ep).delivery.status == "succeeded"


def test_after_max_attempts_it_is_dead_then_replay_sends_it_again(
    hub: Hub, clock: Clock, receiver: Receiver, make_dispatcher: MakeDispatcher
) -> None:
    ep, _ = one_pending(hub, clock, receiver)
    receiver.script("/hook", 500, 502, 503)
    dispatcher = make_dispatcher(
        webhook_max_attempts=3, webhook_backoff_seconds=60.0, webhook_backoff_cap_seconds=100.0
    )
    delays = []
    for _ in range(3):
        assert dispatcher.deliver_due() == 1
        d = only_delivery(hub, ep).delivery
        if d.next_attempt_at is not None:
            delays.append((d.next_attempt_at - clock.now).total_seconds())
            clock.now = d.next_attempt_at
    assert 30 <= delays[0] < 90 and 50 <= delays[1] < 150  # 60 s, then 120 s capped to 100 s

    log = only_delivery(hub, ep)
    assert log.delivery.status == "dead" and log.delivery.attempts == 3
    assert [(a.outcome, a.status_code) for a in log.attempts] == [
        ("retry", 500),
        ("retry", 502),
        ("dead", 503),
    ]
    dead = webhooks.dead_letters(hub.read_uow, "default")
    assert [d.id for d in dead.items] == [log.delivery.id]
    clock.now += timedelta(days=1)
    assert dispatcher.deliver_due() == 0  # the dead stay dead

    replayed = webhooks.replay_delivery(hub.uow, "default", log.delivery.id, clock.now)
    assert replayed.status == "pending" and replayed.attempts == 0
    assert replayed.next_attempt_at == clock.now
    with pytest.raises(Conflict):
        webhooks.replay_delivery(hub.uow, "default", log.delivery.id, clock.now)
    assert dispatcher.deliver_due() == 1

    after = only_delivery(hub, ep)
    assert after.delivery.status == "succeeded" and after.delivery.attempts == 1
    assert [(a.attempt, a.outcome) for a in after.attempts] == [
        (1, "retry"),
        (2, "retry"),
        (3, "dead"),
        (4, "succeeded"),
    ]
    assert len(receiver.received()) == 4
    assert webhooks.dead_letters(hub.read_uow, "default").items == []


def test_replay_dead_in_bulk(
    hub: Hub, clock: Clock, receiver: Receiver, make_dispatcher: MakeDispatcher
) -> None:
    ep = endpoint(hub, receiver.url("/a"))
    other = endpoint(hub, receiver.url("/b"))
    receiver.script("/a", 400, 400)
    receiver.script("/b", 400)
    webhooks.enqueue_deliveries(hub.uow, [envelope(clock), envelope(clock)], clock.now)
    dispatcher = make_dispatcher()
    assert dispatcher.deliver_due() == 4
    assert len(webhooks.dead_letters(hub.read_uow, "default").items) == 3
    assert len(webhooks.dead_letters(hub.read_uow, "default", endpoint_id=other.id).items) == 1

    assert webhooks.replay_dead(hub.uow, "default", ep.id, clock.now) == 2
    assert webhooks.replay_dead(hub.uow, "default", ep.id, clock.now) == 0
    assert dispatcher.deliver_due() == 2
    assert webhooks.replay_dead(hub.uow, "default", None, clock.now) == 1
    assert dispatcher.deliver_due() == 1
    assert webhooks.dead_letters(hub.read_uow, "default").items == []
    with pytest.raises(NotFound):
        webhooks.replay_dead(hub.uow, "default", "whe_missing", clock.now)


# ----- enqueue -----------------------------------------------------------------------------------
def test_event_type_filters_choose_the_endpoints(
    hub: Hub, clock: Clock, receiver: Receiver, make_dispatcher: MakeDispatcher
) -> None:
    catalog.ensure_tenant(hub.uow, "acme", "Acme", clock.now)
    every = endpoint(hub, receiver.url("/every"))
    created = endpoint(hub, receiver.url("/created"), types=["OrderCreated"])
    endings = endpoint(
        hub, receiver.url("/endings"), types=["OrderCancelled", "io.orderhub.ShipmentDelivered"]
    )
    paused = endpoint(hub, receiver.url("/paused"))
    webhooks.update_endpoint(hub.uow, "default", paused.id, clock.now, active=False)
    acme = endpoint(hub, receiver.url("/acme"), tenant="acme")

    batch = [
        envelope(clock, "OrderCreated"),
        envelope(clock, "OrderCancelled"),
        envelope(clock, "StockAdjusted"),
        envelope(clock, "OrderCreated", tenant="acme"),
    ]
    assert webhooks.enqueue_deliveries(hub.uow, batch, clock.now) == 3 + 1 + 1 + 1

    def types_of(ep: WebhookEndpoint) -> list[str]:
        page = webhooks.list_deliveries(hub.read_uow, ep.tenant_id, ep.id)
        return sorted(d.event_type for d in page.items)

    assert types_of(every) == ["OrderCancelled", "OrderCreated", "StockAdjusted"]
    assert types_of(created) == ["OrderCreated"]
    assert types_of(endings) == ["OrderCancelled"]
    assert types_of(paused) == []
    assert types_of(acme) == ["OrderCreated"]

    make_dispatcher().deliver_due()
    paths = Counter(r.path for r in receiver.received())
    assert paths == {"/every": 3, "/created": 1, "/endings": 1, "/acme": 1}
    assert {r.json()["tenant"] for r in receiver.received("/acme")} == {"acme"}


def test_enqueue_is_idempotent(hub: Hub, clock: Clock, receiver: Receiver) -> None:
    first = endpoint(hub, receiver.url("/1"))
    batch = [envelope(clock), envelope(clock, "OrderCancelled")]
    assert webhooks.enqueue_deliveries(hub.uow, batch, clock.now) == 2
    assert webhooks.enqueue_deliveries(hub.uow, batch, clock.now) == 0
    assert webhooks.enqueue_deliveries(hub.uow, [batch[0], batch[0]], clock.now) == 0
    second = endpoint(hub, receiver.url("/2"))
    assert webhooks.enqueue_deliveries(hub.uow, batch, clock.now) == 2  # only the new endpoint
    assert webhooks.enqueue_deliveries(hub.uow, [], clock.now) == 0
    for ep in (first, second):
        assert len(webhooks.list_deliveries(hub.read_uow, "default", ep.id).items) == 2


def test_enqueue_handler_for_a_durable_consumer_wakes_the_dispatcher(
    hub: Hub, clock: Clock, receiver: Receiver
) -> None:
    endpoint(hub, receiver.url())
    woken: list[bool] = []
    handle = webhooks.enqueue_handler(hub.uow, hub.clock, on_enqueued=lambda: woken.append(True))
    batch = [envelope(clock), envelope(clock)]
    handle(batch)
    handle(batch)  # redelivered: nothing new, no wake-up
    assert woken == [True]


def test_a_paused_endpoint_keeps_its_deliveries_until_resumed(
    hub: Hub, clock: Clock, receiver: Receiver, make_dispatcher: MakeDispatcher
) -> None:
    ep, _ = one_pending(hub, clock, receiver)
    webhooks.update_endpoint(hub.uow, "default", ep.id, clock.now, active=False)
    dispatcher = make_dispatcher()
    assert dispatcher.deliver_due() == 0
    webhooks.update_endpoint(hub.uow, "default", ep.id, clock.now, active=True)
    assert dispatcher.deliver_due() == 1
    assert only_delivery(hub, ep).delivery.status == "succeeded"


def test_two_dispatchers_never_send_a_delivery_twice(
    hub: Hub, clock: Clock, receiver: Receiver, make_dispatcher: MakeDispatcher
) -> None:
    endpoint(hub, receiver.url())
    events = [envelope(clock) for _ in range(40)]
    assert webhooks.enqueue_deliveries(hub.uow, events, clock.now) == 40
    workers = [make_dispatcher(), make_dispatcher()]
    barrier = threading.Barrier(len(workers))
    sent: list[int] = []

    def work(d: WebhookDispatcher) -> None:
        barrier.wait()
        sent.append(d.drain(limit=5))

    threads = [threading.Thread(target=work, args=(d,)) for d in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sum(sent) == 40
    ids = Counter(r.headers["webhook-id"] for r in receiver.received())
    assert len(ids) == 40 and set(ids.values()) == {1}


def test_background_loop_delivers_when_notified(
    hub: Hub, clock: Clock, receiver: Receiver, make_dispatcher: MakeDispatcher
) -> None:
    dispatcher = make_dispatcher()
    dispatcher.start(poll_seconds=30)
    ep, _ = one_pending(hub, clock, receiver)
    received = threading.Event()
    for _ in range(200):
        dispatcher.notify()
        if receiver.received():
            received.set()
            break
        received.wait(0.01)
    dispatcher.stop()
    assert received.is_set()
    assert only_delivery(hub, ep).delivery.status == "succeeded"


# ----- crashes and leases ------------------------------------------------------------------------
class Crash(BaseException):
    """The process dies (kill -9 stands in) while a delivery is in flight."""


class CrashAfterSending(WebhookSender):
    """The receiver gets the POST, then the process dies before it records the outcome."""

    def send(self, url: str, body: bytes, headers: dict[str, str]) -> SendResult:
        super().send(url, body, headers)
        raise Crash


def test_a_crashed_dispatchers_delivery_goes_out_again_within_seconds_exactly_once_more(
    hub: Hub, clock: Clock, receiver: Receiver, make_dispatcher: MakeDispatcher
) -> None:
    ep, env = one_pending(hub, clock, receiver)
    settings = hub.settings.model_copy(update={"webhook_timeout_seconds": 2.0})
    crashed = WebhookDispatcher(
        hub.uow, settings, hub.clock, CrashAfterSending(settings, trust_env=False)
    )
    with pytest.raises(Crash):
        crashed.deliver_due()
    assert len(receiver.received()) == 1  # it went out; its outcome was never recorded
    crashed.sender.close()

    restarted = make_dispatcher()
    assert restarted.deliver_due() == 0  # leased: the first dispatcher may still be sending
    clock.now += timedelta(seconds=11)  # a restart takes seconds; the lease is 10 s
    assert restarted.deliver_due() == 1
    clock.now += timedelta(days=1)
    assert restarted.deliver_due() == 0  # exactly once more

    ids = [r.headers["webhook-id"] for r in receiver.received()]
    assert ids == [env.id, env.id]  # at least once, with a stable id to de-duplicate by
    log = only_delivery(hub, ep)
    assert log.delivery.status == "succeeded" and log.delivery.attempts == 1
    assert [a.outcome for a in log.attempts] == ["succeeded"]


def test_a_lease_is_renewed_while_the_request_is_in_flight(
    hub: Hub, clock: Clock, receiver: Receiver
) -> None:
    """A receiver slower than the lease: the sending dispatcher's heartbeat keeps the lease,
    so a second dispatcher (its own connections) does not send the delivery again."""
    ep, env = one_pending(hub, clock, receiver)
    receiver.script("/hook", Sleep(30.0))
    release = threading.Event()
    settings = hub.settings.model_copy(update={"webhook_timeout_seconds": 60.0})

    def dispatcher(sender: WebhookSender) -> WebhookDispatcher:
        return WebhookDispatcher(hub.uow, settings, hub.clock, sender, lease_seconds=1.0)

    slow = dispatcher(WebhookSender(settings, trust_env=False))
    other = dispatcher(WebhookSender(settings, trust_env=False))
    sent: list[int] = []
    worker = threading.Thread(target=lambda: sent.append(slow.deliver_due()))
    worker.start()
    try:
        for _ in range(500):
            if receiver.received():
                break
            release.wait(0.01)
        assert len(receiver.received()) == 1
        for _ in range(3):  # three lease lengths go by on the clock, with renewals between
            clock.now += timedelta(seconds=1)
            assert _lease_passes(hub, ep, clock), "the lease was not renewed"
            assert other.deliver_due() == 0
    finally:
        receiver.close()  # wakes the sleeping receiver, which answers at once
        worker.join(timeout=30)
        slow.close()
        other.close()
    assert sent == [1]
    assert [r.headers["webhook-id"] for r in receiver.received()] == [env.id]
    assert only_delivery(hub, ep).delivery.attempts == 1


def _lease_passes(hub: Hub, ep: WebhookEndpoint, clock: Clock) -> bool:
    """Wait (real time) until the delivery's lease reaches past the clock's now."""
    for _ in range(300):
        [d] = webhooks.list_deliveries(hub.read_uow, ep.tenant_id, ep.id).items
        if d.next_attempt_at is not None and d.next_attempt_at > clock.now:
            return True
        threading.Event().wait(0.01)
    return False


# ----- service validation ----------------------------------------------------------------------
def test_service_validation(hub: Hub, clock: Clock) -> None:
    with pytest.raises(InvalidInput) as info:
        webhooks.create_endpoint(
            hub.uow,
            "default",
            "https://" + "x" * 2000,
            clock.now,
            event_types=["OrderCreated", "Nope"],
            secret="whsec_tooshort",
        )
    locs = sorted(e.loc for e in info.value.errors)
    assert locs == ["event_types.1", "secret", "url"]
    for url in ("https://ok.example/h", "http://127.0.0.1:8080/x?y=1"):
        assert webhooks.validate_url(url) == []
    for url in ("", "ftp://x", "not a url", "https://", "http://host:99999/", "mailto:a@b"):
        assert webhooks.validate_url(url), url
    given = generate_secret()
    ep = webhooks.create_endpoint(hub.uow, "default", "https://a.example", clock.now, secret=given)
    assert ep.secret == given
    rotated = webhooks.rotate_secret(hub.uow, "default", ep.id, clock.now)
    assert rotated.secret != given and is_valid_secret(rotated.secret)
    with pytest.raises(NotFound):
        webhooks.get_endpoint(hub.read_uow, "other-tenant", ep.id)


# ----- API ---------------------------------------------------------------------------------------
def test_api_manages_endpoints_and_never_leaks_the_secret(client: TestClient) -> None:
    r = client.post(
        "/v1/webhooks",
        json={
            "url": "https://example.com/hooks",
            "event_types": ["OrderCreated"],
            "description": "ERP",
        },
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["secret"].startswith("whsec_") and is_valid_secret(created["secret"])
    wid = created["id"]

    r = client.get(f"/v1/webhooks/{wid}")
    assert r.status_code == 200 and "secret" not in r.json()
    assert r.json()["event_types"] == ["OrderCreated"]
    listed = client.get("/v1/webhooks").json()
    assert [e["id"] for e in listed] == [wid] and "secret" not in listed[0]

    r = client.patch(f"/v1/webhooks/{wid}", json={"event_types": [], "active": False})
    assert r.status_code == 200, r.text
    assert r.json()["event_types"] == [] and r.json()["active"] is False
    assert r.json()["url"] == "https://example.com/hooks" and "secret" not in r.json()

    r = client.post(f"/v1/webhooks/{wid}/rotate-secret")
    assert r.status_code == 200 and r.json()["secret"] != created["secret"]

    assert client.delete(f"/v1/webhooks/{wid}").status_code == 204
    assert client.get(f"/v1/webhooks/{wid}").status_code == 404


@pytest.mark.parametrize("url", ["ftp://x", "not a url", "http://", "https://" + "a" * 2000])
def test_api_rejects_bad_urls_with_field_errors(client: TestClient, url: str) -> None:
    r = client.post("/v1/webhooks", json={"url": url})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    assert [e["field"] for e in r.json()["errors"]] == ["url"]


def test_api_rejects_unknown_event_types_naming_the_valid_ones(client: TestClient) -> None:
    r = client.post(
        "/v1/webhooks",
        json={"url": "https://example.com/h", "event_types": ["OrderCreated", "OrderTeleported"]},
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    [error] = r.json()["errors"]
    assert error["field"] == "event_types.1"
    assert "OrderTeleported" in error["message"] and "OrderCancelled" in error["message"]
    wid = client.post("/v1/webhooks", json={"url": "https://example.com/h"}).json()["id"]
    r = client.patch(f"/v1/webhooks/{wid}", json={"url": "gopher://x", "event_types": ["X"]})
    assert r.status_code == 422
    assert sorted(e["field"] for e in r.json()["errors"]) == ["event_types.0", "url"]


def test_api_answers_404_for_unknown_ids(client: TestClient) -> None:
    for method, path in (
        ("GET", "/v1/webhooks/whe_missing"),
        ("PATCH", "/v1/webhooks/whe_missing"),
        ("DELETE", "/v1/webhooks/whe_missing"),
        ("GET", "/v1/webhooks/whe_missing/deliveries"),
        ("POST", "/v1/webhooks/whe_missing/replay-dead"),
        ("POST", "/v1/webhooks/whe_missing/rotate-secret"),
        ("GET", "/v1/webhooks/deliveries/whd_missing"),
        ("POST", "/v1/webhooks/deliveries/whd_missing/replay"),
    ):
        body: dict[str, Any] | None = {} if method == "PATCH" else None
        r = client.request(method, path, json=body)
        assert r.status_code == 404, (method, path, r.text)
        assert r.headers["content-type"].startswith(PROBLEM)
    r = client.get("/v1/webhooks", headers={"X-Tenant-ID": "nobody"})
    assert r.status_code == 200  # the header is ignored: the tenant is the credential's


def test_api_delivery_log_dead_letters_and_replay(
    hub: Hub,
    clock: Clock,
    client: TestClient,
    receiver: Receiver,
    make_dispatcher: MakeDispatcher,
) -> None:
    r = client.post("/v1/webhooks", json={"url": receiver.url()})
    wid, secret = r.json()["id"], r.json()["secret"]
    receiver.script("/hook", 500, 404, 200, 200)
    events = [envelope(clock) for _ in range(3)]
    webhooks.enqueue_deliveries(hub.uow, events, clock.now)
    dispatcher = make_dispatcher()
    dispatcher.deliver_due(limit=1)  # 500: retry
    dispatcher.deliver_due(limit=1)  # 404: dead
    dispatcher.deliver_due(limit=1)  # 200: succeeded

    r = client.get(f"/v1/webhooks/{wid}/deliveries", params={"limit": 2})
    assert r.status_code == 200, r.text
    page = r.json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    assert "payload" not in page["items"][0]
    rest = client.get(
        f"/v1/webhooks/{wid}/deliveries", params={"limit": 2, "cursor": page["next_cursor"]}
    ).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    every = page["items"] + rest["items"]
    assert sorted(d["status"] for d in every) == ["dead", "pending", "succeeded"]
    assert len({d["id"] for d in every}) == 3

    dead = client.get(f"/v1/webhooks/{wid}/deliveries", params={"status": "dead"}).json()
    [dead_item] = dead["items"]
    assert client.get("/v1/webhooks/dead-letters").json()["items"] == [dead_item]
    r = client.get(f"/v1/webhooks/{wid}/deliveries", params={"status": "lost"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "status"

    r = client.get(f"/v1/webhooks/deliveries/{dead_item['id']}")
    assert r.status_code == 200, r.text
    detail = r.json()
    assert detail["payload"]["type"] == "io.orderhub.OrderCreated"
    assert [(a["attempt"], a["outcome"], a["status_code"]) for a in detail["log"]] == [
        (1, "dead", 404)
    ]

    r = client.post(f"/v1/webhooks/deliveries/{dead_item['id']}/replay")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "pending" and r.json()["attempts"] == 0
    r = client.post(f"/v1/webhooks/deliveries/{dead_item['id']}/replay")
    assert r.status_code == 409 and r.headers["content-type"].startswith(PROBLEM)
    assert client.post(f"/v1/webhooks/{wid}/replay-dead").json() == {"replayed": 0}

    clock.now += timedelta(hours=1)
    assert dispatcher.deliver_due() == 2  # the replayed one and the retry
    statuses = {d["status"] for d in client.get(f"/v1/webhooks/{wid}/deliveries").json()["items"]}
    assert statuses == {"succeeded"}
    for req in receiver.received():  # each checked as of when it arrived
        verify(secret, req.headers, req.body, now=int(req.headers["webhook-timestamp"]))

    # An endpoint with deliveries is deactivated by DELETE, its log kept.
    assert client.delete(f"/v1/webhooks/{wid}").status_code == 204
    assert client.get(f"/v1/webhooks/{wid}").json()["active"] is False
    assert len(client.get(f"/v1/webhooks/{wid}/deliveries").json()["items"]) == 3


def test_api_hides_other_tenants_webhooks(hub: Hub, clock: Clock, client: TestClient) -> None:
    catalog.ensure_tenant(hub.uow, "acme", "Acme", clock.now)
    wid = client.post("/v1/webhooks", json={"url": "https://example.com/h"}).json()["id"]
    acme = auth_headers(hub, tenant="acme")
    assert client.get("/v1/webhooks", headers=acme).json() == []
    assert client.get(f"/v1/webhooks/{wid}", headers=acme).status_code == 404
    assert client.delete(f"/v1/webhooks/{wid}", headers=acme).status_code == 404
    payload = orjson.loads(client.get(f"/v1/webhooks/{wid}").content)
    assert payload["id"] == wid
