"""Customer notifications' storage (`uow.notifications`): the tenant's templates,
settings and opt-outs, the messages (recipient encrypted with the unit of work's cipher,
opened only when a dispatcher claims the message to send it) and the delivery log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from sqlalchemy import (
    Connection,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from orderhub.adapters.crypto.keyring import PiiCipher
from orderhub.adapters.db.tables import (
    notification_log,
    notification_messages,
    notification_optouts,
    notification_settings,
    notification_templates,
)
from orderhub.domain import notifications as n

_m = notification_messages
_l = notification_log
_o = notification_optouts
_t = notification_templates
_s = notification_settings


def _field(message_id: str) -> str:
    return f"notification_messages.recipient/{message_id}"


def _hhmm(v: time | None) -> str | None:
    return None if v is None else f"{v:%H:%M}"


def _time(v: str | None) -> time | None:
    return None if not v else time.fromisoformat(v)


@dataclass(frozen=True, slots=True)
class Claimed:
    """A due message, leased to one dispatcher, with its recipient opened to send it."""

    id: str
    tenant_id: str
    order_id: str
    medium: str
    to: str
    subject: str
    body: str
    attempts: int
    unsubscribe_token: str
    leased_until: datetime


@dataclass(frozen=True, slots=True)
class Outcome:
    id: str
    tenant_id: str
    order_id: str
    status: str  # sent | failed | dead_lettered
    attempts: int
    next_attempt_at: datetime | None
    handed_at: datetime
    detail: str
    leased_until: datetime


class NotificationRepository:
    def __init__(self, conn: Connection, pii: PiiCipher) -> None:
        self.conn = conn
        self.pii = pii

    # ----- settings -------------------------------------------------------------------------
    def settings_many(self, tenant_ids: Sequence[str]) -> dict[str, n.NotificationSettings]:
        rows = self.conn.execute(select(_s).where(_s.c.tenant_id.in_(list(tenant_ids))))
        found = {r["tenant_id"]: n.NotificationSettings(
            tenant_id=r["tenant_id"], enabled=bool(r["enabled"]), media=tuple(r["media"]),
            quiet_start=_time(r["quiet_start"]), quiet_end=_time(r["quiet_end"]),
            timezone=r["timezone"], language=r["language"]) for r in rows.mappings()}
        return {t: found.get(t) or n.NotificationSettings(t) for t in tenant_ids}

    def settings(self, tenant_id: str) -> n.NotificationSettings:
        return self.settings_many([tenant_id])[tenant_id]

    def save_settings(self, s: n.NotificationSettings, now: datetime) -> None:
        values = {"enabled": s.enabled, "media": list(s.media),
                  "quiet_start": _hhmm(s.quiet_start), "quiet_end": _hhmm(s.quiet_end),
                  "timezone": s.timezone, "language": s.language, "updated_at": now}
        done = self.conn.execute(update(_s).where(_s.c.tenant_id == s.tenant_id)
                                 .values(**values)).rowcount
        if not done:
            self.conn.execute(insert(_s).values(tenant_id=s.tenant_id, **values))

    # ----- templates ------------------------------------------------------------------------
    def templates_many(self, tenant_ids: Sequence[str]
                       ) -> dict[str, dict[n.TemplateKey, n.Template]]:
        out: dict[str, dict[n.TemplateKey, n.Template]] = {t: {} for t in tenant_ids}
        rows = self.conn.execute(select(_t).where(_t.c.tenant_id.in_(list(tenant_ids))))
        for r in rows.mappings():
            key = n.TemplateKey(r["event"], r["channel"], r["language"], r["medium"])
            out[r["tenant_id"]][key] = n.Template(key, r["body"], r["subject"],
                                                  bool(r["urgent"]), bool(r["enabled"]))
        return out

    def templates(self, tenant_id: str) -> dict[n.TemplateKey, n.Template]:
        return self.templates_many([tenant_id])[tenant_id]

    def save_template(self, tenant_id: str, t: n.Template, now: datetime, actor: str) -> None:
        k = t.key
        where = and_(_t.c.tenant_id == tenant_id, _t.c.event == k.event,
                     _t.c.channel == k.channel, _t.c.language == k.language,
                     _t.c.medium == k.medium)
        values = {"subject": t.subject, "body": t.body, "urgent": t.urgent,
                  "enabled": t.enabled, "updated_at": now, "updated_by": actor}
        if not self.conn.execute(update(_t).where(where).values(**values)).rowcount:
            self.conn.execute(insert(_t).values(tenant_id=tenant_id, event=k.event,
                                                channel=k.channel, language=k.language,
                                                medium=k.medium, **values))

    def delete_template(self, tenant_id: str, k: n.TemplateKey) -> bool:
        return bool(self.conn.execute(delete(_t).where(
            _t.c.tenant_id == tenant_id, _t.c.event == k.event, _t.c.channel == k.channel,
            _t.c.language == k.language, _t.c.medium == k.medium)).rowcount)

    # ----- opt-outs -------------------------------------------------------------------------
    def add_optout(self, tenant_id: str, kind: str, subject: str, medium: str, label: str,
                   source: str, now: datetime) -> bool:
        exists = self.conn.execute(select(_o.c.kind).where(
            _o.c.tenant_id == tenant_id, _o.c.kind == kind, _o.c.subject == subject,
            _o.c.medium == medium)).first()
        if exists:
            return False
        self.conn.execute(insert(_o).values(tenant_id=tenant_id, kind=kind, subject=subject,
                                            medium=medium, label=label, source=source,
                                            created_at=now))
        return True

    def remove_optout(self, tenant_id: str, kind: str, subject: str, medium: str) -> bool:
        return bool(self.conn.execute(delete(_o).where(
            _o.c.tenant_id == tenant_id, _o.c.kind == kind, _o.c.subject == subject,
            _o.c.medium == medium)).rowcount)

    def optouts(self, tenant_id: str, kind: str | None = None, subject: str | None = None
                ) -> list[dict[str, Any]]:
        q = select(_o).where(_o.c.tenant_id == tenant_id).order_by(_o.c.created_at)
        if kind is not None:
            q = q.where(_o.c.kind == kind)
        if subject is not None:
            q = q.where(_o.c.subject == subject)
        return [dict(r) for r in self.conn.execute(q).mappings()]

    def opted_out(self, tenant_id: str, subjects: Sequence[tuple[str, str]]
                  ) -> set[tuple[str, str, str]]:
        """Of (kind, subject) pairs, the (kind, subject, medium) opt-outs stored."""
        if not subjects:
            return set()
        rows = self.conn.execute(select(_o.c.kind, _o.c.subject, _o.c.medium).where(
            _o.c.tenant_id == tenant_id,
            tuple_(_o.c.kind, _o.c.subject).in_(list(dict.fromkeys(subjects)))))
        return {(k, s, m) for k, s, m in rows}

    # ----- messages -------------------------------------------------------------------------
    def existing_keys(self, tenant_id: str, keys: Sequence[str]) -> set[str]:
        if not keys:
            return set()
        rows = self.conn.execute(select(_m.c.idempotency_key).where(
            _m.c.tenant_id == tenant_id, _m.c.idempotency_key.in_(list(keys))))
        return {k for (k,) in rows}

    def add_messages(self, messages: Sequence[n.Message], now: datetime) -> None:
        """Store new messages (a key already stored is skipped) and their first log line."""
        if not messages:
            return
        rows = [{
            "id": m.id, "tenant_id": m.tenant_id, "order_id": m.order_id,
            "event_id": m.event_id, "event_type": m.event_type, "medium": m.medium,
            "idempotency_key": m.idempotency_key,
            "recipient": (self.pii.encrypt_text(m.tenant_id, _field(m.id), m.recipient)
                          if m.recipient else ""),
            "recipient_masked": m.recipient_masked, "recipient_index": m.recipient_index,
            "language": m.language, "subject": m.subject, "body": m.body,
            "status": m.status, "reason": m.reason, "attempts": m.attempts,
            "next_attempt_at": m.next_attempt_at, "event_recorded_at": m.event_recorded_at,
            "handed_at": None, "unsubscribe_token": m.unsubscribe_token,
            "created_at": m.created_at, "updated_at": now} for m in messages]
        dialect = self.conn.dialect.name
        stmt: Any = (postgresql.insert(_m) if dialect == "postgresql" else sqlite.insert(_m))
        stmt = stmt.on_conflict_do_nothing(index_elements=["tenant_id", "idempotency_key"])
        stored = {r[0] for r in self.conn.execute(stmt.returning(_m.c.id), rows)}
        self.add_log([(m.id, m.tenant_id, m.order_id, m.status, m.reason)
                      for m in messages if m.id in stored], now)

    def add_log(self, rows: Sequence[tuple[str, str, str, str, str]], at: datetime) -> None:
        if rows:
            self.conn.execute(insert(_l), [
                {"message_id": mid, "tenant_id": tid, "order_id": oid, "at": at,
                 "state": state, "detail": detail} for mid, tid, oid, state, detail in rows])

    def claim_due(self, now: datetime, limit: int, leased_until: datetime) -> list[Claimed]:
        """Lease up to `limit` due messages, oldest due first (SKIP LOCKED on PostgreSQL),
        their recipients opened to send them."""
        rows = lease_due(self.conn, _m, (_m.c.id, _m.c.tenant_id, _m.c.order_id, _m.c.medium,
                                         _m.c.recipient, _m.c.subject, _m.c.body,
                                         _m.c.attempts, _m.c.unsubscribe_token),
                         now, limit, leased_until)
        return [Claimed(mid, tid, oid, medium,
                        self.pii.decrypt_text(tid, _field(mid), rcpt) if rcpt else "",
                        subject, body, attempts, token, leased_until)
                for mid, tid, oid, medium, rcpt, subject, body, attempts, token in rows]

    def record(self, outcomes: Sequence[Outcome], now: datetime) -> list[Outcome]:
        """Each attempt's outcome, guarded by the lease (a message another dispatcher took
        over after our lease ran out is not recorded twice); returns those recorded. One
        read and one executemany, whatever the batch."""
        done = record_leased(self.conn, _m, outcomes, now)
        self.add_log([(o.id, o.tenant_id, o.order_id, o.status, o.detail) for o in done], now)
        return done

    def for_order(self, tenant_id: str, order_id: str) -> list[dict[str, Any]]:
        """The order's messages (no recipient but the masked one), each with its log."""
        cols = [c for c in _m.c if c.name not in ("recipient", "recipient_index",
                                                   "unsubscribe_token", "idempotency_key")]
        msgs = [dict(r) for r in self.conn.execute(
            select(*cols).where(_m.c.tenant_id == tenant_id, _m.c.order_id == order_id)
            .order_by(_m.c.created_at, _m.c.id)).mappings()]
        log: dict[str, list[dict[str, Any]]] = {}
        for r in self.conn.execute(select(_l.c.message_id, _l.c.at, _l.c.state, _l.c.detail)
                                   .where(_l.c.tenant_id == tenant_id,
                                          _l.c.order_id == order_id)
                                   .order_by(_l.c.id)).mappings():
            log.setdefault(r["message_id"], []).append(
                {"at": r["at"], "state": r["state"], "detail": r["detail"]})
        for m in msgs:
            m["log"] = log.get(m["id"], [])
        return msgs

    def by_token(self, token: str) -> dict[str, Any] | None:
        row = self.conn.execute(select(_m.c.id, _m.c.tenant_id, _m.c.medium,
                                       _m.c.recipient_index, _m.c.recipient_masked)
                                .where(_m.c.unsubscribe_token == token)).mappings().first()
        return dict(row) if row else None

    def suppress_pending(self, tenant_id: str, medium: str, recipient_index: str,
                         now: datetime) -> int:
        """Messages not yet sent to a recipient who just opted out: suppressed."""
        q = select(_m.c.id, _m.c.order_id).where(
            _m.c.tenant_id == tenant_id, _m.c.recipient_index == recipient_index,
            _m.c.status.in_(n.DUE_STATES))
        if medium != n.ANY_MEDIUM:
            q = q.where(_m.c.medium == medium)
        rows = self.conn.execute(q).all()
        if not rows:
            return 0
        self.conn.execute(update(_m).where(_m.c.id.in_([r[0] for r in rows])).values(
            status=n.SUPPRESSED, reason=n.OPTED_OUT, next_attempt_at=None, updated_at=now))
        self.add_log([(mid, tenant_id, oid, n.SUPPRESSED, n.OPTED_OUT) for mid, oid in rows],
                     now)
        return len(rows)

    def counts(self, tenant_id: str | None = None) -> dict[str, int]:
        q = select(_m.c.status, func.count()).group_by(_m.c.status)
        if tenant_id is not None:
            q = q.where(_m.c.tenant_id == tenant_id)
        return {s: int(c) for s, c in self.conn.execute(q)}

    def latencies(self, tenant_id: str) -> list[tuple[datetime, datetime]]:
        """(event recorded, handed to the sender) of sent messages (benchmarks)."""
        rows = self.conn.execute(select(_m.c.event_recorded_at, _m.c.handed_at).where(
            _m.c.tenant_id == tenant_id, _m.c.status == n.SENT,
            _m.c.event_recorded_at.is_not(None)))
        return [(a, b) for a, b in rows]


