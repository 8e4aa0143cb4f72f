"""API keys: issued with a secret shown once, listed with when each was last used, rotated
with an overlap, revoked. Only a SHA-256 of the secret is stored.

A token reads `ohk_<id>_<secret>`: the id finds the row with one indexed lookup, the secret
(24 random bytes, hex) is compared by hash in constant time; the fixed prefix lets secret
scanners recognise leaked keys.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from orderhub.domain.access import (
    PLATFORM_SCOPES,
    PLATFORM_TENANT,
    ROLE_SCOPES,
    Credential,
    Principal,
    Role,
    Scope,
    effective_scopes,
    parse_scopes,
)
from orderhub.domain.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from orderhub.services import audit
from orderhub.services.unit_of_work import UnitOfWork, UowFactory

_TOKEN = re.compile(r"^ohk_([ks][0-9a-f]{16})_([0-9a-f]{48})$")
AUDIT_KIND = "key_change"  # domain/audit.AUDITED_KINDS


@dataclass(frozen=True, slots=True)
class Issued:
    """A credential just made: the token is in no other place and is never shown again."""

    credential: Credential
    token: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_token(token: str) -> tuple[str, str] | None:
    m = _TOKEN.match(token)
    return (m.group(1), m.group(2)) if m else None


def secret_matches(credential: Credential, secret: str) -> bool:
    return hmac.compare_digest(credential.secret_hash, hash_secret(secret))


def new_credential(*, tenant_id: str, kind: str, name: str, role: Role | None,
                   scopes: frozenset[Scope], warehouses: frozenset[str], created_by: str,
                   now: datetime, expires_at: datetime | None = None,
                   user_id: str | None = None) -> Issued:
    cred_id = ("k" if kind == "key" else "s") + secrets.token_hex(8)
    secret = secrets.token_hex(24)
    cred = Credential(id=cred_id, tenant_id=tenant_id, kind=kind, name=name, role=role,
                      scopes=scopes, warehouses=warehouses, secret_hash=hash_secret(secret),
                      created_at=now, created_by=created_by, expires_at=expires_at,
                      user_id=user_id)
    return Issued(cred, f"ohk_{cred_id}_{secret}")


def grant(tenant_id: str, role: str | None, scopes: Sequence[str] | None,
          granter: Principal | None, *, warehouses: Sequence[str] = ()
          ) -> tuple[Role | None, frozenset[Scope]]:
    """Check what a new key or user is given: known names, something at all, nothing the
    granter does not hold itself (None: the local operator at the CLI), platform powers only
    on the platform."""
    errors: list[FieldError] = []
    parsed_role: Role | None = None
    if role:
        try:
            parsed_role = Role(role)
        except ValueError:
            errors.append(FieldError("role", f"unknown role '{role}'; known: "
                                     f"{', '.join(r.value for r in Role)}"))
    listed: frozenset[Scope] = frozenset()
    try:
        listed = parse_scopes(tuple(scopes or ()))
    except ValueError as exc:
        errors.append(FieldError("scopes", str(exc)))
    if errors:
        raise InvalidInput(errors)
    if parsed_role is None and not listed:
        raise InvalidInput([FieldError("role", "give a role, scopes or both")])
    effective = effective_scopes(parsed_role, listed or None)
    if not effective:
        raise InvalidInput([FieldError("scopes", "the scopes listed are not in the role: "
                                       "the key would be able to do nothing")])
    platform = parsed_role is Role.PLATFORM_OPERATOR or bool(PLATFORM_SCOPES & effective)
    if platform != (tenant_id == PLATFORM_TENANT):
        raise InvalidInput([FieldError("role", "platform operator powers belong to platform "
                                       "credentials only (orderhub access platform-key)")])
    require_holds(granter, effective, frozenset(warehouses), "grant")
    return parsed_role, listed


def require_holds(granter: Principal | None, scopes: frozenset[Scope],
                  warehouses: frozenset[str], doing: str) -> None:
    """A granter may give, change or take away only what it holds itself: every scope, and,
    when it is bound to warehouses, nothing wider than its own warehouses (an unbound
    credential sees them all)."""
    if granter is None:
        return
    missing = sorted(s.value for s in scopes - granter.scopes)
    if missing:
        raise Forbidden(missing[0], f"you cannot {doing} scopes you do not hold: "
                        + ", ".join(missing))
    if granter.warehouses and not (warehouses and warehouses <= granter.warehouses):
        raise Forbidden(Scope.ACCESS_MANAGE.value, f"you cannot {doing} access beyond your "
                        "warehouses: " + ", ".join(sorted(granter.warehouses)))


def describe(c: Credential, now: datetime) -> dict[str, Any]:
    """A credential as listed: never its secret or hash."""
    if c.revoked_at is not None:
        state = "revoked"
    elif c.expires_at is not None and now >= c.expires_at:
        state = "expired"
    elif c.replaced_by:
        state = "rotating"
    else:
        state = "active"
    return {"id": c.id, "kind": c.kind, "name": c.name,
            "role": c.role.value if c.role else None,
            "scopes": sorted(s.value for s in c.scopes),
            "effective_scopes": sorted(s.value for s in
                                       effective_scopes(c.role, c.scopes or None)),
            "warehouses": sorted(c.warehouses), "state": state,
            "created_at": c.created_at, "created_by": c.created_by,
            "expires_at": c.expires_at, "revoked_at": c.revoked_at,
            "last_used_at": c.last_used_at, "replaced_by": c.replaced_by}


def _audit(uow: UnitOfWork, tenant_id: str, now: datetime, actor: str, subject: str,
           detail: dict[str, Any]) -> None:
    uow.audit.add(tenant_id, [audit.Record(now, actor, AUDIT_KIND, subject, detail)])


def create_key(make_uow: UowFactory, tenant_id: str, *, name: str, role: str | None,
               scopes: Sequence[str] | None = None, warehouses: Sequence[str] = (),
               expires_at: datetime | None = None, granter: Principal | None, actor: str,
               now: datetime) -> Issued:
    if not name.strip():
        raise InvalidInput([FieldError("name", "a key needs a name (who or what uses it)")])
    if expires_at is not None and expires_at <= now:
        raise InvalidInput([FieldError("expires_at", "must be in the future")])
    parsed_role, listed = grant(tenant_id, role, scopes, granter, warehouses=warehouses)
    issued = new_credential(tenant_id=tenant_id, kind="key", name=name.strip(),
                            role=parsed_role, scopes=listed, warehouses=frozenset(warehouses),
                            created_by=actor, now=now, expires_at=expires_at)
    with make_uow() as uow:
        if tenant_id != PLATFORM_TENANT and not uow.catalog.tenant_exists(tenant_id):
            raise NotFound(f"tenant '{tenant_id}' not found")
        uow.access.add_credential(issued.credential)
        _audit(uow, tenant_id, now, actor, f"credential/{issued.credential.id}",
               {"action": "key_created", "name": issued.credential.name,
                "role": parsed_role.value if parsed_role else None,
                "scopes": sorted(s.value for s in listed), "warehouses": sorted(warehouses),
                "expires_at": expires_at.isoformat() if expires_at else None})
        uow.commit()
    return issued


def list_keys(make_uow: UowFactory, tenant_id: str, now: datetime, *,
              include_revoked: bool = False, kinds: Sequence[str] = ("key",)
              ) -> list[dict[str, Any]]:
    with make_uow() as uow:
        found = uow.access.credentials(tenant_id, kinds=kinds, include_revoked=include_revoked)
    return [describe(c, now) for c in found]


def _owned(uow: UnitOfWork, tenant_id: str, key_id: str,
           kinds: tuple[str, ...] = ("key",)) -> Credential:
    found = uow.access.credential(key_id, tenant_id=tenant_id, for_update=True)
    if found is None or found.kind not in kinds:
        raise NotFound(f"key '{key_id}' not found")
    return found


def keep_an_administrator(uow: UnitOfWork, tenant_id: str, now: datetime) -> None:
    """After a change in this transaction, refuse it if the tenant has no usable key or
    enabled user left that can manage access: nobody could manage access again. Under the
    tenant's lock, so a concurrent change is counted once it commits."""
    uow.access.lock_tenant(tenant_id)
    keys = [c for c in uow.access.credentials(tenant_id, kinds=("key",))
            if c.usable(now) and not c.replaced_by
            and Scope.ACCESS_MANAGE in effective_scopes(c.role, c.scopes or None)]
    people = [u for u in uow.access.users(tenant_id) if u.disabled_at is None
              and Scope.ACCESS_MANAGE in effective_scopes(u.role, u.scopes or None)]
    if not keys and not people:
        raise Conflict("this would leave the tenant without anyone who can manage access; "
                       "create another administrator first")


