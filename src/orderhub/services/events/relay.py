"""Publishes outbox rows after commit, at least once, in commit order.

Exactly one relay is active per partition: the background loop (`start`, run by `serve` or
on its own by `orderhub relay`) first takes the partition's lease
(`adapters/db/relay_lease.py`: a session advisory lock on PostgreSQL, a `flock` next to the
SQLite file), and a standby takes over within `lease_retry_seconds` of the holder dying.
The outbox is one partition today (partition 0, every tenant): publication positions of the
embedded log must have no gaps, so they are assigned by one writer; more partitions (a hash
of the tenant id) would need per-partition positions. A pass called directly (`drain`,
tests, CLI commands) takes no lease but still serialises on PostgreSQL's transaction lock.

Each pass: read up to `batch_size` unpublished rows (only the columns an envelope needs),
publish them to the external sink (NATS JetStream: every message in flight at once, the
acknowledgements awaited together), stamp published_at and consecutive positions in one
statement, commit; then hand them to in-process subscribers and wake the durable
consumers. A crash anywhere before the commit leaves the rows unpublished: the next active
relay sends them again and JetStream drops the duplicates by message id (`Nats-Msg-Id` =
CloudEvents id, inside the stream's duplicate window). If the sink is down the pass fails,
the backlog grows (see /metrics, `orderhub events status`) and drains when it is back;
intake is never blocked by it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import orjson
from sqlalchemy import Engine

from orderhub.adapters.bus.envelope import Envelope
from orderhub.adapters.bus.in_process import InProcessBus
from orderhub.adapters.db.engine import WriteLockBusy, reading, writing
from orderhub.adapters.db.outbox_repository import OutboxRepository, StoredEvent
from orderhub.adapters.db.relay_lease import RelayLease, lease_for
from orderhub.adapters.metrics import EVENTS_PUBLISHED, PUBLISH_FAILURES, PUBLISH_LATENCY

log = logging.getLogger(__name__)

_MAX_UNMARKED = 20_000  # SQLite: published rows waiting for the write lock before it blocks
_TRY_LOCK_MS = 20  # SQLite: how long a stamp that need not block waits for the lock


class EventSink(Protocol):
    """Somewhere events go before they count as published (NATS JetStream)."""

    name: str

    def publish(self, envelopes: Sequence[Envelope]) -> None:
        """Publish all or raise; re-publishing the same ids must be harmless."""


# What an event of no order is about: its type -> the subject's kind and the data fields
# that name it ("stock/<sku>/<warehouse>"). Types named by a prefix are in _SUBJECT_PREFIXES.
_SUBJECTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "StockAdjusted": ("stock", ("sku", "warehouse")),
    "CarrierStatusChanged": ("carrier", ("carrier_service",)),
    "WarehouseStatusChanged": ("warehouse", ("warehouse",)),
    "RegionBlocked": ("region", ("area",)),
    "RegionUnblocked": ("region", ("area",)),
    "SkuMappingConfirmed": ("sku-mapping", ("channel", "key_type")),
    "RoutingRuleChanged": ("routing-rule", ("code",)),
    "RuleSetChanged": ("rule-set", ("version",)),
    "ChannelModeChanged": ("channel", ("channel",)),
    "RiskModelTrained": ("risk-model", ("version",)),
    "ShippingDocumentsProduced": ("shipment", ("shipment_id",)),
    "LabelLayoutSaved": ("label-layout", ("carrier",)),
    "SettlementImported": ("reconciliation", ("scope", "period")),
    "ReconciliationRun": ("reconciliation", ("scope", "period")),
    "ReconciliationPeriodClosed": ("reconciliation", ("scope", "period")),
    "PreallocationPlanned": ("preallocation-plan", ("plan_id",)),
    "CompliancePackChanged": ("compliance-pack", ("country",)),
    "ChatChannelChanged": ("chat-channel", ("channel_id",)),
    "ChatUserMapped": ("chat-user", ("app", "chat_user_id")),
    "PoolClosed": ("pool", ("pool_id",)),
}
_SUBJECT_PREFIXES: tuple[tuple[str, tuple[str, tuple[str, ...]]], ...] = (
    ("Transfer", ("transfer", ("transfer_id",))),
    ("Bid", ("offer", ("offer_id",))),
)


def event_subject(order_id: str, event_type: str, data: dict[str, Any]) -> str:
    """The CloudEvents subject: the order, or what an event of no order is about."""
    if order_id:
        return order_id
    found = _SUBJECTS.get(event_type)
    if found is None:
        found = next((s for p, s in _SUBJECT_PREFIXES if event_type.startswith(p)), None)
        if found is None:
            return ""
    kind, fields = found
    return "/".join([kind, *(str(data.get(f)) for f in fields)])


def to_envelope(e: StoredEvent) -> Envelope:
    data = {"status": e.status, "actor": e.actor, "reason": e.reason, **e.data}
    return Envelope(
        id=e.event_id,
        type=e.type,
        tenant=e.tenant_id,
        subject=event_subject(e.order_id, e.type, e.data),
        sequence=e.seq,
        time=e.occurred_at,
        data=data,
        position=e.position,
        recorded=e.recorded_at,
    )


def lean_envelope(row: tuple[Any, ...]) -> Envelope:
    """An envelope from `OutboxRepository.unpublished_lean`'s row (the relay's hot path)."""
    _id, event_id, tenant, order_id, seq, etype, status, actor, reason, raw, occurred, rec = row
    stored = orjson.loads(raw) if isinstance(raw, str | bytes) else dict(raw or {})
    data = {"status": status, "actor": actor, "reason": reason, **stored}
    subject = event_subject(order_id, etype, stored)
    return Envelope(event_id, etype, tenant, subject, seq, occurred, data, None, rec)


class OutboxRelay:
    def __init__(
        self,
        engine: Engine,
        bus: InProcessBus,
        *,
        sinks: Sequence[EventSink] = (),
        batch_size: int = 1000,
        partition: int = 0,
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
        self.partition = partition
        self.lease: RelayLease = lease_for(engine, partition)
        self.active = False  # holds the partition's lease and relays
        self._sent_upto: int | None = None  # SQLite: the last row id published
        self._unmarked: list[tuple[int, Envelope]] = []  # published, not yet stamped
        self._sqlite_lock = threading.Lock()  # a direct drain() beside the background loop

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
            rows = repo.unpublished_lean(self.batch_size)
            if not rows:
                return 0
            envelopes = self._send(rows)
            first, now = repo.last_position() + 1, self.clock()
            repo.mark_published([r[0] for r in rows], first, now)
        return self._after_commit(envelopes, first, now)

    def _drain_sqlite(self) -> int:
        with self._sqlite_lock:
            sent = self._sqlite_pass()
            self._mark_sent(block=True)
        return sent

    def _sqlite_pass(self) -> int:
        """Read and publish what follows the last row sent, then stamp what was sent if
        the write lock is free now. SQLite has one writer and intake holds it for a whole
        batch: reading and publishing need no lock, so publication never waits behind
        intake's transactions (nor its busy-handler's sleeps); the stamps catch up when
        the lock is free, and block only when `_MAX_UNMARKED` rows wait."""
        with reading(self.engine) as conn, conn.begin():
            rows = OutboxRepository(conn).unpublished_lean(self.batch_size, self._sent_upto)
        if rows:
            try:
                envelopes = self._send(rows)
            except Exception:
                self._sent_upto, self._unmarked = None, []  # read again what was not stamped
                raise
            self._unmarked.extend(zip((r[0] for r in rows), envelopes, strict=True))
            self._sent_upto = rows[-1][0]
        self._mark_sent(block=len(self._unmarked) >= _MAX_UNMARKED)
        return len(rows)

    def _mark_sent(self, *, block: bool) -> int:
        """Stamp the rows sent so far with published_at and positions, and hand them to
        in-process subscribers. Without `block`, give up at once if another writer holds
        SQLite's lock (the next pass tries again)."""
        if not self._unmarked:
            return 0
        try:
            with writing(self.engine, try_ms=None if block else _TRY_LOCK_MS) as conn:
                repo = OutboxRepository(conn)
                ids = [i for i, _ in self._unmarked]
                still = repo.still_unpublished(ids)  # another relay may have won
                first, now = repo.last_position() + 1, self.clock()
                repo.mark_published([i for i in ids if i in still], first, now)
        except WriteLockBusy:
            return 0  # the next pass tries again
        except Exception:
            self._sent_upto, self._unmarked = None, []  # as a restarted relay would
            raise
        envelopes = [e for i, e in self._unmarked if i in still]
        self._unmarked = []
        return self._after_commit(envelopes, first, now)

    def _send(self, rows: Sequence[tuple[Any, ...]]) -> list[Envelope]:
        envelopes = [lean_envelope(r) for r in rows]
        for sink in self.sinks:
            try:
                sink.publish(envelopes)
            except Exception:
                PUBLISH_FAILURES.labels(sink.name).inc()
                raise
        return envelopes

    def _after_commit(self, envelopes: Sequence[Envelope], first: int, now: datetime) -> int:
        positioned = [
            Envelope(
                e.id, e.type, e.tenant, e.subject, e.sequence, e.time, e.data, first + n, e.recorded
            )
            for n, e in enumerate(envelopes)
        ]
        sink_names = [s.name for s in self.sinks] or [self.bus.name]
        for e in positioned:
            PUBLISH_LATENCY.observe(max(0.0, (now - (e.recorded or e.time)).total_seconds()))
        for etype, count in Counter(e.type for e in positioned).items():
            for name in sink_names:
                EVENTS_PUBLISHED.labels(etype, name).inc(count)
        self.bus.publish(positioned)
        self.published += len(positioned)
        for listener in self._listeners:
            listener()
        return len(positioned)

    def _drain_background(self) -> None:
        if self.engine.dialect.name != "sqlite":
            self.drain()
            return
        with self._sqlite_lock:
            while self._sqlite_pass():
                pass

    def drain(self) -> int:
        total = 0
        while n := self.drain_once():
            total += n
        return total

    def start(
        self,
        poll_seconds: float = 0.05,
        max_backoff: float = 5.0,
        *,
        lease: RelayLease | None = None,
        lease_retry_seconds: float = 0.5,
    ) -> None:
        """Relay in a thread of its own, once this process holds the partition's lease
        (`adapters/db/relay_lease.py`): a standby retries every `lease_retry_seconds` and
        takes over when the holder dies. Woken by `notify` (a commit in this process) or
        after `poll_seconds`: commits in other processes (`serve --workers N`, where one
        worker's relay is the active one) notify nobody, and an idle poll is one indexed
        read of the unpublished rows."""
        if self._thread is not None:
            return
        self.lease = lease if lease is not None else lease_for(self.engine, self.partition)

        def run() -> None:
            backoff = poll_seconds
            checked = 0.0
            while not self._stop.is_set():
                if not self._hold_lease(lease_retry_seconds):
                    continue
                if time.monotonic() - checked > 1.0:  # a broken lease connection: step down
                    checked = time.monotonic()
                    if not self.lease.still_held():
                        self.active = False
                        continue
                try:
                    self._drain_background()
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
                    continue
                self._wake.wait(backoff)
                self._wake.clear()
            self.lease.release()
            self.active = False

        self._stop.clear()
        self._thread = threading.Thread(target=run, name="outbox-relay", daemon=True)
        self._thread.start()

    def _hold_lease(self, retry_seconds: float) -> bool:
        """True while this relay is the partition's active one; otherwise wait a moment."""
        if self.active:
            return True
        try:
            held = self.lease.try_acquire()
        except Exception as exc:
            log.warning("relay lease for partition %d: %s", self.partition, exc)
            held = False
        if held and not self.active:
            log.info("outbox relay active for partition %d", self.partition)
        self.active = held
        if not held:
            self._stop.wait(retry_seconds)
        return held

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
