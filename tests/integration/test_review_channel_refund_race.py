"""Review: one channel refund notice delivered twice at once (two processes) on
PostgreSQL records the channel's refund once: one ReturnRefundedByChannel, the reference
kept, whichever delivery wins the order's lock."""

from __future__ import annotations

import threading

import pytest

from orderhub.bootstrap import Hub
from orderhub.services.orders import views
from orderhub.services.returns.channel import ingest_notice
from tests.factories import T, seed_network
from tests.integration.test_returns_channel_refunded import notice, shipped


def test_a_refund_notice_delivered_twice_at_once_is_recorded_once(hub: Hub,
                                                                  database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL")
    seed_network(hub)
    oid = shipped(hub, "CH-RACE", 1)
    made = ingest_notice(hub.returns, T, "tmall", notice("CH-RACE", "RR1", "requested"),
                         actor="channel:tmall")
    assert made.return_id
    outcomes: list[object] = []

    def deliver() -> None:
        try:
            outcomes.append(ingest_notice(hub.returns, T, "tmall",
                                          notice("CH-RACE", "RR1", "refunded"),
                                          actor="channel:tmall").outcome)
        except BaseException as exc:  # reported by the assertion below
            outcomes.append(exc)

    with hub.uow() as uow:  # hold the order's lock until both deliveries wait on it
        uow.orders.get(T, oid, lock=True)
        racers = [threading.Thread(target=deliver) for _ in range(2)]
        for r in racers:
            r.start()
        for r in racers:
            r.join(1.5)
        assert all(r.is_alive() for r in racers), "a delivery did not wait for the lock"
        uow.rollback()
    for r in racers:
        r.join(15)
    assert len(outcomes) == 2 and not any(isinstance(o, BaseException) for o in outcomes), \
        outcomes
    noted = [e for e in views.get_timeline(hub.read_uow, T, oid)
             if e["type"] == "ReturnRefundedByChannel"]
    assert len(noted) == 1, noted
    with hub.read_uow() as uow:
        assert uow.returns.get(T, made.return_id).channel_refunded == "tmall:RR1"
