"""Review of the HTTP path's cached authentication (branch `http`, issue 13 item 3): a
credential checked on the event loop (`Authenticator.authenticate_cached`) must be refused,
limited, metered and recorded exactly as one checked by `authenticate` in a thread."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orderhub.bootstrap import Hub, bootstrap
from orderhub.config import Settings
from orderhub.domain.errors import Unauthenticated
from orderhub.services.access import credentials
from orderhub.services.access.authentication import Authenticator
from tests.api import api_client, create_app, issue_key
from tests.conftest import Clock

DOCS = Path(__file__).resolve().parents[2] / "docs" / "access.md"


def _get(c: TestClient, token: str) -> int:
    return c.get("/v1/orders?limit=1",
                 headers={"Authorization": f"Bearer {token}"}).status_code


def _last_used(hub: Hub, cred_id: str) -> object:
    with hub.read_uow() as uow:
        cred = uow.access.credential(cred_id)
    assert cred is not None
    return cred.last_used_at


def test_a_revoked_key_is_refused_at_once_though_it_was_checked_on_the_loop(
        hub: Hub) -> None:
    token = issue_key(hub, role="analyst")
    key_id = token.split("_")[1]
    with api_client(hub) as admin:
        assert _get(admin, token) == 200
        assert hub.authenticator.authenticate_cached(token) is not None  # the loop's path
        assert _get(admin, token) == 200
        assert admin.post(f"/v1/access/keys/{key_id}/revoke").status_code == 200
        r = admin.get("/v1/orders", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401
        assert r.headers["content-type"].startswith("application/problem+json")


def test_another_process_refuses_a_revoked_key_within_the_documented_bound(
        hub: Hub, clock: Clock) -> None:
    """A second API process has its own cache: it may accept a key revoked elsewhere for
    at most `cache_seconds`, and docs/access.md states that bound."""
    other = Authenticator(hub.uow, hub.clock, default_tenant="default")
    seconds = other.cache_for.total_seconds()
    assert re.search(rf"within {seconds:g} s in other\s+API processes", DOCS.read_text())
    token = issue_key(hub, role="analyst")
    key_id = token.split("_")[1]
    other.authenticate(token)
    with api_client(hub) as admin:
        assert admin.post(f"/v1/access/keys/{key_id}/revoke").status_code == 200
    clock.now += timedelta(seconds=seconds - 1)
    assert other.authenticate_cached(token) is not None  # stale, within the bound
    clock.now += timedelta(seconds=1)
    assert other.authenticate_cached(token) is None  # past it: the database decides
    with pytest.raises(Unauthenticated):
        other.authenticate(token)


def test_an_expired_key_is_refused_on_the_loop(hub: Hub, clock: Clock) -> None:
    issued = credentials.create_key(
        hub.uow, "default", name="short", role="analyst", scopes=None, warehouses=[],
        granter=None, actor="test", now=hub.clock(), expires_at=hub.clock() + timedelta(
            seconds=2))
    hub.authenticator.authenticate(issued.token)
    clock.now += timedelta(seconds=2)
    with pytest.raises(Unauthenticated):
        hub.authenticator.authenticate_cached(issued.token)


def test_a_console_session_ends_at_once_when_its_user_is_disabled_or_changed(
        hub: Hub) -> None:
    with api_client(hub) as admin:
        for change in ({"disabled": True}, {"role": "finance"}):
            login = f"u{len(change)}{next(iter(change))}"
            made = admin.post("/v1/access/users", json={
                "login": login, "role": "analyst", "password": "correct horse battery"})
            assert made.status_code == 201, made.text
            signed = admin.post("/v1/sessions", json={
                "tenant": "default", "login": login, "password": "correct horse battery"})
            assert signed.status_code == 201, signed.text
            session = signed.json()["token"]
            assert _get(admin, session) == 200
            assert hub.authenticator.authenticate_cached(session) is not None
            patched = admin.patch(f"/v1/access/users/{made.json()['id']}", json=change)
            assert patched.status_code == 200, patched.text
            assert _get(admin, session) == 401


@pytest.mark.parametrize("value", [
    "Bearer", "Bearer ", "Bearer  ", "bearer x", "BEARER ohk_", "Bearer ohk_k_x",
    "Bearer ohk_k0123456789abcdef_" + "0" * 48,  # well formed, unknown
    "Bearer ohk_K0123456789ABCDEF_" + "0" * 48,
    "Bearer ohk_k0123456789abcdef_" + "0" * 47 + "\u00ff",
    "Bearer " + "x" * 8000,
])
def test_malformed_authorization_headers_are_401_problem_json(hub: Hub,
                                                              value: str) -> None:
    with TestClient(create_app(hub)) as c:
        r = c.get("/v1/orders", headers={"Authorization": value.encode("latin-1")})  # type: ignore[dict-item]
    assert r.status_code == 401, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"] == "/problems/unauthenticated"


def test_a_wrong_secret_for_a_cached_key_is_401_and_counts_as_a_failure(hub: Hub) -> None:
    token = issue_key(hub, role="analyst")
    key_id = token.split("_")[1]
    with api_client(hub) as admin:
        assert _get(admin, token) == 200
        r = admin.get("/v1/orders", headers={
            "Authorization": f"Bearer ohk_{key_id}_{'f' * 48}"})
        assert r.status_code == 401
        assert r.headers["content-type"].startswith("application/problem+json")


@pytest.fixture
def limited(database_url: str, clock: Clock) -> Iterator[tuple[Hub, TestClient]]:
    hub = bootstrap(Settings(database_url=database_url, rate_limit_key_burst=3,
                             rate_limit_key_per_second=0.001, rate_limit_tenant_burst=50,
                             rate_limit_tenant_per_second=0.001), clock=clock)
    with TestClient(create_app(hub)) as c:
        yield hub, c
    hub.close()


def test_cached_credentials_are_still_rate_limited_and_metered(
        limited: tuple[Hub, TestClient]) -> None:
    hub, c = limited
    token = issue_key(hub, role="analyst")
    assert [_get(c, token) for _ in range(3)] == [200, 200, 200]
    assert hub.authenticator.authenticate_cached(token) is not None  # served on the loop
    r = c.get("/v1/orders", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 429
    assert "Retry-After" in r.headers


def test_last_used_at_is_written_for_cached_hits_once_per_interval(
        hub: Hub, clock: Clock) -> None:
    """A long cache (so hits stay cached past the touch interval): the loop's check defers
    when `last_used_at` is due, and the thread writes it."""
    auth = Authenticator(hub.uow, hub.clock, default_tenant="default", cache_seconds=600,
                         touch_seconds=60)
    token = issue_key(hub, role="analyst")
    key_id = token.split("_")[1]
    start = clock.now
    auth.authenticate(token)
    assert _last_used(hub, key_id) == start
    clock.now += timedelta(seconds=30)
    assert auth.authenticate_cached(token) is not None
    assert _last_used(hub, key_id) == start  # no write per request
    clock.now += timedelta(seconds=31)
    assert auth.authenticate_cached(token) is None  # due: only the thread may write
    auth.authenticate(token)
    assert _last_used(hub, key_id) == clock.now


def test_a_wrong_secret_does_not_mark_a_key_as_used(hub: Hub, clock: Clock) -> None:
    """`last_used_at` tells an administrator which keys are still in use (GET
    /v1/access/keys); a request with a key's id and a wrong secret did not use it. The id is
    not a secret (it is listed, and in the audit log)."""
    token = issue_key(hub, role="analyst")
    key_id = token.split("_")[1]
    assert _last_used(hub, key_id) is None
    for _ in range(2):  # a cache miss, then a cached credential whose touch is due
        with pytest.raises(Unauthenticated):
            hub.authenticator.authenticate(f"ohk_{key_id}_{'f' * 48}")
        assert _last_used(hub, key_id) is None
    hub.authenticator.authenticate(token)
    assert _last_used(hub, key_id) == clock.now


class _RevokedWhileReading:
    """A unit-of-work factory for a second authenticator: when armed, the key is revoked
    (and forgotten, as the revoking route does) just after the authenticator's database
    read ends and before it caches what it read: the revocation commits while a request
    that read the old row is still in flight."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.auth: Authenticator | None = None
        self.armed: str | None = None

    def __call__(self) -> Any:
        real = self.hub.uow()
        outer = self

        class Around:
            def __enter__(self) -> Any:
                return real.__enter__()

            def __exit__(self, *exc: Any) -> Any:
                done = real.__exit__(*exc)
                if outer.armed is not None:
                    key_id, outer.armed = outer.armed, None
                    credentials.revoke_key(outer.hub.uow, "default", key_id, actor="test",
                                           now=outer.hub.clock(), granter=None)
                    assert outer.auth is not None
                    outer.auth.forget(key_id)
                return done

        return Around()


def test_a_revocation_during_a_database_read_is_not_undone_by_the_cache(hub: Hub) -> None:
    """docs/access.md: revocation is immediate in the process that revokes. A request that
    read the credential before the revocation committed may finish, but what it read must
    not go into the cache after `forget`, or the key works here for `cache_seconds` more."""
    factory = _RevokedWhileReading(hub)
    auth = Authenticator(factory, hub.clock, default_tenant="default")
    factory.auth = auth
    issue_key(hub)  # the tenant keeps an administrator
    token = issue_key(hub, role="analyst")
    factory.armed = token.split("_")[1]
    auth.authenticate(token)  # in flight across the revocation: it read the live row
    assert factory.armed is None
    assert auth.authenticate_cached(token) is None  # nothing stale cached: the table decides
    with pytest.raises(Unauthenticated):
        auth.authenticate(token)
