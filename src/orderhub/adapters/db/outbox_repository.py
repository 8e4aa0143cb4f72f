"""The transactional outbox: events written with the state change, read by the dispatcher."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Text, bindparam, cast, func, select, text

from orderhub.adapters.db import tables as t
from orderhub.adapters.db.batching import bulk_insert
from orderhub.adapters.db.types import UTCDateTime
from orderhub.domain.events import Event
from orderhub.domain.ids import new_ids

_o = t.outbox.c
# pg_advisory_xact_lock class held by a relay pass, with the schema's hash as the second key
# (advisory locks are per database: schemas of one database do not wait for each other)
RELAY_LOCK_KEY = 0x0_0DE7_B0C5


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as stored: envelope plus data. What subscribers and timelines receive."""

    id: int
    event_id: str
    tenant_id: str
    order_id: str
    seq: int
    type: str
    status: str
    actor: str
    reason: str
    data: dict[str, Any]
    occurred_at: datetime
    published_at: datetime | None = None
    position: int | None = None
    recorded_at: datetime | None = None


def _stored(r: Any) -> StoredEvent:
    return StoredEvent(
        id=r["id"],
        event_id=r["event_id"],
        tenant_id=r["tenant_id"],
        order_id=r["order_id"],
        seq=r["seq"],
        type=r["type"],
        status=r["status"],
        actor=r["actor"],
        reason=r["reason"],
        data=r["data"],
        occurred_at=r["occurred_at"],
        published_at=r["published_at"],
        position=r["position"],
        recorded_at=r.get("recorded_at"),
    )


class OutboxRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def append(self, events: Sequence[tuple[Event, int]]) -> int:
        """Write events with their per-order sequence numbers (0 for events of no order)."""
        if not events:
            return 0
        recorded = datetime.now(UTC)  # the flush at commit: CloudEvents `recordedtime`
        ids = new_ids("evt", len(events))
        bulk_insert(
            self.conn,
            t.outbox,
            [
                {
                    "event_id": event_id,
                    "tenant_id": e.tenant_id,
                    "order_id": e.order_id,
                    "seq": seq,
                    "type": e.type,
                    "status": e.status,
                    "actor": e.actor,
                    "reason": e.reason,
                    "data": e.data(),
                    "occurred_at": e.occurred_at,
                    "recorded_at": recorded,
                }
                for event_id, (e, seq) in zip(ids, events, strict=True)
            ],
        )
        return len(events)

    def lock_for_relay(self) -> None:
        """PostgreSQL: wait until no other relay is publishing, then hold the right to until
        the transaction ends. Writers of the outbox never take this lock."""
        self.conn.execute(
            text("SELECT pg_advisory_xact_lock(:k, hashtext(current_schema()))"),
            {"k": RELAY_LOCK_KEY},
        )

    def unpublished(self, limit: int) -> list[StoredEvent]:
        q = select(t.outbox).where(_o.published_at.is_(None)).order_by(_o.id).limit(limit)
        return [_stored(r) for r in self.conn.execute(q).mappings()]

    def unpublished_lean(self, limit: int, after: int | None = None) -> list[tuple[Any, ...]]:
        """The relay's read: only what an envelope needs, `data` as JSON text (decoded once
        by the relay, not by a per-row type processor): (id, event_id, tenant_id, order_id,
        seq, type, status, actor, reason, data_json, occurred_at, recorded_at)."""
        q = (
            select(
                _o.id,
                _o.event_id,
                _o.tenant_id,
                _o.order_id,
                _o.seq,
                _o.type,
                _o.status,
                _o.actor,
                _o.reason,
                cast(_o.data, Text),
                _o.occurred_at,
                _o.recorded_at,
            )
            .where(_o.published_at.is_(None))
            .order_by(_o.id)
            .limit(limit)
        )
        if after is not None:  # SQLite: ids commit in order (one writer), so none is skipped
            q = q.where(_o.id > after)
        return [tuple(r) for r in self.conn.execute(q)]

    def still_unpublished(self, ids: Sequence[int]) -> set[int]:
        if not ids:
            return set()
        rows = self.conn.execute(
            select(_o.id).where(_o.id.in_(list(ids)), _o.published_at.is_(None))
        )
        return {r[0] for r in rows}

    def last_position(self) -> int:
        return int(self.conn.execute(select(func.coalesce(func.max(_o.position), 0))).scalar_one())

    def mark_published(self, ids: Sequence[int], first_position: int, at: datetime) -> None:
        """Stamp rows (in the given order) with consecutive publication positions, in one
        statement: the ids travel as one array (PostgreSQL) or one JSON list (SQLite)."""
        if not ids:
            return
        stamp = bindparam("at", at, type_=UTCDateTime())
        if self.conn.dialect.name == "postgresql":
            statement = text(
                "UPDATE outbox SET published_at = :at, position = :first + u.n - 1 "
                "FROM unnest(CAST(:ids AS bigint[])) WITH ORDINALITY AS u(id, n) "
                "WHERE outbox.id = u.id"
            ).bindparams(stamp)
            self.conn.execute(statement, {"ids": list(ids), "first": first_position})
        else:
            statement = text(
                "UPDATE outbox SET published_at = :at, position = :first + j.key "
                "FROM json_each(:ids) AS j WHERE outbox.id = j.value"
            ).bindparams(stamp)
            self.conn.execute(
                statement, {"ids": orjson.dumps(list(ids)).decode(), "first": first_position}
            )

    def published_after(
        self, position: int, limit: int, types: Sequence[str] | None = None
    ) -> list[StoredEvent]:
        """The embedded log: published events in publication order after `position`."""
        q = select(t.outbox).where(_o.position > position)
        if types:
            q = q.where(_o.type.in_(list(types)))
        q = q.order_by(_o.position).limit(limit)
        return [_stored(r) for r in self.conn.execute(q).mappings()]

    def first_position_since(self, since: datetime) -> int | None:
        value: int | None = self.conn.execute(
            select(func.min(_o.position)).where(_o.occurred_at >= since, _o.position.is_not(None))
        ).scalar_one()
        return value

    def for_order(self, tenant_id: str, order_id: str) -> list[StoredEvent]:
        rows = self.conn.execute(
            select(t.outbox)
            .where(_o.tenant_id == tenant_id, _o.order_id == order_id)
            .order_by(_o.seq)
        ).mappings()
        return [_stored(r) for r in rows]

    def backlog(self) -> int:
        return int(
            self.conn.execute(
                select(func.count()).select_from(t.outbox).where(_o.published_at.is_(None))
            ).scalar_one()
        )

    def oldest_unpublished_at(self) -> datetime | None:
        value: datetime | None = self.conn.execute(
            select(func.min(_o.occurred_at)).where(_o.published_at.is_(None))
        ).scalar_one()
        return value
