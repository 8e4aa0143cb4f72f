"""Console users: people who sign in with a login and password and get a session (a
credential of kind "session" that expires), with the same roles and scopes as API keys."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from orderhub.domain.access import Principal, User, effective_scopes
from orderhub.domain.errors import Conflict, FieldError, InvalidInput, NotFound, Unauthenticated
from orderhub.services import audit
from orderhub.services.access.credentials import (
    Issued,
    grant,
    keep_an_administrator,
    new_credential,
    require_holds,
)
from orderhub.services.unit_of_work import UowFactory, retry_unique_race

SESSION_TTL = timedelta(hours=12)
_N, _R, _P = 2**14, 8, 1  # scrypt: about 16 MiB and tens of milliseconds per guess
MIN_PASSWORD = 12


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return "$".join(["scrypt", str(_N), str(_R), str(_P), base64.b64encode(salt).decode(),
                     base64.b64encode(digest).decode()])


def password_matches(stored: str, password: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r),
                         p=int(p), dklen=32)
    return hmac.compare_digest(got, base64.b64decode(digest))


# A hash to compare against when the login does not exist, so the answer takes as long.
_DECOY = hash_password(secrets.token_hex(8))


def generate_password() -> str:
    return secrets.token_urlsafe(15)


def describe(u: User) -> dict[str, Any]:
    return {"id": u.id, "login": u.login, "display_name": u.display_name,
            "role": u.role.value if u.role else None,
            "scopes": sorted(s.value for s in u.scopes),
            "effective_scopes": sorted(s.value for s in
                                       effective_scopes(u.role, u.scopes or None)),
            "warehouses": sorted(u.warehouses),
            "state": "disabled" if u.disabled_at else "active",
            "created_at": u.created_at, "created_by": u.created_by,
            "disabled_at": u.disabled_at, "last_login_at": u.last_login_at}


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput([FieldError("password",
                                       f"at least {MIN_PASSWORD} characters")])


def create_user(make_uow: UowFactory, tenant_id: str, *, login: str, display_name: str = "",
                role: str | None, scopes: Sequence[str] | None = None,
                warehouses: Sequence[str] = (), password: str | None = None,
                granter: Principal | None, actor: str, now: datetime
                ) -> tuple[dict[str, Any], str]:
    """Returns the user and its password (generated unless given: shown once)."""
    if not login.strip():
        raise InvalidInput([FieldError("login", "required")])
    parsed_role, listed = grant(tenant_id, role, scopes, granter, warehouses=warehouses)
    chosen = password or generate_password()
    _check_password(chosen)
    user = User(id="u" + secrets.token_hex(8), tenant_id=tenant_id, login=login.strip(),
                display_name=display_name.strip() or login.strip(), role=parsed_role,
                scopes=listed, warehouses=frozenset(warehouses),
                password_hash=hash_password(chosen), created_at=now, created_by=actor)
    def store() -> None:  # a concurrent twin loses the unique key, then finds the user
        with make_uow() as uow:
            if not uow.catalog.tenant_exists(tenant_id):
                raise NotFound(f"tenant '{tenant_id}' not found")
            if uow.access.user(tenant_id, login=user.login) is not None:
                raise Conflict(f"user '{user.login}' already exists")
            uow.access.add_user(user)
            uow.audit.add(tenant_id, [audit.Record(
                now, actor, "user_change", f"user/{user.id}",
                {"action": "user_created", "login": user.login,
                 "role": parsed_role.value if parsed_role else None,
                 "scopes": sorted(s.value for s in listed)})])
            uow.commit()

    retry_unique_race(store)
    return describe(user), chosen


def list_users(make_uow: UowFactory, tenant_id: str) -> list[dict[str, Any]]:
    with make_uow() as uow:
        return [describe(u) for u in uow.access.users(tenant_id)]


def update_user(make_uow: UowFactory, tenant_id: str, user_id: str, *,
                role: str | None = None, scopes: Sequence[str] | None = None,
                disabled: bool | None = None, password: str | None = None,
                granter: Principal | None, actor: str, now: datetime) -> dict[str, Any]:
    """Change a user's role or scopes, disable or enable, set a password. Disabling or a new
    password ends the user's sessions. Only a granter holding everything the user holds may
    change it (else a weaker key manager could set an administrator's password)."""
    with make_uow() as uow:
        user = uow.access.user(tenant_id, user_id=user_id)
        if user is None:
            raise NotFound(f"user '{user_id}' not found")
        require_holds(granter, effective_scopes(user.role, user.scopes or None),
                      user.warehouses, "change")
        values: dict[str, Any] = {}
        detail: dict[str, Any] = {"action": "user_changed", "login": user.login}
        if role is not None or scopes is not None:
            new_role, listed = grant(
                tenant_id, role if role is not None else (user.role.value if user.role
                                                          else None),
                scopes if scopes is not None else [s.value for s in user.scopes], granter,
                warehouses=sorted(user.warehouses))
            values.update(role=new_role, scopes=listed)
            detail["role"] = {"before": user.role.value if user.role else None,
                              "after": new_role.value if new_role else None}
            detail["scopes"] = {"before": sorted(s.value for s in user.scopes),
                                "after": sorted(s.value for s in listed)}
        end_sessions = False
        if disabled is not None and disabled != (user.disabled_at is not None):
            values["disabled_at"] = now if disabled else None
            detail["disabled"] = disabled
            end_sessions = disabled
        if password is not None:
            _check_password(password)
            values["password_hash"] = hash_password(password)
            detail["password"] = "changed"
            end_sessions = True
        if values:
            uow.access.update_user(user_id, **values)
            if end_sessions or "role" in values:
                uow.access.revoke_sessions_of(user_id, now)
            keep_an_administrator(uow, tenant_id, now)
            uow.audit.add(tenant_id, [audit.Record(now, actor, "user_change", f"user/{user_id}",
                                                   detail)])
        uow.commit()
        updated = uow.access.user(tenant_id, user_id=user_id)
    assert updated is not None
    return describe(updated)


def sign_in(make_uow: UowFactory, tenant_id: str, login: str, password: str, *,
            now: datetime, ttl: timedelta = SESSION_TTL) -> Issued:
    """A session for a user whose password matches; every failure is the same 401."""
    with make_uow() as uow:
        user = uow.access.user(tenant_id, login=login) if tenant_id else None
        ok = password_matches(user.password_hash if user else _DECOY, password)
        if user is None or not ok or user.disabled_at is not None:
            raise Unauthenticated()
        issued = new_credential(tenant_id=tenant_id, kind="session", name=user.login,
                                role=user.role, scopes=user.scopes,
                                warehouses=user.warehouses, created_by=f"user:{user.login}",
                                now=now, expires_at=now + ttl, user_id=user.id)
        uow.access.add_credential(issued.credential)
        uow.access.update_user(user.id, last_login_at=now)
        uow.commit()
    return issued


def sign_out(make_uow: UowFactory, principal: Principal, now: datetime) -> None:
    with make_uow() as uow:
        if principal.kind == "user":
            uow.access.revoke(principal.credential_id, now)
        uow.commit()
