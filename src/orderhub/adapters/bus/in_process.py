"""A synchronous in-process publish/subscribe bus for local subscribers."""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable

from orderhub.adapters.db.outbox_repository import StoredEvent

log = logging.getLogger(__name__)

Subscriber = Callable[[StoredEvent], None]


class InProcessBus:
    """Delivers each event to the subscribers of its type and to the wildcard `*`.

    A subscriber that raises is logged and counted; the others still receive the event.
    """

    def __init__(self) -> None:
        self._subs: dict[str, list[Subscriber]] = defaultdict(list)
        self._lock = threading.Lock()
        self.delivered = 0
        self.failures = 0

    def subscribe(self, event_type: str, handler: Subscriber) -> None:
        with self._lock:
            self._subs[event_type].append(handler)

    def publish(self, event: StoredEvent) -> None:
        with self._lock:
            handlers = [*self._subs.get(event.type, ()), *self._subs.get("*", ())]
        for handler in handlers:
            try:
                handler(event)
                self.delivered += 1
            except Exception:
                self.failures += 1
                log.exception("subscriber %r failed on event %s", handler, event.event_id)
