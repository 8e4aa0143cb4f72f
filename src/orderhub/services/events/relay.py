"""Publishes outbox rows after commit, at least once, in commit order.

One relay is active at a time (an advisory lock on PostgreSQL; SQLite serialises writers),
so publication positions have no gaps. Each pass: read unpublished rows, publish them to the
external sink (NATS JetStream) and wait for its acknowledgements, stamp positions, commit;
then hand them to in-process subscribers and wake the durable consumers. A crash anywhere
before the commit leaves the rows unpublished: they are sent again, and JetStream drops the
duplicates by message id (= CloudEvents id). If the sink is down the pass fails, the backlog
grows (see /metrics, `orderhub events status`) and drains when it is back; intake is never
blocked by it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import Engine

from orderhub.adapters.bus.envelope import Envelope
from orderhub.adapters.bus.in_process import InProcessBus
from orderhub.adapters.db.outbox_repository import OutboxRepository, StoredEvent
from orderhub.adapters.metrics import EVENTS_PUBLISHED, PUBLISH_FAILURES, PUBLISH_LATENCY

log = logging.getLogger(__name__)


class EventSink(Protocol):
    """Somewhere events go before they count as published (NATS JetStream)."""

    name: str

    def publish(self, envelopes: Sequence[Envelope]) -> None:
        """Publish all or raise; re-publishing the same ids must be harmless."""


def to_envelope(e: StoredEvent) -> Envelope:
    data = {"status": e.status, "actor": e.actor, "reason": e.reason, **e.data}
    subject = e.order_id
    if not subject and e.type == "StockAdjusted":
        subject = f"stock/{e.data.get('sku')}/{e.data.get('warehouse')}"
    elif not subject and e.type == "CarrierStatusChanged":
        subject = f"carrier/{e.data.get('carrier_service')}"
    elif not subject and e.type == "WarehouseStatusChanged":
        subject = f"warehouse/{e.data.get('warehouse')}"
    elif not subject and e.type in ("RegionBlocked", "RegionUnblocked"):
        subject = f"region/{e.data.get('area')}"
    elif not subject and e.type == "SkuMappingConfirmed":
        subject = f"sku-mapping/{e.data.get('channel')}/{e.data.get('key_type')}"
    elif not subject and e.type == "RoutingRuleChanged":
        subject = f"routing-rule/{e.data.get('code')}"
    elif not subject and e.type == "RuleSetChanged":
        subject = f"rule-set/{e.data.get('version')}"
    elif not subject and e.type == "RiskModelTrained":
        subject = f"risk-model/{e.data.get('version')}"
    return Envelope(
        id=e.event_id,
        type=e.type,
        tenant=e.tenant_id,
        subject=subject,
        sequence=e.seq,
        time=e.occurred_at,
        data=data,
        position=e.position,
    )


class OutboxRelay:
    def __init__(
        self,
        engine: Engine,
        bus: InProcessBus,
        *,
        sinks: Sequence[EventSink] = (),
        batch_size: int = 1000,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.bus = bus
        self.sinks = list(sinks)
        self.batch_size = batch_size
        self.clock = clock
        self.published = 0
        self.last_error: str = ""
        self._listeners: list[Callable[[], None]] = []
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def notify(self, _count: int = 0) -> None:
        self._wake.set()

    def on_published(self, listener: Callable[[], None]) -> None:
        """Called after each pass that published something (wakes durable consumers)."""
        self._listeners.append(listener)

    def drain_once(self) -> int:
        if self.engine.dialect.name == "sqlite":
            return self._drain_sqlite()
        with self.engine.begin() as conn:
            # One relay at a time; intake is not blocked (it never takes this lock).
            repo = OutboxRepository(conn)
            repo.lock_for_relay()
            rows = repo.unpublished(self.batch_size)
            if not rows:
                return 0
            envelopes = self._send(rows)
            first, now = repo.last_position() + 1, self.clock()
            repo.mark_published([r.id for r in rows], first, now)
        return self._after_commit(envelopes, first, now)

    def _drain_sqlite(self) -> int:
        # SQLite has one writer: reading and publishing happen outside the write lock so
        # intake is never queued behind the sink's acknowledgements.
        reader = self.engine.connect().execution_options(sqlite_begin="DEFERRED")
        with reader as conn, conn.begin():
            rows = OutboxRepository(conn).unpublished(self.batch_size)
        if not rows:
            return 0
        envelopes = self._send(rows)
        with self.engine.begin() as conn:
            repo = OutboxRepository(conn)
            still = repo.still_unpublished([r.id for r in rows])  # another relay may have won
            envelopes = [e for r, e in zip(rows, envelopes, strict=True) if r.id in still]
            first, now = repo.last_position() + 1, self.clock()
            repo.mark_published([r.id for r in rows if r.id in still], first, now)
        return self._after_commit(envelopes, first, now)

    def _send(self, rows: Sequence[StoredEvent]) -> list[Envelope]:
        envelopes = [to_envelope(r) for r in rows]
        for sink in self.sinks:
            try:
                sink.publish(envelopes)
            except Exception:
                PUBLISH_FAILURES.labels(sink.name).inc()
                raise
        return envelopes

    def _after_commit(self, envelopes: Sequence[Envelope], first: int, now: datetime) -> int:
        positioned = [
            Envelope(e.id, e.type, e.tenant, e.subject, e.sequence, e.time, e.data, first + n)
            for n, e in enumerate(envelopes)
        ]
        sink_names = [s.name for s in self.sinks] or [self.bus.name]
        for e in positioned:
            PUBLISH_LATENCY.observe(max(0.0, (now - e.time).total_seconds()))
            for name in sink_names:
                EVENTS_PUBLISHED.labels(e.type, name).inc()
        self.bus.publish(positioned)
        self.published += len(positioned)
        for listener in self._listeners:
            listener()
        return len(positioned)

    def drain(self) -> int:
        total = 0
        while n := self.drain_once():
            total += n
        return total

    def start(self, poll_seconds: float = 1.0, max_backoff: float = 5.0) -> None:
        if self._thread is not None:
            return

        def run() -> None:
            backoff = poll_seconds
            while not self._stop.is_set():
                self._wake.wait(backoff)
                self._wake.clear()
                try:
                    self.drain()
                    self.last_error = ""
                    backoff = poll_seconds
                except Exception as exc:
                    self.last_error = f"{type(exc).__name__}: {exc}"
                    log.warning(
                        "outbox relay could not publish (%s); retrying in %.1fs",
                        self.last_error,
                        backoff,
                    )
                    self._stop.wait(backoff)
                    backoff = min(max_backoff, backoff * 2)

        self._stop.clear()
        self._thread = threading.Thread(target=run, name="outbox-relay", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
