"""Sends due messages through the sender port, outside any transaction:

  claim due messages (short transaction; each leased `lease_seconds` ahead)
  -> hand each to its medium's sender, in parallel (a slow or failing provider holds only
     its own messages: every send has the provider's timeout)
  -> record the outcome: sent; failed and retried after an exponential back-off; or dead
     lettered after `max_attempts` tries or a permanent refusal

Safe in several processes (FOR UPDATE SKIP LOCKED on PostgreSQL, the write lock on SQLite;
an outcome is recorded only under the lease it was claimed with). A dispatcher that dies
mid-send leaves its messages due again when the lease ends: at least once, and providers
get the message id to de-duplicate. Recipients are decrypted by the claim, kept only in
memory for the send, and never logged.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from orderhub.adapters.db.notification_repository import Claimed, Outcome
from orderhub.adapters.notify.senders import Outgoing, Sender, SendFailed
from orderhub.domain import notifications as n
from orderhub.services.notifications.enqueue import Links
from orderhub.services.unit_of_work import UnitOfWork, UowFactory

log = logging.getLogger(__name__)


class NotificationDispatcher:
    def __init__(
        self,
        make_uow: UowFactory,
        senders: Mapping[str, Sender],
        clock: Callable[[], datetime],
        *,
        links: Links | None = None,
        max_attempts: int = 6,
        backoff_seconds: float = 5.0,
        backoff_cap_seconds: float = 1800.0,
        lease_seconds: float = 60.0,
        batch_size: int = 200,
        concurrency: int = 8,
        store: Callable[[UnitOfWork], Any] | None = None,
    ) -> None:
        self.make_uow = make_uow
        # the queue it sends: customer messages, or anything of the same shape (chat cards)
        self.store: Callable[[UnitOfWork], Any] = store or (lambda uow: uow.notifications)
        self.senders = dict(senders)
        self.clock = clock
        self.links = links or Links()
        self.max_attempts = max_attempts
        self.backoff = backoff_seconds
        self.cap = backoff_cap_seconds
        self.lease = timedelta(seconds=lease_seconds)
        self.batch_size = batch_size
        self.concurrency = max(1, concurrency)
        self._pool: ThreadPoolExecutor | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def deliver_due(self, limit: int | None = None) -> int:
        """Send what is due now once each; returns how many were attempted."""
        now = self.clock()
        with self.make_uow() as uow:
            claimed = self.store(uow).claim_due(now, limit or self.batch_size,
                                                  now + self.lease)
            uow.commit()
        if not claimed:
            return 0
        if len(claimed) == 1 or self.concurrency == 1:
            outcomes = [self._send(c) for c in claimed]
        else:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.concurrency,
                                                thread_name_prefix="notify-send")
            outcomes = list(self._pool.map(self._send, claimed))
        with self.make_uow() as uow:
            self.store(uow).record(outcomes, self.clock())
            uow.commit()
        return len(claimed)

    def drain(self) -> int:
        total = 0
        while k := self.deliver_due():
            total += k
        return total

    def _send(self, c: Claimed) -> Outcome:
        handed = self.clock()
        sender = self.senders.get(c.medium)
        headers = {}
        if c.medium == n.EMAIL:
            link = self.links.unsubscribe(c.unsubscribe_token)
            headers = {"List-Unsubscribe": f"<{link}>",
                       "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
        try:
            if sender is None:
                raise SendFailed(f"no provider for {c.medium}", retry=False)
            sender.send(Outgoing(c.id, c.medium, c.to, c.subject, c.body, c.tenant_id,
                                 c.order_id, headers))
        except SendFailed as exc:
            return self._failed(c, handed, str(exc), exc.retry)
        except Exception as exc:  # a provider's bug must not stop the others
            return self._failed(c, handed, f"{type(exc).__name__}", True)
        name = getattr(sender, "name", "")
        return Outcome(c.id, c.tenant_id, c.order_id, n.SENT, c.attempts + 1, None, handed,
                       f"{c.medium} via {name}", c.leased_until)

    def _failed(self, c: Claimed, handed: datetime, error: str, retry: bool) -> Outcome:
        attempts = c.attempts + 1
        if not retry or attempts >= self.max_attempts:
            log.warning("notification %s dead-lettered after %d attempt(s): %s",
                        c.id, attempts, error)
            return Outcome(c.id, c.tenant_id, c.order_id, n.DEAD_LETTERED, attempts, None,
                           handed, f"attempt {attempts}: {error}", c.leased_until)
        delay = n.backoff_seconds(attempts, self.backoff, self.cap)
        return Outcome(c.id, c.tenant_id, c.order_id, n.FAILED, attempts,
                       handed + timedelta(seconds=delay), handed,
                       f"attempt {attempts}: {error}; retry in {delay:g} s", c.leased_until)

    # ----- background ---------------------------------------------------------------------
    def notify(self) -> None:
        self._wake.set()

    def start(self, poll_seconds: float = 1.0) -> None:
        if self._thread is not None:
            return
        self._stop.clear()

        def run() -> None:
            while not self._stop.is_set():
                self._wake.clear()
                try:
                    while not self._stop.is_set() and \
                            self.deliver_due() >= self.batch_size:
                        pass
                except Exception:
                    log.exception("notification dispatch failed; retrying")
                self._wake.wait(poll_seconds)

        self._thread = threading.Thread(target=run, name="notify-dispatcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def close(self) -> None:
        self.stop()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        for s in self.senders.values():
            s.close()
