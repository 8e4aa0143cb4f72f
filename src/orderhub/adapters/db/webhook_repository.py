"""Webhook endpoints, their deliveries and the attempt log: every statement the webhook
services need, on the unit of work's connection (`uow.webhooks`).

Leases: a dispatcher claims a due delivery by moving its `next_attempt_at` a lease ahead;
the value written is the lease's token. Renewing compares against it, so a dispatcher whose
lease ran out and was taken over by another cannot extend what is no longer its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, delete, exists, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from orderhub.adapters.crypto.keyring import PiiCipher
from orderhub.adapters.db.tables import webhook_attempts, webhook_deliveries, webhook_endpoints
from orderhub.domain.webhooks import (
    DEAD,
    PENDING,
    AttemptOutcome,
    ClaimedDelivery,
    DeliveryPage,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

_d = webhook_deliveries
_e = webhook_endpoints
_a = webhook_attempts
_SUMMARY = [c for c in _d.c if c.name != "payload"]

# Subscriptions of active endpoints: tenant -> [(endpoint id, event types; empty = all)].
Subscribers = dict[str, list[tuple[str, frozenset[str]]]]


def _secret_field(endpoint_id: str) -> str:
    return f"webhook_endpoints.secret/{endpoint_id}"


def _endpoint(m: RowMapping, pii: PiiCipher) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=m["id"],
        tenant_id=m["tenant_id"],
        url=m["url"],
        secret=pii.decrypt_text(m["tenant_id"], _secret_field(m["id"]), m["secret"]),
        event_types=list(m["event_types"] or []),
        description=m["description"],
        active=bool(m["active"]),
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


def _delivery(m: RowMapping) -> WebhookDelivery:
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


def _insert_ignoring_duplicates(conn: Connection, keys: list[str]) -> Insert:
    """INSERT ... ON CONFLICT (keys) DO NOTHING on PostgreSQL and SQLite."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(_d).on_conflict_do_nothing(index_elements=keys)
    if conn.dialect.name == "sqlite":
        return sqlite.insert(_d).on_conflict_do_nothing(index_elements=keys)
    raise NotImplementedError(f"no insert-if-absent for dialect {conn.dialect.name}")


