"""Operator tools on the event stream: follow it live, and replay it to a consumer."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

from nats.errors import TimeoutError as NatsTimeout
from nats.js import api
from sqlalchemy import Engine

from orderhub.adapters.bus.envelope import Envelope
from orderhub.adapters.bus.nats_jetstream import JetStreamSource, NatsClient
from orderhub.adapters.db.consumer_repository import ConsumerRepository
from orderhub.adapters.db.outbox_repository import OutboxRepository
from orderhub.domain.errors import FieldError, InvalidInput, NotFound
from orderhub.domain.events import EVENT_TYPES
from orderhub.services.events.consumers import EmbeddedLogSource, forget_since
from orderhub.services.events.relay import to_envelope


def check_types(types: Sequence[str], field: str = "type") -> None:
    unknown = [x for x in types if x not in EVENT_TYPES]
    if unknown:
        raise InvalidInput(
            [
                FieldError(
                    field, f"unknown event type '{x}'; known: " + ", ".join(sorted(EVENT_TYPES))
                )
                for x in unknown
            ]
        )


def tail(
    engine: Engine,
    nats: NatsClient | None = None,
    *,
    types: Sequence[str] = (),
    order_id: str | None = None,
    from_start: bool = False,
    poll: float = 0.5,
    should_stop: Callable[[], bool] = lambda: False,
) -> Iterator[Envelope]:
    """Published events as they come (or from the beginning), filtered: read from JetStream
    with `nats`, otherwise from the embedded log in `engine`'s outbox."""
    check_types(types)
    wanted = set(types)

    def keep(e: Envelope) -> bool:
        return (not wanted or e.type in wanted) and (not order_id or e.subject == order_id)

    if nats is not None:
        yield from _tail_nats(nats, keep, from_start, poll, should_stop)
        return
    with engine.connect() as conn:
        cursor = 0 if from_start else OutboxRepository(conn).last_position()
    while not should_stop():
        with engine.connect() as conn:
            rows = OutboxRepository(conn).published_after(cursor, 500, list(types) or None)
        for r in rows:
            cursor = max(cursor, r.position or cursor)
            e = to_envelope(r)
            if keep(e):
                yield e
        if not rows:
            time.sleep(poll)


def _tail_nats(
    client: NatsClient,
    keep: Callable[[Envelope], bool],
    from_start: bool,
    poll: float,
    should_stop: Callable[[], bool],
) -> Iterator[Envelope]:
    policy = api.DeliverPolicy.ALL if from_start else api.DeliverPolicy.NEW

    async def subscribe() -> object:
        js = await client.js()
        return await js.pull_subscribe(
            f"{client.prefix}.>",
            stream=client.stream,
            config=api.ConsumerConfig(deliver_policy=policy, inactive_threshold=60.0),
        )

    sub = client.run(subscribe())

    async def fetch() -> list[Envelope]:
        try:
            msgs = await sub.fetch(200, timeout=poll)  # type: ignore[attr-defined]
        except (TimeoutError, NatsTimeout):
            return []
        for m in msgs:
            await m.ack()
        return [Envelope.from_json(m.data) for m in msgs]

    while not should_stop():
        for e in client.run(fetch()):
            if keep(e):
                yield e


def replay(
    engine: Engine,
    consumer: str,
    since: datetime,
    *,
    now: datetime,
    nats: NatsClient | None = None,
) -> int:
    """Re-deliver to a durable consumer everything published since `since` (on JetStream
    with `nats`, otherwise on the embedded log); returns how many published events that
    covers."""
    if since > now:
        raise InvalidInput([FieldError("since", "replay start lies in the future")])
    with engine.connect() as conn:
        known = ConsumerRepository(conn).offset(consumer) is not None
        first = OutboxRepository(conn).first_position_since(since)
        last = OutboxRepository(conn).last_position()
    if nats is not None:
        source = JetStreamSource(nats, consumer)
        if source.pending() < 0:
            raise NotFound(f"no durable consumer named '{consumer}' on stream {nats.stream}")
        forget_since(engine, consumer, since)
        source.reset_to(since)
    else:
        if not known:
            raise NotFound(f"no durable consumer named '{consumer}'")
        forget_since(engine, consumer, since)
        EmbeddedLogSource(engine, consumer).reset_to(since)
    return 0 if first is None else last - first + 1
