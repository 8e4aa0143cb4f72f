"""Review of issue 13's batched JetStream publication (adapters/bus/nats_jetstream.py):
each batch in flight on the process's one connection waits for its own acknowledgements.
A batch that finishes must remove itself from the pending batches, not the one started
last: otherwise a batch still waiting loses its entry, its acknowledgements are ignored
and it fails (the relay sends it again after reconnecting), and the finished one's entry
is never removed."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

from orderhub.adapters.bus.envelope import Envelope
from orderhub.adapters.bus.nats_jetstream import NatsClient


class _Msg:
    def __init__(self, subject: str) -> None:
        self.subject = subject
        self.data = b'{"stream":"S","seq":1}'
        self.headers: dict[str, str] = {}


class _FakeConnection:
    """Acknowledges each message after `delays[batch]` seconds (the batch its reply
    subject names), as JetStream would: out of step with the publisher."""

    is_connected = True

    def __init__(self, delays: dict[int, float]) -> None:
        self.delays = delays
        self.cb: Any = None

    def new_inbox(self) -> str:
        return "_INBOX.fake"

    async def subscribe(self, subject: str, cb: Any) -> object:
        self.cb = cb
        return object()

    async def publish(self, subject: str, data: bytes, reply: str = "",
                      headers: dict[str, str] | None = None) -> None:
        batch = int(reply.rsplit(".", 2)[1])
        loop = asyncio.get_running_loop()
        loop.call_later(self.delays.get(batch, 0.0),
                        lambda: loop.create_task(self.cb(_Msg(reply))))


def _envelopes(n: int) -> list[Envelope]:
    at = datetime(2026, 12, 7, tzinfo=UTC)
    return [Envelope(f"evt_{uuid.uuid4().hex}", "OrderCreated", "t1", f"ord_{i}", 1, at,
                     {"i": i}) for i in range(n)]


def test_review_speed_overlapping_batches_each_wait_for_their_own_acks() -> None:
    client = NatsClient("nats://127.0.0.1:1", timeout=1.0)
    fake = _FakeConnection({1: 0.0, 2: 0.2})  # the second batch is acknowledged later
    client._nc = fake  # type: ignore[assignment]

    async def js() -> Any:
        return object()

    client.js = js  # type: ignore[method-assign]

    async def both() -> list[object]:
        first = asyncio.ensure_future(client.publish(_envelopes(3)))
        await asyncio.sleep(0)  # the first batch is in flight
        second = asyncio.ensure_future(client.publish(_envelopes(3)))
        return list(await asyncio.gather(first, second, return_exceptions=True))

    outcomes = asyncio.run(both())
    assert outcomes == [None, None], outcomes
    assert client._batches == {}  # nothing left waiting
