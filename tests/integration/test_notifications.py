"""Customer notifications (issue 19 item 1) on SQLite and PostgreSQL: an order's lifecycle
makes each expected message once (a redelivered event makes none), quiet hours defer,
opt-outs suppress, an unknown placeholder is refused when saved, a failing provider is
retried with back-off and then dead-lettered without blocking the order or the other
messages, SMTP end to end against a local SMTP server, the signed-webhook provider, and
personal data only as ciphertext and masks at rest."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from orderhub.adapters.bus.envelope import Envelope
from orderhub.adapters.carriers.tracking_signing import HEADER, sign
from orderhub.adapters.db.tables import notification_messages
from orderhub.adapters.notify.senders import SimulatorSender
from orderhub.adapters.webhooks.signing import generate_secret, verify
from orderhub.bootstrap import Hub, make_notification_senders
from orderhub.domain.errors import InvalidInput
from orderhub.domain.ids import new_id
from orderhub.domain.inventory import Channel
from orderhub.services import catalog
from orderhub.services.events.consumers import DurableConsumer
from orderhub.services.notifications import admin, views
from orderhub.services.notifications.dispatcher import NotificationDispatcher
from orderhub.services.notifications.enqueue import enqueue
from tests.api import api_client
from tests.conftest import Clock
from tests.factories import ADDRESS_JSON, seed_network
from tests.smtp_sink import SmtpSink
from tests.webhook_receiver import Receiver

CUSTOMER = {"ref": "c-1", "name": "韩梅梅", "email": "meimei@example.com",
            "phone": "13900139000"}


# ----- helpers ----------------------------------------------------------------------------------
def simulators(**fail: Any) -> dict[str, Any]:
    return {m: SimulatorSender(m, fail=fail.get(m, 0)) for m in ("email", "sms", "wechat")}


def consumer_of(hub: Hub) -> DurableConsumer:
    return next(c for c in hub.consumers if c.name == "notifications")


def catch_up(hub: Hub) -> None:
    """What the background does: publish, let the consumer read, send what is due."""
    hub.relay.drain()
    consumer = consumer_of(hub)
    while consumer.process_once(wait=0):
        pass
    assert hub._notifier is not None
    hub._notifier.drain()


def start(hub: Hub, senders: dict[str, Any] | None = None, **settings: Any
          ) -> NotificationDispatcher:
    if settings:
        hub.settings = hub.settings.model_copy(update=settings)
    notifier = hub.enable_notifications(senders if senders is not None else simulators())
    catch_up(hub)  # the consumer starts at the log's end, as a new deployment does
    return notifier


def post_order(client: TestClient, ext: str, customer: dict[str, str] | None = None,
               **extra: Any) -> str:
    r = client.post("/v1/orders", json={
        "external_id": ext, "channel": extra.pop("channel", "web"), "currency": "CNY",
        "shipping_address": ADDRESS_JSON, "customer": customer or CUSTOMER,
        "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}], **extra})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def ship(client: TestClient, oid: str) -> dict[str, Any]:
    for step in ("release", "pick", "pack", "ship"):
        r = client.post(f"/v1/orders/{oid}/{step}", json={} if step == "ship" else None)
        assert r.status_code == 200, (step, r.text)
    [s] = client.get(f"/v1/orders/{oid}").json()["shipments"]
    return dict(s)


def push(client: TestClient, carrier: str, waybill: str, kinds: list[str]) -> None:
    r = client.put(f"/v1/carriers/{carrier}/tracking/secret", json={"generate": True})
    secret = r.json()["secret"]
    items = [{"event_id": f"{waybill}-{k}", "waybill": waybill, "kind": k,
              "at": f"2026-11-25T{10 + i:02d}:00:00+08:00"} for i, k in enumerate(kinds)]
    body = json.dumps(items).encode()
    r = client.post(f"/v1/carriers/{carrier}/tracking", content=body,
                    headers={"Content-Type": "application/json", HEADER: sign(secret, body)})
    assert r.status_code == 200, r.text


def log_of(hub: Hub, oid: str) -> list[dict[str, Any]]:
    return views.order_log(hub.read_uow, "default", oid)


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    seed_network(hub)
    with api_client(hub) as c:
        yield c


# ----- the lifecycle ----------------------------------------------------------------------------
def test_lifecycle_sends_each_message_once_and_redelivery_sends_nothing(
        hub: Hub, client: TestClient, clock: Clock) -> None:
    senders = simulators()
    start(hub, senders)
    oid = post_order(client, "N-1")
    s = ship(client, oid)
    push(client, s["carrier_service"].split(":")[0], s["waybill"],
         ["picked_up", "out_for_delivery", "delivered"])
    catch_up(hub)
    # The returns events are not on main yet: a synthetic one, by its expected name.
    refund = Envelope(new_id("evt"), "RefundCompleted", "default", oid, 99, clock.now,
                      {"amount": "10.00", "currency": "CNY"}, recorded=clock.now)
    assert enqueue(hub.uow, [refund], clock.now, hub.notification_links) == 2
    hub._notifier.drain()  # type: ignore[union-attr]

    expected = ["OrderCreated", "OrderAllocated", "ShipmentDispatched",
                "ShipmentCheckpointRecorded.out_for_delivery", "ShipmentDelivered",
                "RefundCompleted"]
    log = log_of(hub, oid)
    for medium in ("email", "sms"):
        mine = [m for m in log if m["medium"] == medium]
        assert [m["event_type"] for m in mine] == expected
        assert {m["status"] for m in mine} == {"sent"}
        assert all([e["state"] for e in m["log"]] == ["queued", "sent"] for m in mine)
    email_bodies = [r.message.body for r in senders["email"].sent]
    assert len(email_bodies) == 6 and len(senders["sms"].sent) == 6
    assert senders["email"].sent[0].message.to == CUSTOMER["email"]
    assert senders["sms"].sent[0].message.to == CUSTOMER["phone"]
    # Chinese for a mainland address; placeholders filled; the unsubscribe link in email
    shipped = senders["sms"].sent[2].message
    assert shipped.body.startswith("您的订单 N-1 已由") and s["waybill"] in shipped.body
    assert f"/track/{oid}" in shipped.body
    assert "退订 / Unsubscribe: http://127.0.0.1:8000/v1/notifications/unsubscribe/" in \
        email_bodies[0]
    assert senders["email"].sent[0].message.headers["List-Unsubscribe"].startswith("<http")
    assert "10.00 CNY" in senders["sms"].sent[5].message.body
    assert senders["email"].sent[0].message.body.startswith("韩*，您好")

    # redelivery (a replay of the whole log, and the same synthetic event again)
    consumer_of(hub).replay(datetime(2000, 1, 1, tzinfo=UTC))
    catch_up(hub)
    assert enqueue(hub.uow, [refund], clock.now, hub.notification_links) == 0
    hub._notifier.drain()  # type: ignore[union-attr]
    assert len(senders["email"].sent) == 6 and len(senders["sms"].sent) == 6
    assert len(log_of(hub, oid)) == 12

    # at rest: the recipient is ciphertext, the log shows only masks
    with hub.read_uow() as uow:
        stored = uow.conn.execute(select(notification_messages.c.recipient,
                                         notification_messages.c.recipient_masked)).all()
    assert all(CUSTOMER["phone"] not in r and CUSTOMER["email"] not in r for r, _ in stored)
    assert {m for _, m in stored} == {"m***@example.com", "*******9000"}


def test_tenant_template_and_english_and_wechat(hub: Hub, client: TestClient,
                                                clock: Clock) -> None:
    senders = simulators()
    start(hub, senders)
    admin.change_settings(hub.uow, "default", media=["sms", "wechat"], language="en",
                          now=clock.now, actor="t")
    catalog.add_channels(hub.uow, [Channel("default", "wechat_shop", "WeChat shop")])
    admin.set_template(hub.uow, "default", event="OrderCreated", channel="wechat_shop",
                       language="en", medium="sms", subject="",
                       body="Thanks {{ buyer_name }}! Order {{ external_id }} ({{ status }}).",
                       urgent=False, enabled=True, now=clock.now, actor="t")
    admin.set_template(hub.uow, "default", event="OrderAllocated", channel="default",
                       language="en", medium="*", subject="", body="x", urgent=False,
                       enabled=False, now=clock.now, actor="t")
    oid = post_order(client, "N-2", customer={**CUSTOMER, "ref": "oX12abc"},
                     channel="wechat_shop")
    catch_up(hub)
    sms = [r.message.body for r in senders["sms"].sent]
    assert sms == ["Thanks 韩*! Order N-2 (created)."]  # OrderAllocated switched off
    [wechat] = senders["wechat"].sent
    assert wechat.message.to == "oX12abc"
    assert wechat.message.body.startswith("Hi 韩*, your order N-2 is confirmed")
    assert [m["recipient_masked"] for m in log_of(hub, oid)] == ["*******9000", "oX12***"]


# ----- rules ------------------------------------------------------------------------------------
def test_quiet_hours_defer_until_they_end_and_urgent_goes_now(
        hub: Hub, client: TestClient, clock: Clock) -> None:
    senders = simulators()
    start(hub, senders)
    admin.change_settings(hub.uow, "default", quiet_hours="22:00-08:00",
                          timezone="Asia/Shanghai", now=clock.now, actor="t")
    clock.now = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    oid = post_order(client, "N-3")
    catch_up(hub)
    assert senders["sms"].sent == []
    log = log_of(hub, oid)
    assert {m["status"] for m in log} == {"deferred"}
    assert all("quiet hours until 2026-11-25T00:00:00+00:00" in m["reason"] for m in log)
    # out for delivery is urgent: sent at once even at night
    s = ship(client, oid)
    push(client, s["carrier_service"].split(":")[0], s["waybill"], ["out_for_delivery"])
    catch_up(hub)
    assert [r.message.body[:5] for r in senders["sms"].sent] == ["您的包裹（"]
    clock.now = datetime(2026, 11, 25, 0, 0, 1, tzinfo=UTC)  # 08:00:01 in Shanghai
    hub._notifier.drain()  # type: ignore[union-attr]
    statuses = {m["event_type"]: m["status"] for m in log_of(hub, oid) if m["medium"] == "sms"}
    assert statuses["OrderCreated"] == statuses["OrderAllocated"] == "sent"
    assert len(senders["sms"].sent) == 4  # created, allocated, dispatched (deferred) + urgent


def test_opt_out_by_customer_by_address_and_by_the_email_link(
        hub: Hub, client: TestClient, clock: Clock) -> None:
    senders = simulators()
    start(hub, senders)
    admin.add_optout(hub.uow, "default", customer="c-1", medium="sms", now=clock.now,
                     actor="t", source="cli")
    oid = post_order(client, "N-4")
    catch_up(hub)
    log = log_of(hub, oid)
    assert {(m["medium"], m["status"], m["reason"]) for m in log} == {
        ("sms", "suppressed", "opted_out"), ("email", "sent", "")}
    assert all([e["state"] for e in m["log"]] == ["suppressed"] for m in log
               if m["medium"] == "sms")
    assert senders["sms"].sent == []
    # the link in the email opts this address out of email
    link = senders["email"].sent[0].message.headers["List-Unsubscribe"].strip("<>")
    token = link.rsplit("/", 1)[1]
    r = client.get(f"/v1/notifications/unsubscribe/{token}", headers={"Authorization": ""})
    assert r.status_code == 200, r.text
    assert r.json() == {"who": "m***@example.com", "medium": "email", "opted_out": True}
    oid2 = post_order(client, "N-5", customer={**CUSTOMER, "ref": "c-2"})
    catch_up(hub)
    assert {(m["medium"], m["status"]) for m in log_of(hub, oid2)} == {
        ("email", "suppressed"), ("sms", "sent")}
    assert client.get("/v1/notifications/unsubscribe/not-a-real-token-at-all").status_code \
        == 404
    # opting back in (by the same address)
    admin.remove_optout(hub.uow, "default", email=CUSTOMER["email"], medium="email",
                        now=clock.now, actor="t")
    oid3 = post_order(client, "N-6", customer={**CUSTOMER, "ref": "c-3"})
    catch_up(hub)
    assert {m["status"] for m in log_of(hub, oid3)} == {"sent"}


def test_unknown_placeholder_is_refused_when_saved(hub: Hub, clock: Clock) -> None:
    with pytest.raises(InvalidInput) as caught:
        admin.set_template(hub.uow, "default", event="OrderCreated", channel="default",
                           language="zh", medium="*", subject="{{ order_no }}",
                           body="运单 {{ parcel_number }} {{ waybill }}", urgent=False,
                           enabled=True, now=clock.now, actor="t")
    errors = {e.loc: e.message for e in caught.value.errors}
    assert "order_no" in errors["subject"] and "parcel_number" in errors["body"]
    assert "waybill" not in errors["body"].split(";")[0]
    with pytest.raises(InvalidInput):  # the sandbox's syntax check too
        admin.set_template(hub.uow, "default", event="OrderCreated", channel="default",
                           language="zh", medium="*", subject="", body="{% if %}",
                           urgent=False, enabled=True, now=clock.now, actor="t")
    assert all(t["source"] == "default" for t in admin.list_templates(hub.read_uow, "default"))


# ----- failures -----------------------------------------------------------------------------------
def test_failing_provider_is_retried_with_backoff_then_dead_lettered_never_blocking(
        hub: Hub, client: TestClient, clock: Clock) -> None:
    senders = simulators(email="always")
    start(hub, senders, notify_max_attempts=3, notify_backoff_seconds=10.0)
    oid = post_order(client, "N-7")
    catch_up(hub)
    assert len(senders["sms"].sent) == 2  # SMS not blocked by the failing email provider
    emails = [m for m in log_of(hub, oid) if m["medium"] == "email"]
    assert {m["status"] for m in emails} == {"failed"}
    assert all(m["next_attempt_at"] == clock.now + timedelta(seconds=10) for m in emails)
    notifier = hub._notifier
    assert notifier is not None
    assert notifier.drain() == 0  # not due before the back-off
    clock.now += timedelta(seconds=10)
    assert notifier.drain() == 2
    assert {m["next_attempt_at"] for m in log_of(hub, oid) if m["medium"] == "email"} == {
        clock.now + timedelta(seconds=20)}  # doubled
    clock.now += timedelta(seconds=20)
    notifier.drain()
    emails = [m for m in log_of(hub, oid) if m["medium"] == "email"]
    assert {(m["status"], m["attempts"]) for m in emails} == {("dead_lettered", 3)}
    assert [e["state"] for e in emails[0]["log"]] == ["queued", "failed", "failed",
                                                      "dead_lettered"]
    assert "simulated provider failure" in emails[0]["log"][-1]["detail"]
    # the order went on regardless, and new orders are taken and notified by SMS
    assert client.get(f"/v1/orders/{oid}").json()["status"] == "allocated"
    oid2 = post_order(client, "N-8")
    catch_up(hub)
    assert {m["status"] for m in log_of(hub, oid2) if m["medium"] == "sms"} == {"sent"}


def test_permanent_refusal_is_dead_lettered_at_once(hub: Hub, client: TestClient) -> None:
    senders = simulators(sms="permanent")
    start(hub, senders)
    oid = post_order(client, "N-9")
    catch_up(hub)
    sms = [m for m in log_of(hub, oid) if m["medium"] == "sms"]
    assert {(m["status"], m["attempts"]) for m in sms} == {("dead_lettered", 1)}


def test_smtp_end_to_end(hub: Hub, client: TestClient) -> None:
    with SmtpSink() as sink:
        settings = hub.settings.model_copy(update={
            "notify_email_provider": "smtp", "notify_smtp_port": sink.port,
            "notify_smtp_from": "shop@example.com"})
        senders = make_notification_senders(settings)
        start(hub, senders, notify_max_attempts=2)
        oid = post_order(client, "N-10")
        catch_up(hub)
        assert len(sink.messages) == 2
        # sent in parallel: in no particular order
        first = next(m for m in sink.messages if "订单已确认" in m.message["Subject"])
        assert first.rcpt_to == [CUSTOMER["email"]] and first.mail_from == "shop@example.com"
        mail = first.message
        assert mail["Subject"] == "订单已确认 N-10"
        assert mail["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/v1/notifications/")
        assert "您的订单 N-10 已确认" in mail.get_content()
        # a refused recipient: dead at once; a temporary answer: retried
        sink.set_rcpt_answer("550 no such mailbox")
        oid2 = post_order(client, "N-11", customer={**CUSTOMER, "ref": "c-9",
                                                     "email": "gone@example.com"})
        catch_up(hub)
        email = [m for m in log_of(hub, oid2) if m["medium"] == "email"]
        assert {m["status"] for m in email} == {"dead_lettered"}
        assert "refused the recipient" in email[0]["reason"]
        assert "gone@example.com" not in json.dumps(email, default=str)
        sink.set_rcpt_answer("451 try later")
        oid3 = post_order(client, "N-12", customer={**CUSTOMER, "ref": "c-10"})
        catch_up(hub)
        assert {m["status"] for m in log_of(hub, oid3) if m["medium"] == "email"} == {"failed"}
        assert {m["status"] for m in log_of(hub, oid) if m["medium"] == "email"} == {"sent"}


def test_webhook_provider_posts_signed_json(hub: Hub, client: TestClient, clock: Clock) -> None:
    receiver = Receiver()
    try:
        secret = generate_secret()
        settings = hub.settings.model_copy(update={
            "notify_sms_provider": "webhook", "notify_webhook_url": receiver.url("/sms"),
            "notify_webhook_secret": secret})
        senders = make_notification_senders(settings)
        start(hub, senders)
        oid = post_order(client, "N-13")
        catch_up(hub)
        got = receiver.received("/sms")
        assert len(got) == 2
        doc = got[0].json()
        assert doc["to"] == CUSTOMER["phone"] and doc["medium"] == "sms"
        assert doc["order_id"] == oid and "N-13" in doc["body"]
        verify(secret, got[0].headers, got[0].body, now=datetime.now(UTC))
        assert got[0].headers["webhook-id"] == doc["id"]
    finally:
        receiver.close()


def test_two_dispatchers_never_send_a_message_twice(hub: Hub, client: TestClient,
                                                    clock: Clock) -> None:
    """Two dispatchers (own connections, own threads) drain the same queue: each message
    is claimed by one (SKIP LOCKED on PostgreSQL, the write lock on SQLite)."""
    import threading

    start(hub, simulators())
    for i in range(15):
        post_order(client, f"RACE-{i}")
    hub.relay.drain()
    consumer = consumer_of(hub)
    while consumer.process_once(wait=0):
        pass
    sims = [simulators(), simulators()]
    dispatchers = [NotificationDispatcher(hub.uow, s, hub.clock, batch_size=7, concurrency=2)
                   for s in sims]
    barrier = threading.Barrier(2)

    def run(d: NotificationDispatcher) -> None:
        barrier.wait()
        d.drain()

    threads = [threading.Thread(target=run, args=(d,)) for d in dispatchers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    ids = [r.message.id for s in sims for sender in s.values() for r in sender.sent]
    assert len(ids) == 60 and len(set(ids)) == 60  # 15 orders x 2 events x 2 media
    with hub.read_uow() as uow:
        assert uow.notifications.counts("default") == {"sent": 60}
    for d in dispatchers:
        d.close()


def test_the_twins_at_risk_signal_tells_the_buyer_of_a_delay(
        hub: Hub, client: TestClient, clock: Clock) -> None:
    senders = simulators()
    start(hub, senders)
    oid = post_order(client, "N-RISK")
    catch_up(hub)
    at_risk = Envelope(new_id("evt"), "OrderAtRisk", "default", oid, 9, clock.now,
                       {"alert_id": "alr_1", "risk": 0.8, "health": 30,
                        "promise_at": "2026-11-26T10:00:00+00:00", "team": "ops"},
                       recorded=clock.now)
    assert enqueue(hub.uow, [at_risk, at_risk], clock.now, hub.notification_links) == 2
    hub._notifier.drain()  # type: ignore[union-attr]
    bodies = [r.message.body for r in senders["sms"].sent]
    assert bodies[-1] == "抱歉，您的订单 N-RISK 可能晚于 2026-11-26 送达，我们正在处理。"
