"""Security review of access control (issue 12): each test is one attack that worked
before its fix, made through the HTTP API as an outsider or a low-privileged insider."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from orderhub.adapters.channels.registry import sign
from orderhub.bootstrap import Hub
from tests.api import api_client, auth_headers, create_app, issue_key
from tests.conftest import Clock
from tests.factories import ADDRESS_JSON, seed_network


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def order(ext: str) -> dict[str, Any]:
    return {"external_id": ext, "channel": "web", "currency": "CNY",
            "shipping_address": ADDRESS_JSON,
            "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]}


def _admin_user(admin: TestClient) -> tuple[str, str]:
    password = "correct horse battery staple"
    r = admin.post("/v1/access/users", json={"login": "boss", "role": "tenant_admin",
                                             "password": password})
    assert r.status_code == 201, r.text
    return r.json()["id"], password


def test_a_key_manager_cannot_take_over_a_stronger_user_by_setting_its_password(
        hub: Hub) -> None:
    """Attack: a key holding only access:manage (and orders:read) sets the password of the
    tenant administrator's console user, signs in as it and holds every scope, pii:full
    included. A change to a user needs every scope the user holds, as a grant does."""
    with api_client(hub) as admin:
        user_id, _ = _admin_user(admin)
    manager = TestClient(create_app(hub), headers=auth_headers(
        hub, role=None, scopes=["access:manage", "orders:read"], name="key-manager"))
    r = manager.patch(f"/v1/access/users/{user_id}",
                      json={"password": "attacker-chosen-password"})
    assert r.status_code == 403, r.text
    assert r.json()["required_scope"]
    r = manager.post("/v1/sessions", json={"tenant": "default", "login": "boss",
                                           "password": "attacker-chosen-password"})
    assert r.status_code == 401
    # nor lock the administrator out
    r = manager.patch(f"/v1/access/users/{user_id}", json={"disabled": True})
    assert r.status_code == 403


def test_a_key_manager_cannot_revoke_a_key_stronger_than_itself(hub: Hub) -> None:
    """Attack: a key holding only access:manage revokes the tenant administrator's key
    (rotation already refuses this: a change to a key needs the scopes the key holds)."""
    with api_client(hub) as admin:
        strong = admin.post("/v1/access/keys", json={"name": "ops-admin",
                                                     "role": "tenant_admin"}).json()
        weak = admin.post("/v1/access/keys", json={"name": "reader",
                                                   "scopes": ["orders:read"]}).json()
    manager = TestClient(create_app(hub), headers=auth_headers(
        hub, role=None, scopes=["access:manage", "orders:read"], name="key-manager"))
    r = manager.post(f"/v1/access/keys/{strong['id']}/revoke")
    assert r.status_code == 403, r.text
    assert TestClient(create_app(hub), headers=bearer(strong["token"])).get(
        "/v1/access/whoami").status_code == 200
    assert manager.post(f"/v1/access/keys/{weak['id']}/revoke").status_code == 200


def test_disabling_a_user_ends_its_cached_session_at_once(hub: Hub) -> None:
    """Attack: a user about to be disabled (or whose password was changed after a leak)
    keeps using a session token the API process has cached: the session was revoked in
    the table but the authentication cache still answered with it."""
    app = create_app(hub)
    admin = TestClient(app, headers=auth_headers(hub))
    user_id, password = _admin_user(admin)
    token = admin.post("/v1/sessions", json={"tenant": "default", "login": "boss",
                                             "password": password}).json()["token"]
    session = TestClient(app, headers=bearer(token))
    assert session.get("/v1/access/whoami").status_code == 200  # cached now
    assert admin.patch(f"/v1/access/users/{user_id}",
                       json={"disabled": True}).status_code == 200
    assert session.get("/v1/access/whoami").status_code == 401


def test_a_stolen_session_can_be_revoked_by_an_administrator(hub: Hub) -> None:
    """Attack: a console session token leaks; the administrator sees it in
    GET /v1/access/keys and revokes it, as the route's documentation says it can, but the
    revocation answered 404 and the thief kept the session for 12 hours."""
    app = create_app(hub)
    admin = TestClient(app, headers=auth_headers(hub))
    _, password = _admin_user(admin)
    stolen = admin.post("/v1/sessions", json={"tenant": "default", "login": "boss",
                                              "password": password}).json()
    listed = {k["id"]: k for k in admin.get("/v1/access/keys").json()}
    assert listed[stolen["id"]]["kind"] == "session"
    r = admin.post(f"/v1/access/keys/{stolen['id']}/revoke")
    assert r.status_code == 200, r.text
    assert TestClient(app, headers=bearer(stolen["token"])).get(
        "/v1/access/whoami").status_code == 401
    # a session is not rotated (it has no systems to switch over)
    assert admin.post(f"/v1/access/keys/{stolen['id']}/rotate").status_code == 404


def test_rotation_does_not_extend_a_keys_expiry(hub: Hub, clock: Clock) -> None:
    """Attack: a key that expires in an hour is rotated with a 30-day grace period; the
    old secret, which should have died within the hour, then works for 30 days."""
    with api_client(hub) as admin:
        key = admin.post("/v1/access/keys", json={
            "name": "contractor", "role": "analyst",
            "expires_at": (clock.now + timedelta(hours=1)).isoformat()}).json()
        r = admin.post(f"/v1/access/keys/{key['id']}/rotate", json={"grace_hours": 720})
        assert r.status_code == 201
    clock.now += timedelta(hours=2)
    hub.authenticator.forget(key["id"])
    old = TestClient(create_app(hub), headers=bearer(key["token"]))
    assert old.get("/v1/access/whoami").status_code == 401


def test_a_warehouse_bound_key_cannot_issue_an_unbound_one(hub: Hub) -> None:
    """Attack: a key restricted to warehouse SH that may manage keys issues a key with the
    same scopes and no warehouse list, which sees every warehouse's orders: the grant
    check compared scopes only."""
    token = issue_key(hub, role=None, scopes=["access:manage", "orders:read", "pii:masked"],
                      warehouses=["SH"], name="sh-lead")
    lead = TestClient(create_app(hub), headers=bearer(token))
    r = lead.post("/v1/access/keys", json={"name": "wider", "scopes": ["orders:read"]})
    assert r.status_code == 403, r.text
    r = lead.post("/v1/access/keys", json={"name": "wider", "scopes": ["orders:read"],
                                           "warehouses": ["SH", "BJ"]})
    assert r.status_code == 403, r.text
    r = lead.post("/v1/access/users", json={"login": "wider", "scopes": ["orders:read"]})
    assert r.status_code == 403, r.text
    r = lead.post("/v1/access/keys", json={"name": "same", "scopes": ["orders:read"],
                                           "warehouses": ["SH"]})
    assert r.status_code == 201, r.text


def test_a_channel_signing_in_the_authorization_header_is_not_refused(hub: Hub) -> None:
    """Attack surface: TikTok Shop signs its webhook in `Authorization` (a bare hex HMAC);
    the authentication middleware read it as a malformed bearer token, answered 401 and
    counted a failed sign-in against the channel's address, so a tenant's own channel
    could not deliver orders and was throttled."""
    seed_network(hub)
    secret = "app-key:app-secret"
    with api_client(hub) as admin:
        r = admin.post("/v1/channels", json={"code": "tts", "name": "TikTok Shop",
                                             "kind": "marketplace", "adapter": "tiktok",
                                             "secret": secret})
        assert r.status_code == 201, r.text
    from pathlib import Path
    body = (Path(__file__).resolve().parents[1] / "fixtures" / "channels"
            / "tiktok_order_usd.json").read_bytes()
    anonymous = TestClient(create_app(hub))
    r = anonymous.post("/v1/channels/tts/webhook?tenant=default", content=body,
                       headers={**sign("tiktok", body, secret),
                                "content-type": "application/json"})
    assert r.status_code == 200, r.text
    r = anonymous.post("/v1/channels/tts/webhook?tenant=default", content=body,
                       headers={"Authorization": "0" * 64, "content-type": "application/json"})
    assert r.status_code == 401 and r.json()["type"].endswith("bad-signature")
    # elsewhere a non-bearer Authorization is still the one 401
    r = anonymous.get("/v1/orders", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")


def test_guessing_keys_or_passwords_is_rate_limited(hub: Hub, clock: Clock) -> None:
    """Attack: an outsider guesses bearer tokens and console passwords as fast as it can;
    the failure hooks the middleware and sign-in call were never installed, so nothing
    slowed it down (issue 12: brute force on keys is rate-limited)."""
    limit = hub.settings.auth_failures_per_minute
    good = issue_key(hub, role="analyst")
    client = TestClient(create_app(hub))
    wrong = bearer(f"ohk_k{'0' * 16}_{'0' * 48}")
    for _ in range(limit - 1):
        assert client.get("/v1/orders", headers=wrong).status_code == 401
    r = client.get("/v1/orders", headers=wrong)
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    # the address is refused, even with a good key, and sign-in is refused too
    assert client.get("/v1/access/whoami", headers=bearer(good)).status_code == 429
    r = client.post("/v1/sessions", json={"tenant": "default", "login": "x",
                                          "password": "y" * 12})
    assert r.status_code == 429
    assert client.get("/healthz").status_code == 200
    clock.now += timedelta(minutes=1)
    assert client.get("/v1/access/whoami", headers=bearer(good)).status_code == 200
    for _ in range(limit):
        r = client.post("/v1/sessions", json={"tenant": "default", "login": "x",
                                              "password": "y" * 12})
    assert r.status_code == 401
    assert client.post("/v1/sessions", json={"tenant": "default", "login": "x",
                                             "password": "y" * 12}).status_code == 429
