"""Webhooks: tenants register endpoints; every published event an endpoint subscribes to
becomes a delivery, sent signed (Standard Webhooks) and retried with backoff until it
succeeds or goes dead (the dead-letter list), from where it can be replayed.

The flow is durable at each step:

  event consumer --enqueue_deliveries--> webhook_deliveries (pending, one per endpoint+event)
  WebhookDispatcher.deliver_due: claim due rows (short transaction, a lease ahead)
                                 -> POST outside any transaction
                                 -> record the attempt and the delivery's new state

A crash between claim and record only delays the delivery until the lease runs out, after
which it is sent again: delivery is at least once, and receivers de-duplicate on
`webhook-id` (the event id, the same on every attempt).
"""

from __future__ import annotations

import ipaddress
import logging
import math
import random
import socket
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import orjson
from sqlalchemy import Connection, Row, Table, and_, delete, exists, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from orderhub.adapters.bus.envelope import TYPE_PREFIX, Envelope
from orderhub.adapters.db.tables import webhook_attempts, webhook_deliveries, webhook_endpoints
from orderhub.adapters.metrics import WEBHOOK_DELIVERIES, WEBHOOK_LATENCY, WEBHOOK_PENDING
from orderhub.adapters.webhooks.sender import SendResult, WebhookSender
from orderhub.adapters.webhooks.signing import generate_secret, is_valid_secret, signature_headers
from orderhub.config import Settings
from orderhub.domain.errors import Conflict, FieldError, InvalidInput, NotFound
from orderhub.domain.events import EVENT_TYPES
from orderhub.domain.ids import new_id
from orderhub.services.unit_of_work import UowFactory

log = logging.getLogger(__name__)

PENDING, SUCCEEDED, DEAD = "pending", "succeeded", "dead"
STATUSES = (PENDING, SUCCEEDED, DEAD)
MAX_URL_LENGTH = 2000
MAX_DESCRIPTION_LENGTH = 500
# Worst case for one request: connect, write, wait for the answer and read its start, each
# bounded by the timeout; the lease covers that for every round of a batch, plus a margin.
_PHASES_PER_REQUEST = 4
_LEASE_MARGIN_SECONDS = 60.0

_d = webhook_deliveries
_e = webhook_endpoints
_a = webhook_attempts


# ----- records ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class WebhookEndpoint:
    id: str
    tenant_id: str
    url: str
    secret: str
    event_types: list[str]  # [] means every type
    description: str
    active: bool
    created_at: datetime
    updated_at: datetime

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    id: str
    tenant_id: str
    endpoint_id: str
    event_id: str
    event_type: str
    order_id: str
    status: str
    attempts: int  # attempts in the current round (a replay starts a new round)
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    last_latency_ms: float | None
    created_at: datetime
    updated_at: datetime
    payload: dict[str, Any] | None = None  # loaded only for a single delivery


@dataclass(frozen=True, slots=True)
class WebhookAttempt:
    attempt: int  # numbered across rounds, so a replayed delivery's log reads in order
    at: datetime
    outcome: str  # succeeded | retry | dead
    status_code: int | None
    latency_ms: float
    error: str


@dataclass(frozen=True, slots=True)
class DeliveryLog:
    delivery: WebhookDelivery
    attempts: list[WebhookAttempt]


@dataclass(frozen=True, slots=True)
class DeliveryPage:
    items: list[WebhookDelivery]
    next_cursor: str | None


# ----- validation ------------------------------------------------------------------------------
def validate_url(url: str, loc: str = "url") -> list[FieldError]:
    """An absolute http(s) URL with a host; anything else could never be delivered to."""
    if len(url) > MAX_URL_LENGTH:
        return [FieldError(loc, f"must be at most {MAX_URL_LENGTH} characters")]
    hint = "must be an absolute http or https URL, for example https://example.com/hooks"
    if not url or any(ch.isspace() for ch in url):
        return [FieldError(loc, f"{hint}; got {url!r}")]
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises on a port that is not a number in 0..65535
    except ValueError as exc:
        return [FieldError(loc, f"{hint}; {exc}")]
    if parts.scheme.lower() not in ("http", "https"):
        scheme = f"'{parts.scheme}'" if parts.scheme else "no scheme"
        return [FieldError(loc, f"{hint}; got {scheme}")]
    if not parts.hostname:
        return [FieldError(loc, f"{hint}; the URL names no host")]
    return []


