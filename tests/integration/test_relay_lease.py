"""One active relay per partition, and take-over when it dies: the lease on both stores,
two relays in one process, and two `orderhub relay` processes on PostgreSQL + NATS where
the active one is killed with SIGKILL mid-stream and every event still reaches the stream
exactly once by id (`Nats-Msg-Id`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from orderhub.adapters.bus.in_process import InProcessBus
from orderhub.adapters.db import tables as t
from orderhub.adapters.db.engine import make_engine
from orderhub.adapters.db.outbox_repository import OutboxRepository
from orderhub.adapters.db.relay_lease import lease_for
from orderhub.bootstrap import bootstrap
from orderhub.config import Settings
from orderhub.services.events.relay import OutboxRelay
from tests.conftest import _truncate_pg


def write_events(engine: object, n: int, tag: str) -> list[str]:
    ids = [f"evt_{tag}_{uuid.uuid4().hex[:12]}" for _ in range(n)]
    now = datetime.now(UTC)
    with engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(
            t.outbox.insert(),
            [
                {"event_id": i, "tenant_id": "default", "order_id": f"ord_{tag}", "seq": k,
                 "type": "OrderCreated", "status": "created", "actor": "test", "reason": "",
                 "data": {"k": k}, "occurred_at": now}
                for k, i in enumerate(ids)
            ],
        )  # fmt: skip
    return ids


def backlog(engine: object) -> int:
    with engine.connect() as conn:  # type: ignore[attr-defined]
        return OutboxRepository(conn).backlog()


def wait_for(condition: Callable[[], bool], limit: float, what: str) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > limit:
            raise AssertionError(f"{what}: not within {limit}s")
        time.sleep(0.02)
    return time.monotonic() - started


def test_the_lease_has_one_holder_and_passes_on_release(database_url: str) -> None:
    first, second = make_engine(database_url), make_engine(database_url)
    a, b = lease_for(first, 0), lease_for(second, 0)
    other_partition = lease_for(second, 1)
    try:
        assert a.try_acquire()
        assert a.try_acquire()  # holding it already
        assert not b.try_acquire()
        assert other_partition.try_acquire()  # partitions are leased apart
        a.release()
        assert b.try_acquire()
        assert b.still_held()
        assert not a.try_acquire()
    finally:
        for lease in (a, b, other_partition):
            lease.release()
        first.dispose()
        second.dispose()


def test_a_standby_relay_takes_over_when_the_active_one_stops(database_url: str) -> None:
    engine = make_engine(database_url)
    seen: list[str] = []
    relays = []
    for _ in range(2):
        bus = InProcessBus()
        bus.subscribe("*", lambda e: seen.append(e.id))
        relays.append(OutboxRelay(make_engine(database_url), bus))
    try:
        for relay in relays:
            relay.start(poll_seconds=0.02, lease_retry_seconds=0.05)
        wait_for(lambda: any(r.active for r in relays), 5, "a relay became active")
        time.sleep(0.3)
        assert sum(r.active for r in relays) == 1
        first = write_events(engine, 20, "a")
        wait_for(lambda: len(seen) == 20, 5, "the active relay published")
        active = next(r for r in relays if r.active)
        standby = next(r for r in relays if not r.active)
        active.stop()
        second = write_events(engine, 20, "b")
        took = wait_for(lambda: len(seen) == 40, 5, "the standby took over")
        assert standby.active and took < 5 and backlog(engine) == 0
        assert Counter(seen) == Counter(first + second)  # each once
    finally:
        for relay in relays:
            relay.stop()
            relay.engine.dispose()
        engine.dispose()


def read_stream_ids(hub: object) -> Counter[str]:
    """Every message stored in the stream, counted by `Nats-Msg-Id`."""
    nats = hub.nats  # type: ignore[attr-defined]

    async def read() -> Counter[str]:
        js = await nats.js()
        total = int((await js.stream_info(nats.stream)).state.messages)
        sub = await js.pull_subscribe(f"{nats.prefix}.>", stream=nats.stream)
        ids: Counter[str] = Counter()
        while sum(ids.values()) < total:
            for m in await sub.fetch(min(500, total - sum(ids.values())), timeout=5):
                ids[m.headers["Nats-Msg-Id"]] += 1
                await m.ack()
        await sub.unsubscribe()
        return ids

    result: Counter[str] = nats.run(read(), timeout=60)
    return result


@pytest.mark.postgres
def test_killing_the_active_relay_process_loses_and_doubles_nothing(
    pg_schema_url: str, shared_nats_url: str, tmp_path: Path
) -> None:
    _truncate_pg(pg_schema_url)
    suffix = uuid.uuid4().hex[:8]
    env = {
        **os.environ,
        "ORDERHUB_DATABASE_URL": pg_schema_url,
        "ORDERHUB_NATS_URL": shared_nats_url,
        "ORDERHUB_NATS_STREAM": f"TAKEOVER{suffix.upper()}",
        "ORDERHUB_NATS_SUBJECT_PREFIX": f"takeover{suffix}",
    }
    hub = bootstrap(
        Settings(
            database_url=pg_schema_url,
            nats_url=shared_nats_url,
            nats_stream=env["ORDERHUB_NATS_STREAM"],
            nats_subject_prefix=env["ORDERHUB_NATS_SUBJECT_PREFIX"],
        )
    )
    assert hub.nats is not None
    hub.nats.run(hub.nats.js())  # the stream exists before either relay
    engine = hub.engine
    schema = pg_schema_url.rsplit("%3D", 1)[1]

    def lease_holder() -> int | None:
        """The server pid of the session holding this schema's partition-0 lease."""
        with engine.connect() as conn:
            return conn.execute(
                text(
                    "SELECT l.pid FROM pg_locks l WHERE l.locktype = 'advisory' "
                    "AND l.granted AND l.classid = :c "
                    "AND l.objid = CAST(hashtext(:s || '/0') AS oid)"
                ),
                {"c": 0x0DE7_B0C6, "s": schema},
            ).scalar()

    def relay() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "orderhub", "relay", "--poll", "0.01"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    written: list[str] = []
    first = relay()
    procs = [first]
    try:
        wait_for(lambda: lease_holder() is not None, 60, "the first relay took the lease")
        holder = lease_holder()
        procs.append(relay())
        written += write_events(engine, 200, "warm")
        wait_for(lambda: backlog(engine) == 0, 30, "the first relay published")
        time.sleep(2.0)  # the second relay is up and waiting as a standby
        assert lease_holder() == holder
        # A stream of writes; the active relay dies in the middle of it.
        for n in range(30):
            written += write_events(engine, 100, f"s{n}")
            if n == 10:
                first.send_signal(signal.SIGKILL)
                first.wait(10)
                killed_at = time.monotonic()
            time.sleep(0.02)
        wait_for(lambda: lease_holder() not in (None, holder), 10, "the standby took the lease")
        wait_for(lambda: backlog(engine) == 0, 30, "the standby drained the outbox")
        took_over_in = time.monotonic() - killed_at
        assert procs[1].poll() is None
        stored = read_stream_ids(hub)
        assert set(stored) == set(written)  # none missing, none foreign
        assert [i for i, n in stored.items() if n > 1] == []  # none stored twice by id
        with engine.connect() as conn:
            positions = conn.execute(
                text("SELECT count(DISTINCT position), min(position), max(position) FROM outbox")
            ).one()
        assert tuple(positions) == (len(written), 1, len(written))  # no gaps, no repeats
        print(f"take-over: {len(written)} events, drained {took_over_in:.2f}s after the kill")
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                p.wait(30)

        async def drop() -> None:
            js = await hub.nats.js()  # type: ignore[union-attr]
            await js.delete_stream(hub.nats.stream)  # type: ignore[union-attr]

        hub.nats.run(drop())
        hub.close()
