"""Who is calling: a bearer token to a principal, with a short in-process cache so a busy
API does not read the credentials table on every request.

A revocation in this process takes effect at once (`forget`); in other processes within
`cache_seconds`. `last_used_at` is written at most once per `touch_seconds` per credential,
and only by a request that authenticates with it (a wrong secret does not count), so
authentication adds no write per request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from orderhub.domain.access import PLATFORM_TENANT, Credential, Principal
from orderhub.domain.errors import NotFound, Unauthenticated
from orderhub.services.access.credentials import parse_token, secret_matches
from orderhub.services.unit_of_work import UowFactory


@dataclass(slots=True)
class _Cached:
    credential: Credential
    until: datetime
    touched: datetime | None


class Authenticator:
    def __init__(self, make_uow: UowFactory, clock: Callable[[], datetime], *,
                 default_tenant: str, cache_seconds: float = 5.0,
                 touch_seconds: float = 60.0) -> None:
        self.make_uow = make_uow
        self.clock = clock
        self.default_tenant = default_tenant
        self.cache_for = timedelta(seconds=cache_seconds)
        self.touch_every = timedelta(seconds=touch_seconds)
        self._cache: dict[str, _Cached] = {}
        self._tenants: set[str] = set()
        self._lock = threading.Lock()
        # Bumped by every `forget`: a read begun before one is not cached (it may hold the
        # row as it was before the revocation committed).
        self._forgets = 0

    def authenticate(self, token: str | None, *, tenant_header: str | None = None
                     ) -> Principal:
        """The principal for a bearer token; Unauthenticated for every kind of bad token.
        A platform operator acts for the tenant in `X-Tenant-ID` (else the default one);
        everyone else for their own tenant, whatever the header says."""
        parsed = parse_token(token) if token else None
        if parsed is None:
            raise Unauthenticated()
        cred_id, secret = parsed
        now = self.clock()
        cred = self._credential(cred_id, secret, now)
        if cred is None or not secret_matches(cred, secret) or not cred.usable(now):
            raise Unauthenticated()
        if cred.tenant_id != PLATFORM_TENANT:
            return cred.principal(cred.tenant_id)
        tenant = tenant_header or self.default_tenant
        if tenant not in self._tenants:
            with self.make_uow() as uow:
                if not uow.catalog.tenant_exists(tenant):
                    raise NotFound(f"tenant '{tenant}' not found")
            self._tenants.add(tenant)
        return cred.principal(tenant)

    def authenticate_cached(self, token: str | None, *, tenant_header: str | None = None
                            ) -> Principal | None:
        """`authenticate` without any I/O, for an event loop: the principal when the
        credential was read within `cache_seconds`, needs no `last_used_at` write and (for a
        platform operator) its tenant is known to exist; Unauthenticated for a token that
        is malformed or whose cached credential refuses it (a wrong secret, expired,
        revoked); None when only `authenticate` can tell (it reads the database). The same
        answers as `authenticate`, as fresh as its cache."""
        parsed = parse_token(token) if token else None
        if parsed is None:
            raise Unauthenticated()
        cred_id, secret = parsed
        now = self.clock()
        with self._lock:
            hit = self._cache.get(cred_id)
        if hit is None or now >= hit.until or (
                hit.touched is None or now - hit.touched >= self.touch_every):
            return None
        cred = hit.credential
        if not secret_matches(cred, secret) or not cred.usable(now):
            raise Unauthenticated()
        if cred.tenant_id != PLATFORM_TENANT:
            return cred.principal(cred.tenant_id)
        tenant = tenant_header or self.default_tenant
        if tenant not in self._tenants:
            return None
        return cred.principal(tenant)

    def _credential(self, cred_id: str, secret: str, now: datetime) -> Credential | None:
        """The credential (cached or read), its `last_used_at` written when due: only
        when `secret` is its own and it is usable (a guess with a known id is no use)."""
        with self._lock:
            hit = self._cache.get(cred_id)
        if hit is not None and now < hit.until:
            if (hit.touched is None or now - hit.touched >= self.touch_every) and (
                    hit.credential.usable(now) and secret_matches(hit.credential, secret)):
                self._touch(cred_id, now)
                hit.touched = now
            return hit.credential
        with self._lock:
            forgets = self._forgets
        with self.make_uow() as uow:
            cred = uow.access.credential(cred_id)
            touch = cred is not None and cred.usable(now) and (
                cred.last_used_at is None or now - cred.last_used_at >= self.touch_every
            ) and secret_matches(cred, secret)
            if touch:
                uow.access.touch(cred_id, now)
                uow.commit()
        if cred is None:
            return None
        with self._lock:
            if forgets != self._forgets:
                return cred
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[cred_id] = _Cached(cred, now + self.cache_for,
                                           now if touch else cred.last_used_at)
        return cred

    def _touch(self, cred_id: str, now: datetime) -> None:
        with self.make_uow() as uow:
            uow.access.touch(cred_id, now)
            uow.commit()

    def forget(self, cred_id: str) -> None:
        """Drop a credential from the cache (after a revocation or rotation here)."""
        with self._lock:
            self._forgets += 1
            self._cache.pop(cred_id, None)

    def forget_user(self, user_id: str) -> None:
        """Drop a console user's sessions from the cache (after disabling it, or a new
        password or role, ended them in the table)."""
        with self._lock:
            self._forgets += 1
            for cred_id in [k for k, v in self._cache.items()
                            if v.credential.user_id == user_id]:
                del self._cache[cred_id]
