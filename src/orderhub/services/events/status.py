"""What the event backbone is doing: backlog, publication, consumers and parked events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from orderhub.adapters.db import tables as t
from orderhub.adapters.db.outbox_repository import OutboxRepository
from orderhub.bootstrap import Hub


def backbone_status(hub: Hub) -> dict[str, Any]:
    with hub.engine.connect() as conn:
        repo = OutboxRepository(conn)
        backlog = repo.backlog()
        oldest: datetime | None = repo.oldest_unpublished_at() if backlog else None
        last_position = repo.last_position()
        parked: dict[str, int] = dict(
            conn.execute(
                select(t.parked_events.c.consumer, func.count()).group_by(
                    t.parked_events.c.consumer
                )
            ).all()
        )
        offsets: dict[str, int] = dict(
            conn.execute(select(t.consumer_offsets.c.consumer, t.consumer_offsets.c.position)).all()
        )
        webhooks: dict[str, int] = dict(
            conn.execute(
                select(t.webhook_deliveries.c.status, func.count()).group_by(
                    t.webhook_deliveries.c.status
                )
            ).all()
        )
    consumers = []
    for c in hub.consumers:
        try:
            pending: int | None = c.source.pending()
        except Exception:  # the bus is down: report what we can
            pending = None
        consumers.append(
            {
                "name": c.name,
                "pending": pending,
                "handled": c.handled,
                "parked": int(parked.get(c.name, 0)),
            }
        )
    stream: dict[str, Any] | None = None
    if hub.nats is not None:
        try:
            stream = hub.nats.stream_state()
        except Exception as exc:  # NATS is down: that is the news
            stream = {"error": f"{type(exc).__name__}: {exc}"}
        for name, pending in (stream.get("consumers") or {}).items():
            if name not in {c["name"] for c in consumers}:
                consumers.append(
                    {
                        "name": name,
                        "pending": pending,
                        "handled": None,
                        "parked": int(parked.get(name, 0)),
                    }
                )
    known = {c["name"] for c in consumers}
    for name, position in offsets.items():
        if name not in known:
            consumers.append(
                {
                    "name": name,
                    "pending": max(0, last_position - int(position)),
                    "handled": None,
                    "parked": int(parked.get(name, 0)),
                }
            )
    age = (hub.clock() - oldest).total_seconds() if oldest else 0.0
    return {
        "bus": "nats" if hub.nats is not None else "in-process",
        "nats_url": hub.settings.nats_url,
        "nats_stream": stream,
        "outbox_backlog": backlog,
        "oldest_unpublished_age_seconds": round(max(0.0, age), 3),
        "last_position": last_position,
        "published_by_this_process": hub.relay.published,
        "relay_last_error": hub.relay.last_error,
        "consumers": sorted(consumers, key=lambda c: str(c["name"])),
        "webhook_deliveries": {str(k): int(v) for k, v in webhooks.items()},
    }
