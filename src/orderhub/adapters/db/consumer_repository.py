"""Durable consumers' bookkeeping: their positions in the embedded log, the inbox of event
ids each has handled (so a redelivery is skipped), and the events each parked."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, bindparam, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from orderhub.adapters.db import tables as t
from orderhub.adapters.db.types import UTCDateTime

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
        """Which of these events the consumer has handled (or parked) already. The ids go
        as one array (PostgreSQL) or one JSON list (SQLite), not one parameter each."""
        if not event_ids:
            return set()
        if self.conn.dialect.name == "postgresql":
            q = text(
                "SELECT event_id FROM consumer_inbox WHERE consumer = :c "
                "AND event_id = ANY(CAST(:ids AS text[]))"
            )
            params: dict[str, Any] = {"c": consumer, "ids": list(event_ids)}
        else:
            q = text(
                "SELECT event_id FROM consumer_inbox WHERE consumer = :c "
                "AND event_id IN (SELECT value FROM json_each(:ids))"
            )
            params = {"c": consumer, "ids": orjson.dumps(list(event_ids)).decode()}
        return {r[0] for r in self.conn.execute(q, params)}

    def mark_handled(self, consumer: str, event_ids: Sequence[str], at: datetime) -> None:
        """Add the ids to the consumer's inbox in one statement (ids already there stay)."""
        if not event_ids:
            return
        stamp = bindparam("at", at, type_=UTCDateTime())
        if self.conn.dialect.name == "postgresql":
            q = text(
                "INSERT INTO consumer_inbox (consumer, event_id, processed_at) "
                "SELECT :c, u.id, :at FROM unnest(CAST(:ids AS text[])) AS u(id) "
                "ON CONFLICT DO NOTHING"
            ).bindparams(stamp)
            self.conn.execute(q, {"c": consumer, "ids": list(event_ids)})
        else:
            q = text(
                "INSERT OR IGNORE INTO consumer_inbox (consumer, event_id, processed_at) "
                "SELECT :c, value, :at FROM json_each(:ids)"
            ).bindparams(stamp)
            self.conn.execute(q, {"c": consumer, "ids": orjson.dumps(list(event_ids)).decode()})

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
        result = self.conn.execute(delete(t.consumer_inbox).where(_inbox.processed_at < older_than))
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
