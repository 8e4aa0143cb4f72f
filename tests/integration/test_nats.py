"""NATS JetStream: publication with de-duplication, durable consumers, and an outage of a
private nats-server that the test starts and kills (never the shared one)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from orderhub.adapters.bus.envelope import Envelope
from orderhub.adapters.db.outbox_repository import OutboxRepository
from orderhub.bootstrap import Hub, bootstrap
from orderhub.config import Settings
from orderhub.services.intake.submit import submit_orders
from tests.api import api_client, platform_headers
from tests.conftest import Clock, PrivateNats
from tests.factories import ADDRESS_JSON, T, draft, seed_network


def nats_hub(database_url: str, nats_url: str, clock: Clock, **kw: object) -> Hub:
    suffix = uuid.uuid4().hex[:8]
    settings = Settings(database_url=database_url, nats_url=nats_url,
                        nats_stream=f"T{suffix.upper()}", nats_subject_prefix=f"t{suffix}",
                        **kw)  # type: ignore[arg-type]
    return bootstrap(settings, clock=clock)


@pytest.fixture
def private_hub(database_url: str, private_nats: PrivateNats, clock: Clock) -> Iterator[Hub]:
    hub = nats_hub(database_url, private_nats.url, clock, nats_timeout_seconds=1.0)
    yield hub
    hub.close()


def submit(hub: Hub, *drafts: object) -> list[str]:
    results = submit_orders(hub.uow, T, list(drafts), strategy=hub.strategy,  # type: ignore[arg-type]
                            now=hub.clock(), actor="test", presale_lock=hub.presale_lock)
    return [r.order_id for r in results if r.order_id]


def stream_messages(hub: Hub) -> int:
    assert hub.nats is not None

    async def count() -> int:
        js = await hub.nats.js()  # type: ignore[union-attr]
        info = await js.stream_info(hub.nats.stream)  # type: ignore[union-attr]
        return int(info.state.messages)

    return hub.nats.run(count())


def consume_all(hub: Hub, name: str, types: Sequence[str] | None = None) -> list[Envelope]:
    got: list[Envelope] = []
    consumer = hub.consumer(name, got.extend, types)
    while consumer.process_once(wait=0.5):
        pass
    return got


def test_events_reach_jetstream_in_order_per_order(shared_nats_url: str, database_url: str,
                                                   clock: Clock) -> None:
    hub = nats_hub(database_url, shared_nats_url, clock)
    try:
        seed_network(hub, {("A", "SH"): 100})
        consumer_got: list[Envelope] = []
        consumer = hub.consumer("orders-view", consumer_got.extend)
        consumer.process_once(wait=0.2)  # creates the durable consumer before publishing
        submit(hub, *[draft(f"N-{i}") for i in range(25)])
        published = hub.relay.drain()
        assert stream_messages(hub) == published
        while consumer.process_once(wait=0.5):
            pass
        by_order: dict[str, list[int]] = {}
        for e in consumer_got:
            if e.order_id:
                by_order.setdefault(e.order_id, []).append(e.sequence)
        assert len(by_order) == 25 and all(s == [1, 2, 3, 4] for s in by_order.values())
        assert consumer.source.pending() == 0
    finally:
        delete_stream(hub)
        hub.close()


def delete_stream(hub: Hub) -> None:
    """Leave the shared server as we found it."""
    assert hub.nats is not None

    async def delete() -> None:
        js = await hub.nats.js()  # type: ignore[union-attr]
        await js.delete_stream(hub.nats.stream)  # type: ignore[union-attr]

    hub.nats.run(delete())


def test_crash_between_publish_and_commit_loses_nothing_and_duplicates_are_dropped(
        private_hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    hub = private_hub
    seed_network(hub)
    submit(hub, draft("C-1"), draft("C-2"))
    real = OutboxRepository.mark_published

    def crash(self: OutboxRepository, *a: object, **k: object) -> None:
        raise RuntimeError("relay died after NATS acknowledged, before its commit")

    monkeypatch.setattr(OutboxRepository, "mark_published", crash)
    with pytest.raises(RuntimeError):
        hub.relay.drain()
    sent_once = stream_messages(hub)
    assert sent_once == 12  # 4 stock receipts + 2 x 4 order events reached the stream
    with hub.engine.connect() as conn:
        assert OutboxRepository(conn).backlog() == 12  # but nothing counts as published
    monkeypatch.setattr(OutboxRepository, "mark_published", real)
    assert hub.relay.drain() == 12  # the restarted relay sends them again ...
    assert stream_messages(hub) == 12  # ... and JetStream drops the duplicates by id
    got = consume_all(hub, "after-crash")
    assert got == []  # a new durable consumer starts at new events by default


def test_outage_backlog_grows_then_drains(private_hub: Hub, private_nats: PrivateNats) -> None:
    hub = private_hub
    with api_client(hub) as client:
        seed_network(hub, {("A", "SH"): 100})
        hub.relay.drain()
        got: list[Envelope] = []
        consumer = hub.consumer("billing", got.extend, types=["OrderCreated"])
        consumer.process_once(wait=0.2)
        private_nats.kill()
        for i in range(5):
            r = client.post("/v1/orders", json={
                "external_id": f"OUT-{i}", "channel": "web", "currency": "CNY",
                "shipping_address": ADDRESS_JSON,
                "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]})
            assert r.status_code == 201, r.text  # intake does not depend on the bus
        with pytest.raises(Exception, match="NATS"):
            hub.relay.drain()
        metrics = client.get("/metrics", headers=platform_headers(hub)).text
        assert "orderhub_outbox_backlog 20.0" in metrics
        private_nats.start()  # same port, same JetStream store
        assert hub.relay.drain() == 20
        metrics = client.get("/metrics", headers=platform_headers(hub)).text
        assert "orderhub_outbox_backlog 0.0" in metrics
        while consumer.process_once(wait=0.5):
            pass
        assert sorted(e.data["external_id"] for e in got) == [f"OUT-{i}" for i in range(5)]


def test_consumer_replay_from_jetstream(private_hub: Hub, clock: Clock,
                                        tmp_path: Path) -> None:
    hub = private_hub
    seed_network(hub)
    got: list[str] = []
    consumer = hub.consumer("replay-me", lambda b: got.extend(e.id for e in b),
                            types=["OrderCreated"])
    consumer.process_once(wait=0.2)
    submit(hub, draft("RP-1"), draft("RP-2"))
    hub.relay.drain()
    while consumer.process_once(wait=0.3):
        pass
    assert len(got) == 2
    from datetime import timedelta

    consumer.replay(clock.now - timedelta(minutes=5))
    while consumer.process_once(wait=0.3):
        pass
    assert len(got) == 4 and sorted(got[:2]) == sorted(got[2:])


def test_tail_and_status_over_nats(private_hub: Hub) -> None:
    from orderhub.services.events.status import backbone_status
    from orderhub.services.events.stream_tools import tail

    hub = private_hub
    seed_network(hub)
    [oid] = submit(hub, draft("T-1"))
    hub.relay.drain()
    seen = []
    for e in tail(hub.engine, hub.nats, order_id=oid, from_start=True, poll=0.2):
        seen.append(e.type)
        if len(seen) == 4:
            break
    assert seen == ["OrderCreated", "OrderValidated", "InventoryReserved", "OrderAllocated"]
    hub.consumer("status-probe", lambda b: None).process_once(wait=0.2)
    status = backbone_status(hub.engine, hub.clock(), relay=hub.relay, consumers=hub.consumers,
                             nats=hub.nats, nats_url=hub.settings.nats_url)
    assert status["bus"] == "nats" and status["outbox_backlog"] == 0
    assert status["nats_stream"]["messages"] == 8
    assert "status-probe" in {c["name"] for c in status["consumers"]}