def lease_due(conn: Connection, table: Table, columns: Sequence[Any], now: datetime,
              limit: int, leased_until: datetime) -> list[Any]:
    """Lease up to `limit` due rows of a dispatcher's queue (`status` in DUE_STATES,
    `next_attempt_at` passed; the table's first column is its id), oldest due first,
    SKIP LOCKED on PostgreSQL: their `next_attempt_at` becomes the lease's end, so another
    dispatcher leaves them alone until it runs out. Customer messages and chat cards share
    it (and `record_leased`)."""
    q = (select(*columns).where(table.c.status.in_(n.DUE_STATES), table.c.next_attempt_at <= now)
         .order_by(table.c.next_attempt_at).limit(limit))
    if conn.dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    rows = conn.execute(q).all()
    if rows:
        conn.execute(update(table).where(table.c.id.in_([r[0] for r in rows]))
                     .values(next_attempt_at=leased_until))
    return list(rows)


def record_leased(conn: Connection, table: Table, outcomes: Sequence[Outcome],
                  now: datetime) -> list[Outcome]:
    """Each attempt's outcome, only where the row is still under the lease it was claimed
    with (one taken over by another dispatcher is not recorded twice): one read and one
    executemany. Returns those recorded."""
    if not outcomes:
        return []
    held = {rid: lease for rid, lease in conn.execute(
        select(table.c.id, table.c.next_attempt_at).where(
            table.c.id.in_([o.id for o in outcomes]), table.c.status.in_(n.DUE_STATES)))}
    done = [o for o in outcomes if held.get(o.id) == o.leased_until]
    if done:
        conn.execute(
            update(table).where(table.c.id == bindparam("b_id")).values(
                status=bindparam("b_status"), attempts=bindparam("b_attempts"),
                next_attempt_at=bindparam("b_next"), handed_at=bindparam("b_handed"),
                reason=bindparam("b_reason"), updated_at=now),
            [{"b_id": o.id, "b_status": o.status, "b_attempts": o.attempts,
              "b_next": o.next_attempt_at, "b_handed": o.handed_at,
              "b_reason": "" if o.status == n.SENT else o.detail} for o in done])
    return done
