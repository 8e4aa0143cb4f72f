"""NATS JetStream: the production event bus.

Events go to `<prefix>.<tenant>.<EventType>` on one durable stream; the CloudEvents id is
the `Nats-Msg-Id`, so the server drops a re-published event inside its duplicate window.
The async nats-py client runs on its own event-loop thread; the sync relay and consumers
call into it and wait for acknowledgements.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import nats
from nats.aio.client import Client as NatsConnection
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext, api
from nats.js.errors import NotFoundError

from orderhub.adapters.bus.envelope import Envelope, nats_subject

log = logging.getLogger(__name__)
T = TypeVar("T")
_MORE_WAIT = 0.003  # seconds a fetch waits for more after its first message


class NatsUnavailable(RuntimeError):
    """The NATS server could not be reached or did not acknowledge in time."""


@dataclass
class _PendingBatch:
    """A published batch waiting for its acknowledgements."""

    size: int
    done: asyncio.Future[None]
    acked: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)


class NatsClient:
    """One connection per process, (re)opened on demand, shared by the sink, the durable
    consumers and `events tail`."""

    def __init__(
        self,
        url: str,
        *,
        stream: str = "ORDERHUB",
        prefix: str = "orderhub",
        timeout: float = 5.0,
        duplicate_window: float = 600.0,
    ) -> None:
        self.url = url
        self.stream = stream
        self.prefix = prefix
        self.timeout = timeout
        self.duplicate_window = duplicate_window
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="nats-loop", daemon=True
        )
        self._thread.start()
        self._nc: NatsConnection | None = None
        self._js: JetStreamContext | None = None
        self._lock = threading.Lock()
        self._ack_prefix = ""
        self._ack_sub: Any = None
        self._ack_nc: NatsConnection | None = None
        self._batch = 0
        self._batches: dict[int, _PendingBatch] = {}

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout if timeout is not None else 2 * self.timeout + 1)
        except TimeoutError as exc:
            future.cancel()
            raise NatsUnavailable(f"NATS at {self.url} did not answer in time") from exc

    async def js(self) -> JetStreamContext:
        if self._nc is not None and self._nc.is_connected and self._js is not None:
            return self._js
        if self._nc is not None:
            await self._drop()
        try:
            nc = await asyncio.wait_for(
                nats.connect(
                    self.url,
                    connect_timeout=max(1, int(self.timeout)),
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=0.5,
                    allow_reconnect=True,
                    error_cb=self._on_error,
                ),
                self.timeout,
            )
        except Exception as exc:
            raise NatsUnavailable(f"cannot connect to NATS at {self.url}: {exc}") from exc
        js = nc.jetstream(timeout=self.timeout)
        await self._ensure_stream(js)
        self._nc, self._js = nc, js
        return js

    async def _on_error(self, exc: Exception) -> None:
        log.debug("nats: %s", exc)

    async def _ensure_stream(self, js: JetStreamContext) -> None:
        config = api.StreamConfig(
            name=self.stream,
            subjects=[f"{self.prefix}.>"],
            storage=api.StorageType.FILE,
            retention=api.RetentionPolicy.LIMITS,
            duplicate_window=self.duplicate_window,
            max_age=7 * 24 * 3600.0,
        )
        try:
            await js.stream_info(self.stream)
        except NotFoundError:
            await js.add_stream(config)

    async def _drop(self) -> None:
        nc, self._nc, self._js = self._nc, None, None
        self._ack_sub, self._ack_nc = None, None
        if nc is not None:
            with contextlib.suppress(Exception):  # already broken: nothing more to release
                await asyncio.wait_for(nc.close(), 2)

    async def publish(self, envelopes: Sequence[Envelope]) -> None:
        """Publish a batch with every message in flight at once and wait for the
        acknowledgements together: one reply subscription per connection (`<inbox>.<batch>.<n>`)
        instead of a future, a task and a round trip per message. The stream stores each
        `Nats-Msg-Id` once inside its duplicate window, so a batch sent again after a crash or
        a timeout is harmless."""
        if not envelopes:
            return
        await self.js()
        nc = self._nc
        try:
            assert nc is not None
            if self._ack_sub is None or self._ack_nc is not nc:
                self._ack_prefix = nc.new_inbox()
                self._ack_sub = await nc.subscribe(f"{self._ack_prefix}.*.*", cb=self._on_ack)
                self._ack_nc = nc
            self._batch += 1
            number = self._batch  # this batch's: another may start while this one waits
            batch = _PendingBatch(len(envelopes), asyncio.get_running_loop().create_future())
            self._batches[number] = batch
            reply = f"{self._ack_prefix}.{number}."
            prefix = self.prefix
            try:
                for n, e in enumerate(envelopes):
                    await nc.publish(
                        nats_subject(prefix, e),
                        e.to_json(),
                        reply=reply + str(n),
                        headers={"Nats-Msg-Id": e.id},
                    )
                await asyncio.wait_for(asyncio.shield(batch.done), self.timeout)
            finally:
                self._batches.pop(number, None)
            if batch.errors:
                raise NatsUnavailable(f"JetStream refused {len(batch.errors)}: {batch.errors[0]}")
        except NatsUnavailable:
            raise
        except Exception as exc:
            # Start afresh next time: stalled acknowledgements must not pile up.
            await self._drop()
            raise NatsUnavailable(f"publish to NATS failed: {type(exc).__name__}: {exc}") from exc

    async def _on_ack(self, msg: Any) -> None:
        _, batch_no, n = msg.subject.rsplit(".", 2)
        batch = self._batches.get(int(batch_no))
        if batch is None or n in batch.acked:
            return  # a late answer for a batch given up on, or a repeat
        data: bytes = msg.data
        if not data or b'"error"' in data:
            status = (msg.headers or {}).get("Status", "")
            batch.errors.append(data.decode(errors="replace") or f"status {status}")
        batch.acked.add(n)
        if len(batch.acked) == batch.size and not batch.done.done():
            batch.done.set_result(None)

    async def _stream_state(self) -> dict[str, Any]:
        js = await self.js()
        info = await js.stream_info(self.stream)
        consumers = await js.consumers_info(self.stream)
        return {
            "stream": self.stream,
            "messages": int(info.state.messages),
            "last_seq": int(info.state.last_seq),
            "consumers": {
                c.name: int(c.num_pending or 0) + int(c.num_ack_pending or 0) for c in consumers
            },
        }

    def stream_state(self) -> dict[str, Any]:
        """Messages in the stream and every durable consumer's outstanding count."""
        return self.run(self._stream_state())

    def close(self) -> None:
        try:
            self.run(self._drop(), timeout=5)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
            if not self._thread.is_alive():
                self._loop.close()