class WebhookRepository:
    def __init__(self, conn: Connection, pii: PiiCipher | None = None) -> None:
        self.conn = conn
        self._pii = pii  # endpoint secrets are stored as ciphertext

    @property
    def pii(self) -> PiiCipher:
        """The cipher; only counters (backbone status) may open the repository without."""
        if self._pii is None:
            raise RuntimeError("webhook secrets need the unit of work's cipher")
        return self._pii

    def reencrypt_secrets(self, tenant_id: str) -> int:
        """Endpoint secrets not under the tenant's newest data key, rewritten under it."""
        version = self.pii.current_version(tenant_id)
        rows = self.conn.execute(select(_e.c.id, _e.c.secret).where(
            _e.c.tenant_id == tenant_id,
            ~_e.c.secret.startswith(f"p1.{version}.", autoescape=True))).all()
        for endpoint_id, stored in rows:
            field = _secret_field(endpoint_id)
            clear = self.pii.decrypt_text(tenant_id, field, stored)
            self.conn.execute(update(_e).where(_e.c.id == endpoint_id).values(
                secret=self.pii.encrypt_text(tenant_id, field, clear)))
        return len(rows)

    # ----- endpoints ------------------------------------------------------------------------
    def endpoint(self, tenant_id: str, endpoint_id: str) -> WebhookEndpoint | None:
        row = self.conn.execute(
            select(_e).where(_e.c.id == endpoint_id, _e.c.tenant_id == tenant_id)
        ).mappings().first()
        return None if row is None else _endpoint(row, self.pii)

    def endpoints(self, tenant_id: str) -> list[WebhookEndpoint]:
        rows = self.conn.execute(
            select(_e).where(_e.c.tenant_id == tenant_id).order_by(_e.c.id)
        ).mappings()
        return [_endpoint(r, self.pii) for r in rows]

    def add_endpoint(self, e: WebhookEndpoint) -> None:
        self.conn.execute(
            insert(_e).values(
                id=e.id,
                tenant_id=e.tenant_id,
                url=e.url,
                secret=self.pii.encrypt_text(e.tenant_id, _secret_field(e.id), e.secret),
                event_types=e.event_types,
                description=e.description,
                active=e.active,
                created_at=e.created_at,
                updated_at=e.updated_at,
            )
        )

    def update_endpoint(
        self, tenant_id: str, endpoint_id: str, changes: Mapping[str, Any], now: datetime
    ) -> None:
        """Set the given columns (url, event_types, description, active, secret)."""
        if "secret" in changes:
            changes = {**changes, "secret": self.pii.encrypt_text(
                tenant_id, _secret_field(endpoint_id), changes["secret"])}
        self.conn.execute(
            update(_e)
            .where(_e.c.id == endpoint_id, _e.c.tenant_id == tenant_id)
            .values(**changes, updated_at=now)
        )

    def has_deliveries(self, endpoint_id: str) -> bool:
        return bool(
            self.conn.execute(select(exists().where(_d.c.endpoint_id == endpoint_id))).scalar_one()
        )

    def remove_endpoint(self, endpoint_id: str) -> None:
        self.conn.execute(delete(_e).where(_e.c.id == endpoint_id))

    def subscribers(self, tenant_ids: Sequence[str]) -> Subscribers:
        """The active endpoints of these tenants and the event types each subscribes to."""
        rows = self.conn.execute(
            select(_e.c.id, _e.c.tenant_id, _e.c.event_types).where(
                _e.c.tenant_id.in_(list(tenant_ids)), _e.c.active.is_(True)
            )
        ).all()
        found: Subscribers = {}
        for endpoint_id, tenant_id, types in rows:
            found.setdefault(tenant_id, []).append((endpoint_id, frozenset(types or ())))
        return found

    # ----- deliveries -----------------------------------------------------------------------
    def add_deliveries(self, deliveries: Sequence[WebhookDelivery]) -> int:
        """Insert pending deliveries in one statement, skipping (endpoint, event) pairs that
        exist already; returns how many were new."""
        if not deliveries:
            return 0
        stmt = _insert_ignoring_duplicates(self.conn, ["endpoint_id", "event_id"])
        values = [
            {
                "id": d.id,
                "tenant_id": d.tenant_id,
                "endpoint_id": d.endpoint_id,
                "event_id": d.event_id,
                "event_type": d.event_type,
                "order_id": d.order_id,
                "payload": d.payload,
                "status": d.status,
                "attempts": d.attempts,
                "next_attempt_at": d.next_attempt_at,
                "last_error": d.last_error,
                "created_at": d.created_at,
                "updated_at": d.updated_at,
            }
            for d in deliveries
        ]
        return len(self.conn.execute(stmt.returning(_d.c.id), values).all())

    def delivery(self, tenant_id: str, delivery_id: str) -> WebhookDelivery | None:
        row = self.conn.execute(
            select(_d).where(_d.c.id == delivery_id, _d.c.tenant_id == tenant_id)
        ).mappings().first()
        return None if row is None else _delivery(row)

    def attempts(self, delivery_id: str) -> list[WebhookAttempt]:
        rows = self.conn.execute(
            select(_a).where(_a.c.delivery_id == delivery_id).order_by(_a.c.attempt, _a.c.id)
        ).all()
        return [
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

    def page(
        self,
        tenant_id: str,
        *,
        endpoint_id: str | None = None,
        status: str | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> DeliveryPage:
        """Newest first, without payloads; the cursor is the last id of the previous page
        (ids sort by time)."""
        conditions = [_d.c.tenant_id == tenant_id]
        if endpoint_id is not None:
            conditions.append(_d.c.endpoint_id == endpoint_id)
        if status is not None:
            conditions.append(_d.c.status == status)
        if cursor:
            conditions.append(_d.c.id < cursor)
        rows = self.conn.execute(
            select(*_SUMMARY).where(and_(*conditions)).order_by(_d.c.id.desc()).limit(limit + 1)
        ).mappings().all()
        items = [_delivery(r) for r in rows[:limit]]
        more = len(rows) > limit
        return DeliveryPage(items=items, next_cursor=items[-1].id if more and items else None)

    def pending_count(self) -> int:
        return int(
            self.conn.execute(
                select(func.count()).select_from(_d).where(_d.c.status == PENDING)
            ).scalar_one()
        )

    def count_by_status(self) -> dict[str, int]:
        rows = self.conn.execute(select(_d.c.status, func.count()).group_by(_d.c.status)).all()
        return {str(status): int(n) for status, n in rows}

    # ----- replay ---------------------------------------------------------------------------
    def requeue(self, delivery_id: str, from_status: str, now: datetime) -> None:
        """Back to pending, due now, with a fresh attempt budget (if still in `from_status`)."""
        self.conn.execute(
            update(_d)
            .where(_d.c.id == delivery_id, _d.c.status == from_status)
            .values(status=PENDING, attempts=0, next_attempt_at=now, updated_at=now)
        )

    def requeue_dead(self, tenant_id: str, endpoint_id: str | None, now: datetime) -> int:
        """Every dead delivery of one endpoint, or of each active endpoint of the tenant."""
        conditions = [_d.c.tenant_id == tenant_id, _d.c.status == DEAD]
        if endpoint_id is not None:
            conditions.append(_d.c.endpoint_id == endpoint_id)
        else:
            active_ids = select(_e.c.id).where(_e.c.tenant_id == tenant_id, _e.c.active.is_(True))
            conditions.append(_d.c.endpoint_id.in_(active_ids))
        count = self.conn.execute(
            update(_d)
            .where(and_(*conditions))
            .values(status=PENDING, attempts=0, next_attempt_at=now, updated_at=now)
        ).rowcount
        return int(count)

    # ----- dispatch -------------------------------------------------------------------------
    def claim_due(self, now: datetime, limit: int, leased_until: datetime) -> list[ClaimedDelivery]:
        """Lease up to `limit` due deliveries of active endpoints, oldest due first. On
        PostgreSQL rows another dispatcher is claiming are skipped (FOR UPDATE SKIP LOCKED);
        SQLite's write lock serialises claims."""
        query = (
            select(_d.c.id, _d.c.attempts, _d.c.event_id, _d.c.payload, _e.c.url, _e.c.secret,
                   _e.c.id, _e.c.tenant_id)
            .join(_e, _e.c.id == _d.c.endpoint_id)
            .where(_d.c.status == PENDING, _d.c.next_attempt_at <= now, _e.c.active.is_(True))
            .order_by(_d.c.next_attempt_at, _d.c.id)
            .limit(limit)
        )
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update(of=_d, skip_locked=True)
        rows = self.conn.execute(query).all()
        if not rows:
            return []
        claimed = [
            ClaimedDelivery(did, attempts, event_id, payload, url,
                            self.pii.decrypt_text(tenant, _secret_field(eid), secret),
                            leased_until=leased_until)
            for did, attempts, event_id, payload, url, secret, eid, tenant in rows]
        self.conn.execute(
            update(_d)
            .where(_d.c.id.in_([c.id for c in claimed]))
            .values(next_attempt_at=leased_until)
        )
        return claimed

    def renew_leases(
        self, ids: Sequence[str], leased_until: datetime, until: datetime
    ) -> set[str]:
        """Move the leases still held (pending, and still showing our token `leased_until`)
        to `until`; returns the ids renewed."""
        if not ids:
            return set()
        rows = self.conn.execute(
            update(_d)
            .where(
                _d.c.id.in_(list(ids)),
                _d.c.status == PENDING,
                _d.c.next_attempt_at == leased_until,
            )
            .values(next_attempt_at=until)
            .returning(_d.c.id)
        ).all()
        return {r[0] for r in rows}

    def last_attempt_numbers(self, delivery_ids: Sequence[str]) -> dict[str, int]:
        """The highest logged attempt number of each delivery (absent: none logged)."""
        rows = self.conn.execute(
            select(_a.c.delivery_id, func.max(_a.c.attempt))
            .where(_a.c.delivery_id.in_(list(delivery_ids)))
            .group_by(_a.c.delivery_id)
        ).all()
        return {str(d): int(n or 0) for d, n in rows}

    def record_outcome(self, o: AttemptOutcome, now: datetime) -> bool:
        """Move a delivery to its state after an attempt, guarded by the state seen at claim
        time: False (nothing written) if another worker recorded it meanwhile."""
        changed = self.conn.execute(
            update(_d)
            .where(
                _d.c.id == o.delivery_id,
                _d.c.status == PENDING,
                _d.c.attempts == o.attempts_before,
            )
            .values(
                status=o.status,
                attempts=o.attempts,
                next_attempt_at=o.next_attempt_at,
                last_status_code=o.status_code,
                last_error=o.error,
                last_latency_ms=o.latency_ms,
                updated_at=now,
            )
        ).rowcount
        return bool(changed)

    def add_attempts(self, rows: Sequence[tuple[AttemptOutcome, int]], at: datetime) -> None:
        """Log attempts: (outcome, attempt number across rounds) pairs."""
        if rows:
            self.conn.execute(
                insert(_a),
                [
                    {
                        "delivery_id": o.delivery_id,
                        "attempt": number,
                        "at": at,
                        "outcome": o.outcome,
                        "status_code": o.status_code,
                        "latency_ms": o.latency_ms,
                        "error": o.error,
                    }
                    for o, number in rows
                ],
            )
