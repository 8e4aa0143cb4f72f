"""Two dispatcher processes on PostgreSQL drain one queue of customer notifications: each
message is handed to a provider once (claims under FOR UPDATE SKIP LOCKED, outcomes
recorded under the claim's lease)."""

from __future__ import annotations

import multiprocessing as mp
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orderhub.adapters.notify.senders import SimulatorSender
from orderhub.bootstrap import Hub, bootstrap
from orderhub.config import Settings
from orderhub.services.notifications.dispatcher import NotificationDispatcher
from tests.api import api_client
from tests.factories import seed_network
from tests.integration.test_notifications import consumer_of, post_order, simulators, start

pytestmark = pytest.mark.postgres


def _dispatch(url: str, go: Any, out: Any) -> None:
    hub = bootstrap(Settings(database_url=url))
    senders = {m: SimulatorSender(m) for m in ("email", "sms", "wechat")}
    d = NotificationDispatcher(hub.uow, senders, hub.clock, batch_size=5, concurrency=2)
    go.wait(60)
    d.drain()
    out.put([r.message.id for s in senders.values() for r in s.sent])
    d.close()
    hub.close()


def test_two_dispatcher_processes_send_each_message_once(hub: Hub, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the race between processes is PostgreSQL's (SQLite has one writer)")
    seed_network(hub)
    start(hub, simulators())
    with api_client(hub) as client:
        client_: TestClient = client
        for i in range(20):
            post_order(client_, f"PR-{i}")
    hub.relay.drain()
    consumer = consumer_of(hub)
    while consumer.process_once(wait=0):
        pass
    ctx = mp.get_context("spawn")
    go, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_dispatch, args=(database_url, go, out)) for _ in range(2)]
    for p in procs:
        p.start()
    go.set()
    sent = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(60)
    ids = [i for part in sent for i in part]
    assert len(ids) == 80 and len(set(ids)) == 80  # 20 orders x 2 events x 2 media
    with hub.read_uow() as uow:
        assert uow.notifications.counts("default") == {"sent": 80}
