"""The dispatcher: sends due deliveries, signed, and records each attempt with the delivery's
new state (succeeded, retried later with backoff, or dead).

  claim due rows (short transaction, a lease ahead)
  -> POST outside any transaction, while a heartbeat renews the lease
  -> record the attempt and the delivery's new state

The lease is short (10 s by default) and renewed every quarter of it while the batch is in
flight, however slow the receiver. A dispatcher that dies mid-delivery (kill -9, a crash, a
lost host) stops renewing, so its deliveries are due again within one lease: a restarted
or a second dispatcher sends them then. Such a delivery may have reached the receiver
before the crash, so it arrives twice: delivery is at least once, with the same
`webhook-id` on every attempt, and receivers de-duplicate on it (Standard Webhooks).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta

import orjson

from orderhub.adapters.db.webhook_repository import WebhookRepository
from orderhub.adapters.metrics import WEBHOOK_DELIVERIES, WEBHOOK_LATENCY, WEBHOOK_PENDING
from orderhub.adapters.webhooks.sender import SendResult, WebhookSender
from orderhub.adapters.webhooks.signing import signature_headers
from orderhub.config import Settings
from orderhub.domain.webhooks import DEAD, PENDING, SUCCEEDED, AttemptOutcome, ClaimedDelivery
from orderhub.services.unit_of_work import UowFactory

log = logging.getLogger(__name__)

# What a crash leaves a delivery waiting for before another dispatcher may send it. Renewed
# four times a lease, so three renewals in a row may be late (a busy database) or fail.
DEFAULT_LEASE_SECONDS = 10.0
_RENEWALS_PER_LEASE = 4


class _Lease:
    """The deliveries of one batch and the lease they share (its expiry is its token)."""

    def __init__(self, ids: list[str], until: datetime) -> None:
        self.ids = ids
        self.until = until


class WebhookDispatcher:
    """Sends due deliveries. Safe to run in several processes at once: a claim moves a
    delivery's next_attempt_at a lease ahead (under FOR UPDATE SKIP LOCKED on PostgreSQL,
    the write lock on SQLite), and a heartbeat keeps it ahead while the batch is sent, so
    no other worker sees it until it is recorded or its dispatcher is gone.

    Owns `sender` (closed by `close()`); requests of one batch go out in parallel on up to
    `concurrency` threads."""

    def __init__(
        self,
        make_uow: UowFactory,
        settings: Settings,
        clock: Callable[[], datetime],
        sender: WebhookSender,
        rng: random.Random | None = None,
        *,
        batch_size: int = 100,
        concurrency: int = 8,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
    ) -> None:
        self.make_uow = make_uow
        self.settings = settings
        self.clock = clock
        self.sender = sender
        self.rng = rng or random.Random()
        self.batch_size = batch_size
        self.concurrency = max(1, concurrency)
        self.lease = timedelta(seconds=lease_seconds)
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- policy
    def retry_delay(self, attempts: int) -> float:
        """Seconds before the next try after `attempts` failed ones:
        min(cap, base * 2**(attempts-1)) times a jitter factor in [0.5, 1.5), so receivers
        coming back from an outage are not hit by every retry at once."""
        exponent = min(max(attempts - 1, 0), 62)
        delay = min(
            self.settings.webhook_backoff_cap_seconds,
            self.settings.webhook_backoff_seconds * float(2**exponent),
        )
        return delay * (0.5 + self.rng.random())

    # -- one round
    def deliver_due(self, limit: int = 100) -> int:
        """Send up to `limit` due deliveries once each; returns how many were attempted."""
        claimed = self._claim(limit)
        if not claimed:
            return 0
        with self._heartbeat(_Lease([c.id for c in claimed], claimed[0].leased_until)):
            results = self._send_all(claimed)
        self._record(list(zip(claimed, results, strict=True)))
        return len(claimed)

    def drain(self, limit: int = 100) -> int:
        """deliver_due until nothing is due now (retries scheduled later are left)."""
        total = 0
        while n := self.deliver_due(limit):
            total += n
        return total

    def _claim(self, limit: int) -> list[ClaimedDelivery]:
        now = self.clock()
        with self.make_uow() as uow:
            claimed = uow.webhooks.claim_due(now, limit, now + self.lease)
            if not claimed:
                _refresh_pending_gauge(uow.webhooks)
                return []
            uow.commit()
        return claimed

    def renew(self, lease: _Lease) -> None:
        """Move the batch's lease one lease length ahead of now. A delivery whose lease ran
        out and was claimed by another dispatcher is dropped from the lease (still sent by
        this one, since it is already on the wire: at least once)."""
        until = self.clock() + self.lease
        with self.make_uow() as uow:
            kept = uow.webhooks.renew_leases(lease.ids, lease.until, until)
            uow.commit()
        lease.until = until
        if len(kept) < len(lease.ids):
            lost = [i for i in lease.ids if i not in kept]
            log.warning("webhook deliveries %s: lease lost to another dispatcher", lost)
            lease.ids = [i for i in lease.ids if i in kept]

    @contextmanager
    def _heartbeat(self, lease: _Lease) -> Iterator[None]:
        """Renew the lease every quarter lease (real time) until the block ends."""
        done = threading.Event()
        every = self.lease.total_seconds() / _RENEWALS_PER_LEASE

        def beat() -> None:
            while not done.wait(every) and lease.ids:
                try:
                    self.renew(lease)
                except Exception:  # the database is busy or away: the next beat tries again
                    log.warning("could not renew webhook delivery leases", exc_info=True)

        thread = threading.Thread(target=beat, name="webhook-lease", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()

    def _send_one(self, c: ClaimedDelivery) -> SendResult:
        try:
            body = orjson.dumps(c.payload)
            timestamp = int(self.clock().timestamp())
            headers = {
                "content-type": "application/json",
                **signature_headers(c.secret, c.event_id, timestamp, body),
            }
        except Exception as exc:  # a corrupt secret or payload: counted against the budget
            return SendResult(None, 0.0, f"could not sign the message: {exc}", "retry")
        return self.sender.send(c.url, body, headers)

    def _send_all(self, claimed: list[ClaimedDelivery]) -> list[SendResult]:
        if len(claimed) == 1 or self.concurrency == 1:
            return [self._send_one(c) for c in claimed]
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=self.concurrency, thread_name_prefix="webhook-send"
                )
            pool = self._pool
        return list(pool.map(self._send_one, claimed))

    def _outcome(self, c: ClaimedDelivery, result: SendResult, now: datetime) -> AttemptOutcome:
        attempts = c.attempts + 1
        outcome: str = result.outcome
        if outcome == "retry" and attempts >= self.settings.webhook_max_attempts:
            outcome = DEAD
        status = {"succeeded": SUCCEEDED, "retry": PENDING, DEAD: DEAD}[outcome]
        next_at = now + timedelta(seconds=self.retry_delay(attempts)) if status == PENDING else None
        return AttemptOutcome(
            delivery_id=c.id,
            attempts_before=c.attempts,
            status=status,
            attempts=attempts,
            next_attempt_at=next_at,
            status_code=result.status_code,
            error=result.error,
            latency_ms=result.latency_ms,
            outcome=outcome,
        )

    def _record(self, results: list[tuple[ClaimedDelivery, SendResult]]) -> None:
        now = self.clock()
        with self.make_uow() as uow:
            repo = uow.webhooks
            logged = repo.last_attempt_numbers([c.id for c, _ in results])
            attempt_rows: list[tuple[AttemptOutcome, int]] = []
            for c, result in results:
                o = self._outcome(c, result, now)
                # Guarded by the state seen at claim time: if the lease ran out and another
                # worker already recorded this delivery, ours is not recorded twice.
                if not repo.record_outcome(o, now):
                    log.warning("webhook delivery %s was recorded by another worker", c.id)
                    continue
                attempt_rows.append((o, logged.get(c.id, 0) + 1))
                WEBHOOK_DELIVERIES.labels(outcome=o.outcome).inc()
                WEBHOOK_LATENCY.observe(result.latency_ms / 1000)
                if o.status == DEAD:
                    log.warning(
                        "webhook delivery %s is dead after %d attempt(s): %s",
                        c.id,
                        o.attempts,
                        result.error,
                    )
            repo.add_attempts(attempt_rows, now)
            _refresh_pending_gauge(repo)
            uow.commit()

    # -- background
    def notify(self) -> None:
        """Wake the background loop now (for example after deliveries were enqueued)."""
        self._wake.set()

    def start(self, poll_seconds: float = 1.0) -> None:
        """Deliver in a daemon thread: drain what is due, then sleep until notified or
        `poll_seconds` pass (retries fall due with time, not with a notification)."""
        if self._thread is not None:
            return
        self._stop.clear()

        def run() -> None:
            while not self._stop.is_set():
                self._wake.clear()
                try:
                    while not self._stop.is_set():
                        if self.deliver_due(self.batch_size) < self.batch_size:
                            break
                except Exception:
                    log.exception("webhook dispatch failed; retrying")
                self._wake.wait(poll_seconds)

        self._thread = threading.Thread(target=run, name="webhook-dispatcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def close(self) -> None:
        """Stop the loop, the send threads and the HTTP client."""
        self.stop()
        with self._pool_lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None
        self.sender.close()


def _refresh_pending_gauge(repo: WebhookRepository) -> None:
    WEBHOOK_PENDING.set(repo.pending_count())
