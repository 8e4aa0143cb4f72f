"""Durable event consumers: at-least-once delivery, idempotent by event id, in order.

    consumer = hub.consumer("billing", handle_batch, types=["OrderInvoiced"])
    consumer.start()            # or consumer.process_once() in a loop of your own

A consumer reads from a source (the embedded outbox log, or a durable JetStream consumer),
skips events its inbox says it already handled, and calls the handler with a batch. If the
batch fails, its events are retried one by one, in order, with growing pauses; an event that
still fails after `max_attempts` is parked with its error (`orderhub events status`) and the
consumer moves on. Position / acknowledgement is advanced only after handling, so a crash
means redelivery, never loss: handlers must tolerate seeing an event twice, and the inbox
makes that rare.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Engine

from orderhub.adapters.bus.envelope import Envelope
from orderhub.adapters.db.consumer_repository import ConsumerRepository
from orderhub.adapters.db.engine import reading
from orderhub.adapters.db.outbox_repository import OutboxRepository
from orderhub.adapters.metrics import CONSUMER_EVENTS
from orderhub.services.events.relay import to_envelope

log = logging.getLogger(__name__)

BatchHandler = Callable[[Sequence[Envelope]], None]


class Item(Protocol):
    envelope: Envelope


class EventSource(Protocol):
    def fetch(self, limit: int, wait: float) -> Sequence[Any]: ...
    def ack(self, items: Sequence[Any]) -> None: ...
    def reset_to(self, since: datetime) -> None: ...
    def pending(self) -> int: ...


@dataclass
class LogItem:
    envelope: Envelope
    position: int


class EmbeddedLogSource:
    """The outbox table read by publication position: the bus when NATS is not used."""

    def __init__(
        self,
        engine: Engine,
        name: str,
        types: Sequence[str] | None = None,
        *,
        start: str = "latest",
    ) -> None:
        self.engine = engine
        self.name = name
        self.types = list(types or [])
        self.start = start
        self._wake = threading.Event()
        self._scanned_to: int | None = None

    def wake(self) -> None:
        self._wake.set()

    def _offset(self) -> int:
        with self.engine.begin() as conn:
            consumers = ConsumerRepository(conn)
            position = consumers.offset(self.name)
            if position is not None:
                return position
            first = 0 if self.start == "earliest" else OutboxRepository(conn).last_position()
            consumers.add_offset(self.name, first, datetime.now(UTC))
            return first

    def _read(self, limit: int) -> list[LogItem]:
        offset = self._offset()
        with reading(self.engine) as conn:
            repo = OutboxRepository(conn)
            upto = repo.last_position()
            rows = [
                r
                for r in repo.published_after(offset, limit, self.types)
                if r.position is not None and r.position <= upto
            ]
        # With a type filter, positions of other types are skipped over too.
        self._scanned_to = upto if len(rows) < limit else None
        return [LogItem(to_envelope(r), int(r.position or 0)) for r in rows]

    def fetch(self, limit: int, wait: float) -> list[LogItem]:
        items = self._read(limit)
        if items:
            return items
        if self._scanned_to is not None and self._scanned_to > self._offset():
            self._store(self._scanned_to)
        self._wake.wait(wait)
        self._wake.clear()
        return self._read(limit)

    def ack(self, items: Sequence[LogItem]) -> None:
        if not items:
            return
        last = max(i.position for i in items)
        if self._scanned_to is not None:
            last = max(last, self._scanned_to)
        self._store(last)

    def _store(self, position: int) -> None:
        with self.engine.begin() as conn:
            ConsumerRepository(conn).store_offset(self.name, position, datetime.now(UTC))

    def reset_to(self, since: datetime) -> None:
        self._offset()
        with reading(self.engine) as conn:
            repo = OutboxRepository(conn)
            first = repo.first_position_since(since)
            target = (first - 1) if first is not None else repo.last_position()
        self._store(max(0, target))

    def pending(self) -> int:
        offset = self._offset()
        with reading(self.engine) as conn:
            return max(0, OutboxRepository(conn).last_position() - offset)


class DurableConsumer:
    def __init__(
        self,
        name: str,
        handler: BatchHandler,
        source: EventSource,
        engine: Engine,
        *,
        max_attempts: int = 5,
        retry_delay: float = 0.05,
        batch_size: int = 500,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = name
        self.handler = handler
        self.source = source
        self.engine = engine
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self.batch_size = batch_size
        self.sleep = sleep
        self.handled = 0
        self.parked = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ----- one pass -------------------------------------------------------------------------
    def process_once(self, wait: float = 1.0) -> int:
        items = list(self.source.fetch(self.batch_size, wait))
        if not items:
            return 0
        seen = self._already_handled([i.envelope.id for i in items])
        fresh = [i.envelope for i in items if i.envelope.id not in seen]
        if len(fresh) < len(items):
            CONSUMER_EVENTS.labels(self.name, "duplicate").inc(len(items) - len(fresh))
        done: list[Envelope] = []
        parked: list[tuple[Envelope, int, str]] = []
        if fresh:
            try:
                self.handler(fresh)
                done = fresh
            except Exception:
                log.warning(
                    "consumer %s: batch of %d failed; retrying one by one",
                    self.name,
                    len(fresh),
                    exc_info=True,
                )
                for envelope in fresh:
                    error = self._retry(envelope)
                    if error is None:
                        done.append(envelope)
                    else:
                        parked.append((envelope, self.max_attempts, error))
        self._record(done, parked)
        self.source.ack(items)
        self.handled += len(done)
        self.parked += len(parked)
        CONSUMER_EVENTS.labels(self.name, "handled").inc(len(done))
        if parked:
            CONSUMER_EVENTS.labels(self.name, "parked").inc(len(parked))
        return len(items)

    def _retry(self, envelope: Envelope) -> str | None:
        error = ""
        for attempt in range(1, self.max_attempts + 1):
            try:
                self.handler([envelope])
                return None
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                log.warning(
                    "consumer %s: event %s attempt %d/%d failed: %s",
                    self.name,
                    envelope.id,
                    attempt,
                    self.max_attempts,
                    error,
                )
                if attempt < self.max_attempts:
                    self.sleep(self.retry_delay * 2 ** (attempt - 1))
        return error

    def _already_handled(self, ids: list[str]) -> set[str]:
        with reading(self.engine) as conn:
            return ConsumerRepository(conn).handled(self.name, ids)

    def _record(
        self, done: Sequence[Envelope], parked: Sequence[tuple[Envelope, int, str]]
    ) -> None:
        now = datetime.now(UTC)
        ids = [e.id for e in done] + [e.id for e, _, _ in parked]
        if not ids:
            return
        with self.engine.begin() as conn:
            consumers = ConsumerRepository(conn)
            consumers.mark_handled(self.name, ids, now)
            consumers.park(
                self.name,
                [
                    {
                        "event_id": e.id,
                        "event_type": e.type,
                        "envelope": e.to_dict(),
                        "attempts": n,
                        "error": err,
                    }
                    for e, n, err in parked
                ],
                now,
            )

    # ----- replay and lifecycle ------------------------------------------------------------
    def replay(self, since: datetime) -> None:
        """Deliver again everything published since `since` (the inbox forgets those ids)."""
        forget_since(self.engine, self.name, since)
        self.source.reset_to(since)

    def start(self, wait: float = 1.0) -> None:
        if self._thread is not None:
            return

        def run() -> None:
            while not self._stop.is_set():
                try:
                    self.process_once(wait)
                except Exception:
                    log.exception("consumer %s failed; retrying", self.name)
                    self._stop.wait(1.0)

        self._stop.clear()
        self._thread = threading.Thread(target=run, name=f"consumer-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        wake = getattr(self.source, "wake", None)
        if wake is not None:
            wake()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None


def forget_since(engine: Engine, consumer: str, since: datetime) -> None:
    """The consumer's inbox forgets the events published since `since`, so a replay
    delivers them again."""
    with engine.begin() as conn:
        ConsumerRepository(conn).forget_since(consumer, since)


def list_parked(
    engine: Engine, consumer: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    with reading(engine) as conn:
        return ConsumerRepository(conn).parked(consumer, limit)


def prune_inbox(engine: Engine, older_than: datetime) -> int:
    """Forget handled event ids older than the redelivery horizon (JetStream's ack wait and
    duplicate window are minutes; a week is ample). Returns the rows removed."""
    with engine.begin() as conn:
        return ConsumerRepository(conn).prune_inbox(older_than)
