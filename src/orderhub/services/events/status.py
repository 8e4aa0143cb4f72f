"""What the event backbone is doing: backlog, publication, consumers and parked events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from orderhub.adapters.bus.nats_jetstream import NatsClient
from orderhub.adapters.db.consumer_repository import ConsumerRepository
from orderhub.adapters.db.engine import reading
from orderhub.adapters.db.outbox_repository import OutboxRepository
from orderhub.adapters.db.webhook_repository import WebhookRepository
from orderhub.services.events.consumers import DurableConsumer
from orderhub.services.events.relay import OutboxRelay


def outbox_counts(engine: Engine) -> dict[str, Any]:
    """What the database says about publication, the same for every process and after a
    restart: events published (positions are consecutive, so the highest is the count;
    one index probe), events pending (a partial index), and each embedded-log consumer's
    lag (events published after its position). Cheap enough for /healthz."""
    with reading(engine) as conn:
        repo = OutboxRepository(conn)
        published = repo.last_position()
        pending = repo.backlog()
        offsets = ConsumerRepository(conn).offsets()
    return {
        "published": published,
        "pending": pending,
        "consumer_lag": {name: max(0, published - pos) for name, pos in sorted(offsets.items())},
    }


def backbone_status(
    engine: Engine,
    now: datetime,
    *,
    relay: OutboxRelay,
    consumers: Sequence[DurableConsumer] = (),
    nats: NatsClient | None = None,
    nats_url: str | None = None,
) -> dict[str, Any]:
    """The backbone as this process sees it: the stored outbox, offsets, parked events and
    webhook queue, plus `relay`'s and `consumers`' own counters and, with `nats`, the
    JetStream stream (`nats_url` is reported as configured)."""
    with reading(engine) as conn:
        repo = OutboxRepository(conn)
        backlog = repo.backlog()
        oldest: datetime | None = repo.oldest_unpublished_at() if backlog else None
        last_position = repo.last_position()
        parked = ConsumerRepository(conn).parked_counts()
        offsets = ConsumerRepository(conn).offsets()
        webhooks = WebhookRepository(conn).count_by_status()
    rows = []
    for c in consumers:
        try:
            pending: int | None = c.source.pending()
        except Exception:  # the bus is down: report what we can
            pending = None
        rows.append(
            {
                "name": c.name,
                "pending": pending,
                "handled": c.handled,
                "parked": int(parked.get(c.name, 0)),
            }
        )
    stream: dict[str, Any] | None = None
    if nats is not None:
        try:
            stream = nats.stream_state()
        except Exception as exc:  # NATS is down: that is the news
            stream = {"error": f"{type(exc).__name__}: {exc}"}
        for name, pending in (stream.get("consumers") or {}).items():
            if name not in {c["name"] for c in rows}:
                rows.append(
                    {
                        "name": name,
                        "pending": pending,
                        "handled": None,
                        "parked": int(parked.get(name, 0)),
                    }
                )
    known = {c["name"] for c in rows}
    for name, position in offsets.items():
        if name not in known:
            rows.append(
                {
                    "name": name,
                    "pending": max(0, last_position - int(position)),
                    "handled": None,
                    "parked": int(parked.get(name, 0)),
                }
            )
    age = (now - oldest).total_seconds() if oldest else 0.0
    return {
        "bus": "nats" if nats is not None else "in-process",
        "nats_url": nats_url,
        "nats_stream": stream,
        "outbox_backlog": backlog,
        "oldest_unpublished_age_seconds": round(max(0.0, age), 3),
        "last_position": last_position,
        "published": last_position,
        "published_by_this_process": relay.published,
        "relay_last_error": relay.last_error,
        "consumers": sorted(rows, key=lambda c: str(c["name"])),
        "webhook_deliveries": {str(k): int(v) for k, v in webhooks.items()},
    }
