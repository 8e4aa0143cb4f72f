"""Chat channels, identity mappings and cards (`uow.chat`). A channel's secrets are one
document encrypted with the unit of work's cipher, opened only to verify a callback or
when the dispatcher claims a card to send. The card queue has the notification queue's
shape (`claim_due` / `record` with the same `Claimed` / `Outcome`), so the notification
dispatcher sends cards too: one lease, back-off and dead-letter policy for both."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from orderhub.adapters.crypto.keyring import PiiCipher
from orderhub.adapters.db.notification_repository import (
    Claimed,
    Outcome,
    lease_due,
    record_leased,
)
from orderhub.adapters.db.tables import (
    chat_callbacks,
    chat_cards,
    chat_channels,
    chat_identities,
)
from orderhub.domain import notifications as n
from orderhub.domain.chat import CardRecord, Channel, Identity

_c = chat_channels
_i = chat_identities
_k = chat_cards
_b = chat_callbacks


def _field(channel_id: str) -> str:
    return f"chat_channels.secrets/{channel_id}"


def _channel(r: Any) -> Channel:
    return Channel(r.id, r.tenant_id, r.app, r.name, frozenset(r.subjects), r.enabled,
                   r.created_at, r.created_by)


class ChatRepository:
    def __init__(self, conn: Connection, pii: PiiCipher) -> None:
        self.conn = conn
        self.pii = pii

    # ----- channels ----------------------------------------------------------------------
    def add_channel(self, c: Channel, secrets: dict[str, str]) -> None:
        self.conn.execute(insert(_c).values(
            id=c.id, tenant_id=c.tenant_id, app=c.app, name=c.name,
            subjects=sorted(c.subjects), enabled=c.enabled,
            secrets=self.pii.encrypt_text(c.tenant_id, _field(c.id),
                                          orjson.dumps(secrets).decode()),
            created_at=c.created_at, created_by=c.created_by, updated_at=c.created_at))

    def channel_named(self, tenant_id: str, name: str) -> Channel | None:
        r = self.conn.execute(select(_c).where(_c.c.tenant_id == tenant_id,
                                               _c.c.name == name)).first()
        return _channel(r) if r else None

    def channel(self, channel_id: str) -> Channel | None:
        """By id alone: a callback names its channel, and the channel its tenant."""
        r = self.conn.execute(select(_c).where(_c.c.id == channel_id)).first()
        return _channel(r) if r else None

    def channels(self, tenant_id: str) -> list[Channel]:
        return [_channel(r) for r in self.conn.execute(
            select(_c).where(_c.c.tenant_id == tenant_id).order_by(_c.c.created_at, _c.c.id))]

    def set_enabled(self, tenant_id: str, channel_id: str, enabled: bool, at: datetime
                    ) -> bool:
        return bool(self.conn.execute(update(_c).where(
            _c.c.tenant_id == tenant_id, _c.c.id == channel_id).values(
            enabled=enabled, updated_at=at)).rowcount)

    def secrets(self, channel: Channel) -> dict[str, str]:
        token = self.conn.execute(select(_c.c.secrets).where(_c.c.id == channel.id)).scalar()
        if not token:
            return {}
        doc = orjson.loads(self.pii.decrypt_text(channel.tenant_id, _field(channel.id), token))
        return {str(k): str(v) for k, v in doc.items()}

    # ----- identities --------------------------------------------------------------------
    def map_user(self, ident: Identity) -> Identity | None:
        """Map (or re-map) a chat user; returns the mapping it replaced."""
        before = self.identity(ident.tenant_id, ident.app, ident.chat_user_id)
        key = (_i.c.tenant_id == ident.tenant_id, _i.c.app == ident.app,
               _i.c.chat_user_id == ident.chat_user_id)
        if before is None:
            self.conn.execute(insert(_i).values(
                tenant_id=ident.tenant_id, app=ident.app, chat_user_id=ident.chat_user_id,
                login=ident.login, mapped_at=ident.mapped_at, mapped_by=ident.mapped_by))
        else:
            self.conn.execute(update(_i).where(*key).values(
                login=ident.login, mapped_at=ident.mapped_at, mapped_by=ident.mapped_by))
        return before

    def unmap_user(self, tenant_id: str, app: str, chat_user_id: str) -> bool:
        return bool(self.conn.execute(delete(_i).where(
            _i.c.tenant_id == tenant_id, _i.c.app == app,
            _i.c.chat_user_id == chat_user_id)).rowcount)

    def identity(self, tenant_id: str, app: str, chat_user_id: str) -> Identity | None:
        r = self.conn.execute(select(_i).where(
            _i.c.tenant_id == tenant_id, _i.c.app == app,
            _i.c.chat_user_id == chat_user_id)).first()
        return Identity(r.tenant_id, r.app, r.chat_user_id, r.login, r.mapped_at,
                        r.mapped_by) if r else None

    def identities(self, tenant_id: str) -> list[Identity]:
        return [Identity(r.tenant_id, r.app, r.chat_user_id, r.login, r.mapped_at,
                         r.mapped_by) for r in self.conn.execute(
            select(_i).where(_i.c.tenant_id == tenant_id)
            .order_by(_i.c.app, _i.c.chat_user_id))]

    # ----- cards -------------------------------------------------------------------------
    def existing_cards(self, pairs: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        """(channel id, event id) pairs already carded (a redelivered batch)."""
        if not pairs:
            return set()
        events = sorted({e for _, e in pairs})
        return {(c, e) for c, e in self.conn.execute(
            select(_k.c.channel_id, _k.c.event_id).where(_k.c.event_id.in_(events)))}

    def add_cards(self, cards: Sequence[CardRecord], now: datetime) -> None:
        if cards:
            self.conn.execute(insert(_k), [
                {"id": c.id, "tenant_id": c.tenant_id, "channel_id": c.channel_id,
                 "kind": c.kind, "event_id": c.event_id, "order_id": c.order_id,
                 "exception_id": c.exception_id, "remedy_n": c.remedy_n,
                 "proposal_id": c.proposal_id, "rule_set_id": c.rule_set_id,
                 "requested_by": c.requested_by, "body": c.body, "status": n.QUEUED,
                 "reason": "", "attempts": 0, "next_attempt_at": now,
                 "created_at": c.created_at, "updated_at": now} for c in cards])

    def card(self, card_id: str) -> dict[str, Any] | None:
        r = self.conn.execute(select(_k).where(_k.c.id == card_id)).mappings().first()
        return dict(r) if r else None

    def cards(self, tenant_id: str, *, status: str | None = None, limit: int = 100
              ) -> list[dict[str, Any]]:
        q = select(*[c for c in _k.c if c.name != "body"]).where(_k.c.tenant_id == tenant_id)
        if status:
            q = q.where(_k.c.status == status)
        return [dict(r) for r in self.conn.execute(
            q.order_by(_k.c.created_at.desc(), _k.c.id).limit(limit)).mappings()]

    def claim_due(self, now: datetime, limit: int, leased_until: datetime) -> list[Claimed]:
        """Lease up to `limit` due cards (SKIP LOCKED on PostgreSQL), each with its
        channel's secrets opened (`to`, JSON) and the app as its medium."""
        rows = lease_due(self.conn, _k, (_k.c.id, _k.c.tenant_id, _k.c.order_id,
                                         _k.c.channel_id, _k.c.body, _k.c.attempts),
                         now, limit, leased_until)
        if not rows:
            return []
        channels = {r.id: r for r in self.conn.execute(
            select(_c.c.id, _c.c.tenant_id, _c.c.app, _c.c.secrets, _c.c.enabled)
            .where(_c.c.id.in_({r[3] for r in rows})))}
        out = []
        for cid, tid, oid, channel_id, body, attempts in rows:
            ch = channels.get(channel_id)
            to = ""
            if ch is not None and ch.enabled:
                to = self.pii.decrypt_text(tid, _field(channel_id), ch.secrets)
            out.append(Claimed(cid, tid, oid, ch.app if ch is not None else "", to, "",
                               body, attempts, "", leased_until))
        return out

    def record(self, outcomes: Sequence[Outcome], now: datetime) -> list[Outcome]:
        """Each attempt's outcome, under the lease it was claimed with."""
        return record_leased(self.conn, _k, outcomes, now)

    def claim_callback(self, channel_id: str, replay_key: str, body_sha256: str,
                       now: datetime, keep_since: datetime) -> dict[str, Any] | None:
        """Record a verified callback by its signature; None when it is new, else the row
        of the one seen first (its body's digest, outcome and answer). Rows older than
        `keep_since` (past every app's freshness window) are dropped. On PostgreSQL the
        same callback arriving twice at once: the second waits for the first's commit."""
        self.conn.execute(delete(_b).where(_b.c.received_at < keep_since))
        ins = pg_insert if self.conn.dialect.name == "postgresql" else sqlite_insert
        done = self.conn.execute(ins(_b).values(
            channel_id=channel_id, replay_key=replay_key, body_sha256=body_sha256,
            received_at=now, outcome="", answer="").on_conflict_do_nothing()
            .returning(_b.c.channel_id)).first()  # rowcount is -1 on PostgreSQL here
        if done is not None:
            return None
        r = self.conn.execute(select(_b).where(_b.c.channel_id == channel_id,
                                               _b.c.replay_key == replay_key)
                              ).mappings().first()
        return dict(r) if r else None

    def answer_callback(self, channel_id: str, replay_key: str, outcome: str, answer: str
                        ) -> None:
        self.conn.execute(update(_b).where(_b.c.channel_id == channel_id,
                                           _b.c.replay_key == replay_key)
                          .values(outcome=outcome, answer=answer))