def private_target(url: str) -> str:
    """Why a URL points into a private network (loopback, link-local, RFC 1918, ...), or ""
    when it does not. Hostnames are resolved, so a public name for a private address is
    caught too (at registration; DNS may change later)."""
    host = urlsplit(url).hostname or ""
    try:
        addresses = {ipaddress.ip_address(host)}
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, None)
        except OSError:
            return ""  # unresolvable now: delivery attempts will say so
        addresses = {ipaddress.ip_address(info[4][0]) for info in infos}
    for ip in addresses:
        if (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                or ip.is_reserved or ip.is_unspecified):
            return f"{host} resolves to {ip}, a private or reserved address"
    return ""


def normalise_event_types(types: Sequence[str], loc: str = "event_types") -> list[str]:
    """Known short type names, de-duplicated in order; "io.orderhub.X" is accepted as X.

    Raises InvalidInput naming each unknown type (by position) and the valid ones.
    """
    errors: list[FieldError] = []
    result: list[str] = []
    valid = ", ".join(sorted(EVENT_TYPES))
    for i, raw in enumerate(types):
        name = raw[len(TYPE_PREFIX) :] if raw.startswith(TYPE_PREFIX) else raw
        if name not in EVENT_TYPES:
            errors.append(
                FieldError(f"{loc}.{i}", f"unknown event type '{raw}'; valid types: {valid}")
            )
        elif name not in result:
            result.append(name)
    if errors:
        raise InvalidInput(errors)
    return result


def _validate_description(description: str) -> list[FieldError]:
    if len(description) > MAX_DESCRIPTION_LENGTH:
        return [FieldError("description", f"must be at most {MAX_DESCRIPTION_LENGTH} characters")]
    return []


def _validate_secret(secret: str) -> list[FieldError]:
    if not is_valid_secret(secret):
        return [
            FieldError(
                "secret",
                "must be 'whsec_' followed by base64 of 24 to 64 random bytes; "
                "omit it to have one generated",
            )
        ]
    return []