class NatsJetStreamSink:
    name = "nats"

    def __init__(self, client: NatsClient) -> None:
        self.client = client

    def publish(self, envelopes: Sequence[Envelope]) -> None:
        self.client.run(self.client.publish(envelopes))


@dataclass
class JetStreamMessage:
    envelope: Envelope
    msg: Any


class JetStreamSource:
    """A durable pull consumer: the server remembers what was acknowledged and redelivers
    what was not (after `ack_wait`)."""

    def __init__(
        self,
        client: NatsClient,
        durable: str,
        types: Sequence[str] | None = None,
        ack_wait: float = 30.0,
        start: str = "latest",
    ) -> None:
        self.start = start
        self._sub_nc: Any = None
        self.client = client
        self.durable = durable
        self.types = set(types or [])
        self.ack_wait = ack_wait
        self._sub: Any = None

    def _filter(self) -> str:
        if len(self.types) == 1:
            return f"{self.client.prefix}.*.{next(iter(self.types))}"
        return f"{self.client.prefix}.>"

    async def _subscription(self) -> Any:
        nc = self.client._nc
        if self._sub is None or nc is None or not nc.is_connected or self._sub_nc is not nc:
            js = await self.client.js()
            self._sub_nc = self.client._nc
            config = api.ConsumerConfig(
                durable_name=self.durable,
                ack_wait=self.ack_wait,
                max_deliver=-1,
                filter_subject=self._filter(),
                ack_policy=api.AckPolicy.EXPLICIT,
                deliver_policy=api.DeliverPolicy.ALL
                if self.start == "earliest"
                else api.DeliverPolicy.NEW,
            )
            self._sub = await js.pull_subscribe(
                self._filter(), durable=self.durable, stream=self.client.stream, config=config
            )
        return self._sub

    async def _fetch(self, limit: int, wait: float) -> list[JetStreamMessage]:
        sub = await self._subscription()
        try:
            # nats-py's fetch(n) that finds nothing waits for n messages or the whole
            # `wait`; fetch(1) returns with the first one, then what is already there is
            # taken without lingering (commit -> consumer latency, not a fetch timeout).
            msgs = await sub.fetch(1, timeout=wait)
            if limit > 1:
                with contextlib.suppress(TimeoutError, NatsTimeout):
                    msgs += await sub.fetch(limit - 1, timeout=_MORE_WAIT)
        except (TimeoutError, NatsTimeout):
            return []
        except Exception as exc:
            self._sub = None
            raise NatsUnavailable(f"fetch from NATS failed: {type(exc).__name__}") from exc
        out = []
        for m in msgs:
            env = Envelope.from_json(m.data)
            if not self.types or env.type in self.types:
                out.append(JetStreamMessage(env, m))
            else:
                await m.ack()  # not for this consumer: move past it
        return out

    def fetch(self, limit: int, wait: float) -> list[JetStreamMessage]:
        return self.client.run(self._fetch(limit, wait), timeout=wait + self.client.timeout + 5)

    async def _ack(self, items: Sequence[JetStreamMessage]) -> None:
        # AckPolicy.EXPLICIT, each message acknowledged (acks are published without waiting,
        # then one flush): under AckPolicy.ALL, acknowledging a later batch also acknowledged
        # an earlier one that was fetched but never handled (a fetch the caller had given up
        # on), and that batch was never delivered again.
        for item in items:
            await item.msg.ack()
        if self.client._nc is not None:
            await self.client._nc.flush(timeout=int(self.client.timeout))

    def ack(self, items: Sequence[JetStreamMessage]) -> None:
        if items:
            self.client.run(self._ack(items))

    async def _reset(self, since: datetime) -> None:
        js = await self.client.js()
        with contextlib.suppress(NotFoundError):
            await js.delete_consumer(self.client.stream, self.durable)
        config = api.ConsumerConfig(
            durable_name=self.durable,
            ack_wait=self.ack_wait,
            max_deliver=-1,
            filter_subject=self._filter(),
            ack_policy=api.AckPolicy.EXPLICIT,
            deliver_policy=api.DeliverPolicy.BY_START_TIME,
            opt_start_time=since,
        )
        await js.add_consumer(self.client.stream, config)
        self._sub = None

    def reset_to(self, since: datetime) -> None:
        """Replay: the durable consumer starts again from `since`."""
        self.client.run(self._reset(since))

    async def _pending(self) -> int:
        js = await self.client.js()
        try:
            info = await js.consumer_info(self.client.stream, self.durable)
        except NotFoundError:
            return -1
        return int(info.num_pending or 0) + int(info.num_ack_pending or 0)

    def pending(self) -> int:
        return self.client.run(self._pending())
