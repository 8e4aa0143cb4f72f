"""A synchronous in-process publish/subscribe bus for local subscribers."""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence

from orderhub.adapters.bus.envelope import Envelope

log = logging.getLogger(__name__)

Subscriber = Callable[[Envelope], None]


class InProcessBus:
    """Delivers each event to the subscribers of its type and to the wildcard `*`.

    Fire-and-forget: a subscriber that raises is logged and counted, the others still get
    the event. Subscribers that must not miss events use a durable consumer instead.
    """

    name = "in-process"

    def __init__(self) -> None:
        self._subs: dict[str, list[Subscriber]] = defaultdict(list)
        self._lock = threading.Lock()
        self.delivered = 0
        self.failures = 0

    def subscribe(self, event_type: str, handler: Subscriber) -> None:
        with self._lock:
            self._subs[event_type].append(handler)

    def unsubscribe(self, event_type: str, handler: Subscriber) -> None:
        with self._lock:
            if handler in self._subs.get(event_type, []):
                self._subs[event_type].remove(handler)

    def publish(self, envelopes: Sequence[Envelope]) -> None:
        with self._lock:
            subs = {k: list(v) for k, v in self._subs.items()}
        wildcard = subs.get("*", [])
        for envelope in envelopes:
            for handler in [*subs.get(envelope.type, ()), *wildcard]:
                try:
                    handler(envelope)
                    self.delivered += 1
                except Exception:
                    self.failures += 1
                    log.exception("subscriber %r failed on event %s", handler, envelope.id)