# ----- endpoints -------------------------------------------------------------------------------
def _endpoint(row: Row[Any]) -> WebhookEndpoint:
    m = row._mapping
    return WebhookEndpoint(
        id=m["id"],
        tenant_id=m["tenant_id"],
        url=m["url"],
        secret=m["secret"],
        event_types=list(m["event_types"] or []),
        description=m["description"],
        active=bool(m["active"]),
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


def _load_endpoint(conn: Connection, tenant_id: str, endpoint_id: str) -> WebhookEndpoint:
    row = conn.execute(
        select(_e).where(_e.c.id == endpoint_id, _e.c.tenant_id == tenant_id)
    ).first()
    if row is None:
        raise NotFound(f"webhook endpoint '{endpoint_id}' not found")
    return _endpoint(row)


def create_endpoint(
    make_uow: UowFactory,
    tenant_id: str,
    url: str,
    now: datetime,
    *,
    event_types: Sequence[str] = (),
    description: str = "",
    active: bool = True,
    secret: str | None = None,
) -> WebhookEndpoint:
    """Register an endpoint; the returned record carries the secret, shown to the caller once."""
    errors = validate_url(url) + _validate_description(description)
    if secret is not None:
        errors += _validate_secret(secret)
    try:
        types = normalise_event_types(event_types)
    except InvalidInput as exc:
        errors += exc.errors
    if errors:
        raise InvalidInput(errors)
    endpoint = WebhookEndpoint(
        id=new_id("whe"),
        tenant_id=tenant_id,
        url=url,
        secret=secret or generate_secret(),
        event_types=types,
        description=description,
        active=active,
        created_at=now,
        updated_at=now,
    )
    with make_uow() as uow:
        uow.conn.execute(
            insert(_e).values(
                id=endpoint.id,
                tenant_id=tenant_id,
                url=url,
                secret=endpoint.secret,
                event_types=types,
                description=description,
                active=active,
                created_at=now,
                updated_at=now,
            )
        )
        uow.commit()
    return endpoint


def list_endpoints(make_uow: UowFactory, tenant_id: str) -> list[WebhookEndpoint]:
    with make_uow() as uow:
        rows = uow.conn.execute(
            select(_e).where(_e.c.tenant_id == tenant_id).order_by(_e.c.id)
        ).all()
    return [_endpoint(r) for r in rows]


def get_endpoint(make_uow: UowFactory, tenant_id: str, endpoint_id: str) -> WebhookEndpoint:
    with make_uow() as uow:
        return _load_endpoint(uow.conn, tenant_id, endpoint_id)


def update_endpoint(
    make_uow: UowFactory,
    tenant_id: str,
    endpoint_id: str,
    now: datetime,
    *,
    url: str | None = None,
    event_types: Sequence[str] | None = None,
    active: bool | None = None,
    description: str | None = None,
) -> WebhookEndpoint:
    """Change what is given (None leaves a field as it is). A deactivated endpoint gets no
    new deliveries and its pending ones wait, unsent, until it is activated again."""
    errors: list[FieldError] = []
    changes: dict[str, Any] = {}
    if url is not None:
        errors += validate_url(url)
        changes["url"] = url
    if description is not None:
        errors += _validate_description(description)
        changes["description"] = description
    if event_types is not None:
        try:
            changes["event_types"] = normalise_event_types(event_types)
        except InvalidInput as exc:
            errors += exc.errors
    if active is not None:
        changes["active"] = active
    if errors:
        raise InvalidInput(errors)
    with make_uow() as uow:
        _load_endpoint(uow.conn, tenant_id, endpoint_id)
        if changes:
            uow.conn.execute(
                update(_e)
                .where(_e.c.id == endpoint_id, _e.c.tenant_id == tenant_id)
                .values(**changes, updated_at=now)
            )
        endpoint = _load_endpoint(uow.conn, tenant_id, endpoint_id)
        uow.commit()
    return endpoint


def rotate_secret(
    make_uow: UowFactory,
    tenant_id: str,
    endpoint_id: str,
    now: datetime,
    *,
    secret: str | None = None,
) -> WebhookEndpoint:
    """Replace the signing secret (a new one unless given); every later attempt, retries of
    older deliveries included, is signed with the new one."""
    if secret is not None and (errors := _validate_secret(secret)):
        raise InvalidInput(errors)
    new_secret = secret or generate_secret()
    with make_uow() as uow:
        _load_endpoint(uow.conn, tenant_id, endpoint_id)
        uow.conn.execute(
            update(_e)
            .where(_e.c.id == endpoint_id, _e.c.tenant_id == tenant_id)
            .values(secret=new_secret, updated_at=now)
        )
        endpoint = _load_endpoint(uow.conn, tenant_id, endpoint_id)
        uow.commit()
    return endpoint


def delete_endpoint(make_uow: UowFactory, tenant_id: str, endpoint_id: str, now: datetime) -> bool:
    """Remove an endpoint that never had a delivery (True); one with deliveries is only
    deactivated (False), so its delivery log stays readable."""
    with make_uow() as uow:
        _load_endpoint(uow.conn, tenant_id, endpoint_id)
        has_deliveries = uow.conn.execute(
            select(exists().where(_d.c.endpoint_id == endpoint_id))
        ).scalar_one()
        if has_deliveries:
            uow.conn.execute(
                update(_e).where(_e.c.id == endpoint_id).values(active=False, updated_at=now)
            )
        else:
            uow.conn.execute(delete(_e).where(_e.c.id == endpoint_id))
        uow.commit()
    return not has_deliveries


# ----- enqueue ---------------------------------------------------------------------------------
def _insert_ignoring_duplicates(conn: Connection, table: Table, keys: list[str]) -> Insert:
    """INSERT ... ON CONFLICT (keys) DO NOTHING on PostgreSQL and SQLite."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=keys)
    if conn.dialect.name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=keys)
    raise NotImplementedError(f"no insert-if-absent for dialect {conn.dialect.name}")


def enqueue_deliveries(make_uow: UowFactory, envelopes: Sequence[Envelope], now: datetime) -> int:
    """Create a pending delivery for every active endpoint subscribed to each event, in one
    transaction with two statements whatever the batch size. Idempotent: an (endpoint,
    event) pair already enqueued is skipped, so a redelivered batch creates nothing new.
    Returns the number of deliveries created."""
    if not envelopes:
        return 0
    tenants = sorted({e.tenant for e in envelopes})
    with make_uow() as uow:
        rows = uow.conn.execute(
            select(_e.c.id, _e.c.tenant_id, _e.c.event_types).where(
                _e.c.tenant_id.in_(tenants), _e.c.active.is_(True)
            )
        ).all()
        subscribers: dict[str, list[tuple[str, frozenset[str]]]] = {}
        for endpoint_id, tenant_id, types in rows:
            subscribers.setdefault(tenant_id, []).append((endpoint_id, frozenset(types or ())))
        values: dict[tuple[str, str], dict[str, Any]] = {}
        for env in envelopes:
            for endpoint_id, types in subscribers.get(env.tenant, ()):
                if (types and env.type not in types) or (endpoint_id, env.id) in values:
                    continue
                values[(endpoint_id, env.id)] = {
                    "id": new_id("whd"),
                    "tenant_id": env.tenant,
                    "endpoint_id": endpoint_id,
                    "event_id": env.id,
                    "event_type": env.type,
                    "order_id": env.order_id,
                    "payload": env.to_dict(),
                    "status": PENDING,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "last_error": "",
                    "created_at": now,
                    "updated_at": now,
                }
        if not values:
            return 0
        stmt = _insert_ignoring_duplicates(uow.conn, _d, ["endpoint_id", "event_id"])
        created = len(uow.conn.execute(stmt.returning(_d.c.id), list(values.values())).all())
        uow.commit()
    WEBHOOK_PENDING.inc(created)
    return created


def enqueue_handler(
    make_uow: UowFactory,
    clock: Callable[[], datetime],
    *,
    on_enqueued: Callable[[], None] | None = None,
) -> Callable[[Sequence[Envelope]], None]:
    """A durable consumer's batch handler: enqueue the batch's deliveries, then (if any were
    created) call `on_enqueued`, typically `WebhookDispatcher.notify`, so they go out now
    rather than at the next poll. Safe to re-run on a redelivered batch."""

    def handle(envelopes: Sequence[Envelope]) -> None:
        if enqueue_deliveries(make_uow, envelopes, clock()) and on_enqueued is not None:
            on_enqueued()

    return handle


# ----- dispatch --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Claimed:
    id: str
    attempts: int
    event_id: str
    payload: dict[str, Any]
    url: str
    secret: str


class WebhookDispatcher:
    """Sends due deliveries. Safe to run in several processes at once: a claim moves a
    delivery's next_attempt_at a lease ahead (under FOR UPDATE SKIP LOCKED on PostgreSQL,
    the write lock on SQLite), so no other worker sees it while it is being sent.

    Owns `sender` (closed by `close()`); requests of one batch go out in parallel on up to
    `concurrency` threads."""

    def __init__(
        self,
        make_uow: UowFactory,
        settings: Settings,
        clock: Callable[[], datetime],
        sender: WebhookSender,
        rng: random.Random | None = None,
        *,
        batch_size: int = 100,
        concurrency: int = 8,
    ) -> None:
        self.make_uow = make_uow
        self.settings = settings
        self.clock = clock
        self.sender = sender
        self.rng = rng or random.Random()
        self.batch_size = batch_size
        self.concurrency = max(1, concurrency)
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- policy
    def retry_delay(self, attempts: int) -> float:
        """Seconds before the next try after `attempts` failed ones:
        min(cap, base * 2**(attempts-1)) times a jitter factor in [0.5, 1.5), so receivers
        coming back from an outage are not hit by every retry at once."""
        exponent = min(max(attempts - 1, 0), 62)
        delay = min(
            self.settings.webhook_backoff_cap_seconds,
            self.settings.webhook_backoff_seconds * float(2**exponent),
        )
        return delay * (0.5 + self.rng.random())

    def lease(self, claimed: int) -> timedelta:
        rounds = math.ceil(claimed / self.concurrency)
        per_request = _PHASES_PER_REQUEST * self.settings.webhook_timeout_seconds
        return timedelta(seconds=_LEASE_MARGIN_SECONDS + rounds * per_request)

    # -- one round
    def deliver_due(self, limit: int = 100) -> int:
        """Send up to `limit` due deliveries once each; returns how many were attempted."""
        claimed = self._claim(limit)
        if not claimed:
            return 0
        results = self._send_all(claimed)
        self._record(list(zip(claimed, results, strict=True)))
        return len(claimed)

    def drain(self, limit: int = 100) -> int:
        """deliver_due until nothing is due now (retries scheduled later are left)."""
        total = 0
        while n := self.deliver_due(limit):
            total += n
        return total

    def _claim(self, limit: int) -> list[_Claimed]:
        now = self.clock()
        query = (
            select(_d.c.id, _d.c.attempts, _d.c.event_id, _d.c.payload, _e.c.url, _e.c.secret)
            .join(_e, _e.c.id == _d.c.endpoint_id)
            .where(_d.c.status == PENDING, _d.c.next_attempt_at <= now, _e.c.active.is_(True))
            .order_by(_d.c.next_attempt_at, _d.c.id)
            .limit(limit)
        )
        with self.make_uow() as uow:
            if uow.conn.dialect.name == "postgresql":
                query = query.with_for_update(of=_d, skip_locked=True)
            rows = uow.conn.execute(query).all()
            if not rows:
                _refresh_pending_gauge(uow.conn)
                return []
            claimed = [_Claimed(*row) for row in rows]
            uow.conn.execute(
                update(_d)
                .where(_d.c.id.in_([c.id for c in claimed]))
                .values(next_attempt_at=now + self.lease(len(claimed)))
            )
            uow.commit()
        return claimed

    def _send_one(self, c: _Claimed) -> SendResult:
        try:
            body = orjson.dumps(c.payload)
            timestamp = int(self.clock().timestamp())
            headers = {
                "content-type": "application/json",
                **signature_headers(c.secret, c.event_id, timestamp, body),
            }
        except Exception as exc:  # a corrupt secret or payload: counted against the budget
            return SendResult(None, 0.0, f"could not sign the message: {exc}", "retry")
        return self.sender.send(c.url, body, headers)

    def _send_all(self, claimed: list[_Claimed]) -> list[SendResult]:
        if len(claimed) == 1 or self.concurrency == 1:
            return [self._send_one(c) for c in claimed]
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=self.concurrency, thread_name_prefix="webhook-send"
                )
            pool = self._pool
        return list(pool.map(self._send_one, claimed))

    def _record(self, outcomes: list[tuple[_Claimed, SendResult]]) -> None:
        now = self.clock()
        max_attempts = self.settings.webhook_max_attempts
        with self.make_uow() as uow:
            conn = uow.conn
            logged = dict(
                conn.execute(
                    select(_a.c.delivery_id, func.max(_a.c.attempt))
                    .where(_a.c.delivery_id.in_([c.id for c, _ in outcomes]))
                    .group_by(_a.c.delivery_id)
                ).all()
            )
            attempt_rows: list[dict[str, Any]] = []
            for c, result in outcomes:
                attempts = c.attempts + 1
                outcome: str = result.outcome
                if outcome == "retry" and attempts >= max_attempts:
                    outcome = DEAD
                status = {"succeeded": SUCCEEDED, "retry": PENDING, DEAD: DEAD}[outcome]
                next_at = (
                    now + timedelta(seconds=self.retry_delay(attempts))
                    if status == PENDING
                    else None
                )
                # Guarded by the state seen at claim time: if the lease ran out and another
                # worker already recorded this delivery, ours is not recorded twice.
                changed = conn.execute(
                    update(_d)
                    .where(_d.c.id == c.id, _d.c.status == PENDING, _d.c.attempts == c.attempts)
                    .values(
                        status=status,
                        attempts=attempts,
                        next_attempt_at=next_at,
                        last_status_code=result.status_code,
                        last_error=result.error,
                        last_latency_ms=result.latency_ms,
                        updated_at=now,
                    )
                ).rowcount
                if not changed:
                    log.warning("webhook delivery %s was recorded by another worker", c.id)
                    continue
                attempt_rows.append(
                    {
                        "delivery_id": c.id,
                        "attempt": int(logged.get(c.id) or 0) + 1,
                        "at": now,
                        "outcome": outcome,
                        "status_code": result.status_code,
                        "latency_ms": result.latency_ms,
                        "error": result.error,
                    }
                )
                WEBHOOK_DELIVERIES.labels(outcome=outcome).inc()
                WEBHOOK_LATENCY.observe(result.latency_ms / 1000)
                if status == DEAD:
                    log.warning(
                        "webhook delivery %s is dead after %d attempt(s): %s",
                        c.id,
                        attempts,
                        result.error,
                    )
            if attempt_rows:
                conn.execute(insert(_a), attempt_rows)
            _refresh_pending_gauge(conn)
            uow.commit()

    # -- background
    def notify(self) -> None:
        """Wake the background loop now (for example after deliveries were enqueued)."""
        self._wake.set()

    def start(self, poll_seconds: float = 1.0) -> None:
        """Deliver in a daemon thread: drain what is due, then sleep until notified or
        `poll_seconds` pass (retries fall due with time, not with a notification)."""
        if self._thread is not None:
            return
        self._stop.clear()

        def run() -> None:
            while not self._stop.is_set():
                self._wake.clear()
                try:
                    while not self._stop.is_set():
                        if self.deliver_due(self.batch_size) < self.batch_size:
                            break
                except Exception:
                    log.exception("webhook dispatch failed; retrying")
                self._wake.wait(poll_seconds)

        self._thread = threading.Thread(target=run, name="webhook-dispatcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def close(self) -> None:
        """Stop the loop, the send threads and the HTTP client."""
        self.stop()
        with self._pool_lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None
        self.sender.close()


def _refresh_pending_gauge(conn: Connection) -> None:
    count = conn.execute(
        select(func.count()).select_from(_d).where(_d.c.status == PENDING)
    ).scalar_one()
    WEBHOOK_PENDING.set(count)


# ----- replay ----------------------------------------------------------------------------------
def replay_delivery(
    make_uow: UowFactory, tenant_id: str, delivery_id: str, now: datetime
) -> WebhookDelivery:
    """Send a dead (or succeeded) delivery again: back to pending, due now, with a fresh
    attempt budget; its attempt log is kept and continues."""
    with make_uow() as uow:
        current = _load_delivery(uow.conn, tenant_id, delivery_id)
        if current.status == PENDING:
            due = current.next_attempt_at.isoformat() if current.next_attempt_at else "soon"
            raise Conflict(
                f"delivery '{delivery_id}' is already pending; its next attempt is due at {due}"
            )
        endpoint = _load_endpoint(uow.conn, tenant_id, current.endpoint_id)
        if not endpoint.active:
            raise Conflict(
                f"webhook endpoint '{endpoint.id}' is inactive; activate it before replaying"
            )
        uow.conn.execute(
            update(_d)
            .where(_d.c.id == delivery_id, _d.c.status == current.status)
            .values(status=PENDING, attempts=0, next_attempt_at=now, updated_at=now)
        )
        replayed = _load_delivery(uow.conn, tenant_id, delivery_id)
        uow.commit()
    WEBHOOK_PENDING.inc()
    return replayed


def replay_dead(
    make_uow: UowFactory, tenant_id: str, endpoint_id: str | None, now: datetime
) -> int:
    """Replay every dead delivery of one endpoint (or of every active endpoint of the
    tenant); returns how many were put back to pending."""
    conditions = [_d.c.tenant_id == tenant_id, _d.c.status == DEAD]
    with make_uow() as uow:
        if endpoint_id is not None:
            endpoint = _load_endpoint(uow.conn, tenant_id, endpoint_id)
            if not endpoint.active:
                raise Conflict(
                    f"webhook endpoint '{endpoint_id}' is inactive; activate it before replaying"
                )
            conditions.append(_d.c.endpoint_id == endpoint_id)
        else:
            active_ids = select(_e.c.id).where(_e.c.tenant_id == tenant_id, _e.c.active.is_(True))
            conditions.append(_d.c.endpoint_id.in_(active_ids))
        count = uow.conn.execute(
            update(_d)
            .where(and_(*conditions))
            .values(status=PENDING, attempts=0, next_attempt_at=now, updated_at=now)
        ).rowcount
        uow.commit()
    WEBHOOK_PENDING.inc(count)
    return int(count)


# ----- queries ---------------------------------------------------------------------------------
_SUMMARY = [c for c in _d.c if c.name != "payload"]


def _delivery(row: Row[Any]) -> WebhookDelivery:
    m = row._mapping
    return WebhookDelivery(
        id=m["id"],
        tenant_id=m["tenant_id"],
        endpoint_id=m["endpoint_id"],
        event_id=m["event_id"],
        event_type=m["event_type"],
        order_id=m["order_id"],
        status=m["status"],
        attempts=m["attempts"],
        next_attempt_at=m["next_attempt_at"],
        last_status_code=m["last_status_code"],
        last_error=m["last_error"],
        last_latency_ms=m["last_latency_ms"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        payload=m.get("payload"),
    )


def _load_delivery(conn: Connection, tenant_id: str, delivery_id: str) -> WebhookDelivery:
    row = conn.execute(
        select(_d).where(_d.c.id == delivery_id, _d.c.tenant_id == tenant_id)
    ).first()
    if row is None:
        raise NotFound(f"webhook delivery '{delivery_id}' not found")
    return _delivery(row)


def _page(conn: Connection, conditions: list[Any], cursor: str | None, limit: int) -> DeliveryPage:
    """Newest first; the cursor is the last id of the previous page (ids sort by time)."""
    if cursor:
        conditions = [*conditions, _d.c.id < cursor]
    rows = conn.execute(
        select(*_SUMMARY).where(and_(*conditions)).order_by(_d.c.id.desc()).limit(limit + 1)
    ).all()
    items = [_delivery(r) for r in rows[:limit]]
    more = len(rows) > limit
    return DeliveryPage(items=items, next_cursor=items[-1].id if more and items else None)


def _check_status(status: str | None) -> None:
    if status is not None and status not in STATUSES:
        raise InvalidInput(
            [FieldError("status", f"must be one of {', '.join(STATUSES)}; got '{status}'")]
        )


def list_deliveries(
    make_uow: UowFactory,
    tenant_id: str,
    endpoint_id: str,
    *,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> DeliveryPage:
    """One endpoint's deliveries, newest first, optionally of one status (no payloads)."""
    _check_status(status)
    with make_uow() as uow:
        _load_endpoint(uow.conn, tenant_id, endpoint_id)
        conditions = [_d.c.tenant_id == tenant_id, _d.c.endpoint_id == endpoint_id]
        if status is not None:
            conditions.append(_d.c.status == status)
        return _page(uow.conn, conditions, cursor, limit)