def revoke_key(make_uow: UowFactory, tenant_id: str, key_id: str, *, actor: str,
               now: datetime, granter: Principal | None = None) -> dict[str, Any]:
    """Revoke a key or a console session at once (idempotent: revoking a revoked key
    changes nothing); only by a granter holding everything the credential holds."""
    with make_uow() as uow:
        found = _owned(uow, tenant_id, key_id, ("key", "session"))
        require_holds(granter, effective_scopes(found.role, found.scopes or None),
                      found.warehouses, "revoke")
        if found.revoked_at is None:
            uow.access.revoke(key_id, now)
            keep_an_administrator(uow, tenant_id, now)
            _audit(uow, tenant_id, now, actor, f"credential/{key_id}",
                   {"action": "key_revoked", "name": found.name})
        uow.commit()
        result = uow.access.credential(key_id)
    assert result is not None
    return describe(result, now)


def rotate_key(make_uow: UowFactory, tenant_id: str, key_id: str, *, grace: timedelta,
               granter: Principal | None, actor: str, now: datetime) -> Issued:
    """A new secret under a new id with the same name, role and scopes; the old key keeps
    working for `grace` (zero: stops now) so the systems using it can switch over."""
    with make_uow() as uow:
        old = _owned(uow, tenant_id, key_id)
        if not old.usable(now) or old.replaced_by:
            raise InvalidInput([FieldError("key_id", "only an active key that has not been "
                                           "rotated already can be rotated")])
        require_holds(granter, effective_scopes(old.role, old.scopes or None),
                      old.warehouses, "rotate")
        issued = new_credential(tenant_id=tenant_id, kind="key", name=old.name, role=old.role,
                                scopes=old.scopes, warehouses=old.warehouses,
                                created_by=actor, now=now, expires_at=old.expires_at)
        uow.access.add_credential(issued.credential)
        until = now + grace
        if old.expires_at is not None:  # the grace never outlives the key's own expiry
            until = min(until, old.expires_at)
        if until > now:
            uow.access.revoke(key_id, now, replaced_by=issued.credential.id,
                              expires_at=until)
        else:
            uow.access.revoke(key_id, now, replaced_by=issued.credential.id)
        _audit(uow, tenant_id, now, actor, f"credential/{key_id}",
               {"action": "key_rotated", "name": old.name, "new_key": issued.credential.id,
                "old_key_until": max(until, now).isoformat()})
        uow.commit()
    return issued


def roles() -> list[dict[str, Any]]:
    return [{"role": r.value, "scopes": sorted(s.value for s in ROLE_SCOPES[r])} for r in Role]
