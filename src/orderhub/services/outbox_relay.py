"""Delivers outbox rows to the bus after commit, at least once, in commit order.

Runs as a background thread in `orderhub serve` (woken by each commit) or is drained on
demand. Rows stay in the table after publication: they are also each order's timeline.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine

from orderhub.adapters.bus.in_process import InProcessBus
from orderhub.adapters.db.outbox_repository import OutboxRepository

log = logging.getLogger(__name__)


class OutboxRelay:
    def __init__(
        self,
        engine: Engine,
        bus: InProcessBus,
        *,
        batch_size: int = 1000,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.bus = bus
        self.batch_size = batch_size
        self.clock = clock
        self.published = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def notify(self, _count: int = 0) -> None:
        self._wake.set()

    def drain_once(self) -> int:
        with self.engine.begin() as conn:
            repo = OutboxRepository(conn)
            events = repo.unpublished(self.batch_size)
            for e in events:
                self.bus.publish(e)
            repo.mark_published([e.id for e in events], self.clock())
        self.published += len(events)
        return len(events)

    def drain(self) -> int:
        total = 0
        while n := self.drain_once():
            total += n
        return total

    def start(self, poll_seconds: float = 1.0) -> None:
        if self._thread is not None:
            return

        def run() -> None:
            while not self._stop.is_set():
                self._wake.wait(poll_seconds)
                self._wake.clear()
                try:
                    self.drain()
                except Exception:
                    log.exception("outbox relay failed; retrying")
                    self._stop.wait(poll_seconds)

        self._thread = threading.Thread(target=run, name="outbox-relay", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