def dead_letters(
    make_uow: UowFactory,
    tenant_id: str,
    *,
    endpoint_id: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> DeliveryPage:
    """Deliveries that gave up, newest first: the tenant's dead-letter list."""
    with make_uow() as uow:
        conditions = [_d.c.tenant_id == tenant_id, _d.c.status == DEAD]
        if endpoint_id is not None:
            _load_endpoint(uow.conn, tenant_id, endpoint_id)
            conditions.append(_d.c.endpoint_id == endpoint_id)
        return _page(uow.conn, conditions, cursor, limit)


def get_delivery(make_uow: UowFactory, tenant_id: str, delivery_id: str) -> DeliveryLog:
    """A delivery with its payload and every attempt, oldest first: the delivery log."""
    with make_uow() as uow:
        delivery = _load_delivery(uow.conn, tenant_id, delivery_id)
        rows = uow.conn.execute(
            select(_a).where(_a.c.delivery_id == delivery_id).order_by(_a.c.attempt, _a.c.id)
        ).all()
    attempts = [
        WebhookAttempt(
            attempt=r.attempt,
            at=r.at,
            outcome=r.outcome,
            status_code=r.status_code,
            latency_ms=r.latency_ms,
            error=r.error,
        )
        for r in rows
    ]
    return DeliveryLog(delivery=delivery, attempts=attempts)
