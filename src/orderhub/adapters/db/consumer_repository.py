"""Durable consumers' bookkeeping: their positions in the embedded log, the inbox of event
ids each has handled (so a redelivery is skipped), and the events each parked."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from orderhub.adapters.db import tables as t

_off = t.consumer_offsets.c
_inbox = t.consumer_inbox.c
_parked = t.parked_events.c


class ConsumerRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _insert(self) -> Any:
        return pg_insert if self.conn.dialect.name == "postgresql" else sqlite_insert

    # ----- positions in the embedded log ----------------------------------------------------
    def offset(self, consumer: str) -> int | None:
        """The last position the consumer acknowledged; None for a consumer never seen."""
        row = self.conn.execute(select(_off.position).where(_off.consumer == consumer)).first()
        return None if row is None else int(row[0])

    def add_offset(self, consumer: str, position: int, at: datetime) -> None:
        self.conn.execute(
            t.consumer_offsets.insert().values(consumer=consumer, position=position, updated_at=at)
        )

    def store_offset(self, consumer: str, position: int, at: datetime) -> None:
        self.conn.execute(
            update(t.consumer_offsets)
            .where(_off.consumer == consumer)
            .values(position=position, updated_at=at)
        )

    def offsets(self) -> dict[str, int]:
        """Every consumer of the embedded log and its position."""
        return {
            str(name): int(position)
            for name, position in self.conn.execute(select(_off.consumer, _off.position))
        }

    # ----- the inbox ------------------------------------------------------------------------
    def handled(self, consumer: str, event_ids: Sequence[str]) -> set[str]:
        """Which of these events the consumer has handled (or parked) already."""
        rows = self.conn.execute(
            select(_inbox.event_id).where(
                _inbox.consumer == consumer, _inbox.event_id.in_(list(event_ids))
            )
        )
        return {r[0] for r in rows}

    def mark_handled(self, consumer: str, event_ids: Sequence[str], at: datetime) -> None:
        if event_ids:
            self.conn.execute(
                self._insert()(t.consumer_inbox).on_conflict_do_nothing(),
                [{"consumer": consumer, "event_id": i, "processed_at": at} for i in event_ids],
            )

    def forget_since(self, consumer: str, since: datetime) -> None:
        """Drop from the inbox the events published since `since` (they are to be replayed)."""
        self.conn.execute(
            delete(t.consumer_inbox).where(
                _inbox.consumer == consumer,
                _inbox.event_id.in_(
                    select(t.outbox.c.event_id).where(t.outbox.c.occurred_at >= since)
                ),
            )
        )

    def prune_inbox(self, older_than: datetime) -> int:
        result = self.conn.execute(
            delete(t.consumer_inbox).where(_inbox.processed_at < older_than)
        )
        return int(result.rowcount or 0)

    # ----- parked events --------------------------------------------------------------------
    def park(self, consumer: str, events: Sequence[dict[str, Any]], at: datetime) -> None:
        """Park events a consumer gave up on: dicts of event_id, event_type, envelope,
        attempts and error. An event parked already stays as it was."""
        if events:
            self.conn.execute(
                self._insert()(t.parked_events).on_conflict_do_nothing(),
                [{**e, "consumer": consumer, "parked_at": at} for e in events],
            )

    def parked(self, consumer: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Newest first, optionally of one consumer."""
        q = select(t.parked_events).order_by(_parked.id.desc()).limit(limit)
        if consumer:
            q = q.where(_parked.consumer == consumer)
        return [dict(r) for r in self.conn.execute(q).mappings()]

    def parked_counts(self) -> dict[str, int]:
        rows = self.conn.execute(
            select(_parked.consumer, func.count()).group_by(_parked.consumer)
        ).all()
        return {str(consumer): int(n) for consumer, n in rows}
