"""The buyer's tracking page (`uow.tracking_links`): the tenant's keys that seal tracking
links (stored encrypted with the tenant's data key, like every other secret), per-order
revocations, customer service's scripts, and the lookups customer service finds an order by
(a waybill through ix_shipments_waybill; phones go through the orders' blind indexes in
`uow.orders.search_ids`, never by decrypting rows)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, case, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from orderhub.adapters.crypto import link_tokens
from orderhub.adapters.crypto.keyring import PiiCipher
from orderhub.adapters.db import tables as t
from orderhub.domain.tracking_page import ServiceScript

_k = t.tracking_link_keys.c
_r = t.tracking_link_revocations.c
_s = t.service_scripts.c


def _field(version: int) -> str:
    return f"tracking_link_keys.secret/{version}"


class TrackingLinkRepository:
    def __init__(self, conn: Connection, pii: PiiCipher) -> None:
        self.conn = conn
        self.pii = pii

    # ----- link keys ----------------------------------------------------------------------
    def current_key(self, tenant_id: str) -> tuple[int, bytes] | None:
        """The version and key new links are sealed with (None before the first link)."""
        row = self.conn.execute(select(_k.version, _k.secret).where(
            _k.tenant_id == tenant_id, _k.retired_at.is_(None))
            .order_by(_k.version.desc()).limit(1)).first()
        if row is None:
            return None
        return row.version, self._open(tenant_id, row.version, row.secret)

    def key(self, tenant_id: str, version: int) -> bytes | None:
        """The key of `version` if it is not retired."""
        row = self.conn.execute(select(_k.secret).where(
            _k.tenant_id == tenant_id, _k.version == version, _k.retired_at.is_(None))).first()
        return None if row is None else self._open(tenant_id, version, row.secret)

    def _open(self, tenant_id: str, version: int, stored: str) -> bytes:
        return self.pii.decrypt(tenant_id, _field(version), stored)

    def ensure_key(self, tenant_id: str, now: datetime) -> tuple[int, bytes]:
        """The current key, made when the tenant has none. Whether there is one and the
        version to make are read in one statement, so makers racing on the first key all
        try the same version: one inserts it, the others hit the primary key and use the
        winner's (a savepoint keeps the caller's transaction usable)."""
        top, live = self.conn.execute(select(
            func.max(_k.version),
            func.sum(case((_k.retired_at.is_(None), 1), else_=0)))
            .where(_k.tenant_id == tenant_id)).one()
        if live:
            found = self.current_key(tenant_id)
            if found is not None:
                return found
        try:
            with self.conn.begin_nested():
                return self._add(tenant_id, now, int(top or 0) + 1)
        except IntegrityError:
            found = self.current_key(tenant_id)
            if found is None:
                raise
            return found

    def _add(self, tenant_id: str, now: datetime, version: int) -> tuple[int, bytes]:
        key = link_tokens.new_key()
        self.conn.execute(t.tracking_link_keys.insert().values(
            tenant_id=tenant_id, version=version, created_at=now,
            secret=self.pii.encrypt(tenant_id, _field(version), key)))
        return version, key

    def rotate(self, tenant_id: str, now: datetime) -> tuple[int, int]:
        """A new key; every older one retired (their links no longer open). Returns (new
        version, how many were retired)."""
        top = self.conn.execute(select(func.max(_k.version)).where(
            _k.tenant_id == tenant_id)).scalar()
        retired = self.conn.execute(update(t.tracking_link_keys).where(
            _k.tenant_id == tenant_id, _k.retired_at.is_(None)).values(retired_at=now)).rowcount
        version, _ = self._add(tenant_id, now, int(top or 0) + 1)
        return version, int(retired or 0)

    def reencrypt_secrets(self, tenant_id: str) -> int:
        """Link keys not under the tenant's newest data key, rewritten under it (data-key
        rotation, services/keys.rotate_data)."""
        version = self.pii.current_version(tenant_id)
        rows = self.conn.execute(select(_k.version, _k.secret).where(
            _k.tenant_id == tenant_id,
            ~_k.secret.startswith(f"p1.{version}.", autoescape=True))).all()
        for v, stored in rows:
            clear = self._open(tenant_id, v, stored)
            self.conn.execute(update(t.tracking_link_keys).where(
                _k.tenant_id == tenant_id, _k.version == v).values(
                secret=self.pii.encrypt(tenant_id, _field(v), clear)))
        return len(rows)

    # ----- revocations --------------------------------------------------------------------
    def revoked_at(self, tenant_id: str, order_id: str) -> datetime | None:
        found: datetime | None = self.conn.execute(select(_r.revoked_at).where(
            _r.tenant_id == tenant_id, _r.order_id == order_id)).scalar()
        return found

    def revoke(self, tenant_id: str, order_id: str, now: datetime) -> None:
        done = self.conn.execute(update(t.tracking_link_revocations).where(
            _r.tenant_id == tenant_id, _r.order_id == order_id).values(revoked_at=now))
        if not done.rowcount:
            self.conn.execute(t.tracking_link_revocations.insert().values(
                tenant_id=tenant_id, order_id=order_id, revoked_at=now))

    # ----- lookups ------------------------------------------------------------------------
    def order_ids_by_waybill(self, tenant_id: str, waybill: str, limit: int) -> list[str]:
        sh = t.shipments.c
        return [oid for (oid,) in self.conn.execute(
            select(sh.order_id).where(sh.tenant_id == tenant_id, sh.waybill == waybill)
            .distinct().order_by(sh.order_id.desc()).limit(limit))]

    # ----- service scripts ----------------------------------------------------------------
    def scripts(self, tenant_id: str, targets: Sequence[str] | None = None
                ) -> list[ServiceScript]:
        q = select(_s.target, _s.lang, _s.size_guide, _s.return_policy, _s.contact).where(
            _s.tenant_id == tenant_id)
        if targets is not None:
            q = q.where(_s.target.in_(sorted(set(targets))))
        return [ServiceScript(r.target, r.lang, r.size_guide, r.return_policy, r.contact)
                for r in self.conn.execute(q.order_by(_s.target, _s.lang))]

    def put_script(self, tenant_id: str, script: ServiceScript, now: datetime,
                   actor: str) -> bool:
        """Set the script of (target, lang); returns whether one was replaced."""
        values = {"size_guide": script.size_guide, "return_policy": script.return_policy,
                  "contact": script.contact, "updated_at": now, "updated_by": actor}
        done = self.conn.execute(update(t.service_scripts).where(
            _s.tenant_id == tenant_id, _s.target == script.target, _s.lang == script.lang)
            .values(**values))
        if done.rowcount:
            return True
        self.conn.execute(t.service_scripts.insert().values(
            tenant_id=tenant_id, target=script.target, lang=script.lang, **values))
        return False

    def delete_script(self, tenant_id: str, target: str, lang: str | None) -> int:
        q = delete(t.service_scripts).where(_s.tenant_id == tenant_id, _s.target == target)
        if lang is not None:
            q = q.where(_s.lang == lang)
        return int(self.conn.execute(q).rowcount or 0)
