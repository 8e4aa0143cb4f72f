"""Credentials (API keys, console sessions) and console users in the store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from orderhub.adapters.db import tables as t
from orderhub.domain.access import Credential, Role, Scope, User

_c = t.credentials.c
_u = t.users.c


def _role(value: str | None) -> Role | None:
    return Role(value) if value else None


def _credential(r: Any) -> Credential:
    return Credential(
        id=r["id"], tenant_id=r["tenant_id"], kind=r["kind"], name=r["name"],
        role=_role(r["role"]), scopes=frozenset(Scope(s) for s in r["scopes"]),
        warehouses=frozenset(r["warehouses"]), secret_hash=r["secret_hash"],
        created_at=r["created_at"], created_by=r["created_by"], expires_at=r["expires_at"],
        revoked_at=r["revoked_at"], last_used_at=r["last_used_at"],
        replaced_by=r["replaced_by"], user_id=r["user_id"])


def _user(r: Any) -> User:
    return User(
        id=r["id"], tenant_id=r["tenant_id"], login=r["login"],
        display_name=r["display_name"], role=_role(r["role"]),
        scopes=frozenset(Scope(s) for s in r["scopes"]), warehouses=frozenset(r["warehouses"]),
        password_hash=r["password_hash"], created_at=r["created_at"],
        created_by=r["created_by"], disabled_at=r["disabled_at"],
        last_login_at=r["last_login_at"])


class AccessRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def lock_tenant(self, tenant_id: str) -> None:
        """Serialise changes to who may manage a tenant (its row, FOR UPDATE on PostgreSQL;
        SQLite's single writer serialises anyway), so two concurrent revocations cannot
        each leave the other as the last administrator and both commit."""
        self.conn.execute(select(t.tenants.c.id).where(t.tenants.c.id == tenant_id)
                          .with_for_update())

    # credentials ----------------------------------------------------------------------------
    def add_credential(self, c: Credential) -> None:
        self.conn.execute(t.credentials.insert().values(
            id=c.id, tenant_id=c.tenant_id, kind=c.kind, name=c.name, user_id=c.user_id,
            role=c.role.value if c.role else None, scopes=sorted(s.value for s in c.scopes),
            warehouses=sorted(c.warehouses), secret_hash=c.secret_hash,
            created_at=c.created_at, created_by=c.created_by, expires_at=c.expires_at,
            revoked_at=c.revoked_at, last_used_at=c.last_used_at, replaced_by=c.replaced_by))

    def credential(self, credential_id: str, *, tenant_id: str | None = None,
                   for_update: bool = False) -> Credential | None:
        q = select(t.credentials).where(_c.id == credential_id)
        if tenant_id is not None:
            q = q.where(_c.tenant_id == tenant_id)
        if for_update:
            q = q.with_for_update()
        row = self.conn.execute(q).mappings().first()
        return _credential(row) if row else None

    def credentials(self, tenant_id: str, *, kinds: Sequence[str] = ("key",),
                    include_revoked: bool = False) -> list[Credential]:
        q = (select(t.credentials).where(_c.tenant_id == tenant_id, _c.kind.in_(kinds))
             .order_by(_c.created_at, _c.id))
        if not include_revoked:
            q = q.where(_c.revoked_at.is_(None))
        return [_credential(r) for r in self.conn.execute(q).mappings()]

    def revoke(self, credential_id: str, at: datetime, *, replaced_by: str | None = None,
               expires_at: datetime | None = None) -> None:
        """Revoke now, or (rotation) let it run until `expires_at` and name its successor."""
        values: dict[str, Any] = {"replaced_by": replaced_by} if replaced_by else {}
        if expires_at is not None:
            values["expires_at"] = expires_at
        else:
            values["revoked_at"] = at
        self.conn.execute(update(t.credentials).where(_c.id == credential_id).values(**values))

    def revoke_sessions_of(self, user_id: str, at: datetime) -> None:
        self.conn.execute(update(t.credentials)
                          .where(_c.user_id == user_id, _c.revoked_at.is_(None))
                          .values(revoked_at=at))

    def touch(self, credential_id: str, at: datetime) -> None:
        self.conn.execute(update(t.credentials).where(_c.id == credential_id)
                          .values(last_used_at=at))

    # users ----------------------------------------------------------------------------------
    def add_user(self, u: User) -> None:
        self.conn.execute(t.users.insert().values(
            id=u.id, tenant_id=u.tenant_id, login=u.login, display_name=u.display_name,
            role=u.role.value if u.role else None, scopes=sorted(s.value for s in u.scopes),
            warehouses=sorted(u.warehouses), password_hash=u.password_hash,
            created_at=u.created_at, created_by=u.created_by, disabled_at=u.disabled_at,
            last_login_at=u.last_login_at))

    def user(self, tenant_id: str, *, user_id: str | None = None,
             login: str | None = None) -> User | None:
        q = select(t.users).where(_u.tenant_id == tenant_id)
        q = q.where(_u.id == user_id) if user_id is not None else q.where(_u.login == login)
        row = self.conn.execute(q).mappings().first()
        return _user(row) if row else None

    def users(self, tenant_id: str) -> list[User]:
        q = select(t.users).where(_u.tenant_id == tenant_id).order_by(_u.login)
        return [_user(r) for r in self.conn.execute(q).mappings()]

    def update_user(self, user_id: str, **values: Any) -> None:
        if "role" in values and isinstance(values["role"], Role):
            values["role"] = values["role"].value
        if "scopes" in values:
            values["scopes"] = sorted(s.value for s in values["scopes"])
        self.conn.execute(update(t.users).where(_u.id == user_id).values(**values))
