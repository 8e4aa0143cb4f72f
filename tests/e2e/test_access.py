"""Access control end to end: provisioning from the CLI, keys and users through the API,
401 and 403 answers, the tenant and actor taken from the credential (issue 12)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from orderhub.bootstrap import Hub
from orderhub.cli.app import app as cli
from orderhub.domain.errors import Unauthenticated
from tests.api import api_client, auth_headers, create_app, issue_key, platform_headers
from tests.conftest import Clock
from tests.factories import ADDRESS_JSON, seed_network

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "channels"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def order(ext: str) -> dict[str, Any]:
    return {"external_id": ext, "channel": "web", "currency": "CNY",
            "shipping_address": ADDRESS_JSON,
            "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]}


def test_operator_provisions_a_tenant_whose_key_sees_only_that_tenant(
        hub: Hub, database_url: str) -> None:
    seed_network(hub)
    run = CliRunner().invoke(cli, ["tenant", "create", "ACME", "--admin", "alice@acme.cn",
                                   "--name", "Acme", "--json"],
                             env={"ORDERHUB_DATABASE_URL": database_url})
    assert run.exit_code == 0, run.output
    made = __import__("json").loads(run.output)
    assert made["admin_key"].startswith("ohk_") and len(made["admin_password"]) >= 12
    again = CliRunner().invoke(cli, ["tenant", "create", "ACME", "--admin", "x"],
                               env={"ORDERHUB_DATABASE_URL": database_url})
    assert again.exit_code == 1 and "already exists" in again.output

    with api_client(hub) as default_admin:
        assert default_admin.post("/v1/orders", json=order("D-1")).status_code == 201
    client = TestClient(create_app(hub), headers=bearer(made["admin_key"]))
    me = client.get("/v1/access/whoami").json()
    assert (me["tenant"], me["actor"], me["role"]) == ("ACME", "key:alice@acme.cn",
                                                       "tenant_admin")
    # the header cannot move an ordinary credential to another tenant
    r = client.get("/v1/orders", headers={"X-Tenant-ID": "default"})
    assert r.status_code == 200 and r.json()["items"] == []
    # the console user signs in with the password shown once
    r = client.post("/v1/sessions", json={"tenant": "ACME", "login": "alice@acme.cn",
                                          "password": made["admin_password"]})
    assert r.status_code == 201, r.text
    session = TestClient(create_app(hub), headers=bearer(r.json()["token"]))
    assert session.get("/v1/access/whoami").json()["actor"] == "user:alice@acme.cn"


def test_every_bad_credential_gets_the_same_401(hub: Hub, clock: Clock) -> None:
    with api_client(hub) as admin:
        token = admin.post("/v1/access/keys", json={
            "name": "short-lived", "role": "analyst",
            "expires_at": (clock.now + timedelta(hours=1)).isoformat()}).json()["token"]
        revoked = admin.post("/v1/access/keys", json={"name": "gone", "role": "analyst"}).json()
        assert admin.post(f"/v1/access/keys/{revoked['id']}/revoke").status_code == 200
    client = TestClient(create_app(hub))
    key_id, secret = re.match(r"ohk_(\w+?)_(\w+)$", token).groups()  # type: ignore[union-attr]
    bad = {
        "missing": {},
        "malformed": bearer("not-a-key"),
        "basic scheme": {"Authorization": "Basic dXNlcjpwYXNz"},
        "unknown": bearer(f"ohk_k{'0' * 16}_{secret}"),
        "wrong secret": bearer(f"ohk_{key_id}_{'0' * 48}"),
        "revoked": bearer(revoked["token"]),
    }
    bodies = set()
    for why, headers in bad.items():
        r = client.get("/v1/orders", headers=headers)
        assert r.status_code == 401, why
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.headers["www-authenticate"].startswith("Bearer")
        bodies.add(r.text)
    assert len(bodies) == 1  # nothing tells one cause from another
    assert client.get("/v1/orders", headers=bearer(token)).status_code == 200
    clock.now += timedelta(hours=2)
    client.app.state.hub.authenticator.forget(key_id)  # type: ignore[attr-defined]
    r = client.get("/v1/orders", headers=bearer(token))
    assert r.status_code == 401 and r.text in bodies  # expired: the same answer
    assert client.get("/healthz").status_code == 200  # public


def test_a_missing_scope_is_403_naming_it(hub: Hub) -> None:
    seed_network(hub)
    with api_client(hub) as admin:
        oid = admin.post("/v1/orders", json=order("S-1")).json()["id"]
    with api_client(hub, role="finance") as finance:
        assert finance.get(f"/v1/orders/{oid}").status_code == 200
        r = finance.post(f"/v1/orders/{oid}/cancel", json={"reason": "x"})
        assert r.status_code == 403 and r.json()["required_scope"] == "orders:manage"
        assert "orders:manage" in r.json()["detail"]
        # 403 comes before looking the object up: no existence is revealed
        r = finance.post("/v1/orders/ord_nope/cancel", json={"reason": "x"})
        assert r.status_code == 403
        # finance invoices and records payments (orders:bill), here refused by the lifecycle
        r = finance.post(f"/v1/orders/{oid}/invoice")
        assert r.status_code == 409 and r.json()["type"] == "/problems/illegal-transition"
    with api_client(hub, role="rules_author") as author:
        r = author.post("/v1/rules/sets", json={"name": "draft", "rules": []})
        assert r.status_code != 403
        r = author.put("/v1/routing/rules/no-sh", json={"when": {}, "then": {}})
        assert r.status_code == 403 and r.json()["required_scope"] == "rules:approve"
    with api_client(hub, role="channel_integration") as channel:
        assert channel.post("/v1/orders", json=order("S-2")).status_code == 201
        assert channel.get(f"/v1/orders/{oid}").status_code == 403


def test_keys_are_listed_rotated_and_revoked_and_grants_are_bounded(
        hub: Hub, clock: Clock) -> None:
    with api_client(hub) as admin:
        r = admin.post("/v1/access/keys", json={"name": "erp", "role": "operations",
                                                "scopes": ["orders:read", "orders:write"]})
        assert r.status_code == 201
        erp = r.json()
        assert erp["scopes"] == ["orders:read", "orders:write"]
        erp_client = TestClient(create_app(hub), headers=bearer(erp["token"]))
        assert erp_client.get("/v1/orders").status_code == 200
        # narrowed: the role's other scopes are not given
        assert erp_client.post("/v1/orders/o/cancel", json={}).status_code == 403

        listed = {k["id"]: k for k in admin.get("/v1/access/keys").json()}
        assert listed[erp["id"]]["last_used_at"] is not None
        assert all("token" not in k and "secret_hash" not in k for k in listed.values())

        clock.now += timedelta(minutes=5)
        r = admin.post(f"/v1/access/keys/{erp['id']}/rotate", json={"grace_hours": 1})
        assert r.status_code == 201
        new = r.json()
        assert new["token"] != erp["token"] and new["scopes"] == erp["scopes"]
        assert erp_client.get("/v1/orders").status_code == 200  # still in its grace hour
        assert TestClient(create_app(hub), headers=bearer(new["token"])).get(
            "/v1/orders").status_code == 200
        clock.now += timedelta(hours=2)
        hub.authenticator.forget(erp["id"])
        assert erp_client.get("/v1/orders").status_code == 401

        r = admin.post(f"/v1/access/keys/{new['id']}/revoke")
        assert r.status_code == 200 and r.json()["state"] == "revoked"
        assert TestClient(create_app(hub), headers=bearer(new["token"])).get(
            "/v1/orders").status_code == 401

        r = admin.post("/v1/access/keys", json={"name": "x", "role": "platform_operator"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "role"
        r = admin.post("/v1/access/keys", json={"name": "x", "role": "wizard"})
        assert r.status_code == 422 and "unknown role" in r.json()["detail"]
        r = admin.post("/v1/access/keys", json={"name": "x", "scopes": ["orders:fly"]})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "scopes"
        assert admin.post("/v1/access/keys/knope/revoke").status_code == 404
    # an operator can read the audit log but cannot hand out keys at all ...
    with api_client(hub, role="operations") as ops:
        r = ops.post("/v1/access/keys", json={"name": "x", "role": "finance"})
        assert r.status_code == 403 and r.json()["required_scope"] == "access:manage"
    # ... and a key manager cannot grant what it does not hold
    with api_client(hub, scopes=["access:manage", "orders:read"], role=None) as keeper:
        r = keeper.post("/v1/access/keys", json={"name": "x", "role": "operations"})
        assert r.status_code == 403 and "cannot grant" in r.json()["detail"]
        r = keeper.post("/v1/access/keys", json={"name": "x", "scopes": ["orders:read"]})
        assert r.status_code == 201


def test_users_sign_in_and_disabling_ends_their_sessions(hub: Hub) -> None:
    with api_client(hub) as admin:
        r = admin.post("/v1/access/users", json={"login": "li.lei", "role": "finance"})
        assert r.status_code == 201
        user, password = r.json(), r.json()["password"]
        assert admin.post("/v1/access/users", json={"login": "li.lei",
                                                    "role": "finance"}).status_code == 409
        client = TestClient(create_app(hub))
        wrong = client.post("/v1/sessions", json={"tenant": "default", "login": "li.lei",
                                                  "password": "wrong-password-1"})
        nobody = client.post("/v1/sessions", json={"tenant": "nowhere", "login": "li.lei",
                                                   "password": password})
        assert wrong.status_code == nobody.status_code == 401
        assert wrong.json()["detail"] == nobody.json()["detail"]
        r = client.post("/v1/sessions", json={"tenant": "default", "login": "li.lei",
                                              "password": password})
        session = bearer(r.json()["token"])
        me = client.get("/v1/access/whoami", headers=session).json()
        assert (me["actor"], me["role"], me["pii"]) == ("user:li.lei", "finance", "none")
        assert any(k["kind"] == "session" for k in admin.get("/v1/access/keys").json())
        r = admin.patch(f"/v1/access/users/{user['id']}", json={"disabled": True})
        assert r.status_code == 200 and r.json()["state"] == "disabled"
        hub.authenticator.forget(me["credential_id"])
        assert client.get("/v1/access/whoami", headers=session).status_code == 401
        assert client.post("/v1/sessions", json={"tenant": "default", "login": "li.lei",
                                                  "password": password}).status_code == 401
        kinds = [e["detail"].get("action") for e in admin.get("/v1/audit").json()
                 if e["kind"] == "user_change"]
        assert "user_created" in kinds and "user_changed" in kinds


def test_the_actor_is_the_credential_not_a_header(hub: Hub) -> None:
    seed_network(hub)
    headers = {**auth_headers(hub, role="operations", name="wms-bot"), "X-Actor": "ceo"}
    with api_client(hub) as admin:
        oid = admin.post("/v1/orders", json=order("A-1")).json()["id"]
        r = admin.post(f"/v1/orders/{oid}/cancel", json={"reason": "test"}, headers=headers)
        assert r.status_code == 200, r.text
        timeline = admin.get(f"/v1/orders/{oid}/timeline").json()
        assert timeline[0]["actor"] == "key:test-tenant_admin"
        assert timeline[-1]["actor"] == "key:wms-bot"
        assert "ceo" not in str(timeline)


def test_platform_operator_acts_for_a_named_tenant_and_provisions(hub: Hub) -> None:
    seed_network(hub)
    with api_client(hub) as admin:
        admin.post("/v1/orders", json=order("P-1"))
    platform = TestClient(create_app(hub), headers=platform_headers(hub))
    assert len(platform.get("/v1/orders").json()["items"]) == 1
    r = platform.post("/v1/tenants", json={"id": "beta", "name": "Beta", "admin": "bo"})
    assert r.status_code == 201 and r.json()["admin_key"]["token"].startswith("ohk_")
    r = platform.get("/v1/orders", headers={"X-Tenant-ID": "beta"})
    assert r.status_code == 200 and r.json()["items"] == []
    assert platform.get("/v1/orders", headers={"X-Tenant-ID": "ghost"}).status_code == 404
    # the platform sees personal data masked only
    assert platform.get("/v1/access/whoami").json()["pii"] == "masked"
    with api_client(hub) as admin:
        r = admin.post("/v1/tenants", json={"id": "gamma", "admin": "g"})
        assert r.status_code == 403 and r.json()["required_scope"] == "tenants:manage"


def test_channel_webhook_is_authenticated_by_its_signature(hub: Hub) -> None:
    seed_network(hub)
    secret = "tmall-webhook-secret"
    with api_client(hub) as admin:
        admin.post("/v1/channels", json={"code": "tmall-store", "name": "天猫",
                                         "kind": "marketplace", "adapter": "taobao",
                                         "secret": secret})
    body = (FIXTURES / "taobao_trade_fullinfo.json").read_bytes()
    sign = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    headers = {"X-Top-Sign": sign, "content-type": "application/json"}
    anonymous = TestClient(create_app(hub))
    r = anonymous.post("/v1/channels/tmall-store/webhook?tenant=default", content=body,
                       headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()[0]["outcome"] == "created"
    r = anonymous.post("/v1/channels/tmall-store/webhook", content=body,
                       headers={**headers, "X-Tenant-ID": "default"})
    assert r.status_code == 200 and r.json()[0]["outcome"] == "unchanged"
    unknown_tenant = anonymous.post("/v1/channels/tmall-store/webhook?tenant=ghost",
                                    content=body, headers=headers)
    bad_sign = anonymous.post("/v1/channels/tmall-store/webhook?tenant=default",
                              content=body, headers={**headers, "X-Top-Sign": "AAAA"})
    assert unknown_tenant.status_code == bad_sign.status_code == 401
    assert unknown_tenant.json()["detail"] == bad_sign.json()["detail"]
    r = anonymous.post("/v1/channels/tmall-store/webhook", content=body,
                       headers={**headers, **auth_headers(hub, role="analyst")})
    assert r.status_code == 403 and r.json()["required_scope"] == "channels:ingest"


def test_demo_key_is_written_once_and_reused(hub: Hub, tmp_path: Path) -> None:
    from orderhub.tools.demo import ensure_demo_key

    path, made = ensure_demo_key(hub, str(tmp_path))
    assert made and oct(path.stat().st_mode & 0o777) == "0o600"
    again, made_again = ensure_demo_key(hub, str(tmp_path))
    assert again == path and not made_again
    token = path.read_text().strip()
    assert TestClient(create_app(hub), headers=bearer(token)).get(
        "/v1/access/whoami").json()["role"] == "tenant_admin"
    assert issue_key(hub) != token


def test_logistics_sees_only_released_orders_of_its_warehouses_masked(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 10, ("B", "BJ"): 10})
    with api_client(hub) as admin:
        to_sh = admin.post("/v1/orders", json=order("L-1")).json()["id"]  # A: from SH
        body = order("L-2")
        body["lines"][0]["sku"] = "B"
        to_bj = admin.post("/v1/orders", json=body).json()["id"]  # B: from BJ
        waiting = admin.post("/v1/orders", json=order("L-3")).json()["id"]  # SH, not released
        for oid in (to_sh, to_bj):
            assert admin.post(f"/v1/orders/{oid}/release").status_code == 200
    token = issue_key(hub, role="logistics", warehouses=["SH"], name="sh-dock")
    dock = TestClient(create_app(hub), headers=bearer(token))
    listed = [o["id"] for o in dock.get("/v1/orders").json()["items"]]
    assert listed == [to_sh]
    seen = dock.get(f"/v1/orders/{to_sh}").json()
    address = seen["shipping_address"]
    assert address["phone"].endswith("8000") and address["phone"] != ADDRESS_JSON["phone"]
    assert address["line1"]  # released to it: the street is there for the label
    for hidden in (to_bj, waiting):  # other warehouses', or not yet released: not found
        assert dock.get(f"/v1/orders/{hidden}").status_code == 404
        assert dock.get(f"/v1/orders/{hidden}/timeline").status_code == 404
    assert dock.get(f"/v1/orders/{to_sh}/timeline").status_code == 200
    finance = TestClient(create_app(hub), headers=auth_headers(hub, role="finance"))
    seen = finance.get(f"/v1/orders/{to_sh}").json()
    assert seen["totals"]["grand_total"] and "13800138000" not in str(seen)
    assert ADDRESS_JSON["line1"] not in str(seen) and ADDRESS_JSON["name"] not in str(seen)


def test_a_tenant_is_never_left_without_an_administrator(hub: Hub) -> None:
    from orderhub.domain.errors import Conflict
    from orderhub.services.access import users

    with api_client(hub) as admin:
        me = admin.get("/v1/access/whoami").json()
        r = admin.post(f"/v1/access/keys/{me['credential_id']}/revoke")
        assert r.status_code == 409 and "without anyone" in r.json()["detail"]
        user = admin.post("/v1/access/users", json={"login": "boss",
                                                    "role": "tenant_admin"}).json()
        assert admin.post(f"/v1/access/keys/{me['credential_id']}/revoke").status_code == 200
    try:  # the last administrator is now the user: the operator cannot disable it either
        users.update_user(hub.uow, "default", user["id"], disabled=True, granter=None,
                          actor="test", now=hub.clock())
        raise AssertionError("disabled the last administrator")
    except Conflict:
        pass
    assert users.list_users(hub.read_uow, "default")[0]["state"] == "active"


def test_a_warehouse_bound_key_acts_only_on_its_warehouses_orders(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 10, ("B", "BJ"): 10})
    with api_client(hub) as admin:
        body = order("W-1")
        body["lines"][0]["sku"] = "B"
        to_bj = admin.post("/v1/orders", json=body).json()["id"]
        to_sh = admin.post("/v1/orders", json=order("W-2")).json()["id"]
        for oid in (to_bj, to_sh):
            admin.post(f"/v1/orders/{oid}/release")
    token = issue_key(hub, role=None, scopes=["orders:read", "orders:manage"],
                      warehouses=["SH"], name="sh-only")
    dock = TestClient(create_app(hub), headers=bearer(token))
    assert dock.post(f"/v1/orders/{to_bj}/pick").status_code == 404
    assert dock.post(f"/v1/orders/{to_sh}/pick").status_code == 200
    with api_client(hub) as admin:
        assert admin.get(f"/v1/orders/{to_bj}").json()["status"] == "released"


def test_the_event_loops_cached_check_answers_as_the_full_one(hub: Hub, clock: Clock) -> None:
    """`authenticate_cached` (run on the event loop, no I/O) gives the same principal or
    401 as `authenticate` for a credential in the cache, and defers (None) whenever only
    the database can tell: not cached, cached too long ago, forgotten after a revocation."""
    auth = hub.authenticator
    token = issue_key(hub, role="analyst")
    key_id = token.split("_")[1]
    assert auth.authenticate_cached(token) is None  # never read: the database decides
    full = auth.authenticate(token)
    assert auth.authenticate_cached(token) == full
    with pytest.raises(Unauthenticated):
        auth.authenticate_cached(f"ohk_{key_id}_{'0' * 48}")  # a wrong secret, cached key
    with pytest.raises(Unauthenticated):
        auth.authenticate_cached("not-a-key")
    with api_client(hub) as admin:  # revoked through the API: forgotten at once here
        assert admin.post(f"/v1/access/keys/{key_id}/revoke").status_code == 200
    assert auth.authenticate_cached(token) is None
    with pytest.raises(Unauthenticated):
        auth.authenticate(token)
    other = issue_key(hub, role="analyst")
    auth.authenticate(other)
    clock.now += timedelta(seconds=auth.cache_for.total_seconds() + 1)
    assert auth.authenticate_cached(other) is None  # past the cache's lifetime: re-read


def test_the_openapi_document_is_built_before_the_first_request(hub: Hub) -> None:
    """The body limits and the meter match each request against it: the server builds it
    at start-up, not on the event loop of the first request."""
    from orderhub.api.app import create_app as fresh_app

    app = fresh_app(hub)
    assert app.openapi_schema is None
    with TestClient(app):
        assert app.openapi_schema is not None
